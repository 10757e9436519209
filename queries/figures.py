"""Questions the pages ask, each answered with suppressed figures as a Polars frame."""

from __future__ import annotations

import json

import polars as pl

from queries import Warehouse, protection

LAW_ORDER = ["wmo", "jeugd", "participatie", "schuldhulp", "context"]


def catalogue(wh: Warehouse) -> pl.DataFrame:
    """The catalogue of the release. In a region ``goal_json`` holds the goal of the member the view is about:
    its entry in the catalogue's ``goals``, else (for the home municipality only) the plain ``goal``."""
    cat = wh.run("indicators")
    if not wh.is_region or "goals_json" not in cat.columns:
        return cat
    return wh.memo("catalogue", lambda: _with_member_goals(cat, wh.gemeente, wh.root.gemeente))


def _with_member_goals(cat: pl.DataFrame, member: str, home: str) -> pl.DataFrame:
    def goal(own: str | None, per_member: str | None) -> str | None:
        goals = json.loads(per_member) if per_member else {}
        if member in goals:
            return json.dumps(goals[member], ensure_ascii=False, sort_keys=True)
        return own if member == home else None
    picked = [goal(a, b) for a, b in zip(cat["goal_json"], cat["goals_json"], strict=True)]
    return cat.with_columns(goal_json=pl.Series(picked, dtype=pl.String))


def indicator(wh: Warehouse, indicator_id: str) -> dict:
    rows = catalogue(wh).filter(pl.col("id") == indicator_id)
    if rows.is_empty():
        raise KeyError(indicator_id)
    return parsed(rows.row(0, named=True))


def parsed(row: dict) -> dict:
    """A catalogue row with its JSON fields (series breaks, goal, source) read into Python values."""
    row["series_breaks"] = json.loads(row.get("series_breaks_json") or "[]")
    row["goal"] = json.loads(row["goal_json"]) if row.get("goal_json") else None
    row["source"] = json.loads(row.get("source_json") or "{}")
    return row


def indicators_for_law(wh: Warehouse, law: str) -> pl.DataFrame:
    return catalogue(wh).filter(pl.col("law") == law).sort("order", "id")


def regions(wh: Warehouse) -> pl.DataFrame:
    return wh.run("regions")


def wijken(wh: Warehouse) -> pl.DataFrame:
    return regions(wh).filter((pl.col("level") == "wijk") & (pl.col("gemeente_code") == wh.gemeente)).sort("name")


def region_name(wh: Warehouse, code: str) -> str:
    hit = regions(wh).filter(pl.col("region_code") == code)
    return hit["name"][0] if hit.height else code


def sources(wh: Warehouse) -> pl.DataFrame:
    return wh.run("sources")


def years(wh: Warehouse, indicator_ids: list[str], region_codes: list[str]) -> list[int]:
    """The years in which any of the indicators has a figure for any of the regions (the same query as
    :func:`latest_year`, so the two share its cached result)."""
    per_indicator = wh.run("years_per_indicator", indicator_ids=list(indicator_ids), region_codes=list(region_codes))
    return sorted(set(per_indicator["year"].to_list()))


def _denominator(wh: Warehouse, indicator_id: str) -> str:
    hit = catalogue(wh).filter(pl.col("id") == indicator_id)["denominator_id"]
    return (hit[0] if hit.len() else None) or ""


def _shared(wh: Warehouse, key: tuple, build) -> pl.DataFrame:
    """A suppressed frame that is the same for every visitor of the release (it depends on the release
    and ``key`` alone, never on a session or role), built once (``Warehouse.part``). Each caller gets
    its own copy (cheap: the columns are shared, not copied), so no session can change another's."""
    return wh.part(("figures", *key), build).clone()


def series(wh: Warehouse, indicator_id: str, region_codes: list[str], *, breakdown: str = "",
           category: str | None = None, period_kind: str = "JJ") -> pl.DataFrame:
    """One indicator over time for the given regions (and optionally one breakdown)."""
    return _shared(wh, ("series", indicator_id, tuple(region_codes), breakdown, category, period_kind),
                   lambda: _series(wh, indicator_id, region_codes, breakdown, category, period_kind))


