"""The audit: every figure the query layer shows for the demo, attacked with every linear reconstruction
(tests/linear_attack.py), and every rate checked against its count and base."""

from __future__ import annotations

import json

import polars as pl
import pytest

from queries import Warehouse
from queries import figures as q
from tests.linear_attack import KEYS, determined_cells, relations

# Rate -> the count it is made of (rate x base = count), as the catalogue's sources say.
NUMERATORS = {"wmo_clients_per_1000": "wmo_clients", "youth_care_pct": "youth_care_youngsters",
              "jeugdzorg_pct": "jeugdzorg_youngsters",
              "jeugdbescherming_pct": "jeugdbescherming_youngsters", "pct_65plus": "pop_65plus",
              "pct_0_17": "pop_0_17", "veilig_thuis_reports_per_1000": "veilig_thuis_reports",
              "wmo_reg_cost_per_client": "wmo_reg_cost", "jeugd_reg_cost_per_client": "jeugd_reg_cost"}


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
    cols = [*KEYS, "value", "status", "denominator"]
    out = [f.with_columns(*(pl.lit("").alias(c) for c in ("breakdown", "category") if c not in f.columns)).select(cols)
           for f in frames if f.height]
    return pl.concat(out, how="vertical_relaxed").with_columns(pl.col("value").cast(pl.Float64))


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
    regs = q.regions(wh).filter(pl.col("level").is_in(["wijk", "buurt"]))
    cat = q.catalogue(wh)
    sums = {r["id"]: json.loads(r["derive_json"])["sum"] for r in cat.iter_rows(named=True)
            if r.get("derive_json") and "sum" in json.loads(r["derive_json"])}
    rels = relations(cells, dict(zip(regs["region_code"], regs["parent_code"], strict=True)), additive, sums)
    # The system is real: periods, areas, categories and links all give relations with hidden cells.
    kinds = {("per" if t[2][4:6] != p[0][2][4:6] else "area" if t[1] != p[0][1] else
              "link" if t[0] != p[0][0] else "cat") for t, p in rels if t in hidden or any(c in hidden for c in p)}
    assert kinds == {"per", "area", "cat", "link"}
    pinned = determined_cells(hidden, rels)
    assert not pinned, f"{len(pinned)} hidden cells can be worked out exactly, for example {sorted(pinned)[:5]}"


def test_no_base_is_shown_beside_a_hidden_figure_or_behind_a_count(audit):
    _, shown, _, additive = audit
    leaks = shown.filter(pl.col("denominator").is_not_null()
                         & (pl.col("value").is_null() | pl.col("indicator_id").is_in(list(additive))))
    assert leaks.is_empty(), leaks.head()
    assert shown.filter(pl.col("denominator").is_not_null()).height > 1000  # rates keep their base


def test_a_rate_is_hidden_wherever_its_count_or_base_is(audit):
    _, shown, cat, additive = audit
    cells = shown.unique(list(KEYS)).filter(pl.col("breakdown") == "")
    hidden = {(r[0], r[1], r[2]) for r in cells.filter(pl.col("status") == "suppressed").select(KEYS[:3]).iter_rows()}
    dens = dict(zip(cat["id"], cat["denominator_id"], strict=True))
    leaks = []
    for iid, reg, per in cells.filter(pl.col("value").is_not_null()).select(KEYS[:3]).iter_rows():
        for base in (NUMERATORS.get(iid), dens.get(iid)):
            if base in additive and (base, reg, per) in hidden:
                leaks.append((iid, reg, per, base))
    assert not leaks, f"{len(leaks)} rates shown where their count or base is hidden: {leaks[:5]}"
