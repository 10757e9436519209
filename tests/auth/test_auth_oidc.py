"""Sign-in with an OpenID Connect provider: role mapping, and the app with a faked ``st.user``."""

from __future__ import annotations

import time

import pytest
import streamlit as st

import settings
from auth import oidc
from domain.roles import Role
from store import audit
from tests.auth.conftest import all_text, new_app, open_url, run


def conf(**env) -> settings.AuthSettings:
    return settings.AuthSettings(oidc_provider="entra", **env)


HOME = "11111111-2222-3333-4444-555555555555"
FOREIGN = "99999999-8888-7777-6666-555555555555"
GROUP = "0d1e0000-0000-4000-8000-00000000a001"
MAPPED = conf(oidc_role_map={GROUP: "ambtenaar", "g-raad": "raadslid"},
              oidc_email_roles={"wethouder@gemeente.nl": "beheerder"})
ENTRA = conf(oidc_role_map={GROUP: "ambtenaar"}, oidc_email_roles={"wethouder@gemeente.nl": "beheerder"},
             oidc_tenant_ids=(HOME,))


@pytest.mark.parametrize("claims,expected", [
    ({"email": "Wethouder@Gemeente.nl", "email_verified": True}, Role.BEHEERDER),   # e-mail mapping, any case
    ({"email": "wethouder@gemeente.nl", "email_verified": "true"}, Role.BEHEERDER),  # some providers send text
    ({"email": "wethouder@gemeente.nl"}, None),                                     # not verified: no mapping
    ({"email": "wethouder@gemeente.nl", "email_verified": False}, None),
    ({"email": "wethouder@gemeente.nl", "email_verified": "false"}, None),
    ({"preferred_username": "wethouder@gemeente.nl", "email_verified": True}, None),  # never stands in for email
    ({"email": "x@gemeente.nl", "roles": ["griffie"]}, Role.GRIFFIE),               # an app role named after a role
    ({"email": "x@gemeente.nl", "groups": [GROUP]}, Role.AMBTENAAR),                # a mapped group id
    ({"email": "x@gemeente.nl", "groups": ["beheerder", "Griffie"]}, None),         # group display names: nothing
    ({"email": "x@gemeente.nl", "groups": ["g-raad", GROUP], "roles": "Griffie"}, Role.AMBTENAAR),  # most rights
    ({"email": "x@gemeente.nl", "groups": ["g-onbekend"]}, None),                  # nothing maps: no access
    ({"email": "x@gemeente.nl", "roles": "burgemeester"}, None),
])
def test_roles_come_from_a_verified_email_then_group_ids_and_app_roles(claims, expected):
    assert oidc.role_for(claims, MAPPED) is expected


@pytest.mark.parametrize("claims,expected", [
    ({"tid": HOME, "email": "wethouder@gemeente.nl", "email_verified": True}, Role.BEHEERDER),
    ({"tid": HOME.upper(), "email": "wethouder@gemeente.nl", "email_verified": True}, Role.BEHEERDER),
    ({"tid": FOREIGN, "email": "wethouder@gemeente.nl", "email_verified": True}, None),   # another tenant
    ({"tid": HOME, "email": "wethouder@gemeente.nl", "xms_edov": True}, Role.BEHEERDER),  # Entra's own flag
    ({"tid": HOME, "email": "wethouder@gemeente.nl", "xms_edov": False}, None),
    ({"tid": HOME, "email": "wethouder@gemeente.nl"}, None),
    ({"tid": HOME, "email": "wethouder@gemeente.nl", "email_verified": False, "xms_edov": True}, None),
    ({"tid": FOREIGN, "email": "wethouder@gemeente.nl", "xms_edov": True}, None),
    ({"email": "wethouder@gemeente.nl", "email_verified": True}, None),                   # no tid at all
    ({"tid": HOME, "groups": [GROUP]}, Role.AMBTENAAR),
    ({"tid": FOREIGN, "groups": [GROUP]}, None),
    ({"tid": FOREIGN, "roles": ["beheerder"]}, None),  # a foreign tenant's admin can assign our app roles
    ({"tid": HOME, "roles": ["beheerder"]}, Role.BEHEERDER),
])
def test_with_tenants_configured_only_their_people_get_a_role(claims, expected):
    assert oidc.role_for(claims, ENTRA) is expected


