"""On the pages and in the PDF: markers listed once as events (not as notes), the slug link, editing a part."""

from __future__ import annotations

import pytest

from components import dossier_store, handout
from domain.roles import Role
from queries import Warehouse
from tests.dossiers.conftest import content
from tests.dossiers.test_flow import (
    NOTE_TEXT,
    _editing_a_draft,
    _open,
    _pdf_text,
    _published_note,
    _run,
    _stores,
    _text,
)
from tests.notes.conftest import content as note_content
from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: pages opened with a role sign in)

MARKER_TEXT = "Sinds 2019 betaalt iedereen hetzelfde lage tarief."


@pytest.fixture
def with_marker(app_env, small_warehouse):
    """A published dossier whose Wmo parts share one law-wide marker, next to an ordinary note."""
    app_env(small_warehouse)
    _, notes, store = _stores()
    _published_note(notes)
    m = notes.create(note_content(indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
                                  period_from=None, period_to=None, title="Abonnementstarief",
                                  explanation=MARKER_TEXT), role=Role.AMBTENAAR, user="anna")
    m = notes.submit_for_review(m.note_id, m.head_revision, role=Role.AMBTENAAR, user="anna")
    notes.publish(m.note_id, m.head_revision, role=Role.AMBTENAAR, user="bram")
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    p = dossier_store.publish(store, notes, Warehouse.open(small_warehouse), d, role=Role.GRIFFIE, user="greet")
    return p, store, small_warehouse


def test_markers_are_listed_once_on_screen_and_not_as_notes(with_marker):
    p, _store, _ = with_marker
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.slug})  # the short link opens it
    body = _text(at)
    assert [t.value for t in at.title] == ["Ouderen zelfstandig thuis"]
    assert NOTE_TEXT in body
    assert [h.value for h in at.header].count("Gebeurtenissen") == 1
    assert body.count("2019 abonnementstarief") == 1 and "2019: 2019 abonnementstarief" in body
    assert MARKER_TEXT not in body and "Abonnementstarief" not in body
    assert [c.value for c in at.code] == [f"?dossier={p.slug}"]  # the stable link, to copy
    # The list of dossiers links with the slug.
    at = _open("app_pages/dossiers.py", "raadslid")
    assert [link.proto.query_string for link in at.get("page_link")] == [f"dossier={p.slug}"]


def test_the_old_hex_link_still_opens(with_marker):
    p, _store, _ = with_marker
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.dossier_id})
    assert [t.value for t in at.title] == ["Ouderen zelfstandig thuis"]


def test_markers_are_listed_once_in_the_handout(with_marker):
    p, store, warehouse = with_marker
    d = store.get(p.dossier_id, role=Role.RAADSLID)
    _, text = _pdf_text(handout.build_handout(Warehouse.open(warehouse, d.release_id), d.content, d.notes))
    assert text.count("Gebeurtenissen") == 1 and text.count("2019 abonnementstarief") == 1
    assert MARKER_TEXT not in text and "Abonnementstarief" not in text
    assert NOTE_TEXT in text


def test_the_griffie_edits_a_part_on_the_page(app_env, small_warehouse):
    store, d, at = _editing_a_draft(app_env, small_warehouse)
    prefix = "e1_v1"  # part 2, version 1
    assert at.text_input(key=f"{prefix}_kop").value == "Cliënten per wijk"  # the form shows the part's values
    at.text_input(key=f"{prefix}_kop").input("Cliënten in twee wijken")
    at.text_area(key=f"{prefix}_tekst").input("Bewerkt door de griffie.")
    at.radio(key=f"{prefix}_vergelijking").set_value("nederland")
    at.multiselect(key=f"{prefix}_gebieden").set_value(["WK000102"])
    next(b for b in at.button if b.label == "Onderdeel opslaan" and "onderdeel-1-v1" in str(b.form_id)).click()
    _run(at)
    saved = store.get(d.dossier_id, role=Role.GRIFFIE)
    part = saved.content.sections[1]
    assert saved.head_revision == 2
    assert (part.title, part.text, part.comparison, part.region_codes, part.indicator_ids) == (
        "Cliënten in twee wijken", "Bewerkt door de griffie.", "nederland", ("WK000102",),
        ("wmo_reg_clients", "population"))
    assert at.text_input(key="e1_v2_kop").value == "Cliënten in twee wijken"
