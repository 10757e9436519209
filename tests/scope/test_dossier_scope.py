"""Dossiers per member (issue 21), on the server: a griffie builds dossiers for its own council only; a
reader's list holds the dossiers of the member it looks at plus the region's. Both backends."""

from __future__ import annotations

import pytest

from domain.roles import PermissionDenied
from store.dossiers import DossierInvalid, DossierStore
from tests.dossiers.conftest import content
from tests.scope.conftest import A, B
from warehouse import catalogue

RELEASE = "20260101T000000-abc123"


@pytest.fixture
def store(db) -> DossierStore:
    return DossierStore(db, known_indicators=catalogue.load().ids)


def dossier_of(store: DossierStore, gemeente: str | None, title: str, *, published: bool = False) -> str:
    d = store.create(content(title=title), role="beheerder", user="beheer", gemeente=gemeente)
    if published:
        store.publish(d.dossier_id, d.head_revision, release_id=RELEASE, role="beheerder", user="beheer")
    return d.dossier_id


def test_a_griffie_creates_edits_publishes_and_withdraws_its_own_councils_dossier(store):
    d = store.create(content(title="Jeugd in A"), role="griffie", user="greet", scope=A, gemeente=A)
    assert d.gemeente == A
    d = store.update(d.dossier_id, d.head_revision, content(title="Jeugd in A, herzien"), role="griffie",
                     user="greet", scope=A)
    d = store.publish(d.dossier_id, d.head_revision, release_id=RELEASE, role="griffie", user="greet", scope=A)
    assert (d.status, d.title, d.gemeente) == ("published", "Jeugd in A, herzien", A)
    assert [h.revision for h in store.history(d.dossier_id, role="griffie", scope=A)] == [3, 2, 1]
    assert store.withdraw(d.dossier_id, d.head_revision, role="griffie", user="greet", scope=A).status == "withdrawn"


@pytest.mark.parametrize("gemeente", [B, None])
def test_a_griffie_cannot_create_for_another_council_or_the_region(store, gemeente):
    with pytest.raises(PermissionDenied, match="hoort bij gemeente GM0001"):
        store.create(content(), role="griffie", user="greet", scope=A, gemeente=gemeente)
    assert store.list_dossiers(role="beheerder") == []


@pytest.mark.parametrize("gemeente", [B, None])
def test_every_step_on_another_councils_or_the_regions_dossier_is_refused(store, gemeente):
    other = dossier_of(store, gemeente, "Van een ander")
    with pytest.raises(PermissionDenied):
        store.update(other, 1, content(title="Overschreven"), role="griffie", user="greet", scope=A)
    with pytest.raises(PermissionDenied):
        store.publish(other, 1, release_id=RELEASE, role="griffie", user="greet", scope=A)
    with pytest.raises(PermissionDenied):
        store.withdraw(other, 1, role="griffie", user="greet", scope=A)
    with pytest.raises(PermissionDenied):
        store.history(other, role="griffie", scope=A)
    after = store.get(other, role="beheerder")
    assert (after.head_revision, after.status, after.title) == (1, "draft", "Van een ander")


def test_the_administrator_and_a_whole_installation_griffie_write_every_dossier(store):
    for role in ("beheerder", "griffie"):
        for gemeente in (A, B, None):
            d = store.create(content(title=f"{role} {gemeente}"), role=role, user="x", gemeente=gemeente)
            d = store.publish(d.dossier_id, d.head_revision, release_id=RELEASE, role=role, user="x")
            assert (d.status, d.gemeente) == ("published", gemeente)


@pytest.mark.parametrize("role", ["rekenkamer", "raadslid", "ambtenaar"])
@pytest.mark.parametrize("scope", [None, A])
def test_readers_and_civil_servants_build_no_dossier(store, role, scope):
    own = dossier_of(store, A, "Van A")
    with pytest.raises(PermissionDenied):
        store.create(content(), role=role, user="r", scope=scope, gemeente=A)
    with pytest.raises(PermissionDenied):
        store.update(own, 1, content(), role=role, user="r", scope=scope)
    with pytest.raises(PermissionDenied):
        store.publish(own, 1, release_id=RELEASE, role=role, user="r", scope=scope)


def test_a_griffie_sees_the_drafts_of_its_own_council_only(store):
    mine = store.create(content(title="Eigen concept"), role="griffie", user="greet", scope=A, gemeente=A)
    dossier_of(store, B, "Concept van B")
    published_b = dossier_of(store, B, "Gepubliceerd van B", published=True)
    store.update(published_b, 2, content(title="Nieuw concept van B"), role="beheerder", user="beheer")
    assert [d.title for d in store.list_dossiers(role="griffie", scope=A)] == ["Eigen concept"]
    assert len(store.list_dossiers(role="griffie")) == 3
    assert store.get(mine.dossier_id, role="griffie", scope=A).title == "Eigen concept"
    assert store.get(published_b, role="griffie", scope=A).title == "Gepubliceerd van B"  # the published one
    assert store.get(published_b, role="griffie").title == "Nieuw concept van B"


def test_a_readers_list_holds_the_member_looked_at_and_the_region(store):
    dossier_of(store, A, "Van A", published=True)
    dossier_of(store, B, "Van B", published=True)
    dossier_of(store, None, "Van de regio", published=True)
    dossier_of(store, A, "Concept van A")
    assert sorted(d.title for d in store.list_dossiers(role="raadslid", published=True, member=A)) == [
        "Van A", "Van de regio"]
    assert sorted(d.title for d in store.list_dossiers(role="rekenkamer", published=True, member=B)) == [
        "Van B", "Van de regio"]
    # A single municipality (no member): every published dossier, as before.
    assert len(store.list_dossiers(role="raadslid", published=True)) == 3


def test_a_wrong_municipality_code_is_refused(store):
    with pytest.raises(DossierInvalid, match="GM1234"):
        store.create(content(), role="beheerder", user="beheer", gemeente="Lindewaard")
