"""The read side of the region view: the members side by side, the region total and Nederland.

Every figure comes through :mod:`queries.figures`, so it is suppressed: a member's figure is hidden exactly
as that member's own pages hide it (secondary suppression is decided once over the region and all its
members, :mod:`queries.protection`, and kept with the release), and the region's figure is the region total the ETL computed at
publication from the members' counts and bases (observations under the region's code), never an average
of the members' rates.
"""

from __future__ import annotations

import polars as pl

from queries import Warehouse
from queries import figures as q

NATION = "NL01"


def region_code(wh: Warehouse) -> str | None:
    region = wh.root.region
    return region["code"] if region else None


def columns(wh: Warehouse) -> list[str]:
    """The areas of the region view in their order: every member (the home member first), the region
    total when the release names a region, and Nederland."""
    code = region_code(wh)
    return [*wh.root.members, *([code] if code else []), NATION]


def area_name(wh: Warehouse, code: str) -> str:
    return "Nederland" if code == NATION else wh.root.member_name(code)


def indicators(wh: Warehouse, law: str) -> pl.DataFrame:
    """The indicators of a law that are measured per municipality (the ones a region view can set side by
    side), headline figures first, in page order."""
    cat = q.indicators_for_law(wh.root, law).filter(pl.col("levels").str.contains("gemeente"))
    return cat.sort(pl.col("headline").not_(), "order", "id")


def headline_ids(wh: Warehouse, law: str) -> list[str]:
    return indicators(wh, law).filter(pl.col("headline"))["id"].to_list()


def years(wh: Warehouse, indicator_ids: list[str]) -> list[int]:
    return q.years(wh.root, indicator_ids, columns(wh))


def latest_year(wh: Warehouse, indicator_ids: list[str]) -> int | None:
    return q.latest_year(wh.root, indicator_ids, columns(wh))


def side_by_side(wh: Warehouse, indicator_ids: list[str], year: int) -> pl.DataFrame:
    """Per indicator and area of :func:`columns` the figure of ``year`` (suppressed): indicator_id,
    region_code, period, value, status, source_id. Every pair is there, a missing figure as value and
    status null."""
    codes = columns(wh)
    df = q.figures(wh.root, list(indicator_ids), codes, year).filter(pl.col("year") == year)
    grid = pl.DataFrame({"indicator_id": [i for i in indicator_ids for _ in codes],
                         "region_code": [c for _ in indicator_ids for c in codes]})
    found = df.select("indicator_id", "region_code", "value", "status", "source_id")
    return grid.join(found, on=["indicator_id", "region_code"], how="left", maintain_order="left").with_columns(
        period=pl.lit(f"{year}JJ00"))


def over_time(wh: Warehouse, indicator_id: str) -> pl.DataFrame:
    """The indicator per year for every member and the region total (suppressed), named as the menu
    names them (not Nederland: beside a region's figures over time it is one more line to read)."""
    codes = [c for c in columns(wh) if c != NATION]
    df = q.series(wh.root, indicator_id, codes)
    names = {c: area_name(wh, c) for c in codes}
    return df.with_columns(region_name=pl.col("region_code").replace_strict(names, default=pl.col("region_name")))


def member_boundaries(wh: Warehouse, name: str = "wijken") -> dict | None:
    """The boundary file as one member reads it: in a region the file holds every member's wijken, so only
    those of ``wh.gemeente`` are kept (a single municipality gets its file as it is)."""
    geo = wh.boundaries(name)
    if geo is None or not wh.is_region:
        return geo
    own = set(q.wijken(wh)["region_code"].to_list())
    features = [f for f in geo.get("features", []) if (f.get("properties") or {}).get("region_code") in own]
    return {**geo, "features": features}
