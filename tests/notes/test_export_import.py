"""Export and import of all notes with all revisions: round trip, idempotence, refusals, atomicity."""

from __future__ import annotations

import json

import pytest

from store.db import Database
from store.notes import ImportRefused, Link, NoteStore
from tests.notes.conftest import content


def fill(store: NoteStore) -> dict[str, str]:
    """A store with a note in every state, a marker and links."""
    ids = {}
    n = store.create(content(title="concept"), role="ambtenaar", user="anna")
    ids["draft"] = n.note_id
    n = store.create(content(title="ter controle", region_codes=("WK000101", "WK000102")), role="ambtenaar",
                     user="anna")
    store.submit_for_review(n.note_id, 1, role="ambtenaar", user="anna")
    ids["review"] = n.note_id
    n = store.create(content(title="gepubliceerd", links=(Link("RIB", "https://x.nl/rib", "raadsinformatiebrief"),)),
                     role="ambtenaar", user="anna")
    store.update(n.note_id, 1, content(title="gepubliceerd", what_we_see="Tweede tekst."), role="ambtenaar",
                 user="bert")
    store.submit_for_review(n.note_id, 2, role="ambtenaar", user="anna")
    store.publish(n.note_id, 3, role="beheerder", user="bert")
    store.update(n.note_id, 4, content(title="gepubliceerd", what_we_see="Derde tekst, concept."),
                 role="ambtenaar", user="anna")
    ids["published_then_edited"] = n.note_id
    n = store.create(content(indicator_id=None, marker_period="2019JJ00", marker_label="2019 abonnementstarief",
                             period_from=None, period_to=None), role="ambtenaar", user="anna")
    store.withdraw(n.note_id, 1, role="ambtenaar", user="carla")
    ids["withdrawn_marker"] = n.note_id
    return ids


def without_time(export: dict) -> dict:
    return {k: v for k, v in export.items() if k not in ("exported_at", "exported_by")}


def test_round_trip_keeps_everything(make_db):
    """A backup read back on the server's command line (restore) keeps even the names."""
    a, b = NoteStore(make_db()), NoteStore(make_db())
    ids = fill(a)
    text = a.export_json(role="ambtenaar", user="anna")
    report = b.import_json(text, role="beheerder", user="bert", restore=True)
    assert (report.notes_new, report.revisions_added, report.revisions_already_present) == (4, 1 + 2 + 5 + 2, 0)
    assert without_time(b.export_data(role="beheerder")) == without_time(json.loads(text))
    # What readers see is the same in both stores.
    for role in ("raadslid", "ambtenaar"):
        assert (a.notes_for("wmo_clients_per_1000", "wmo", ["WK000101"], "2024JJ00", role=role)
                == b.notes_for("wmo_clients_per_1000", "wmo", ["WK000101"], "2024JJ00", role=role))
    assert b.get(ids["published_then_edited"], role="raadslid").content.what_we_see == "Tweede tekst."
    assert len(b.history(ids["published_then_edited"], role="ambtenaar")) == 5


def test_an_import_cannot_forge_author_or_publisher(make_db):
    """A civil servant edits an export so that a note seems written by one person and published by another
    (also: author and publisher different, as four-eyes review asks). The import records the importer."""
    a, b = NoteStore(make_db()), NoteStore(make_db())
    ids = fill(a)
    data = a.export_data(role="ambtenaar")
    for note in data["notes"]:
        for k in ("created_by", "updated_by"):
            note[k] = "wethouder"
        if note["published_by"]:
            note["published_by"] = "burgemeester"
        for rev in note["revisions"]:
            rev["written_by"] = rev["saved_by"] = "wethouder"
    b.import_json(json.dumps(data), role="ambtenaar", user="ilse")
    published = b.get(ids["published_then_edited"], role="raadslid")
    assert (published.written_by, published.saved_by, published.published_by) == ("ilse", "ilse", "ilse")
    assert published.content.what_we_see == "Tweede tekst."  # the content itself does come in
    people = {h.saved_by for n in ids.values() for h in b.history(n, role="ambtenaar")}
    people |= {h.written_by for n in ids.values() for h in b.history(n, role="ambtenaar")}
    assert people == {"ilse"}
    heads = b.export_data(role="ambtenaar")["notes"]
    assert {n["created_by"] for n in heads} == {"ilse"} and "burgemeester" not in json.dumps(heads)
    entry = b.db.query("SELECT username, detail FROM audit_log WHERE event = 'notes_imported'")
    assert entry[0]["username"] == "ilse"
    # Reading the same (forged) file again is still recognised as already present.
    assert b.import_json(json.dumps(data), role="ambtenaar", user="ilse").revisions_added == 0


def test_import_keeps_a_publication_the_store_made_itself(make_db):
    a, b = NoteStore(make_db()), NoteStore(make_db())
    ids = fill(a)
    b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="x", restore=True)
    a.update(ids["published_then_edited"], 5, content(title="gepubliceerd", what_we_see="Vierde."),
             role="ambtenaar", user="anna")
    b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="ilse")
    assert b.get(ids["published_then_edited"], role="raadslid").published_by == "bert"  # unchanged publication
    assert b.get(ids["published_then_edited"], role="ambtenaar").saved_by == "ilse"  # the new revision


def test_import_is_idempotent(make_db):
    a, b = NoteStore(make_db()), NoteStore(make_db())
    fill(a)
    text = a.export_json(role="ambtenaar")
    b.import_json(text, role="ambtenaar", user="x")
    before = b.export_data(role="ambtenaar")
    report = b.import_json(text, role="ambtenaar", user="x")
    assert (report.notes_new, report.notes_updated, report.revisions_added) == (0, 0, 0)
    assert report.revisions_already_present == 10
    assert without_time(b.export_data(role="ambtenaar")) == without_time(before)
    # Importing into the store it came from changes nothing either.
    assert a.import_json(text, role="ambtenaar", user="x").revisions_added == 0


