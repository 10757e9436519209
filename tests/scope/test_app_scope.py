"""The app in a region (issue 21): a sign-in carries the account's member, which the menu, the note
writers' page, registry uploads and dossier publication hold to on the server."""

from __future__ import annotations

import time
from datetime import date

import pytest
import streamlit as st

from components import dossier_store, registry_upload
from domain.roles import PermissionDenied, Role
from etl import registry
from queries import Warehouse
from store import audit
from store.accounts import AccountStore
from store.db import shared_database
from store.dossiers import DossierStore
from store.notes import NoteStore
from tests.auth.conftest import all_text, default_sign_in, new_app, open_url, run, sign_in
from tests.dossiers.conftest import content as dossier_content
from tests.notes.conftest import content as note_content
from tests.scope.conftest import A, B
from warehouse import catalogue

PASSWORD = "paars-konijn-fietst-snel"


@pytest.fixture
def region_app(app_env, region_warehouse, monkeypatch) -> AccountStore:
    """The app on the small region, with an ambtenaar of B, a rekenkamer and an administrator."""
    app_env(region_warehouse)
    default_sign_in(monkeypatch)
    store = AccountStore(shared_database())
    admin = {"actor_role": Role.BEHEERDER, "actor": "setup", "members": [A, B]}
    store.add("amb-b", "ambtenaar", PASSWORD, gemeente=B, **admin)
    store.add("rk", "rekenkamer", PASSWORD, **admin)
    store.add("baas", "beheerder", PASSWORD, **admin)
    return store


def member_picker(at):
    return next(s for s in at.sidebar.selectbox if s.label == "Gemeente")


def test_an_account_of_one_member_signs_in_with_its_member_and_reads_only_that_member(region_app):
    at = sign_in(run(new_app()), "amb-b", PASSWORD)
    assert at.session_state["role"] == "ambtenaar" and at.session_state["_msd_auth"]["gemeente"] == B
    picker = member_picker(at)
    assert picker.options == ["Buurgemeente"] and picker.disabled


def test_the_rekenkamer_reads_every_member(region_app):
    at = sign_in(run(new_app()), "rk", PASSWORD)
    assert at.session_state["role"] == "rekenkamer" and at.session_state["_msd_auth"]["gemeente"] is None
    assert member_picker(at).options == ["Testgemeente", "Buurgemeente"]
    open_url(at, "duiding")  # no writing role: refused on the server, not only in the menu
    assert "U heeft geen toegang tot deze pagina" in all_text(at)


def test_a_changed_member_takes_at_the_next_run(region_app):
    at = sign_in(run(new_app()), "amb-b", PASSWORD)
    region_app.set_gemeente("amb-b", A, members=[A, B], actor_role=Role.BEHEERDER, actor="setup")
    run(at)
    assert at.session_state["_msd_auth"]["gemeente"] == A
    assert member_picker(at).options == ["Testgemeente"]


def test_an_account_of_a_member_the_region_does_not_have_is_signed_out(region_app):
    at = sign_in(run(new_app()), "amb-b", PASSWORD)
    with shared_database().transaction() as tx:  # e.g. B left the region and a new release is out
        tx.execute("UPDATE accounts SET gemeente = 'GM0003' WHERE username = 'amb-b'")
    run(at)
    assert "role" not in at.session_state
    ended = audit.entries(role="beheerder", event="session_expired")
    assert [(e["username"], e["detail"]) for e in ended] == [("amb-b", "de gemeente van het account hoort niet bij "
                                                                       "deze monitor")]


def test_the_writers_page_lists_the_notes_of_the_own_member_only(region_app):
    notes = NoteStore(shared_database())
    for codes, title in (((A,), "Notitie over A"), ((B,), "Notitie over B")):
        n = notes.create(note_content(region_codes=codes, title=title), role="beheerder", user="baas")
        notes.submit_for_review(n.note_id, n.head_revision, role="beheerder", user="baas")
    at = open_url(sign_in(run(new_app()), "amb-b", PASSWORD), "duiding")
    text = all_text(at)
    assert "Notitie over B" in text and "Notitie over A" not in text
    assert "Exporteren en importeren kan alleen een account van de hele installatie" in text
    at = open_url(sign_in(run(new_app()), "baas", PASSWORD), "duiding")
    assert "Notitie over A" in all_text(at) and "Notitie over B" in all_text(at)


def test_the_administrator_sets_an_accounts_member_on_the_accounts_page(region_app):
    at = open_url(sign_in(run(new_app()), "baas", PASSWORD), "beheer")
    table = at.dataframe[0].value
    assert dict(zip(table["Gebruikersnaam"], table["Gemeente"], strict=True)) == {
        "amb-b": "Buurgemeente (GM0002)", "baas": "Hele installatie", "rk": "Hele installatie"}
    next(s for s in at.selectbox if s.key == "beheer-account").select("rk")
    run(at)
    next(s for s in at.selectbox if s.key == "beheer-new-gemeente").select(A)
    next(b for b in at.button if b.label == "Gemeente opslaan").click()
    run(at)
    assert region_app.get("rk").gemeente == A
    assert [e["detail"] for e in audit.entries(role="beheerder", event="account_gemeente_changed")] == [
        "rk: hele installatie -> GM0001"]


