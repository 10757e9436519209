"""Notes per member (issue 21), on the server: the store refuses a writer of one member every write on
another member's note and on the region's, and shows it the drafts of its own member only. Both backends."""

from __future__ import annotations

import pytest

from domain.roles import PermissionDenied
from store.notes import NoteStore, target_of
from tests.notes.conftest import content
from tests.scope.conftest import REGION, A, B


@pytest.fixture
def store(db) -> NoteStore:
    return NoteStore(db)


def note_of(store: NoteStore, codes: tuple[str, ...], *, title: str = "Duiding", published: bool = False) -> str:
    """A note by the whole installation's administrator on ``codes``; published when asked."""
    n = store.create(content(region_codes=codes, title=title), role="beheerder", user="beheer")
    if published:
        n = store.submit_for_review(n.note_id, n.head_revision, role="beheerder", user="beheer")
        n = store.publish(n.note_id, n.head_revision, role="beheerder", user="beheer")
    return n.note_id


def test_a_note_belongs_to_the_municipality_of_its_codes():
    assert target_of(("GM0001",)) == "GM0001"
    assert target_of(("WK000101", "WK000102")) == "GM0001"  # wijken carry their municipality
    assert target_of(("RG0001",)) is None and target_of(("JZ13",)) is None  # the region itself
    assert target_of(("WK000101", "WK000201")) is None  # two municipalities: the region's business
    assert target_of(()) is None


def test_an_ambtenaar_writes_its_own_members_notes(store):
    n = store.create(content(region_codes=(A,)), role="ambtenaar", user="anna", scope=A)
    n = store.update(n.note_id, n.head_revision, content(region_codes=("WK000101",), title="Noord"),
                     role="ambtenaar", user="anna", scope=A)
    n = store.submit_for_review(n.note_id, n.head_revision, role="ambtenaar", user="anna", scope=A)
    n = store.publish(n.note_id, n.head_revision, role="ambtenaar", user="anna", scope=A)
    assert (n.status, n.content.title, n.content.region_codes) == ("published", "Noord", ("WK000101",))
    n = store.withdraw(n.note_id, n.head_revision, role="ambtenaar", user="anna", scope=A)
    n = store.reopen(n.note_id, n.head_revision, role="ambtenaar", user="anna", scope=A)
    assert n.status == "draft" and n.head_revision == 6


@pytest.mark.parametrize("codes", [(B,), ("WK000201",), (REGION,), ("JZ13",)])
def test_an_ambtenaar_cannot_create_a_note_of_another_member_or_of_the_region(store, codes):
    with pytest.raises(PermissionDenied, match="hoort bij gemeente GM0001"):
        store.create(content(region_codes=codes), role="ambtenaar", user="anna", scope=A)
    assert store.list_notes(role="beheerder") == []


@pytest.mark.parametrize("codes", [(B,), (REGION,)])
def test_every_step_on_another_members_or_the_regions_note_is_refused(store, codes):
    draft = note_of(store, codes)
    head = store.get(draft, role="beheerder").head_revision
    steps = [
        lambda: store.update(draft, head, content(region_codes=codes, title="Overschreven"), role="ambtenaar",
                             user="anna", scope=A),
        lambda: store.update(draft, head, content(region_codes=(A,)), role="ambtenaar", user="anna", scope=A),
        lambda: store.submit_for_review(draft, head, role="ambtenaar", user="anna", scope=A),
        lambda: store.withdraw(draft, head, role="ambtenaar", user="anna", scope=A),
    ]
    for step in steps:
        with pytest.raises(PermissionDenied):
            step()
    review = store.submit_for_review(draft, head, role="beheerder", user="beheer")
    for step in (lambda: store.publish(draft, review.head_revision, role="ambtenaar", user="anna", scope=A),
                 lambda: store.back_to_draft(draft, review.head_revision, role="ambtenaar", user="anna", scope=A)):
        with pytest.raises(PermissionDenied):
            step()
    after = store.get(draft, role="beheerder")
    assert (after.head_revision, after.status, after.content.title) == (head + 1, "review", "Duiding")


def test_an_own_note_cannot_be_moved_to_another_member(store):
    n = store.create(content(region_codes=(A,)), role="ambtenaar", user="anna", scope=A)
    with pytest.raises(PermissionDenied, match="gemeente GM0002"):
        store.update(n.note_id, n.head_revision, content(region_codes=(B,)), role="ambtenaar", user="anna", scope=A)
    assert store.get(n.note_id, role="beheerder").content.region_codes == (A,)


def test_the_administrator_and_a_whole_installation_writer_write_every_note(store):
    for role in ("beheerder", "ambtenaar"):
        for codes in ((A,), (B,), (REGION,)):
            n = store.create(content(region_codes=codes), role=role, user="x", scope=None)
            n = store.submit_for_review(n.note_id, n.head_revision, role=role, user="x")
            assert store.publish(n.note_id, n.head_revision, role=role, user="x").status == "published"


