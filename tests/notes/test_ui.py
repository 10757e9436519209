"""The note panel and the Duiding page through Streamlit's AppTest, per role."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.notes import NoteStore
from tests.notes.conftest import content
from tests.support.signin import USERS, fake_browser, fast_hashes, signed_in_page  # noqa: F401  (autouse fixtures)

ROOT = Path(__file__).resolve().parents[2]
PANEL_SCRIPT = """
from components.notes import markers_for, render_note_panel
render_note_panel("wmo_clients_per_1000", "wmo", ["GM0001"], "2024JJ00")
m = markers_for("wmo_clients_per_1000", "wmo")
import streamlit as st
st.text("markers: " + ", ".join(m["label"].to_list()))
"""


def publish(store: NoteStore, **fields):
    n = store.create(content(**fields), role="ambtenaar", user="anna")
    store.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    return store.publish(n.note_id, 2, role="beheerder", user="bert")


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [t.value for t in at.text] + [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(parts)


def run_panel(role: str) -> AppTest:
    at = signed_in_page(PANEL_SCRIPT, role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_empty_panel_says_there_is_no_note_yet(ui_store):
    at = run_panel("raadslid")
    assert "Er is nog geen duiding geschreven bij dit cijfer." in all_text(at)


@pytest.mark.parametrize("role,sees_draft", [("raadslid", False), ("griffie", False), ("ambtenaar", True),
                                             ("beheerder", True)])
def test_published_note_for_everyone_draft_only_for_civil_servants(ui_store, role, sees_draft):
    publish(ui_store, title="Gepubliceerde duiding", what_we_see="Meer cliënten in **2024**.",
            links=(), marker_period=None)
    publish(ui_store, indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
            period_from=None, period_to=None, title="Abonnementstarief")
    ui_store.create(content(title="Conceptduiding", what_we_see="Nog niet gecontroleerd."), role="ambtenaar",
                    user="anna")
    ui_store.create(content(title="Aanbesteding", what_we_see="Nieuwe aanbieders.", marker_period="2023JJ00",
                            marker_label="aanbesteding"), role="ambtenaar", user="anna")
    at = run_panel(role)
    body = all_text(at)
    # Markers are events on the time axis, never notes in the panel.
    panel = "\n".join(m.value for m in at.markdown)
    assert "Abonnementstarief" not in panel and "Aanbesteding" not in panel and "Markering" not in panel
    assert "Gepubliceerde duiding" in body
    assert "Meer cliënten in **2024**." in body  # rendered as Markdown, not raw HTML
    assert "Wat zien we" in body and "Verklaring" in body and "Wat betekent dit / vervolg" in body
    assert "Geschreven door anna" in body and "gepubliceerd door bert" in body
    assert "2019 abonnementstarief" in body
    assert ("Conceptduiding" in body) is sees_draft
    assert (":orange-badge[Concept]" in body) is sees_draft
    assert ("aanbesteding (concept)" in body) is sees_draft
    assert "Er is nog geen duiding" not in body


def test_panel_shows_hostile_text_escaped(ui_store):
    publish(ui_store, title="<script>alert(1)</script>", what_we_see="<img src=x onerror=alert(1)> "
            "[klik](javascript:alert(1))")
    at = run_panel("raadslid")
    markdown = "\n".join(m.value for m in at.markdown)
    assert not re.search(r"(?<!\\)<", markdown), markdown  # every < is escaped: no tag can form
    assert "javascript:" not in markdown
    assert "\\<script\\>" in markdown
    assert all(not getattr(m.proto, "allow_html", False) for m in at.markdown)


def open_page(role: str) -> AppTest:
    at = signed_in_page(ROOT / "app_pages" / "duiding.py", role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("role", ["raadslid", "griffie"])
def test_page_refuses_roles_that_may_not_write(ui_store, role):
    at = open_page(role)
    assert at.error and "Alleen ambtenaren en beheerders" in at.error[0].value
    assert not at.tabs and not at.button


def test_page_walks_a_note_from_draft_to_published(ui_store):
    n = ui_store.create(content(title="Mijn duiding"), role="ambtenaar", user="anna")
    at = open_page("ambtenaar")
    assert "Mijn duiding" in at.dataframe[0].value.to_csv()
    next(b for b in at.button if b.label == "Klaarzetten voor controle").click().run()
    assert "De duiding staat klaar voor controle." in [s.value for s in at.success]
    assert ui_store.get(n.note_id, role="ambtenaar").status == "review"
    next(b for b in at.button if b.label == "Publiceren").click().run()
    assert ui_store.get(n.note_id, role="raadslid").published_by == USERS["ambtenaar"]
    next(b for b in at.button if b.label == "Intrekken").click().run()
    assert ui_store.get(n.note_id, role="ambtenaar").status == "withdrawn"


def test_page_shows_a_conflict_when_someone_else_saved_first(ui_store):
    n = ui_store.create(content(title="Mijn duiding"), role="ambtenaar", user="anna")
    at = open_page("ambtenaar")  # this person starts from revision 1
    ui_store.update(n.note_id, 1, content(title="Intussen door Bert"), role="ambtenaar", user="bert")
    at.run()
    assert any("nieuwere versie (2)" in w.value and "bert" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Klaarzetten voor controle").click().run()
    assert any("Iemand anders heeft deze duiding intussen opgeslagen" in e.value for e in at.error)
    assert ui_store.get(n.note_id, role="ambtenaar").status == "draft"


def test_page_creates_a_note_through_the_form(ui_store):
    at = open_page("beheerder")
    at.text_input(key="new-0-gm").input("GM0001")
    at.text_input(key="new-0-period").input("2023-2024")
    at.text_input(key="new-0-title").input("Via het formulier")
    at.text_area(key="new-0-see").input("Een stijging.")
    next(b for b in at.button if b.label == "Opslaan" and "new" in str(b.form_id)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    notes = ui_store.list_notes(role="beheerder")
    assert [(x.content.title, x.content.period_from, x.content.period_to, x.status) for x in notes] == [
        ("Via het formulier", "2023JJ00", "2024JJ00", "draft")]
