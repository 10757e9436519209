"""The audit log: sign-ins, failed sign-ins, publications, uploads and account changes.

Other modules call one function::

    from store import audit
    audit.record("upload", current_user(), "wmo-2024.csv: 1.204 rijen", role=current_role())

Inside a store transaction, use :func:`record_tx` so the entry commits (or rolls back) together with
the change it describes. The log is append-only: there is no function that changes or deletes an entry,
and on PostgreSQL the app's role has no UPDATE/DELETE right on the table (migration auth_003).
Only the administrator reads it (:func:`entries` checks ``view_audit``).

Tamper evidence: the entries form a hash chain. Entry ``seq`` n stores ``prev_hash`` (the ``row_hash`` of
entry n - 1) and ``row_hash`` = sha256(prev_hash, newline, the canonical JSON of its own fields). Appends are
serialised (SQLite's write lock, a PostgreSQL advisory lock; a unique index on ``seq`` and on
``prev_hash`` as a second guard), so the chain never forks. :func:`verify` recomputes the chain and names
the first entry that does not fit: changed content, a removed or inserted entry, a broken order.
Removing the newest entries leaves a shorter, valid chain; :func:`verify` with ``expect`` checks that an
entry hash noted earlier (for example printed by a daily ``--verify`` into a log elsewhere) is still there.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass

from domain.export import NUMBER, Column, ExportTable
from domain.export import to_csv as _to_csv
from domain.roles import Role, require
from store.db import Database, Transaction, utcnow, where

# Known events with their Dutch labels for the administrator's page; other modules may add their own
# (lower case, underscores), which are shown as they are.
EVENTS: dict[str, str] = {
    "login": "Ingelogd",
    "login_failed": "Inloggen mislukt",
    "logout": "Uitgelogd",
    "session_expired": "Sessie verlopen",
    "account_locked": "Account geblokkeerd na foute pogingen",
    "access_denied": "Toegang geweigerd",
    "account_created": "Account aangemaakt",
    "account_role_changed": "Rol gewijzigd",
    "account_gemeente_changed": "Gemeente van account gewijzigd",
    "account_password_reset": "Wachtwoord opnieuw ingesteld",
    "account_disabled": "Account uitgeschakeld",
    "account_enabled": "Account weer aangezet",
    "account_unlocked": "Blokkade opgeheven",
    "note_published": "Duiding gepubliceerd",
    "note_withdrawn": "Duiding ingetrokken",
    "notes_imported": "Duidingen ingelezen",
    "dossier_published": "Dossier gepubliceerd",
    "dossier_withdrawn": "Dossier ingetrokken",
    "upload": "Bestand geüpload",
    "load": "Data geladen",
}

_EVENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")


def _clean(text: object, limit: int, *, one_line: bool = False) -> str:
    """Plain text of bounded length: a typed user name or a file name cannot flood or garble the log."""
    return (_CONTROL_OR_NEWLINE if one_line else _CONTROL).sub(" ", str(text or ""))[:limit]


def _row(event: str, user: str, detail: str, role: Role | str | None) -> dict:
    if not _EVENT.match(event or ""):
        raise ValueError(f"Audit event must be lower case with underscores, got {event!r}")
    role_value = role.value if isinstance(role, Role) else (str(role) if role else None)
    who = _clean(user, 200, one_line=True) or "onbekend"
    return {"entry_id": uuid.uuid4().hex, "event": event, "username": who, "role": role_value and role_value[:40],
            "detail": _clean(detail, 2000)}


FIELDS = ("entry_id", "at", "event", "username", "role", "detail")
_INSERT = ("INSERT INTO audit_log (seq, prev_hash, row_hash, entry_id, at, event, username, role, detail) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_APPEND_LOCK = 7247002  # PostgreSQL advisory lock id: one appender at a time across app servers
_GENESIS_SEED = "monitor-sociaal-domein audit log"


def entry_hash(prev_hash: str, seq: int, entry: dict) -> str:
    """sha256 over the previous hash and the entry's canonical content (JSON of its number and fields)."""
    canonical = json.dumps([seq, *(entry[k] for k in FIELDS)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def genesis_hash(legacy: list[dict]) -> str:
    """The prev_hash of entry 1: a hash over every entry written before the chain existed (in time order),
    so those are sealed by the first chained entry without ever being updated."""
    h = hashlib.sha256(_GENESIS_SEED.encode()).hexdigest()
    for e in legacy:
        h = entry_hash(h, 0, e)
    return h


def _legacy(tx: Transaction) -> list[dict]:
    return tx.query(f"SELECT {', '.join(FIELDS)} FROM audit_log WHERE seq IS NULL ORDER BY at, entry_id")


def _append(tx: Transaction, entry: dict) -> None:
    if tx.kind == "postgresql":
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_APPEND_LOCK,))  # held until this transaction ends
    # (SQLite: every store transaction already holds the database's write lock, BEGIN IMMEDIATE.)
    tail = tx.one("SELECT seq, row_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
    seq, prev = (int(tail["seq"]) + 1, tail["row_hash"]) if tail else (1, genesis_hash(_legacy(tx)))
    entry = {**entry, "at": utcnow()}  # taken under the lock, so time order follows the chain
    tx.execute(_INSERT, (seq, prev, entry_hash(prev, seq, entry), *(entry[k] for k in FIELDS)))


def record_tx(tx: Transaction, event: str, user: str, detail: str = "", *, role: Role | str | None = None) -> None:
    """Write an entry inside the caller's transaction (it lands only if the change itself lands)."""
    _append(tx, _row(event, user, detail, role))


def record(event: str, user: str, detail: str = "", *, role: Role | str | None = None,
           db: Database | None = None, once: bool = False) -> None:
    """Write an entry in its own transaction (default store: the settings' ``MSD_STORE_URL``).
    ``once``: skip it when an entry with the same event, user and detail exists already."""
    if db is None:
        from store.db import shared_database

        db = shared_database()
    row = _row(event, user, detail, role)
    with db.transaction() as tx:
        if once and tx.one("SELECT entry_id FROM audit_log WHERE event = ? AND username = ? AND detail = ?",
                           (row["event"], row["username"], row["detail"])):
            return
        _append(tx, row)


def entries(*, role: Role | str | None, db: Database | None = None, event: str | None = None,
            user: str | None = None, since: str | None = None, until: str | None = None,
            limit: int = 500) -> list[dict]:
    """Entries newest first, for the administrator. ``since``/``until`` are ISO dates or timestamps."""
    require(role, "view_audit")
    if db is None:
        from store.db import shared_database

        db = shared_database()
    pattern = None
    if user:  # a part of the user name, with LIKE's own characters taken literally
        pattern = "%" + user.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    filters, params = where([("event = ?", event), ("LOWER(username) LIKE ? ESCAPE '\\'", pattern),
                             ("at >= ?", since), ("at < ?", until)])
    sql = "SELECT seq, entry_id, at, event, username, role, detail FROM audit_log" + filters
    sql += " ORDER BY at DESC, entry_id DESC LIMIT ?"
    params.append(max(1, min(int(limit), 10_000)))
    return db.query(sql, params)


def label(event: str) -> str:
    return EVENTS.get(event, event)


# ------------------------------------------------------------------------------------------------
# Checking the chain, and the log as a spreadsheet
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int               # chained entries checked
    legacy: int                # entries from before the chain, sealed by entry 1
    head_seq: int | None
    head_hash: str | None
    problem: str = ""          # Dutch: which entry is the first that does not fit, and how

    def message(self) -> str:
        if not self.ok:
            return f"Het logboek is aangetast: {self.problem}"
        if not self.entries:
            return "Het logboek is in orde: er staan nog geen regels in de keten."
        extra = f" (plus {self.legacy} oudere regels, verzegeld door regel 1)" if self.legacy else ""
        return (f"Het logboek is in orde: {self.entries} regels{extra}. Laatste regel: nummer {self.head_seq}, "
                f"hash {self.head_hash}. Noteer die hash buiten deze server om later te kunnen controleren dat er "
                "niets achteraan is weggehaald (--expect).")


def verify(db: Database, *, expect: str | None = None) -> ChainCheck:
    """Recompute the whole chain from one snapshot; stop at the first entry that does not fit.
    ``expect``: a row hash noted earlier that must still be in the chain."""
    with db.snapshot() as tx:
        legacy = _legacy(tx)
        rows = tx.query(f"SELECT seq, prev_hash, row_hash, {', '.join(FIELDS)} FROM audit_log "
                        "WHERE seq IS NOT NULL ORDER BY seq")
    prev = genesis_hash(legacy)
    seen_expect = expect is None
    for n, r in enumerate(rows, start=1):
        where = f"regel {r['seq']} ({(r['at'] or '')[:19]}, {r['event']})"
        problem = ""
        if int(r["seq"]) != n:
            problem = f"vóór {where} ontbreekt regel {n}"
        elif r["prev_hash"] != prev:
            problem = (f"{where} volgt niet op de regel ervoor" if n > 1 else
                       f"{where} past niet bij de {len(legacy)} oudere regels: daarvan is er een gewijzigd, "
                       "weggehaald of bijgezet")
        elif entry_hash(prev, n, r) != r["row_hash"]:
            problem = f"de inhoud van {where} is gewijzigd"
        if problem:
            return ChainCheck(False, n - 1, len(legacy), n - 1 or None, prev, problem)
        prev = r["row_hash"]
        seen_expect = seen_expect or r["row_hash"] == expect
    head = rows[-1] if rows else None
    if not seen_expect:
        return ChainCheck(False, len(rows), len(legacy), head and int(head["seq"]), prev,
                          "de opgegeven hash staat niet (meer) in het logboek: regels zijn weggehaald of vervangen")
    return ChainCheck(True, len(rows), len(legacy), head and int(head["seq"]), head and head["row_hash"])


def export_table(found: list[dict]) -> ExportTable:
    """Entries as a table for "Download als CSV" (every text cell neutralised against formula injection)."""
    columns = (Column("Nummer", NUMBER), Column("Tijd (UTC)"), Column("Gebeurtenis"), Column("Code"),
               Column("Wie"), Column("Rol"), Column("Details"))
    rows = tuple((e.get("seq"), e["at"], label(e["event"]), e["event"], e["username"], e["role"] or "", e["detail"])
                 for e in found)
    return ExportTable(title="Logboek", columns=columns, rows=rows, source="Logboek van de Monitor Sociaal Domein")


def to_csv(found: list[dict]) -> bytes:
    return _to_csv(export_table(found))
