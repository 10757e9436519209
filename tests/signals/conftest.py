"""The demo for the page tests: a copy with its own note and dossier store."""

from __future__ import annotations

from store.db import Database
from store.dossiers import DossierStore
from store.notes import NoteStore
from warehouse import catalogue


def stores(warehouse):
    db = Database(f"sqlite:///{warehouse.parent / 'store.sqlite'}")
    db.migrate()
    return NoteStore(db), DossierStore(db, known_indicators=catalogue.load().ids)
