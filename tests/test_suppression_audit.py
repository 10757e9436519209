"""The audit: every figure the query layer shows for the demo, attacked with every linear reconstruction.

Built independently of queries/secondary.py on purpose (its own relations, numpy's SVD instead of the
module's sparse elimination), so a mistake in the module's relations cannot hide itself here.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from queries import Warehouse
from queries import figures as q

KEYS = ("indicator_id", "region_code", "period", "breakdown", "category")
# Relations across indicators in the demo's catalogue (see queries.secondary.links): the households with
# help from two or more laws are the combinations of two or more laws; re-integration clients are
# the clients of three Participatiewet products.
LINKS = [("stapeling_households_multi", "stapeling_households", "laws", None),
         ("reintegratie_reg_clients", "participatie_reg_clients", "product",
          {"reintegratie", "loonkostensubsidie", "beschut_werk"})]
# Rate -> the count it is made of (rate x base = count), as the catalogue's sources say.
NUMERATORS = {"wmo_clients_per_1000": "wmo_clients", "youth_care_pct": "youth_care_youngsters",
              "jeugdbescherming_pct": "jeugdbescherming_youngsters", "pct_65plus": "pop_65plus",
              "pct_0_17": "pop_0_17", "veilig_thuis_reports_per_1000": "veilig_thuis_reports",
              "wmo_reg_cost_per_client": "wmo_reg_cost", "jeugd_reg_cost_per_client": "jeugd_reg_cost"}
PART_MONTHS = {"JJ": 12, "HJ": 6, "KW": 3, "MM": 1}


def shown_figures(wh: Warehouse) -> pl.DataFrame:
    """Every cell any query function returns for the demo: every indicator, region, period kind,
    breakdown and year the pages can ask for."""
    cat = q.catalogue(wh)
    codes = q.regions(wh)["region_code"].to_list()
    frames = []
    for iid in cat["id"]:
        kinds = q.period_kinds(wh, iid, codes)
        splits = sorted({b for c in codes for b in q.breakdowns(wh, iid, c)})
        for kind in kinds:
            frames.append(q.series(wh, iid, codes, period_kind=kind))
            frames += [q.series(wh, iid, codes, breakdown=b, period_kind=kind) for b in splits]
        for year in q.years(wh, [iid], codes):
            frames.append(q.wijk_values(wh, iid, year))
    ids = cat["id"].to_list()
    for year in q.years(wh, ids, codes):
        frames.append(q.figures(wh, ids, codes, year))
    cols = [*KEYS, "value", "status"]
    out = [f.with_columns(*(pl.lit("").alias(c) for c in ("breakdown", "category") if c not in f.columns)).select(cols)
           for f in frames if f.height]
    return pl.concat(out).with_columns(pl.col("value").cast(pl.Float64))


def relations(cells: pl.DataFrame, regions: pl.DataFrame, additive: set[str]) -> list[tuple[tuple, list[tuple]]]:
    """(total, parts) for every sum among the published cells of additive indicators."""
    have = {tuple(r) for r in cells.filter(pl.col("indicator_id").is_in(list(additive))).select(KEYS).iter_rows()}
    by_total: dict[tuple, list[tuple]] = defaultdict(list)
    parent = dict(regions.filter(pl.col("level").is_in(["wijk", "buurt"])).select("region_code", "parent_code")
                  .iter_rows())
    periods: dict[str, set[str]] = defaultdict(set)
    for k in have:
        periods[k[0]].add(k[2])
    for k in have:
        iid, reg, per, brk, catg = k
        if reg in parent:
            by_total[("area", (iid, parent[reg], per, brk, catg))].append(k)
        if brk:
            by_total[("cat:" + brk, (iid, reg, per, "", ""))].append(k)
        kind, n = per[4:6], int(per[6:8])
        month = (n - 1) * PART_MONTHS[kind]  # first month of the period, counted from 0
        for total_kind in ("JJ", "HJ", "KW"):
            if PART_MONTHS[total_kind] > PART_MONTHS[kind]:
                number = 0 if total_kind == "JJ" else month // PART_MONTHS[total_kind] + 1
                by_total[(f"per:{kind}", (iid, reg, f"{per[:4]}{total_kind}{number:02d}", brk, catg))].append(k)
    for total, part, brk, cats in LINKS:
        for k in have:
            if k[0] == part and k[3] == brk and (("+" in k[4]) if cats is None else k[4] in cats):
                by_total[("link", (total, k[1], k[2], "", ""))].append(k)
    out = []
    for (tag, total), parts in by_total.items():
        if total not in have:
            continue
        if tag.startswith("per:") and not _complete(total, tag[4:], periods[total[0]]):
            continue
        out.append((total, parts))
    return out


def _complete(total: tuple, kind: str, published: set[str]) -> bool:
    """All parts of a period are published, or missing only after the last published one (a running
    year); months published only for the last 13 months do not add up to an older year."""
    period = total[2]
    latest = max(p for p in published if p[4:6] == kind)
    span, step = PART_MONTHS[period[4:6]], PART_MONTHS[kind]
    first = 0 if period[4:6] == "JJ" else (int(period[6:8]) - 1) * span
    parts = [f"{period[:4]}{kind}{(first + i) // step + 1:02d}" for i in range(0, span, step)]
    return all(p in published or p > latest for p in parts)


def determined_cells(hidden: set[tuple], rels: list[tuple[tuple, list[tuple]]]) -> list[tuple]:
    """Hidden cells whose unit vector lies in the row space of the relations restricted to the hidden cells."""
    rows = []
    for total, parts in rels:
        row = {c: -1.0 for c in parts if c in hidden}
        if total in hidden:
            row[total] = 1.0
        if row:
            rows.append(row)
    # Connected groups of hidden cells (union-find over the relations).
    root = {c: c for row in rows for c in row}

    def find(c):
        while root[c] != c:
            root[c] = root[root[c]]
            c = root[c]
        return c

    for row in rows:
        first, *rest = row
        for c in rest:
            root[find(c)] = find(first)
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[find(next(iter(row)))].append(row)
    out = []
    for group in grouped.values():
        cols = sorted({c for row in group for c in row})
        index = {c: i for i, c in enumerate(cols)}
        m = np.zeros((len(group), len(cols)))
        for i, row in enumerate(group):
            for c, v in row.items():
                m[i, index[c]] = v
        _, s, vt = np.linalg.svd(m, full_matrices=m.shape[0] < m.shape[1])  # vt always square
        rank = int((s > 1e-9 * max(m.shape)).sum())
        null = vt[rank:]
        pinned = np.ones(len(cols), bool) if not null.size else np.linalg.norm(null, axis=0) < 1e-8
        out += [cols[i] for i in np.flatnonzero(pinned)]
    return out


@pytest.fixture(scope="module")
def audit(demo_warehouse):
    wh = Warehouse.open(demo_warehouse)
    shown = shown_figures(wh)
    cat = q.catalogue(wh)
    additive = set(cat.filter(pl.col("unit").is_in(["count", "euro"]) & pl.col("denominator_id").is_null())["id"])
    yield wh, shown, cat, additive
    wh.close()


def test_every_cell_is_hidden_or_shown_the_same_way_on_every_page(audit):
    _, shown, _, _ = audit
    per_cell = shown.group_by(KEYS).agg(states=pl.col("value").is_null().n_unique(), values=pl.col("value").n_unique())
    mixed = per_cell.filter(pl.col("states") > 1)
    assert mixed.is_empty(), f"{mixed.height} cells are hidden by one query and shown by another: {mixed.head(5)}"


def test_no_hidden_cell_can_be_recomputed_from_shown_figures(audit):
    wh, shown, _, additive = audit
    cells = shown.unique(list(KEYS))
    hidden = {tuple(r) for r in cells.filter(pl.col("value").is_null()).select(KEYS).iter_rows()}
    rels = relations(cells, q.regions(wh), additive)
    # The system is real: periods, areas, categories and links all give relations with hidden cells.
    kinds = {("per" if t[2][4:6] != p[0][2][4:6] else "area" if t[1] != p[0][1] else
              "link" if t[0] != p[0][0] else "cat") for t, p in rels if t in hidden or any(c in hidden for c in p)}
    assert kinds == {"per", "area", "cat", "link"}
    pinned = determined_cells(hidden, rels)
    assert not pinned, f"{len(pinned)} hidden cells can be worked out exactly, for example {sorted(pinned)[:5]}"


def test_a_rate_is_hidden_wherever_its_count_or_base_is(audit):
    _, shown, cat, additive = audit
    cells = shown.unique(list(KEYS)).filter(pl.col("breakdown") == "")
    hidden = {(r[0], r[1], r[2]) for r in cells.filter(pl.col("value").is_null()).select(KEYS[:3]).iter_rows()}
    dens = dict(zip(cat["id"], cat["denominator_id"], strict=True))
    leaks = []
    for iid, reg, per in cells.filter(pl.col("value").is_not_null()).select(KEYS[:3]).iter_rows():
        for base in (NUMERATORS.get(iid), dens.get(iid)):
            if base in additive and (base, reg, per) in hidden:
                leaks.append((iid, reg, per, base))
    assert not leaks, f"{len(leaks)} rates shown where their count or base is hidden: {leaks[:5]}"
