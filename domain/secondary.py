"""Secondary suppression: hide enough extra cells that no hidden cell can be worked out from shown ones.

A published count is part of several sums at once: buurten add up to their wijk and wijken to the
municipality; the categories of a breakdown add up to the total; months add up to their quarter,
half year and year, quarters to their half year and year. Every such sum is a *relation*
``total = part_1 + ... + part_n``; the same cell can be a part in one relation and the total in another
(a wijk's quarter is part of the municipality's quarter and the total of the wijk's months).

The algorithm works on all relations of a set of cells at once:

1. Fixed point: while some relation has exactly one hidden cell, hide its smallest shown part (its
   total only when no part is shown; a part that settles several such relations at once goes
   first). Hiding a cell can leave another relation with one hidden cell, so this repeats.
2. Exact check (`domain/disclosure.py`): one hidden cell per relation is the obvious attack, not the only one (three sums
   with two hidden cells each can still pin a cell down together). For each connected group of
   hidden cells the relations are a linear system; a hidden cell is determined exactly when its unit
   vector lies in the row space of the system restricted to the hidden cells; sparse exact
   elimination finds those. For each group with a determined cell the smallest shown part of a
   relation through that cell is hidden, and both steps repeat until nothing is determined.

Only additive figures (counts and euro amounts that are not averages) take part: a percentage cannot
be subtracted. A missing cell counts as a shown zero, which is what a reader would assume, except
for period parts that are not published at all (months exist only for the last 13 months).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.disclosure import hide_more
from domain.laws import PRODUCT_GROUPS

ADDITIVE_UNITS = ("count", "euro")
KEYS = ["indicator_id", "region_code", "period", "breakdown", "category"]
# Parts of a period, by kind: the kinds of the totals they add up to and how to find that total.
# (total kind, parts per total; 0 for the year, whose code ends in 00)
_PERIOD_PARENTS = {
    "KW": [("JJ", 0), ("HJ", 2)],
    "MM": [("JJ", 0), ("KW", 3), ("HJ", 6)],
    "HJ": [("JJ", 0)],
}


@dataclass(frozen=True)
class Link:
    """A relation between indicators. With a ``breakdown``: ``total`` (no breakdown) is the sum of some
    categories of that breakdown of ``part`` in the same region and period (households with help from
    two or more laws are the sum of the combinations of two or more laws). Without one: ``part`` is
    one of the indicators whose cells add up to the same cell of ``total`` (a catalogue
    ``derive = { sum = [...] }``); all parts of one total form one relation."""
    total: str
    part: str
    breakdown: str | None
    categories: tuple[str, ...] | None = None  # None: every category with a "+" (a combination)


def additive_ids(indicators: pl.DataFrame) -> set[str]:
    """Counts and amounts; an amount with a denominator is an average and cannot be added up."""
    den = pl.col("denominator_id") if "denominator_id" in indicators.columns else pl.lit(None, pl.String)
    return set(indicators.filter(pl.col("unit").is_in(ADDITIVE_UNITS) & den.is_null())["id"])


def links(indicators: pl.DataFrame) -> list[Link]:
    """Relations across indicators that the registry counts make true (see :class:`Link`)."""
    entries = {}
    for row in indicators.filter(pl.col("source_json").str.contains('"registry"')).iter_rows(named=True):
        reg = json.loads(row["source_json"])["registry"]
        entries[row["id"]] = (reg["law"], reg["measure"], reg.get("category") or "")
    whole = {(law, m): i for i, (law, m, c) in entries.items() if not c}
    out = []
    for iid, (law, measure, category) in entries.items():
        if law == "stapeling" and measure == "households_multi" and ("stapeling", "households") in whole:
            out.append(Link(iid, whole[("stapeling", "households")], "laws"))
        elif category and measure == "clients" and (law, "clients") in whole:
            out.append(Link(iid, whole[(law, "clients")], "product", PRODUCT_GROUPS.get(category, (category,))))
    for iid, d in _derivations(indicators).items():
        out += [Link(iid, part, None) for part in d.get("sum", [])]
    return out


def _derivations(indicators: pl.DataFrame) -> dict[str, dict]:
    """The catalogue's ``derive`` tables (a sum of counts, or numerator / denominator), where the
    release has them."""
    if "derive_json" not in indicators.columns:
        return {}
    return {r["id"]: json.loads(r["derive_json"]) for r in indicators.select("id", "derive_json").iter_rows(named=True)
            if r["derive_json"]}


_RATE_SUFFIXES = (" per 1.000 inwoners", " (%)")


def numerators(indicators: pl.DataFrame) -> dict[str, str]:
    """Rate -> the count it is made of, as the catalogue's ``derive`` says or its sources show: the
    same registry measure per client, the same CBS table filter with the count's measure inside the
    rate's name, the same waarstaatjegemeente name without "per 1.000 inwoners" or "(%)", or pct_x
    next to pop_x. A rate times its base gives the count back, so a rate is hidden wherever its
    count is."""
    rows = {r["id"]: (r["unit"], json.loads(r["source_json"] or "{}")) for r in indicators.iter_rows(named=True)}
    additive = additive_ids(indicators)
    counts = {i: src for i, (unit, src) in rows.items() if unit in ADDITIVE_UNITS and i in additive}
    # A derived rate names its numerator (catalogue ``derive``); the rest is read from the sources.
    out = {i: d["numerator"] for i, d in _derivations(indicators).items() if d.get("numerator") in counts}
    for rid, (_, src) in rows.items():
        if rid in counts or rid in out:
            continue
        for cid, csrc in counts.items():
            if _made_of(src, csrc):
                out[rid] = cid
                break
    return out


def _made_of(rate: dict, count: dict) -> bool:
    r, c = rate.get("registry"), count.get("registry")
    if r and c and r["measure"] == "cost_per_client" and c["measure"] == "cost":
        return r["law"] == c["law"] and r.get("category") == c.get("category")
    r, c = rate.get("cbs"), count.get("cbs")
    if r and c and r.get("filter") == c.get("filter") and c["measure"] in r["measure"] and r["measure"] != c["measure"]:
        return True
    r, c = rate.get("population"), count.get("population")
    if r and c and r["measure"].startswith("pct_") and c["measure"] == "pop_" + r["measure"][4:]:
        return True
    names = {n.removesuffix(s) for n in (rate.get("wsjg") or {}).get("names", []) for s in _RATE_SUFFIXES
             if n.endswith(s)}
    return bool(names & set((count.get("wsjg") or {}).get("names", [])))


def groups(ids: set[str], link_list: list[Link]) -> list[set[str]]:
    """The indicators of ``ids`` with their linked partners, split into sets that must be protected
    together (joined by links); each set once, so its hidden cells are the same for every page.

    A set is the whole connected group of its indicators under every link, whichever of them ``ids``
    names: asked for one part of a sum, it still holds all other parts (the group of one indicator is
    the same for a page that shows it alone and for one that shows all of them)."""
    root: dict[str, str] = {}

    def find(x: str) -> str:
        root.setdefault(x, x)
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for lk in link_list:
        a, b = find(lk.total), find(lk.part)
        if a != b:
            root[max(a, b)] = min(a, b)
    found: dict[str, set[str]] = {}
    for i in sorted(set(ids) | set(root)):
        found.setdefault(find(i), set()).add(i)
    return sorted((g for g in found.values() if g & set(ids)), key=min)


def code_parents(codes: pl.Series) -> pl.DataFrame:
    """Parents from the CBS code structure: BUggggwwbb -> WKggggww -> GMgggg."""
    c = codes.unique()
    code = pl.col("region_code")
    parent = (pl.when(code.str.starts_with("BU")).then(pl.lit("WK") + code.str.slice(2, 6))
              .when(code.str.starts_with("WK")).then(pl.lit("GM") + code.str.slice(2, 4)))
    return pl.DataFrame({"region_code": c}).with_columns(parent_code=parent).drop_nulls()


def _edges(cells: pl.DataFrame, parents: pl.DataFrame, link_list: list[Link],
           partition: str | None = None) -> tuple[np.ndarray, ...]:
    """Every relation as edges (relation, cell, is_total). ``cells`` has KEYS and ``_cid`` (and the
    ``partition`` column, when given: see :func:`protect`)."""
    keys = KEYS + ([partition] if partition else [])  # a cell and its totals are in one partition
    lookup = cells.select(*keys, _tcid="_cid")
    frames = []
    # Areas: a child region's cell is a part of the same cell of its parent.
    area = cells.join(parents, on="region_code").drop("region_code").rename({"parent_code": "region_code"})
    frames.append(area.join(lookup, on=keys).select("_cid", "_tcid", tag=pl.lit("area")))
    # Categories: the parts of a breakdown add up to the figure without breakdown.
    cat = cells.filter(pl.col("breakdown") != "").with_columns(_b=pl.col("breakdown"), breakdown=pl.lit(""),
                                                                category=pl.lit(""))
    frames.append(cat.join(lookup, on=keys).select("_cid", "_tcid", tag=pl.lit("cat:") + pl.col("_b")))
    # Periods: months, quarters and half years add up to the longer periods they fall in.
    kind, n = pl.col("period").str.slice(4, 2), pl.col("period").str.slice(6, 2).cast(pl.Int32, strict=False)
    complete = _complete_periods(cells, partition)
    on_complete = ["indicator_id", "period"] + ([partition] if partition else [])
    for part_kind, parents_of in _PERIOD_PARENTS.items():
        sub = cells.filter(kind == part_kind)
        if sub.is_empty():
            continue
        for total_kind, per_total in parents_of:
            number = pl.lit(0) if per_total == 0 else (n - 1) // per_total + 1
            tot = sub.with_columns(period=pl.col("period").str.slice(0, 4) + pl.lit(total_kind)
                                   + number.cast(pl.String).str.zfill(2))
            tot = tot.join(complete.filter(pl.col("kind") == part_kind), on=on_complete, how="semi")
            frames.append(tot.join(lookup, on=keys).select("_cid", "_tcid", tag=pl.lit(f"per:{part_kind}")))
    # Links between indicators.
    for lk in link_list:
        if lk.breakdown is None:  # one of the indicators that add up to the total, cell by cell
            part = cells.filter(pl.col("indicator_id") == lk.part).with_columns(indicator_id=pl.lit(lk.total))
            frames.append(part.join(lookup, on=keys).select("_cid", "_tcid", tag=pl.lit("sum")))
            continue
        sel = pl.col("category").str.contains("+", literal=True) if lk.categories is None else \
            pl.col("category").is_in(list(lk.categories))
        part = cells.filter((pl.col("indicator_id") == lk.part) & (pl.col("breakdown") == lk.breakdown) & sel)
        part = part.with_columns(indicator_id=pl.lit(lk.total), breakdown=pl.lit(""), category=pl.lit(""))
        frames.append(part.join(lookup, on=keys).select("_cid", "_tcid", tag=pl.lit(f"link:{lk.part}")))
    parts = pl.concat(frames)
    if parts.is_empty():
        return (np.zeros(0, np.int64),) * 2 + (np.zeros(0, bool),)
    rels = parts.select("_tcid", "tag").unique().sort("_tcid", "tag").with_row_index("_rel")
    parts = parts.join(rels, on=["_tcid", "tag"])
    totals = rels.select("_rel", _cid="_tcid")
    edges = pl.concat([parts.select("_rel", "_cid", _total=pl.lit(False)), totals.with_columns(_total=pl.lit(True))])
    return (edges["_rel"].to_numpy().astype(np.int64), edges["_cid"].to_numpy().astype(np.int64),
            edges["_total"].to_numpy())


def _parts_of(total: str, kind: str) -> list[str]:
    """The period codes of ``kind`` that make up the period ``total`` (2024KW02 -> 2024MM04..06)."""
    year, total_kind, n = total[:4], total[4:6], int(total[6:8])
    size = {"JJ": 12, "HJ": 6, "KW": 3, "MM": 1}
    span, step = size[total_kind], size[kind]
    first = 0 if total_kind == "JJ" else (n - 1) * span
    return [f"{year}{kind}{(first + i) // step + 1:02d}" for i in range(0, span, step)]


def _complete_periods(cells: pl.DataFrame, partition: str | None = None) -> pl.DataFrame:
    """(indicator_id, period, kind): totals whose parts of ``kind`` are all published, or missing only
    after the last published period of that kind (the rest of a running year is zero, not unknown).
    Months published only for the last 13 months do not add up to an older year: unknown parts.
    With ``partition`` (a column of ``cells``) this is decided per indicator and partition, and the
    partition is a column of the result."""
    by = ["indicator_id"] + ([partition] if partition else [])
    pub = cells.select(*by, "period").unique()
    rows = []
    for key, grp in pub.group_by(by):
        codes = set(grp["period"])
        latest: dict[str, str] = {}
        for c in codes:
            latest[c[4:6]] = max(latest.get(c[4:6], c), c)
        for total in codes:
            for kind, totals in (("KW", ("JJ", "HJ")), ("MM", ("JJ", "HJ", "KW")), ("HJ", ("JJ",))):
                if total[4:6] in totals and kind in latest and all(
                        p in codes or p > latest[kind] for p in _parts_of(total, kind)):
                    rows.append((*key, total, kind))
    schema = {"indicator_id": pl.String, **({partition: cells.schema[partition]} if partition else {}),
              "period": pl.String, "kind": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def protect(cells: pl.DataFrame, indicators: pl.DataFrame, parents: pl.DataFrame | None = None, *,
            partition: str | None = None) -> pl.DataFrame:
    """``cells`` (KEYS, value, status; primary suppression already applied) with the extra hidden cells
    set to value null and status "suppressed". ``parents`` maps region_code to parent_code for the
    area relations (default: the CBS code structure).

    ``partition``: a column of ``cells`` (a municipality, or a (figure group, municipality) pair) that
    splits them into sets protected each on its own, as if passed alone: sums are only formed within a
    set, and which periods count as published (complete) is decided per set. The query layer uses it
    to protect many groups and municipalities in one run."""
    if cells.is_empty():
        return cells
    for col in ("breakdown", "category"):
        if col not in cells.columns:
            cells = cells.with_columns(pl.lit("").alias(col))
    add = additive_ids(indicators)
    # Cells are numbered in key order, not in the order they came in (a loader's group_by has none): a tie
    # between two equal cells is broken by that number, so the same cells always hide the same way. Two
    # releases of the same figures that hid different cells could be combined to give a hidden one back.
    order = ([partition] if partition else []) + KEYS
    work = (cells.with_row_index("_row").sort(order).with_row_index("_cid")
            .with_columns(pl.col("_cid").cast(pl.Int64)))
    mine = work.filter(pl.col("indicator_id").is_in(list(add)))
    if mine.is_empty():
        return cells
    parents = code_parents(mine["region_code"]) if parents is None else parents.select("region_code", "parent_code")
    link_list = [lk for lk in links(indicators) if lk.total in add and lk.part in add]
    rel, cid, total = _edges(mine, parents, link_list, partition)
    values = work["value"].to_numpy().astype(float)
    before = work["value"].is_null().to_numpy()
    after = hide_more(values, before, rel, cid, total)
    extra = pl.Series("_extra", after & ~before)
    return work.with_columns(extra).with_columns(
        value=pl.when("_extra").then(None).otherwise(pl.col("value")),
        status=pl.when("_extra").then(pl.lit("suppressed")).otherwise(pl.col("status")),
    ).sort("_row").drop("_row", "_cid", "_extra")
