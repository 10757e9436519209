"""Interpretation notes (duiding) next to every chart: the store with its review workflow and chart markers.

Model and concurrency
    As every revisioned record (:mod:`store.revisioned`): a head row in ``notes``, one immutable row per
    save in ``note_revisions``, optimistic locking on the revision number (:class:`NoteConflict`). While a
    published note is being edited, readers without draft rights keep seeing the last published revision.
    The values and their checks are in :mod:`store.note_content`, export and import in
    :mod:`store.note_exchange`; this module is where callers import all of them from.

Permissions
    Every method takes the caller's ``role`` and checks it with :func:`domain.roles.require` on the
    server side, whatever the UI shows or hides. In a region every method also takes the caller's ``scope``
    (the account's member municipality, None for the whole installation): a note belongs to the municipality
    of its region codes (:func:`target_of`; a note on the region's own code belongs to the region), and a
    writer with a scope writes only its own member's notes and reads only their drafts (of other notes it
    sees what a reader sees). Export and import hold every member's drafts: whole installation only.
    With ``four_eyes`` (setting MSD_FOUR_EYES) the store also refuses a publication by the person who
    wrote the text being published: a second pair of eyes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import polars as pl

from domain.roles import Role, can, in_scope, require, require_in_scope, require_scope
from store.db import Database, Transaction, utcnow, where
from store.markdown import plain_text
from store.note_content import (
    CHANGE_LABELS,
    LAWS,
    LINK_KINDS,
    STATUS_LABELS,
    TABLE,
    FourEyesRefused,
    Link,
    Note,
    NoteConflict,
    NoteContent,
    NoteError,
    NoteInvalid,
    NoteNotFound,
    NoteStateError,
    content_fields,
    content_of,
    gemeente_of,
    note_of,
    parse_period_spec,
    period_label,
    year_code,
)
from store.note_exchange import ImportRefused, ImportReport, NoteExchange
from store.revisioned import Revision, format_when

__all__ = ["CHANGE_LABELS", "LAWS", "LINK_KINDS", "MARKER_SCHEMA", "STATUS_LABELS", "FourEyesRefused", "ImportRefused",
           "ImportReport", "Link", "Note", "NoteConflict", "NoteContent", "NoteError", "NoteInvalid", "NoteNotFound",
           "NoteStateError", "NoteStore", "format_when", "gemeente_of", "parse_period_spec", "period_label",
           "target_of", "year_code"]

MARKER_SCHEMA = {"period": pl.String, "year": pl.Int64, "label": pl.String, "text": pl.String, "note_id": pl.String}


def target_of(region_codes: Sequence[str]) -> str | None:
    """The municipality a note belongs to: its GM code, or the municipality of its wijken (WK099001 ->
    GM0990). None: the region itself (a note on the region's code, RGnnnn or JZnn), codes of several
    municipalities, or none at all; only an account of the whole installation writes those."""
    found = set()
    for code in region_codes or ():
        c = str(code).strip().upper()
        gm = c if c.startswith("GM") else gemeente_of(c)
        if gm is None:
            return None
        found.add(gm)
    return found.pop() if len(found) == 1 else None


def _own(note: Note, scope: str | None) -> bool:
    return in_scope(scope, target_of(note.content.region_codes))


class NoteStore(NoteExchange):
    """Notes on a :class:`store.db.Database` (SQLite or PostgreSQL; same behaviour on both)."""

    table = TABLE
    audit_kind = "note"
    record = "een duiding"
    missing = "Deze duiding bestaat niet."
    status_labels = STATUS_LABELS
    change_labels = CHANGE_LABELS
    Invalid = NoteInvalid
    NotFound = NoteNotFound
    StateError = NoteStateError
    Conflict = NoteConflict

    def __init__(self, db: Database, *, four_eyes: bool = False):
        super().__init__(db)
        self.four_eyes = four_eyes

    # -- reading ---------------------------------------------------------------------------------

    def get(self, note_id: str, *, role: Role | str | None, scope: str | None = None) -> Note:
        """The newest revision for writers (of their own member's notes, with a ``scope``); the published
        revision for everyone else."""
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        on = "revision" if drafts else "published_revision"
        with self._read() as tx:
            row = tx.one(TABLE.select(on) + " WHERE n.note_id = ?", (note_id,))
            if row is not None and drafts and not _own(note_of(row), scope):
                row = tx.one(TABLE.select("published_revision") + " WHERE n.note_id = ?", (note_id,))
        if row is None:
            raise NoteNotFound("Deze duiding bestaat niet of is niet gepubliceerd.")
        return note_of(row)

    def history(self, note_id: str, *, role: Role | str | None, scope: str | None = None) -> list[Note]:
        """All revisions, newest first. Readers without draft rights (or of another member's note) see only
        revisions that were published."""
        require(role, "read_published")
        drafts = can(role, "read_drafts") and (scope is None or self._owned(note_id, scope))
        extra = "" if drafts else " AND r.status = 'published' AND n.published_revision IS NOT NULL"
        with self._read() as tx:
            rows = tx.query(TABLE.select(None) + f" WHERE n.note_id = ?{extra} ORDER BY r.revision DESC", (note_id,))
        if not rows:
            raise NoteNotFound("Deze duiding bestaat niet of is niet gepubliceerd.")
        return [note_of(r) for r in rows]

    def _owned(self, note_id: str, scope: str | None) -> bool:
        """Whether the note (its newest revision) belongs to member ``scope``."""
        with self._read() as tx:
            row = tx.one(TABLE.select("revision") + " WHERE n.note_id = ?", (note_id,))
        return row is not None and _own(note_of(row), scope)

    def list_notes(self, *, role: Role | str | None, law: str | None = None, indicator_id: str | None = None,
                   status: str | None = None, scope: str | None = None) -> list[Note]:
        """Notes for the writers' overview (newest change first); non-writers get published notes only.
        With a ``scope``: only that member's notes."""
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        published_only = [] if drafts else [("n.published_revision IS NOT NULL", None)]
        filters, params = where([*published_only, ("n.law = ?", law), ("n.indicator_id = ?", indicator_id),
                                 ("n.status = ?", status)])
        sql = TABLE.select("revision" if drafts else "published_revision") + filters
        sql += " ORDER BY n.updated_at DESC, n.note_id"
        with self._read() as tx:
            found = [note_of(r) for r in tx.query(sql, params)]
        return [n for n in found if _own(n, scope)] if scope else found

    def _visible_for_indicator(self, indicator_id: str | None, law: str, role, period: str | None,
                               markers_only: bool = False, scope: str | None = None) -> list[Note]:
        """As the role sees them; a writer with a ``scope`` sees the drafts of its own member's notes only,
        and of every other note the published revision."""
        require(role, "read_published")
        if scope and can(role, "read_drafts"):
            newest = self._visible_for_indicator(indicator_id, law, role, period, markers_only)
            own = {n.note_id for n in newest if _own(n, scope)}
            published = self._visible_for_indicator(indicator_id, law, Role.RAADSLID, period, markers_only)
            return [n for n in newest if n.note_id in own] + [n for n in published if n.note_id not in own]
        drafts = can(role, "read_drafts")
        if drafts:
            sql = TABLE.select("revision") + " WHERE n.status <> 'withdrawn'"
        else:
            sql = TABLE.select("published_revision") + " WHERE n.published_revision IS NOT NULL"
        sql += " AND (n.indicator_id = ? OR (n.indicator_id IS NULL AND n.law = ?))"
        params: list[Any] = [indicator_id or "", law]
        year = year_code(period)
        if year:
            sql += " AND (r.period_from IS NULL OR r.period_from <= ?) AND (r.period_to IS NULL OR r.period_to >= ?)"
            params += [year, year]
        if markers_only:
            sql += " AND r.marker_period IS NOT NULL"
        with self._read() as tx:
            return [note_of(r) for r in tx.query(sql, params)]

    def notes_for(self, indicator_id: str, law: str, region_codes: Sequence[str], period: str | None, *,
                  role: Role | str | None, scope: str | None = None) -> list[Note]:
        """The notes that belong next to a chart, most specific first.

        A gemeente-wide note also shows next to a chart of one of its wijken; a wijk note only next to
        a chart of that wijk. ``period`` None means the chart shows all years.
        """
        wanted = {c.strip().upper() for c in region_codes if c}
        wanted |= {g for g in (gemeente_of(c) for c in wanted) if g}
        # Markers are events on the time axis (and in the list of events), not notes beside the chart.
        found = [n for n in self._visible_for_indicator(indicator_id, law, role, period, scope=scope)
                 if not n.is_marker]
        if wanted:
            found = [n for n in found if wanted & set(n.content.region_codes)]
        return sorted(found, key=Note.specificity)

    def pending_review(self, *, role: Role | str | None, scope: str | None = None) -> list[Note]:
        """Notes waiting for a colleague's review, longest waiting first, with who set them ready and when
        (with a ``scope``: that member's notes)."""
        require(role, "read_drafts")
        with self._read() as tx:
            rows = tx.query(TABLE.select("revision") + " WHERE n.status = 'review' ORDER BY n.updated_at, n.note_id")
        return [n for n in (note_of(r) for r in rows) if _own(n, scope)]

    def may_publish(self, note: Note, user: str) -> bool:
        """Whether ``user`` passes the four-eyes rule for the shown revision (the UI hides the button; the store
        checks again in :meth:`publish`)."""
        return not self.four_eyes or note.written_by.strip() != (user or "").strip()

    def markers_of(self, indicator_id: str, law: str, *, role: Role | str | None, scope: str | None = None,
                   region_codes: Sequence[str] | None = None) -> list[Note]:
        """The marker notes (events) of an indicator, its own and its law's, as the role may see them.
        ``region_codes`` (in a region: the municipality looked at) keeps the markers of those areas only."""
        found = self._visible_for_indicator(indicator_id, law, role, None, markers_only=True, scope=scope)
        if region_codes is not None:
            wanted = {c.strip().upper() for c in region_codes if c}
            wanted |= {g for g in (gemeente_of(c) for c in wanted) if g}
            found = [n for n in found if wanted & {target_of(n.content.region_codes), *n.content.region_codes}]
        return sorted(found, key=lambda n: (n.content.marker_period, n.content.marker_label or ""))

    def markers_for(self, indicator_id: str, law: str, *, role: Role | str | None, scope: str | None = None,
                    region_codes: Sequence[str] | None = None) -> pl.DataFrame:
        """Events for the time axis of every chart of the indicator: period, year, label, text, note_id."""
        rows = []
        for n in self.markers_of(indicator_id, law, role=role, scope=scope, region_codes=region_codes):
            c = n.content
            label = c.marker_label or ""
            if n.status != "published":
                label += " (concept)"
            text = plain_text(c.explanation or c.what_we_see or c.next_steps, limit=240) or label
            rows.append({"period": c.marker_period, "year": int(c.marker_period[:4]), "label": label, "text": text,
                         "note_id": n.note_id})
        return pl.DataFrame(rows, schema=MARKER_SCHEMA).sort("period", "label")

    # -- writing ---------------------------------------------------------------------------------

    def create(self, content: NoteContent, *, role: Role | str | None, user: str, scope: str | None = None) -> Note:
        require(role, "write_note")
        user = self._check_user(user)
        c = content.normalised()
        require_scope(role, scope, target_of(c.region_codes), "write_note")
        note_id = uuid.uuid4().hex
        now = utcnow()
        with self.db.transaction() as tx:
            self._insert_new(tx, note_id, user=user, now=now, fields=content_fields(c, written_by=user, written_at=now),
                             head={"law": c.law, "indicator_id": c.indicator_id})
        return self.get(note_id, role=role)

    def update(self, note_id: str, expected_revision: int, content: NoteContent, *, role: Role | str | None,
               user: str, scope: str | None = None) -> Note:
        """Save new text as a new revision. Editing a published note starts a new draft; readers keep
        seeing the published revision until it is published again."""
        require(role, "write_note")
        c = content.normalised()
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="write_note",
                          change="edit",
                          allowed_from=("draft", "review", "published"),
                          new_status=lambda s: "draft" if s == "published" else s, content=c)

    def submit_for_review(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                          user: str, scope: str | None = None) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="write_note",
                          change="review", allowed_from=("draft",),
                          new_status=lambda s: "review")

    def back_to_draft(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                      user: str, scope: str | None = None) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="write_note",
                          change="back_to_draft",
                          allowed_from=("review",), new_status=lambda s: "draft")

    def publish(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                user: str, scope: str | None = None) -> Note:
        """Publish the reviewed revision. Naming ``expected_revision`` guarantees you publish what you read."""
        require(role, "publish_note")
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="publish_note",
                          change="publish",
                          allowed_from=("review",), new_status=lambda s: "published")

    def withdraw(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                 user: str, scope: str | None = None) -> Note:
        """Take a note out of sight (any status). Nothing is deleted; it can be reopened as a draft."""
        require(role, "publish_note")
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="publish_note",
                          change="withdraw",
                          allowed_from=("draft", "review", "published"), new_status=lambda s: "withdrawn")

    def reopen(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
               user: str, scope: str | None = None) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, scope=scope, action="write_note",
                          change="reopen",
                          allowed_from=("withdrawn",), new_status=lambda s: "draft")

    def export_data(self, *, role: Role | str | None, user: str = "", scope: str | None = None) -> dict:
        """Every member's notes with their drafts: for an account of the whole installation."""
        require_scope(role, scope, None, "read_drafts")
        return super().export_data(role=role, user=user)

    def export_json(self, *, role: Role | str | None, user: str = "", scope: str | None = None) -> str:
        require_scope(role, scope, None, "read_drafts")
        return super().export_json(role=role, user=user)

    def import_json(self, data: str | bytes | dict, *, role: Role | str | None, user: str, restore: bool = False,
                    scope: str | None = None) -> ImportReport:
        require_scope(role, scope, None, "write_note")
        return super().import_json(data, role=role, user=user, restore=restore)

    def _revise(self, tx: Transaction, head: dict, current: dict, *, change: str, user: str, now: str,
                revision: int, content: NoteContent | None = None, scope: str | None = None,
                action: str = "write_note") -> Revision:
        # Checked on the revision read in this transaction (the note as it is now), and on the new text.
        require_in_scope(scope, target_of(current["region_codes"].split()), action)
        if content is not None:
            require_in_scope(scope, target_of(content.region_codes), action)
        if change == "publish" and self.four_eyes and current["written_by"] == user:
            raise FourEyesRefused()
        if content is None:  # a state change: same text, same author
            c = content_of(current)
            written_by, written_at = current["written_by"], current["written_at"]
        else:
            c, written_by, written_at = content, user, now
        what = f"{c.law}, {c.indicator_id or 'alle cijfers'}"
        return Revision(fields=content_fields(c, written_by=written_by, written_at=written_at),
                        detail=f"duiding {head['note_id']} versie {revision} ({what}): {c.title}")
