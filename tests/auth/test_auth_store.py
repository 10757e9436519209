"""Accounts, sign-in with lock-out, and the audit log, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from domain import passwords
from domain.roles import PermissionDenied, Role
from store import accounts as accounts_module
from store import audit
from store.accounts import AccountError, AccountLocked, AccountStore, LoginFailed
from tests.auth.conftest import PASSWORD, USERS, add_people

ADMIN = dict(actor_role=Role.BEHEERDER, actor="bert")
NOT_ADMIN = [Role.RAADSLID, Role.GRIFFIE, Role.AMBTENAAR, None, "hacker"]


def events(db, event: str | None = None) -> list[tuple[str, str, str]]:
    return [(e["event"], e["username"], e["detail"]) for e in audit.entries(role=Role.BEHEERDER, db=db, event=event)]


def test_password_is_stored_only_as_an_argon2_hash(accounts, db):
    accounts.add("Anna@Gemeente.NL", "ambtenaar", "een-goed-wachtwoord", display_name=" Anna  de Vries ", **ADMIN)
    row = db.query("SELECT * FROM accounts")[0]
    assert row["username"] == "anna@gemeente.nl" and row["display_name"] == "Anna de Vries"
    assert row["password_hash"].startswith("$argon2id$")
    assert "een-goed-wachtwoord" not in str(row)
    assert events(db) == [("account_created", "bert", "anna@gemeente.nl als Ambtenaar")]


@pytest.mark.parametrize("role", NOT_ADMIN)
def test_only_the_administrator_manages_accounts(accounts, db, role):
    add_people(accounts)
    before = db.query("SELECT * FROM accounts ORDER BY username")
    attempts = [
        lambda: accounts.add("nieuw", "beheerder", "een-goed-wachtwoord", actor_role=role, actor="x"),
        lambda: accounts.set_role(USERS["raadslid"], "beheerder", actor_role=role, actor="x"),
        lambda: accounts.reset_password(USERS["raadslid"], "een-goed-wachtwoord", actor_role=role, actor="x"),
        lambda: accounts.disable(USERS["beheerder"], actor_role=role, actor="x"),
        lambda: accounts.enable(USERS["beheerder"], actor_role=role, actor="x"),
        lambda: accounts.unlock(USERS["beheerder"], actor_role=role, actor="x"),
        lambda: accounts.list_accounts(role=role),
        lambda: audit.entries(role=role, db=db),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert db.query("SELECT * FROM accounts ORDER BY username") == before


def test_the_administrator_adds_changes_disables_and_enables(accounts, db):
    add_people(accounts)
    name = USERS["raadslid"]
    assert accounts.set_role(name, "griffie", **ADMIN).role is Role.GRIFFIE
    old_hash = db.query("SELECT password_hash FROM accounts WHERE username = ?", (name,))[0]["password_hash"]
    changed = accounts.reset_password(name, "nieuw-wachtwoord-456", **ADMIN)
    assert changed.password_changed_at > accounts.get(USERS["griffie"]).password_changed_at
    assert db.query("SELECT password_hash FROM accounts WHERE username = ?", (name,))[0]["password_hash"] != old_hash
    assert accounts.disable(name, **ADMIN).disabled
    with pytest.raises(LoginFailed):
        accounts.authenticate(name, "nieuw-wachtwoord-456")
    assert not accounts.enable(name, **ADMIN).disabled
    assert accounts.authenticate(name, "nieuw-wachtwoord-456").role is Role.GRIFFIE
    assert [a.username for a in accounts.list_accounts(role=Role.BEHEERDER)] == sorted(USERS.values())
    log = [e for e, who, _ in events(db) if who == "bert"]
    assert log == ["account_enabled", "account_disabled", "account_password_reset", "account_role_changed"]


@pytest.mark.parametrize("username,password,problem", [
    ("a", "een-goed-wachtwoord", "gebruikersnaam"),
    ("met spatie", "een-goed-wachtwoord", "gebruikersnaam"),
    ("anna", "kort", "minstens 12 tekens"),
    ("anna-de-vries", "Anna-de-Vries", "niet gelijk zijn aan de gebruikersnaam"),
    ("anna", "lindewaard-beheerder", "wachtwoord van de demo"),
])
def test_bad_names_and_passwords_are_refused(accounts, db, username, password, problem):
    with pytest.raises(AccountError, match=problem):
        accounts.add(username, "raadslid", password, **ADMIN)
    assert accounts.count() == 0 and events(db) == []


def test_duplicates_unknown_roles_and_unknown_accounts_are_refused(accounts):
    accounts.add("anna", "raadslid", "een-goed-wachtwoord", **ADMIN)
    with pytest.raises(AccountError, match="bestaat al"):
        accounts.add("ANNA", "griffie", "een-goed-wachtwoord", **ADMIN)
    with pytest.raises(AccountError, match="Onbekende rol"):
        accounts.set_role("anna", "burgemeester", **ADMIN)
    with pytest.raises(AccountError, match="geen account"):
        accounts.disable("niemand", **ADMIN)
    with pytest.raises(AccountError, match="minstens 12"):
        accounts.reset_password("anna", "kort", **ADMIN)


def test_the_last_administrator_cannot_be_removed(accounts):
    accounts.add("bert", "beheerder", "een-goed-wachtwoord", **ADMIN)
    with pytest.raises(AccountError, match="laatste beheerder"):
        accounts.disable("bert", **ADMIN)
    with pytest.raises(AccountError, match="laatste beheerder"):
        accounts.set_role("bert", "raadslid", **ADMIN)
    accounts.add("carla", "beheerder", "een-goed-wachtwoord", **ADMIN)
    assert accounts.disable("bert", **ADMIN).disabled
    # The command line may, on purpose (--force).
    assert accounts.set_role("carla", "raadslid", **ADMIN, keep_admin=False).role is Role.RAADSLID


def test_sign_in_with_the_right_password_is_audited(accounts, db):
    add_people(accounts)
    account = accounts.authenticate("  AMBTENAAR@test.nl ", PASSWORD["ambtenaar"])
    assert account.role is Role.AMBTENAAR and account.last_login_at
    assert events(db, "login") == [("login", USERS["ambtenaar"], "met wachtwoord")]


def test_failed_sign_ins_say_the_same_and_are_audited(accounts, db):
    add_people(accounts)
    with pytest.raises(LoginFailed) as unknown:
        accounts.authenticate("niemand@test.nl", "wat-dan-ook-123")
    with pytest.raises(LoginFailed) as wrong:
        accounts.authenticate(USERS["griffie"], "fout-wachtwoord-1")
    assert str(unknown.value) == str(wrong.value) == accounts.failed_text
    assert accounts.failed_text.startswith(accounts_module.LOGIN_FAILED_TEXT)
    assert events(db, "login_failed") == [
        ("login_failed", USERS["griffie"], "fout wachtwoord (poging 1)"),
        ("login_failed", "niemand@test.nl", "onbekende gebruikersnaam")]


def test_lock_out_after_repeated_failures_and_its_expiry(accounts, db, monkeypatch):
    add_people(accounts)
    name = USERS["beheerder"]
    for _ in range(2):
        with pytest.raises(LoginFailed) as exc:
            accounts.authenticate(name, "fout-wachtwoord-1")
        assert not isinstance(exc.value, AccountLocked)
    with pytest.raises(AccountLocked):
        accounts.authenticate(name, "fout-wachtwoord-1")  # the third: locked (fixture: 3 attempts, 15 minutes)
    # While locked even the right password is refused, and the account's hash is not even checked.
    checked = spy_hashes(monkeypatch)
    with pytest.raises(AccountLocked) as locked:
        accounts.authenticate(name, PASSWORD["beheerder"])
    assert checked == [passwords._dummy_hash]
    assert str(locked.value) == accounts.failed_text  # nothing tells a locked account from an unknown name
    monkeypatch.undo()
    assert events(db, "account_locked")[0][1] == name
    # Fourteen minutes later: still locked; sixteen: open again, counter reset.
    now = accounts_module._now()
    monkeypatch.setattr(accounts_module, "_now", lambda: now + timedelta(minutes=14))
    with pytest.raises(AccountLocked):
        accounts.authenticate(name, PASSWORD["beheerder"])
    monkeypatch.setattr(accounts_module, "_now", lambda: now + timedelta(minutes=16))
    assert accounts.authenticate(name, PASSWORD["beheerder"]).failed_attempts == 0


def spy_hashes(monkeypatch, delay: float = 0.0) -> list[str]:
    """Every hash a password is checked against (after ``delay`` seconds, to widen races)."""
    checked: list[str] = []
    real = passwords.verify_password

    def spy(password_hash, password):
        checked.append(password_hash)
        time.sleep(delay)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    return checked


def test_parallel_guesses_cannot_exceed_the_lock_out(accounts, db, monkeypatch):
    add_people(accounts)
    name = USERS["beheerder"]
    own_hash = db.query("SELECT password_hash FROM accounts WHERE username = ?", (name,))[0]["password_hash"]
    checked = spy_hashes(monkeypatch, delay=0.05)
    guesses = [f"gok-nummer-{i:02d}" for i in range(17)]
    barrier = threading.Barrier(len(guesses))

    def guess(password):
        barrier.wait()
        with pytest.raises(LoginFailed):
            accounts.authenticate(name, password)

    with ThreadPoolExecutor(len(guesses)) as pool:
        list(pool.map(guess, guesses))
    assert len([h for h in checked if h == own_hash]) == accounts.lockout_attempts  # 3 in the fixture, not 17
    assert len(checked) == len(guesses)  # every attempt cost one hash check: the others against the dummy
    assert accounts.get(name).locked_at(accounts_module._now())
    with pytest.raises(AccountLocked):  # the right password, after them, is refused
        accounts.authenticate(name, PASSWORD["beheerder"])


def median_failure(store: AccountStore, name: str) -> tuple[float, str]:
    """The median time of five failed sign-ins for ``name``, and their text."""
    times, texts = [], set()
    for _ in range(5):
        start = time.perf_counter()
        with pytest.raises(LoginFailed) as exc:
            store.authenticate(name, "fout-wachtwoord-2")
        times.append(time.perf_counter() - start)
        texts.add(str(exc.value))
    assert len(texts) == 1
    return sorted(times)[2], texts.pop()


def test_unknown_and_locked_names_take_as_long_as_known_ones(db, monkeypatch):
    # Slow enough that the hash, not the database, decides how long an answer takes.
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=2, memory_cost=32768, parallelism=1))
    store = AccountStore(db, lockout_attempts=3, lockout_minutes=15)
    add_people(store)
    for _ in range(3):
        with pytest.raises(LoginFailed):
            store.authenticate(USERS["griffie"], "fout-wachtwoord-1")  # locked now
    unknown, unknown_text = median_failure(store, "niemand@test.nl")
    locked, locked_text = median_failure(store, USERS["griffie"])
    wrong, wrong_text = median_failure(store, USERS["raadslid"])  # its third attempt locks it: still the same
    assert unknown_text == locked_text == wrong_text == store.failed_text
    for other in (wrong, locked):
        assert 1 / 3 < other / unknown < 3, (unknown, wrong, locked)  # without a hash check: below 1/10


def test_demo_accounts_are_refused_on_a_release_with_real_data(accounts, db):
    accounts.ensure_demo_accounts()
    with pytest.raises(LoginFailed) as exc:
        accounts.authenticate("griffie", "lindewaard-griffie", allow_demo=False)
    assert str(exc.value) == accounts.failed_text
    assert events(db, "login_failed")[0][1:] == ("griffie", "demo-account op een release met echte gegevens")
    assert accounts.authenticate("griffie", "lindewaard-griffie", allow_demo=True).is_demo


@pytest.mark.parametrize("password", ["passwordpassword", "111111111111", "qwertyuiopasdf", "P@ssw0rd12345",
                                      "welcome123456"])
def test_common_and_guessable_passwords_are_refused_whatever_their_length(accounts, password):
    with pytest.raises(AccountError, match="te makkelijk te raden"):
        accounts.add("anna", "ambtenaar", password, **ADMIN)
    accounts.add("anna", "ambtenaar", "een-goed-wachtwoord", **ADMIN)
    with pytest.raises(AccountError, match="te makkelijk te raden"):
        accounts.reset_password("anna", password, **ADMIN)


def test_a_change_that_changes_nothing_does_not_lock_the_store(accounts, db):
    accounts.add("anna", "ambtenaar", "een-goed-wachtwoord", **ADMIN)
    before = events(db)
    for change in (lambda: accounts.set_role("anna", "ambtenaar", **ADMIN),
                   lambda: accounts.enable("anna", **ADMIN)):
        start = time.perf_counter()
        assert change().role is Role.AMBTENAAR
        assert time.perf_counter() - start < 5  # it waited for its own write lock for 30 s
    accounts.disable("anna", **ADMIN)
    start = time.perf_counter()
    assert accounts.disable("anna", **ADMIN).disabled
    assert time.perf_counter() - start < 5
    assert events(db)[1:] == before  # only the real change was audited


def test_the_administrator_can_lift_a_lock_out(accounts, db):
    add_people(accounts)
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate(USERS["griffie"], "fout-wachtwoord-1")
    assert accounts.get(USERS["griffie"]).locked_until
    accounts.unlock(USERS["griffie"], **ADMIN)
    assert accounts.authenticate(USERS["griffie"], PASSWORD["griffie"]).role is Role.GRIFFIE
    assert events(db, "account_unlocked") == [("account_unlocked", "bert", USERS["griffie"])]


def test_a_successful_sign_in_resets_the_failure_count(accounts):
    add_people(accounts)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            accounts.authenticate(USERS["griffie"], "fout-wachtwoord-1")
    accounts.authenticate(USERS["griffie"], PASSWORD["griffie"])
    for _ in range(2):
        with pytest.raises(LoginFailed) as exc:
            accounts.authenticate(USERS["griffie"], "fout-wachtwoord-1")
        assert not isinstance(exc.value, AccountLocked)


def test_weak_hashes_are_upgraded_at_sign_in(accounts, db, monkeypatch):
    add_people(accounts)
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    accounts.authenticate(USERS["raadslid"], PASSWORD["raadslid"])
    stored = db.query("SELECT password_hash FROM accounts WHERE username = ?", (USERS["raadslid"],))[0]
    assert "m=2048,t=2" in stored["password_hash"]
    assert accounts.authenticate(USERS["raadslid"], PASSWORD["raadslid"]).role is Role.RAADSLID


def test_demo_accounts_are_made_once_and_found_until_disabled(accounts, db):
    assert accounts.ensure_demo_accounts() == list(passwords.DEMO_ACCOUNTS)
    assert accounts.ensure_demo_accounts() == []
    for name, (role, password) in passwords.DEMO_ACCOUNTS.items():
        assert accounts.authenticate(name, password).role is Role(role)
    assert accounts.active_demo_accounts() == sorted(passwords.DEMO_ACCOUNTS)
    accounts.add("eigen-beheerder", "beheerder", "een-goed-wachtwoord", **ADMIN)
    assert accounts.disable_demo_accounts(**ADMIN) == sorted(passwords.DEMO_ACCOUNTS)
    assert accounts.active_demo_accounts() == []


def test_audit_entries_filter_and_stay_plain_text(db):
    audit.record("upload", "anna", "wmo.csv: 1.204 rijen", role=Role.AMBTENAAR, db=db)
    audit.record("login_failed", "evil\x1b[31m\nname" + "x" * 500, "d" * 5000, db=db)
    audit.record("upload", "bert_2", "jeugd.csv", role="beheerder", db=db)
    audit.record("upload", "bert_2", "jeugd.csv", role="beheerder", db=db, once=True)  # already there: skipped
    uploads = audit.entries(role="beheerder", db=db, event="upload")
    assert [e["detail"] for e in uploads] == ["jeugd.csv", "wmo.csv: 1.204 rijen"]
    assert [e["username"] for e in audit.entries(role="beheerder", db=db, user="T_2")] == ["bert_2"]
    assert audit.entries(role="beheerder", db=db, user="%") == []  # wildcards are taken literally
    odd = audit.entries(role="beheerder", db=db, event="login_failed")[0]
    assert "\x1b" not in odd["username"] and "\n" not in odd["username"] and len(odd["username"]) == 200
    assert len(odd["detail"]) == 2000
    assert audit.entries(role="beheerder", db=db, since="2999-01-01") == []
    with pytest.raises(ValueError):
        audit.record("Drop Table", "x", db=db)


def test_a_failed_change_leaves_no_audit_entry(accounts, db):
    accounts.add("bert", "beheerder", "een-goed-wachtwoord", **ADMIN)
    with pytest.raises(AccountError):
        accounts.disable("bert", **ADMIN)
    assert [e for e, *_ in events(db)] == ["account_created"]


def test_the_store_has_an_account_table_and_no_plain_passwords(db):
    columns = {r["name"] for r in db.query("SELECT name FROM schema_migrations")}
    assert "auth_001_accounts_audit" in columns


def test_accounts_store_accepts_other_lockout_settings(db):
    store = AccountStore(db, lockout_attempts=1, lockout_minutes=60)
    add_people(store)
    with pytest.raises(AccountLocked, match="Na 1 foute pogingen gaat een account 60 minuten op slot"):
        store.authenticate(USERS["griffie"], "fout-wachtwoord-1")
