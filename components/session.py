"""Who is looking: sign-in, the role of the current session, session expiry, and page guards.

The identity lives in ``st.session_state`` on the server: ``role`` and ``user`` (read by
:func:`current_role` / :func:`current_user`, which every write path passes to
``auth.roles.require``) plus a sign-in record under ``_msd_auth``. Only this module writes them; no
widget may use these keys, so a browser cannot set them. Tests may set ``role`` directly.

The router (``app.py``) calls :func:`enforce` once per run before it builds the navigation: demo
accounts, the OIDC identity, expiry and the account's current state are checked there.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

import settings
from auth import audit, oidc
from auth.accounts import AccountStore, LoginFailed
from auth.db import default_db
from auth.passwords import DEMO_ACCOUNTS
from auth.roles import Role, allowed_roles, can, parse_role
from settings import AuthSettings
from store.markdown import escape_text

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
    return AccountStore(default_db(), lockout_attempts=conf.lockout_attempts, lockout_minutes=conf.lockout_minutes)


# ------------------------------------------------------------------------------------------------
# Who is looking
# ------------------------------------------------------------------------------------------------


def current_role() -> Role:
    """The signed-in role; an anonymous reader of a public monitor reads as a council member."""
    return parse_role(st.session_state.get("role")) or Role.RAADSLID


def current_user() -> str:
    user = st.session_state.get("user")
    if user:
        return str(user)
    if st.session_state.get("role"):  # set directly by a test
        return f"demo-{current_role().value}"
    return "bezoeker"


def display_name() -> str:
    auth = st.session_state.get(AUTH_KEY) or {}
    return str(auth.get("name") or current_user())


def is_signed_in() -> bool:
    return parse_role(st.session_state.get("role")) is not None


def may_read(conf: AuthSettings | None = None) -> bool:
    """Published content is open to a signed-in person, and to everyone on a public monitor."""
    return is_signed_in() or (conf or _conf()).public_read


def _start(username: str, name: str, role: Role, method: str, **extra) -> None:
    now = _clock()
    st.session_state["role"] = role.value
    st.session_state["user"] = username
    st.session_state[AUTH_KEY] = {"user": username, "name": name, "role": role.value, "method": method,
                                  "signed_in_at": now, "last_seen": now, **extra}


def _clear() -> None:
    for key in ("role", "user", AUTH_KEY):
        st.session_state.pop(key, None)


def sign_in_with_password(username: str, password: str) -> None:
    """Check name and password (lock-out and audit included) and start the session; raises LoginFailed."""
    conf = _conf()
    if not conf.password_login:
        raise LoginFailed("Inloggen met een wachtwoord staat uit. Gebruik de knop om in te loggen met uw "
                          "organisatie-account.")
    account = accounts(conf).authenticate(username, password)
    _start(account.username, account.display_name, account.role, "password",
           password_changed_at=account.password_changed_at)


def sign_out(event: str = "logout", detail: str = "", notice: str | None = None) -> str | None:
    """End the session (audited). For an OIDC session the provider's cookie is removed as well, which
    sends the browser away; returns the method of the session that ended."""
    auth = st.session_state.get(AUTH_KEY) or {}
    if is_signed_in():
        audit.record(event, current_user(), detail, role=current_role())
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
    _demo_guard(wh)
    oidc.startup_warnings(conf)
    _adopt_oidc(conf)
    _check_expiry(conf)
    _check_account(conf)


def _demo_guard(wh) -> None:
    if st.session_state.get(_DEMO_CHECKED):
        return
    store = accounts()
    if wh.is_demo:
        store.ensure_demo_accounts()
        from components import demo_content

        demo_content.ensure(wh)  # example notes and a dossier, so a visitor sees what the monitor is for
    else:
        active = store.active_demo_accounts()
        if active:
            st.error("De monitor start niet: de demo-accounts " + ", ".join(active) + " staan nog aan, met "
                     "wachtwoorden die in de README staan. Maak eerst een eigen beheerder aan "
                     "(`python -m auth add NAAM --role beheerder`) en zet de demo-accounts uit "
                     "(`python -m auth disable-demo`).")
            st.stop()
    st.session_state[_DEMO_CHECKED] = True


def _adopt_oidc(conf: AuthSettings) -> None:
    """Take over the identity Streamlit holds after ``st.login`` (its cookie), with the mapped role."""
    if not oidc.enabled(conf):
        return
    auth = st.session_state.get(AUTH_KEY) or {}
    if auth.get("method") == "password":
        return
    ident = oidc.identity(oidc.claims(), conf)
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
    if ident.role is None:
        if st.session_state.get(_NO_ROLE_SEEN) != ident.username:
            audit.record("login_failed", ident.username, f"via {conf.oidc_provider}: geen rol voor dit account")
            st.session_state[_NO_ROLE_SEEN] = ident.username
        st.session_state[NOTICE_KEY] = (f"U bent bij uw organisatie ingelogd als {escape_text(ident.display_name)}, "
                                        "maar uw account heeft geen rol in de monitor. Vraag de beheerder om u een "
                                        "rol te geven.")
        _clear()
        return
    if auth.get("user") != ident.username or auth.get("role") != ident.role.value:
        first = auth.get("user") != ident.username
        _start(ident.username, ident.display_name, ident.role, "oidc")
        if first:
            # Every new browser tab starts a Streamlit session; one entry per provider sign-in is enough.
            issued = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ident.issued_at)) if ident.issued_at else "?"
            audit.record("login", ident.username, f"via {conf.oidc_provider} (token van {issued} UTC)",
                         role=ident.role, once=True)


def _check_expiry(conf: AuthSettings) -> None:
    auth = st.session_state.get(AUTH_KEY)
    if not auth:
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


def _check_account(conf: AuthSettings) -> None:
    """A disabled account, a reset password or a new role takes effect at the next click, not the next login."""
    auth = st.session_state.get(AUTH_KEY)
    if not auth or auth.get("method") != "password":
        return
    account = accounts(conf).get(auth["user"]) if conf.password_login else None
    if account is None or account.disabled:
        sign_out("session_expired", "account uitgeschakeld", notice="Uw account is uitgeschakeld.")
    elif account.password_changed_at != auth.get("password_changed_at"):
        sign_out("session_expired", "wachtwoord gewijzigd", notice="Uw wachtwoord is gewijzigd. Log opnieuw in.")
    elif account.role.value != auth["role"]:
        auth["role"] = account.role.value
        st.session_state["role"] = account.role.value


# ------------------------------------------------------------------------------------------------
# Views
# ------------------------------------------------------------------------------------------------


def sign_in_required_view() -> None:
    """What every address shows when the monitor is not public and nobody is signed in."""
    st.title("Inloggen")
    st.write("De Monitor Sociaal Domein is alleen te zien als u bent ingelogd.")
    login_form()


def login_form(*, home: str | None = None) -> None:
    """The sign-in form. After a sign-in the script reruns (the requested page then opens), or goes to
    ``home`` when given (the Inloggen page itself)."""
    conf = _conf()
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    if is_signed_in():
        st.success(f"U bent ingelogd als {escape_text(display_name())} ({current_role().label}).")
        return
    if not conf.password_login and not oidc.enabled(conf):
        st.warning("Inloggen is niet ingesteld. Vraag de beheerder om inloggen aan te zetten.")
        return
    if oidc.enabled(conf):
        if st.button("Inloggen met uw organisatie-account", type="primary", key="_msd_login_oidc"):
            try:
                oidc.login(conf)
            except Exception as exc:  # e.g. secrets.toml missing or incomplete: say so instead of crashing
                st.error("Inloggen met uw organisatie-account is niet goed ingesteld. Vraag de beheerder om de "
                         f"instellingen te controleren ({type(exc).__name__}).")
    if conf.password_login:
        if oidc.enabled(conf):
            st.caption("Of log in met een account van de monitor zelf:")
        with st.form("_msd_login", clear_on_submit=True):
            username = st.text_input("Gebruikersnaam", autocomplete="username")
            password = st.text_input("Wachtwoord", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Inloggen", type="secondary" if oidc.enabled(conf) else "primary")
        if submitted:
            _try_password(username, password, home)
        _demo_hint(home)


def _try_password(username: str, password: str, home: str | None) -> None:
    try:
        sign_in_with_password(username, password)
    except LoginFailed as exc:
        st.error(str(exc))
        return
    if home:
        st.switch_page(home)
    st.rerun()


def _demo_hint(home: str | None) -> None:
    store = accounts()
    demo_names = [n for n in DEMO_ACCOUNTS if n in store.active_demo_accounts()]
    if demo_names and _is_demo_warehouse():
        st.info("Dit is de demo. Log in met een van deze accounts; ze bestaan alleen in de demo.")
        st.table({"Gebruikersnaam": demo_names, "Wachtwoord": [DEMO_ACCOUNTS[n][1] for n in demo_names],
                  "Rol": [Role(DEMO_ACCOUNTS[n][0]).label for n in demo_names]})
        cols = st.columns(len(demo_names))
        for col, name in zip(cols, demo_names, strict=True):
            if col.button(f"Inloggen als {Role(DEMO_ACCOUNTS[name][0]).label.lower()}", key=f"_msd_demo_{name}"):
                _try_password(name, DEMO_ACCOUNTS[name][1], home)
    elif store.count() == 0 and not oidc.enabled(_conf()):
        st.info("Er is nog geen account. De beheerder maakt het eerste account aan op de server met "
                "`python -m auth add NAAM --role beheerder`.")


def _is_demo_warehouse() -> bool:
    try:
        from components.context import warehouse

        return bool(warehouse().is_demo)
    except Exception:
        return False


def sidebar_account() -> None:
    """Who is signed in, with a sign-out button (or nothing for an anonymous reader)."""
    if not is_signed_in():
        return
    with st.sidebar:
        st.caption(f"Ingelogd als **{escape_text(display_name())}** ({current_role().label})")
        if st.button("Uitloggen", key="_msd_logout", icon=":material/logout:"):
            if sign_out("logout", notice="U bent uitgelogd.") != "oidc":
                st.rerun()


def guarded_page(page: str | Callable[[], None], action: str, *, title: str, icon: str | None = None,
                 url_path: str) -> st.Page:
    """The page for roles that may ``action``; for everyone else a hidden page at the same address that
    refuses (so a link or a typed URL gets a clear answer, and the page's own code never runs)."""
    if can(current_role(), action) and (is_signed_in() or action == "read_published"):
        if isinstance(page, str) and not (settings.ROOT / page).is_file():
            # A page still being built must not take the whole monitor down.
            return st.Page(lambda: st.info("Deze pagina is nog niet beschikbaar."), title=title, icon=icon,
                           url_path=url_path, visibility="hidden")
        return st.Page(page, title=title, icon=icon, url_path=url_path)

    def refuse() -> None:
        st.title(title)
        if not is_signed_in():
            st.warning("Log in om deze pagina te openen.")
            login_form()
            return
        roles = " en ".join(r.label.lower() for r in allowed_roles(action))
        st.error(f"U heeft geen toegang tot deze pagina. Deze pagina is alleen voor de rol {roles}.")
        audit.record("access_denied", current_user(), f"pagina {url_path}", role=current_role())

    refuse.__name__ = f"geweigerd_{url_path.replace('-', '_')}"
    return st.Page(refuse, title=title, icon=icon, url_path=url_path, visibility="hidden")


def navigation_sections(sections: dict[str, list]) -> dict[str, list]:
    """Drop section headers that would only hold hidden (refusing) pages; the pages stay reachable."""
    visible = {name: pages for name, pages in sections.items() if any(p.visibility == "visible" for p in pages)}
    hidden = [p for name, pages in sections.items() if name not in visible for p in pages]
    if hidden and visible:
        last = list(visible)[-1]
        visible[last] = [*visible[last], *hidden]
    return visible or sections
