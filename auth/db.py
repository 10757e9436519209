"""The store the auth modules use by default: the one named by the settings, migrated once per process."""

from __future__ import annotations

import threading

import settings
from store.db import Database

_lock = threading.Lock()
_migrated: dict[str, Database] = {}


def default_db(url: str | None = None) -> Database:
    """A migrated :class:`Database` for ``url`` (default: ``MSD_STORE_URL`` / the settings' store)."""
    url = url or settings.load().store_url
    with _lock:
        db = _migrated.get(url)
        if db is None:
            db = Database(url)
            db.migrate()
            _migrated[url] = db
        return db
