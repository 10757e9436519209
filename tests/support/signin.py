"""Sign in through the monitor's real password path in Streamlit's AppTest.

AppTest has no browser, so :func:`fake_browser` stands in for one: the cookie jar of one AppTest is its
session state (the app only reads it through the replaced ``components.session._browser_cookie``), and the
redirect after a good password is kept there too and followed by :func:`follow_redirect`, which calls the
same code the ``/_msd/sessie`` route runs. Everything else (the form, the password check, the session
table, binding the identity at the start of a run) is the production code.
"""

from __future__ import annotations

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
from store.db import shared_database

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = {r.value: f"{r.value}-wachtwoord-123" for r in Role}
USERS = {r.value: f"{r.value}@test.nl" for r in Role}
JAR = "_test_browser_cookie"
REDIRECT = "_test_redirect"


def _fake_cookie():
    # What the middleware does at a first page load: an anonymous cookie.
    return st.session_state.setdefault(JAR, session_token.new_cookie_value())


def _fake_redirect(url: str) -> None:
    st.session_state[REDIRECT] = url


# Both fixtures are autouse: a test module (or conftest) that imports them runs every test with them.
@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """argon2 with tiny parameters: the real ones cost ~0.1 s per hash on purpose."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(passwords, "_dummy_hash", None)


@pytest.fixture(autouse=True)
def fake_browser(monkeypatch, fast_hashes):
    from components import session

    monkeypatch.setattr(session, "_browser_cookie", _fake_cookie)
    monkeypatch.setattr(session, "_redirect", _fake_redirect)
    monkeypatch.setattr(session, "_client_address", lambda conf: "192.0.2.10")  # AppTest's is a mock
    monkeypatch.setattr(session_token, "_limiters", {})  # every test starts with a fresh rate limit
    monkeypatch.setenv("MSD_SESSION_SECRET", "a-test-secret-that-is-long-enough-0123456789")
    monkeypatch.delenv("MSD_PASSWORD_LOGIN", raising=False)


def add_people(store: AccountStore) -> None:
    for role in Role:
        store.add(USERS[role.value], role, PASSWORD[role.value], display_name=f"Test {role.label}",
                  actor_role=Role.BEHEERDER, actor="setup")


def ensure_account(role: str) -> None:
    """One account per role in the store the app opens (settings), made on first use."""
    store = AccountStore(shared_database())
    if store.get(USERS[role]) is None:
        store.add(USERS[role], Role(role), PASSWORD[role], display_name=f"Test {Role(role).label}",
                  actor_role=Role.BEHEERDER, actor="setup")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def app_path() -> str:
    return str(ROOT / "app.py")


def new_app(timeout: int = 60) -> AppTest:
    return AppTest.from_file(app_path(), default_timeout=timeout)


def open_url(at: AppTest, url_path: str) -> AppTest:
    """What a browser does for a typed or shared address: ask for the page by its URL path."""
    at._page_hash = calc_hash(url_path)
    return run(at)


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


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill in the form on the Inloggen page (or on the refusing page the session is at)."""
    if not [t for t in at.text_input if t.label == "Gebruikersnaam"]:
        open_url(at, "inloggen")
    next(t for t in at.text_input if t.label == "Gebruikersnaam").input(username)
    next(t for t in at.text_input if t.label == "Wachtwoord").input(password)
    next(b for b in at.button if b.label == "Inloggen").click()
    return follow_redirect(run(at))


def sign_in_as(at: AppTest, role: str) -> AppTest:
    """Sign the app of ``at`` (the router, app.py) in with the test account of ``role``, through the
    Inloggen page; the account is made first when the store does not have it."""
    from components import session

    assert session._browser_cookie is _fake_cookie, "import the fake_browser fixture from tests.support.signin"
    ensure_account(role)
    sign_in(at, USERS[role], PASSWORD[role])
    assert at.session_state["role"] == role, f"the sign-in as {role} did not take"
    return at


# A page script on its own (AppTest of one page, no router) has nobody to bind the browser's identity to
# the run; this prelude does first what app.py does first: session.enforce (with a non-demo release).
_PRELUDE = ("from types import SimpleNamespace as _NS\nfrom components import session as _session\n"
            "_session.enforce(_NS(is_demo=False, release=_NS(id='test')))\n")


def signed_in_cookie(role: str) -> str:
    """The session cookie a browser holds after signing in as ``role``: the password check, the grant and
    its redemption that the sign-in form and the ``/_msd/sessie`` route run (the form itself needs a
    warehouse, which page tests may not have; tests/auth drives the form)."""
    ensure_account(role)
    browser = session_token.new_cookie_value()
    account = AccountStore(shared_database()).authenticate(USERS[role], PASSWORD[role])
    sessions = session_token.default_store()
    redeemed = sessions.redeem(sessions.grant(browser, account.username, account.password_changed_at, "/"), browser)
    assert redeemed is not None, "the grant was refused"
    return redeemed[0]


def signed_in_page(page: str | Path, role: str | None, timeout: int = 30) -> AppTest:
    """An AppTest of one page script (a path, or source text) behind the router's check, in a browser
    that signed in as ``role`` (None: anonymous). Not run yet, so a test may set more session state."""
    from components import session

    assert session._browser_cookie is _fake_cookie, "import the fake_browser fixture from tests.support.signin"
    if isinstance(page, Path):
        source = f"import runpy\nrunpy.run_path({str(page)!r}, run_name='__main__')\n"
    else:
        source = page
    at = AppTest.from_string(_PRELUDE + source, default_timeout=timeout)
    if role:
        at.session_state[JAR] = signed_in_cookie(role)
    return at
