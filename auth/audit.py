"""The audit log: sign-ins, failed sign-ins, publications, uploads and account changes.

Other modules call one function::

    from auth import audit
    audit.record("upload", current_user(), "wmo-2024.csv: 1.204 rijen", role=current_role())

Inside a store transaction, use :func:`record_tx` so the entry commits (or rolls back) together with
the change it describes. The log is append-only: there is no function that changes or deletes an entry.
Only the administrator reads it (:func:`entries` checks ``view_audit``).
"""

from __future__ import annotations

import re
import uuid

from auth.roles import Role, require
from store.db import Database, Transaction, utcnow

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


def _row(event: str, user: str, detail: str, role: Role | str | None) -> tuple:
    if not _EVENT.match(event or ""):
        raise ValueError(f"Audit event must be lower case with underscores, got {event!r}")
    role_value = role.value if isinstance(role, Role) else (str(role) if role else None)
    who = _clean(user, 200, one_line=True) or "onbekend"
    return uuid.uuid4().hex, utcnow(), event, who, role_value and role_value[:40], _clean(detail, 2000)


_INSERT = "INSERT INTO audit_log (entry_id, at, event, username, role, detail) VALUES (?, ?, ?, ?, ?, ?)"


def record_tx(tx: Transaction, event: str, user: str, detail: str = "", *, role: Role | str | None = None) -> None:
    """Write an entry inside the caller's transaction (it lands only if the change itself lands)."""
    tx.execute(_INSERT, _row(event, user, detail, role))


def record(event: str, user: str, detail: str = "", *, role: Role | str | None = None,
           db: Database | None = None, once: bool = False) -> None:
    """Write an entry in its own transaction (default store: the settings' ``MSD_STORE_URL``).
    ``once``: skip it when an entry with the same event, user and detail exists already."""
    if db is None:
        from auth.db import default_db

        db = default_db()
    row = _row(event, user, detail, role)
    with db.transaction() as tx:
        if once and tx.one("SELECT entry_id FROM audit_log WHERE event = ? AND username = ? AND detail = ?",
                           (row[2], row[3], row[5])):
            return
        tx.execute(_INSERT, row)


def entries(*, role: Role | str | None, db: Database | None = None, event: str | None = None,
            user: str | None = None, since: str | None = None, until: str | None = None,
            limit: int = 500) -> list[dict]:
    """Entries newest first, for the administrator. ``since``/``until`` are ISO dates or timestamps."""
    require(role, "view_audit")
    if db is None:
        from auth.db import default_db

        db = default_db()
    where, params = [], []
    if event:
        where.append("event = ?")
        params.append(event)
    if user:
        where.append("LOWER(username) LIKE ? ESCAPE '\\'")
        escaped = user.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at < ?")
        params.append(until)
    sql = "SELECT entry_id, at, event, username, role, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at DESC, entry_id DESC LIMIT ?"
    params.append(max(1, min(int(limit), 10_000)))
    return db.query(sql, params)


def label(event: str) -> str:
    return EVENTS.get(event, event)
