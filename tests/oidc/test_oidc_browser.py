"""Signing in with OpenID Connect, end to end: Chromium, the monitor's real Streamlit server and a real
OpenID Connect provider (the certified npm package ``oidc-provider``, tests/oidc/provider.mjs), all on
127.0.0.1. Nothing is faked: ``st.login`` sends the browser to the provider, the person signs in on the
provider's page, Streamlit exchanges the code, checks the ID token and sets its signed cookie, and the
monitor maps the token's claims to a role.

The provider's people carry the claims an Entra ID token has (groups as object ids, app roles, ``tid``,
``email_verified``). The server runs with one risky setting on purpose (``preferred_username`` listed
as a role claim), which the monitor must neutralise and warn about.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS, ROOT, TIMEOUT_MS, wait_idle
from tests.browser.server import AppServer, free_port, start_server, stop_server, wait_until_answers

pytestmark = pytest.mark.browser

PROVIDER_JS = Path(__file__).with_name("provider.mjs")
PROVIDER_PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
HOME = "11111111-2222-4333-8444-555555555555"      # the municipality's tenant id
FOREIGN = "99999999-8888-4777-8666-555555555555"   # another organisation's tenant
GRIFFIE_GROUP = "6f1c2d3e-0000-4000-8000-00000000a001"
PASSWORD = "test-wachtwoord"
LOGIN_BUTTON = "Inloggen met uw organisatie-account"

# The demo is a region: every role but the beheerder's names its member municipality (claim "gemeente").
USERS = {
    "griffier": {"name": "Gerda Griffier", "email": "griffier@gemeente.nl", "email_verified": True, "tid": HOME,
                 "groups": [GRIFFIE_GROUP, "Beheerders"], "gemeente": "GM9990"},
    "ambtenaar": {"name": "Ali Ambtenaar", "tid": HOME, "roles": ["ambtenaar"], "gemeente": "GM9990"},
    # Only in the copied-cookie test: an earlier sign-out of the same person would end its old token.
    "raadslid": {"name": "Rita Raadslid", "email": "raadslid@gemeente.nl", "email_verified": True, "tid": HOME,
                 "roles": ["raadslid"], "gemeente": "GM9990"},
    "baas": {"name": "Bea Baas", "email": "baas@gemeente.nl", "email_verified": True, "tid": HOME},
    # Group display names that equal role names, and a preferred_username that is a mapped address.
    "groepsnaam": {"name": "Gijs Groepsnaam", "tid": HOME, "groups": ["beheerder", "Griffie"],
                   "preferred_username": "baas@gemeente.nl"},
    "onbevestigd": {"name": "Olga Onbevestigd", "email": "baas@gemeente.nl", "email_verified": False, "tid": HOME},
    # Another tenant: a verified copy of the mapped address, an app role and our group id.
    "buitenstaander": {"name": "Bram Buiten", "email": "baas@gemeente.nl", "email_verified": True, "tid": FOREIGN,
                       "roles": ["beheerder"], "groups": [GRIFFIE_GROUP]},
}


def _require_tools() -> None:
    if shutil.which("node") is None:
        pytest.skip("the OIDC end-to-end tests need Node.js (Debian package nodejs) to run the test provider",
                    allow_module_level=True)
    if not PROVIDER_PACKAGE.is_file():
        pytest.skip("the npm package oidc-provider is not installed: run `npm ci` in the project root "
                    "(scripts/test.sh does this when npm is available)", allow_module_level=True)


_require_tools()


@dataclass(frozen=True)
class Provider:
    url: str
    process: subprocess.Popen

    def issue(self, *, offset_seconds: int = 0, tamper: bool = False) -> None:
        """How the ID tokens issued from now on differ from honest ones: dated ``offset_seconds`` from the
        real time, or edited after signing (see provider.mjs)."""
        data = urllib.parse.urlencode({"offset": offset_seconds, "tamper": int(tamper)}).encode()
        with urllib.request.urlopen(self.url + "/test/settings", data=data, timeout=5) as resp:
            assert resp.status == 200


def _start_provider(port: int, redirect_uri: str, client_id: str, client_secret: str, log_path: Path,
                    timeout: float = 30.0) -> Provider:
    env = {"PATH": os.environ.get("PATH", ""), "NODE_ENV": "test", "OIDC_PORT": str(port),
           "OIDC_CLIENT_ID": client_id, "OIDC_CLIENT_SECRET": client_secret, "OIDC_REDIRECT_URI": redirect_uri,
           "OIDC_USERS": json.dumps({login: {"password": PASSWORD, "claims": claims}
                                     for login, claims in USERS.items()})}
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(["node", str(PROVIDER_JS)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_answers(proc, url + "/.well-known/openid-configuration", lambda resp: json.load(resp)["issuer"] == url,
                       name="the test provider", log_path=log_path, timeout=timeout)
    return Provider(url, proc)


@pytest.fixture(scope="module")
def oidc_setup(demo_warehouse: Path, tmp_path_factory) -> Iterator[tuple[AppServer, Provider]]:
    """The monitor with sign-in through the test provider, and the provider itself."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("oidc")
    idp_port = free_port()
    client_id, client_secret = "monitor", secrets.token_urlsafe(24)
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(48)}"