def test_an_entra_token_without_configured_tenants_keeps_groups_but_not_the_email_mapping():
    no_tenant = conf(oidc_role_map={GROUP: "ambtenaar"}, oidc_email_roles={"wethouder@gemeente.nl": "beheerder"})
    email = {"email": "wethouder@gemeente.nl", "email_verified": True}
    assert oidc.role_for(email, no_tenant) is Role.BEHEERDER  # not an Entra token
    assert oidc.role_for({**email, "tid": HOME}, no_tenant) is None
    assert oidc.role_for({**email, "iss": "https://login.microsoftonline.com/x/v2.0"}, no_tenant) is None
    assert oidc.role_for({**email, "tid": HOME, "groups": [GROUP]}, no_tenant) is Role.AMBTENAAR
    assert oidc.role_for({"email": "wethouder@gemeente.nl", "xms_edov": True}, no_tenant) is None  # Entra-only


def test_claims_a_person_fills_in_never_give_a_role():
    c = conf(oidc_role_claims=("roles", "name", "preferred_username"), oidc_role_map={"Beheer Team": "beheerder"})
    assert oidc.role_for({"name": "Beheer Team", "preferred_username": "beheerder"}, c) is None
    assert oidc.role_for({"roles": ["Beheer Team"]}, c) is Role.BEHEERDER  # the same value in a trusted claim


def test_a_default_role_applies_when_nothing_maps_but_not_to_another_tenant():
    assert oidc.role_for({"email": "x@y.nl"}, conf(oidc_default_role="raadslid")) is Role.RAADSLID
    c = conf(oidc_default_role="raadslid", oidc_tenant_ids=(HOME,))
    assert oidc.role_for({"tid": HOME}, c) is Role.RAADSLID
    assert oidc.role_for({"tid": FOREIGN}, c) is None


def test_the_user_name_is_the_verified_email_else_the_subject():
    c = conf(oidc_default_role="raadslid")
    assert oidc.identity({"sub": "s1", "email": "A@B.nl", "email_verified": True, "name": "A  B", "iat": 5},
                         c) == oidc.Identity("a@b.nl", "A B", Role.RAADSLID, 5.0)
    # An unverified address or a preferred_username could name a built-in account ("beheer"): never used.
    assert oidc.identity({"sub": "s2", "email": "beheer", "preferred_username": "u@b.nl"}, c) == oidc.Identity(
        "oidc:s2", "u@b.nl", Role.RAADSLID, None)
    foreign = conf(oidc_tenant_ids=(HOME,))
    assert oidc.identity({"sub": "s3", "tid": FOREIGN, "email": "a@b.nl", "email_verified": True},
                         foreign).username == "oidc:s3"
    assert oidc.identity({"email": "a@b.nl", "email_verified": True}, c) is None  # no subject: not an ID token
    assert oidc.identity({}, c) is None


ENTRA_URL = f"https://login.microsoftonline.com/{HOME}/v2.0/.well-known/openid-configuration"
COMMON_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
GENERIC_URL = "https://sso.gemeente.nl/realms/monitor/.well-known/openid-configuration"


def test_safe_settings_give_no_warning():
    assert oidc.claim_warnings(conf(oidc_role_map={GROUP: "griffie"}, oidc_tenant_ids=(HOME,),
                                    oidc_email_roles={"a@b.nl": "beheerder"}), COMMON_URL) == []
    assert oidc.claim_warnings(conf(oidc_role_map={"/monitor/griffie": "griffie"},
                                    oidc_email_roles={"a@b.nl": "beheerder"}), GENERIC_URL) == []
    assert oidc.claim_warnings(settings.AuthSettings(oidc_role_map={"beheerder": "beheerder"}), COMMON_URL) == []


@pytest.mark.parametrize("c,url,expected", [
    (conf(), COMMON_URL, ["iedereen met een Microsoft-account"]),
    (conf(oidc_default_role="raadslid"), COMMON_URL, ["iedereen met een Microsoft-account", "de rol raadslid"]),
    (conf(oidc_email_roles={"a@b.nl": "beheerder"}), ENTRA_URL, ["MSD_OIDC_EMAIL_ROLES werkt niet"]),
    (conf(oidc_role_map={"Griffie medewerkers": "griffie"}), GENERIC_URL, ["'Griffie medewerkers' lijkt een naam"]),
    (conf(oidc_role_map={"beheerder": "beheerder"}), GENERIC_URL, ["'beheerder' lijkt een naam"]),
    (conf(oidc_role_map={"sg-griffie": "griffie"}, oidc_tenant_ids=(HOME,)), ENTRA_URL, ["'sg-griffie' lijkt"]),
    (conf(oidc_role_claims=("roles", "preferred_username")), GENERIC_URL, ["noemt preferred_username"]),
    (conf(oidc_tenant_ids=("gemeente.onmicrosoft.com",)), ENTRA_URL, ["gemeente.onmicrosoft.com is geen tenant-id"]),
])
def test_risky_settings_are_named(c, url, expected):
    found = oidc.claim_warnings(c, url)
    assert len(found) == len(expected)
    for warning, text in zip(found, expected, strict=True):
        assert text in warning.nl and warning.en


