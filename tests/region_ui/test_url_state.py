"""The member is part of the address: ?gemeente= opens it, the picker writes it, the menu keeps it."""

from __future__ import annotations

import pytest

from tests.region_ui.apptest import PICKER, open_page, start, via_menu
from tests.region_ui.fixtures import HOME, MEMBER


def title(at) -> str:
    return at.title[0].value


def test_an_address_with_a_member_opens_that_member(app_env, region_warehouse):
    at = start(app_env, region_warehouse, gemeente=MEMBER)
    assert at.selectbox(key=PICKER).value == MEMBER
    assert title(at) == "Sociaal domein Buurgemeente"
    assert at.query_params["gemeente"] == MEMBER


def test_the_home_member_opens_without_a_member_in_the_address(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    assert at.selectbox(key=PICKER).value == HOME
    assert title(at) == "Sociaal domein Testgemeente"
    assert "gemeente" not in at.query_params


def test_choosing_another_member_in_the_picker_writes_it_to_the_address(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    at.selectbox(key=PICKER).set_value(MEMBER).run()
    assert at.query_params["gemeente"] == MEMBER
    at.run()  # the run after the choice shows the member
    assert title(at) == "Sociaal domein Buurgemeente"
    at.selectbox(key=PICKER).set_value(HOME).run()
    at.run()
    assert at.query_params["gemeente"] == HOME and title(at) == "Sociaal domein Testgemeente"


def test_a_menu_link_keeps_the_member_of_the_session(app_env, region_warehouse):
    at = start(app_env, region_warehouse, gemeente=MEMBER)
    via_menu(at, "app_pages/wijken.py")  # the menu's link carries no query parameters
    assert at.query_params["gemeente"] == MEMBER
    assert at.selectbox(key=PICKER).value == MEMBER
    at.session_state["tab"] = "Wijkprofiel"
    at.run()
    assert at.selectbox(key="wijk").options == ["Dorp", "Haven"]
    via_menu(at, "app_pages/overzicht.py")
    assert title(at) == "Sociaal domein Buurgemeente"


@pytest.mark.parametrize("asked", ["GM9999", "RG0001", "<script>", ""])
def test_an_unknown_member_falls_back_to_the_home_member(app_env, region_warehouse, asked):
    at = start(app_env, region_warehouse, gemeente=asked)
    assert at.selectbox(key=PICKER).value == HOME
    assert title(at) == "Sociaal domein Testgemeente"
    assert at.query_params.get("gemeente") in (HOME, None)


def test_the_region_page_keeps_the_member_for_the_pages_after_it(app_env, region_warehouse):
    at = start(app_env, region_warehouse, gemeente=MEMBER)
    via_menu(at, "app_pages/regio.py")
    assert title(at) == "Regio Proef"
    via_menu(at, "app_pages/overzicht.py")
    assert title(at) == "Sociaal domein Buurgemeente"


def test_a_single_municipality_has_no_picker_no_region_page_and_no_member_in_its_addresses(app_env, small_warehouse):
    at = start(app_env, small_warehouse)
    assert PICKER not in [s.key for s in at.selectbox]
    assert "gemeente" not in at.query_params
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/regio.py")
    open_page(at, "app_pages/overzicht.py", gemeente="GM0002")  # an address from a region means nothing here
    assert title(at) == "Sociaal domein Testgemeente"
    assert PICKER not in [s.key for s in at.selectbox]


def test_an_account_of_one_member_reads_that_member_and_has_no_region_page(app_env, region_warehouse):
    import time

    at = start(app_env, region_warehouse)
    now = time.time()
    # As components/session.py keeps a signed-in account of one member (the scope of h-scope's accounts).
    at.session_state["_msd_auth"] = {"user": "raad-buur", "display_name": "Raadslid Buurgemeente", "role": "raadslid",
                                     "method": "oidc", "gemeente": MEMBER, "last_seen": now, "signed_in_at": now}
    at.query_params["gemeente"] = HOME  # a link to the other member
    at.run()
    assert at.selectbox(key=PICKER).options == ["Buurgemeente"] and at.selectbox(key=PICKER).disabled
    assert title(at) == "Sociaal domein Buurgemeente"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/regio.py")
