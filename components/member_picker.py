"""The member picker of a region: which of the installation's municipalities the pages are about."""

from __future__ import annotations

import streamlit as st

from components import context, state
from queries import Warehouse

_KEY = "_msd_member_pick"


def _picked() -> None:
    context.choose_member(st.session_state[_KEY])


def sidebar_member_picker(wh: Warehouse) -> None:
    """A picker in the menu, only in a region; an account of one member sees its name only."""
    if not wh.is_region:
        return
    options = context.readable_members(wh.root)
    st.session_state[_KEY] = wh.gemeente  # the address may have changed the member since the last run
    with st.sidebar:
        st.selectbox("Gemeente", options, key=_KEY, format_func=wh.member_name, on_change=_picked,
                     placeholder=state.PICK_ONE,
                     disabled=len(options) == 1,
                     help=f"De monitor toont de cijfers van één gemeente uit {wh.region['name'] if wh.region else 'de regio'}.")
