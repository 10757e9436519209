"""Every tab set is in the URL: a link with a tab code opens that tab, and a tab the reader opens goes
into the URL (the first tab, the default, stays out of it, so a page with many charts keeps a short link)."""

from __future__ import annotations

import pytest

from domain.roles import Role
from queries import Warehouse, goals
from store.db import Database
from store.dossiers import DossierStore
from tests.test_app import open_page
from warehouse.releases import current_release

CHART = {"grafiek": "Grafiek", "tabel": "Tabel"}
WIJK = {"kaart": "Kaart", "ranglijst": "Ranglijst", "tabel": "Tabel"}

# (page, query, URL parameter, its tabs): one row per tab set the pages draw.
TAB_SETS = [
    ("app_pages/wmo.py", {"indicator": "wmo_clients_per_1000"}, "cijfer_als", CHART),
    ("app_pages/wmo.py", {}, "stromen_als", CHART),
    ("app_pages/wmo.py", {}, "wmo_reg_clients_als", CHART),
    ("app_pages/trends.py", {}, "cijfer_als", CHART),
    ("app_pages/wijken.py", {}, "wijken_als", WIJK),
    ("app_pages/vergelijken.py", {}, "groep_als", CHART),
    ("app_pages/vergelijken.py", {}, "cijfer_als", CHART),
    ("app_pages/verwachting.py", {}, "wijken_als", WIJK),
    ("app_pages/stapeling.py", {}, "stapeling_als", CHART),
    ("app_pages/stapeling.py", {}, "cijfer_als", CHART),
]



def round_trip(page: str, query: dict, param: str, tabs: dict[str, str]) -> None:
    first, *others = tabs
    at = open_page(page, query)
    assert at.session_state[param] == tabs[first]
    assert param not in at.query_params  # the default stays out of the link
    for code in others:
        # a link with the tab's code opens that tab ...
        at.query_params[param] = code
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state[param] == tabs[code]
    # ... and a tab the reader opens is written into the URL
    at.session_state[param] = tabs[others[0]]
    at.run()
    assert at.query_params[param] == others[0]
    at.session_state[param] = tabs[first]
    at.run()
    assert param not in at.query_params
    # an unknown code falls back to the first tab
    at.query_params[param] = "<onbekend>"
    at.run()
    assert at.session_state[param] == tabs[first]


@pytest.mark.parametrize(("page", "query", "param", "tabs"), TAB_SETS, ids=lambda v: v if isinstance(v, str) else "")
def test_each_tab_set_round_trips_through_the_url(app_env, demo_warehouse, page, query, param, tabs):
    app_env(demo_warehouse)
    round_trip(page, query, param, tabs)


def test_each_goal_has_its_own_tab_in_the_url(app_env, demo_warehouse):
    app_env(demo_warehouse)
    ids = goals.goal_overview(Warehouse(current_release(demo_warehouse)))["indicator_id"].to_list()
    at = open_page("app_pages/doelen.py", {f"{ids[1]}_als": "tabel"})
    assert at.session_state[f"{ids[1]}_als"] == "Tabel"
    assert at.session_state[f"{ids[0]}_als"] == "Grafiek"  # the others stay on their chart


def test_a_dossier_link_opens_a_part_on_its_table(demo_app):
    open_page("app_pages/overzicht.py")  # the first visit seeds the demo's published dossier
    dossier = DossierStore(Database(f"sqlite:///{demo_app.parent / 'store.sqlite'}")).list_dossiers(
        role=Role.RAADSLID, published=True)[0]
    at = open_page("app_pages/dossiers.py", {"dossier": dossier.link_key, "onderdeel1_1_als": "tabel"})
    assert at.session_state["onderdeel1_1_als"] == "Tabel"
    at.session_state["onderdeel1_1_als"] = "Grafiek"
    at.run()
    assert "onderdeel1_1_als" not in at.query_params
    assert at.query_params["dossier"] == dossier.link_key
