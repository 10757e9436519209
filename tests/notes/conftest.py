"""Fixtures for the notes tests: every store test runs against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import itertools

import pytest

from store.db import Database
from store.notes import NoteContent, NoteStore
from tests.pgserver import postgres_server  # noqa: F401  (session fixture, re-exported for pytest)

_names = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def make_db(request, tmp_path):
    """A factory of fresh, migrated stores on one backend (tests run once per backend)."""

    def make() -> Database:
        n = next(_names)
        if request.param == "sqlite":
            database = Database(f"sqlite:///{tmp_path / f'store{n}.sqlite'}")
        else:
            server = request.getfixturevalue("postgres_server")
            database = Database(server.create_database(f"notes_{n}"))
        database.migrate()
        return database

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
