"""The demo shows what issue 8 promises: a wijk above and one below expectation, all four goal
statuses, and a group of similar municipalities with reasons (uses the session demo warehouse)."""

from __future__ import annotations

import polars as pl

from queries import Warehouse, goals
from queries import comparison as cmp
from tests.test_app import open_page, texts


def test_demo_comparison_expectation_and_goals(app_env, demo_warehouse):
    wh = Warehouse.open(demo_warehouse)
    year = cmp.expectation_years(wh, "wmo")[-1]
    wmo = cmp.expected_use(wh, "wmo", year).wijken
    verdicts = dict(zip(wmo["region_name"], wmo["verdict"], strict=True))
    # Parkzoom (rich, fewer Wmo clients than its age explains) and Molenwijk (poor) are built in.
    assert verdicts["Parkzoom"] == "lager dan verwacht"
    assert verdicts["Molenwijk"] == "hoger dan verwacht"
    assert wmo.filter(pl.col("region_name") == "Parkzoom")["upper"][0] < 0.85  # clearly, not by a hair
    jeugd = cmp.expected_use(wh, "jeugd", year).wijken
    assert jeugd.filter(pl.col("region_name") == "Stationskwartier")["lower"][0] > 1.15

    overview = goals.goal_overview(wh)
    statuses = set(overview["status"])
    assert {*goals.TARGET_STATUSES, goals.NO_GOAL} <= statuses
    # A goal with a direction only is worded by its direction, never "op koers"; one with a target the other way.
    with_goal = overview.filter(pl.col("status") != goals.NO_GOAL)
    direction_only = with_goal.filter(pl.col("target").is_null())
    assert direction_only.height >= 3 and set(direction_only["status"]) <= {*goals.DIRECTION_STATUSES, goals.NO_DATA}
    assert set(with_goal.filter(pl.col("target").is_not_null())["status"]) <= set(goals.TARGET_STATUSES)

    sim = cmp.similar_municipalities(wh, year, 5)
    assert sim.height == 5 and sim["region_code"].str.starts_with("GM99").all()
    assert wh.gemeente not in sim["region_code"].to_list()

    app_env(demo_warehouse)
    for page, expected in [("app_pages/vergelijken.py", "Waarom vergelijkbaar"),
                           ("app_pages/verwachting.py", "Parkzoom"),
                           ("app_pages/doelen.py", "niet op koers")]:
        at = open_page(page)
        body = texts(at)
        assert not at.error and "DEMODATA" in body and expected in body, page
