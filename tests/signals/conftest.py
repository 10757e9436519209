"""The demo for the page tests: a copy with its own note and dossier store."""

from __future__ import annotations

import shutil

import pytest

from etl import catalogue
from store.db import Database
from store.dossiers import DossierStore
from store.notes import NoteStore


@pytest.fixture
def demo_app(app_env, demo_warehouse, tmp_path):
    """A copy of the demo with its own note store: other tests' notes and dossiers never show up here."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(demo_warehouse, warehouse, symlinks=True)
    app_env(warehouse)
    return warehouse


def stores(warehouse):
    db = Database(f"sqlite:///{warehouse.parent / 'store.sqlite'}")
    db.migrate()
    return NoteStore(db), DossierStore(db, known_indicators=catalogue.load().ids)
