"""Accounts en logboek: the administrator manages built-in accounts, reads the audit log and can put the
previous version of the data back (tab Versies).

Thin on purpose: every rule (rights, password rules, the last administrator, audit entries) lives in
store/accounts.py and store/audit.py, which check the role again on the server.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import settings
from auth import oidc
from components import account_scope, release_admin, session, state
from components.state import PICK_ONE
from domain import passwords
from domain.roles import PermissionDenied, Role, can
from store import audit
from store.accounts import Account, AccountError
from store.markdown import escape_text
from store.notes import format_when

FLASH = "_msd_beheer_flash"

role = session.current_role()
user = session.current_user()
st.title("Accounts en logboek")
if not can(role, "manage_accounts"):
    st.error("Alleen beheerders kunnen accounts beheren en het logboek lezen.")
    st.stop()
for warning in oidc.startup_warnings(settings.load_auth()):  # risky sign-in settings (docs/oidc.md)
    st.warning(warning.nl, icon=":material/warning:")

store = session.accounts()
members, member_names = account_scope.release_members()  # a region: accounts belong to a member
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash)


def act(change, done: str) -> None:
    """Run one account change; show the store's Dutch message when it is refused."""
    try:
        change()
    except (AccountError, PermissionDenied) as exc:
        st.error(str(exc))
        return
    st.session_state[FLASH] = done
    st.rerun()


def status(a: Account) -> str:
    if a.disabled:
        return "Uitgeschakeld"
    if a.locked_at(dt.datetime.now(dt.UTC)):
        return f"Geblokkeerd tot {format_when(a.locked_until)}"
    return "Actief"


# The tab lives in the URL (?tab=logboek), so F5 and a shared link keep it.
tab_accounts, tab_new, tab_log, tab_versions = state.url_tabs(
    {"accounts": "Accounts", "nieuw": "Nieuw account", "logboek": "Logboek", "versies": "Versies"}, "tab")

with tab_accounts:
    rows = store.list_accounts(role=role)
    table = {
        "Gebruikersnaam": [a.username for a in rows],
        "Naam": [a.display_name for a in rows],
        "Rol": [a.role.label for a in rows],
        **account_scope.column(rows, member_names),
        "Status": [status(a) for a in rows],
        "Demo": ["ja" if a.is_demo else "" for a in rows],
        "Laatst ingelogd": [format_when(a.last_login_at) if a.last_login_at else "nooit" for a in rows],
    }
    st.dataframe(pl.DataFrame(table, schema=dict.fromkeys(table, pl.String)), hide_index=True, width="stretch")
    st.caption("Accounts van de identiteitsprovider (inloggen met uw organisatie-account) staan hier niet: "
               "hun rol komt uit de instellingen.")
    if rows:
        st.subheader("Account wijzigen")
        name = st.selectbox("Account", [a.username for a in rows], key="beheer-account", placeholder=PICK_ONE)
        chosen = next(a for a in rows if a.username == name)
        roles = [r.value for r in Role]
        with st.form("beheer-role", enter_to_submit=False):  # no English "Press Enter to submit form"
            new_role = st.selectbox("Rol", roles, index=roles.index(chosen.role.value),
                                    format_func=lambda v: Role(v).label, key="beheer-new-role",
                                    placeholder=PICK_ONE)
            if st.form_submit_button("Rol opslaan"):
                act(lambda: store.set_role(name, new_role, actor_role=role, actor=user),
                    f"De rol van {name} is nu {Role(new_role).label.lower()}.")
        account_scope.change_form(store, chosen, members, member_names, role=role, user=user, act=act)
        with st.form("beheer-password", clear_on_submit=True, enter_to_submit=False):
            new_password = st.text_input("Nieuw wachtwoord", type="password", key="beheer-new-password",
                                         help=f"Minstens {passwords.MIN_LENGTH} tekens. De persoon moet daarna "
                                              "opnieuw inloggen.")
            if st.form_submit_button("Wachtwoord opnieuw instellen"):
                act(lambda: store.reset_password(name, new_password, actor_role=role, actor=user),
                    f"Het wachtwoord van {name} is gewijzigd. Geef het nieuwe wachtwoord veilig door.")
        cols = st.columns(2)
        if chosen.disabled:
            if cols[0].button("Account weer aanzetten", key="beheer-enable"):
                act(lambda: store.enable(name, actor_role=role, actor=user), f"{name} kan weer inloggen.")
        elif cols[0].button("Account uitschakelen", key="beheer-disable"):
            act(lambda: store.disable(name, actor_role=role, actor=user), f"{name} kan niet meer inloggen.")
        if chosen.locked_until and cols[1].button("Blokkade opheffen", key="beheer-unlock"):
            act(lambda: store.unlock(name, actor_role=role, actor=user), f"{name} kan weer inloggen.")

