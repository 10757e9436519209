"""No English widget text that Streamlit lets the monitor set: every page, for every role that opens
it, walked through AppTest's element tree (the protos the browser receives)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: open_page(role=...) signs in)
from tests.test_app import open_page

FIGURE_PAGES = ["app_pages/overzicht.py", "app_pages/signalen.py", "app_pages/wmo.py", "app_pages/jeugd.py",
                "app_pages/participatie.py", "app_pages/schuldhulp.py",
                "app_pages/wijken.py", "app_pages/trends.py", "app_pages/stapeling.py", "app_pages/vergelijken.py",
                "app_pages/verwachting.py", "app_pages/doelen.py", "app_pages/geld.py", "app_pages/bronnen.py",
                "app_pages/embed.py", "app_pages/dossiers.py", "app_pages/inloggen.py"]
ROLE_PAGES = {"ambtenaar": ["app_pages/duiding.py", "app_pages/registry_upload.py"],
              "griffie": ["app_pages/dossier_maken.py"], "beheerder": ["app_pages/beheer.py"],
              "raadslid": ["app_pages/inloggen.py"]}
def walk_pages(pages: list[str], role: str | None = None) -> dict[str, list[str]]:
    """Every page in one session (as a reader clicking through the menu); what each would show in English."""
    at = open_page(pages[0], role=role)
    found = {}
    for page in pages:
        at.query_params.clear()
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        found[page] = english_defaults(at)
    return found


def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def english_defaults(at: AppTest) -> list[str]:
    """Each widget that would show one of Streamlit's English texts, with the text it would show."""
    found = []
    forms = {}
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if node.type == "form":
            forms[proto.form.form_id] = proto.form
            if proto.form.enter_to_submit:
                found.append(f"form {proto.form.form_id}: 'Press Enter to submit form'")
    for node in nodes(at._tree):
        proto, kind = getattr(node, "proto", None), node.type
        label = getattr(proto, "label", "")
        if kind in ("selectbox", "multiselect") and not proto.placeholder:
            found.append(f"{kind} {label}: 'Choose an option' / 'Choose options'")
        if kind == "multiselect" and proto.select_all:
            found.append(f"multiselect {label}: 'Select all'")
        if kind == "text_input" and not proto.form_id and not proto.HasField("live_debounce_ms"):
            found.append(f"text_input {label}: 'Press Enter to apply'")
        if kind == "text_area" and not proto.form_id:
            found.append(f"text_area {label}: 'Press Ctrl+Enter to apply'")
        if kind == "file_uploader" and "MB" not in proto.help:
            found.append(f"file_uploader {label}: only Streamlit's English 'Limit ... per file'")
        if kind == "arrow_data_frame" and proto.editing_mode and not proto.HasField("placeholder"):
            found.append("data_editor: 'None' in empty cells")
    return found



def test_the_walker_finds_streamlits_defaults():
    at = AppTest.from_string("""
import streamlit as st
st.selectbox("Kies", ["a", "b"])
st.multiselect("Meer", ["a", "b"], placeholder="Kies")
st.text_input("Zoek")
with st.form("f"):
    st.text_area("Tekst")
    st.file_uploader("Bestand")
    st.form_submit_button("Opslaan")
""")
    at.run()
    assert english_defaults(at) == [
        "form f: 'Press Enter to submit form'", "selectbox Kies: 'Choose an option' / 'Choose options'",
        "multiselect Meer: 'Select all'", "text_input Zoek: 'Press Enter to apply'",
        "file_uploader Bestand: only Streamlit's English 'Limit ... per file'"]


def test_figure_pages_set_every_widget_text_in_dutch(demo_app):
    assert walk_pages(FIGURE_PAGES) == {page: [] for page in FIGURE_PAGES}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_workshop_pages_set_every_widget_text_in_dutch(demo_app, role):
    assert walk_pages(ROLE_PAGES[role], role) == {page: [] for page in ROLE_PAGES[role]}


def test_an_open_note_and_an_open_dossier_have_dutch_forms(demo_app):
    at = open_page("app_pages/duiding.py", role="ambtenaar")  # the demo's notes: one is open in the list
    assert at.selectbox(key="notes-chosen").value
    assert [n for n in nodes(at._tree) if n.type == "form"]
    assert english_defaults(at) == []
    at = open_page("app_pages/dossier_maken.py", role="griffie")
    at.selectbox(key="dossier_kies").select_index(1).run()  # the demo's dossier, with its part forms
    assert len([n for n in nodes(at._tree) if n.type == "form"]) >= 3  # details, each part, a new part
    assert english_defaults(at) == []
