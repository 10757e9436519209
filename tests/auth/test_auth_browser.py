"""The browser session against a real Streamlit server, in Chromium: reload and new tabs keep the sign-in,
sign-out ends it in every tab, a websocket naming a stolen session id gets no identity, and uploads are
refused without an uploading role and never touch the disk."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from domain.roles import Role
from store.accounts import AccountStore
from store.db import Database
from tests.auth.conftest import PASSWORD, USERS
from tests.browser.helpers import ARTIFACTS, open_app, wait_idle
from tests.browser.server import AppServer, start_server, stop_server

# Loaded into the server through PYTHONPATH: records every file opened as an unnamed temporary file
# (O_TMPFILE, what Python's tempfile.TemporaryFile uses on Linux) or made by tempfile.mkstemp.
SITECUSTOMIZE = '''
import os, sys
_log = os.environ.get("MSD_TEST_TEMPFILE_LOG")
if _log:
    _fd = os.open(_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    def _hook(event, args):
        if event == "open" and isinstance(args[2], int) and args[2] & getattr(os, "O_TMPFILE", 0) == os.O_TMPFILE:
            os.write(_fd, (f"tmpfile {args[0]}\\n").encode())
        elif event == "tempfile.mkstemp":
            os.write(_fd, (f"mkstemp {args[0]}\\n").encode())
    sys.addaudithook(_hook)
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[AppServer, Path]]:
    from tests.conftest import small_observations
    from tests.support.warehouse import publish_small

    root = tmp_path_factory.mktemp("session-server")
    warehouse = root / "warehouse"
    publish_small(warehouse, small_observations(), peers=["GM0002"])
    store_url = f"sqlite:///{root / 'store.sqlite'}"
    db = Database(store_url)
    db.migrate()
    accounts = AccountStore(db)
    for role in (Role.AMBTENAAR, Role.BEHEERDER, Role.RAADSLID):
        accounts.add(USERS[role.value], role, PASSWORD[role.value], display_name=f"Test {role.label}",
                     actor_role=Role.BEHEERDER, actor="setup")
    (root / "site").mkdir()
    (root / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    tempfile_log = root / "tempfiles.log"
    log = ARTIFACTS / "session-server.log"
    app = start_server(warehouse, store_url, log, extra_env={
        "PYTHONPATH": os.pathsep.join([str(root / "site"), os.environ.get("PYTHONPATH", "")]),
        "MSD_TEST_TEMPFILE_LOG": str(tempfile_log)})
    yield app, tempfile_log
    stop_server(app.process)


@pytest.fixture
def new_context(browser):
    """Factory: a fresh browser (its own cookies), as another person or another computer would be."""
    made = []

    def make():
        context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="nl-NL")
        context.set_default_timeout(60_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def session_ids(page: Page) -> list[str]:
    """Collects the Streamlit session ids the server hands this page (as they would appear in upload URLs)."""
    found: list[str] = []

    def on_socket(ws):
        def on_frame(payload):
            if isinstance(payload, (bytes, bytearray)):
                msg = ForwardMsg()
                msg.ParseFromString(bytes(payload))
                if msg.HasField("new_session"):
                    found.append(msg.new_session.initialize.session_id)
        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return found


def sign_in(page: Page, base: str, role: str) -> None:
    open_app(page, base + "inloggen")
    page.get_by_label("Gebruikersnaam").fill(USERS[role])
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD[role])
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_text(re.compile(r"Ingelogd als"))).to_be_visible(timeout=60_000)
    wait_idle(page)


def signed_in_as(page: Page) -> str | None:
    caption = page.get_by_text(re.compile(r"^Ingelogd als"))
    return caption.first.inner_text() if caption.count() else None


def test_reload_and_a_new_tab_keep_the_sign_in(server, new_context):
    app, _ = server
    context = new_context()
    page = context.new_page()
    sign_in(page, app.url, "ambtenaar")
    cookie = next(c for c in context.cookies() if c["name"] == "msd_sessie")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("msd_sessie") == -1  # no script in the page can read it
    page.reload()
    wait_idle(page)
    assert signed_in_as(page) == "Ingelogd als Test Ambtenaar (Ambtenaar)"
    tab = context.new_page()
    open_app(tab, app.url + "duiding")  # a page for civil servants only, typed into a new tab
    expect(tab.get_by_role("heading", level=1)).to_have_text("Duiding schrijven")
    assert signed_in_as(tab) == "Ingelogd als Test Ambtenaar (Ambtenaar)"
    assert not tab.get_by_text("Log in om deze pagina te openen").count()


def test_sign_out_in_one_tab_ends_the_session_in_the_other(server, new_context):
    app, _ = server
    context = new_context()
    first = context.new_page()
    sign_in(first, app.url, "beheerder")
    second = context.new_page()
    open_app(second, app.url + "beheer")
    expect(second.get_by_role("heading", level=1)).to_have_text("Accounts en logboek")
    first.get_by_test_id("stSidebar").get_by_role("button", name="Uitloggen").click()
    expect(first.get_by_text(re.compile(r"^Ingelogd als"))).to_have_count(0)
    second.reload()
    wait_idle(second)
    expect(second.get_by_text("Log in om deze pagina te openen")).to_be_visible()
    assert signed_in_as(second) is None


def test_a_websocket_naming_a_stolen_session_id_gets_no_identity(server, new_context):
    app, _ = server
    victim = new_context().new_page()
    ids = session_ids(victim)
    sign_in(victim, app.url, "beheerder")
    nav = victim.get_by_test_id("stSidebarNav")
    more = nav.get_by_text(re.compile(r"^View \d+ more$"))  # Streamlit folds long menus
    if more.count():
        more.click()
    nav.get_by_role("link", name="Accounts en logboek").click()  # within the session, no new page load
    expect(victim.get_by_role("heading", level=1)).to_have_text("Accounts en logboek")
    wait_idle(victim)
    stolen = ids[-1]  # the session that shows the administrator's page now
    # The attacker's browser names the victim's session id when it connects, as Streamlit's own
    # reconnect does (Streamlit used to hand it that session; the page then only checked session_state).
    attacker = new_context().new_page()
    attacker.add_init_script(f"""(() => {{
        const Real = window.WebSocket;
        function Stealing(url, protocols) {{
            const p = Array.from(protocols || []);
            while (p.length < 3) p.push("PLACEHOLDER_AUTH_TOKEN");
            p[2] = {json.dumps(stolen)};
            return new Real(url, p);
        }}
        Stealing.prototype = Real.prototype;
        Object.assign(Stealing, {{CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3}});
        window.WebSocket = Stealing;
    }})()""")
    taken = session_ids(attacker)
    open_app(attacker, app.url + "beheer")
    expect(attacker.get_by_role("heading", level=1)).to_have_text("Accounts en logboek")
    expect(attacker.get_by_text("Log in om deze pagina te openen")).to_be_visible()
    assert taken and stolen not in taken  # another browser: Streamlit gives it a session of its own
    assert signed_in_as(attacker) is None
    assert not attacker.get_by_test_id("stDataFrame").count()
    # The victim's own tab goes on as before (its session was not handed over).
    victim.get_by_test_id("stSidebarNav").get_by_role("link", name="Wmo", exact=True).click()
    expect(victim.get_by_role("heading", level=1).first).to_contain_text("Wmo")
    wait_idle(victim)
    assert signed_in_as(victim) == "Ingelogd als Test Beheerder (Beheerder)"


def put_file(base: str, session_id: str, size: int, cookies: dict[str, str]) -> int:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"wmo.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + b"a" * size + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}_stcore/upload_file/{session_id}/{uuid.uuid4().hex}", data=body,
                                     method="PUT")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Origin", base.rstrip("/"))
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if "_streamlit_xsrf" in cookies:
        request.add_header("X-Xsrftoken", cookies["_streamlit_xsrf"])
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_uploads_need_an_uploading_role_and_stay_in_memory(server, new_context):
    app, tempfile_log = server
    anonymous = new_context()
    page = anonymous.new_page()
    ids = session_ids(page)
    open_app(page, app.url + "registratie")
    browser_cookies = {c["name"]: c["value"] for c in anonymous.cookies()}
    assert put_file(app.url, ids[-1], 1000, browser_cookies) == 403  # anonymous, refused by the server
    council = new_context()
    page = council.new_page()
    ids = session_ids(page)
    sign_in(page, app.url, "raadslid")
    assert put_file(app.url, ids[-1], 1000, {c["name"]: c["value"] for c in council.cookies()}) == 403
    staff = new_context()
    page = staff.new_page()
    ids = session_ids(page)
    sign_in(page, app.url, "ambtenaar")
    open_app(page, app.url + "registratie")
    tempfile_log.write_text("")
    assert put_file(app.url, ids[-1], 5 * 1024 * 1024, {c["name"]: c["value"] for c in staff.cookies()}) == 204
    assert tempfile_log.read_text() == ""  # Starlette spooled parts over 1 MiB to a temporary file


def test_a_sign_in_link_from_a_log_does_not_work_in_another_browser(server, new_context):
    app, _ = server
    context = new_context()
    page = context.new_page()
    codes: list[str] = []
    page.on("request", lambda r: codes.append(r.url) if "/_msd/sessie" in r.url else None)
    sign_in(page, app.url, "ambtenaar")
    other = new_context().new_page()
    open_app(other, codes[0])  # the URL as a proxy logged it, opened elsewhere
    expect(other.get_by_text("Het inloggen is niet afgerond")).to_be_visible()
    assert signed_in_as(other) is None
