"""Goals with a direction only are worded by their direction ("de goede kant op", "gelijk", "de verkeerde kant
op"), goals with a target keep "op koers": on the Doelen page, the public site and the Signalen page."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.context import BuildContext, environment
from publish.site import write_goals_page
from queries import Warehouse, goals
from queries import signals as sg
from tests.conftest import obs
from tests.support.warehouse import publish_small
from tests.test_app import open_page, texts


@pytest.fixture
def goal_warehouse(tmp_path) -> Path:
    """Hand-computed against three years earlier (2021 -> 2024):
    bijstand_reg_outflow (goal up, no target): 400 -> 300, -25%       -> de verkeerde kant op;
    early_school_leavers_pct (goal down, no target): 2,0 -> 1,6, -20% -> de goede kant op;
    debt_reg_completed (goal up, no target): 200 -> 202, +1%          -> gelijk;
    bijstand_per_1000 (target 50 in 2026 from 58,6 in 2019): 56 in 2024 against the line's 52,5 -> aandacht."""
    rows = []
    for year, (outflow, school, done) in {2021: (400, 2.0, 200), 2022: (390, 1.9, 201), 2023: (350, 1.7, 199),
                                          2024: (300, 1.6, 202)}.items():
        p = f"{year}JJ00"
        rows += [obs("bijstand_reg_outflow", "GM0001", p, outflow), obs("early_school_leavers_pct", "GM0001", p, school),
                 obs("debt_reg_completed", "GM0001", p, done)]
    rows += [obs("bijstand_per_1000", "GM0001", "2019JJ00", 58.6), obs("bijstand_per_1000", "GM0001", "2024JJ00", 56.0)]
    return publish_small(tmp_path / "warehouse", rows)


EXPECTED = {"bijstand_reg_outflow": goals.WRONG_WAY, "early_school_leavers_pct": goals.GOOD_WAY,
            "debt_reg_completed": goals.LEVEL, "bijstand_per_1000": goals.ATTENTION}


def test_the_overview_words_each_goal_by_its_kind(goal_warehouse):
    ov = goals.goal_overview(Warehouse.open(goal_warehouse))
    got = dict(zip(ov["indicator_id"], ov["status"], strict=True))
    assert {k: got[k] for k in EXPECTED} == EXPECTED


def test_the_doelen_page_counts_the_two_kinds_apart(app_env, goal_warehouse):
    app_env(goal_warehouse)
    at = open_page("app_pages/doelen.py")
    body = texts(at)
    assert "Uitstroom uit de bijstand** :red-badge[:material/trending_down: de verkeerde kant op]" in body
    assert "Voortijdig schoolverlaters** :green-badge[:material/trending_up: de goede kant op]" in body
    assert "Afgeronde schuldhulptrajecten** :gray-badge[:material/trending_flat: gelijk]" in body
    assert ":orange-badge[:material/error: aandacht]" in body  # the goal with a target keeps its words
    assert "Doelen met een streefwaarde" in body and "Doelen met alleen een richting" in body
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Op koers": "0", "Aandacht": "1", "Niet op koers": "0",
                       "De goede kant op": "1", "Gelijk": "1", "De verkeerde kant op": "1"}
    assert "*de goede kant op*" in body and "kan een cijfer niet op koers liggen" in body


def test_the_public_goals_page_uses_the_same_words(goal_warehouse, tmp_path):
    ctx = BuildContext(Warehouse.open(goal_warehouse), tmp_path / "site", None, None, environment())
    write_goals_page(ctx)
    html = (tmp_path / "site" / "doelen.html").read_text(encoding="utf-8")
    row = next(r for r in html.split("<tr>") if "Uitstroom uit de bijstand" in r)
    assert "<td>de verkeerde kant op</td>" in row and "op koers" not in row.split("</td>")[2]
    assert "de goede kant op" in html and "aandacht" in html


def test_a_direction_only_goal_going_the_wrong_way_signals_in_its_own_words(goal_warehouse):
    found = {s.indicator_id: s for s in sg.compute(Warehouse.open(goal_warehouse)) if s.kind == "doel"}
    s = found["bijstand_reg_outflow"]
    assert s.sentence.startswith("Het doel 'Meer uitstroom uit de bijstand' gaat de verkeerde kant op (2024).")
    assert "op koers" not in s.sentence and s.numbers["status"] == goals.WRONG_WAY
    assert "early_school_leavers_pct" not in found  # going the right way all along: nothing to signal
