"""The Duiding page through AppTest: a new note starts empty, the review list, four-eyes in the page."""

from __future__ import annotations

from tests.notes.conftest import content
from tests.notes.test_ui import open_page
from tests.support.signin import USERS, fake_browser, fast_hashes  # noqa: F401  (autouse fixtures)


def fill_new(at, title: str, explanation: str, generation: int = 0) -> None:
    at.text_input(key=f"new-{generation}-gm").input("GM0001")
    at.text_input(key=f"new-{generation}-title").input(title)
    at.text_area(key=f"new-{generation}-why").input(explanation)
    next(b for b in at.button if b.label == "Opslaan" and "new" in str(b.form_id)).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_new_note_form_is_empty_after_saving(ui_store):
    at = open_page("ambtenaar")
    fill_new(at, "Eerste duiding", "Verklaring van de eerste.")
    assert at.text_input(key="new-1-title").value == ""  # a fresh form (new keys), not the old one emptied
    assert at.text_area(key="new-1-why").value == ""
    assert not [w for w in at.text_input if w.key.startswith("new-0-")]
    fill_new(at, "Tweede duiding", "Eigen verklaring.", generation=1)
    by_title = {n.content.title: n.content.explanation for n in ui_store.list_notes(role="ambtenaar")}
    assert by_title == {"Eerste duiding": "Verklaring van de eerste.", "Tweede duiding": "Eigen verklaring."}


def test_a_failed_save_keeps_what_was_typed(ui_store):
    at = open_page("ambtenaar")
    at.text_input(key="new-0-title").input("Zonder gemeente")
    next(b for b in at.button if b.label == "Opslaan" and "new" in str(b.form_id)).click().run()
    assert any("kies de gemeente" in e.value for e in at.error)
    assert at.text_input(key="new-0-title").value == "Zonder gemeente"


def test_review_list_opens_a_note_and_four_eyes_hides_publish_for_the_author(ui_store, monkeypatch):
    monkeypatch.setenv("MSD_FOUR_EYES", "1")
    mine = ui_store.create(content(title="Van mijzelf"), role="ambtenaar", user=USERS["ambtenaar"])
    theirs = ui_store.create(content(title="Van Anna"), role="ambtenaar", user="anna")
    ui_store.submit_for_review(mine.note_id, 1, role="ambtenaar", user=USERS["ambtenaar"])
    ui_store.submit_for_review(theirs.note_id, 1, role="ambtenaar", user="anna")
    at = open_page("ambtenaar")
    listed = "\n".join(m.value for m in at.tabs[0].markdown)
    assert "**2** duidingen staan klaar" in listed
    assert "Van mijzelf" in listed and "Van Anna" in listed and "Klaargezet door anna op" in listed
    at.button(key=f"review-open-{mine.note_id}").click().run()
    assert at.selectbox(key="notes-chosen").value == mine.note_id
    assert at.session_state["duiding-tab"] == "Duidingen"  # one click: the note opens on its tab
    assert not [b for b in at.button if b.label == "Publiceren"]
    assert any("Een collega controleert en publiceert haar" in c.value for c in at.caption)
    at.button(key=f"review-open-{theirs.note_id}").click().run()
    assert at.selectbox(key="notes-chosen").value == theirs.note_id
    next(b for b in at.button if b.label == "Publiceren").click().run()
    assert ui_store.get(theirs.note_id, role="raadslid").published_by == USERS["ambtenaar"]
    assert "**1** duiding staat klaar" in "\n".join(m.value for m in at.tabs[0].markdown)
