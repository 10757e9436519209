"""Fixtures for the sign-in and role tests: stores on SQLite and PostgreSQL, the app with accounts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from store.accounts import AccountStore
from store.db import Database, shared_database
from tests.pgserver import BACKENDS, fresh_database, postgres_server  # noqa: F401  (fixture re-exported)
from tests.support.signin import (  # noqa: F401  (autouse fixtures, and helpers tests import from here)
    JAR,
    PASSWORD,
    REDIRECT,
    USERS,
    add_people,
    fake_browser,
    fast_hashes,
    follow_redirect,
    new_app,
    open_url,
    run,
    sign_in,
)


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Database:
    """A fresh, migrated store on one backend (store tests run once per backend)."""
    return fresh_database(request, tmp_path, request.param, "auth")


@pytest.fixture
def accounts(db) -> AccountStore:
    return AccountStore(db, lockout_attempts=3, lockout_minutes=15)


# ------------------------------------------------------------------------------------------------
# The app
# ------------------------------------------------------------------------------------------------


def default_sign_in(monkeypatch) -> None:
    """Sign-in as configured by default (no OIDC, session or lock-out settings of the environment), public."""
    for name in [n for n in os.environ if n.startswith(("MSD_OIDC", "MSD_SESSION", "MSD_LOCK", "MSD_PASSWORD"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MSD_PUBLIC", "1")


@pytest.fixture
def app(app_env, small_warehouse, monkeypatch) -> AccountStore:
    """The app on the small (non-demo) warehouse with one account per role; returns their store."""
    app_env(small_warehouse)
    default_sign_in(monkeypatch)
    store = AccountStore(shared_database(), lockout_attempts=5, lockout_minutes=15)
    add_people(store)
    return store


def signed_in_app(role: str) -> AppTest:
    at = run(new_app())
    return sign_in(at, USERS[role], PASSWORD[role])


def new_tab(at: AppTest) -> AppTest:
    """Another tab of the same browser: a new Streamlit session that sends the same cookie."""
    tab = new_app()
    tab.session_state[JAR] = at.session_state[JAR]
    return run(tab)


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
