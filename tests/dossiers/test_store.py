"""The dossier store on SQLite and PostgreSQL: versions, conflicts, publication, visibility, roles."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from domain.roles import PermissionDenied, Role
from store import audit
from store.dossiers import (
    DossierConflict,
    DossierInvalid,
    DossierNotFound,
    DossierStateError,
    NoteCopy,
    Section,
    move_section,
    remove_section,
    with_sections,
)
from tests.dossiers.conftest import content

G = Role.GRIFFIE


def _note(text: str = "De vraag stijgt.") -> NoteCopy:
    return NoteCopy(note_id="n1", revision=4, title="Meer vraag", region_label="Hele gemeente", period_label="2024",
                    what_we_see=text, explanation="", next_steps="", published_by="anna",
                    published_at="2026-01-05T10:00:00+00:00")


def test_create_edit_publish_and_history(store):
    d = store.create(content(), role=G, user="greet")
    assert (d.revision, d.status, d.published_revision) == (1, "draft", None)
    assert [s.title for s in d.content.sections] == ["Wmo-maatwerk in de gemeente", "Cliënten per wijk", "Veilig Thuis"]
    d2 = store.update(d.dossier_id, 1, replace(d.content, theme="Wonen"), role=G, user="greet")
    assert d2.revision == 2 and d2.content.theme == "Wonen"
    p = store.publish(d.dossier_id, 2, release_id="20260101T000000-abc123", notes=[[_note()], [], []], role=G,
                      user="greet")
    assert (p.status, p.published_revision, p.release_id) == ("published", 3, "20260101T000000-abc123")
    assert p.notes[0][0].what_we_see == "De vraag stijgt." and p.notes_for(2) == ()
    assert [h.change for h in store.history(d.dossier_id, role=G)] == ["publish", "edit", "create"]
    entries = audit.entries(role=Role.BEHEERDER, db=store.db, event="dossier_published")
    assert len(entries) == 1 and "20260101T000000-abc123" in entries[0]["detail"]


def test_readers_see_only_the_published_revision(store):
    d = store.create(content(), role=G, user="greet")
    with pytest.raises(DossierNotFound):
        store.get(d.dossier_id, role=Role.RAADSLID)
    assert store.list_dossiers(role=Role.RAADSLID) == []
    store.publish(d.dossier_id, 1, release_id="r1", role=G, user="greet")
    # The griffie edits after publication: council members keep the published text and release.
    store.update(d.dossier_id, 2, replace(d.content, title="Nieuwe titel"), role=G, user="greet")
    seen = store.get(d.dossier_id, role=Role.RAADSLID)
    assert seen.title == "Ouderen zelfstandig thuis" and seen.release_id == "r1" and seen.revision == 2
    assert store.get(d.dossier_id, role=G).title == "Nieuwe titel"
    assert store.get(d.dossier_id, role=G, published=True).title == "Ouderen zelfstandig thuis"
    assert [x.title for x in store.list_dossiers(role=Role.RAADSLID)] == ["Ouderen zelfstandig thuis"]
    store.withdraw(d.dossier_id, 3, role=G, user="greet")
    with pytest.raises(DossierNotFound):
        store.get(d.dossier_id, role=Role.RAADSLID)
    assert store.get(d.dossier_id, role=G).head_status == "withdrawn"


def test_republishing_a_withdrawn_dossier_clears_the_withdrawal_stamp(store):
    d = store.create(content(), role=G, user="greet")
    store.publish(d.dossier_id, 1, release_id="r1", role=G, user="greet")
    w = store.withdraw(d.dossier_id, 2, role=G, user="piet")
    assert (w.withdrawn_by, w.published_by, w.published_revision) == ("piet", "greet", None)
    assert w.withdrawn_at is not None and w.release_id == "r1"  # the withdrawn revision keeps its release
    p = store.publish(d.dossier_id, 3, release_id="r2", role=G, user="anna")
    assert (p.status, p.published_by, p.published_revision, p.release_id) == ("published", "anna", 4, "r2")
    assert (p.withdrawn_by, p.withdrawn_at) == (None, None)
    seen = store.get(d.dossier_id, role=Role.RAADSLID)
    assert (seen.withdrawn_by, seen.withdrawn_at, seen.revision) == (None, None, 4)


def test_a_stale_revision_is_refused_not_overwritten(store):
    d = store.create(content(), role=G, user="greet")
    store.update(d.dossier_id, 1, replace(d.content, theme="Eerste"), role=G, user="greet")
    with pytest.raises(DossierConflict) as err:
        store.update(d.dossier_id, 1, replace(d.content, theme="Tweede"), role=G, user="piet")
    assert err.value.current_revision == 2 and "greet" in str(err.value)
    with pytest.raises(DossierConflict):
        store.publish(d.dossier_id, 1, release_id="r1", role=G, user="piet")
    assert store.get(d.dossier_id, role=G).content.theme == "Eerste"


def test_concurrent_saves_one_wins(store):
    d = store.create(content(), role=G, user="greet")
    results: list[str] = []

    def save(name: str) -> None:
        try:
            store.update(d.dossier_id, 1, replace(d.content, theme=name), role=G, user=name)
            results.append("ok")
        except DossierConflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(f"user{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "conflict", "conflict", "ok"]
    assert store.get(d.dossier_id, role=G).head_revision == 2


@pytest.mark.parametrize("role", [Role.RAADSLID, Role.AMBTENAAR, None, "onzin"])
def test_roles_without_dossier_rights_are_refused(store, role):
    d = store.create(content(), role=G, user="greet")
    with pytest.raises(PermissionDenied):
        store.create(content(), role=role, user="x")
    with pytest.raises(PermissionDenied):
        store.update(d.dossier_id, 1, content(), role=role, user="x")
    with pytest.raises(PermissionDenied):
        store.publish(d.dossier_id, 1, release_id="r1", role=role, user="x")
    with pytest.raises(PermissionDenied):
        store.withdraw(d.dossier_id, 1, role=role, user="x")
    with pytest.raises(PermissionDenied):
        store.history(d.dossier_id, role=role)
    assert store.get(d.dossier_id, role=G).head_revision == 1


def test_the_administrator_may_build_and_publish(store):
    d = store.create(content(), role=Role.BEHEERDER, user="bert")
    assert store.publish(d.dossier_id, 1, release_id="r1", role=Role.BEHEERDER, user="bert").status == "published"


def test_invalid_content_lists_every_problem(store):
    bad = content(title=" ", session_date="morgen", sections=(
        Section(indicator_ids=("bestaat_niet",), region_codes=("XX",), year_from=2025, year_to=2020,
                comparison="iets"),))
    with pytest.raises(DossierInvalid) as err:
        store.create(bad, role=G, user="greet")
    text = str(err.value)
    for part in ("titel", "datum", "onbekend cijfer bestaat_niet", "gebiedscodes", "beginjaar", "vergelijking"):
        assert part in text


def test_publishing_needs_sections_and_a_release(store):
    d = store.create(content(sections=()), role=G, user="greet")
    with pytest.raises(DossierStateError):
        store.publish(d.dossier_id, 1, release_id="r1", role=G, user="greet")
    d = store.create(content(), role=G, user="greet")
    with pytest.raises(DossierInvalid):
        store.publish(d.dossier_id, 1, release_id="../etc", role=G, user="greet")


def test_reorder_and_remove_sections(store):
    d = store.create(content(), role=G, user="greet")
    moved = with_sections(d.content, move_section(d.content.sections, 2, -1))
    d2 = store.update(d.dossier_id, 1, moved, role=G, user="greet")
    assert [s.title for s in d2.content.sections] == ["Wmo-maatwerk in de gemeente", "Veilig Thuis", "Cliënten per wijk"]
    assert move_section(d2.content.sections, 0, -1) == d2.content.sections  # nothing above the first
    d3 = store.update(d.dossier_id, 2, with_sections(d2.content, remove_section(d2.content.sections, 0)), role=G,
                      user="greet")
    assert [s.title for s in d3.content.sections] == ["Veilig Thuis", "Cliënten per wijk"]
