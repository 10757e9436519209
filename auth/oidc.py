"""Sign-in with an OpenID Connect provider through Streamlit's ``st.login`` (e.g. Microsoft Entra ID).

The provider is configured in ``.streamlit/secrets.toml`` (see ``.streamlit/secrets.example.toml``);
``MSD_OIDC_PROVIDER`` switches it on. docs/oidc.md explains the settings. A role comes only from
claims that the organisation's administrators control, never from text a person can choose:

1. ``MSD_OIDC_TENANT_IDS`` set: a token of any other tenant (``tid``) gets no role at all;
2. the e-mail address in ``MSD_OIDC_EMAIL_ROLES``, only when the token says ``email_verified: true``
   (Entra ID: ``xms_edov: true``) and, for an Entra ID token, its tenant is one of
   ``MSD_OIDC_TENANT_IDS`` (Entra lets a tenant put any address in ``email``). ``preferred_username``
   is never taken for an e-mail address;
3. the values of ``MSD_OIDC_ROLE_CLAIMS`` (default ``roles,groups``) mapped in ``MSD_OIDC_ROLE_MAP``
   (``<group object id>=ambtenaar``), and app roles: a ``roles`` value that is a role name (an Entra
   app role ``griffie``). A group value is never read as a role name: a group's display name is
   chosen by whoever creates the group. Several matches: the role with the most rights wins;
4. ``MSD_OIDC_DEFAULT_ROLE``; when that is empty the person is signed in but gets no access.

In a region (a release with several member municipalities) the identity is (role, gemeente): the claim
``MSD_OIDC_GEMEENTE_CLAIM`` (default ``gemeente``) holds the member's code (GM1234). A code that is not a
member refuses the sign-in; without the claim only a beheerder or rekenkamer is let in, for the whole
installation. The claim is one the organisation's administrators fill (an extension attribute or an
optional claim), never one of :data:`EDITABLE_CLAIMS`. A single municipality's installation ignores it.

:func:`claim_warnings` lists settings that let too many people in; they are logged at start and shown
to the administrator.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

import streamlit as st

from domain.roles import WHOLE_REGION_ROLES, Role, highest, parse_role
from settings import AuthSettings

log = logging.getLogger(__name__)

APP_ROLE_CLAIM = "roles"
# Claims that the person (or any tenant's administrator) can fill with any text: never a source of a role.
EDITABLE_CLAIMS = frozenset({"email", "preferred_username", "upn", "unique_name", "name", "given_name",
                             "family_name", "nickname", "login_hint"})
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ENTRA_HOSTS = frozenset({"login.microsoftonline.com", "login.microsoftonline.us",
                          "login.partner.microsoftonline.cn", "sts.windows.net"})
_MULTI_TENANT = frozenset({"common", "organizations", "consumers"})


@dataclass(frozen=True)
class Identity:
    username: str
    display_name: str
    role: Role | None
    issued_at: float | None  # the ID token's iat: the start of the provider session
    gemeente: str | None = None  # in a region: the member municipality; None = the whole installation
    refusal: str | None = None   # why this person may not sign in here (Dutch), though a role was found


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
    """The ID token's claims of the signed-in person; empty when nobody is signed in with the provider.
    Streamlit only fills ``st.user`` from its identity cookie when the cookie's signature holds."""
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


def _is_entra(claim_values: Mapping) -> bool:
    return "tid" in claim_values or urlparse(str(claim_values.get("iss") or "")).hostname in _ENTRA_HOSTS


def tenant_trusted(claim_values: Mapping, conf: AuthSettings) -> bool | None:
    """True: the token comes from a configured tenant, or tenants do not apply (not Entra, none set);
    False: another tenant; None: an Entra token while no tenant is configured (origin unchecked)."""
    if conf.oidc_tenant_ids:
        return str(claim_values.get("tid") or "").strip().lower() in conf.oidc_tenant_ids
    return None if _is_entra(claim_values) else True


