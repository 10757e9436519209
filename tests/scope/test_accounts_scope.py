"""Accounts of one member (issue 21): the migration that adds ``gemeente`` and the role rekenkamer, on
SQLite and PostgreSQL; the store's checks; the session table carrying the member; the demo accounts."""

from __future__ import annotations

import itertools
import shutil

import pytest

from domain import passwords
from domain.roles import Role
from store import session_token
from store.accounts import AccountError, AccountStore
from store.db import MIGRATIONS_DIR, Database, integrity_errors
from tests.scope.conftest import A, B

ADMIN = {"actor_role": Role.BEHEERDER, "actor": "setup"}
MIGRATION = "auth_005_account_gemeente"
PASSWORD = "paars-konijn-fietst-snel"
_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def before(request, tmp_path) -> Database:
    """A store migrated up to the release before accounts had a member, with one account in it."""
    old = tmp_path / "old-migrations"
    old.mkdir()
    for f in MIGRATIONS_DIR.glob("*.sql"):
        if not f.stem.startswith(MIGRATION):
            shutil.copy(f, old / f.name)
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'before.sqlite'}")
    else:
        db = Database(request.getfixturevalue("postgres_server").create_database(f"scope_mig_{next(_numbers)}"))
    db.migrate(old)
    with db.transaction() as tx:
        tx.execute("INSERT INTO accounts (username, display_name, role, password_hash, password_changed_at, "
                   "created_by, created_at, updated_by, updated_at) VALUES ('anna', 'Anna', 'griffie', ?, 't0', "
                   "'setup', 't0', 'setup', 't0')", (passwords.hash_password(PASSWORD),))
    return db


def test_the_migration_keeps_every_account_and_allows_the_new_role(before):
    applied = before.migrate()
    assert applied == [f"{MIGRATION}.{before.kind}"]
    store = AccountStore(before)
    anna = store.authenticate("anna", PASSWORD)
    assert (anna.role, anna.gemeente, anna.display_name) == (Role.GRIFFIE, None, "Anna")
    r = store.add("rk", "rekenkamer", PASSWORD, members=[A, B], **ADMIN)
    assert (r.role, r.gemeente) == (Role.REKENKAMER, None)
    assert store.add("amb", "ambtenaar", PASSWORD, gemeente=B, members=[A, B], **ADMIN).gemeente == B
    with pytest.raises(integrity_errors()), before.transaction() as tx:  # the CHECK still refuses an unknown role
        tx.execute("UPDATE accounts SET role = 'hacker' WHERE username = 'anna'")
    assert store.get("anna").role is Role.GRIFFIE
    assert before.migrate() == []  # applied once


def test_an_account_gets_a_member_of_the_release_only(db):
    store = AccountStore(db)
    with pytest.raises(AccountError, match="hoort niet bij de gemeenten van deze monitor"):
        store.add("xander", "ambtenaar", PASSWORD, gemeente="GM0003", members=[A, B], **ADMIN)
    with pytest.raises(AccountError, match="GM1234"):
        store.add("xander", "ambtenaar", PASSWORD, gemeente="Lindewaard", members=[A, B], **ADMIN)
    with pytest.raises(AccountError, match="beheerder hoort bij de hele installatie"):
        store.add("xander", "beheerder", PASSWORD, gemeente=A, members=[A, B], **ADMIN)
    assert store.get("xander") is None
    a = store.add("xander", "ambtenaar", PASSWORD, gemeente=" gm0001 ", members=[A, B], **ADMIN)
    assert a.gemeente == A
    assert store.set_gemeente("xander", B, members=[A, B], **ADMIN).gemeente == B
    assert store.set_gemeente("xander", None, members=[A, B], **ADMIN).gemeente is None
    with pytest.raises(AccountError):
        store.set_gemeente("xander", "GM0003", members=[A, B], **ADMIN)
    with pytest.raises(Exception, match="rol"):
        store.set_gemeente("xander", A, members=[A, B], actor_role=Role.GRIFFIE, actor="g")
    from store import audit

    details = [e["detail"] for e in audit.entries(role="beheerder", db=db, event="account_gemeente_changed")]
    assert details[::-1] == ["xander: GM0001 -> GM0002", "xander: GM0002 -> hele installatie"]


def test_the_session_table_carries_the_member_and_follows_a_change(db):
    store = AccountStore(db)
    store.add("amb", "ambtenaar", PASSWORD, gemeente=A, members=[A, B], **ADMIN)
    sessions = session_token.SessionStore(db, idle_minutes=30, max_hours=10)
    browser = session_token.new_cookie_value()
    account = store.authenticate("amb", PASSWORD)
    cookie, _ = sessions.redeem(sessions.grant(browser, account.username, account.password_changed_at, "/"), browser)
    assert sessions.lookup(cookie).gemeente == A
    store.set_gemeente("amb", B, members=[A, B], **ADMIN)
    assert sessions.lookup(cookie).gemeente == B  # read at every run: a new scope takes at once


def test_the_demo_region_has_its_own_accounts_and_the_single_demo_keeps_four(db):
    store = AccountStore(db)
    assert store.ensure_demo_accounts(["GM9990"]) == list(passwords.DEMO_ACCOUNTS)
    assert {store.get(n).gemeente for n in passwords.DEMO_ACCOUNTS} == {None}
    members = ["GM9990", "GM9991", "GM9992"]
    assert store.ensure_demo_accounts(members) == ["ambtenaar-eikenrode", "griffie-kanaalstad", "rekenkamer"]
    found = {a.username: (a.role.value, a.gemeente) for a in store.list_accounts(role="beheerder")}
    assert found == {"raadslid": ("raadslid", "GM9990"), "griffie": ("griffie", "GM9990"),
                     "ambtenaar": ("ambtenaar", "GM9990"), "beheerder": ("beheerder", None),
                     "ambtenaar-eikenrode": ("ambtenaar", "GM9991"), "griffie-kanaalstad": ("griffie", "GM9992"),
                     "rekenkamer": ("rekenkamer", None)}
    for name, (_, password, _) in passwords.demo_accounts(members).items():
        assert store.authenticate(name, password).is_demo
    assert passwords.DEMO_ACCOUNTS["ambtenaar"] == ("ambtenaar", "lindewaard-ambtenaar")  # unchanged
    assert "eikenrode-ambtenaar" in passwords.DEMO_PASSWORDS and "regio-rekenkamer" in passwords.DEMO_PASSWORDS
    assert sorted(store.active_demo_accounts()) == sorted(found)
