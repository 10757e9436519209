"""Population per wijk and age from the municipality's population register (BRP), already counted.

Input is aggregate (no persons): two CSV files as the BRP reporting tool of a municipality exports
them.

``persons``:    region_code,period,age_from,age_to,sex,persons       (age_to empty for the open top)
``households``: region_code,period,household_type,households
                household_type: eenpersoons | paar_zonder_kinderen | paar_met_kinderen | eenouder | overig

Wijk rows are summed to the municipality, so wijken and gemeente always agree.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import PERIOD_RE, WarehouseError

AGE_GROUPS = [(0, 3), (4, 11), (12, 17), (18, 26), (27, 64), (65, 74), (75, 84), (85, None)]
HOUSEHOLD_TYPES = {"eenpersoons", "paar_zonder_kinderen", "paar_met_kinderen", "eenouder", "overig"}
PERSON_COLUMNS = {"region_code": pl.String, "period": pl.String, "age_from": pl.Int32, "age_to": pl.Int32,
                  "sex": pl.String, "persons": pl.Int64}
HOUSEHOLD_COLUMNS = {"region_code": pl.String, "period": pl.String, "household_type": pl.String,
                     "households": pl.Int64}


def age_group_label(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def _read(data: bytes, columns: dict, what: str) -> pl.DataFrame:
    if not data.strip():
        raise WarehouseError(f"{what}: het bestand is leeg")
    try:
        df = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise WarehouseError(f"{what}: geen leesbaar CSV-bestand") from exc
    missing = set(columns) - set(df.columns)
    if missing:
        raise WarehouseError(f"{what}: kolommen ontbreken: {sorted(missing)} (nodig: {', '.join(columns)})")
    out = []
    for name, dtype in columns.items():
        col = df[name].str.strip_chars()
        cast = col.cast(dtype, strict=False)
        bad = cast.is_null() & col.is_not_null() & (col != "")
        if bad.any():
            row = int(bad.arg_max()) + 2  # +1 header, +1 one-based
            raise WarehouseError(f"{what}, rij {row}, kolom {name}: geen geldige waarde")
        out.append(cast.alias(name))
    df = pl.DataFrame(out)
    bad_period = df.filter(~pl.col("period").str.contains(PERIOD_RE.pattern))
    if bad_period.height:
        raise WarehouseError(f"{what}: periode {bad_period['period'][0]!r} is geen CBS-periodecode zoals 2024JJ00")
    return df


def aggregate(persons: pl.DataFrame, households: pl.DataFrame, gemeente: str) -> pl.DataFrame:
    """Observations for the population indicators, per wijk and summed to the municipality."""
    unknown = set(households["household_type"].unique()) - HOUSEHOLD_TYPES
    if unknown:
        raise WarehouseError(f"huishoudensbestand: onbekend household_type {sorted(unknown)}; toegestaan "
                             f"{sorted(HOUSEHOLD_TYPES)}")
    wijk_persons = persons.filter(pl.col("region_code").str.starts_with("WK"))
    gm_persons = wijk_persons.with_columns(region_code=pl.lit(gemeente))
    p = pl.concat([wijk_persons, gm_persons])
    wijk_hh = households.filter(pl.col("region_code").str.starts_with("WK"))
    h = pl.concat([wijk_hh, wijk_hh.with_columns(region_code=pl.lit(gemeente))])

    def band(lo: int, hi: int | None) -> pl.Expr:
        # A register band [age_from, age_to] counts towards [lo, hi] when it lies inside it.
        cond = pl.col("age_from") >= lo
        if hi is not None:
            cond &= pl.col("age_to").is_not_null() & (pl.col("age_to") <= hi)
        return pl.when(cond).then(pl.col("persons")).otherwise(0).sum()

    keys = ["region_code", "period"]
    sums = p.group_by(keys).agg(
        population=pl.col("persons").sum(),
        pop_0_17=band(0, 17), pop_18_64=band(18, 64), pop_65plus=band(65, None), pop_75plus=band(75, None),
    )
    hh = h.group_by(keys).agg(
        households=pl.col("households").sum(),
        single=pl.col("households").filter(pl.col("household_type") == "eenpersoons").sum(),
        children=pl.col("households").filter(pl.col("household_type").is_in(["paar_met_kinderen", "eenouder"])).sum(),
    )
    wide = sums.join(hh, on=keys, how="left").with_columns(
        pct_65plus=100 * pl.col("pop_65plus") / pl.col("population"),
        pct_0_17=100 * pl.col("pop_0_17") / pl.col("population"),
        pct_single_households=100 * pl.col("single") / pl.col("households"),
        pct_households_with_children=100 * pl.col("children") / pl.col("households"),
    )
    denominators = {"pct_65plus": "population", "pct_0_17": "population",
                    "pct_single_households": "households", "pct_households_with_children": "households"}
    frames = []
    for ind in ["population", "pop_0_17", "pop_18_64", "pop_65plus", "pop_75plus", "households",
                "pct_65plus", "pct_0_17", "pct_single_households", "pct_households_with_children"]:
        den = denominators.get(ind)
        frames.append(wide.select(
            pl.lit(ind).alias("indicator_id"), "region_code", "period",
            pl.col(ind).cast(pl.Float64).alias("value"),
            (pl.col(den).cast(pl.Float64) if den else pl.lit(None, pl.Float64)).alias("denominator"),
        ))
    # Population per age group: the base for expected use per wijk (indirect standardisation).
    for lo, hi in AGE_GROUPS:
        frames.append(p.group_by(keys).agg(value=band(lo, hi).cast(pl.Float64)).select(
            pl.lit("population").alias("indicator_id"), "region_code", "period",
            pl.lit("age_group").alias("breakdown"), pl.lit(age_group_label(lo, hi)).alias("category"),
            "value", pl.lit(None, pl.Float64).alias("denominator"),
        ))
    obs = pl.concat(frames, how="diagonal")
    return obs.with_columns(
        breakdown=pl.col("breakdown").fill_null(""), category=pl.col("category").fill_null(""),
        status=pl.lit("final"), source_id=pl.lit(f"population:{gemeente}"),
    )


def load(persons: bytes, households: bytes, *, gemeente: str, warehouse: Path,
         catalogue_path: Path | None = None, release: str = "") -> int:
    cat = catalogue_mod.load(catalogue_path)
    p = _read(persons, PERSON_COLUMNS, "personenbestand")
    h = _read(households, HOUSEHOLD_COLUMNS, "huishoudensbestand")
    obs = aggregate(p, h, gemeente)
    source = pl.DataFrame([{
        "source_id": f"population:{gemeente}", "kind": "population",
        "title": "Basisregistratie Personen: inwoners en huishoudens per wijk", "table_id": "",
        "url": "", "release": release, "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checksum": hashlib.sha256(persons + households).hexdigest()[:16], "rows": obs.height,
    }])
    # The demo generator loads its fictional population with release "demo" into its demo warehouse.
    publish(warehouse, indicators=cat.to_frame(), observations=obs, sources=source,
            meta={"demo": True} if release == "demo" else None)
    return obs.height


def register(sub, common) -> None:
    p = sub.add_parser("population", parents=[common], help="load population per wijk and age (BRP counts)")
    p.add_argument("persons", type=Path, help="CSV: region_code,period,age_from,age_to,sex,persons")
    p.add_argument("households", type=Path, help="CSV: region_code,period,household_type,households")
    p.add_argument("--gemeente", required=True, help="municipality code, e.g. GM0995")
    p.set_defaults(func=run)


def run(args) -> int:
    wh = settings.load(args.warehouse).warehouse
    n = load(args.persons.read_bytes(), args.households.read_bytes(), gemeente=args.gemeente,
             warehouse=wh, catalogue_path=args.catalogue)
    print(f"Bevolking geladen: {n} cijfers.")
    return 0
