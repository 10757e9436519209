"""Which hidden cells a reader can still compute, and what to hide more so none can be.

The relations of :mod:`domain.secondary` (``total = part_1 + ... + part_n``) come in as three arrays
of equal length, one entry per (relation, cell) edge: ``rel`` the relation, ``cid`` the cell and
``total`` whether the cell is the relation's total. No polars here: this is the exact linear algebra
behind step 1 (fixed point) and step 2 (exact check) described there.
"""

from __future__ import annotations

import numpy as np


def _components(rel: np.ndarray, cid: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Label of the connected group of each hidden cell (cells joined by a shared relation); -1 if shown."""
    on = hidden[cid]
    r, c = rel[on], cid[on]
    label = np.where(hidden, np.arange(hidden.size), -1)
    if not r.size:
        return label
    n_rel = int(rel.max()) + 1
    while True:
        rel_min = np.full(n_rel, np.iinfo(np.int64).max)
        np.minimum.at(rel_min, r, label[c])
        new = label.copy()
        np.minimum.at(new, c, rel_min[r])
        if np.array_equal(new, label):
            return label
        label = new


def determined(rel: np.ndarray, cid: np.ndarray, total: np.ndarray, hidden: np.ndarray,
               changed: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Per connected group of hidden cells, the hidden cells the shown ones pin down (groups without
    any left out). With ``changed`` (a mask of cells) only groups holding such a cell are solved: a
    group without a newly hidden cell is the same system as before."""
    label = _components(rel, cid, hidden)
    on = hidden[cid]
    if changed is not None:
        wanted = np.zeros(hidden.size + 1, bool)
        wanted[label[changed & hidden]] = True
        on &= wanted[label[cid]]
    r, c, t = rel[on], cid[on], total[on]
    out = {}
    order = np.argsort(label[c], kind="stable")
    r, c, t = r[order], c[order], t[order]
    bounds = np.flatnonzero(np.diff(label[c])) + 1
    for rr, cc, tt in zip(np.split(r, bounds), np.split(c, bounds), np.split(t, bounds), strict=True):
        if not cc.size:
            continue
        cols, ci = np.unique(cc, return_inverse=True)
        rows: dict[int, dict[int, int]] = {}
        for row, col, is_total in zip(rr.tolist(), ci.tolist(), tt.tolist(), strict=True):
            rows.setdefault(row, {})[col] = 1 if is_total else -1
        pinned = cols[sorted(_pinned(rows.values()))]
        if pinned.size:
            out[int(label[cc[0]])] = pinned
    return out


_P = 2**61 - 1  # a prime: elimination modulo P is exact and, for these small 0/±1 systems, has the rank over Q


def _pinned(rows) -> set[int]:
    """Unknowns that every solution of the linear system with these rows ({column: coefficient}) fixes.

    Sparse Gauss-Jordan elimination: the basis stays fully reduced (a pivot column is zero in every
    other basis row), so at the end a pivot row with a single entry says "x_col = known" and every
    other unknown can still move. Sparse, because each relation touches only a few hidden cells."""
    basis: dict[int, dict[int, int]] = {}  # pivot column -> its row, with row[pivot] == 1
    holders: dict[int, set[int]] = {}      # column -> pivot columns whose row has an entry there
    for coeffs in rows:
        r = {c: v % _P for c, v in coeffs.items()}
        for c in [c for c in r if c in basis]:
            f = r.get(c)
            if f:
                for cc, vv in basis[c].items():
                    nv = (r.get(cc, 0) - f * vv) % _P
                    if nv:
                        r[cc] = nv
                    else:
                        r.pop(cc, None)
        if not r:
            continue
        pivot = min(r, key=lambda c: (len(holders.get(c, ())), c))  # least fill first
        inv = pow(r[pivot], _P - 2, _P)
        r = {c: v * inv % _P for c, v in r.items()}
        for other in list(holders.get(pivot, ())):
            row = basis[other]
            f = row[pivot]
            for cc, vv in r.items():
                nv = (row.get(cc, 0) - f * vv) % _P
                if nv:
                    if cc not in row:
                        holders.setdefault(cc, set()).add(other)
                    row[cc] = nv
                elif cc in row:
                    holders[cc].discard(other)
                    del row[cc]
        basis[pivot] = r
        for cc in r:
            holders.setdefault(cc, set()).add(pivot)
    return {c for c, row in basis.items() if len(row) == 1}


def hide_more(values: np.ndarray, hidden: np.ndarray, rel: np.ndarray, cid: np.ndarray,
              total: np.ndarray) -> np.ndarray:
    """The hidden mask after secondary suppression (see the module text). ``values`` of shown cells
    decide which cell goes first (smallest first; parts before totals; then the first cell)."""
    hidden = hidden.copy()
    if not rel.size:
        return hidden
    n_rel = int(rel.max()) + 1
    val = np.nan_to_num(values.astype(float), nan=0.0)
    checked = np.zeros(hidden.size, bool)  # hidden cells as they were at the last exact check
    while True:
        while True:
            count = np.bincount(rel, weights=hidden[cid], minlength=n_rel)
            open_ = np.flatnonzero((count[rel] == 1) & ~hidden[cid])  # shown cells of sums with one hidden
            if not open_.size:
                break
            # Per sum: parts before the total, then a cell that settles the most such sums at once
            # (so two sums do not each hide a cell where one would do), then the smallest value.
            settles = np.bincount(cid[open_], minlength=hidden.size)
            e = open_[np.lexsort((cid[open_], val[cid[open_]], -settles[cid[open_]], total[open_], rel[open_]))]
            _, first = np.unique(rel[e], return_index=True)
            hidden[cid[e[first]]] = True
        pinned = determined(rel, cid, total, hidden, hidden & ~checked)
        checked = hidden.copy()
        if not pinned:
            return hidden
        progress = False
        for cells in pinned.values():
            best = _nearest_shown(cells, hidden, val, rel, cid, total, n_rel)
            if best is not None:
                hidden[best] = True
                progress = True
        if not progress:  # nothing shown is connected to the pinned cells: cannot happen with real sums
            return hidden


def _nearest_shown(cells: np.ndarray, hidden: np.ndarray, val: np.ndarray, rel: np.ndarray, cid: np.ndarray,
                   total: np.ndarray, n_rel: int) -> int | None:
    """The cell to hide for pinned ``cells``: the smallest shown part (else total) of a relation through
    them; when those relations are hidden entirely, of the relations one step further, and so on."""
    frontier = np.zeros(hidden.size, bool)
    frontier[cells] = True
    used = np.zeros(n_rel, bool)
    while True:
        through = np.zeros(n_rel, bool)
        through[rel[frontier[cid]]] = True
        through &= ~used
        if not through.any():
            return None
        edges = np.flatnonzero(through[rel] & ~hidden[cid])
        if edges.size:
            return int(cid[edges[np.lexsort((cid[edges], val[cid[edges]], total[edges]))[0]]])
        used |= through
        frontier[cid[through[rel]]] = True
