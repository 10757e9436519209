"""What a person sees of signing in: the sign-in form, the account line in the sidebar, and the page
guards (a page for the roles that may use it, a clear refusal at the same address for everyone else).
Who is signed in, and the checks behind it, is ``components.session``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import settings
from auth import oidc, web
from components import account_scope, session
from domain.passwords import demo_accounts
from domain.roles import Role, allowed_roles, can
from store import audit
from store.accounts import LoginFailed
from store.markdown import escape_text


def sign_in_required_view() -> None:
    """What every address shows when the monitor is not public and nobody is signed in."""
    st.title("Inloggen")
    st.write("De Monitor Sociaal Domein is alleen te zien als u bent ingelogd.")
    login_form()


def login_form(*, home: str | None = None) -> None:
    """The sign-in form. After a sign-in the browser comes back at the page it asked for, or at the URL
    path ``home`` when given (the Inloggen page itself sends people to the start page)."""
    conf = session._conf()
    notice = st.session_state.pop(session.NOTICE_KEY, None)
    if notice:
        st.info(notice)
    if st.query_params.get(web.GRANT_FAILED[0]) == web.GRANT_FAILED[1] and not session.is_signed_in():
        st.warning("Het inloggen is niet afgerond: het duurde te lang, of de link is in een andere browser "
                   "geopend. Log opnieuw in.")
    if session.is_signed_in():
        st.success(f"U bent ingelogd als {escape_text(session.display_name())} ({session.current_role().label}).")
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
        with st.form("_msd_login", clear_on_submit=True, enter_to_submit=False):  # no English hint
            username = st.text_input("Gebruikersnaam", autocomplete="username")
            password = st.text_input("Wachtwoord", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Inloggen", type="secondary" if oidc.enabled(conf) else "primary")
        if submitted:
            _try_password(username, password, home)
        _demo_hint(home)


def _try_password(username: str, password: str, home: str | None) -> None:
    try:
        session.sign_in_with_password(username, password, web.with_base(home) if home else _this_path())
    except LoginFailed as exc:
        st.error(str(exc))
        return
    st.info("U wordt ingelogd…")
    st.stop()  # the browser is on its way to collect the session cookie


def _this_path() -> str:
    """The path and query of the page the browser shows (to come back to after sign-in)."""
    from urllib.parse import urlsplit

    url = urlsplit(st.context.url or "/")
    return (url.path or "/") + (f"?{url.query}" if url.query else "")


def _demo_hint(home: str | None) -> None:
    store = session.accounts()
    members, names = account_scope.release_members()
    demo = demo_accounts(members)  # a region's demo has three more, and each account its member
    demo_names = [n for n in demo if n in store.active_demo_accounts()]
    if demo_names and session._is_demo_warehouse():
        st.info("Dit is de demo. Log in met een van deze accounts; ze bestaan alleen in de demo.")
        st.table({"Gebruikersnaam": demo_names, "Wachtwoord": [demo[n][1] for n in demo_names],
                  "Rol": [Role(demo[n][0]).label for n in demo_names],
                  **({"Gemeente": [account_scope.label(demo[n][2], names) for n in demo_names]} if members else {})})
        per_row = 4
        for start in range(0, len(demo_names), per_row):
            row = demo_names[start:start + per_row]
            for col, name in zip(st.columns(per_row if members else len(row)), row, strict=False):
                if col.button(f"Inloggen als {name}", key=f"_msd_demo_{name}"):
                    _try_password(name, demo[name][1], home)
    elif store.count() == 0 and not oidc.enabled(session._conf()):
        st.info("Er is nog geen account. De beheerder maakt het eerste account aan op de server met "
                "`python -m auth add NAAM --role beheerder`.")


def sidebar_account() -> None:
    """Who is signed in, with a sign-out button (or nothing for an anonymous reader)."""
    if not session.is_signed_in():
        return
    with st.sidebar:
        st.caption(f"Ingelogd als **{escape_text(session.display_name())}** ({session.current_role().label})")
        if st.button("Uitloggen", key="_msd_logout", icon=":material/logout:"):
            if session.sign_out("logout", notice="U bent uitgelogd.") != "oidc":
                st.rerun()


def guarded_page(page: str | Callable[[], None], action: str, *, title: str, icon: str | None = None,
                 url_path: str) -> st.Page:
    """The page for roles that may ``action``; for everyone else a hidden page at the same address that
    refuses (so a link or a typed URL gets a clear answer, and the page's own code never runs)."""
    if can(session.current_role(), action) and (session.is_signed_in() or action == "read_published"):
        if isinstance(page, str) and not (settings.ROOT / page).is_file():
            # A page still being built must not take the whole monitor down.
            return st.Page(lambda: st.info("Deze pagina is nog niet beschikbaar."), title=title, icon=icon,
                           url_path=url_path, visibility="hidden")
        return st.Page(page, title=title, icon=icon, url_path=url_path)

    def refuse() -> None:
        st.title(title)
        if not session.is_signed_in():
            st.warning("Log in om deze pagina te openen.")
            login_form()
            return
        roles = " en ".join(r.label.lower() for r in allowed_roles(action))
        st.error(f"U heeft geen toegang tot deze pagina. Deze pagina is alleen voor de rol {roles}.")
        audit.record("access_denied", session.current_user(), f"pagina {url_path}", role=session.current_role())

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
