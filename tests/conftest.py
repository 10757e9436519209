"""Shared fixtures: a small hand-made warehouse, and the full demo built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Every chart spec a test renders is checked against the Vega-Lite schema (the app skips that for speed).
os.environ["MSD_VALIDATE_CHARTS"] = "1"

import polars as pl
import pytest

from etl import demo
from warehouse import catalogue
from warehouse.publication import publish

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The built-in demo, built through the real loaders, once for the whole test run; its signals stored
    after publication, as the app does when it builds the demo."""
    from queries import signals

    path = tmp_path_factory.mktemp("demo") / "warehouse"
    demo.build(path, progress=lambda *_: None)
    signals.after_publish(path)
    return path


@pytest.fixture
def demo_app(app_env, demo_warehouse, tmp_path) -> Path:
    """A copy of the demo with its own note and dossier store: what one test writes, no other test sees."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(demo_warehouse, warehouse, symlinks=True)
    app_env(warehouse)
    return warehouse


def small_regions() -> pl.DataFrame:
    rows = [
        ("NL01", "Nederland", "land", None, None),
        ("GM0001", "Testgemeente", "gemeente", "NL01", "GM0001"),
        ("GM0002", "Buurgemeente", "gemeente", "NL01", "GM0002"),
        ("GM0003", "Verregemeente", "gemeente", "NL01", "GM0003"),
        ("WK000101", "Noord", "wijk", "GM0001", "GM0001"),
        ("WK000102", "Zuid", "wijk", "GM0001", "GM0001"),
        ("WK000103", "Oost", "wijk", "GM0001", "GM0001"),
    ]
    return pl.DataFrame(rows, schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")


def obs(indicator_id: str, region_code: str, period: str, value: float | None, *, status: str = "final",
        source_id: str = "test", denominator: float | None = None, breakdown: str = "", category: str = "") -> dict:
    return {"indicator_id": indicator_id, "region_code": region_code, "period": period, "value": value,
            "status": status, "source_id": source_id, "denominator": denominator, "breakdown": breakdown,
            "category": category}


def source_row(source_id: str = "test") -> pl.DataFrame:
    return pl.DataFrame([{"source_id": source_id, "kind": "test", "title": "Testbron", "table_id": "T1", "url": "",
                          "release": "2025-01-01", "loaded_at": "2025-01-02T00:00:00+00:00", "checksum": "x",
                          "rows": 1}])


def small_observations() -> pl.DataFrame:
    """Hand-made figures with known answers, including small cells that must never show."""
    rows = []
    for year, (n1, n2, n3) in {2023: (120, 80, 40), 2024: (130, 3, 45)}.items():
        p = f"{year}JJ00"
        rows += [obs("wmo_reg_clients", "WK000101", p, n1), obs("wmo_reg_clients", "WK000102", p, n2),
                 obs("wmo_reg_clients", "WK000103", p, n3), obs("wmo_reg_clients", "GM0001", p, n1 + n2 + n3)]
        rows += [obs("population", "WK000101", p, 2000), obs("population", "WK000102", p, 40),
                 obs("population", "WK000103", p, 1500), obs("population", "GM0001", p, 3540),
                 obs("population", "NL01", p, 17_900_000), obs("population", "GM0002", p, 30000),
                 obs("population", "GM0003", p, 50000)]
        # A rate on a base of 40 people (Zuid) must be hidden; the others are shown.
        rows += [obs("wmo_clients_per_1000", "WK000101", p, 60.0), obs("wmo_clients_per_1000", "WK000102", p, 75.0),
                 obs("wmo_clients_per_1000", "WK000103", p, 30.0), obs("wmo_clients_per_1000", "GM0001", p, 48.0),
                 obs("wmo_clients_per_1000", "NL01", p, 55.5 + (year - 2023)),
                 obs("wmo_clients_per_1000", "GM0002", p, 40.0), obs("wmo_clients_per_1000", "GM0003", p, 52.0)]
        rows += [obs("veilig_thuis_reports", "GM0001", p, 8 if year == 2024 else 14)]  # sensitive: floor 10
    rows[-1]["status"] = "provisional"
    return pl.DataFrame(rows)


@pytest.fixture
def small_warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse"
    cat = catalogue.load()
    publish(path, indicators=cat.to_frame(), regions=small_regions(), sources=source_row(),
            observations=small_observations(),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": ["GM0002", "GM0003"]},
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    return path


@pytest.fixture
def app_env(monkeypatch):
    """Point the app at a warehouse and a fresh user store, and clear Streamlit's resource cache."""
    import streamlit as st

    def use(warehouse: Path) -> None:
        monkeypatch.setenv("MSD_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("MSD_STORE_URL", f"sqlite:///{warehouse.parent / 'store.sqlite'}")
        monkeypatch.setenv("MSD_NO_DEMO", "1")
        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    st.cache_resource.clear()


def app_path() -> str:
    return str(ROOT / "app.py")


os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


# One Chromium for the whole run: Playwright's sync API allows one instance per thread, so every test
# folder that drives a browser (tests/browser, tests/auth, tests/oidc, ...) shares this fixture.
@pytest.fixture(scope="session")
def browser():
    from tests.browser.helpers import chromium_path, launch_args, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=launch_args())
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can save screenshots of failed tests."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
