"""Fixtures for the dossier tests: every store test runs against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import pytest

from store.db import Database
from store.dossiers import DossierContent, DossierStore, Section
from tests.pgserver import BACKENDS, fresh_database, postgres_server  # noqa: F401  (fixture re-exported)
from warehouse import catalogue


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Database:
    return fresh_database(request, tmp_path, request.param, "dossiers")


@pytest.fixture
def store(db) -> DossierStore:
    return DossierStore(db, known_indicators=catalogue.load().ids)


def sections() -> tuple[Section, ...]:
    return (
        Section(indicator_ids=("wmo_clients_per_1000",), region_codes=("GM0001", "WK000101"), comparison="beide",
                title="Wmo-maatwerk in de gemeente", year_from=2023, year_to=2024),
        Section(indicator_ids=("wmo_reg_clients", "population"), region_codes=("WK000101", "WK000103"),
                title="Cliënten per wijk", text="Let op de **kleine** aantallen."),
        Section(indicator_ids=("veilig_thuis_reports",), title="Veilig Thuis"),
    )


def content(**overrides) -> DossierContent:
    values = {"title": "Ouderen zelfstandig thuis", "session_date": "2026-03-12", "theme": "Zelfstandig thuis wonen",
                  "introduction": "Waarom deze **bijeenkomst**? Meer ouderen wonen thuis.",
                  "questions": ("Wat doen we nu en wat kost dat?", "Aan welke knoppen kan de raad draaien?"),
                  "sections": sections()}
    values.update(overrides)
    return DossierContent(**values)