def _series(wh: Warehouse, indicator_id: str, region_codes: list[str], breakdown: str, category: str | None,
            period_kind: str) -> pl.DataFrame:
    df = wh.run("series", indicator_id=indicator_id, denominator_id=_denominator(wh, indicator_id),
                region_codes=list(region_codes), breakdown=breakdown,
                category=None if breakdown == "" and category is None else category, period_kind=period_kind)
    if breakdown == "" and category is None:
        df = df.filter(pl.col("category") == "")
    return protection.suppressed(wh, df)


def period_kinds(wh: Warehouse, indicator_id: str, region_codes: list[str]) -> list[str]:
    kinds = set(wh.run("period_kinds", indicator_id=indicator_id, region_codes=list(region_codes))["period_kind"])
    return [k for k in ("JJ", "KW", "MM") if k in kinds]


def breakdowns(wh: Warehouse, indicator_id: str, region_code: str) -> list[str]:
    return wh.run("breakdowns_available", indicator_id=indicator_id, region_code=region_code)["breakdown"].to_list()


def wijk_values(wh: Warehouse, indicator_id: str, year: int) -> pl.DataFrame:
    """Every wijk of the municipality plus the municipality, with secondary suppression."""
    def build() -> pl.DataFrame:
        df = wh.run("wijk_values", indicator_id=indicator_id, denominator_id=_denominator(wh, indicator_id),
                    period=f"{year}JJ00", gemeente=wh.gemeente)
        return protection.suppressed(wh, df)
    return _shared(wh, ("wijk_values", indicator_id, year), build)


def figures(wh: Warehouse, indicator_ids: list[str], region_codes: list[str], year: int) -> pl.DataFrame:
    """Totals of several indicators for several regions in a year and the year before."""
    def build() -> pl.DataFrame:
        dens = catalogue(wh).filter(pl.col("id").is_in(list(indicator_ids)))["denominator_id"].drop_nulls().unique()
        df = wh.run("figures_for_year", indicator_ids=list(indicator_ids), denominator_ids=sorted(dens.to_list()),
                    region_codes=list(region_codes), periods=[f"{year}JJ00", f"{year - 1}JJ00"])
        return protection.suppressed(wh, df)
    return _shared(wh, ("for_year", tuple(indicator_ids), tuple(region_codes), year), build)


def comparison(wh: Warehouse, indicator_ids: list[str], year: int, peers: list[str] | None = None) -> pl.DataFrame:
    """Per indicator: the municipality this year and last year, the nation, and the peers' median and range.

    ``peers`` is the comparison group (default: the release's fixed peer group)."""
    peer_codes = list(wh.peers if peers is None else peers)
    regions_ = [wh.gemeente, "NL01", *peer_codes]
    df = figures(wh, indicator_ids, regions_, year)
    this = df.filter(pl.col("year") == year)
    prev = df.filter(pl.col("year") == year - 1)
    own = this.filter(pl.col("region_code") == wh.gemeente).select(
        "indicator_id", value="value", status="status", source_id="source_id")
    own_prev = prev.filter(pl.col("region_code") == wh.gemeente).select("indicator_id", previous="value")
    nation = this.filter(pl.col("region_code") == "NL01").select("indicator_id", national="value")
    peers = this.filter(pl.col("region_code").is_in(peer_codes) & pl.col("value").is_not_null()).group_by(
        "indicator_id").agg(peer_median=pl.col("value").median(), peer_min=pl.col("value").min(),
                            peer_max=pl.col("value").max(), peer_count=pl.len())
    base = pl.DataFrame({"indicator_id": list(indicator_ids)})
    out = (base.join(own, on="indicator_id", how="left").join(own_prev, on="indicator_id", how="left")
           .join(nation, on="indicator_id", how="left").join(peers, on="indicator_id", how="left"))
    return out.with_columns(
        change=pl.col("value") - pl.col("previous"),
        change_pct=100 * (pl.col("value") - pl.col("previous")) / pl.col("previous").abs(),
    )


