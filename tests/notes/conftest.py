"""Fixtures for the notes tests: every store test runs against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import pytest
import streamlit as st

from store.db import Database
from store.notes import NoteContent, NoteStore
from tests.pgserver import BACKENDS, fresh_database, postgres_server  # noqa: F401  (fixture re-exported)


@pytest.fixture(params=BACKENDS)
def make_db(request, tmp_path):
    """A factory of fresh, migrated stores on one backend (tests run once per backend)."""

    def make() -> Database:
        return fresh_database(request, tmp_path, request.param, "notes")

    return make


@pytest.fixture
def db(make_db) -> Database:
    return make_db()


@pytest.fixture
def store(db) -> NoteStore:
    return NoteStore(db)


def content(**overrides) -> NoteContent:
    """A complete, valid note for the Wmo clients figure of the whole test municipality."""
    values = dict(law="wmo", indicator_id="wmo_clients_per_1000", region_codes=("GM0001",),
                  period_from="2024JJ00", period_to="2024JJ00", title="Meer Wmo-cliënten",
                  what_we_see="Het aantal cliënten steeg in **2024**.",
                  explanation="Door het abonnementstarief vragen meer mensen hulp aan.",
                  next_steps="We volgen de wachttijden per kwartaal.")
    values.update(overrides)
    return NoteContent(**values)


@pytest.fixture
def ui_store(tmp_path, monkeypatch) -> NoteStore:
    """A SQLite store the app will open through settings (MSD_STORE_URL), with no warehouse."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("MSD_STORE_URL", url)
    monkeypatch.setenv("MSD_WAREHOUSE", str(tmp_path / "no-warehouse"))
    monkeypatch.setenv("MSD_NO_DEMO", "1")
    st.cache_resource.clear()
    db = Database(url)
    db.migrate()
    yield NoteStore(db)
    st.cache_resource.clear()
