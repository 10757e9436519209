"""The note panel next to every chart, chart markers, and the shared note store of the app.

All user text goes through :func:`store.markdown.render_safe_markdown` / :func:`escape_text`, so nothing
here needs ``unsafe_allow_html``. The role comes from the session and is passed to every store call;
the store checks it again on the server side.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import polars as pl
import streamlit as st

import settings
from components.session import current_role, member_scope
from store.db import shared_database
from store.markdown import escape_text, link_markdown, render_safe_markdown
from store.notes import LINK_KINDS, MARKER_SCHEMA, STATUS_LABELS, Note, NoteStore, format_when

log = logging.getLogger(__name__)

EMPTY_TEXT = "Er is nog geen duiding geschreven bij dit cijfer."
SECTIONS = (("what_we_see", "Wat zien we"), ("explanation", "Verklaring"),
            ("next_steps", "Wat betekent dit / vervolg"))
BADGE_COLOURS = {"draft": "orange", "review": "blue", "published": "green", "withdrawn": "gray"}


def render_sections(text_of) -> None:
    """The three parts of a note (a note's content or a dossier's copy of it), each under its label, as
    safe Markdown; an empty part is left out."""
    for attr, label in SECTIONS:
        text = getattr(text_of, attr)
        if text:
            st.markdown(f"**{label}**")
            st.markdown(render_safe_markdown(text))


@st.cache_resource(show_spinner=False)
def _store_for(url: str, four_eyes: bool) -> NoteStore:
    """One store per store URL for the whole server; migrations run once, when it is first opened."""
    return NoteStore(shared_database(url), four_eyes=four_eyes)


def _is_demo() -> bool:
    """Whether the published warehouse is the demo (never builds one: a missing warehouse is not the demo)."""
    try:
        from components.context import warehouse
        from warehouse.releases import current_release

        s = settings.load()
        return current_release(s.warehouse) is not None and bool(warehouse().is_demo)
    except Exception:
        return False


def get_store() -> NoteStore:
    s = settings.load()
    return _store_for(s.store_url, s.four_eyes_for(_is_demo()))


def _region_codes() -> list[str] | None:
    """In a region: the municipality the page is about (its markers only); None for a single municipality."""
    try:
        from components.context import warehouse
        from warehouse.releases import current_release

        if current_release(settings.load().warehouse) is None:
            return None
        wh = warehouse()
        return [wh.gemeente] if wh.is_region else None
    except Exception:
        return None


def markers_for(indicator_id: str, law: str) -> pl.DataFrame:
    """Events for a time chart (period, year, label, text, note_id) as the current role may see them; in a
    region those of the municipality the page is about. A store that cannot be reached must not take the
    chart down: the chart is drawn without markers."""
    try:
        return get_store().markers_for(indicator_id, law, role=current_role(), scope=member_scope(),
                                       region_codes=_region_codes())
    except Exception:
        log.exception("markers for %s could not be loaded", indicator_id)
        return pl.DataFrame(schema=MARKER_SCHEMA)


def _region_label(codes: Sequence[str]) -> str:
    if not codes or codes[0].startswith("GM"):
        return "Hele gemeente"
    if codes[0].startswith(("RG", "JZ")):
        return "Hele regio"
    names = [_region_name(code) for code in codes]
    return ("Wijk " if len(names) == 1 else "Wijken ") + ", ".join(names)


def _region_name(code: str) -> str:
    """The wijk's name from the warehouse when one is published; the code is a fine fallback."""
    try:
        from components.context import warehouse
        from queries import figures as q
        from warehouse.releases import current_release

        if current_release(settings.load().warehouse) is None:  # never build the demo from a note panel
            return code
        return q.region_name(warehouse(), code)
    except Exception:
        return code


def status_badge(status: str) -> str:
    return f":{BADGE_COLOURS[status]}-badge[{escape_text(STATUS_LABELS[status])}]"


def render_note(note: Note, *, show_status: bool = True) -> None:
    """One note: title, scope and period, status, marker, the three sections, links and who/when."""
    c = note.content
    head = f"**{escape_text(c.title)}**" if c.title else ""
    meta = f"{escape_text(_region_label(c.region_codes))} · {escape_text(note.period_label)}"
    if show_status and note.status != "published":
        meta = f"{status_badge(note.status)} {meta}"
    st.markdown(f"{head}  \n{meta}" if head else meta)
    if c.is_marker:
        st.markdown(f":material/flag: Markering in de grafiek: **{escape_text(c.marker_label or '')}** "
                    f"({escape_text(c.marker_period[:4])})")
    render_sections(c)
    if c.links:
        st.markdown("**Documenten**")
        st.markdown("\n".join(f"- {link_markdown(link.title, link.url)} ({escape_text(LINK_KINDS[link.kind])})"
                              for link in c.links))
    who = [f"Geschreven door {escape_text(note.written_by)} op {format_when(note.written_at)}"]
    if note.status == "published" and note.published_by:
        who.append(f"gepubliceerd door {escape_text(note.published_by)} op {format_when(note.published_at)}")
    st.caption(" · ".join(who))
    if note.status != "published" and note.published_revision:
        st.caption(f"Lezers zien nog de gepubliceerde versie {note.published_revision} "
                   "tot deze wijziging is gepubliceerd.")


def render_note_panel(indicator_id: str, law: str, region_codes: Sequence[str], period: str | None) -> None:
    """The interpretation next to a chart: the matching notes for the current role, most specific first."""
    role = current_role()
    st.markdown("**Duiding**")
    try:
        found = get_store().notes_for(indicator_id, law, list(region_codes), period, role=role, scope=member_scope())
    except Exception:
        log.exception("notes for %s could not be loaded", indicator_id)
        st.warning("De duiding kan nu niet worden geladen. Probeer het later opnieuw.")
        return
    if not found:
        st.info(EMPTY_TEXT, icon=":material/chat_bubble_outline:")
        return
    for note in found:
        with st.container(border=True):
            render_note(note)
