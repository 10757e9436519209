"""Publishing and withdrawing interpretation notes leaves audit entries, in the same transaction."""

from __future__ import annotations

import pytest

from domain.roles import PermissionDenied, Role
from store import audit
from store.notes import NoteStore
from tests.notes.conftest import content


def log(db) -> list[tuple[str, str, str | None]]:
    return [(e["event"], e["username"], e["role"]) for e in audit.entries(role=Role.BEHEERDER, db=db)][::-1]


def test_publish_and_withdraw_are_audited(db):
    notes = NoteStore(db)
    n = notes.create(content(title="Meer Wmo-cliënten"), role="ambtenaar", user="anna")
    notes.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    assert log(db) == []  # drafts and reviews are not publications
    notes.publish(n.note_id, 2, role="beheerder", user="bert")
    notes.withdraw(n.note_id, 3, role="ambtenaar", user="anna")
    assert log(db) == [("note_published", "bert", "beheerder"), ("note_withdrawn", "anna", "ambtenaar")]
    published = audit.entries(role="beheerder", db=db, event="note_published")[0]
    assert n.note_id in published["detail"] and "versie 3" in published["detail"]
    assert "Meer Wmo-cliënten" in published["detail"]


@pytest.mark.parametrize("role", ["raadslid", "griffie", None])
def test_a_refused_publication_leaves_no_entry(db, role):
    notes = NoteStore(db)
    n = notes.create(content(), role="ambtenaar", user="anna")
    notes.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    with pytest.raises(PermissionDenied):
        notes.publish(n.note_id, 2, role=role, user="mallory")
    assert log(db) == []


def test_an_import_is_audited(db, make_second_db):
    source = NoteStore(db)
    n = source.create(content(), role="ambtenaar", user="anna")
    source.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    source.publish(n.note_id, 2, role="ambtenaar", user="anna")
    target_db = make_second_db()
    NoteStore(target_db).import_json(source.export_json(role="ambtenaar"), role="beheerder", user="bert")
    entries = audit.entries(role="beheerder", db=target_db)
    assert [(e["event"], e["username"]) for e in entries] == [("notes_imported", "bert")]
    assert "1 nieuwe duidingen" in entries[0]["detail"]
