"""Navigation through AppTest: every page keeps its own defaults, the Wijken tab and the search box."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_path


def start(app_env, warehouse) -> AppTest:
    app_env(warehouse)
    at = AppTest.from_file(app_path(), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def via_menu(at: AppTest, page: str) -> AppTest:
    """A click in the menu: Streamlit's frontend drops the previous page's query string."""
    at.query_params.clear()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_via_menu(at: AppTest, page: str) -> str:
    """The figure a page shows when it is reached through the menu; its URL names the same figure."""
    via_menu(at, page)
    shown = at.selectbox(key="indicator").value
    assert at.query_params["indicator"] == shown
    return shown


def test_trends_from_the_menu_shows_its_own_default_after_another_page(app_env, demo_warehouse):
    at = start(app_env, demo_warehouse)
    assert shown_via_menu(at, "app_pages/wmo.py") == "wmo_clients_per_1000"
    assert shown_via_menu(at, "app_pages/trends.py") == "youth_care_pct"


def test_each_page_remembers_its_own_choice(app_env, demo_warehouse):
    at = start(app_env, demo_warehouse)
    via_menu(at, "app_pages/trends.py")
    at.selectbox(key="indicator").set_value("bijstand_per_1000").run()
    assert shown_via_menu(at, "app_pages/wmo.py") == "wmo_clients_per_1000"  # not Trends' choice
    assert shown_via_menu(at, "app_pages/trends.py") == "bijstand_per_1000"


def test_a_link_with_a_figure_still_opens_that_figure(app_env, demo_warehouse):
    at = start(app_env, demo_warehouse)
    via_menu(at, "app_pages/trends.py")
    at.switch_page("app_pages/participatie.py")
    at.query_params["indicator"] = "bijstand_reg_inflow"
    at.run()
    assert at.selectbox(key="indicator").value == "bijstand_reg_inflow"


@pytest.mark.parametrize(("code", "label"), [("vergelijken", "Wijken vergelijken"), ("profiel", "Wijkprofiel")])
def test_the_wijken_tab_round_trips_through_the_url(app_env, demo_warehouse, code, label):
    at = start(app_env, demo_warehouse)
    via_menu(at, "app_pages/wijken.py")
    at.query_params["tab"] = code
    at.run()
    assert at.session_state["tab"] == label
    # The other tab chosen by the reader goes into the URL as its code.
    other = "profiel" if code == "vergelijken" else "vergelijken"
    at.session_state["tab"] = {"vergelijken": "Wijken vergelijken", "profiel": "Wijkprofiel"}[other]
    at.run()
    assert at.query_params.get("tab") == (None if other == "vergelijken" else other)


def test_the_wijken_page_opens_on_its_first_tab_which_stays_out_of_the_url(app_env, demo_warehouse):
    at = start(app_env, demo_warehouse)
    via_menu(at, "app_pages/wijken.py")
    assert at.session_state["tab"] == "Wijken vergelijken"
    assert "tab" not in at.query_params  # the default tab: the link is the same without it
    at.query_params["tab"] = "<onbekend>"
    at.run()
    assert at.session_state["tab"] == "Wijken vergelijken"


def test_the_breakdown_view_is_in_the_url(app_env, demo_warehouse):
    at = start(app_env, demo_warehouse)
    via_menu(at, "app_pages/wmo.py")
    at.query_params.update({"indicator": "wmo_reg_clients", "uitsplitsing_als": "tabel"})
    at.run()
    assert at.session_state["uitsplitsing_als"] == "Tabel"
    at.session_state["uitsplitsing_als"] = "Grafiek"
    at.run()
    assert "uitsplitsing_als" not in at.query_params  # the default view: the link is the same without it
