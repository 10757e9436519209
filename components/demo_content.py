"""Example content for the demo: notes that explain its figures, two markers, a published dossier.

Without it every panel of a fresh demo says "Er is nog geen duiding geschreven" and a visitor cannot see
what the monitor is for. Seeded once into the user store when a demo release is first opened
(:func:`ensure`); never in a real setup. The texts are about the demo's made-up municipality.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import tomllib

import streamlit as st

from components import dossier_document, dossier_store
from domain.roles import Role
from queries import Warehouse
from queries import figures as q
from settings import DATA_DIR
from store.dossiers import DossierStore
from store.notes import NoteContent, NoteStore

log = logging.getLogger(__name__)

WRITER, REVIEWER, GRIFFIER = "demo-ambtenaar", "demo-beheerder", "demo-griffie"
DOSSIER_TEMPLATE = "ouderen-zelfstandig-thuis"
_SEEDED = "_msd_demo_content_seeded"  # session key: the release whose demo content was looked at
DEMO_NOTES = DATA_DIR / "demo_notes.toml"


def _notes(gm: str, last: int, region_code: str | None = None) -> list[tuple[NoteContent, bool]]:
    """(content, publish?) pairs from ``data/demo_notes.toml``. Drafts stay drafts, so the work list has
    something to do. ``gm`` is the home member; a note with ``member`` is about that member ("gemeente"
    is then that member), "regio" is the region (``region_code``; such notes are left out without one)."""
    out = []
    for row in tomllib.loads(DEMO_NOTES.read_text(encoding="utf-8"))["note"]:
        fields = dict(row)
        publish = fields.pop("publish")
        member = fields.pop("member", None) or gm
        region = fields.pop("region")
        if region == "regio" and not region_code:
            continue
        region = {"gemeente": member, "regio": region_code}.get(region, region)
        period = fields.pop("period", None)
        if period:
            fields["period_from"] = fields["period_to"] = f"{last}JJ00" if period == "last" else period
        fields.setdefault("indicator_id", None)
        out.append((NoteContent(region_codes=(region,), **fields), publish))
    return out


def _already_seeded(notes: NoteStore) -> bool:
    return any(n.created_by == WRITER for n in notes.list_notes(role=Role.BEHEERDER))


def seed(wh: Warehouse, notes: NoteStore, dossiers: DossierStore) -> int:
    """Write the demo's notes and dossier into an empty store; returns how many notes were written."""
    if _already_seeded(notes):
        return 0
    wh = getattr(wh, "root", wh)  # the home member, also when the first page opened is about another member
    last = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente]) or dt.date.today().year
    written = 0
    region = wh.region["code"] if getattr(wh, "region", None) else None
    for content, publish in _notes(wh.gemeente, last, region):
        note = notes.create(content, role=Role.AMBTENAAR, user=WRITER)
        written += 1
        if publish:  # written by one person, published by another (four eyes)
            note = notes.submit_for_review(note.note_id, note.head_revision, role=Role.AMBTENAAR, user=WRITER)
            notes.publish(note.note_id, note.head_revision, role=Role.BEHEERDER, user=REVIEWER)
    template = next(t for t in dossier_document.load_templates() if t["id"] == DOSSIER_TEMPLATE)
    content = dossier_document.from_template(template, gemeente=wh.gemeente, wijken=q.wijken(wh)["region_code"].to_list(),
                                         latest_year=last, session_date=f"{last + 1}-03-12")
    dossier = dossiers.create(content, role=Role.GRIFFIE, user=GRIFFIER)
    dossier_store.publish(dossiers, notes, wh, dossier, role=Role.GRIFFIE, user=GRIFFIER)
    return written


def ensure(wh: Warehouse) -> None:
    """Seed the demo content once (demo releases only); a failure is logged, never shown to a visitor.
    Looked at once per browser session and release."""
    if not wh.is_demo or st.session_state.get(_SEEDED) == wh.release.id:
        return
    st.session_state[_SEEDED] = wh.release.id
    from components.notes import get_store as note_store

    try:
        lock_path = wh.release.path.parent.parent / ".demo-content.lock"
        with open(lock_path, "w") as lock:  # two first visitors at once must not seed twice
            fcntl.flock(lock, fcntl.LOCK_EX)
            seed(wh, note_store(), dossier_store.get_store())
    except Exception:
        log.exception("demo content could not be written")
