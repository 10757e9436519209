"""A real Streamlit server on the demo warehouse; Debian's Chromium (the `browser` fixture) is in tests/conftest.py.

One server for the whole session (starting it and the first page run cost a few seconds); every test
gets fresh browser contexts, so each is a new Streamlit session, as a new visitor would be.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS, AXE_JS, ROOT
from tests.browser.server import AppServer, start_server, stop_server

with contextlib.suppress(ImportError):  # playwright is optional: the tests skip without it
    from playwright.sync_api import expect

    # Playwright's `expect` waits 5 s by default; a page run on a loaded CI machine takes longer (the menu
    # test once failed while "Ingelogd als" was already being drawn). Same bound as the contexts' timeout.
    expect.set_options(timeout=60_000)


@pytest.fixture(scope="session")
def app_server(demo_warehouse: Path, tmp_path_factory) -> Iterator[AppServer]:
    store = tmp_path_factory.mktemp("browser-store") / "store.sqlite"
    # Charts checked against the Vega-Lite schema, as in every other test (the app skips it for speed).
    server = start_server(demo_warehouse, f"sqlite:///{store}", ARTIFACTS / "server.log",
                          extra_env={"MSD_VALIDATE_CHARTS": "1"})
    yield server
    stop_server(server.process)


@pytest.fixture
def new_page(browser, request):
    """Factory: a page in a fresh browser context (a new visitor, a new Streamlit session). When the test
    fails, every page it opened is saved as a screenshot artefact for the CI log."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL",
                                      accept_downloads=True)
        context.set_default_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, pg in enumerate(context.pages):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                # A crashed page must not hide the test's own error.
                with contextlib.suppress(Exception):
                    pg.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}-{i}-{j}.png"), full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def axe_available() -> None:
    if not AXE_JS.is_file():
        pytest.skip(f"axe-core is not installed ({AXE_JS.relative_to(ROOT)} missing): run `npm ci` in the "
                    "project root (scripts/test.sh does this when npm is available)")
