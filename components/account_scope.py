"""The member municipality of a built-in account on *Accounts en logboek* (issue 21): shown and set only
when the current release is a region. The rules (a member of this release, no member for an
administrator, the audit entry) live in store/accounts.py, which checks the role again on the server."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import settings
from components.state import PICK_ONE
from store.accounts import Account, AccountStore
from store.markdown import escape_text
from warehouse.releases import current_release, members_of

WHOLE = ""  # the option "the whole installation"


def release_members() -> tuple[list[str], dict[str, str]]:
    """The current release's member codes and their names; ([], {}) for a single municipality or no release."""
    try:
        release = current_release(settings.load().warehouse)
    except Exception:
        return [], {}
    if release is None:
        return [], {}
    members = members_of(release.meta)
    if len(members) < 2:
        return [], {}
    names = {str(k): str(v) for k, v in (release.meta.get("member_names") or {}).items()}
    return members, names


def label(code: str | None, names: dict[str, str]) -> str:
    if not code:
        return "Hele installatie"
    return f"{names[code]} ({code})" if code in names else code


def column(rows: list[Account], names: dict[str, str]) -> dict[str, list[str]]:
    """The accounts table's column "Gemeente" (empty in a single municipality's installation)."""
    return {"Gemeente": [label(a.gemeente, names) for a in rows]} if names or any(a.gemeente for a in rows) else {}


def picker(members: list[str], names: dict[str, str], key: str, current: str | None = None) -> str | None:
    """A selectbox of the members and "Hele installatie" (inside a form); None outside a region."""
    if not members:
        return None
    options = [WHOLE, *members]
    chosen = st.selectbox("Gemeente", options, index=options.index(current) if current in options else 0,
                          format_func=lambda c: label(c, names), key=key, placeholder=PICK_ONE,
                          help="De gemeente waarvoor dit account schrijft, uploadt of dossiers maakt, en die het "
                               "leest. Hele installatie: alle gemeenten (een beheerder altijd; een rekenkamer meestal).")
    return chosen or None


def change_form(store: AccountStore, chosen: Account, members: list[str], names: dict[str, str], *, role, user: str,
                act: Callable[[Callable[[], object], str], None]) -> None:
    """Set the chosen account's member (a region only)."""
    if not members:
        return
    with st.form("beheer-gemeente", enter_to_submit=False):
        code = picker(members, names, "beheer-new-gemeente", chosen.gemeente)
        if st.form_submit_button("Gemeente opslaan"):
            act(lambda: store.set_gemeente(chosen.username, code, members=members, actor_role=role, actor=user),
                f"{chosen.username} hoort nu bij " + (f"{escape_text(label(code, names))}." if code
                                                      else "de hele installatie."))
