"""Questions the pages ask, each answered with suppressed figures as a Polars frame."""

from __future__ import annotations

import json
import threading
import weakref

import polars as pl

from domain import secondary
from domain.suppression import protect, protection_units, suppress
from queries import Warehouse

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


def _suppressed(wh: Warehouse, df: pl.DataFrame) -> pl.DataFrame:
    """Small-number rules, then every cell that secondary suppression hides (see domain/secondary.py).
    Which cells are hidden is decided over all figures of the municipality, or of a region and its members
    (every area level, period and breakdown), so pages that each show a part can never be combined to recompute a hidden cell."""
    df = suppress(df, catalogue(wh), wh.settings)
    if df.is_empty():
        return df
    hidden = _hidden_cells(wh, df)
    on = [k for k in secondary.KEYS if k in df.columns]
    if "breakdown" not in df.columns:  # frames of totals only
        hidden = hidden.filter(pl.col("breakdown") == "")
    hit = pl.col("_hidden").fill_null(False)
    out = df.join(hidden.select(*on, "_hidden").unique(on), on=on, how="left", maintain_order="left")
    # The base behind a figure goes with a hidden figure; behind a count or amount it is a count of
    # people of another indicator (clients behind euros) that may be hidden there, so it never leaves.
    no_base = hit | pl.col("value").is_null() | pl.col("indicator_id").is_in(sorted(_secondary_meta(wh)["additive"]))
    return out.with_columns(
        value=pl.when(hit).then(None).otherwise(pl.col("value")),
        status=pl.when(hit).then(pl.lit("suppressed")).otherwise(pl.col("status")),
        denominator=pl.when(no_base).then(None).otherwise(pl.col("denominator")),
    ).drop("_hidden")


def _secondary_meta(wh: Warehouse) -> dict:
    """What secondary suppression reads from the catalogue (additive figures, rates' counts and bases,
    links between indicators), worked out once per release instead of on every query."""
    def build() -> dict:
        cat = catalogue(wh)
        return {"additive": secondary.additive_ids(cat), "numerators": secondary.numerators(cat),
                "links": secondary.links(cat), "dens": dict(zip(cat["id"], cat["denominator_id"], strict=True))}
    return wh.memo("secondary_meta", build)


def _units(wh: Warehouse) -> tuple[pl.DataFrame | None, dict[str, str]]:
    """The memberships (None before they existed) and the unit of a region's codes (its members and itself)."""
    mem = wh.run("memberships") if (wh.release.path / "memberships.parquet").exists() else None
    return mem, wh.memo("protection_units", lambda: protection_units(mem))


def _needs(wh: Warehouse, df: pl.DataFrame) -> tuple[list[tuple[frozenset[str], str]], dict[str, list[str]]]:
    """What deciding the hidden cells of ``df`` takes: the (indicator group, unit: a municipality, or a region
    with its members) pairs protected together, and per rate in ``df`` the counts (own count, base) it goes with."""
    meta = _secondary_meta(wh)
    additive, numerators, dens = meta["additive"], meta["numerators"], meta["dens"]
    wanted = set(df["indicator_id"])
    bases = {i: [b for b in (numerators.get(i), dens.get(i)) if b in additive] for i in wanted - additive}
    needed = (wanted & additive) | {b for bs in bases.values() for b in bs}
    regs = regions(wh).filter(pl.col("region_code").is_in(df["region_code"].unique().implode()))
    units = _units(wh)[1]  # the region's own row has no gemeente_code: mapped to its unit here
    codes = {*regs["gemeente_code"].drop_nulls(), *(set(regs["region_code"]) & set(units))}
    gemeenten = sorted({units.get(c, c) for c in codes})
    groups = [frozenset(g) for g in secondary.groups(needed, meta["links"])]
    return [(g, gm) for g in groups for gm in gemeenten], bases


def _hidden_cells(wh: Warehouse, df: pl.DataFrame) -> pl.DataFrame:
    """Keys of the hidden cells of ``df``'s indicators in its regions' units; a rate is hidden where its count is."""
    pairs, bases = _needs(wh, df)
    frames = _protected_many(wh, pairs)
    hidden = pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(secondary.KEYS, pl.String))
    # Rates: hidden wherever their count or base is hidden in the same region and period.
    rates = [hidden.filter(pl.col("indicator_id") == b, pl.col("breakdown") == "").with_columns(indicator_id=pl.lit(r))
             for r, bs in bases.items() for b in bs]
    return pl.concat([hidden, *rates]).with_columns(_hidden=pl.lit(True))


