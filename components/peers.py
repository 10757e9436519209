"""The comparison group a reader chose, carried between pages in the URL (``?peers=GM..&peers=GM..``)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from queries import Warehouse
from queries import figures as q

URL_KEY = "peers"


def from_url(wh: Warehouse) -> list[str] | None:
    """Municipality codes of the group in the URL, or None when the URL names none (or none valid)."""
    codes = st.query_params.get_all(URL_KEY)
    if not codes:
        return None
    valid = set(q.regions(wh).filter(pl.col("level") == "gemeente")["region_code"]) - {wh.gemeente}
    chosen = [c for c in codes if c in valid]
    return chosen or None


def current(wh: Warehouse) -> list[str]:
    """The group in the URL, else the release's fixed peer group."""
    return from_url(wh) or wh.peers