def latest_year(wh: Warehouse, indicator_ids: list[str], region_codes: list[str]) -> int | None:
    """The year a page opens on: the latest year in which most of its headline figures exist.

    Not the latest year any figure has: one early registry extract must not open a page on a year
    where nearly every tile is empty. "Most" is more than half of the headline figures that have
    any figure at all; a page without headline figures counts all of its figures.
    """
    headline = catalogue(wh).filter(pl.col("headline") & pl.col("id").is_in(list(indicator_ids)))["id"].to_list()
    for ids in ([sorted(headline)] if headline else []) + [list(indicator_ids)]:
        per_year = wh.run("years_per_indicator", indicator_ids=ids, region_codes=list(region_codes))
        if per_year.is_empty():
            continue
        present = per_year["indicator_id"].n_unique()
        counts = per_year.group_by("year").agg(n=pl.len())
        most = counts.filter(pl.col("n") * 2 > present)["year"]
        return int(most.max() if most.len() else counts["year"].max())
    return None


def headline(wh: Warehouse, law: str, year: int) -> pl.DataFrame:
    """The headline figures of a law, with the indicator's metadata, for the Overzicht page and the tiles
    on a law page: the same for every visitor, so kept per release, law and year."""
    return _shared(wh, ("headline", law, year), lambda: _headline(wh, law, year))


def _headline(wh: Warehouse, law: str, year: int) -> pl.DataFrame:
    cat = indicators_for_law(wh, law).filter(pl.col("headline"))
    if cat.is_empty():
        return pl.DataFrame()
    comp = comparison(wh, cat["id"].to_list(), year)
    return cat.select("id", "title", "short_title", "law", "unit", "unit_label", "direction", "sensitive",
                      "order").join(comp, left_on="id", right_on="indicator_id", how="left").sort("order")


def wijk_profile(wh: Warehouse, wijk_code: str, year: int) -> pl.DataFrame:
    """All indicators measured per wijk: this wijk against the municipality as a whole."""
    cat = catalogue(wh).filter(pl.col("levels").str.contains("wijk"))
    df = figures(wh, cat["id"].to_list(), [wijk_code, wh.gemeente], year).filter(pl.col("year") == year)
    w = df.filter(pl.col("region_code") == wijk_code).select("indicator_id", wijk="value", status="status")
    g = df.filter(pl.col("region_code") == wh.gemeente).select("indicator_id", gemeente="value")
    out = cat.select("id", "title", "short_title", "law", "unit", "unit_label", "direction", "order").join(
        w, left_on="id", right_on="indicator_id", how="left").join(g, left_on="id", right_on="indicator_id", how="left")
    out = out.filter(pl.col("wijk").is_not_null() | pl.col("gemeente").is_not_null() | (pl.col("status") == "suppressed"))
    return out.with_columns(
        difference_pct=pl.when(pl.col("unit").is_in(["count", "euro"])).then(None).otherwise(
            100 * (pl.col("wijk") - pl.col("gemeente")) / pl.col("gemeente").abs()),
        law_rank=pl.col("law").replace_strict({law: i for i, law in enumerate(LAW_ORDER)}, default=99),
    ).sort("law_rank", "order").drop("law_rank")


PEER_CODE = "PEERS"
PEER_NAME = "Vergelijkbare gemeenten (mediaan)"


