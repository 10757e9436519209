"""Who is looking: sign-in and sign-out, the role of the current session, and session expiry.

A password sign-in is a browser session (``store.session_token``): an HttpOnly cookie whose token the
``web_sessions`` table knows. :func:`enforce` reads the cookie of the websocket connected now at EVERY
run and takes the identity from that table (idle and maximum time, a disabled account, a new password,
a new role, a demo account on real data are all checked there). A websocket that names someone else's
session id carries no such cookie, so it gets no identity. A reload or a new tab sends the cookie
again and stays signed in; sign-out deletes the row, which ends the session in every tab.

For the rest of the run the identity is in ``st.session_state``: ``role`` and ``user`` (read by
:func:`current_role` / :func:`current_user`, which every write path passes to
``domain.roles.require``) plus a record under ``_msd_auth``. Only this module writes them; no widget may
use these keys, so a browser cannot set them. A session without that record is anonymous.

The router (``app.py``) calls :func:`enforce` once per run before it builds the navigation. The forms
and page guards that show all this are in ``components.sign_in``.
"""

from __future__ import annotations

import hmac
import time

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import get_script_run_ctx

import settings
from auth import oidc, web
from domain.roles import Role, can, parse_role
from settings import AuthSettings
from store import audit, session_token
from store.accounts import AccountStore, LoginFailed
from store.db import shared_database
from store.markdown import escape_text
from warehouse.releases import current_release

AUTH_KEY = "_msd_auth"
NOTICE_KEY = "_msd_auth_notice"
_DEMO_CHECKED = "_msd_demo_checked"
_NO_ROLE_SEEN = "_msd_oidc_no_role"


def _clock() -> float:
    """Seconds since the epoch (replaced in tests of session expiry)."""
    return time.time()


def _conf() -> AuthSettings:
    return settings.load_auth()


def accounts(conf: AuthSettings | None = None) -> AccountStore:
    conf = conf or _conf()
    return AccountStore(shared_database(), lockout_attempts=conf.lockout_attempts, lockout_minutes=conf.lockout_minutes)


def _browser_cookie() -> str | None:
    """The session cookie of the websocket connected now (AppTest has no browser: its tests replace this)."""
    return st.context.cookies.get(session_token.COOKIE_NAME)


