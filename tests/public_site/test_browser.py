"""The public edition from a plain static file server (python -m http.server on 127.0.0.1), in Chromium:
with JavaScript the charts become interactive Vega views, without it the SVG picture and the table stay;
axe-core finds no serious or critical violation.

axe runs on every page that has its own template or content (overview, laws, wijken, trends, goals,
dossiers, open data, the release list) and on a sample of the figure, wijk and embed pages, which
share one template; MSD_SITE_AXE_ALL=1 checks every generated page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.helpers import axe_violations
from tests.public_site.conftest import NOTED, PUBLISHED_TEXT


@pytest.fixture(scope="module")
def static_server(built_site) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(built_site.out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/index.html", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def chromium(browser):
    """The run's one Chromium (tests/conftest.py): a second Playwright in the same thread is refused."""
    return browser


def _page(chromium, *, js: bool):
    context = chromium.new_context(java_script_enabled=js, viewport={"width": 1200, "height": 900}, locale="nl-NL")
    context.set_default_timeout(60_000)
    return context, context.new_page()


def test_with_javascript_the_chart_is_interactive(chromium, static_server, built_site):
    context, page = _page(chromium, js=True)
    try:
        page.goto(f"{static_server}/index.html")
        page.get_by_role("link", name=f"Editie {built_site.wh.release.id}").click()
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wmo").click()
        page.locator(f"a[href='cijfers/{NOTED}.html']").click()
        page.wait_for_selector(".chart.live .vega svg")
        assert page.locator(".chart.live img").is_hidden()
        assert page.locator("table tbody tr").count() > 3
        # the live view's points carry their values in Dutch (what the tooltip shows)
        label = page.locator(".vega svg [aria-roledescription='point']").first.get_attribute("aria-label")
        assert "Waarde:" in label and "Gebied:" in label
        assert page.get_by_text(PUBLISHED_TEXT).is_visible()
    finally:
        context.close()


def test_without_javascript_the_picture_and_table_remain(chromium, static_server, built_site):
    context, page = _page(chromium, js=False)
    try:
        page.goto(f"{static_server}/{built_site.wh.release.id}/cijfers/{NOTED}.html")
        img = page.locator(".chart img")
        assert img.is_visible()
        assert page.evaluate("() => document.querySelector('.chart img').naturalWidth") > 0  # the SVG loaded
        assert page.locator(".vega").count() == 0
        assert page.locator("table tbody tr").count() > 3
        assert page.locator(".downloads a", has_text="Download als Excel").count() == 1
        page.goto(f"{static_server}/{built_site.wh.release.id}/embed/{NOTED}.html")
        assert page.locator(".chart img").is_visible()
        assert page.get_by_role("link", name="Bekijk dit cijfer").get_attribute("href") == f"../cijfers/{NOTED}.html"
    finally:
        context.close()


def _pages_to_check(built_site) -> list[str]:
    out = built_site.out
    every = sorted(str(p.relative_to(out)) for p in out.rglob("*.html"))
    if os.environ.get("MSD_SITE_AXE_ALL") == "1":
        return every
    shared = ("cijfers/", "wijken/", "embed/")
    own = [p for p in every if not any(f"/{s}" in p for s in shared)]
    sample = [p for s in shared for p in [x for x in every if f"/{s}" in x][:2]]
    rel = built_site.wh.release.id
    return own + sample + [f"{rel}/cijfers/{NOTED}.html", f"{rel}/embed/{NOTED}.html"]


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_axe_finds_no_serious_violation(chromium, static_server, built_site, js):
    # axe itself needs JavaScript: "without" means the site's own scripts are blocked, as when they fail
    context, page = _page(chromium, js=True)
    if not js:
        page.route("**/assets/*.js", lambda route: route.abort())
    failures = {}
    try:
        pages = _pages_to_check(built_site)
        assert len(pages) > 15
        for rel in pages:
            page.goto(f"{static_server}/{rel}")
            if js and page.locator("[data-spec]").count():
                page.wait_for_selector(".chart.live .vega svg")
            bad = axe_violations(page, "site-" + rel.replace("/", "-"))
            if bad:
                failures[rel] = [(v["id"], v["impact"], v["nodes"][0]["target"]) for v in bad]
    finally:
        context.close()
    assert not failures, failures