with tab_new, st.form("beheer-add", clear_on_submit=True, enter_to_submit=False):
    new_name = st.text_input("Gebruikersnaam", key="beheer-add-name",
                             help="Kleine letters, cijfers en . _ @ + -, bijvoorbeeld een e-mailadres.")
    new_display = st.text_input("Naam", key="beheer-add-display")
    new_account_role = st.selectbox("Rol", [r.value for r in Role], format_func=lambda v: Role(v).label,
                                    key="beheer-add-role", placeholder=PICK_ONE)
    new_gemeente = account_scope.picker(members, member_names, "beheer-add-gemeente")
    new_account_password = st.text_input("Wachtwoord", type="password", key="beheer-add-password",
                                         help=f"Minstens {passwords.MIN_LENGTH} tekens. Laat leeg om een "
                                              "wachtwoord te laten maken.")
    if st.form_submit_button("Account aanmaken"):
        chosen_password = new_account_password or passwords.generate()
        shown = "" if new_account_password else f" Het wachtwoord is: {chosen_password} (alleen nu zichtbaar)."
        act(lambda: store.add(new_name, new_account_role, chosen_password, display_name=new_display,
                              actor_role=role, actor=user, gemeente=new_gemeente, members=members),
            f"Account {escape_text(new_name.strip().lower())} is aangemaakt.{shown}")

with tab_log:
    events = [""] + sorted(audit.EVENTS, key=audit.label)
    cols = st.columns(3)
    event = cols[0].selectbox("Gebeurtenis", events, format_func=lambda e: audit.label(e) if e else "Alle",
                              key="beheer-log-event", placeholder=PICK_ONE)
    who = cols[1].text_input("Wie (deel van de naam)", key="beheer-log-who", live="300ms")  # no "Press Enter"
    since = cols[2].date_input("Vanaf", value=None, key="beheer-log-since", format="DD-MM-YYYY")
    found = audit.entries(role=role, event=event or None, user=who or None,
                          since=since.isoformat() if since else None, limit=1000)
    log = pl.DataFrame({
        "Tijd": [format_when(e["at"]) for e in found],
        "Gebeurtenis": [audit.label(e["event"]) for e in found],
        "Wie": [e["username"] for e in found],
        "Rol": [Role(e["role"]).label if e["role"] in {r.value for r in Role} else (e["role"] or "") for e in found],
        "Details": [e["detail"] for e in found],
    }, schema=dict.fromkeys(("Tijd", "Gebeurtenis", "Wie", "Rol", "Details"), pl.String))
    st.caption(f"{len(found)} regels, nieuwste eerst (hoogstens 1.000). Het logboek kan niet worden gewijzigd.")
    st.dataframe(log, hide_index=True, width="stretch")
    st.download_button("Download als CSV", audit.to_csv(found), file_name="logboek.csv", mime="text/csv",
                       key="beheer-log-csv")

with tab_versions:
    release_admin.versions_panel(settings.load().warehouse, role=role, user=user)
