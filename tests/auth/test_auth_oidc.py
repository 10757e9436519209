"""Sign-in with an OpenID Connect provider: role mapping, and the app with a faked ``st.user``."""

from __future__ import annotations

import time

import pytest
import streamlit as st

import settings
from auth import audit, oidc
from auth.roles import Role
from tests.auth.conftest import all_text, new_app, open_url, run


def conf(**env) -> settings.AuthSettings:
    return settings.AuthSettings(oidc_provider="entra", **env)


@pytest.mark.parametrize("claims,expected", [
    ({"email": "Wethouder@Gemeente.nl"}, Role.BEHEERDER),                        # e-mail mapping, any case
    ({"email": "x@gemeente.nl", "roles": ["griffie"]}, Role.GRIFFIE),              # an app role named after a role
    ({"email": "x@gemeente.nl", "groups": ["g-amb"]}, Role.AMBTENAAR),             # a mapped group id
    ({"email": "x@gemeente.nl", "groups": ["g-raad", "g-amb"], "roles": "Griffie"}, Role.AMBTENAAR),  # most rights
    ({"email": "x@gemeente.nl", "groups": ["g-onbekend"]}, None),                 # nothing maps: no access
    ({"email": "x@gemeente.nl", "roles": "burgemeester"}, None),
])
def test_roles_come_from_email_mapping_then_claims(claims, expected):
    c = conf(oidc_role_map={"g-amb": "ambtenaar", "g-raad": "raadslid"},
             oidc_email_roles={"wethouder@gemeente.nl": "beheerder"})
    assert oidc.role_for(claims, c) is expected


def test_a_default_role_applies_when_nothing_maps():
    assert oidc.role_for({"email": "x@y.nl"}, conf(oidc_default_role="raadslid")) is Role.RAADSLID


def test_the_identity_uses_email_then_preferred_username_then_sub():
    c = conf(oidc_default_role="raadslid")
    assert oidc.identity({"email": "A@B.nl", "name": "A  B", "iat": 5}, c) == oidc.Identity("a@b.nl", "A B",
                                                                                            Role.RAADSLID, 5.0)
    assert oidc.identity({"preferred_username": "u@b.nl"}, c).username == "u@b.nl"
    assert oidc.identity({"sub": "abc"}, c).username == "abc"
    assert oidc.identity({}, c) is None


def test_settings_read_the_mappings_and_refuse_unknown_roles(monkeypatch):
    monkeypatch.setenv("MSD_OIDC_PROVIDER", "entra")
    monkeypatch.setenv("MSD_OIDC_ROLE_MAP", "0d1e-group=griffie; 77aa-group = Ambtenaar")
    monkeypatch.setenv("MSD_OIDC_EMAIL_ROLES", "Anna@Gemeente.nl=beheerder")
    monkeypatch.setenv("MSD_OIDC_ROLE_CLAIMS", "wids")
    loaded = settings.load_auth()
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
    return {"is_logged_in": True, "email": email, "name": "Test Persoon", "sub": "sub-" + email,
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
    assert [t.label for t in at.text_input] == ["Gebruikersnaam", "Wachtwoord"]  # built-in accounts stay possible


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
