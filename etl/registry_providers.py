"""Figures per provider (aanbieder), for civil servants only: clients, euros paid and drop-out per year.

Providers are organisations, but the provider column is free text in most systems, and a pgb holder can
hire a private person. So a name becomes a label only when it looks like an organisation's name (letters,
no long digit runs that could be a BSN or phone number, a sensible length) and the provider had at least
:data:`MIN_CLIENTS` different clients in the extract; every other provision is counted under
"Overige aanbieders", and pgb provisions under "Pgb (zelf ingekocht)". Small cells are then suppressed with
the same rules as every figure, the law's total included so a hidden provider cannot be worked out.

The result is not an observation of the release (those are public): it is kept as a file of the release,
``providers-<law>.parquet``, that only :func:`components.registry_view.providers` reads, after checking
the role on the server."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

import settings as settings_mod
from domain.suppression import protect
from etl.registry_cells import _during, _paid, _period_table
from etl.registry_codes import DROP_OUT, counts_for_dropout
from etl.registry_read import MAX_YEARS_BACK

MIN_CLIENTS = 20      # different clients a provider needs over the whole extract to be shown by name
OTHERS = "Overige aanbieders"
PGB = "Pgb (zelf ingekocht)"
FILE = "providers-{law}.parquet"
MEASURES = {"clients": "count", "cost": "euro", "dropout_share": "percent"}
_NAME = r"^[\p{L}][\p{L}\p{N} .,&'()/+-]{1,79}$"


def provider_cells(rows: pl.DataFrame, law: str, reference: date, first_year: int | None,
                   s: settings_mod.Settings) -> pl.DataFrame:
    """Per year and provider (and the law's total): clients, euros paid, drop-out; suppressed."""
    prov = rows.filter(pl.col("start").is_not_null())
    if prov.is_empty():
        return pl.DataFrame()
    first = prov["start"].min().year
    per = _period_table(first_year or max(first, reference.year - MAX_YEARS_BACK), reference, years_only=True)
    prov = _labelled(prov)
    active = _during(prov, per, "start", "end")
    ended = _during(prov.filter(pl.col("end").is_not_null() & counts_for_dropout()), per, "end")
    frames = []
    for keys, breakdown in (([], ""), (["label"], "provider")):
        stock = active.group_by("period", *keys).agg(clients=pl.col("person").n_unique().cast(pl.Float64),
                                                     cost=_paid(reference))
        drop = ended.group_by("period", *keys).agg(dropout_share=100 * (pl.col("end_reason") == DROP_OUT).mean(),
                                                   _base=pl.len().cast(pl.Float64))
        cat = pl.col("label") if keys else pl.lit("")
        frames += [stock.select("period", category=cat, indicator_id=pl.lit(f"{law}:clients"), value="clients",
                                denominator=pl.lit(None, pl.Float64), breakdown=pl.lit(breakdown)),
                   stock.select("period", category=cat, indicator_id=pl.lit(f"{law}:cost"), value="cost",
                                denominator="clients", breakdown=pl.lit(breakdown)),
                   drop.select("period", category=cat, indicator_id=pl.lit(f"{law}:dropout_share"),
                               value="dropout_share", denominator="_base", breakdown=pl.lit(breakdown))]
    cells = (pl.concat(frames, how="diagonal_relaxed")
             .join(per.select(pl.col("pid").alias("period"), "code", "p_end"), on="period")
             .with_columns(region_code=pl.lit(rows["gemeente"][0]), status=pl.when(pl.col("p_end") >= reference)
                           .then(pl.lit("provisional")).otherwise(pl.lit("final")))
             .drop("period", "p_end").rename({"code": "period"}))
    meta = pl.DataFrame({"id": [f"{law}:{m}" for m in MEASURES], "unit": list(MEASURES.values()),
                         "sensitive": [False] * len(MEASURES), "denominator_id": [None] * len(MEASURES),
                         "source_json": ["{}"] * len(MEASURES), "derive_json": [None] * len(MEASURES)},
                        schema_overrides={"denominator_id": pl.String, "derive_json": pl.String})
    out = protect(cells.select("indicator_id", "region_code", "period", "breakdown", "category", "value",
                               "denominator", "status"), meta, s)
    # The bases were only for the suppression: a cost row's base is the provider's exact client count, kept
    # where the client cell itself is hidden. The view reads values only.
    return out.with_columns(measure=pl.col("indicator_id").str.split(":").list.get(1),
                            denominator=pl.lit(None, pl.Float64)).drop("indicator_id")


def _labelled(prov: pl.DataFrame) -> pl.DataFrame:
    """Each provision with its provider label (the cleaned name, OTHERS or PGB); the raw text is dropped."""
    name = pl.col("provider").cast(pl.String).str.strip_chars().str.replace_all(r"\s+", " ")
    looks_right = name.str.contains(_NAME) & ~name.str.contains(r"\d{5,}") & ~name.str.contains("@")
    prov = prov.with_columns(_name=pl.when(looks_right).then(name))
    big = (prov.filter(pl.col("_name").is_not_null()).group_by("_name").agg(n=pl.col("person").n_unique())
           .filter(pl.col("n") >= MIN_CLIENTS)["_name"])
    label = (pl.when(pl.col("delivery_form").cast(pl.String) == "PGB").then(pl.lit(PGB))
             .when(pl.col("_name").is_in(big.implode())).then(pl.col("_name")).otherwise(pl.lit(OTHERS)))
    return prov.with_columns(label=label).drop("_name", "provider")


def file_name(law: str, member: str | None = None) -> str:
    """The provider file of one law: ``providers-<law>.parquet`` for the home member (or a single
    installation), ``providers-<GMcode>-<law>.parquet`` for another member of a region."""
    return FILE.format(law=law if member is None else f"{member}-{law}")


def files(rows: pl.DataFrame, reference: date, first_year: int | None, s: settings_mod.Settings,
          member: str | None = None) -> dict[str, bytes]:
    """The provider file of every law in ``rows`` (Wmo, youth care, Participatiewet, debt help); ``member``
    names a member of a region that is not the home member (:func:`file_name`)."""
    out = {}
    for law in sorted(set(rows["law"])):
        cells = provider_cells(rows.filter(pl.col("law") == law), law, reference, first_year, s)
        if cells.height:
            buf = io.BytesIO()
            cells.write_parquet(buf)
            out[file_name(law, member)] = buf.getvalue()
    return out
