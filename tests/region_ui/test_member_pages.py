"""Every page on a member that is not the home municipality: its own name, figures, wijken and signals."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from components import wijk_view
from queries import Warehouse, region
from queries import figures as q
from tests.conftest import ROOT
from tests.region_ui.apptest import open_page, start
from tests.region_ui.fixtures import HOME, MEMBER
from tests.support.specs import walk

# Pages for some roles only are not in an anonymous reader's menu (they refuse there; see tests/auth).
GUARDED = {"beheer", "duiding", "registry_upload", "dossier_maken"}
PAGES = sorted(f"app_pages/{Path(p).stem}.py" for p in glob.glob(str(ROOT / "app_pages" / "*.py"))
               if Path(p).stem not in GUARDED | {"__init__"})


def test_the_overview_of_a_member_shows_that_members_name_and_figures(app_env, region_warehouse):
    at = start(app_env, region_warehouse, gemeente=MEMBER)
    open_page(at, "app_pages/overzicht.py", gemeente=MEMBER, jaar="2024")
    assert at.title[0].value == "Sociaal domein Buurgemeente"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Wmo-cliënten"] == "410"  # Buurgemeente's, not Testgemeente's 178


def test_the_wijken_page_of_a_member_offers_its_own_wijken_only(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    open_page(at, "app_pages/wijken.py", gemeente=MEMBER, tab="profiel")
    assert at.selectbox(key="wijk").options == ["Dorp", "Haven"]
    open_page(at, "app_pages/wijken.py", gemeente=HOME, tab="profiel")
    assert at.selectbox(key="wijk").options == ["Noord", "Oost", "Zuid"]


def test_the_wijk_map_of_a_member_draws_its_own_wijken_only(region_warehouse):
    root = Warehouse.open(region_warehouse)
    for code, wijken in ((MEMBER, {"Haven", "Dorp"}), (HOME, {"Noord", "Zuid", "Oost"})):
        wh = root.for_member(code)
        ind = q.indicator(wh, "wmo_reg_clients")
        part = wijk_view.map_part(wh, ind, q.wijk_values(wh, "wmo_reg_clients", 2024), 2024, None)
        shapes = {n["properties"]["name"] for n in walk(part["map"]) if n.get("type") == "Feature"}
        assert shapes == wijken, code
        assert {f["properties"]["name"] for f in region.member_boundaries(wh)["features"]} == wijken
    root.close()


def test_a_single_municipality_keeps_its_whole_boundary_file(small_warehouse):
    wh = Warehouse.open(small_warehouse)
    assert region.member_boundaries(wh) == wh.boundaries("wijken")
    wh.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_a_member_and_keeps_it_in_the_url(app_env, region_warehouse, page):
    at = start(app_env, region_warehouse)
    open_page(at, page, gemeente=MEMBER)
    assert at.query_params["gemeente"] == MEMBER
    assert at.selectbox(key="_msd_member_pick").value == MEMBER
    if page != "app_pages/regio.py":  # the region page names every member
        shown = " ".join(x.value for x in [*at.title, *at.markdown, *at.caption])
        assert "Testgemeente" not in shown, page  # no home name on a member's page


def test_the_comparison_of_a_member_uses_that_members_peers(region_warehouse):
    root = Warehouse.open(region_warehouse)
    wh = root.for_member(MEMBER)
    assert wh.peers == ["GM0003"] and wh.meta["gemeente_name"] == "Buurgemeente"
    row = q.comparison(wh, ["wmo_clients_per_1000"], 2024).row(0, named=True)
    assert (row["value"], row["peer_median"], row["national"]) == (40.0, 52.0, 56.5)
    root.close()
