"""The demo shows every kind of signal, built through the real loaders and releases."""

from __future__ import annotations

import polars as pl

from queries import Warehouse
from queries import signals as sg
from warehouse.releases import release_by_id


def test_the_demo_has_a_signal_of_every_kind(demo_warehouse):
    found = sg.signals(Warehouse.open(demo_warehouse))
    assert {s.kind for s in found} == set(sg.KINDS)


def test_the_demo_revision_is_a_provisional_cbs_figure_that_became_final(demo_warehouse):
    wh = Warehouse.open(demo_warehouse)
    revised = [s for s in sg.signals(wh) if s.kind == "herziening"]
    assert {(s.indicator_id, s.region_code, s.period) for s in revised} >= {
        ("veilig_thuis_reports", "GM9990", "2024JJ00")}
    s = next(x for x in revised if x.indicator_id == "veilig_thuis_reports")
    assert s.numbers["procent"] > wh.settings.signals.revision_pct
    # shaped like the source: a whole count, provisional in the release before, final now
    assert float(s.numbers["voorlopig"]).is_integer() and float(s.numbers["definitief"]).is_integer()
    key = (pl.col("indicator_id") == "veilig_thuis_reports") & (pl.col("region_code") == "GM9990")
    before = release_by_id(demo_warehouse, wh.meta["previous"]).table("observations").filter(key)
    now = wh.release.table("observations").filter(key)
    assert before.filter(pl.col("period") == "2024JJ00")["status"].to_list() == ["provisional"]
    assert now.filter(pl.col("period") == "2024JJ00")["status"].to_list() == ["final"]
    # the release before was a year earlier: this year's figure is new, and provisional now
    assert "2025JJ00" not in before["period"].to_list()
    assert now.filter(pl.col("period") == "2025JJ00")["status"].to_list() == ["provisional"]
    new = sg.whats_new(wh)
    assert {"veilig_thuis_reports", "veilig_thuis_reports_per_1000"} <= set(new.revised["indicator_id"])
    assert s.key in {x.key for x in new.new_signals}
