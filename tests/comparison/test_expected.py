"""Indirect standardisation and the Byar interval against hand-computed numbers."""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse
from queries import comparison as cmp


def test_byar_interval_matches_hand_computation():
    # O = 196, E = 140: lower = 196 (1 - 1/1764 - 1.96/42)^3 / 140; upper with O + 1 = 197.
    lo, hi = cmp.byar_interval(196, 140)
    assert lo == pytest.approx(196 * (1 - 1 / 1764 - 1.959964 / 42) ** 3 / 140)
    assert lo == pytest.approx(1.2108, abs=1e-4)
    assert hi == pytest.approx(197 * (1 - 1 / 1773 + 1.959964 / (3 * 197 ** 0.5)) ** 3 / 140)
    assert hi == pytest.approx(1.6103, abs=1e-4)
    # Close to the exact Poisson limits (chi-square): 169.5 and 225.5 for 196 events.
    assert lo * 140 == pytest.approx(169.5, abs=0.3) and hi * 140 == pytest.approx(225.5, abs=0.3)
    assert cmp.byar_interval(0, 10)[0] == 0.0
    assert cmp.byar_interval(5, 0) == (None, None)


def test_verdict_needs_the_whole_interval_on_one_side():
    assert cmp.verdict(1.01, 1.5) == "hoger dan verwacht"
    assert cmp.verdict(0.5, 0.99) == "lager dan verwacht"
    assert cmp.verdict(0.9, 1.1) == "zoals verwacht"
    assert cmp.verdict(None, None) == "niet te zeggen"


def test_group_rates_spread_hidden_groups_by_population():
    pop = pl.DataFrame({"age_group": ["a", "b", "c"], "value": [1000.0, 300.0, 100.0]})
    users = pl.DataFrame({"age_group": ["a", "b", "c"], "value": [50.0, None, None],
                          "status": ["final", "suppressed", "suppressed"]})
    r = cmp.group_rates(users, pop, total_users=58)
    # 8 users not in a shown group, spread 3:1 over b and c -> 6 and 2 -> rate 0.02 each.
    assert r["users"].to_list() == pytest.approx([50.0, 6.0, 2.0])
    assert r["rate"].to_list() == pytest.approx([0.05, 0.02, 0.02])


def test_expected_counts_is_rate_times_inhabitants():
    rates = pl.DataFrame({"age_group": ["27-64", "75-84"], "rate": [0.02, 0.2]})
    pop = pl.DataFrame({"region_code": ["N", "N", "Z"], "age_group": ["27-64", "75-84", "75-84"],
                        "value": [2000.0, 500.0, 100.0]})
    exp = cmp.expected_counts(rates, pop, factor=1.5)
    assert dict(exp.iter_rows()) == pytest.approx({"N": 210.0, "Z": 30.0})


def test_standard_factor_takes_age_out_of_the_comparison():
    rates = {"0-17": 0.0, "18-64": 0.02, "65-74": 0.0, "75+": 0.2}
    own = {"cbs": 320.0, "0-17": 100, "18-64": 6000, "65-74": 0, "75+": 1000}
    # The nation would have 12,000 + 20,000 = 32,000 with our rates; it has 48,000: 1.5 times us.
    nation = {"cbs": 48_000.0, "0-17": 200_000, "18-64": 600_000, "65-74": 100_000, "75+": 100_000}
    assert cmp.standard_factor(rates, own, nation) == pytest.approx(1.5)


def test_expected_use_per_wijk_in_the_warehouse(cmp_warehouse):
    wh = Warehouse.open(cmp_warehouse)
    exp = cmp.expected_use(wh, "wmo", 2024)
    rows = {r["region_name"]: r for r in exp.wijken.iter_rows(named=True)}
    assert {k: r["expected"] for k, r in rows.items()} == pytest.approx({"Noord": 140, "Zuid": 80, "Oost": 100})
    assert {k: r["ratio"] for k, r in rows.items()} == pytest.approx({"Noord": 1.4, "Zuid": 0.5, "Oost": 0.84})
    assert rows["Noord"]["verdict"] == "hoger dan verwacht"
    assert rows["Zuid"]["verdict"] == "lager dan verwacht"
    assert rows["Oost"]["verdict"] == "zoals verwacht"
    assert sum(r["expected"] for r in rows.values()) == pytest.approx(320)  # internal standard adds up

    national = cmp.expected_use(wh, "wmo", 2024, "NL01")
    assert national.factor == pytest.approx(1.5)
    got = {r["region_name"]: r["expected"] for r in national.wijken.iter_rows(named=True)}
    assert got == pytest.approx({"Noord": 210, "Zuid": 120, "Oost": 150})
    assert "Nederland" in national.note

    # The peers have no CBS age figures here: the page gets an explanation, not a number.
    peers = cmp.expected_use(wh, "wmo", 2024, "peers")
    assert peers.factor is None and peers.wijken.is_empty() and "geen CBS-cijfers" in peers.note
    assert cmp.expected_use(wh, "jeugd", 2024) is None  # no youth registry in this warehouse
    assert cmp.expectation_years(wh, "wmo") == [2024]


def test_a_hidden_wijk_gets_no_ratio(cmp_warehouse, monkeypatch):
    monkeypatch.setenv("MSD_MIN_COUNT", "50")  # Zuid's 40 clients are now too few to show
    wh = Warehouse.open(cmp_warehouse)
    rows = {r["region_name"]: r for r in cmp.expected_use(wh, "wmo", 2024).wijken.iter_rows(named=True)}
    assert rows["Zuid"]["value"] is None and rows["Zuid"]["ratio"] is None
    assert rows["Zuid"]["verdict"] == "niet te zeggen"
