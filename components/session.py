"""Who is looking: the role of the current session.

PLACEHOLDER until the login issue lands: in demo mode the sidebar offers a role switch. Every write
path already calls ``auth.roles.require(current_role(), action)``, so replacing this function with
the real sign-in is the only change needed.
"""

from __future__ import annotations

import streamlit as st

from auth.roles import Role


def current_role() -> Role:
    return Role(st.session_state.get("role", Role.RAADSLID.value))


def current_user() -> str:
    return st.session_state.get("user", f"demo-{current_role().value}")


def sidebar_role_picker(wh) -> Role:
    """PLACEHOLDER: in demo mode anyone may look through the eyes of each role."""
    if wh.is_demo:
        st.sidebar.selectbox(
            "Bekijk als (alleen in de demo)", [r.value for r in Role], key="role",
            format_func=lambda v: Role(v).label,
            help="In een echte installatie logt u in en bepaalt uw account uw rol.",
        )
    return current_role()
