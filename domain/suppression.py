"""Small-number suppression, applied to every figure before a page can show or export it.

Rules (thresholds in settings, so a municipality can make them stricter):
- a count below ``min_count`` is hidden (``min_count_strict`` for sensitive subjects such as
  domestic violence and child protection);
- a rate, percentage, average or amount whose base (denominator) is below ``min_denominator``
  is hidden;
- secondary suppression (:mod:`domain.secondary`): extra cells are hidden until no hidden cell can
  be worked out from shown ones through any sum the monitor publishes (areas, categories, periods
  and their combinations). :func:`protect` does both steps; the query layer and every load use it.
  :func:`complementary` is the older one-relation-at-a-time rule, kept for callers not yet moved.
- in a release with a region the region's total is the sum of its members: the region, every member and
  their wijken and buurten are protected as one unit (:func:`protection_units`, :func:`region_parents`).
"""

from __future__ import annotations

import polars as pl

from domain import secondary
from settings import Settings

ADDITIVE_UNITS = ("count", "euro")
# Memberships of this level tie the installation's own municipalities to their region (warehouse.region_totals).
REGION_LEVEL = "regio"


def suppress(df: pl.DataFrame, indicators: pl.DataFrame, s: Settings) -> pl.DataFrame:
    """Hide small counts and rates on a small base. Expects indicator_id, value, denominator, status."""
    if df.is_empty():
        return df
    meta = indicators.select(pl.col("id").alias("indicator_id"), pl.col("unit").alias("_unit"),
                             pl.col("sensitive").alias("_sensitive"))
    out = df.join(meta, on="indicator_id", how="left")
    floor = pl.when(pl.col("_sensitive")).then(s.min_count_strict).otherwise(s.min_count)
    too_small = (pl.col("_unit") == "count") & pl.col("value").is_not_null() & (pl.col("value") < floor)
    small_base = ((pl.col("_unit") != "count") & pl.col("denominator").is_not_null()
                  & (pl.col("denominator") < s.min_denominator))
    hide = too_small | small_base
    out = out.with_columns(
        value=pl.when(hide).then(None).otherwise(pl.col("value")),
        status=pl.when(hide | (pl.col("status") == "suppressed")).then(pl.lit("suppressed")).otherwise(pl.col("status")),
    )
    return out.drop("_unit", "_sensitive")


def protect(obs: pl.DataFrame, indicators: pl.DataFrame, s: Settings,
            regions: pl.DataFrame | None = None, *, partition: str | None = None,
            memberships: pl.DataFrame | None = None) -> pl.DataFrame:
    """Small-number rules, then secondary suppression over every relation of ``obs`` (indicator_id,
    region_code, period, breakdown, category, value, denominator, status). ``regions`` (region_code,
    parent_code, level) gives the area tree; without it the CBS code structure (buurt, wijk, gemeente) is used.
    ``memberships`` (region_code, group_code, level) adds "the members add up to the region": a member's
    parent, for this purpose only, is its region (level "regio"; its parent_code stays NL01).
    ``partition`` names a column whose groups are protected each on their own in the same run."""
    parents = None
    if regions is not None:
        areas = regions.filter(pl.col("level").is_in(["wijk", "buurt"])).select("region_code", "parent_code")
        parents = pl.concat([areas, region_parents(memberships)])
    return secondary.protect(suppress(obs, indicators, s), indicators, parents, partition=partition)


def region_parents(memberships: pl.DataFrame | None) -> pl.DataFrame:
    """(region_code, parent_code): each member of the installation's region with the region as parent."""
    if memberships is None:
        return pl.DataFrame(schema={"region_code": pl.String, "parent_code": pl.String})
    return (memberships.filter(pl.col("level") == REGION_LEVEL)
            .select(pl.col("region_code").cast(pl.String), parent_code=pl.col("group_code").cast(pl.String)))


def protection_units(memberships: pl.DataFrame | None) -> dict[str, str]:
    """Code -> the unit whose figures are protected together, for the codes of a region: each member and
    the region itself map to the region (a hidden member could otherwise be the region total minus the
    shown members). A municipality not in it is its own unit, with its wijken and buurten."""
    rows = region_parents(memberships)
    return {**{g: g for g in rows["parent_code"]}, **dict(zip(rows["region_code"], rows["parent_code"], strict=True))}


def complementary(df: pl.DataFrame, group_by: list[str], part_mask: pl.Expr, indicators: pl.DataFrame) -> pl.DataFrame:
    """Hide the next-smallest part in every group where exactly one part is hidden.

    ``part_mask`` selects the rows that are parts (wijken, categories); rows outside it (the
    total) are left as they are. Only additive units (counts, amounts) can be subtracted.
    """
    if df.is_empty():
        return df
    additive = indicators.filter(pl.col("unit").is_in(ADDITIVE_UNITS))["id"].implode()
    df = df.with_row_index("_row")
    shown = pl.col("value").is_not_null()
    parts = df.filter(part_mask & pl.col("indicator_id").is_in(additive)).with_columns(
        _hidden=(pl.col("status") == "suppressed").sum().over(group_by),
        _shown=shown.sum().over(group_by),
        # Rank among the shown parts of the group, smallest value first (row order breaks ties).
        _rank=pl.when(shown).then(pl.struct("value", "_row").rank("ordinal").over([*group_by, shown])),
    )
    extra = parts.filter((pl.col("_hidden") == 1) & (pl.col("_shown") >= 1) & (pl.col("_rank") == 1))["_row"]
    if extra.len():
        hit = pl.col("_row").is_in(extra.implode())
        df = df.with_columns(
            value=pl.when(hit).then(None).otherwise(pl.col("value")),
            status=pl.when(hit).then(pl.lit("suppressed")).otherwise(pl.col("status")),
        )
    return df.drop("_row")