def _redirect(url: str) -> None:
    """Send the browser to ``url`` on this site, the way ``st.login`` sends it to the provider."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        msg = ForwardMsg()
        msg.auth_redirect.url = url
        ctx.enqueue(msg)


def _client_address(conf: session_token.SessionSettings) -> str:
    return session_token.client_address(st.context.headers, st.context.ip_address, conf.trusted_proxy_header)


# ------------------------------------------------------------------------------------------------
# Who is looking
# ------------------------------------------------------------------------------------------------


def _held_role() -> str | None:
    """The role in the session state, but only while the websocket connected now belongs to the browser
    that signed in. :func:`enforce` checks that at the start of a run; this repeats the (cheap) check at
    every read, so code that runs before the router (a widget callback) cannot act on a taken-over session."""
    auth = st.session_state.get(AUTH_KEY)
    if not auth:  # no sign-in record: anonymous, whatever else the session state holds
        return None
    if auth.get("method") == "password" and not hmac.compare_digest(
            str(auth.get("browser", "")), session_token.fingerprint(_browser_cookie())):
        return None
    return auth.get("role")


def current_role() -> Role:
    """The signed-in role; an anonymous reader of a public monitor reads as a council member."""
    return parse_role(_held_role()) or Role.RAADSLID


def member_scope() -> str | None:
    """The member municipality the signed-in account belongs to (its writes, and in a region what it reads),
    or None for an account of the whole installation and for an anonymous reader."""
    if not _held_role():
        return None
    return (st.session_state.get(AUTH_KEY) or {}).get("gemeente") or None


def current_user() -> str:
    if not _held_role():
        return "bezoeker"
    return str(st.session_state[AUTH_KEY]["user"])


def page_for(action: str, title: str, refusal: str) -> tuple[Role, str]:
    """A page for those who may do ``action``: its title, and for anyone else only ``refusal`` (checked on the
    server, so a page reached by its URL refuses too). Returns the signed-in role and user."""
    role = current_role()
    st.title(title)
    if not can(role, action):
        st.error(refusal)
        st.stop()
    return role, current_user()


def display_name() -> str:
    auth = st.session_state.get(AUTH_KEY) or {}
    return str(auth.get("name") or current_user())


def is_signed_in() -> bool:
    return parse_role(_held_role()) is not None


def may_read(conf: AuthSettings | None = None) -> bool:
    """Published content is open to a signed-in person, and to everyone on a public monitor."""
    return is_signed_in() or (conf or _conf()).public_read


def _start(username: str, name: str, role: Role, method: str, *, gemeente: str | None = None, **extra) -> None:
    """The identity of this session: (role, gemeente), gemeente None for the whole installation."""
    now = _clock()
    st.session_state["role"] = role.value
    st.session_state["user"] = username
    st.session_state[AUTH_KEY] = {"user": username, "name": name, "role": role.value, "method": method,
                                  "gemeente": gemeente or None, "signed_in_at": now, "last_seen": now, **extra}


def _clear() -> None:
    for key in ("role", "user", AUTH_KEY):
        st.session_state.pop(key, None)


def sign_in_with_password(username: str, password: str, next_path: str = "/") -> None:
    """Check name and password (rate limit per address, lock-out and audit included), then send the browser
    to collect its new session cookie (it comes back at ``next_path``); raises LoginFailed."""
    conf = _conf()
    if not conf.password_login:
        raise LoginFailed("Inloggen met een wachtwoord staat uit. Gebruik de knop om in te loggen met uw "
                          "organisatie-account.")
    limits = session_token.load_settings()
    if not session_token.sign_in_limiter(limits).allow(_client_address(limits)):
        audit.record("login_failed", (username or "").strip().lower()[:200] or "(leeg)", "te veel pogingen vanaf "
                     "één adres")
        raise LoginFailed("Er is vanaf uw adres te vaak geprobeerd in te loggen. "
                          f"Wacht {limits.sign_in_window_minutes} minuten en probeer het dan opnieuw.")
    browser = session_token.valid_cookie(_browser_cookie())
    if browser is None:
        raise LoginFailed("Inloggen lukt niet: uw browser stuurt geen cookie mee. Sta cookies toe voor deze site en "
                          "laad de pagina opnieuw.")
    account = accounts(conf).authenticate(username, password, allow_demo=_is_demo_warehouse())
    code = session_token.default_store().grant(browser, account.username, account.password_changed_at, next_path)
    _redirect(web.grant_url(code))


def sign_out(event: str = "logout", detail: str = "", notice: str | None = None) -> str | None:
    """End the session (audited). For an OIDC session the provider's cookie is removed as well, which
    sends the browser away; returns the method of the session that ended."""
    auth = st.session_state.get(AUTH_KEY) or {}
    if is_signed_in():
        audit.record(event, current_user(), detail, role=current_role())
    if auth.get("method") == "password":
        # Every tab of this browser is signed out at its next run.
        session_token.default_store().revoke(_browser_cookie())
    _clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if auth.get("method") == "oidc":
        oidc.logout()
    return auth.get("method")


# ------------------------------------------------------------------------------------------------
# The router's checks
# ------------------------------------------------------------------------------------------------


def enforce(wh) -> None:
    """Run by the router before anything is shown. May stop the script (demo accounts in a real setup)."""
    conf = _conf()
    _bind_browser_session(conf, wh)  # first: a demo account's session ends before the demo guard stops the app
    _demo_guard(wh)
    oidc.startup_warnings(conf)
    _adopt_oidc(conf, wh)
    _check_expiry(conf)


def _demo_guard(wh) -> None:
    if st.session_state.get(_DEMO_CHECKED) == wh.release.id:  # checked again when a new release is out
        return
    store = accounts()
    if wh.is_demo:
        store.ensure_demo_accounts(getattr(wh, "members", None) or ())
    else:
        active = store.active_demo_accounts()
        if active:
            st.error("De monitor start niet: de demo-accounts " + ", ".join(active) + " staan nog aan, met "
                     "wachtwoorden die in de README staan. Maak eerst een eigen beheerder aan "
                     "(`python -m auth add NAAM --role beheerder`) en zet de demo-accounts uit "
                     "(`python -m auth disable-demo`).")
            st.stop()
    st.session_state[_DEMO_CHECKED] = wh.release.id


# Why a browser session ended: (audit detail, what the person reads).
def _ended_texts(conf: AuthSettings) -> dict[str, tuple[str, str]]:
    return {
        "idle": (f"na {conf.session_idle_minutes} minuten zonder activiteit",
                 f"U bent automatisch uitgelogd omdat u {conf.session_idle_minutes} minuten niets heeft gedaan. "
                 "Log opnieuw in."),
        "max": (f"na {conf.session_max_hours} uur", f"U was langer dan {conf.session_max_hours} uur ingelogd. "
                "Log opnieuw in."),
        "disabled": ("account uitgeschakeld", "Uw account is uitgeschakeld."),
        "password": ("wachtwoord gewijzigd", "Uw wachtwoord is gewijzigd. Log opnieuw in."),
        "member": ("de gemeente van het account hoort niet bij deze monitor",
                   "Uw account hoort bij een gemeente die niet bij deze monitor hoort. Vraag de beheerder om dit na "
                   "te kijken."),
        "demo": ("demo-account op een release met echte gegevens",
                 "Demo-accounts werken niet meer: de monitor toont nu echte gegevens. Log in met uw eigen account."),
    }


def _foreign_member(gemeente: str | None, wh) -> bool:
    """An account of a member that the region (no longer) has: it would otherwise read every member."""
    return bool(gemeente) and bool(getattr(wh, "is_region", False)) and gemeente not in wh.members


def _bind_browser_session(conf: AuthSettings, wh) -> None:
    """The password identity of this run, from the cookie of the websocket connected now (never from what
    this Streamlit session remembers: a websocket may have taken it over by naming its id)."""
    auth = st.session_state.get(AUTH_KEY) or {}
    if auth.get("method") == "oidc":
        return
    cookie = _browser_cookie()
    store = session_token.default_store()
    found = store.lookup(cookie) if conf.password_login else None
    ended = found and (found.ended or ("demo" if found.is_demo and not wh.is_demo else None)
                       or ("member" if _foreign_member(found.gemeente, wh) else None))
    if found is None or ended:
        if ended:
            store.revoke(cookie)
            detail, notice = _ended_texts(conf)[ended]
            audit.record("session_expired", found.username, detail, role=found.role)
            st.session_state[NOTICE_KEY] = notice
        elif auth:  # signed out in another tab, or this websocket is not the browser that signed in
            st.session_state[NOTICE_KEY] = "U bent uitgelogd."
        if auth or ended:
            _clear()
        return
    browser = session_token.fingerprint(cookie)
    if ((auth.get("user"), auth.get("role"), auth.get("gemeente"), auth.get("browser"))
            != (found.username, found.role.value, found.gemeente, browser)):
        _start(found.username, found.display_name, found.role, "password", gemeente=found.gemeente,
               signed_in_at=found.signed_in_at, browser=browser)
    store.touch(cookie, found)


def _adopt_oidc(conf: AuthSettings, wh=None) -> None:
    """Take over the identity Streamlit holds after ``st.login`` (its cookie), with the mapped role."""
    if not oidc.enabled(conf):
        return
    auth = st.session_state.get(AUTH_KEY) or {}
    if auth.get("method") == "password":
        return
    ident = oidc.identity(oidc.claims(), conf, members=getattr(wh, "members", None) or ())
    if ident is None:
        if auth.get("method") == "oidc":  # the provider session is gone
            _clear()
        return
    if oidc.too_old(ident, conf, _clock()):
        if auth:
            audit.record("session_expired", ident.username, f"na {conf.session_max_hours} uur", role=auth.get("role"))
        _clear()
        st.session_state[NOTICE_KEY] = (f"U was langer dan {conf.session_max_hours} uur ingelogd. "
                                        "Log opnieuw in.")
        oidc.logout()
        st.stop()
    if oidc.signed_out_since_issued(ident):  # a copy of the cookie, or a tab left open after signing out
        _clear()
        st.session_state[NOTICE_KEY] = "U bent uitgelogd. Log opnieuw in."
        return
    if ident.refusal:  # a member code that is not one of ours, or no member where one is needed
        if st.session_state.get(_NO_ROLE_SEEN) != ident.username:
            audit.record("login_failed", ident.username, f"via {conf.oidc_provider}: {ident.refusal}")
            st.session_state[_NO_ROLE_SEEN] = ident.username
        st.session_state[NOTICE_KEY] = (f"U bent bij uw organisatie ingelogd als {escape_text(ident.display_name)}, "
                                        f"maar u kunt de monitor niet gebruiken: {escape_text(ident.refusal)}")
        _clear()
        return
    if ident.role is None:
        if st.session_state.get(_NO_ROLE_SEEN) != ident.username:
            audit.record("login_failed", ident.username, f"via {conf.oidc_provider}: geen rol voor dit account")
            st.session_state[_NO_ROLE_SEEN] = ident.username
        st.session_state[NOTICE_KEY] = (f"U bent bij uw organisatie ingelogd als {escape_text(ident.display_name)}, "
                                        "maar uw account heeft geen rol in de monitor. Vraag de beheerder om u een "
                                        "rol te geven.")
        _clear()
        return
    if (auth.get("user"), auth.get("role"), auth.get("gemeente")) != (ident.username, ident.role.value, ident.gemeente):
        first = auth.get("user") != ident.username
        _start(ident.username, ident.display_name, ident.role, "oidc", gemeente=ident.gemeente)
        if first:
            # Every new browser tab starts a Streamlit session; one entry per provider sign-in is enough.
            issued = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ident.issued_at)) if ident.issued_at else "?"
            audit.record("login", ident.username, f"via {conf.oidc_provider} (token van {issued} UTC)",
                         role=ident.role, once=True)


def _check_expiry(conf: AuthSettings) -> None:
    """Idle and maximum time of an OIDC session (a password session's are kept in its table)."""
    auth = st.session_state.get(AUTH_KEY)
    if not auth or auth.get("method") != "oidc":
        return
    now = _clock()
    if now - auth["last_seen"] > conf.session_idle_minutes * 60:
        sign_out("session_expired", f"na {conf.session_idle_minutes} minuten zonder activiteit",
                 notice=f"U bent automatisch uitgelogd omdat u {conf.session_idle_minutes} minuten niets heeft "
                        "gedaan. Log opnieuw in.")
    elif now - auth["signed_in_at"] > conf.session_max_hours * 3600:
        sign_out("session_expired", f"na {conf.session_max_hours} uur",
                 notice=f"U was langer dan {conf.session_max_hours} uur ingelogd. Log opnieuw in.")
    else:
        auth["last_seen"] = now


def _is_demo_warehouse() -> bool:
    try:
        release = current_release(settings.load().warehouse)
        return bool(release and release.meta.get("demo"))
    except Exception:
        return False
