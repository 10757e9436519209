"""Four-eyes review in the store (SQLite and PostgreSQL), the review list, and markers kept out of the notes."""

from __future__ import annotations

import pytest

import settings
from domain.roles import PermissionDenied
from store.notes import FourEyesRefused, ImportRefused, NoteStore
from tests.notes.conftest import content


@pytest.fixture
def strict(db) -> NoteStore:
    return NoteStore(db, four_eyes=True)


def ready(store: NoteStore, user: str = "anna", **fields):
    n = store.create(content(**fields), role="ambtenaar", user=user)
    return store.submit_for_review(n.note_id, 1, role="ambtenaar", user=user)


def test_author_may_not_publish_own_note(strict):
    n = ready(strict)
    with pytest.raises(FourEyesRefused, match="vier-ogenprincipe"):
        strict.publish(n.note_id, 2, role="ambtenaar", user="anna")
    after = strict.get(n.note_id, role="ambtenaar")
    assert (after.status, after.head_revision, after.published_by) == ("review", 2, None)


def test_another_civil_servant_may_publish(strict):
    n = ready(strict)
    published = strict.publish(n.note_id, 2, role="ambtenaar", user="bert")
    assert (published.status, published.published_by, published.written_by) == ("published", "bert", "anna")


def test_the_last_editor_counts_as_author(strict):
    n = ready(strict)
    back = strict.back_to_draft(n.note_id, 2, role="ambtenaar", user="bert")
    edited = strict.update(n.note_id, back.head_revision, content(title="Door Bert herschreven"), role="ambtenaar",
                           user="bert")
    strict.submit_for_review(n.note_id, edited.head_revision, role="ambtenaar", user="bert")
    with pytest.raises(FourEyesRefused):
        strict.publish(n.note_id, edited.head_revision + 1, role="ambtenaar", user="bert")
    assert strict.publish(n.note_id, edited.head_revision + 1, role="ambtenaar", user="anna").published_by == "anna"


def test_without_four_eyes_the_author_may_publish(store):
    n = ready(store)
    assert store.publish(n.note_id, 2, role="ambtenaar", user="anna").published_by == "anna"


def test_review_list_holds_only_notes_waiting_with_who_and_when(strict):
    first = ready(strict, title="Eerste")
    second = ready(strict, user="carla", title="Tweede")
    strict.create(content(title="Nog een concept"), role="ambtenaar", user="anna")
    waiting = strict.pending_review(role="ambtenaar")
    assert [(n.note_id, n.content.title, n.saved_by) for n in waiting] == [
        (first.note_id, "Eerste", "anna"), (second.note_id, "Tweede", "carla")]
    assert all(n.saved_at for n in waiting)
    strict.publish(first.note_id, 2, role="ambtenaar", user="carla")
    assert [n.note_id for n in strict.pending_review(role="ambtenaar")] == [second.note_id]
    with pytest.raises(PermissionDenied):
        strict.pending_review(role="raadslid")


def test_markers_are_events_not_notes(store):
    marker = ready(store, indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
                   period_from=None, period_to=None, title="Abonnementstarief")
    note = ready(store, title="Gewone duiding")
    for n in (marker, note):
        store.publish(n.note_id, 2, role="ambtenaar", user="bert")
    shown = store.notes_for("wmo_clients_per_1000", "wmo", ["GM0001"], "2024JJ00", role="raadslid")
    assert [n.content.title for n in shown] == ["Gewone duiding"]
    assert store.markers_for("wmo_clients_per_1000", "wmo", role="raadslid")["label"].to_list() == [
        "2019 abonnementstarief"]


@pytest.mark.parametrize("env,demo,expected", [(None, False, True), (None, True, False), ("0", False, False),
                                               ("1", True, True)])
def test_setting_is_on_outside_the_demo(monkeypatch, env, demo, expected):
    if env is None:
        monkeypatch.delenv("MSD_FOUR_EYES", raising=False)
    else:
        monkeypatch.setenv("MSD_FOUR_EYES", env)
    assert settings.load().four_eyes_for(demo) is expected


def test_an_import_cannot_publish_past_four_eyes(make_db):
    """Importing an export makes the importer author and publisher of what it adds: with four eyes a file
    that adds a publication is refused as a whole; a backup restored on the command line is not."""
    source = NoteStore(make_db())
    n = ready(source)
    source.publish(n.note_id, 2, role="ambtenaar", user="bert")
    text = source.export_json(role="ambtenaar", user="anna")
    target = NoteStore(make_db(), four_eyes=True)
    with pytest.raises(ImportRefused, match="vier-ogenprincipe"):
        target.import_json(text, role="beheerder", user="carla")
    assert target.list_notes(role="ambtenaar") == []
    target.import_json(text, role="beheerder", user="carla", restore=True)
    assert target.get(n.note_id, role="raadslid").published_by == "bert"
