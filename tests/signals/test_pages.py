"""The Signalen page, the Overzicht block and the demo's example content, through AppTest."""

from __future__ import annotations

from urllib.parse import parse_qs

from components import signals_view
from domain.roles import Role
from queries import Warehouse
from queries import signals as sg
from tests.signals.conftest import stores
from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: open_page(role=...) signs in)
from tests.test_app import open_page, texts


def page_links(at) -> list[tuple[str, str, dict]]:
    return [(el.proto.label, el.proto.page, parse_qs(el.proto.query_string)) for el in at.get("page_link")]




def test_the_page_lists_every_kind_the_demo_has_with_its_duiding(demo_app):
    at = open_page("app_pages/signalen.py")
    assert at.title[0].value == "Signalen"
    table = at.dataframe[0].value
    kinds = set(table["Soort"])
    assert {sg.KINDS[k] for k in sg.KINDS} == kinds
    # the demo's published notes explain at least two signals; others have none yet
    assert (table["Duiding"] == "ja").sum() >= 2 and (table["Duiding"] == "nee").sum() >= 1
    body = texts(at)
    assert "Nog geen duiding" in body and "Duiding" in body
    # ten cards, each linking to its figure with the view in the URL
    links = [link for link in page_links(at) if link[0].startswith("Bekijk")]
    assert len(links) == 10
    assert all("indicator" in params or "voorziening" in params for _, _, params in links)
    # a council member has no work list
    assert [t.label for t in at.tabs] == ["Signalen"]


def test_the_filters_come_from_the_url(demo_app):
    at = open_page("app_pages/signalen.py", {"soort": "verwachting", "wijk": "WK999009"})
    table = at.dataframe[0].value
    assert len(table) >= 1
    assert set(table["Soort"]) == {sg.KINDS["verwachting"]} and set(table["Gebied"]) == {"Stationskwartier"}


def test_a_civil_servant_gets_the_work_list_one_click_from_a_scoped_note(demo_app):
    at = open_page("app_pages/signalen.py", role="ambtenaar")
    assert [t.label for t in at.tabs] == ["Signalen", "Signalen zonder duiding"]
    writes = [link for link in page_links(at) if link[0] == "Duiding schrijven"]
    assert writes
    _, page, params = writes[0]
    assert page.endswith("duiding")
    assert set(params) == {"nieuw", "wet", "gebied", "periode"}


def test_the_duiding_page_opens_a_new_note_scoped_to_the_signal(demo_app):
    at = open_page("app_pages/duiding.py", {"nieuw": "youth_care_pct", "wet": "jeugd", "gebied": "WK999009",
                                           "periode": "2025"}, role="ambtenaar")
    assert at.selectbox(key="new-0-ind").value == "youth_care_pct"
    assert at.selectbox(key="new-0-law").value == "jeugd"
    assert at.multiselect(key="new-0-wijken").value == ["WK999009"]
    assert at.text_input(key="new-0-period").value == "2025"
    assert at.text_input(key="new-0-title").value == ""


def test_overzicht_shows_the_top_five_and_whats_new(demo_app):
    at = open_page("app_pages/overzicht.py")
    body = texts(at)
    assert "Wat vraagt aandacht?" in body and "Wat is er nieuw" in body
    # the demo's last step is this year's export on top of last year's: Veilig Thuis 2024 became final
    assert "Vergeleken met de vorige release" in body and "**2** herziene cijfers" in body
    whys = [e for e in at.expander if e.label == "Waarom is dit een signaal?"]
    assert len(whys) == 5
    assert any(label.startswith("Alle ") and label.endswith(" signalen") for label, _, _ in page_links(at))


def test_the_demo_is_seeded_with_notes_markers_and_a_published_dossier(demo_app):
    open_page("app_pages/overzicht.py")  # the first visit seeds the store
    notes, dossiers = stores(demo_app)
    every = notes.list_notes(role=Role.BEHEERDER)
    published = [n for n in every if n.head_status == "published"]
    drafts = [n for n in every if n.head_status == "draft"]
    assert len(published) >= 4 and drafts
    assert all(n.content.what_we_see and n.content.explanation and n.content.next_steps
               for n in published if not n.is_marker)
    assert {n.content.marker_label for n in every if n.is_marker} == {"2019 abonnementstarief",
                                                                      "2022 woonplaatsbeginsel"}
    assert [d.content.title for d in dossiers.list_dossiers(role=Role.RAADSLID, published=True)] == [
        "Ouderen zelfstandig thuis"]
    # a second visit does not seed again
    open_page("app_pages/overzicht.py")
    assert len(notes.list_notes(role=Role.BEHEERDER)) == len(every)
    wh = Warehouse.open(demo_app)
    reader_notes = notes.list_notes(role=Role.RAADSLID)
    explained = {s.kind for s in sg.signals(wh) if signals_view.note_for(s, reader_notes)}
    assert {"verandering", "vergelijking", "verwachting", "trendbreuk"} <= explained


def test_a_tile_and_a_figure_block_with_a_signal_carry_a_mark_linking_to_its_signals(demo_app):
    wh = Warehouse.open(demo_app)
    per_figure = sg.counts(wh)
    assert per_figure["veilig_thuis_reports"] >= 1
    at = open_page("app_pages/overzicht.py")
    marks = [(label, params) for label, page, params in page_links(at) if label.endswith("bij dit cijfer")]
    assert marks and all(params["indicator"][0] in per_figure for _, params in marks)
    n = per_figure["veilig_thuis_reports"]
    words = f"{n} {'signaal' if n == 1 else 'signalen'} bij dit cijfer"
    assert (words, {"indicator": ["veilig_thuis_reports"]}) in marks
    # a tile without a signal has no mark: fewer marks than tiles
    assert len(marks) < len(at.metric)
    law = open_page("app_pages/wmo.py", {"indicator": "veilig_thuis_reports"})
    assert [page for label, page, params in page_links(law) if label == words and page.endswith("signalen")
            and params == {"indicator": ["veilig_thuis_reports"]}]
    # the link opens the Signalen page filtered on that figure
    page = open_page("app_pages/signalen.py", {"indicator": "veilig_thuis_reports"})
    table = page.dataframe[0].value
    assert len(table) == n and set(table["Soort"]) >= {sg.KINDS["herziening"]}
