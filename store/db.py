"""The user-content store (notes, dossiers, accounts, audit): SQLite by default, PostgreSQL by URL.

One small interface over both so every feature module and its tests run unchanged against either:
SQL is written with ``?`` placeholders (bound parameters only) and portable types; for PostgreSQL
the placeholders are rewritten to ``%s``. Schema changes are numbered ``.sql`` files in
``store/migrations/`` (``<feature>_<nnn>_<what>.sql``), applied once each, in name order, and
recorded in ``schema_migrations``. A file named ``<...>.postgresql.sql`` or ``<...>.sqlite.sql`` is applied
only on that backend (for what has no portable form, such as privileges and triggers).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class StoreError(Exception):
    pass


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Database:
    """A connection factory for one store URL: ``sqlite:///path`` or ``postgresql://...``."""

    MAX_IDLE = 8  # connections kept open for reuse; a PostgreSQL connect costs several milliseconds

    def __init__(self, url: str):
        self.url = url
        self._idle: list = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        if url.startswith("sqlite:///"):
            self.kind = "sqlite"
            self.path = Path(url.removeprefix("sqlite:///"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
        else:
            raise StoreError(f"Store URL must start with sqlite:/// or postgresql://, got {url.split(':')[0]!r}")

    def _connect(self):
        if self.kind == "sqlite":
            private_file(self.path)
            # Pooled connections move between threads, one thread at a time (see connection()).
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA busy_timeout=30000")
            return con
        import psycopg
        from psycopg.rows import dict_row

        return psycopg.connect(self.url, row_factory=dict_row, autocommit=True)

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection from the small pool of idle ones; it goes back only if the block ended
        cleanly (no transaction left open), otherwise it is closed."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not share its parent's sockets
                self._idle, self._pid = [], os.getpid()
            con = self._idle.pop() if self._idle else None
        con = con or self._connect()
        try:
            yield con
        except BaseException:
            with contextlib.suppress(Exception):
                con.close()
            raise
        with self._lock:
            if len(self._idle) < self.MAX_IDLE and self._pid == os.getpid():
                self._idle.append(con)
                return
        con.close()

    def transaction(self) -> contextlib.AbstractContextManager[Transaction]:
        """A connection in one transaction: committed on success, rolled back on any error."""
        # SQLite: take the write lock up front, so two writers never deadlock upgrading a read lock.
        return self._begun("BEGIN IMMEDIATE" if self.kind == "sqlite" else "BEGIN")

    def snapshot(self) -> contextlib.AbstractContextManager[Transaction]:
        """A read-only snapshot. ``transaction()`` takes SQLite's write lock (BEGIN IMMEDIATE), which
        would queue every chart's note lookup behind the writers; reads need no lock in WAL mode."""
        return self._begun("BEGIN" if self.kind == "sqlite" else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    @contextlib.contextmanager
    def _begun(self, begin: str) -> Iterator[Transaction]:
        with self.connection() as con:
            try:
                con.execute(begin)
                yield Transaction(con, self.kind)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        with self.transaction() as tx:
            return tx.query(sql, params)

    def migrate(self, directory: Path = MIGRATIONS_DIR) -> list[str]:
        """Apply migrations not applied yet; returns the names applied now."""
        applied_now = []
        with self.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            if self.kind == "postgresql":
                # Serialise concurrent app servers starting at once.
                tx.execute("SELECT pg_advisory_xact_lock(7247001)")
            done = {r["name"] for r in tx.query("SELECT name FROM schema_migrations")}
            for file in sorted(directory.glob("*.sql")):
                backend = file.stem.rsplit(".", 1)[-1] if "." in file.stem else ""
                if file.stem in done or backend in ("postgresql", "sqlite") and backend != self.kind:
                    continue
                for statement in _split_sql(file.read_text(encoding="utf-8")):
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (file.stem, utcnow()))
                applied_now.append(file.stem)
        return applied_now


def private_file(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only (0600) when it does not exist yet.

    The store holds password hashes and the audit log. SQLite creates its ``-wal`` and ``-shm`` files
    with the permissions of the database file, so they inherit the 0600 as well. An existing file is
    left as it is (an operator may have chosen its mode on purpose)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def integrity_errors() -> tuple[type[BaseException], ...]:
    """The drivers' unique-key violations, which the stores read as a concurrent save (a conflict)."""
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    with contextlib.suppress(ImportError):
        import psycopg

        errors.append(psycopg.IntegrityError)
    return tuple(errors)


class Transaction:
    def __init__(self, con, kind: str):
        self.con = con
        self.kind = kind

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.kind == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.con.execute(self._sql(sql), tuple(params))
        return cur.rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        cur = self.con.execute(self._sql(sql), tuple(params))
        return [dict(r) for r in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None


def _split_sql(text: str) -> list[str]:
    """Statements split at ';', except inside $$-quoted bodies (PostgreSQL functions)."""
    text = re.sub(r"--[^\n]*", "", text)
    statements, current = [], ""
    for n, part in enumerate(text.split("$$")):
        if n % 2:  # inside $$ ... $$
            current += "$$" + part + "$$"
            continue
        pieces = part.split(";")
        current += pieces[0]
        for piece in pieces[1:]:
            statements.append(current)
            current = piece
    statements.append(current)
    return [s.strip() for s in statements if s.strip()]


_shared_lock = threading.Lock()
_shared: dict[str, Database] = {}


def where(conditions: Sequence[tuple[str, Any]]) -> tuple[str, list]:
    """`` WHERE a = ? AND b = ?`` and its bound values from (clause, value) pairs; a pair whose value is
    None or empty is left out (a filter the reader did not set), a clause without a placeholder is kept."""
    clauses, params = [], []
    for clause, value in conditions:
        if "?" not in clause:
            clauses.append(clause)
        elif value not in (None, ""):
            clauses.append(clause)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def shared_database(url: str | None = None) -> Database:
    """The process's one migrated :class:`Database` (and connection pool) for ``url``, by default the store the
    settings name (``MSD_STORE_URL``). Accounts, sessions, the audit trail, notes and dossiers all use it."""
    url = url or settings.load().store_url
    with _shared_lock:
        found = _shared.get(url)
        if found is None:
            found = Database(url)
            found.migrate()
            _shared[url] = found
        return found