def test_the_warnings_are_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(oidc, "metadata_url", lambda c: COMMON_URL)
    monkeypatch.setattr(oidc, "_LOGGED", set())
    with caplog.at_level("WARNING", logger="auth.oidc"):
        assert len(oidc.startup_warnings(conf())) == 1
        assert len(oidc.startup_warnings(conf())) == 1
    assert len(caplog.records) == 1  # English and Dutch in one line
    assert "multi-tenant Entra ID endpoint" in caplog.text and "voor alle organisaties" in caplog.text
    assert oidc.startup_warnings(settings.AuthSettings()) == []


def test_settings_read_the_mappings_and_refuse_unknown_roles(monkeypatch):
    monkeypatch.setenv("MSD_OIDC_PROVIDER", "entra")
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "0d1e-group=griffie; 77aa-group = Ambtenaar")
    monkeypatch.setenv("MSD_OIDC_EMAIL_ROLES", "Anna@Gemeente.nl=beheerder")
    monkeypatch.setenv("MSD_OIDC_ROLE_CLAIMS", "wids")
    monkeypatch.setenv("MSD_OIDC_TENANT_IDS", f"{HOME.upper()}, {FOREIGN}")
    loaded = settings.load_auth()
    assert loaded.oidc_tenant_ids == (HOME, FOREIGN)
    assert loaded.oidc_role_map == {"0d1e-group": "griffie", "77aa-group": "ambtenaar"}
    assert loaded.oidc_email_roles == {"anna@gemeente.nl": "beheerder"}
    assert loaded.oidc_role_claims == ("wids",)
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "group=burgemeester")
    with pytest.raises(SystemExit, match="unknown role"):
        settings.load_auth()
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "zonder-rol")
    with pytest.raises(SystemExit, match="key=role"):
        settings.load_auth()


# ------------------------------------------------------------------------------------------------
# The app with a faked st.user (AppTest.user feeds st.user the way Streamlit's identity cookie does)
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def provider(app, monkeypatch) -> dict:
    """OIDC switched on; st.login and st.logout replaced by spies (there is no real provider in a test)."""
    monkeypatch.setenv("MSD_OIDC_PROVIDER", "entra")
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "grp-griffie=griffie")
    monkeypatch.setenv("MSD_OIDC_EMAIL_ROLES", "baas@gemeente.nl=beheerder")
    calls = {"login": [], "logout": 0}
    monkeypatch.setattr(st, "login", lambda provider=None: calls["login"].append(provider))

    def logout():
        calls["logout"] += 1

    monkeypatch.setattr(st, "logout", logout)
    return calls


def person(email: str, **claims) -> dict:
    return {"is_logged_in": True, "email": email, "email_verified": True, "name": "Test Persoon", "sub": "sub-" + email,
            "iat": int(time.time()) - 60, "exp": int(time.time()) + 3000, **claims}


def app_as(user: dict | None):
    at = new_app()
    if user is not None:
        at.user = user
    return run(at)


def test_the_login_button_starts_the_provider_flow(provider):
    at = open_url(app_as({"is_logged_in": False}), "inloggen")
    next(b for b in at.button if b.label == "Inloggen met uw organisatie-account").click()
    run(at)
    assert provider["login"] == ["entra"]
    assert [t.label for t in at.main.text_input] == ["Gebruikersnaam", "Wachtwoord"]  # built-in accounts stay possible


def test_a_group_claim_gives_the_role(provider, nav_log):
    at = app_as(person("griffier@gemeente.nl", groups=["grp-griffie", "other"]))
    assert at.session_state["role"] == "griffie" and at.session_state["user"] == "griffier@gemeente.nl"
    assert "Accounts en logboek" not in {t for t, v in nav_log[-1]["pages"].items() if v == "visible"}
    open_url(at, "beheer")
    assert "U heeft geen toegang tot deze pagina" in all_text(at)
    logins = audit.entries(role="beheerder", event="login")
    assert [(e["username"], e["role"]) for e in logins] == [("griffier@gemeente.nl", "griffie")]
    assert logins[0]["detail"].startswith("via entra")


def test_an_email_mapping_gives_the_administrator_role(provider):
    at = open_url(app_as(person("Baas@Gemeente.nl")), "beheer")
    assert at.session_state["role"] == "beheerder"
    assert at.tabs and "U heeft geen toegang" not in all_text(at)


def test_one_provider_sign_in_is_one_audit_entry_across_tabs(provider):
    user = person("griffier@gemeente.nl", groups=["grp-griffie"])
    app_as(user)
    app_as(user)  # a second tab: a new Streamlit session with the same identity cookie
    assert len(audit.entries(role="beheerder", event="login")) == 1


