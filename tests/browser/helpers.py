"""Helpers for the browser tests: finding Chromium and axe-core, waiting on Streamlit, screenshots, axe."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # playwright is optional: the tests skip without it
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("MSD_BROWSER_ARTIFACTS") or ROOT / "tests" / "browser" / "artifacts")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Generous: CI machines are small and shared; the first run of a page imports and opens the warehouse.
TIMEOUT_MS = 90_000

# Violations inside Streamlit's own markup that our code cannot change. Each rule is ignored only for
# nodes inside the given selector, so the same rule still fails anywhere else on the page.
AXE_STREAMLIT_EXCLUSIONS: dict[str, str] = {
    # st.navigation with sections renders <ul data-testid="stSidebarNavItems"> holding a <div> per
    # section (header + <li> items), so the <ul> has non-<li> children and the <li>s lack a list
    # parent. The links themselves are labelled and keyboard-operable (test_keyboard_only_main_flow).
    "list": '[data-testid="stSidebarNavItems"]',
    "listitem": '[data-testid="stSidebarNavItems"]',
}
AXE_FAILING_IMPACTS = ("serious", "critical")


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright's own download does not work here). MSD_CHROMIUM names another
    binary; set to a path that does not exist it switches the browser tests off."""
    configured = os.environ.get("MSD_CHROMIUM")
    if configured is not None:
        return configured if Path(configured).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_browser() -> None:
    """Skip the calling test module, saying what to install, when Playwright or Chromium is missing."""
    pytest.importorskip("playwright.sync_api",
                        reason="the browser tests need the Python package playwright (requirements-dev.txt)")
    if chromium_path() is None:
        pytest.skip("no Chromium found: install Debian's package `chromium` (apt-get install chromium) or set "
                    "MSD_CHROMIUM to a Chromium binary; Playwright's own browser download is not used",
                    allow_module_level=True)


def launch_args() -> list[str]:
    # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    return ["--no-sandbox", "--disable-dev-shm-usage"]


def wait_idle(page: Page, timeout: int = TIMEOUT_MS) -> None:
    """Until the app's script run is over (Streamlit marks its root element) and lazily loaded elements
    such as tables have replaced their grey placeholders."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=timeout)


def wait_for_chart(page: Page, timeout: int = TIMEOUT_MS) -> None:
    """Until a Vega chart has drawn a visible mark (an empty layer also has a path, of size zero)."""
    page.wait_for_function(CHART_DRAWN_JS, timeout=timeout)


CHART_DRAWN_JS = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart'] svg .role-mark path")]
    .some(p => { const r = p.getBoundingClientRect(); return r.width > 0 && r.height > 0; })"""


def open_app(page: Page, url: str, *, chart: bool = False) -> None:
    page.goto(url, timeout=TIMEOUT_MS)
    wait_idle(page)
    if chart:
        wait_for_chart(page)


def _next_frame(page: Page) -> None:
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page: Page, name: str) -> Path:
    """The whole page as a PNG artefact. Streamlit scrolls inside its main block, not the document, so
    the viewport is made as tall as the content for the shot and restored afterwards."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate("() => Math.max(document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0,"
                           " document.documentElement.scrollHeight)")
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), 7000)})
    _next_frame(page)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(viewport)
    _next_frame(page)
    return path


def axe_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A/AA rules and best practices) on the page; write the full report as an
    artefact and return the serious and critical violations that are not Streamlit's own markup."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        """async (exclusions) => {
            const result = await axe.run(document, {resultTypes: ['violations'], elementRef: true});
            return result.violations.map(v => {
                const sel = exclusions[v.id];
                const nodes = v.nodes.filter(n => !(sel && n.element && n.element.closest(sel)));
                return {id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                        excluded: v.nodes.length - nodes.length,
                        nodes: nodes.map(n => ({target: n.target.map(String), html: n.html.slice(0, 300),
                                                summary: (n.failureSummary || '').slice(0, 500)}))};
            });
        }""",
        AXE_STREAMLIT_EXCLUSIONS,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps({"url": page.url, "violations": found}, indent=1,
                                                           ensure_ascii=False))
    return [v for v in found if v["nodes"] and v["impact"] in AXE_FAILING_IMPACTS]


# axe-core does not check text inside SVG, so the charts' own text is checked here: every Vega text
# must reach 4.5:1 against what lies beneath it (WCAG 1.4.3): the filled shape under its centre (a wijk on
# the map), else the white page.
CHART_TEXT_CONTRAST_JS = """() => {
    const RGB = /rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?/;
    const lum = c => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const rel = m => 0.2126 * lum(+m[1]) + 0.7152 * lum(+m[2]) + 0.0722 * lum(+m[3]);
    const beneath = t => {
        const r = t.getBoundingClientRect();
        for (const el of document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2)) {
            const tag = el.tagName.toLowerCase();
            if (tag !== 'path' && tag !== 'rect' && tag !== 'circle') continue;
            const m = getComputedStyle(el).fill.match(RGB);
            const opacity = Number(getComputedStyle(el).fillOpacity || 1);
            if (m && (m[4] === undefined || Number(m[4]) > 0) && opacity > 0.5) return m;
        }
        return [null, 255, 255, 255];
    };
    const bad = [];
    for (const t of document.querySelectorAll("[data-testid='stVegaLiteChart'] svg text")) {
        if (!t.textContent.trim()) continue;
        const m = getComputedStyle(t).fill.match(RGB);
        if (!m || (m[4] !== undefined && Number(m[4]) === 0)) continue;
        const [a, b] = [rel(m), rel(beneath(t))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) bad.push(`${t.textContent.trim().slice(0, 30)}: ${getComputedStyle(t).fill} (${ratio.toFixed(2)}:1)`);
    }
    return bad;
}"""


def assert_accessible(page: Page, name: str) -> None:
    low = page.evaluate(CHART_TEXT_CONTRAST_JS)
    assert not low, f"chart text below 4.5:1 on {name}: {low[:5]}"
    bad = axe_violations(page, name)
    assert not bad, f"axe-core on {name} ({page.url}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x), e.g. {v['nodes'][0]['target']} "
        f"{v['nodes'][0]['summary']}" for v in bad)


def check_page(page: Page, name: str) -> None:
    """What every main page gets: a readable screenshot and an axe-core run."""
    screenshot(page, name)
    assert_accessible(page, name)


def query_of(url: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(url).query)


def url_with(key: str, value: str) -> re.Pattern[str]:
    """A URL pattern for expect(page).to_have_url: the query holds key=value."""
    return re.compile(rf"[?&]{re.escape(key)}={re.escape(value)}(&|$)")


def tab_to(page: Page, target: Locator, what: str, presses: int) -> None:
    """Press Tab until ``target`` has the keyboard focus; fail when it is not reached in ``presses``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    pytest.fail(f"{what} was not reachable with Tab")


def pick_from_long_list(page: Page, combobox: Locator, option: str) -> None:
    """Choose ``option`` in an open-able selectbox whose list is long: the dropdown draws only the options in
    view, so the text is typed to filter the list first (as a reader does with 180 figures)."""
    combobox.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
