"""Sign-in with an OpenID Connect provider through Streamlit's ``st.login`` (e.g. Microsoft Entra ID).

The provider is configured in ``.streamlit/secrets.toml`` (see ``.streamlit/secrets.example.toml``);
``MSD_OIDC_PROVIDER`` switches it on. The role comes, in this order, from

1. the e-mail address in ``MSD_OIDC_EMAIL_ROLES`` (``naam@gemeente.nl=beheerder, ...``);
2. the values of the role or group claims (``MSD_OIDC_ROLE_CLAIMS``, default ``roles,groups``): a value
   that names a role (an Entra app role called ``griffie``) or is mapped in ``MSD_OIDC_ROLE_MAP``
   (``<group object id>=ambtenaar, ...``). Several matches: the role with the most rights wins;
3. ``MSD_OIDC_DEFAULT_ROLE``; when that is empty the person is signed in but gets no access.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from auth.roles import Role, highest, parse_role
from settings import AuthSettings


@dataclass(frozen=True)
class Identity:
    username: str
    display_name: str
    role: Role | None
    issued_at: float | None  # the ID token's iat: the start of the provider session


def enabled(conf: AuthSettings) -> bool:
    return bool(conf.oidc_provider)


def login(conf: AuthSettings) -> None:
    """Send the browser to the provider (Streamlit handles the redirect and the identity cookie)."""
    if conf.oidc_provider in ("", "default"):
        st.login()
    else:
        st.login(conf.oidc_provider)


def logout() -> None:
    st.logout()


def claims() -> dict:
    """The ID token's claims of the signed-in person; empty when nobody is signed in with the provider."""
    try:
        user = st.user
        if not user.get("is_logged_in"):
            return {}
        return {k: user[k] for k in user if k != "tokens"}
    except Exception:  # no secrets, no script context: not signed in
        return {}


def _values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def role_for(claim_values: Mapping, conf: AuthSettings) -> Role | None:
    email = str(claim_values.get("email") or claim_values.get("preferred_username") or "").strip().lower()
    if email and email in conf.oidc_email_roles:
        return Role(conf.oidc_email_roles[email])
    found = []
    for claim in conf.oidc_role_claims:
        for value in _values(claim_values.get(claim)):
            if value in conf.oidc_role_map:
                found.append(conf.oidc_role_map[value])
            elif parse_role(value) is not None:
                found.append(value)
    return highest(found) or parse_role(conf.oidc_default_role)


def identity(claim_values: Mapping, conf: AuthSettings) -> Identity | None:
    if not claim_values:
        return None
    username = str(claim_values.get("email") or claim_values.get("preferred_username")
                   or claim_values.get("sub") or "").strip().lower()
    if not username:
        return None
    name = str(claim_values.get("name") or username)
    iat = claim_values.get("iat")
    try:
        issued = float(iat) if iat is not None else None
    except (TypeError, ValueError):
        issued = None
    return Identity(username=username[:200], display_name=" ".join(name.split())[:200],
                    role=role_for(claim_values, conf), issued_at=issued)


def too_old(ident: Identity, conf: AuthSettings, now: float | None = None) -> bool:
    """Streamlit keeps the identity cookie for 30 days; the monitor asks to sign in again after
    ``MSD_SESSION_MAX_HOURS`` since the provider issued the token."""
    if ident.issued_at is None:
        return False
    return (now or time.time()) - ident.issued_at > conf.session_max_hours * 3600
