"""The browser session behind the password sign-in (store.session_token), on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest

from domain.roles import Role
from store import session_token
from store.db import Database
from store.session_token import RateLimiter, SessionSettings, SessionStore, client_address, safe_next
from tests.auth.conftest import USERS, add_people

ADMIN_ACTOR = dict(actor_role=Role.BEHEERDER, actor="bert")


@pytest.fixture
def sessions(db, accounts) -> SessionStore:
    add_people(accounts)
    return SessionStore(db, idle_minutes=30, max_hours=10)


def signed_in(sessions: SessionStore, accounts, role: str = "griffie") -> str:
    """A browser that has signed in: its cookie value."""
    account = accounts.get(USERS[role])
    browser = session_token.new_cookie_value()
    code = sessions.grant(browser, account.username, account.password_changed_at, "/dossiers?x=1")
    cookie, next_path = sessions.redeem(code, browser)
    assert next_path == "/dossiers?x=1" and cookie != browser  # a new token at every sign-in
    return cookie


def at_offset(monkeypatch, **delta) -> None:
    now = session_token._now()
    monkeypatch.setattr(session_token, "_now", lambda: now + timedelta(**delta))


def test_a_grant_becomes_a_session_once_and_only_in_its_own_browser(sessions, accounts, db):
    account = accounts.get(USERS["griffie"])
    browser = session_token.new_cookie_value()
    code = sessions.grant(browser, account.username, account.password_changed_at, "/")
    assert sessions.redeem(code, session_token.new_cookie_value()) is None  # another browser: and it is used up
    code = sessions.grant(browser, account.username, account.password_changed_at, "/")
    assert sessions.redeem(code, browser) is not None
    assert sessions.redeem(code, browser) is None
    stored = str(db.query("SELECT * FROM web_sessions")) + str(db.query("SELECT * FROM sign_in_grants"))
    assert code not in stored and browser not in stored  # only keyed hashes are stored


def test_a_grant_expires_after_a_minute(sessions, accounts, monkeypatch):
    account = accounts.get(USERS["griffie"])
    browser = session_token.new_cookie_value()
    code = sessions.grant(browser, account.username, account.password_changed_at, "/")
    at_offset(monkeypatch, seconds=61)
    assert sessions.redeem(code, browser) is None


def test_the_session_says_who_and_when_it_ends(sessions, accounts, monkeypatch):
    cookie = signed_in(sessions, accounts)
    found = sessions.lookup(cookie)
    assert (found.username, found.role, found.ended) == (USERS["griffie"], Role.GRIFFIE, None)
    assert sessions.lookup(session_token.new_cookie_value()) is None
    assert sessions.lookup(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None  # forged signature
    at_offset(monkeypatch, minutes=31)
    assert sessions.lookup(cookie).ended == "idle"
    at_offset(monkeypatch, hours=10, seconds=1)
    assert sessions.lookup(cookie).ended == "max"


def test_activity_is_written_at_most_once_a_minute(sessions, accounts, db, monkeypatch):
    cookie = signed_in(sessions, accounts)
    first = db.query("SELECT last_seen_at FROM web_sessions")[0]["last_seen_at"]
    at_offset(monkeypatch, seconds=30)
    sessions.touch(cookie, sessions.lookup(cookie))
    assert db.query("SELECT last_seen_at FROM web_sessions")[0]["last_seen_at"] == first
    at_offset(monkeypatch, seconds=90)
    sessions.touch(cookie, sessions.lookup(cookie))
    assert db.query("SELECT last_seen_at FROM web_sessions")[0]["last_seen_at"] == session_token._iso(
        session_token._now())


def test_account_changes_end_or_change_the_session(sessions, accounts):
    cookie = signed_in(sessions, accounts, "raadslid")
    accounts.set_role(USERS["raadslid"], "ambtenaar", **ADMIN_ACTOR)
    assert sessions.lookup(cookie).role is Role.AMBTENAAR
    accounts.reset_password(USERS["raadslid"], "nieuw-wachtwoord-99", **ADMIN_ACTOR)
    assert sessions.lookup(cookie).ended == "password"
    other = signed_in(sessions, accounts, "griffie")
    accounts.disable(USERS["griffie"], **ADMIN_ACTOR)
    assert sessions.lookup(other).ended == "disabled"


def test_sign_out_removes_the_session(sessions, accounts, db):
    cookie = signed_in(sessions, accounts)
    sessions.revoke(cookie)
    assert sessions.lookup(cookie) is None
    assert db.query("SELECT COUNT(*) AS n FROM web_sessions")[0]["n"] == 0


def test_the_secret_file_and_the_sqlite_store_are_private(tmp_path):
    conf = SessionSettings(secret_file=tmp_path / "store" / "session-secret")
    key = session_token._read_secret(conf)
    assert len(key) == 64 and session_token._read_secret(conf) == key  # made once, then read
    assert stat.S_IMODE(conf.secret_file.stat().st_mode) == 0o600
    db = Database(f"sqlite:///{tmp_path / 'store' / 'monitor.sqlite'}")
    db.migrate()
    for name in ("monitor.sqlite", "monitor.sqlite-wal", "monitor.sqlite-shm"):
        path = tmp_path / "store" / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    with pytest.raises(SystemExit, match="at least 32"):
        session_token._read_secret(SessionSettings(secret="kort"))


def test_the_client_address_comes_from_the_configured_proxy_header_only():
    headers = {"X-Forwarded-For": "6.6.6.6, 10.0.0.7", "Host": "monitor"}
    assert client_address(headers, "127.0.0.1", "") == "127.0.0.1"  # no proxy configured: the peer
    assert client_address(headers, "127.0.0.1", "x-forwarded-for") == "10.0.0.7"  # what our proxy added
    assert client_address({}, "127.0.0.1", "X-Forwarded-For") == "127.0.0.1"


def test_the_rate_limit_counts_per_address_within_the_window():
    limiter = RateLimiter(2, 60)
    assert limiter.allow("a", 0) and limiter.allow("a", 1) and not limiter.allow("a", 2)
    assert limiter.allow("b", 2)
    assert limiter.allow("a", 61)


@pytest.mark.parametrize("target", ["https://elders.nl/", "//elders.nl", "/\\elders.nl", "javascript:alert(1)", ""])
def test_after_sign_in_the_browser_only_goes_to_a_page_of_this_site(target):
    assert safe_next(target) == "/"
    assert safe_next("/wmo?jaar=2024") == "/wmo?jaar=2024"


def test_a_client_cannot_send_its_own_browser_fingerprint():
    from auth import web

    cookie = session_token.new_cookie_value()
    forged = [(b"x-msd-browser", b"someone-elses"), (b"cookie", f"msd_sessie={cookie}; _ga=1".encode())]
    scope = web._with_browser_header({"headers": forged}, web._cookies({"headers": forged}))
    assert [v for k, v in scope["headers"] if k == b"x-msd-browser"] == [session_token.fingerprint(cookie).encode()]
    anonymous = web._with_browser_header({"headers": forged[:1]}, {})
    assert not [v for k, v in anonymous["headers"] if k == b"x-msd-browser"]


def test_the_session_cookie_is_http_only_lax_and_secure_over_https():
    from auth import web

    assert web.cookie_header("v", secure=True, max_age=36000) == \
        "msd_sessie=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=36000; Secure"
    assert "Secure" not in web.cookie_header("v", secure=False, max_age=None)


@pytest.mark.parametrize("release_is_demo", [True, False])
def test_a_demo_account_may_upload_only_while_the_demo_is_loaded(sessions, accounts, monkeypatch, tmp_path,
                                                                  release_is_demo):
    import json

    from auth import web

    accounts.add("ambtenaar", Role.AMBTENAAR, "lindewaard-ambtenaar-x7!q", actor_role=Role.BEHEERDER,
                 actor="setup", demo=True)
    account = accounts.get("ambtenaar")
    browser = session_token.new_cookie_value()
    cookie, _ = sessions.redeem(sessions.grant(browser, account.username, account.password_changed_at, "/"), browser)
    (tmp_path / "wh" / "current").mkdir(parents=True)
    (tmp_path / "wh" / "current" / "release.json").write_text(json.dumps({"demo": release_is_demo}))
    monkeypatch.setenv("MSD_WAREHOUSE", str(tmp_path / "wh"))
    monkeypatch.setattr(web, "store", lambda: sessions)
    role = web.upload_role({session_token.COOKIE_NAME: cookie}, None)
    assert role == (Role.AMBTENAAR if release_is_demo else None)
    # A colleague's own account keeps uploading on real data.
    assert web.upload_role({session_token.COOKIE_NAME: signed_in(sessions, accounts, "ambtenaar")}, None) \
        == Role.AMBTENAAR