def protect_ahead(wh: Warehouse, frames: list[pl.DataFrame]) -> None:
    """Decide at once the hidden cells that suppressing each of ``frames`` (query results, before
    :func:`_suppressed`) will need: one query and one protection run instead of one per frame. Only
    speed changes; the cells hidden are the same."""
    pairs = [p for df in frames if not df.is_empty() for p in _needs(wh, df)[0]]
    _protected_many(wh, list(dict.fromkeys(pairs)))


_PROTECTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PROTECTED_LOCK = threading.Lock()


def _protected(wh: Warehouse, group: frozenset[str], unit: str) -> pl.DataFrame:
    return _protected_many(wh, [(group, unit)])[0]  # one group in one unit, computed once per release


def _protected_many(wh: Warehouse, pairs: list[tuple[frozenset[str], str]]) -> list[pl.DataFrame]:
    """The hidden cells of each (group of indicators, unit) pair, each computed once per release. The pairs
    not yet known are computed together (one query, one protection run). No sum crosses two pairs (a group
    holds every indicator linked to its own, a unit's areas add up within it), so each is as if run alone."""
    s = wh.settings
    def key(pair):
        return (*pair, s.min_count, s.min_count_strict, s.min_denominator)
    with _PROTECTED_LOCK:
        known = _PROTECTED.setdefault(wh.root, {})
        missing = [p for p in dict.fromkeys(pairs) if key(p) not in known]
    if missing:
        found = _protect_pairs(wh, missing)
        with _PROTECTED_LOCK:
            known = _PROTECTED.setdefault(wh.root, {})
            for pair, frame in found.items():
                known.setdefault(key(pair), frame)
    with _PROTECTED_LOCK:
        known = _PROTECTED.setdefault(wh.root, {})
        return [known[key(p)] for p in pairs]


def _protect_pairs(wh: Warehouse, pairs: list[tuple[frozenset[str], str]]) -> dict:
    """(group, unit) -> its hidden cells (secondary.KEYS), for all ``pairs`` in one run."""
    flat = [(n, gm, i) for n, (g, gm) in enumerate(pairs) for i in sorted(g)]
    mem, units = _units(wh)
    unit_of = units | {gm: gm for _, gm, _ in flat}  # a code asked as a unit of its own stays one
    cells = wh.run("protection_cells", pair_ids=[n for n, _, _ in flat], pair_units=[gm for _, gm, _ in flat],
                   pair_indicators=[i for _, _, i in flat], indicator_ids=sorted({i for _, _, i in flat}),
                   unit_codes=sorted(unit_of), unit_of=[unit_of[c] for c in sorted(unit_of)])
    # Each pair protected on its own (``partition``), all of them in one run; a region's members add up to it.
    out = protect(cells, catalogue(wh), wh.settings, regions(wh), partition="pair", memberships=mem)
    # Hidden cells only: a figure the source lacks (status unknown) is no secret; it says "no figure".
    out = out.filter(pl.col("status") == "suppressed")
    parts = out.partition_by("pair", as_dict=True)
    empty = out.clear().select(secondary.KEYS)
    return {pair: parts[(n,)].select(secondary.KEYS) if (n,) in parts else empty for n, pair in enumerate(pairs)}


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
    return _suppressed(wh, df)


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
        return _suppressed(wh, df)
    return _shared(wh, ("wijk_values", indicator_id, year), build)


def figures(wh: Warehouse, indicator_ids: list[str], region_codes: list[str], year: int) -> pl.DataFrame:
    """Totals of several indicators for several regions in a year and the year before."""
    def build() -> pl.DataFrame:
        dens = catalogue(wh).filter(pl.col("id").is_in(list(indicator_ids)))["denominator_id"].drop_nulls().unique()
        df = wh.run("figures_for_year", indicator_ids=list(indicator_ids), denominator_ids=sorted(dens.to_list()),
                    region_codes=list(region_codes), periods=[f"{year}JJ00", f"{year - 1}JJ00"])
        return _suppressed(wh, df)
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
