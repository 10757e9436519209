"""Fixtures for the sign-in and role tests: stores on SQLite and PostgreSQL, the app with accounts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from domain import passwords
from domain.roles import Role
from store import session_token
from store.accounts import AccountStore
from store.db import Database, shared_database
from tests.conftest import app_path
from tests.pgserver import BACKENDS, fresh_database, postgres_server  # noqa: F401  (fixture re-exported)

PASSWORD = {r.value: f"{r.value}-wachtwoord-123" for r in Role}
USERS = {r.value: f"{r.value}@test.nl" for r in Role}


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """argon2 with tiny parameters: the real ones cost ~0.1 s per hash on purpose."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


# AppTest has no browser. These stand in for it: the cookie jar of one AppTest (its session state; the
# app only reads it through the replaced function), and the redirect the page asks for (followed by
# follow_redirect, which calls the same code the /_msd/sessie route runs).
JAR = "_test_browser_cookie"
REDIRECT = "_test_redirect"


def _fake_cookie():
    # What the middleware does at a first page load: an anonymous cookie.
    return st.session_state.setdefault(JAR, session_token.new_cookie_value())


def _fake_redirect(url: str) -> None:
    st.session_state[REDIRECT] = url


@pytest.fixture(autouse=True)
def fake_browser(monkeypatch):
    from components import session

    monkeypatch.setattr(session, "_browser_cookie", _fake_cookie)
    monkeypatch.setattr(session, "_redirect", _fake_redirect)
    monkeypatch.setattr(session, "_client_address", lambda conf: "192.0.2.10")  # AppTest's is a mock
    monkeypatch.setattr(session_token, "_limiters", {})  # every test starts with a fresh rate limit
    monkeypatch.setenv("MSD_SESSION_SECRET", "a-test-secret-that-is-long-enough-0123456789")


def follow_redirect(at: AppTest) -> AppTest:
    """What the browser does after a good password: redeem the grant, keep the new cookie, load the page."""
    url = at.session_state.get(REDIRECT, None)
    if url is None:
        return at
    del at.session_state[REDIRECT]
    code = url.split("code=", 1)[1]
    redeemed = session_token.default_store().redeem(code, at.session_state[JAR])
    assert redeemed is not None, "the grant was refused"
    at.session_state[JAR] = redeemed[0]
    return run(at)


def new_tab(at: AppTest) -> AppTest:
    """Another tab of the same browser: a new Streamlit session that sends the same cookie."""
    tab = new_app()
    tab.session_state[JAR] = at.session_state[JAR]
    return run(tab)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Database:
    """A fresh, migrated store on one backend (store tests run once per backend)."""
    return fresh_database(request, tmp_path, request.param, "auth")


@pytest.fixture
def accounts(db) -> AccountStore:
    return AccountStore(db, lockout_attempts=3, lockout_minutes=15)


def add_people(store: AccountStore) -> None:
    for role in Role:
        store.add(USERS[role.value], role, PASSWORD[role.value], display_name=f"Test {role.label}",
                  actor_role=Role.BEHEERDER, actor="setup")


# ------------------------------------------------------------------------------------------------
# The app
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def app(app_env, small_warehouse, monkeypatch) -> AccountStore:
    """The app on the small (non-demo) warehouse with one account per role; returns their store."""
    app_env(small_warehouse)
    for name in [n for n in os.environ if n.startswith(("MSD_OIDC", "MSD_SESSION", "MSD_LOCK", "MSD_PASSWORD"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MSD_PUBLIC", "1")
    store = AccountStore(shared_database(), lockout_attempts=5, lockout_minutes=15)
    add_people(store)
    return store


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def new_app() -> AppTest:
    return AppTest.from_file(app_path(), default_timeout=60)


def open_url(at: AppTest, url_path: str) -> AppTest:
    """What a browser does for a typed or shared address: ask for the page by its URL path."""
    at._page_hash = calc_hash(url_path)
    return run(at)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill in the form on the Inloggen page (or on the refusing page the session is at)."""
    if not [t for t in at.text_input if t.label == "Gebruikersnaam"]:
        open_url(at, "inloggen")
    next(t for t in at.text_input if t.label == "Gebruikersnaam").input(username)
    next(t for t in at.text_input if t.label == "Wachtwoord").input(password)
    next(b for b in at.button if b.label == "Inloggen").click()
    return follow_redirect(run(at))


def signed_in_app(role: str) -> AppTest:
    at = run(new_app())
    return sign_in(at, USERS[role], PASSWORD[role])


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
    parts += [t.value for t in at.title]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def nav_log(monkeypatch) -> list[dict]:
    """Every st.navigation call of the app: {title: visibility} and {url path: title} per run, plus the position."""
    calls: list[dict] = []
    original = st.navigation

    def spy(pages, **kwargs):
        seen, urls = {}, {}
        for group in (pages.values() if isinstance(pages, dict) else [pages]):
            for p in group:
                seen[p.title] = p.visibility
                urls[getattr(p, "_url_path", p.url_path)] = p.title  # the default page reports ""
        calls.append({"pages": seen, "urls": urls, "position": kwargs.get("position", "sidebar")})
        return original(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    return calls


def root() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture
def make_second_db(request, tmp_path, db):
    """Another fresh store on the same backend as ``db``."""

    def make() -> Database:
        return fresh_database(request, tmp_path, db.kind, "auth")

    return make