def test_a_person_without_a_role_gets_no_access(provider, monkeypatch):
    monkeypatch.setenv("MSD_PUBLIC", "0")
    at = app_as(person("onbekend@gemeente.nl", groups=["grp-iets-anders"]))
    assert "role" not in at.session_state
    assert "heeft geen rol in de monitor" in all_text(at)
    assert not at.metric
    failed = audit.entries(role="beheerder", event="login_failed")
    assert [e["username"] for e in failed] == ["onbekend@gemeente.nl"]


def test_an_old_provider_token_asks_to_sign_in_again(provider):
    user = person("griffier@gemeente.nl", groups=["grp-griffie"])
    user["iat"] = int(time.time()) - 11 * 3600  # default maximum: 10 hours
    at = app_as(user)
    assert provider["logout"] == 1
    assert "role" not in at.session_state


def test_signing_out_also_signs_out_at_the_provider(provider):
    at = app_as(person("griffier@gemeente.nl", groups=["grp-griffie"]))
    next(b for b in at.sidebar.button if b.label == "Uitloggen").click()
    run(at)
    assert provider["logout"] == 1
    assert [e["event"] for e in audit.entries(role="beheerder")][:2] == ["logout", "login"]


def test_without_a_provider_setting_st_user_is_ignored(app):
    at = app_as(person("baas@gemeente.nl"))
    assert "role" not in at.session_state


def test_a_provider_that_is_not_configured_gives_a_message(app, monkeypatch):
    monkeypatch.setenv("MSD_OIDC_PROVIDER", "entra")  # but no secrets.toml: st.login itself refuses

    def refuse(provider=None):
        raise RuntimeError("no [auth] section")

    monkeypatch.setattr(st, "login", refuse)
    at = open_url(app_as(None), "inloggen")
    next(b for b in at.button if b.label == "Inloggen met uw organisatie-account").click()
    run(at)
    assert any("niet goed ingesteld" in e.value for e in at.error)


def test_the_administrator_sees_risky_settings_on_the_accounts_page(provider, monkeypatch):
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "grp-griffie=griffie, Team Beheer=beheerder")
    at = open_url(app_as(person("baas@gemeente.nl")), "beheer")
    assert [w.value[:40] for w in at.warning] == ["MSD_OIDC_ROLE_MAP: 'Team Beheer' lijkt e"]
    griffie = open_url(app_as(person("griffier@gemeente.nl", groups=["grp-griffie"])), "beheer")
    assert not griffie.warning and "U heeft geen toegang" in all_text(griffie)


def test_the_sign_in_route_can_load_its_oauth_client():
    # Streamlit's /auth/login imports Authlib's Starlette client, which needs httpx (streamlit[auth]).
    from authlib.integrations.starlette_client import OAuth

    assert OAuth


def test_signing_out_ends_every_token_issued_before_it(provider):
    """A copy of the identity cookie, or a second tab, must not outlive the sign-out."""
    user = person("griffier@gemeente.nl", groups=["grp-griffie"])
    user["iat"] = int(time.time()) - 600
    at = app_as(user)
    copy = app_as(user)  # the same cookie in another tab (or another browser)
    assert copy.session_state["role"] == "griffie"
    next(b for b in at.sidebar.button if b.label == "Uitloggen").click()
    run(at)
    assert "role" not in app_as(user).session_state  # a new session with the old cookie
    run(copy)  # the tab that stayed open, at its next click
    assert "role" not in copy.session_state
    assert any("U bent uitgelogd" in i.value for i in open_url(copy, "inloggen").info)
    fresh = {**user, "iat": int(time.time())}  # signing in again gives a new token
    assert app_as(fresh).session_state["role"] == "griffie"



def test_a_sign_out_ends_tokens_issued_before_it_with_a_margin_for_the_provider_clock(provider):
    audit.record("logout", "a@b.nl", role=Role.GRIFFIE)
    now = time.time()

    def ended(username: str, issued: float | None) -> bool:
        return oidc.signed_out_since_issued(oidc.Identity(username, "A", Role.GRIFFIE, issued))

    assert ended("a@b.nl", now - 100)
    assert not ended("a@b.nl", now - 10)      # within the margin: the provider's clock may run behind
    assert not ended("a@b.nl", now + 5)       # issued after the sign-out
    assert not ended("b@b.nl", now - 100)     # someone else signed out
    assert not ended("a@b.nl", None)
    audit.record("login", "c@b.nl", role=Role.GRIFFIE)
    assert not ended("c@b.nl", now - 100)     # only a sign-out or an expiry ends a token
