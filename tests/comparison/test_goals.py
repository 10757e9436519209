"""Goal statuses: the rule for each outcome, with a target (op koers ...) and with a direction only (de goede kant op ...)."""

from __future__ import annotations

import pytest

from queries import Warehouse, goals

TARGET = {"direction": "down", "target": 40, "target_year": 2025, "baseline": 46, "baseline_year": 2019}


@pytest.mark.parametrize(("points", "status"), [
    ([(2019, 46), (2023, 41)], goals.ON_TRACK),        # line in 2023: 42; 41 is ahead of it
    ([(2019, 46), (2023, 42)], goals.ON_TRACK),        # exactly on the line
    ([(2019, 46), (2023, 44)], goals.ATTENTION),       # better than 46 but behind 42
    ([(2019, 46), (2023, 47)], goals.OFF_TRACK),       # worse than the start
    ([(2019, 46), (2023, 46)], goals.OFF_TRACK),       # no progress at all
    ([(2019, 46), (2023, 39)], goals.ON_TRACK),        # target already reached
    ([(2019, 46), (2025, 41)], goals.OFF_TRACK),       # target year passed, target missed
])
def test_target_goal(points, status):
    st = goals.goal_status(TARGET, points)
    assert st.status == status
    assert st.rule  # the rule is always spelled out


def test_the_line_is_in_the_rule():
    st = goals.goal_status(TARGET, [(2019, 46), (2023, 44)])
    assert st.planned == pytest.approx(42)
    assert "staat in 2023 op 42" in st.rule and "achter op de lijn" in st.rule


def test_the_series_own_baseline_wins_over_the_catalogue():
    # The catalogue says 46 in 2019, the series (counted like today) says 50: the line runs from 50.
    st = goals.goal_status(TARGET, [(2019, 50), (2023, 45)])
    assert st.baseline == 50 and st.planned == pytest.approx(50 - 10 * 4 / 6)
    assert st.status == goals.ATTENTION  # 45 is behind 43.3 on the line from 50
    assert goals.goal_status(TARGET, [(2021, 45)]).baseline == 46  # no 2019 figure: the catalogue's


def test_up_goal_and_baseline_from_the_data():
    goal = {"direction": "up", "target": 68, "target_year": 2025, "baseline_year": 2016}
    st = goals.goal_status(goal, [(2016, 63.5), (2020, 66.0), (2021, 66.5)])
    # line: 63.5 + 4.5 * 5/9 = 66.0 in 2021 -> 66.5 is ahead
    assert st.status == goals.ON_TRACK and st.baseline == 63.5


@pytest.mark.parametrize(("values", "status"), [
    ([100, 100, 100, 90], goals.GOOD_WAY),      # -10%: down, as the goal asks
    ([100, 100, 100, 101], goals.LEVEL),        # +1%: under 2% is level
    ([100, 100, 100, 98.5], goals.LEVEL),       # -1,5%: level too, not "good" by a hair
    ([100, 100, 100, 105], goals.WRONG_WAY),    # +5%: up, against the goal
])
def test_direction_only_goal_compares_with_three_years_earlier(values, status):
    points = list(zip(range(2020, 2024), values, strict=True))
    st = goals.goal_status({"direction": "down"}, points)
    assert st.status == status
    assert "2020" in st.rule and "2023" in st.rule
    # Without a target there is no course: the words of a goal with a target are never used.
    assert st.status not in goals.TARGET_STATUSES and "niet of het doel op koers ligt" in st.rule


@pytest.mark.parametrize(("values", "status"), [([200, 230], goals.GOOD_WAY), ([200, 201], goals.LEVEL),
                                                ([200, 150], goals.WRONG_WAY)])
def test_an_up_goal_without_target(values, status):
    assert goals.goal_status({"direction": "up"}, [(2021, values[0]), (2024, values[1])]).status == status


@pytest.mark.parametrize(("better", "values", "status"), [
    ("higher_is_better", [80, 80.5], goals.LEVEL),      # "at least holds": level is the goal
    ("higher_is_better", [80, 84], goals.GOOD_WAY),     # satisfaction up: fine
    ("higher_is_better", [80, 75], goals.WRONG_WAY),    # satisfaction down: not what the council asked
    ("lower_is_better", [80, 75], goals.GOOD_WAY),
    ("neutral", [80, 84], goals.WRONG_WAY),             # a neutral figure that should stay level moved
])
def test_a_stable_goal_judges_a_move_by_the_figures_own_direction(better, values, status):
    st = goals.goal_status({"direction": "stable"}, [(2021, values[0]), (2024, values[1])], better=better)
    assert st.status == status


def test_each_status_reads_as_a_sentence():
    assert goals.phrase(goals.GOOD_WAY) == "gaat de goede kant op"
    assert goals.phrase(goals.LEVEL) == "blijft gelijk"
    assert goals.phrase(goals.WRONG_WAY) == "gaat de verkeerde kant op"
    assert goals.phrase(goals.OFF_TRACK) == "ligt niet op koers"
    assert {goals.OFF_TRACK, goals.WRONG_WAY} == goals.WORRYING


def test_no_goal_and_no_data():
    assert goals.goal_status(None, [(2023, 5.0)]).status == goals.NO_GOAL
    assert goals.goal_status(TARGET, []).status == goals.NO_DATA


def test_goal_overview_from_the_warehouse(cmp_warehouse):
    wh = Warehouse.open(cmp_warehouse)
    ov = goals.goal_overview(wh)
    row = ov.filter(ov["indicator_id"] == "bijstand_per_1000").row(0, named=True)
    assert row["status"] == goals.ATTENTION and row["latest"] == 56.0 and row["theme"] == "Werk en inkomen"
    # Figures of the same policy goal without a goal of their own are listed as such.
    same_theme = ov.filter((ov["theme"] == "Werk en inkomen") & (ov["status"] == goals.NO_GOAL))
    assert "bijstand_persons" in same_theme["indicator_id"].to_list()
    assert "ww_per_1000" not in ov["indicator_id"].to_list()  # WW is context (UWV), not a figure of this goal
    assert row["planned"] == pytest.approx(58.6 - 8.6 * 4 / 7)
    path = goals.goal_path(goals.q.indicator(wh, "bijstand_per_1000")["goal"], 2019, 58.6)
    assert path.rows() == [(2019, 58.6), (2026, 50.0)]
