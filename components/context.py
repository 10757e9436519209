"""The warehouse a session reads, opened once per release and shared by all sessions.

When no warehouse exists yet (a fresh checkout) the demo is built first, with visible progress.
When the ETL publishes a new release, the next run sees the new ``current`` link and opens it.

In a region (several own municipalities) the page is about one member: the one in the address
(``?gemeente=GM1234``), else the one this session chose last, else the home municipality. An account of
one member reads that member only.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

import streamlit as st

import settings
from components import session
from etl import demo
from queries import Warehouse, signals
from warehouse.releases import current_release


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(warehouse_dir: str, release_id: str) -> Warehouse:
    return Warehouse.open(settings.load(warehouse_dir).warehouse, release_id)


def _build_demo_with_progress(path: Path) -> None:
    with st.status("De demo wordt klaargezet: drie verzonnen gemeenten. Dit duurt ongeveer een minuut...", expanded=True) as box:
        bar = st.progress(0.0)

        def progress(fraction: float, text: str) -> None:
            bar.progress(min(1.0, fraction), text=text)

        path.parent.mkdir(parents=True, exist_ok=True)
        # Several visitors of a fresh server must not build the demo twice at once.
        with open(path.parent / ".demo-build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if current_release(path) is None:
                demo.build(path, progress=progress)
                signals.after_publish(path)
        box.update(label="De demo staat klaar.", state="complete", expanded=False)


def warehouse(release_id: str | None = None) -> Warehouse:
    """The current release (or a pinned one); builds the demo on a fresh checkout."""
    s = settings.load()
    release = current_release(s.warehouse)
    if release is None:
        if settings.flag("MSD_NO_DEMO"):
            st.error("Er is nog geen data geladen. Vraag de beheerder om data te laden (python -m etl).")
            st.stop()
        _build_demo_with_progress(s.warehouse)
        release = current_release(s.warehouse)
    return member_view(_open(str(s.warehouse), release_id or release.id))


MEMBER_KEY = "gemeente"  # the query parameter that names the member a page is about
_CHOSEN = "_msd_member"  # the member this session chose last (a menu link carries no query parameters)


def readable_members(wh: Warehouse) -> list[str]:
    """The members this reader may open: all, or the one of an account of one member (none when that
    member is not in the release; session.enforce ends such a session, this keeps it closed regardless)."""
    scope = session.member_scope()
    if scope is None:
        return wh.members
    return [scope] if scope in wh.members else []


def member_view(wh: Warehouse) -> Warehouse:
    """The release as seen from the member this page is about; the member is written into the address, so a
    shared link opens the same municipality. A single municipality has no member in its addresses."""
    if not wh.is_region:
        return wh
    allowed = readable_members(wh)
    if not allowed:
        st.error("Uw account hoort bij een gemeente die niet in deze monitor staat. Vraag de beheerder om hulp.")
        st.stop()
    url = st.query_params.get(MEMBER_KEY)
    chosen = url if url in allowed else st.session_state.get(_CHOSEN)
    if chosen not in allowed:
        chosen = allowed[0]
    st.session_state[_CHOSEN] = chosen
    if url != chosen and (url is not None or chosen != wh.members[0]):
        st.query_params[MEMBER_KEY] = chosen
    return wh.for_member(chosen)


def choose_member(code: str) -> None:
    """Switch the session to member ``code`` (the picker's callback); refused outside the readable members."""
    wh = warehouse()
    if code in readable_members(wh.root):
        st.session_state[_CHOSEN] = code
        st.query_params[MEMBER_KEY] = code
