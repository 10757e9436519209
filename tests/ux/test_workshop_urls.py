"""The workshop pages keep their tab and their open record in the URL, so F5 and a shared link reopen
them (issue 17): Duiding schrijven, Dossier maken and Accounts en logboek."""

from __future__ import annotations

import pytest

from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: open_page(role=...) signs in)
from tests.test_app import open_page

# (page, role, URL parameter, its tabs)
TAB_SETS = [
    ("app_pages/duiding.py", "ambtenaar", "duiding-tab",
     {"review": "Wacht op review", "duidingen": "Duidingen", "nieuw": "Nieuwe duiding",
      "uitwisselen": "Exporteren en importeren"}),
    ("app_pages/dossier_maken.py", "griffie", "dossier-tab",
     {"bewerken": "Bewerken", "voorbeeld": "Voorbeeld", "publiceren": "Publiceren"}),
    ("app_pages/beheer.py", "beheerder", "tab",
     {"accounts": "Accounts", "nieuw": "Nieuw account", "logboek": "Logboek", "versies": "Versies"}),
]


def _open_dossier(at):
    """Dossier maken shows its tabs once a dossier is open: the demo's dossier (the second option)."""
    at.selectbox(key="dossier_kies").select_index(1).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize(("page", "role", "param", "tabs"), TAB_SETS, ids=[t[0] for t in TAB_SETS])
def test_a_workshop_tab_round_trips_through_the_url(demo_app, page, role, param, tabs):
    first, *others = tabs
    at = open_page(page, role=role)
    if page.endswith("dossier_maken.py"):
        _open_dossier(at)
    assert at.session_state[param] == tabs[first]
    assert param not in at.query_params
    for code in others:  # a link with the tab's code opens that tab
        at.query_params[param] = code
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state[param] == tabs[code]
    at.session_state[param] = tabs[others[0]]  # a tab the person opens goes into the URL
    at.run()
    assert at.query_params[param] == others[0]
    at.session_state[param] = tabs[first]
    at.run()
    assert param not in at.query_params


def test_the_open_note_is_in_the_url_and_a_link_reopens_it(demo_app):
    at = open_page("app_pages/duiding.py", {"duiding-tab": "duidingen"}, role="ambtenaar")
    notes = at.selectbox(key="notes-chosen")
    assert len(notes.options) >= 2
    notes.select_index(1).run()
    second = at.selectbox(key="notes-chosen").value
    assert at.query_params["notes-chosen"] == second
    # the shared link, opened in a new session, opens the same note on the same tab
    again = open_page("app_pages/duiding.py", {"duiding-tab": "duidingen", "notes-chosen": second}, role="ambtenaar")
    assert again.session_state["duiding-tab"] == "Duidingen"
    assert again.selectbox(key="notes-chosen").value == second


def test_the_open_dossier_is_in_the_url_and_a_link_reopens_it(demo_app):
    at = open_page("app_pages/dossier_maken.py", role="griffie")
    _open_dossier(at)
    chosen = at.selectbox(key="dossier_kies").value
    assert at.query_params["dossier_kies"] == chosen
    again = open_page("app_pages/dossier_maken.py", {"dossier_kies": chosen, "dossier-tab": "voorbeeld"}, role="griffie")
    assert again.selectbox(key="dossier_kies").value == chosen
    assert again.session_state["dossier-tab"] == "Voorbeeld"


@pytest.mark.parametrize(("page", "query"), [("app_pages/duiding.py", {"duiding-tab": "duidingen"}),
                                             ("app_pages/dossier_maken.py", {"dossier-tab": "voorbeeld"})])
def test_a_workshop_link_opened_by_a_council_member_opens_no_workshop_page(demo_app, page, query):
    """An id in a shared link gives nothing away: a reader's session has no such page at all (and the
    page itself and the stores refuse a reader as well)."""
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(page, query, role="raadslid")
