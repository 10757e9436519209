"""Fixtures for the per-member role tests (issue 21): stores on SQLite and PostgreSQL, and a small region.

The region: members GM0001 (Testgemeente, home) and GM0002 (Buurgemeente), region code RG0001. ``A`` and
``B`` name the two members in the tests; ``REGION`` the region's own code.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from store.db import Database
from tests.conftest import obs, small_observations, small_regions, source_row
from tests.pgserver import BACKENDS, fresh_database, postgres_server  # noqa: F401  (fixture re-exported)
from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse fixtures)
from warehouse import catalogue
from warehouse.publication import publish

A, B, REGION = "GM0001", "GM0002", "RG0001"
REGION_META = {"demo": False, "gemeente": A, "gemeente_name": "Testgemeente", "members": [A, B],
               "member_names": {A: "Testgemeente", B: "Buurgemeente"},
               "region": {"code": REGION, "name": "Testregio"}, "peers": ["GM0003"]}


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path) -> Database:
    return fresh_database(request, tmp_path, request.param, "scope")


def region_regions() -> pl.DataFrame:
    extra = pl.DataFrame([("RG0001", "Testregio", "regio", "NL01", None)],
                         schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")
    return pl.concat([small_regions(), extra])


def publish_region(path: Path) -> Path:
    """A release of the region GM0001 + GM0002 (the test figures of tests/conftest.py, and a region total)."""
    frame = pl.concat([small_observations(),
                       pl.DataFrame([obs("population", REGION, "2024JJ00", 33540),
                                     obs("population", REGION, "2023JJ00", 33540)])], how="diagonal_relaxed")
    publish(path, indicators=catalogue.load().to_frame(), regions=region_regions(), sources=source_row(),
            observations=frame, meta=dict(REGION_META),
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    return path


@pytest.fixture
def region_warehouse(tmp_path) -> Path:
    return publish_region(tmp_path / "warehouse")