def test_import_brings_newer_revisions_and_keeps_newer_local_ones(make_db):
    a, b = NoteStore(make_db()), NoteStore(make_db())
    ids = fill(a)
    b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="x")
    note = ids["draft"]
    a.update(note, 1, content(title="verder in A"), role="ambtenaar", user="anna")
    report = b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="x")
    assert (report.revisions_added, report.notes_updated) == (1, 1)
    assert b.get(note, role="ambtenaar").content.title == "verder in A"
    # B moves on; an older file does not roll it back.
    b.update(note, 2, content(title="verder in B"), role="ambtenaar", user="bert")
    old = a.export_json(role="ambtenaar")
    assert b.import_json(old, role="ambtenaar", user="x").revisions_added == 0
    assert b.get(note, role="ambtenaar").content.title == "verder in B"


def test_import_refuses_a_file_that_contradicts_the_store_and_changes_nothing(make_db):
    a, b = NoteStore(make_db()), NoteStore(make_db())
    ids = fill(a)
    b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="x")
    b.update(ids["draft"], 1, content(title="B schreef versie 2"), role="ambtenaar", user="bert")
    a.update(ids["draft"], 1, content(title="A schreef versie 2"), role="ambtenaar", user="anna")
    a.create(content(title="nieuw in A"), role="ambtenaar", user="anna")
    before = b.export_data(role="ambtenaar")
    with pytest.raises(ImportRefused, match="verschilt van de versie in de opslag"):
        b.import_json(a.export_json(role="ambtenaar"), role="ambtenaar", user="x")
    assert without_time(b.export_data(role="ambtenaar")) == without_time(before)  # nothing half-imported


def _export(store: NoteStore) -> dict:
    fill(store)
    return store.export_data(role="ambtenaar")


@pytest.mark.parametrize("breaker,message", [
    (lambda d: "{niet json", "geen geldig JSON"),
    (lambda d: [], "geen export van duidingen"),
    (lambda d: {**d, "format": "iets anders"}, "geen export van duidingen"),
    (lambda d: {**d, "version": 99}, "onbekende versie"),
    (lambda d: {**d, "notes": "x"}, "geen lijst"),
    (lambda d: d["notes"][0].pop("status") and d, "mist de velden status"),
    (lambda d: d["notes"][0].update(note_id="../../etc") or d, "geldig 'note_id'"),
    (lambda d: d["notes"][1]["revisions"].pop(0) and d, "1 tot en met"),
    (lambda d: d["notes"][0].update(revision=7) or d, "'revision' is 7"),
    (lambda d: d["notes"][0].update(status="gepubliceerd") or d, "onbekende status"),
    (lambda d: d["notes"][0].update(published_revision=1) or d, "published_revision"),
    (lambda d: d["notes"][0]["revisions"][0].update(title=5) or d, "tekstvelden"),
    (lambda d: d["notes"][0]["revisions"][0].update(region_codes="GM0001") or d, "lijsten"),
    (lambda d: d["notes"][2]["revisions"][0]["links"][0].update(url="javascript:alert(1)") or d, "http"),
    (lambda d: d["notes"][0]["revisions"][0].update(region_codes=["WK000102", "WK000101"]) or d,
     "niet in de vorm"),
    (lambda d: d["notes"].append(d["notes"][0]) or d, "twee keer"),
])
def test_malformed_files_are_refused_with_a_clear_message(make_db, breaker, message):
    source, target = NoteStore(make_db()), NoteStore(make_db())
    data = breaker(_export(source))
    payload = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(ImportRefused, match=message) as info:
        target.import_json(payload, role="ambtenaar", user="x")
    assert str(info.value).startswith(("Het bestand is niet ingelezen", "Het bestand is geen geldig JSON"))
    assert target.export_data(role="ambtenaar")["notes"] == []


def test_command_line_backup_round_trip(tmp_path, monkeypatch, capsys):
    from store.__main__ import main

    monkeypatch.setenv("MSD_STORE_URL", f"sqlite:///{tmp_path / 'a.sqlite'}")
    source = NoteStore(Database(f"sqlite:///{tmp_path / 'a.sqlite'}"))
    source.db.migrate()
    note = source.create(content(), role="ambtenaar", user="anna")
    note = source.submit_for_review(note.note_id, note.revision, role="ambtenaar", user="anna")
    source.publish(note.note_id, note.revision, role="ambtenaar", user="bert")
    revisions = len(source.history(note.note_id, role="ambtenaar"))
    backup = tmp_path / "duiding.json"
    assert main(["notes-export", str(backup)]) == 0
    monkeypatch.setenv("MSD_STORE_URL", f"sqlite:///{tmp_path / 'b.sqlite'}")
    assert main(["notes-import", str(backup)]) == 0
    assert main(["notes-import", str(backup)]) == 0  # a second time adds nothing
    target = NoteStore(Database(f"sqlite:///{tmp_path / 'b.sqlite'}"))
    copied = target.get(note.note_id, role="raadslid")
    assert copied.status == "published" and copied.content.title == "Meer Wmo-cliënten" and copied.published_by == "bert"
    assert len(target.history(note.note_id, role="ambtenaar")) == revisions == 3
    assert main(["notes-import", str(tmp_path / "missing.json")]) == 2
    backup.write_text("{niet json", encoding="utf-8")
    assert main(["notes-import", str(backup)]) == 2
    assert "geen geldig JSON" in capsys.readouterr().err
