"""The year a page opens on: the latest year in which most of its headline figures exist."""

from __future__ import annotations

import polars as pl

from queries import Warehouse
from queries import figures as q
from tests.conftest import app_path, obs, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

# Headline figures of the Wmo page (catalogue): wmo_clients_per_1000 (CBS) and wmo_reg_clients (registry).
# Overzicht also shows population, pct_65plus, pct_low_income_households and more.
HEADLINE_WMO = ["wmo_clients_per_1000", "wmo_reg_clients"]


def warehouse(tmp_path, rows: list[dict]):
    path = tmp_path / "wh"
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=pl.DataFrame(rows),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": ["GM0002"]})
    return path


def yearly(indicator: str, years: range, region: str = "GM0001") -> list[dict]:
    return [obs(indicator, region, f"{y}JJ00", 100.0 + y - 2020) for y in years]


def test_one_early_figure_does_not_move_the_page_to_its_year(tmp_path):
    # Three of four headline figures run to 2024; an uploaded extract brings one of them into 2026.
    rows = (yearly("population", range(2020, 2025)) + yearly("pct_65plus", range(2020, 2025))
            + yearly("pct_low_income_households", range(2020, 2025)) + yearly("wmo_reg_clients", range(2020, 2027)))
    wh = Warehouse.open(warehouse(tmp_path, rows))
    ids = ["population", "pct_65plus", "pct_low_income_households", "wmo_reg_clients"]
    assert q.years(wh, ids, ["GM0001"])[-1] == 2026  # the years list still offers 2026
    assert q.latest_year(wh, ids, ["GM0001"]) == 2024


def test_more_than_half_of_the_headline_figures_decide(tmp_path):
    # Two headline figures of the Wmo law: both have 2023, only the registry has 2024 and 2025.
    rows = yearly("wmo_clients_per_1000", range(2020, 2024)) + yearly("wmo_reg_clients", range(2020, 2026))
    rows += yearly("wmo_reg_inflow", range(2020, 2027))  # not a headline figure: does not count
    wh = Warehouse.open(warehouse(tmp_path, rows))
    law_ids = q.indicators_for_law(wh, "wmo")["id"].to_list()
    assert set(HEADLINE_WMO) <= set(q.headline_ids(wh))
    assert q.latest_year(wh, law_ids, ["GM0001"]) == 2023
    # With three of four present in 2025 the page opens there.
    more = rows + yearly("population", range(2020, 2026)) + yearly("pct_65plus", range(2020, 2026))
    ids = HEADLINE_WMO + ["population", "pct_65plus"]
    wh2 = Warehouse.open(warehouse(tmp_path / "b", more))
    assert q.latest_year(wh2, ids, ["GM0001"]) == 2025


def test_a_page_without_headline_figures_counts_all_its_figures(tmp_path):
    rows = yearly("wmo_reg_inflow", range(2020, 2025)) + yearly("wmo_reg_outflow", range(2020, 2023))
    rows += yearly("wmo_reg_requests", range(2020, 2024))
    wh = Warehouse.open(warehouse(tmp_path, rows))
    assert q.latest_year(wh, ["wmo_reg_inflow", "wmo_reg_outflow", "wmo_reg_requests"], ["GM0001"]) == 2023
    assert q.latest_year(wh, ["stapeling_households"], ["GM0001"]) is None


def test_the_overzicht_page_opens_on_that_year(tmp_path, app_env):
    from streamlit.testing.v1 import AppTest

    rows = (yearly("population", range(2020, 2025)) + yearly("pct_65plus", range(2020, 2025))
            + yearly("pct_low_income_households", range(2020, 2025)) + yearly("wmo_reg_clients", range(2020, 2027)))
    app_env(warehouse(tmp_path, rows))
    at = AppTest.from_file(app_path(), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="jaar").value == 2024
    assert 2026 in at.selectbox(key="jaar").options or "2026" in at.selectbox(key="jaar").options