# -- OIDC in a region ----------------------------------------------------------------------------


@pytest.fixture
def provider(region_app, monkeypatch):
    monkeypatch.setenv("MSD_OIDC_PROVIDER", "entra")
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "grp-amb=ambtenaar,grp-rk=rekenkamer")
    monkeypatch.setattr(st, "login", lambda provider=None: None)
    monkeypatch.setattr(st, "logout", lambda: None)


def person(**claims) -> dict:
    return {"is_logged_in": True, "email": "p@gemeente.nl", "email_verified": True, "name": "Pim", "sub": "sub-p",
            "iat": int(time.time()) - 60, "exp": int(time.time()) + 3000, **claims}


def app_as(user: dict):
    at = new_app()
    at.user = user
    return run(at)


def test_an_oidc_claim_gives_the_member(provider):
    at = app_as(person(groups=["grp-amb"], gemeente=B))
    assert at.session_state["role"] == "ambtenaar" and at.session_state["_msd_auth"]["gemeente"] == B
    at = app_as(person(groups=["grp-rk"]))
    assert at.session_state["role"] == "rekenkamer" and at.session_state["_msd_auth"]["gemeente"] is None


@pytest.mark.parametrize("claims,words", [({"gemeente": "GM0003"}, "hoort niet bij deze monitor"),
                                          ({}, "uw account noemt geen gemeente")])
def test_an_oidc_member_that_is_not_ours_or_none_refuses_the_sign_in(provider, claims, words, monkeypatch):
    monkeypatch.setenv("MSD_PUBLIC", "0")  # the sign-in page, which shows why, instead of the public overview
    at = app_as(person(groups=["grp-amb"], **claims))
    assert "role" not in at.session_state
    assert words in all_text(at)
    assert [e["username"] for e in audit.entries(role="beheerder", event="login_failed")] == ["p@gemeente.nl"]


# -- registry uploads and dossier publication, called directly (the server side) -------------------


def views(path) -> tuple[Warehouse, Warehouse]:
    root = Warehouse.open(path)
    return root.for_member(A), root.for_member(B)


def test_an_upload_is_for_the_own_member_only(region_app, region_warehouse, monkeypatch):
    calls = []
    monkeypatch.setattr(registry, "load", lambda extracts, postcodes, **kw: calls.append(kw) or registry.LoadReport(
        rows={"wmo": 3}, release="r-staged"))
    wh_a, wh_b = views(region_warehouse)
    files = {"wmo": ("wmo.csv", b"a;b\n")}
    args = {"profile": "standaard", "sheet": None, "reference": date(2025, 1, 1), "user": "anna"}
    with pytest.raises(PermissionDenied, match="gemeente GM0002"):
        registry_upload.load_uploads(wh_b, files, b"pc", role="ambtenaar", scope=A, **args)
    with pytest.raises(PermissionDenied):
        registry_upload.load_uploads(wh_a, files, b"pc", role="rekenkamer", scope=None, **args)
    assert calls == []
    registry_upload.load_uploads(wh_a, files, b"pc", role="ambtenaar", scope=A, **args)
    registry_upload.load_uploads(wh_b, files, b"pc", role="beheerder", scope=None, **args)
    assert [c["gemeente"] for c in calls] == [A, B]
    with pytest.raises(PermissionDenied):
        registry_upload.confirm_upload(wh_a, "r-staged", role="ambtenaar", user="anna", detail="", scope=A,
                                       gemeente=B)


def test_a_griffie_publishes_its_own_councils_dossier_only_and_pins_nothing_else(region_app, region_warehouse):
    wh_a, _ = views(region_warehouse)
    dossiers = DossierStore(shared_database(), known_indicators=catalogue.load().ids)
    notes = NoteStore(shared_database())
    theirs = dossiers.create(dossier_content(title="Van B"), role="beheerder", user="baas", gemeente=B)
    with pytest.raises(PermissionDenied):
        dossier_store.publish(dossiers, notes, wh_a, theirs, role="griffie", user="greet", scope=A)
    from warehouse import releases

    assert releases.pinned_releases(region_warehouse) == {}
    mine = dossiers.create(dossier_content(title="Van A"), role="griffie", user="greet", scope=A, gemeente=A)
    published = dossier_store.publish(dossiers, notes, wh_a, mine, role="griffie", user="greet", scope=A)
    assert published.status == "published" and published.gemeente == A
    assert dossier_store.dossier_warehouse(wh_a, theirs).gemeente == B
