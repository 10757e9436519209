"""The region's total, computed at publication from its members' figures (see docs/methods.md).

A release whose meta names a region (``region``: {"code", "name"}) and more than one member (``members``)
gets the region's figures as observations of the region code, rebuilt on every publication from the merged
observations, before :func:`domain.derive.apply` (so a derived rate of the region comes from the summed
counts, never from the members' rates):

- a count or euro amount that is a total (unit count, euro, euro_1000; not an average such as "per
  client"): the sum over the members, only where every member has the indicator in that period (a partial
  sum misleads: the cell is left out). A member that has the indicator there but no row for one cell counts
  zero in it (the loaders write no row when nobody is counted); a member's hidden figure hides the region's
  (a row without value, status "suppressed", so secondary suppression sees it in the region's sums:
  left out, the region total minus the region's other categories would give it back);
- a rate, percentage or average with a base (``denominator``): sum(value x base) / sum(base), with the
  summed base, only where every member has both. A published rate whose row has no base but whose
  catalogue names one (``denominator``, e.g. Wmo clients per 1,000 inhabitants) takes the member's figure
  of that indicator in the same cell as its base: rate x inhabitants is the count behind the rate. Without
  a base there is no region figure, and a median never gets one (a weighted mean of medians is not a median);
- a derived indicator (catalogue ``derive``) is not summed: the derivation makes it from the summed parts;
- status "provisional" when any member's is, else "final"; source ``region:<code>``;
- a cell the region code already has from another source (a CBS figure of a youth region JZnn) is kept.

The region gets a row in the regions table (level "regio" for an own RGnnnn code; an existing row, e.g.
the CBS youth region, stays), membership rows member -> region (level "regio", which secondary
suppression reads as "the members add up to the region") and a sources row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl

from domain.suppression import REGION_LEVEL as LEVEL
from warehouse.releases import OBSERVATION_SCHEMA, members_of, region_of

PREFIX = "region:"
TOTAL_UNITS = ("count", "euro", "euro_1000")
_AVERAGE = re.compile(r"(^|_)(per|avg|average|mean)(_|$)")
_MEDIAN = re.compile(r"(^|_)median(_|$)")
# Level of a region row added for a CBS code the regions table does not hold yet.
_LEVEL_OF_PREFIX = {"RG": LEVEL, "JZ": "jeugdregio", "PV": "provincie", "CR": "corop", "AM": "arbeidsmarktregio"}
_CELL = ["indicator_id", "period", "breakdown", "category"]


def source_id(code: str) -> str:
    return PREFIX + code


def kinds(indicators: pl.DataFrame) -> tuple[set[str], set[str]]:
    """(indicators summed over the members, indicators weighted by their base)."""
    cols = indicators.columns
    summed, weighted = set(), set()
    for row in indicators.iter_rows(named=True):
        if "derive_json" in cols and row["derive_json"]:
            continue
        iid = row["id"]
        average = bool(_AVERAGE.search(iid)) or bool("denominator_id" in cols and row["denominator_id"])
        if row["unit"] in TOTAL_UNITS and not average:
            summed.add(iid)
        elif not _MEDIAN.search(iid):
            weighted.add(iid)
    return summed, weighted


def totals(obs: pl.DataFrame, indicators: pl.DataFrame, members: list[str], code: str) -> pl.DataFrame:
    """The region's cells (OBSERVATION_SCHEMA) from the members' rows of ``obs``."""
    summed, weighted = kinds(indicators)
    own = obs.filter(pl.col("region_code").is_in(members))
    n = len(members)
    provisional = (pl.col("status") == "provisional").any()
    # A member that has the indicator in the period at all has loaded it there: a cell it lacks is a zero (the
    # loaders write no row when nobody is counted). A member without it leaves the region's cells out.
    loaded = (own.group_by("indicator_id", "period").agg(members=pl.col("region_code").n_unique())
              .filter(pl.col("members") == n).drop("members"))
    hidden = pl.col("value").is_null() & (pl.col("status") == "suppressed")
    sums = (own.filter(pl.col("indicator_id").is_in(sorted(summed)))
            .group_by(_CELL).agg(nulls=pl.col("value").is_null().sum(), hidden=hidden.any(),
                                 value=pl.col("value").sum(), bases=pl.col("denominator").is_not_null().sum(),
                                 base=pl.col("denominator").sum(), provisional=provisional)
            .join(loaded, on=["indicator_id", "period"], how="semi")
            # A member's hidden figure hides the region's (kept as a hidden cell, so that secondary suppression
            # sees it in the region's sums); a member's figure the source lacks leaves the region's unknown.
            .with_columns(value=pl.when(pl.col("nulls") == 0).then(pl.col("value")),
                          denominator=pl.when(pl.col("bases") == n).then(pl.col("base")),
                          _status=pl.when(pl.col("hidden")).then(pl.lit("suppressed"))
                          .when(pl.col("nulls") > 0).then(pl.lit("unknown"))))
    both = pl.col("value").is_not_null() & pl.col("denominator").is_not_null()
    rates = (_with_catalogue_bases(own.filter(pl.col("indicator_id").is_in(sorted(weighted))), own, indicators)
             .group_by(_CELL).agg(shown=both.sum(), weight=(pl.col("value") * pl.col("denominator")).sum(),
                                  denominator=pl.col("denominator").sum(), provisional=provisional)
             .filter((pl.col("shown") == n) & (pl.col("denominator") > 0))
             .with_columns(value=pl.col("weight") / pl.col("denominator")))
    cols = [*_CELL, "value", "denominator", "provisional", "_status"]
    rates = rates.with_columns(_status=pl.lit(None, pl.String))
    out = pl.concat([sums.select(cols).cast({"value": pl.Float64, "denominator": pl.Float64}),
                     rates.select(cols).cast({"value": pl.Float64, "denominator": pl.Float64})])
    status = pl.coalesce("_status", pl.when("provisional").then(pl.lit("provisional")).otherwise(pl.lit("final")))
    out = out.with_columns(region_code=pl.lit(code), source_id=pl.lit(source_id(code)), status=status)
    return out.select(list(OBSERVATION_SCHEMA)).cast(OBSERVATION_SCHEMA)


def _with_catalogue_bases(rates: pl.DataFrame, own: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """``rates`` with a missing base filled from the indicator the catalogue names as their denominator (the
    member's figure of it in the same period, breakdown and category)."""
    if "denominator_id" not in indicators.columns:
        return rates
    bases = dict(indicators.filter(pl.col("denominator_id").is_not_null()).select("id", "denominator_id").iter_rows())
    if not bases:
        return rates
    keys = ["region_code", "period", "breakdown", "category"]
    found = (own.filter(pl.col("indicator_id").is_in(sorted(set(bases.values()))))
             .select(pl.col("indicator_id").alias("_base_id"), *keys, pl.col("value").alias("_base")))
    return (rates.with_columns(_base_id=pl.col("indicator_id").replace_strict(bases, default=None))
            .join(found, on=["_base_id", *keys], how="left", maintain_order="left")
            .with_columns(denominator=pl.coalesce("denominator", "_base")).drop("_base_id", "_base"))


def add(meta: dict, indicators: pl.DataFrame, obs: pl.DataFrame, regions: pl.DataFrame, sources: pl.DataFrame,
        memberships: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(observations, regions, sources, memberships) with the region's total rebuilt (see the module text):
    the previous ``region:`` rows and "regio" memberships go first, so a release without a region (or with
    one member) has none."""
    ours = sources.filter(pl.col("source_id").str.starts_with(PREFIX).fill_null(False))["source_id"]
    if ours.len():  # every region row has its sources row (publish checks), so a release with none skips the scan
        obs = obs.filter(~pl.col("source_id").is_in(ours.implode()))
        sources = sources.filter(~pl.col("source_id").is_in(ours.implode()))
    memberships = memberships.filter(pl.col("level").ne_missing(LEVEL))
    region, members = region_of(meta), members_of(meta)
    if region is None or len(members) < 2:
        return obs, regions, sources, memberships
    code, name = region["code"], region["name"]
    computed = totals(obs, indicators, members, code)
    # A figure the region code already has from a source of its own is kept as published.
    computed = computed.join(obs.filter(pl.col("region_code") == code).select(_CELL), on=_CELL, how="anti")
    obs = pl.concat([obs, computed.select(obs.columns).cast(obs.schema)])
    known = regions.filter(pl.col("region_code") == code)
    if known.is_empty() or known["level"][0] == LEVEL:  # an own region takes the name of the meta
        row = {"region_code": code, "name": name, "level": _LEVEL_OF_PREFIX.get(code[:2], LEVEL),
               "parent_code": "NL01", "gemeente_code": None, "boundary_year": None}
        regions = pl.concat([regions.filter(pl.col("region_code") != code),
                             pl.DataFrame([row], schema=regions.schema)])
    memberships = pl.concat([memberships, pl.DataFrame(
        {"region_code": members, "group_code": [code] * len(members), "level": [LEVEL] * len(members),
         "year": [None] * len(members)}, schema=memberships.schema)])
    sources = pl.concat([sources, pl.DataFrame([{
        "source_id": source_id(code), "kind": "region", "table_id": code, "url": "", "release": "",
        "title": f"{name}: opgeteld uit de cijfers van {len(members)} gemeenten ({', '.join(members)})",
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),  # computed now, with this publication
        "checksum": "", "rows": computed.height}], schema=sources.schema)])
    return obs, regions, sources, memberships