@pytest.mark.parametrize("role", ["rekenkamer", "raadslid", "griffie"])
@pytest.mark.parametrize("scope", [None, A])
def test_readers_write_no_note_whatever_their_scope(store, role, scope):
    own = note_of(store, (A,))
    with pytest.raises(PermissionDenied):
        store.create(content(region_codes=(A,)), role=role, user="r", scope=scope)
    with pytest.raises(PermissionDenied):
        store.update(own, 1, content(region_codes=(A,)), role=role, user="r", scope=scope)
    with pytest.raises(PermissionDenied):
        store.withdraw(own, 1, role=role, user="r", scope=scope)


def test_an_ambtenaar_reads_the_drafts_of_its_own_member_only(store):
    mine = store.create(content(region_codes=(A,), title="Eigen concept"), role="ambtenaar", user="anna", scope=A)
    theirs = note_of(store, (B,), title="Concept B")
    regional = note_of(store, (REGION,), title="Regio gepubliceerd", published=True)
    changed = store.update(regional, 3, content(region_codes=(REGION,), title="Regio nieuw concept"),
                           role="beheerder", user="beheer")
    assert changed.status == "draft"

    assert store.get(mine.note_id, role="ambtenaar", scope=A).content.title == "Eigen concept"
    with pytest.raises(LookupError):  # B's draft: never published, so not there for A's writer
        store.get(theirs, role="ambtenaar", scope=A)
    assert store.get(regional, role="ambtenaar", scope=A).content.title == "Regio gepubliceerd"  # the published one
    assert store.get(regional, role="ambtenaar").content.title == "Regio nieuw concept"  # whole installation: newest
    assert [h.status for h in store.history(regional, role="ambtenaar", scope=A)] == ["published"]
    assert len(store.history(regional, role="ambtenaar")) == 4

    assert [n.content.title for n in store.list_notes(role="ambtenaar", scope=A)] == ["Eigen concept"]
    assert len(store.list_notes(role="ambtenaar")) == 3
    store.submit_for_review(theirs, 1, role="beheerder", user="beheer")
    assert store.pending_review(role="ambtenaar", scope=A) == []
    assert [n.note_id for n in store.pending_review(role="ambtenaar")] == [theirs]

    beside = store.notes_for("wmo_clients_per_1000", "wmo", [B], "2024JJ00", role="ambtenaar", scope=A)
    assert beside == []  # B's only note is a draft
    beside = store.notes_for("wmo_clients_per_1000", "wmo", [REGION], "2024JJ00", role="ambtenaar", scope=A)
    assert [n.content.title for n in beside] == ["Regio gepubliceerd"]
    beside = store.notes_for("wmo_clients_per_1000", "wmo", [A], "2024JJ00", role="ambtenaar", scope=A)
    assert [n.content.title for n in beside] == ["Eigen concept"]


def test_a_reader_sees_the_notes_of_the_member_it_looks_at(store):
    note_of(store, (A,), title="Over A", published=True)
    note_of(store, ("WK000101",), title="Over Noord in A", published=True)
    note_of(store, (B,), title="Over B", published=True)
    for scope in (None, A):
        found = store.notes_for("wmo_clients_per_1000", "wmo", [A], "2024JJ00", role="rekenkamer", scope=scope)
        assert sorted(n.content.title for n in found) == ["Over A"]
        found = store.notes_for("wmo_clients_per_1000", "wmo", [B], "2024JJ00", role="raadslid", scope=scope)
        assert [n.content.title for n in found] == ["Over B"]


def test_markers_follow_the_member_looked_at(store):
    for codes, label in (((A,), "Markering A"), ((B,), "Markering B"), ((REGION,), "Markering regio")):
        n = store.create(content(region_codes=codes, marker_period="2024JJ00", marker_label=label),
                         role="beheerder", user="beheer")
        n = store.submit_for_review(n.note_id, n.head_revision, role="beheerder", user="beheer")
        store.publish(n.note_id, n.head_revision, role="beheerder", user="beheer")
    every = store.markers_for("wmo_clients_per_1000", "wmo", role="raadslid")
    assert sorted(every["label"].to_list()) == ["Markering A", "Markering B", "Markering regio"]  # single: as before
    of_b = store.markers_for("wmo_clients_per_1000", "wmo", role="raadslid", region_codes=[B])
    assert of_b["label"].to_list() == ["Markering B"]


def test_export_and_import_are_for_the_whole_installation(store):
    store.create(content(region_codes=(A,)), role="ambtenaar", user="anna", scope=A)
    with pytest.raises(PermissionDenied):
        store.export_json(role="ambtenaar", user="anna", scope=A)
    data = store.export_json(role="ambtenaar", user="anna")
    with pytest.raises(PermissionDenied):
        store.import_json(data, role="ambtenaar", user="anna", scope=A)
    assert store.import_json(data, role="ambtenaar", user="anna").summary()