def _true(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")  # some send text


def verified_email(claim_values: Mapping, conf: AuthSettings) -> str | None:
    """The lower-case e-mail address when the provider vouches for it; otherwise None. Entra ID sends no
    ``email_verified`` for work accounts; its optional claim ``xms_edov`` (the address's domain is
    verified by the tenant) takes its place there, and only counts from a configured tenant."""
    if "email_verified" in claim_values:
        verified = _true(claim_values["email_verified"])
    else:
        verified = _is_entra(claim_values) and _true(claim_values.get("xms_edov"))
    if not verified or tenant_trusted(claim_values, conf) is not True:
        return None
    return str(claim_values.get("email") or "").strip().lower() or None


def role_for(claim_values: Mapping, conf: AuthSettings) -> Role | None:
    if tenant_trusted(claim_values, conf) is False:
        return None
    email = verified_email(claim_values, conf)
    if email and email in conf.oidc_email_roles:
        return Role(conf.oidc_email_roles[email])
    found = []
    for claim in conf.oidc_role_claims:
        if claim.lower() in EDITABLE_CLAIMS:
            continue
        for value in _values(claim_values.get(claim)):
            if value in conf.oidc_role_map:
                found.append(conf.oidc_role_map[value])
            elif claim == APP_ROLE_CLAIM and parse_role(value) is not None:
                found.append(value)
    return highest(found) or parse_role(conf.oidc_default_role)


def member_for(claim_values: Mapping, conf: AuthSettings, role: Role | None,
               members: Sequence[str]) -> tuple[str | None, str | None]:
    """(gemeente, refusal) of a person with ``role`` in an installation of ``members``. A single municipality
    (fewer than two members) has no member scope: (None, None), as before regions existed."""
    codes = [str(m).strip().upper() for m in members or ()]
    if len(codes) < 2 or role is None:
        return None, None
    claim = conf.oidc_gemeente_claim or "gemeente"
    if claim.lower() in EDITABLE_CLAIMS:
        return None, (f"de instelling MSD_OIDC_GEMEENTE_CLAIM noemt {claim}, een veld dat de persoon zelf invult. "
                      "Vraag de beheerder om een claim die uw organisatie vult.")
    values = _values(claim_values.get(claim))
    if not values:
        if role in WHOLE_REGION_ROLES:
            return None, None
        return None, (f"uw account noemt geen gemeente (claim {claim}), en de rol {role.label.lower()} hoort bij "
                      f"één gemeente van de regio ({', '.join(codes)}). Vraag de beheerder om dit in te stellen.")
    found = {v.strip().upper() for v in values}
    if len(found) > 1:
        return None, (f"uw account noemt meer dan één gemeente (claim {claim}: {', '.join(sorted(found))}). "
                      "Vraag de beheerder om er één in te stellen.")
    code = found.pop()
    if code not in codes:
        return None, (f"gemeente {code[:20]} (claim {claim}) hoort niet bij deze monitor; de gemeenten zijn "
                      f"{', '.join(codes)}. Vraag de beheerder om dit na te kijken.")
    return code, None


def identity(claim_values: Mapping, conf: AuthSettings, members: Sequence[str] = ()) -> Identity | None:
    """Who signed in. The user name is the verified e-mail address, else ``oidc:<sub>``: the colon
    cannot occur in a built-in account's name, so a provider account never passes for one. ``members``:
    the release's member municipalities (a region gives the identity a member, see :func:`member_for`)."""
    if not claim_values:
        return None
    sub = "".join(c for c in str(claim_values.get("sub") or "") if c.isprintable()).strip()
    if not sub:
        return None
    username = verified_email(claim_values, conf) or f"oidc:{sub}"
    name = str(claim_values.get("name") or claim_values.get("preferred_username") or username)
    iat = claim_values.get("iat")
    try:
        issued = float(iat) if iat is not None else None
    except (TypeError, ValueError):
        issued = None
    role = role_for(claim_values, conf)
    gemeente, refusal = member_for(claim_values, conf, role, members)
    return Identity(username=username[:200], display_name=" ".join(name.split())[:200],
                    role=role, issued_at=issued, gemeente=gemeente, refusal=refusal)


def too_old(ident: Identity, conf: AuthSettings, now: float | None = None) -> bool:
    """Streamlit keeps the identity cookie for 30 days; the monitor asks to sign in again after
    ``MSD_SESSION_MAX_HOURS`` since the provider issued the token."""
    if ident.issued_at is None:
        return False
    return (now or time.time()) - ident.issued_at > conf.session_max_hours * 3600


# Streamlit keeps no list of sessions, so a copy of its cookie (or another tab) would outlive a sign-out.
# The audit log has one: a sign-out or expiry ends every token the provider issued before it. The margin
# allows for the provider's clock running behind ours when someone signs in again right away.
_ENDING_EVENTS = ("logout", "session_expired")
CLOCK_MARGIN_SECONDS = 30


def signed_out_since_issued(ident: Identity, db=None) -> bool:
    """True when this person signed out, or was signed out, after the provider issued the token."""
    if ident.issued_at is None:
        return False
    if db is None:
        from store.db import shared_database

        db = shared_database()
    after = datetime.fromtimestamp(ident.issued_at + CLOCK_MARGIN_SECONDS, UTC)
    return bool(db.query("SELECT entry_id FROM audit_log WHERE event IN (?, ?) AND at > ? AND username = ? LIMIT 1",
                         (*_ENDING_EVENTS, after.isoformat(timespec="microseconds"), ident.username)))


# ------------------------------------------------------------------------------------------------
# Risky settings
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimWarning:
    nl: str  # for the administrator, in the app
    en: str  # for the server log


def metadata_url(conf: AuthSettings) -> str:
    """The provider's ``server_metadata_url`` from secrets.toml; "" when it cannot be read."""
    try:
        auth = st.secrets.get("auth") or {}
        section = auth if conf.oidc_provider == "default" else (auth.get(conf.oidc_provider) or {})
        return str(section.get("server_metadata_url") or "")
    except Exception:  # no secrets.toml: st.login will say so when someone signs in
        return ""


def _display_name_like(key: str, entra: bool) -> bool:
    # Entra puts object ids (GUIDs) in the groups claim; a role name or a text with spaces is a name.
    return parse_role(key) is not None or any(c.isspace() for c in key) or (entra and not _GUID.match(key))


def claim_warnings(conf: AuthSettings, metadata: str) -> list[ClaimWarning]:
    """Settings under which people outside the municipality, or a person's own text, could give a role."""
    if not enabled(conf):
        return []
    url = urlparse(metadata)
    entra = (url.hostname or "").lower() in _ENTRA_HOSTS
    multi_tenant = entra and bool({s.lower() for s in url.path.split("/")} & _MULTI_TENANT)
    found: list[ClaimWarning] = []
    if multi_tenant and not conf.oidc_tenant_ids:
        found.append(ClaimWarning(
            "Inloggen loopt via een Entra-adres voor alle organisaties (common of organizations), maar "
            "MSD_OIDC_TENANT_IDS is leeg. Dan ligt niet vast uit welke organisatie iemand komt: iedereen met een "
            "Microsoft-account kan inloggen, en de beheerder van een andere organisatie kan zijn mensen een "
            "app-rol geven. Zet MSD_OIDC_TENANT_IDS op de tenant-id van de gemeente.",
            "server_metadata_url is a multi-tenant Entra ID endpoint and MSD_OIDC_TENANT_IDS is empty: nothing "
            "fixes the tenant, so any Microsoft account may sign in and another tenant's administrator can assign "
            "app roles. Set MSD_OIDC_TENANT_IDS to the municipality's tenant id."))
        if conf.oidc_default_role:
            found.append(ClaimWarning(
                f"MSD_OIDC_DEFAULT_ROLE geeft iedereen met een Microsoft-account de rol {conf.oidc_default_role}.",
                f"MSD_OIDC_DEFAULT_ROLE gives every Microsoft account the role {conf.oidc_default_role}."))
    if entra and conf.oidc_email_roles and not conf.oidc_tenant_ids:
        found.append(ClaimWarning(
            "MSD_OIDC_EMAIL_ROLES werkt niet: een e-mailadres uit Entra ID telt pas als MSD_OIDC_TENANT_IDS is "
            "ingesteld, want elke tenant kan elk adres in het e-mailveld zetten. Gebruik liever groepen of app-rollen.",
            "MSD_OIDC_EMAIL_ROLES is ignored: an Entra ID e-mail address counts only when MSD_OIDC_TENANT_IDS is "
            "set, because any tenant can put any address in the email claim. Prefer groups or app roles."))
    for key in conf.oidc_role_map:
        if _display_name_like(key, entra):
            found.append(ClaimWarning(
                f"MSD_OIDC_ROLE_MAP: '{key}' lijkt een naam, geen object-id. Een groepsnaam kiest wie de groep "
                "maakt; gebruik de object-id van de groep (of een app-rol met de naam van de rol).",
                f"MSD_OIDC_ROLE_MAP: '{key}' looks like a name, not an object id. Whoever creates a group picks "
                "its name; use the group's object id (or an app role named after the role)."))
    editable = sorted(c for c in conf.oidc_role_claims if c.lower() in EDITABLE_CLAIMS)
    if editable:
        found.append(ClaimWarning(
            f"MSD_OIDC_ROLE_CLAIMS noemt {', '.join(editable)}: die vult de persoon zelf in, dus de monitor "
            "haalt er geen rol uit.",
            f"MSD_OIDC_ROLE_CLAIMS names {', '.join(editable)}: a person fills these in, so they never give a role."))
    if (conf.oidc_gemeente_claim or "").lower() in EDITABLE_CLAIMS:
        found.append(ClaimWarning(
            f"MSD_OIDC_GEMEENTE_CLAIM noemt {conf.oidc_gemeente_claim}: dat vult de persoon zelf in. In een regio kan "
            "dan niemand van één gemeente inloggen; kies een claim die de organisatie vult.",
            f"MSD_OIDC_GEMEENTE_CLAIM names {conf.oidc_gemeente_claim}, which a person fills in: in a region nobody "
            "of one member can sign in; choose a claim the organisation fills."))
    odd = [t for t in conf.oidc_tenant_ids if not _GUID.match(t)]
    if odd:
        found.append(ClaimWarning(
            f"MSD_OIDC_TENANT_IDS: {', '.join(odd)} is geen tenant-id (die ziet eruit als "
            "00000000-0000-0000-0000-000000000000); niemand uit die tenant krijgt een rol.",
            f"MSD_OIDC_TENANT_IDS: {', '.join(odd)} is not a tenant id (a GUID); nobody gets a role through it."))
    return found


_LOGGED: set[tuple[ClaimWarning, ...]] = set()


def startup_warnings(conf: AuthSettings) -> list[ClaimWarning]:
    """The risky settings; logged once per process (the first run after the server starts)."""
    if not enabled(conf):
        return []
    found = claim_warnings(conf, metadata_url(conf))
    if tuple(found) not in _LOGGED:
        _LOGGED.add(tuple(found))
        for warning in found:
            log.warning("OIDC: %s / %s", warning.en, warning.nl)
    return found
