"""Year-end prognosis and scenarios against values computed by hand."""

from __future__ import annotations

import pytest

from queries.finance import cumulative_share, demographic_factors, prognosis, scenarios


def _year(y: int, values: list[float]) -> dict[str, float]:
    return {f"{y}MM{m:02d}": v for m, v in enumerate(values, start=1)}


# 2023: 100 a month, December 200 (total 1300); 2024: 100 every month (total 1200).
HISTORY = _year(2023, [100] * 11 + [200]) | _year(2024, [100] * 12)


def test_prognosis_uses_the_seasonal_share_of_earlier_years():
    monthly = HISTORY | _year(2025, [110] * 6)
    p = prognosis(monthly, 2025, 6, budget=1300)
    # By June 2023 had spent 600/1300, 2024 600/1200 = 0.5; mean share 0.480769...
    assert p.to_date == 660
    assert p.shares == {2024: pytest.approx(0.5), 2023: pytest.approx(600 / 1300)}
    assert p.expected == pytest.approx(660 / ((0.5 + 600 / 1300) / 2))  # 1372.8
    assert p.expected == pytest.approx(1372.8, abs=0.05)
    assert p.low == pytest.approx(1320)  # as in 2024
    assert p.high == pytest.approx(1430)  # as in 2023: 660 / (600/1300)
    assert p.over == pytest.approx(72.8, abs=0.05)
    assert p.over_pct == pytest.approx(5.6, abs=0.01)


def test_without_an_earlier_complete_year_spending_is_extended_evenly():
    p = prognosis(_year(2025, [50, 70, 90]), 2025, 3)
    assert p.expected == pytest.approx(210 * 4)
    assert p.low is None and p.high is None and p.budget is None and p.over is None


def test_a_complete_year_is_its_own_outcome_and_a_missing_month_gives_none():
    p = prognosis(HISTORY, 2024, 12, budget=1000)
    assert (p.expected, p.low, p.high, p.over, p.over_pct) == (1200, 1200, 1200, 200, 20)
    gap = HISTORY | {"2025MM01": 100.0, "2025MM03": 100.0}
    assert prognosis(gap, 2025, 3) is None


def test_growth_scenarios_compound_and_hold_the_last_budget():
    df = scenarios(2025, 1000.0, {2025: 900.0, 2026: 1000.0}, horizon=3)
    rows = {(r["year"], r["scenario"]): r for r in df.iter_rows(named=True)}
    assert rows[(2026, "Groei 0% per jaar")]["cost"] == pytest.approx(1000)
    assert rows[(2026, "Groei 0% per jaar")]["shortfall"] == pytest.approx(0)
    assert rows[(2027, "Groei 2% per jaar")]["cost"] == pytest.approx(1040.4)
    assert rows[(2028, "Groei 5% per jaar")]["cost"] == pytest.approx(1157.625)
    assert rows[(2028, "Groei 5% per jaar")]["shortfall"] == pytest.approx(157.625)
    assert rows[(2028, "Groei 5% per jaar")]["budget_held"] is True
    assert rows[(2026, "Groei 5% per jaar")]["budget_held"] is False
    assert df.height == 9  # three years, three scenarios, no forecast


def test_demographic_scenario_weights_use_per_age_group_by_the_forecast():
    # Base year: 100 young clients of 1,000 young inhabitants, 50 old clients of 500 old.
    factors = demographic_factors({"0-17": 100, "65+": 50}, {"0-17": 1000, "65+": 500},
                                  {2026: {"0-17": 900, "65+": 600}, 2027: {"0-17": 900}})
    # 2026: 0.1*900 + 0.1*600 = 150 clients = factor 1.0; 2027 lacks an age group and is left out.
    assert factors == {2026: pytest.approx(1.0)}
    factors = demographic_factors({"0-17": 100, "65+": 50}, {"0-17": 1000, "65+": 500},
                                  {2026: {"0-17": 1200, "65+": 500}})
    assert factors[2026] == pytest.approx((120 + 50) / 150)
    df = scenarios(2025, 1500.0, {2025: 1500.0}, horizon=1, demographic=factors)
    demo = df.filter(df["scenario"] == "Bevolkingsprognose").row(0, named=True)
    assert demo["cost"] == pytest.approx(1700) and demo["shortfall"] == pytest.approx(200)


def test_an_earlier_year_with_only_quarters_gives_its_share_within_the_quarter_evenly():
    quarters = {"2024KW01": 300.0, "2024KW02": 300.0, "2024KW03": 300.0, "2024KW04": 400.0}
    assert cumulative_share({}, quarters, 2024, 5) == pytest.approx(500 / 1300)
    assert cumulative_share({}, quarters, 2024, 9) == pytest.approx(900 / 1300)
    assert cumulative_share({}, {"2024KW01": 300.0}, 2024, 5) is None
    p = prognosis(_year(2025, [100] * 5), 2025, 5, quarterly=quarters)
    assert p.shares == {2024: pytest.approx(500 / 1300)}
    assert p.expected == pytest.approx(500 * 1300 / 500)  # 1300
