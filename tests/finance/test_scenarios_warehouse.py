"""Prognosis and scenarios read from a small warehouse: months and quarters of the registry's cost, the
budget, clients per age group and a population forecast, against values computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse, finance
from warehouse import catalogue
from warehouse.publication import publish


def _obs(indicator_id: str, period: str, value: float, breakdown: str = "", category: str = "") -> dict:
    return {"indicator_id": indicator_id, "region_code": "GM0001", "period": period, "breakdown": breakdown,
            "category": category, "value": value, "status": "final", "source_id": "test"}


@pytest.fixture
def money_warehouse(tmp_path):
    rows = [_obs("jeugd_reg_cost", f"2025MM{m:02d}", 100.0) for m in range(1, 7)]
    rows += [_obs("jeugd_reg_cost", f"2024KW{k:02d}", 300.0) for k in range(1, 5)]
    rows += [_obs("fin_jeugd_budget", "2025JJ00", 1000.0), _obs("fin_jeugd_budget", "2026JJ00", 1100.0)]
    rows += [_obs("jeugd_reg_clients", "2025JJ00", 50.0, "age_group", g) for g in ("0-3", "4-11")]
    for year, young, older in ((2025, 1000, 1000), (2026, 1100, 900), (2027, 1200, 1000)):
        rows += [_obs("population", f"{year}JJ00", young, "age_group", "0-3"),
                 _obs("population", f"{year}JJ00", older, "age_group", "4-11")]
    path = tmp_path / "wh"
    publish(path, indicators=catalogue.load().to_frame(), observations=pl.DataFrame(rows),
            regions=pl.DataFrame([{"region_code": "GM0001", "name": "Eendorp", "level": "gemeente"}]),
            sources=pl.DataFrame([{"source_id": "test", "kind": "test", "title": "Test"}]),
            meta={"demo": False, "gemeente": "GM0001", "peers": []})
    return Warehouse.open(path)


def test_prognosis_learns_the_season_from_last_years_quarters_and_compares_with_the_budget(money_warehouse):
    p = finance.law_prognosis(money_warehouse, "jeugd")
    # 600 spent by June; in 2024 half the year's 1,200 was spent by June: expected 1,200, budget 1,000.
    assert (p.year, p.month, p.to_date) == (2025, 6, 600)
    assert p.expected == pytest.approx(1200) and p.over == pytest.approx(200) and p.over_pct == pytest.approx(20)
    assert finance.law_prognosis(money_warehouse, "jeugd", month=3).expected == pytest.approx(300 / (300 / 1200))


def test_demographic_scenario_uses_the_loaded_population_forecast(money_warehouse):
    table, prog, demographic = finance.law_scenarios(money_warehouse, "jeugd")
    assert demographic and prog.expected == pytest.approx(1200)
    rows = {(r["year"], r["scenario"]): r for r in table.iter_rows(named=True)}
    # Use per age group 50/1,000 = 5%; 2026: 0.05 x (1,100 + 900) = 100 clients = factor 1.0;
    # 2027: 0.05 x 2,200 = 110 = factor 1.1.
    assert rows[(2026, "Bevolkingsprognose")]["cost"] == pytest.approx(1200)
    assert rows[(2026, "Bevolkingsprognose")]["shortfall"] == pytest.approx(100)  # budget 2026: 1,100
    assert rows[(2027, "Bevolkingsprognose")]["cost"] == pytest.approx(1320)
    assert rows[(2027, "Bevolkingsprognose")]["budget_held"] is True
    assert (2028, "Bevolkingsprognose") not in rows  # the forecast ends in 2027
    assert rows[(2030, "Groei 2% per jaar")]["cost"] == pytest.approx(1200 * 1.02 ** 5)


def test_the_prognosis_of_a_law_against_its_budget(money_warehouse):
    """What the signal "boven de begroting" reads (queries.signal_kinds._over_budget)."""
    budgeted = [law for law in finance.LAWS if (p := finance.law_prognosis(money_warehouse, law)) and p.budget]
    assert budgeted == ["jeugd"]  # the only law with monthly cost and a budget
    p = finance.law_prognosis(money_warehouse, "jeugd")
    # 600 by June, half of 2024 spent by June: 1,200 expected (2024 is the only earlier year: low = high).
    assert (p.year, p.month, p.budget) == (2025, 6, 1000)
    assert p.expected == pytest.approx(1200) and p.low == p.high == pytest.approx(1200)
    assert p.over == pytest.approx(200) and p.over_pct == pytest.approx(20)
