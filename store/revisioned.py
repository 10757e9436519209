"""Records with revisions: what notes and dossiers share (model, locking, publication stamps, audit).

Model
    One head row per record (newest revision number, status, who created, published or withdrew it) and
    one immutable row per save in the revisions table. Every edit and every state change adds a revision;
    nothing is deleted, a record is only withdrawn. While a published record is being edited, readers
    keep seeing the last published revision (``published_revision``).

Concurrency
    Optimistic locking on the revision number: a step is a conditional
    ``UPDATE <head> ... WHERE <key> = ? AND revision = ?`` plus an INSERT guarded by the primary key
    ``(<key>, revision)``, both in one transaction. When another writer got there first the UPDATE
    matches no row (PostgreSQL re-checks the WHERE after the competing commit; SQLite serialises
    writers with BEGIN IMMEDIATE) and the store's conflict error says who saved the newer version and when.

Stamps
    Publishing sets ``published_revision``, ``published_by`` and ``published_at`` and clears the
    withdrawal stamp: a record published again is no longer withdrawn. Withdrawing clears
    ``published_revision`` and sets ``withdrawn_by`` and ``withdrawn_at``; who published last stays.
    Both steps write their audit entry in the same transaction: no publication without its entry.

A store (:class:`store.notes.NoteStore`, :class:`store.dossiers.DossierStore`) names its tables in a
:class:`Table`, its errors and Dutch words as class attributes, and builds each new revision's own
columns in :meth:`RevisionedStore._revise`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from domain.formatting import MONTHS
from store import audit
from store.db import Database, Transaction, integrity_errors, utcnow

# Head columns every reader gets with a revision (besides the head's revision number and status).
FACTS = ("published_revision", "created_by", "created_at", "published_by", "published_at", "withdrawn_by",
         "withdrawn_at")


@dataclass(frozen=True)
class Table:
    """Where a kind of record lives: the head table, the revisions table and their columns."""

    head: str                        # e.g. "notes"
    revisions: str                   # e.g. "note_revisions"
    key: str                         # e.g. "note_id"
    alias: str                       # the head table's alias in the stores' SQL, e.g. "n"
    head_cols: tuple[str, ...]
    rev_cols: tuple[str, ...]
    head_extra: tuple[str, ...] = ()  # further head columns a reader gets with every revision (e.g. "slug")

    @cached_property
    def joined(self) -> str:
        """The column list of a revision joined with its head."""
        a = self.alias
        return (", ".join(f"r.{c} AS {c}" for c in self.rev_cols)
                + f", {a}.revision AS head_revision, {a}.status AS head_status, "
                + ", ".join(f"{a}.{c} AS {c}" for c in FACTS + self.head_extra))

    def select(self, on: str | None) -> str:
        """``SELECT`` revisions with their head: the newest (``on="revision"``), the published one
        (``on="published_revision"``) or every revision (``None``). Add WHERE and ORDER BY."""
        a = self.alias
        sql = f"SELECT {self.joined} FROM {self.head} {a} JOIN {self.revisions} r ON r.{self.key} = {a}.{self.key}"
        return sql + (f" AND r.revision = {a}.{on}" if on else "")

    @cached_property
    def insert_head(self) -> str:
        return f"INSERT INTO {self.head} ({', '.join(self.head_cols)}) VALUES ({', '.join('?' for _ in self.head_cols)})"

    @cached_property
    def insert_revision(self) -> str:
        return (f"INSERT INTO {self.revisions} ({', '.join(self.rev_cols)}) "
                f"VALUES ({', '.join('?' for _ in self.rev_cols)})")


@dataclass(frozen=True)
class Revision:
    """What a step stores besides the shared columns: the revision's own columns, head columns that
    change with it (e.g. a dossier's slug) and the audit detail of a publication or withdrawal."""

    fields: dict[str, Any]
    head: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class ShownRevision:
    """What a shown revision of any record (a Note, a Dossier) carries besides its content: which revision
    it is, its status and the record's publication facts, as :func:`revision_facts` reads them."""

    revision: int              # the revision shown
    head_revision: int         # the newest revision (what an edit must name as expected_revision)
    status: str                # status of the shown revision
    head_status: str
    change: str
    saved_by: str
    saved_at: str
    created_by: str
    created_at: str
    published_revision: int | None = None
    published_by: str | None = None
    published_at: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


def revision_facts(row: dict) -> dict[str, Any]:
    """The keyword arguments every revision value (a Note, a Dossier) takes from a joined row."""
    facts = {k: row[k] for k in ("status", "head_status", "change", "saved_by", "saved_at") + FACTS}
    return {"revision": int(row["revision"]), "head_revision": int(row["head_revision"]), **facts}


def stamps(head: dict, change: str, revision: int, user: str, now: str) -> dict[str, Any]:
    """The head's publication and withdrawal stamps after ``change`` (see the module docstring)."""
    out = {k: head[k] for k in ("published_revision", "published_by", "published_at", "withdrawn_by",
                                "withdrawn_at")}
    if change == "publish":
        out.update(published_revision=revision, published_by=user, published_at=now, withdrawn_by=None,
                   withdrawn_at=None)
    elif change == "withdraw":
        out.update(published_revision=None, withdrawn_by=user, withdrawn_at=now)
    return out


class RevisionConflict(Exception):
    """Someone else saved a newer revision since the caller read the record. ``what`` ("deze duiding",
    "dit dossier") is set by each kind of record's own subclass."""

    what = "dit record"

    def __init__(self, record_id: str, expected_revision: int, current_revision: int, saved_by: str, saved_at: str):
        self.record_id = record_id
        self.expected_revision = expected_revision
        self.current_revision = current_revision
        self.saved_by = saved_by
        self.saved_at = saved_at
        super().__init__(conflict_message(self.what, expected_revision, current_revision, saved_by, saved_at))


def conflict_message(what: str, expected_revision: int, current_revision: int, saved_by: str, saved_at: str) -> str:
    """Why a save was refused, in Dutch; ``what`` is "deze duiding", "dit dossier"."""
    return (f"Iemand anders heeft {what} intussen opgeslagen: versie {current_revision} door {saved_by} "
            f"op {format_when(saved_at)}. U werkte aan versie {expected_revision}. Uw wijziging is niet "
            "opgeslagen. Open de nieuwste versie, neem uw wijziging over en sla opnieuw op.")



def format_when(iso: str | None) -> str:
    """An ISO timestamp as a Dutch reader expects it, in Dutch local time."""
    if not iso:
        return "onbekend moment"
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    try:
        from zoneinfo import ZoneInfo

        t = t.astimezone(ZoneInfo("Europe/Amsterdam"))
    except Exception:  # no tz database on this machine: show UTC rather than fail
        pass
    return f"{t.day} {MONTHS[t.month - 1]} {t.year} om {t:%H:%M}"


class RevisionedStore:
    """The shared part of a store of revisioned records on a :class:`store.db.Database`."""

    table: ClassVar[Table]
    audit_kind: ClassVar[str]        # audit events are "<kind>_published" and "<kind>_withdrawn"
    record: ClassVar[str]            # "een duiding": in "Dit kan niet bij een duiding met status ..."
    missing: ClassVar[str]           # "Deze duiding bestaat niet."
    status_labels: ClassVar[dict[str, str]]
    change_labels: ClassVar[dict[str, str]]
    Invalid: ClassVar[Callable[[list[str]], Exception]]
    NotFound: ClassVar[type[Exception]]
    StateError: ClassVar[type[Exception]]
    Conflict: ClassVar[Callable[..., Exception]]  # (key, expected, current, saved_by, saved_at)

    def __init__(self, db: Database):
        self.db = db
        self._integrity = integrity_errors()

    def get(self, key: str, *, role) -> Any:  # each store reads its own way
        raise NotImplementedError

    def _read(self) -> contextlib.AbstractContextManager[Transaction]:
        return self.db.snapshot()

    def _check_user(self, user: str) -> str:
        u = (user or "").strip()
        if not u or len(u) > 200:
            raise self.Invalid(["onbekende gebruiker"])
        return u

    def _head(self, tx: Transaction, key: str) -> dict | None:
        t = self.table
        return tx.one(f"SELECT {', '.join(t.head_cols)} FROM {t.head} WHERE {t.key} = ?", (key,))

    def _conflict(self, key: str, expected: int, head: dict | None = None) -> Exception:
        if head is None:
            with self._read() as tx:
                head = self._head(tx, key)
        if head is None:
            raise self.NotFound(self.missing)
        return self.Conflict(key, expected, int(head["revision"]), head["updated_by"], head["updated_at"])

    def _insert_new(self, tx: Transaction, key: str, *, user: str, now: str, fields: dict[str, Any],
                    head: dict[str, Any]) -> None:
        """The head row and first revision (a draft) of a new record."""
        t = self.table
        head_row = {t.key: key, "revision": 1, "status": "draft", "published_revision": None, "created_by": user,
                    "created_at": now, "updated_by": user, "updated_at": now, "published_by": None,
                    "published_at": None, "withdrawn_by": None, "withdrawn_at": None, **head}
        rev = {t.key: key, "revision": 1, "status": "draft", "change": "create", **fields, "saved_by": user,
               "saved_at": now}
        tx.execute(t.insert_head, [head_row[k] for k in t.head_cols])
        tx.execute(t.insert_revision, [rev[k] for k in t.rev_cols])

    def _revise(self, tx: Transaction, head: dict, current: dict, *, change: str, user: str, now: str,
                revision: int, **kwargs) -> Revision:
        """The new revision's own columns, from the current revision row and the step's arguments; may
        refuse the step by raising."""
        raise NotImplementedError

    def _step(self, key: str, expected_revision: int | None, *, user: str, role, change: str,
              allowed_from: tuple[str, ...], new_status: Callable[[str], str], **kwargs) -> Any:
        """One edit or state change as a new revision (see the module docstring), then the record as
        ``role`` reads it."""
        t = self.table
        user = self._check_user(user)
        now = utcnow()
        try:
            with self.db.transaction() as tx:
                head = self._head(tx, key)
                if head is None:
                    raise self.NotFound(self.missing)
                base = int(head["revision"])
                if expected_revision is not None and base != int(expected_revision):
                    raise self._conflict(key, int(expected_revision), head)
                status = head["status"]
                if status not in allowed_from:
                    raise self.StateError(f"Dit kan niet bij {self.record} met status "
                                          f"'{self.status_labels[status]}' (stap: {self.change_labels[change]}).")
                current = tx.one(f"SELECT {', '.join(t.rev_cols)} FROM {t.revisions} "
                                 f"WHERE {t.key} = ? AND revision = ?", (key, base))
                assert current is not None, "head points at a missing revision"
                new_rev = base + 1
                nxt = self._revise(tx, head, current, change=change, user=user, now=now, revision=new_rev, **kwargs)
                to = new_status(status)
                moves = {"revision": new_rev, "status": to, "updated_by": user, "updated_at": now,
                         **stamps(head, change, new_rev, user, now), **nxt.head}
                # The atomic guard: only one writer can move the head from `base` to `base + 1`.
                moved = tx.execute(f"UPDATE {t.head} SET {', '.join(f'{c} = ?' for c in moves)} "
                                   f"WHERE {t.key} = ? AND revision = ?", [*moves.values(), key, base])
                if moved != 1:
                    raise self._conflict(key, expected_revision or base, self._head(tx, key))
                rev = {t.key: key, "revision": new_rev, "status": to, "change": change, **nxt.fields,
                       "saved_by": user, "saved_at": now}
                tx.execute(t.insert_revision, [rev[k] for k in t.rev_cols])
                if change in ("publish", "withdraw"):  # in the same transaction: no publication without its entry
                    event = f"{self.audit_kind}_{'published' if change == 'publish' else 'withdrawn'}"
                    audit.record_tx(tx, event, user, nxt.detail, role=role)
        except self._integrity as exc:  # the (key, revision) primary key caught a concurrent save
            raise self._conflict(key, expected_revision or 0) from exc
        return self.get(key, role=role)

    def count_revisions(self) -> dict[str, int]:
        """Revisions per record (for tests and the load benchmark)."""
        t = self.table
        with self._read() as tx:
            rows = tx.query(f"SELECT {t.key}, COUNT(*) AS n FROM {t.revisions} GROUP BY {t.key}")
        return {r[t.key]: int(r["n"]) for r in rows}
