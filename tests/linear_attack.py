"""A reader's attack on published figures: every linear reconstruction from the sums they are part of.

Written independently of domain/secondary.py on purpose (its own relations, numpy's SVD instead of
the module's sparse elimination), so a mistake in the module's relations cannot hide itself.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import polars as pl

KEYS = ("indicator_id", "region_code", "period", "breakdown", "category")
# Relations across indicators in the demo's catalogue (see domain.secondary.links): the households with
# help from two or more laws are the combinations of two or more laws; re-integration clients are
# the clients of three Participatiewet products.
LINKS = [("stapeling_households_multi", "stapeling_households", "laws", None),
         ("reintegratie_reg_clients", "participatie_reg_clients", "product",
          {"reintegratie", "loonkostensubsidie", "beschut_werk"})]
PART_MONTHS = {"JJ": 12, "HJ": 6, "KW": 3, "MM": 1}


def relations(cells: pl.DataFrame, parents: dict[str, str], additive: set[str],
              sums: dict[str, list[str]] | None = None) -> list[tuple[tuple, list[tuple]]]:
    """(total, parts) for every sum among the published cells of additive indicators; ``sums`` are
    indicators that the catalogue derives as the sum of others, cell by cell."""
    have = {tuple(r) for r in cells.filter(pl.col("indicator_id").is_in(list(additive))).select(KEYS).iter_rows()}
    by_total: dict[tuple, list[tuple]] = defaultdict(list)
    periods: dict[str, set[str]] = defaultdict(set)
    for k in have:
        periods[k[0]].add(k[2])
    for k in have:
        iid, reg, per, brk, catg = k
        if reg in parents:
            by_total[("area", (iid, parents[reg], per, brk, catg))].append(k)
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
    part_of = {p: t for t, ps in (sums or {}).items() for p in ps}
    for k in have:
        if k[0] in part_of:
            by_total[("sum", (part_of[k[0]], *k[1:]))].append(k)
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
