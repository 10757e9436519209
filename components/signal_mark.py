"""The small mark on a tile or a figure block that carries a signal: words and a link, not colour only."""

from __future__ import annotations

import streamlit as st

from queries import Warehouse
from queries import signals as sg

SIGNALS_PAGE = "app_pages/signalen.py"


def mark(wh: Warehouse, indicator_id: str) -> None:
    """'2 signalen bij dit cijfer', linking to the Signalen page filtered on the figure; nothing without one."""
    n = sg.counts(wh).get(indicator_id, 0)
    if n:
        st.page_link(SIGNALS_PAGE, label=f"{n} {'signaal' if n == 1 else 'signalen'} bij dit cijfer",
                     query_params={"indicator": indicator_id}, icon=":material/notifications:")
