"""The monitor as people use it, in Chromium: every page, a council member's way through the figures,
a shared link, and the keyboard only. Each page gets a screenshot and an axe-core run."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, open_app, query_of, tab_to, url_with, wait_for_chart, wait_idle

pytestmark = pytest.mark.usefixtures("axe_available")

# Every page a reader can open (the law pages are opened through the overview in the flow below).
READER_PAGES = [
    ("jeugd", "Jeugd: gezond en veilig opgroeien", True),
    ("participatie", "Participatie en inkomen", True),
    ("schuldhulp", "Schuldhulp: grip op geld", True),
    ("wijken", "Wijken", True),
    ("trends", "Trends", True),
    ("stapeling", "Huishoudens met hulp uit meer wetten", False),
    ("bronnen", "Bronnen en definities", False),
    ("dossiers", "Dossiers voor themabijeenkomsten", False),
    ("inloggen", "Inloggen", False),
]


def selectbox(page: Page, label: str):
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))


def open_dropdown(page: Page, widget) -> None:
    """Click a select's box until its list shows (a rerun that redraws the widget can close it)."""
    for _ in range(5):
        wait_idle(page)
        widget.get_by_role("combobox").click()
        try:
            expect(page.get_by_role("listbox")).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_visible()


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox with the mouse."""
    open_dropdown(page, selectbox(page, label))
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.parametrize(("path", "title", "has_chart"), READER_PAGES, ids=[p for p, _, _ in READER_PAGES])
def test_every_reader_page_renders_and_is_accessible(app_server, page: Page, path: str, title: str,
                                                     has_chart: bool):
    open_app(page, app_server.page_url(path), chart=has_chart)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(title)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    check_page(page, path)


def test_council_member_follows_the_overview_to_a_law_page_and_shares_the_view(app_server, new_page):
    page = new_page()
    open_app(page, app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sociaal domein Lindewaard")
    expect(page.get_by_text("DEMODATA", exact=True).first).to_be_visible()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    check_page(page, "overzicht")

    # The first headline tile links to its law page, with the figure and the year in the URL.
    page.get_by_role("link", name="Bekijk de details").first.click()
    expect(page).to_have_url(url_with("indicator", "wmo_clients_per_1000"))
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wmo")
    wait_for_chart(page)
    latest = int(query_of(page.url)["jaar"][0])

    # A year earlier, and one wijk next to the municipality.
    choose(page, "Jaar", str(latest - 2))
    expect(page).to_have_url(url_with("jaar", str(latest - 2)))
    wait_idle(page)
    compare = page.get_by_test_id("stMultiSelect").filter(has=page.get_by_text("Vergelijk met", exact=True))
    open_dropdown(page, compare)
    # The first wijk in the list (Streamlit puts a "Select all" entry above the options).
    wijk_option = page.get_by_role("option").filter(has_not_text="Select all").first
    wijk_name = wijk_option.inner_text().strip()
    wijk_option.click()
    page.keyboard.press("Escape")
    expect(page).to_have_url(url_with("vergelijk", "NL01"))
    expect(page).to_have_url(re.compile(r"vergelijk=WK\d+"))
    wait_idle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_contain_text(wijk_name)
    check_page(page, "wmo")
    shared = page.url

    # The link reproduces the view for someone else: a new browser context is a new session.
    other = new_page()
    open_app(other, shared, chart=True)
    expect(selectbox(other, "Jaar").get_by_role("combobox")).to_have_value(str(latest - 2))
    expect(selectbox(other, "Kies een cijfer").get_by_role("combobox")).to_have_value(
        "Inwoners met Wmo-maatwerk per 1.000 inwoners")
    other_compare = other.get_by_test_id("stMultiSelect").filter(has=other.get_by_text("Vergelijk met", exact=True))
    expect(other_compare).to_contain_text(wijk_name)
    expect(other_compare).to_contain_text("Nederland")
    expect(other.get_by_test_id("stVegaLiteChart").first).to_contain_text(wijk_name)
    assert query_of(other.url) == query_of(shared)


FOCUS_STYLE = ("e => { const s = getComputedStyle(e); "
               "return [s.outlineStyle, s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor]; }")


def test_keyboard_only_main_flow(app_server, page: Page):
    """Tab to the navigation, open a law page with Enter, then change the year with the arrow keys."""
    open_app(page, app_server.url)
    nav = page.get_by_test_id("stSidebarNav")
    target, other = nav.get_by_role("link", name="Jeugd", exact=True), nav.get_by_role("link", name="Wmo", exact=True)
    tab_to(page, target, "the Jeugd link in the navigation", presses=40)
    # The focus must be visible to someone who does not use a mouse: the focused link looks different
    # from an unfocused one (Streamlit shades its background).
    assert target.evaluate(FOCUS_STYLE) != other.evaluate(FOCUS_STYLE), "no visible focus on the navigation link"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/jeugd"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jeugd")
    wait_idle(page)
    year_box = selectbox(page, "Jaar").get_by_role("combobox")
    expect(year_box).not_to_have_value("")
    latest = year_box.input_value()

    tab_to(page, year_box, "the Jaar picker", presses=60)
    page.keyboard.press("ArrowDown")  # opens the list
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("ArrowDown")  # an earlier year
    page.keyboard.press("Enter")
    expect(year_box).not_to_have_value(latest)
    chosen = year_box.input_value()
    assert int(chosen) < int(latest)
    expect(page).to_have_url(url_with("jaar", chosen))
    wait_idle(page)
    # The chart follows the keyboard's choice.
    wait_for_chart(page)