[auth.testidp]
client_id = "{client_id}"
client_secret = "{client_secret}"
server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"
""")
    server = start_server(demo_warehouse, f"sqlite:///{tmp / 'store.sqlite'}", ARTIFACTS / "oidc-server.log",
                          extra_env={"STREAMLIT_SECRETS_FILES": str(secrets_file), "MSD_PUBLIC": "0",
                                     "MSD_OIDC_PROVIDER": "testidp", "MSD_OIDC_TENANT_IDS": HOME,
                                     "MSD_OIDC_ROLE_MAP": f"{GRIFFIE_GROUP}=griffie",
                                     "MSD_OIDC_EMAIL_ROLES": "baas@gemeente.nl=beheerder",
                                     "MSD_OIDC_ROLE_CLAIMS": "roles,groups,preferred_username"})
    try:
        provider = _start_provider(idp_port, server.page_url("oauth2callback"), client_id, client_secret,
                                   ARTIFACTS / "oidc-provider.log")
    except BaseException:
        stop_server(server.process)
        raise
    yield server, provider
    stop_server(provider.process)
    stop_server(server.process)


@pytest.fixture
def app(oidc_setup) -> AppServer:
    return oidc_setup[0]


@pytest.fixture
def idp(oidc_setup) -> Iterator[Provider]:
    yield oidc_setup[1]
    oidc_setup[1].issue()


def local_context(browser):
    ctx = browser.new_context(viewport={"width": 1300, "height": 900}, locale="nl-NL")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", lambda route: route.continue_() if urllib.parse.urlsplit(route.request.url).hostname
              == "127.0.0.1" else route.abort())
    return ctx


@pytest.fixture
def context(browser, request):
    """A fresh browser (no cookies) that may only talk to 127.0.0.1."""
    ctx = local_context(browser)
    yield ctx
    if getattr(request.node, "report_call", None) is not None and request.node.report_call.failed:
        for i, pg in enumerate(ctx.pages):
            pg.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}-{i}.png"), full_page=True)
    ctx.close()


def _back_at_app(app: AppServer):
    return lambda url: url.startswith(app.url) and "oauth2callback" not in url and "/auth/" not in url


def sign_in(page, app: AppServer, idp: Provider, login: str, *, back: bool = True) -> None:
    """What a person does: the monitor's button, the provider's sign-in page, (back to the monitor)."""
    page.goto(app.url)
    wait_idle(page)
    page.get_by_role("button", name=LOGIN_BUTTON).click()
    page.wait_for_url(idp.url + "/interaction/**")
    page.get_by_label("Gebruikersnaam").fill(login)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    if back:
        page.wait_for_url(_back_at_app(app))
        wait_idle(page)


def signed_in_as(page) -> str | None:
    caption = page.get_by_text(re.compile(r"^Ingelogd als "))  # the sidebar's line, not the no-role notice
    return caption.inner_text() if caption.count() else None


def user_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "_streamlit_user"), None)


def cookie_names(context) -> set[str]:
    return {c["name"] for c in context.cookies()}


def server_log() -> str:
    return (ARTIFACTS / "oidc-server.log").read_text()


def confirm_provider_logout(page, app: AppServer, idp: Provider) -> None:
    page.wait_for_url(idp.url + "/session/end**")
    page.get_by_role("button", name="Ja, uitloggen").click()
    page.wait_for_url(_back_at_app(app))
    wait_idle(page)


def test_a_group_id_gives_its_role_and_signing_out_ends_both_sessions(app, idp, context):
    page = context.new_page()
    sign_in(page, app, idp, "griffier")
    # The group id maps to griffie; "Beheerders" (a display name) gives nothing more.
    assert signed_in_as(page) == "Ingelogd als Gerda Griffier (Griffie)"
    cookie = user_cookie(context)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "_session" in cookie_names(context)  # the provider's own session
    page.get_by_role("button", name="Uitloggen").click()
    confirm_provider_logout(page, app, idp)
    assert user_cookie(context) is None
    assert "_session" not in cookie_names(context)  # ended at the provider too
    assert signed_in_as(page) is None
    assert page.get_by_role("button", name=LOGIN_BUTTON).is_visible()


def test_an_app_role_gives_its_role(app, idp, context):
    page = context.new_page()
    sign_in(page, app, idp, "ambtenaar")
    assert signed_in_as(page) == "Ingelogd als Ali Ambtenaar (Ambtenaar)"


def test_a_verified_email_of_the_own_tenant_maps_and_the_administrator_sees_the_risky_setting(app, idp, context):
    page = context.new_page()
    sign_in(page, app, idp, "baas")
    assert signed_in_as(page) == "Ingelogd als Bea Baas (Beheerder)"
    page.goto(app.page_url("beheer"))
    wait_idle(page)
    warning = page.get_by_text("MSD_OIDC_ROLE_CLAIMS noemt preferred_username")
    assert warning.is_visible()
    assert server_log().count("OIDC: MSD_OIDC_ROLE_CLAIMS names preferred_username") == 1  # once, at the first run


@pytest.mark.parametrize("login", ["groepsnaam", "onbevestigd", "buitenstaander"])
def test_display_names_unverified_or_foreign_addresses_give_no_role(app, idp, context, login):
    page = context.new_page()
    sign_in(page, app, idp, login)
    assert user_cookie(context) is not None  # the provider signed them in; the monitor gives no role
    assert signed_in_as(page) is None
    assert page.get_by_text(f"ingelogd als {USERS[login]['name']}, maar uw account heeft geen rol").is_visible()
    page.goto(app.page_url("beheer"))
    wait_idle(page)
    assert signed_in_as(page) is None and page.get_by_role("button", name=LOGIN_BUTTON).is_visible()


def test_a_forged_or_edited_identity_cookie_is_refused(app, idp, context):
    from itsdangerous import URLSafeTimedSerializer

    page = context.new_page()
    sign_in(page, app, idp, "griffier")
    assert signed_in_as(page) == "Ingelogd als Gerda Griffier (Griffie)"
    genuine = user_cookie(context)
    _, value = URLSafeTimedSerializer("", salt="_streamlit_user").loads_unsafe(genuine["value"])
    claims = json.loads(value)
    as_admin = json.dumps({**claims, "email": "baas@gemeente.nl", "email_verified": True})
    # Signed with a guessed secret, and the genuine signature under an edited payload.
    guessed = URLSafeTimedSerializer("geraden-geheim", salt="_streamlit_user").dumps(as_admin)
    payload = guessed.rsplit(".", 2)[0]
    edited = payload + "." + ".".join(genuine["value"].rsplit(".", 2)[1:])
    for forged in (guessed, edited):
        context.add_cookies([{**genuine, "value": forged}])
        page.goto(app.url)
        wait_idle(page)
        assert signed_in_as(page) is None, forged
        assert page.get_by_role("button", name=LOGIN_BUTTON).is_visible()
    context.add_cookies([genuine])  # the genuine cookie still works: the refusals above were the forgeries
    page.goto(app.url)
    wait_idle(page)
    assert signed_in_as(page) == "Ingelogd als Gerda Griffier (Griffie)"


@pytest.mark.parametrize("token, login, reason", [
    # issued 13 hours ago, valid for 12: expired an hour ago
    ({"offset_seconds": -13 * 3600}, "griffier", "expired"),
    # edited on its way: the claims of an administrator, under the provider's original signature
    ({"tamper": True}, "ambtenaar", "BadSignatureError"),
], ids=["expired", "edited"])
def test_an_expired_or_edited_id_token_is_refused_at_the_callback(app, idp, context, token, login, reason):
    idp.issue(**token)
    log_start = len(server_log())
    page = context.new_page()
    sign_in(page, app, idp, login)
    assert user_cookie(context) is None
    assert signed_in_as(page) is None
    assert page.get_by_role("button", name=LOGIN_BUTTON).is_visible()
    refusal = server_log()[log_start:]
    assert "OAuth token exchange failed" in refusal and reason in refusal, refusal


def test_a_token_older_than_the_session_limit_signs_out(app, idp, context):
    idp.issue(offset_seconds=-11 * 3600)  # still valid at the provider, but older than MSD_SESSION_MAX_HOURS (10)
    page = context.new_page()
    sign_in(page, app, idp, "griffier", back=False)
    # The monitor signs out at once: Streamlit's cookie is removed and the provider asks to sign out.
    page.wait_for_url(idp.url + "/session/end**")
    assert user_cookie(context) is None
    confirm_provider_logout(page, app, idp)
    assert signed_in_as(page) is None


def test_a_copy_of_the_cookie_is_refused_after_signing_out(app, idp, browser, context):
    idp.issue(offset_seconds=-300)  # a token from five minutes ago: clearly before the sign-out below
    page = context.new_page()
    sign_in(page, app, idp, "raadslid")
    copied = [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
    other = local_context(browser)  # where the copy is used: another browser, as a thief would
    try:
        other.add_cookies(copied)
        thief = other.new_page()
        thief.goto(app.url)
        wait_idle(thief)
        assert signed_in_as(thief) == "Ingelogd als Rita Raadslid (Raadslid)"  # until the owner signs out
        page.get_by_role("button", name="Uitloggen").click()
        confirm_provider_logout(page, app, idp)
        thief.reload()
        wait_idle(thief)
        assert signed_in_as(thief) is None
        assert thief.get_by_text("U bent uitgelogd. Log opnieuw in.").is_visible()
    finally:
        other.close()
