"""Derived figures: computed at publication from the counts a release holds, for every region.

The catalogue says per indicator how its value comes about (``derive`` in ``data/catalogue.toml``):

- ``derive = { numerator = "a", denominator = "b", scale = 1000 }``: a / b x scale, same region
  and period (the numerator may be split by breakdown; the denominator is the total);
- ``derive = { sum = ["a", "b", "c"] }``: a + b + c, same region, period and category, only where
  every part is there (a missing age band would undercount).

``apply`` runs over the merged observations of a release inside ``warehouse.publication.publish``, so the
counts of any loader (CBS, waarstaatjegemeente, the demo) yield the rates, at the national,
municipal, wijk and buurt level alike: peers, medians and maps then compare like with like.
A computed row replaces any row of the same key; it carries the numerator's source (so the
provenance line names the table the count came from) and its denominator (so a rate on a small
base is suppressed like any other).
"""

from __future__ import annotations

import json

import polars as pl

KEY = ["region_code", "period", "breakdown", "category"]
CELL = ["indicator_id", *KEY]


def derivations(indicators: pl.DataFrame) -> list[tuple[str, dict]]:
    """(indicator id, derivation) for every derived indicator, each after the ones it is built from."""
    if "derive_json" not in indicators.columns:  # an indicators frame from before derivations existed
        return []
    todo = {r["id"]: json.loads(r["derive_json"]) for r in indicators.select("id", "derive_json").iter_rows(named=True)
            if r["derive_json"]}
    ordered: list[tuple[str, dict]] = []
    while todo:
        ready = [i for i, d in todo.items() if not set(_parts(d)) & set(todo)]
        if not ready:  # the catalogue refuses cycles; a hand-made frame must not hang the load
            raise ValueError(f"derivations form a cycle: {sorted(todo)}")
        for i in sorted(ready):
            ordered.append((i, todo.pop(i)))
    return ordered


def _parts(d: dict) -> list[str]:
    return list(d["sum"]) if "sum" in d else [d["numerator"], d["denominator"]]


def apply(indicators: pl.DataFrame, obs: pl.DataFrame) -> pl.DataFrame:
    """``obs`` with every derived indicator (re)computed from its parts."""
    for indicator_id, d in derivations(indicators):
        computed = _sum(obs, indicator_id, d["sum"]) if "sum" in d else _ratio(obs, indicator_id, d)
        if computed.is_empty():
            continue
        keep = obs.join(computed.select(CELL), on=CELL, how="anti")
        obs = pl.concat([keep, computed.select(obs.columns).cast(obs.schema)])
    return obs


def _status(statuses: pl.Expr, value: pl.Expr) -> pl.Expr:
    return (pl.when(value.is_null()).then(pl.lit("suppressed"))
            .when(statuses).then(pl.lit("provisional"))
            .otherwise(pl.lit("final")))


def _ratio(obs: pl.DataFrame, indicator_id: str, d: dict) -> pl.DataFrame:
    num = obs.filter(pl.col("indicator_id") == d["numerator"])
    den = (obs.filter((pl.col("indicator_id") == d["denominator"]) & (pl.col("breakdown") == "")
                      & (pl.col("category") == ""))
           .select("region_code", "period", base=pl.col("value"), base_status=pl.col("status")))
    joined = num.join(den, on=["region_code", "period"], how="inner")
    value = pl.when(pl.col("value").is_not_null() & (pl.col("base") > 0)) \
        .then(pl.col("value") / pl.col("base") * float(d["scale"]))
    provisional = (pl.col("status") == "provisional") | (pl.col("base_status") == "provisional")
    return joined.with_columns(value.alias("value")).select(
        pl.lit(indicator_id).alias("indicator_id"), *KEY, "value",
        pl.col("base").alias("denominator"),
        _status(provisional, pl.col("value")).alias("status"), "source_id")


def _sum(obs: pl.DataFrame, indicator_id: str, parts: list[str]) -> pl.DataFrame:
    rows = obs.filter(pl.col("indicator_id").is_in(parts))
    first = pl.col("indicator_id").replace_strict({p: i for i, p in enumerate(parts)}, return_dtype=pl.Int32)
    summed = (rows.with_columns(_order=first).sort("_order")
              .group_by(KEY, maintain_order=True)
              .agg(n=pl.col("indicator_id").n_unique(), missing=pl.col("value").is_null().any(),
                   total=pl.col("value").sum(), provisional=(pl.col("status") == "provisional").any(),
                   source_id=pl.col("source_id").first())
              .filter(pl.col("n") == len(parts)))
    value = pl.when(pl.col("missing")).then(None).otherwise(pl.col("total")).cast(pl.Float64)
    return summed.with_columns(value.alias("value")).select(
        pl.lit(indicator_id).alias("indicator_id"), *KEY, "value",
        pl.lit(None, dtype=pl.Float64).alias("denominator"),
        _status(pl.col("provisional"), pl.col("value")).alias("status"), "source_id")
