"""The cells a registry figure is counted in: periods (years, quarters, months), rows spread over the
periods they fall in, and counts, shares and medians per municipality, wijk and buurt. Shared by
:mod:`etl.registry_counts` and :mod:`etl.registry_effect`; person-level rows stay in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from etl.registry_read import AGE_GROUPS


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date


def periods(first_year: int, reference: date) -> list[Period]:
    """Years for the whole range; quarters for the last three years; months for the last 13 months."""
    out = [Period(f"{y}JJ00", date(y, 1, 1), date(y, 12, 31)) for y in range(first_year, reference.year + 1)]
    for y in range(reference.year - 2, reference.year + 1):
        for q in range(1, 5):
            start = date(y, 3 * q - 2, 1)
            if start > reference:
                break
            end = (date(y + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1))
            out.append(Period(f"{y}KW{q:02d}", start, end))
    y, m = reference.year, reference.month
    for _ in range(13):
        start = date(y, m, 1)
        end = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
        out.append(Period(f"{y}MM{m:02d}", start, end))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def _period_table(first_year: int, reference: date, *, years_only: bool = False) -> pl.DataFrame:
    """The periods with an integer id, their kind and ordinal (year, year*4+quarter, year*12+month).

    No quarter or month before ``first_year``: the extract does not cover them, so it must not
    replace them (a small extract of this year keeps the history of the earlier load)."""
    ps = [p for p in periods(first_year, reference) if (not years_only or p.code[4:6] == "JJ")
          and p.start.year >= first_year]
    ordinal = {"JJ": lambda d: d.year, "KW": lambda d: d.year * 4 + (d.month - 1) // 3,
               "MM": lambda d: d.year * 12 + d.month - 1}
    return pl.DataFrame({
        "pid": list(range(len(ps))), "code": [p.code for p in ps], "kind": [p.code[4:6] for p in ps],
        "k": [ordinal[p.code[4:6]](p.start) for p in ps], "p_start": [p.start for p in ps],
        "p_end": [p.end for p in ps]}, schema_overrides={"pid": pl.Int32, "k": pl.Int32})


def _ordinal(d: pl.Expr, kind: str) -> pl.Expr:
    year = d.dt.year().cast(pl.Int32)
    month = d.dt.month().cast(pl.Int32) - 1
    return {"JJ": year, "KW": year * 4 + month // 3, "MM": year * 12 + month}[kind]


def _during(df: pl.DataFrame, per: pl.DataFrame, start: str, end: str | None = None) -> pl.DataFrame:
    """Each row once for every period it falls in: the date ``start``, or the span [start, end]
    with an empty end meaning "still running". Rows get ``period`` (the id), p_start and p_end.

    Per kind of period the row's first and last period number are computed and the range between
    them exploded: much cheaper than comparing every row with every period."""
    df = df.filter(pl.col(start).is_not_null())
    last = pl.col(end).fill_null(date(9999, 12, 31)) if end else pl.col(start)
    frames = []
    for kind in per["kind"].unique(maintain_order=True):
        table = per.filter(pl.col("kind") == kind)
        lo, hi = table["k"].min(), table["k"].max()
        first = _ordinal(pl.col(start), kind).clip(lower_bound=lo)
        final = _ordinal(last, kind).clip(upper_bound=hi)
        part = df.filter(first <= final).with_columns(k=pl.int_ranges(first, final + 1, dtype=pl.Int32)).explode("k")
        frames.append(part.join(table.select(pl.col("pid").alias("period"), "k", "p_start", "p_end"), on="k")
                      .drop("k"))
    return pl.concat(frames) if frames else df.with_columns(
        period=pl.lit(None, pl.Int32), p_start=pl.lit(None, pl.Date), p_end=pl.lit(None, pl.Date))


def _by_region(df: pl.DataFrame, keys: list[str], **aggs: pl.Expr) -> pl.DataFrame:
    """Aggregate per period (and ``keys``) for the municipality, each wijk and each buurt."""
    frames = [df.group_by("period", *keys).agg(**aggs).with_columns(region_code=pl.lit(None, pl.String))]
    for level in ("wijk", "buurt_code"):
        frames.append(df.group_by("period", *keys, level).agg(**aggs).rename({level: "region_code"})
                      .filter(pl.col("region_code").is_not_null())
                      .with_columns(pl.col("region_code").cast(pl.String)))
    return pl.concat(frames, how="diagonal_relaxed")


def _count(df: pl.DataFrame, key: str | None, indicator_id: str, breakdown: str = "") -> pl.DataFrame:
    """Distinct ``key`` values (persons, households) per region and period; rows when key is None."""
    value = (pl.len() if key is None else pl.col(key).n_unique()).cast(pl.Float64)
    out = _by_region(df, ["category"] if breakdown else [], value=value)
    if breakdown:
        out = out.with_columns(pl.col("category").cast(pl.String))
    return out.with_columns(indicator_id=pl.lit(indicator_id), breakdown=pl.lit(breakdown),
                            denominator=pl.lit(None, pl.Float64),
                            **({} if breakdown else {"category": pl.lit("")}))


def _share(df: pl.DataFrame, indicator_id: str, value: pl.Expr) -> pl.DataFrame:
    """A rate over the rows of ``df``; its base (the number of rows) is kept as the denominator."""
    return _by_region(df, [], value=value.cast(pl.Float64), denominator=pl.len().cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


def _person_share(df: pl.DataFrame, indicator_id: str, flag: pl.Expr) -> pl.DataFrame:
    """Percentage of persons for whom ``flag`` holds on any of their rows, per region and period
    (each person counted once per region)."""
    persons = pl.col("person").n_unique()
    return _by_region(df, [], value=100 * pl.col("person").filter(flag).n_unique() / persons,
                      denominator=persons.cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


def _age_group(age: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for lo, hi in reversed(AGE_GROUPS):
        label = f"{lo}+" if hi >= 200 else f"{lo}-{hi}"
        expr = pl.when(age.is_between(lo, hi)).then(pl.lit(label)).otherwise(expr)
    return expr


def _paid(reference: date) -> pl.Expr:
    """Euros paid in the period: each amount spread evenly over the days its provision ran."""
    stop = pl.min_horizontal(pl.col("end").fill_null(reference), pl.lit(reference))
    days = ((stop - pl.col("start")).dt.total_days() + 1).clip(lower_bound=1)
    overlap = ((pl.min_horizontal(stop, pl.col("p_end")) - pl.max_horizontal("start", "p_start"))
               .dt.total_days() + 1).clip(lower_bound=0)
    return (pl.col("amount") * overlap / days).sum()
