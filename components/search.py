"""Find a figure by the words in its title or definition, and open its page with that figure chosen."""

from __future__ import annotations

import unicodedata

import polars as pl
import streamlit as st

from components.context import MEMBER_KEY
from components.pickers import LAW_PAGES
from queries import Warehouse
from queries import figures as q

MAX_RESULTS = 8


def normalise(text: str) -> str:
    """Lower case without accents, so "clienten" finds "cliënten" and "Wmo" finds "wmo"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def find(catalogue: pl.DataFrame, query: str, *, limit: int = MAX_RESULTS) -> list[dict]:
    """Figures whose title, short title or definition holds every word of ``query`` (also inside a longer
    Dutch compound: "bijstand" finds "bijstandsuitkering"). Matches in the title come first."""
    words = normalise(query).split()
    if not words:
        return []
    hits = []
    for row in catalogue.iter_rows(named=True):
        title = normalise(f"{row['title']} {row.get('short_title') or ''}")
        text = f"{title} {normalise(row.get('definition') or '')}"
        if all(w in text for w in words):
            in_title = sum(w in title for w in words)
            hits.append((-in_title, row["order"] if row.get("order") is not None else 0, row["title"], row))
    hits.sort(key=lambda h: h[:3])
    return [h[3] for h in hits[:limit]]


def page_of(row: dict) -> str:
    """The page that shows this figure in detail: its law page, or Trends for context figures."""
    return LAW_PAGES.get(row["law"], LAW_PAGES["context"])


def member_param(wh: Warehouse) -> dict[str, str]:
    """In a region the member a link is about, so a found figure opens for the same municipality."""
    return {MEMBER_KEY: wh.gemeente} if wh.is_region else {}


def search_box(wh: Warehouse, *, key: str, in_sidebar: bool = False) -> None:
    """The search box with links to the figures it finds. In the narrow sidebar a link shows the short
    title (the full title is its tooltip), so no link is cut off."""
    where = st.sidebar if in_sidebar else st.container()
    with where:
        query = st.text_input("Zoek een cijfer", key=key, placeholder="Bijvoorbeeld: bijstand",
                              live="300ms",  # results while typing; also no English "Press Enter to apply"
                              help="Zoekt in de naam en de omschrijving van elk cijfer. Hoofdletters en "
                                   "accenten maken niet uit.")
        if not query.strip():
            return
        hits = find(q.catalogue(wh), query)
        if not hits:
            st.caption("Geen cijfer gevonden. Probeer een ander woord.")
            return
        for row in hits:
            st.page_link(page_of(row), label=row["short_title"] if in_sidebar else row["title"],
                         help=row["title"] if in_sidebar else None, icon=":material/search:",
                         query_params={"indicator": row["id"], **member_param(wh)})


def sidebar_search(wh: Warehouse) -> None:
    """On every page, below the menu."""
    search_box(wh, key="_msd_search", in_sidebar=True)
