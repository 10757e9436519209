"""The store migration that moves notes and markers of the removed law "veiligheid" (and of the figures that
moved to context) to the law of their figure, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import shutil

import pytest

from store import note_content
from store.db import MIGRATIONS_DIR, Database
from store.notes import NoteStore
from tests.notes.conftest import content
from tests.pgserver import BACKENDS

MIGRATION = "notes_002_law_of_the_indicator"
OLD_LAWS = ("wmo", "jeugd", "participatie", "schuldhulp", "veiligheid", "context")
_numbers = itertools.count(1)
# Notes written before the move: key -> (law then, figure, title, law after the move).
NOTES = {
    "vt": ("veiligheid", "veilig_thuis_reports", "Meer meldingen", "wmo"),
    "vt_rate": ("veiligheid", "veilig_thuis_reports_per_1000", "Per 1.000", "wmo"),
    "jb": ("veiligheid", "jeugdbescherming_youngsters", "Minder maatregelen", "jeugd"),
    "jr": ("veiligheid", "jeugdreclassering_youngsters", "Jeugdreclassering", "jeugd"),
    "school": ("jeugd", "early_school_leavers_pct", "Minder schooluitval", "context"),
    "ww": ("participatie", "ww_per_1000", "WW daalt", "context"),
    "ao": ("participatie", "ao_persons", "AO stijgt", "context"),
    "wmo": ("wmo", "wmo_clients_per_1000", "Onaangeroerd", "wmo"),
}


@pytest.fixture(params=BACKENDS)
def before(request, tmp_path, monkeypatch) -> Database:
    """A store migrated up to the release before the migration, holding notes written under the old laws."""
    old = tmp_path / "old-migrations"
    old.mkdir()
    for f in MIGRATIONS_DIR.glob("*.sql"):
        if f.stem != MIGRATION:
            shutil.copy(f, old / f.name)
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'before.sqlite'}")
    else:
        db = Database(request.getfixturevalue("postgres_server").create_database(f"lawmove_{next(_numbers)}"))
    assert MIGRATION not in db.migrate(old)
    monkeypatch.setattr(note_content, "LAWS", OLD_LAWS)  # the old release still accepted "veiligheid"
    return db


def write(store: NoteStore, law: str, indicator_id: str | None, title: str, **extra) -> str:
    n = store.create(content(law=law, indicator_id=indicator_id, title=title, **extra), role="ambtenaar", user="anna")
    # A second revision, so the migration must change every revision, not only the head.
    n = store.submit_for_review(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    store.publish(n.note_id, n.head_revision, role="beheerder", user="bert")
    return n.note_id


def test_notes_and_markers_move_to_the_law_of_their_figure(before, monkeypatch):
    store = NoteStore(before)
    ids = {key: write(store, law, figure, title) for key, (law, figure, title, _) in NOTES.items()}
    ids["law_marker"] = write(store, "veiligheid", None, "Nieuwe instelling", marker_period="2021JJ00",
                              marker_label="Nieuwe gecertificeerde instelling")
    ids["jeugd_marker"] = write(store, "jeugd", None, "Woonplaatsbeginsel", marker_period="2022JJ00",
                                marker_label="woonplaatsbeginsel")
    monkeypatch.undo()  # this release: "veiligheid" is refused again
    assert "veiligheid" not in note_content.LAWS

    assert before.migrate() == [MIGRATION]
    assert before.migrate() == []  # once only

    expected = {key: moved_to for key, (*_, moved_to) in NOTES.items()} | {"law_marker": "jeugd", "jeugd_marker": "jeugd"}
    for key, law in expected.items():
        note = store.get(ids[key], role="ambtenaar")
        assert note.content.law == law, key
        # Every revision moved with the head: the history has one law.
        laws = {r["law"] for r in before.query("SELECT law FROM note_revisions WHERE note_id = ?", (ids[key],))}
        assert laws == {law}, key
    assert before.query("SELECT COUNT(*) AS n FROM notes WHERE law = 'veiligheid'")[0]["n"] == 0
    assert before.query("SELECT COUNT(*) AS n FROM note_revisions WHERE law = 'veiligheid'")[0]["n"] == 0
    # Texts and states are untouched.
    moved = store.get(ids["jb"], role="raadslid")
    assert (moved.status, moved.content.title, moved.content.indicator_id) == (
        "published", "Minder maatregelen", "jeugdbescherming_youngsters")

    # The moved notes show where their figure now is; the law-wide marker is an event on the Jeugd charts.
    assert [n.note_id for n in store.notes_for("veilig_thuis_reports", "wmo", ["GM0001"], "2024JJ00",
                                               role="raadslid")] == [ids["vt"]]
    events = store.markers_for("jeugdbescherming_youngsters", "jeugd", role="raadslid")
    assert set(events["label"]) == {"Nieuwe gecertificeerde instelling", "woonplaatsbeginsel"}
    assert store.markers_for("wmo_clients_per_1000", "wmo", role="raadslid").is_empty()
    # A moved note can be edited again under its new law (the old one is refused now).
    n = store.get(ids["school"], role="ambtenaar")
    edited = store.update(ids["school"], n.head_revision, content(law="context", indicator_id="early_school_leavers_pct",
                                                                   title="Bewerkt"), role="ambtenaar", user="anna")
    assert (edited.content.law, edited.content.title) == ("context", "Bewerkt")


def test_an_export_from_before_the_move_imports_under_the_laws_of_today(before, tmp_path, monkeypatch):
    """A backup made before "veiligheid" was removed is not refused: its notes arrive as the migration
    would have moved them."""
    old = NoteStore(before)
    ids = {key: write(old, *NOTES[key][:3]) for key in ("vt", "jb", "ww", "wmo")}
    exported = old.export_json(role="beheerder", user="bert")
    monkeypatch.undo()
    today = Database(f"sqlite:///{tmp_path / 'today.sqlite'}")
    today.migrate()
    store = NoteStore(today)
    report = store.import_json(exported, role="beheerder", user="carla")
    assert "4" in report.summary()
    laws = {key: store.get(i, role="ambtenaar").content.law for key, i in ids.items()}
    assert laws == {key: NOTES[key][3] for key in ids} == {"vt": "wmo", "jb": "jeugd", "ww": "context", "wmo": "wmo"}
    assert note_content.law_now("veiligheid", None) == "jeugd"  # a marker of the old law, as the migration did