def series_compared(wh: Warehouse, indicator_id: str, region_codes: list[str], *, peer_median: bool = False,
                    period_kind: str = "JJ", peers: list[str] | None = None) -> pl.DataFrame:
    """``series`` plus, if asked, the median of the peer municipalities per period as one extra line.

    ``peers`` is the comparison group (default: the release's fixed peer group)."""
    df = series(wh, indicator_id, region_codes, period_kind=period_kind)
    peer_codes = list(wh.peers if peers is None else peers)
    if not peer_median or not peer_codes:
        return df
    peers = series(wh, indicator_id, peer_codes, period_kind=period_kind).filter(pl.col("value").is_not_null())
    if peers.is_empty():
        return df
    med = peers.group_by("indicator_id", "period", "year").agg(
        value=pl.col("value").median(),
        status=pl.when((pl.col("status") == "provisional").any()).then(pl.lit("provisional")).otherwise(pl.lit("final")),
        source_id=pl.col("source_id").first(),
    ).with_columns(region_code=pl.lit(PEER_CODE), region_name=pl.lit(PEER_NAME), region_level=pl.lit("groep"),
                   breakdown=pl.lit(""), category=pl.lit(""), denominator=pl.lit(None, pl.Float64))
    return pl.concat([df, med.select(df.columns)])


def peer_range(wh: Warehouse, indicator_id: str, peers: list[str] | None = None, *,
               period_kind: str = "JJ") -> pl.DataFrame:
    """Per period the lowest and highest value among the peer municipalities (suppressed figures left
    out), with how many peers have a figure: the band behind the peer median."""
    peer_codes = list(wh.peers if peers is None else peers)
    schema = {"period": pl.String, "year": pl.Int32, "low": pl.Float64, "high": pl.Float64, "peer_count": pl.UInt32}
    if not peer_codes:
        return pl.DataFrame(schema=schema)
    df = series(wh, indicator_id, peer_codes, period_kind=period_kind).filter(pl.col("value").is_not_null())
    if df.is_empty():
        return pl.DataFrame(schema=schema)
    return df.group_by("period", "year").agg(low=pl.col("value").min(), high=pl.col("value").max(),
                                             peer_count=pl.len()).sort("period").cast(schema)


def rate_companion(wh: Warehouse, indicator_id: str) -> str | None:
    """The rate a count is compared on with other municipalities or Nederland (None: there is none).

    A count against Nederland's count on one axis (485 against 101.063) shows the municipality as a
    flat line at zero; its rate per 1.000 or per 100 compares like with like."""
    cat = catalogue(wh)
    if "rate_companion" not in cat.columns:  # releases loaded before the field existed
        return None
    hit = cat.filter((pl.col("id") == indicator_id) & (pl.col("unit") == "count"))["rate_companion"]
    return hit[0] if hit.len() and hit[0] else None


def headline_ids(wh: Warehouse) -> list[str]:
    return catalogue(wh).filter(pl.col("headline"))["id"].to_list()


def wijk_indicators(wh: Warehouse) -> pl.DataFrame:
    """Indicators that exist per wijk, in page order."""
    cat = catalogue(wh).filter(pl.col("levels").str.contains("wijk"))
    return cat.with_columns(
        law_rank=pl.col("law").replace_strict({law: i for i, law in enumerate(LAW_ORDER)}, default=99)
    ).sort("law_rank", "order").drop("law_rank")


def registry_indicator(wh: Warehouse, law: str, measure: str) -> str | None:
    """The catalogue id counting ``measure`` (inflow, households, ...) from the registry of ``law``
    ("stapeling" for the counts across laws), preferring the whole law over one product; None when
    the catalogue has no such entry."""
    hits = []
    for row in catalogue(wh).filter(pl.col("source_json").str.contains('"registry"')).iter_rows(named=True):
        reg = json.loads(row["source_json"])["registry"]
        if reg["law"] == law and reg["measure"] == measure:
            hits.append((bool(reg.get("category")), row["id"]))  # the whole law before one product
    return min(hits)[1] if hits else None


def own_and_cbs_pairs(wh: Warehouse, law: str) -> list[tuple[str, str]]:
    """(own-registry id, CBS id) pairs of a law that count (nearly) the same thing."""
    cat = catalogue(wh)
    if "compare_with" not in cat.columns:  # releases loaded before the field existed
        return []
    cat = cat.filter((pl.col("law") == law) & pl.col("compare_with").is_not_null())
    return list(zip(cat["id"], cat["compare_with"], strict=True))
