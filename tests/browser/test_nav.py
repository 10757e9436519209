"""Navigation in Chromium: every page in the menu for every role, /overzicht, Trends from the menu, the
Wijken tab in the URL, the figure search, and no English widget text that the monitor can set."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect

from tests.browser.helpers import ARTIFACTS, open_app, screenshot, url_with, wait_for_chart, wait_idle

# In menu order: the figures, then the workshop, the themed sessions, management and the account.
FIGURES = ["Overzicht", "Signalen", "Wmo", "Jeugd", "Participatie en inkomen", "Schuldhulp", "Wijken", "Trends", "Stapeling", "Vergelijken", "Verwacht per wijk", "Doelen",
           "Geld", "Bronnen en definities", "Figuur insluiten"]
WORKSHOP = ["Duiding schrijven", "Registratie laden"]
# The demo is a region: readers of the whole region (anyone on a public monitor, the beheerder) also get
# Regio; the raadslid, griffie and ambtenaar accounts belong to Lindewaard and read that member only.
WHOLE_REGION = [*FIGURES[:2], "Regio", *FIGURES[2:]]
MENUS = {
    None: [*WHOLE_REGION, "Dossiers", "Inloggen"],
    "raadslid": [*FIGURES, "Dossiers", "Mijn account"],
    "griffie": [*FIGURES, "Dossiers", "Dossier maken", "Mijn account"],
    "ambtenaar": [*FIGURES, *WORKSHOP, "Dossiers", "Mijn account"],
    "beheerder": [*WHOLE_REGION, *WORKSHOP, "Dossiers", "Dossier maken", "Accounts en logboek", "Mijn account"],
}
PASSWORDS = {"raadslid": "lindewaard-raadslid", "griffie": "lindewaard-griffie", "ambtenaar": "lindewaard-ambtenaar",
             "beheerder": "lindewaard-beheerder"}

# Streamlit texts the monitor can replace (placeholders, hints, menu folding, the not-found dialog).
SETTABLE_ENGLISH = re.compile(r"View \d+ more|View less|Page not found|Choose options?|Choose an option|Select all|"
                              r"Press Enter|Ctrl\+Enter")

ENGLISH_IN_DOM_JS = """(pattern) => {
    const re = new RegExp(pattern);
    const found = [];
    const text = document.body.innerText;
    const m = text.match(re);
    if (m) found.push(m[0]);
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
        for (const a of ['placeholder', 'aria-label', 'title']) {
            const v = el.getAttribute(a);
            if (v && re.test(v)) found.push(`${a}=${v}`);
        }
    }
    return found;
}"""


def english_texts(page: Page) -> list[str]:
    return page.evaluate(ENGLISH_IN_DOM_JS, SETTABLE_ENGLISH.pattern)


def sign_in(page: Page, base_url: str, username: str) -> None:
    """With the real form on the Inloggen page."""
    open_app(page, base_url + "inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_text(re.compile(r"Ingelogd als"))).to_be_visible()
    wait_idle(page)


def menu(page: Page):
    return page.get_by_test_id("stSidebarNav")


def go_to(page: Page, link: str) -> None:
    menu(page).get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    wait_idle(page)


@pytest.mark.parametrize("role", list(MENUS), ids=[r or "anoniem" for r in MENUS])
def test_every_page_a_role_may_open_is_visible_in_the_menu(app_server, page: Page, role: str | None):
    if role:
        sign_in(page, app_server.url, role)
    else:
        open_app(page, app_server.url)
    links = menu(page).get_by_role("link")
    expect(links).to_have_count(len(MENUS[role]))
    names = [text.split("\n")[-1].strip() for text in links.all_inner_texts()]  # after the icon's ligature
    assert names == MENUS[role]
    for name in MENUS[role]:
        expect(menu(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^View (\d+ more|less)$"))).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("stSidebar").screenshot(path=str(ARTIFACTS / f"menu-{role or 'anoniem'}.png"))


def open_overzicht(page: Page, url: str) -> None:
    """/overzicht goes on to the menu's own item at "/" (a second script run): wait for that one."""
    open_app(page, url)
    expect(page).not_to_have_url(re.compile(r"/overzicht"))
    wait_idle(page)


def test_overzicht_has_its_own_address_without_a_not_found_dialog(app_server, page: Page):
    open_overzicht(page, app_server.page_url("overzicht"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sociaal domein Lindewaard")
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    # The root address still opens it too.
    open_app(page, app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sociaal domein Lindewaard")


def test_overzicht_at_its_address_is_the_highlighted_menu_item(app_server, page: Page):
    open_overzicht(page, app_server.page_url("overzicht?jaar=2023"))
    item = menu(page).get_by_role("link", name="Overzicht", exact=True)
    expect(item).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sociaal domein Lindewaard")
    expect(page).to_have_url(url_with("jaar", "2023"))  # the view in the link comes along
    expect(menu(page).locator("[aria-current='page']")).to_have_count(1)


def test_a_chart_tab_round_trips_through_the_url(app_server, page: Page):
    open_app(page, app_server.page_url("wmo?indicator=wmo_clients_per_1000&cijfer_als=tabel"))
    tabs = page.get_by_test_id("stTabs").first
    expect(tabs.get_by_role("tab", name="Tabel")).to_have_attribute("aria-selected", "true")
    tabs.get_by_role("tab", name="Grafiek").click()
    expect(page).not_to_have_url(re.compile(r"cijfer_als="))  # the default tab stays out of the link
    wait_idle(page)
    tabs.get_by_role("tab", name="Tabel").click()
    expect(page).to_have_url(url_with("cijfer_als", "tabel"))
    wait_idle(page)
    other = page.context.new_page()
    open_app(other, page.url)
    expect(other.get_by_test_id("stTabs").first.get_by_role("tab", name="Tabel")).to_have_attribute(
        "aria-selected", "true")


def chosen(page: Page, label: str):
    """The input of the selectbox with this label (its value is the chosen option's text)."""
    return page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).get_by_role("combobox")


def test_trends_from_the_menu_after_another_page_shows_its_own_default(app_server, page: Page):
    open_app(page, app_server.page_url("wmo"), chart=True)
    expect(chosen(page, "Kies een cijfer")).to_have_value("Inwoners met Wmo-maatwerk per 1.000 inwoners")
    go_to(page, "Trends")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends")
    expect(page).to_have_url(url_with("indicator", "youth_care_pct"))
    expect(chosen(page, "Cijfer")).to_have_value("Jongeren met jeugdhulp")
    wait_for_chart(page)
    assert not english_texts(page)


def test_the_wijken_tab_round_trips_through_the_url(app_server, page: Page):
    open_app(page, app_server.page_url("wijken?tab=profiel"))
    expect(page.get_by_role("tab", name="Wijkprofiel")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Wijken vergelijken").click()
    expect(page).not_to_have_url(re.compile(r"[?&]tab="))  # the first tab is the default: not in the link
    wait_idle(page)
    page.get_by_role("tab", name="Wijkprofiel").click()
    expect(page).to_have_url(url_with("tab", "profiel"))
    wait_idle(page)
    shared = page.url
    other = page.context.new_page()
    open_app(other, shared)
    expect(other.get_by_role("tab", name="Wijkprofiel")).to_have_attribute("aria-selected", "true")
    assert not english_texts(other)


def test_the_search_box_finds_bijstand_and_opens_its_page_with_the_figure(app_server, page: Page):
    open_app(page, app_server.url)
    box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Zoek een cijfer")
    expect(box).to_have_attribute("placeholder", "Bijvoorbeeld: bijstand")
    box.fill("Bijstand")
    title = "Inwoners met bijstand per 1.000 inwoners van 15 tot 65 jaar"
    result = page.get_by_test_id("stSidebar").get_by_role("link", name="Bijstand per 1.000", exact=True)
    expect(result).to_be_visible()
    page.get_by_test_id("stSidebar").screenshot(path=str(ARTIFACTS / "search-bijstand.png"))
    result.click()
    expect(page).to_have_url(re.compile(r"/participatie\?.*indicator=bijstand_per_1000"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Participatie en inkomen")
    wait_idle(page)
    expect(chosen(page, "Kies een cijfer")).to_have_value(title)
    expect(page.get_by_role("heading", name=title)).to_be_visible()


@pytest.mark.parametrize("path", ["bronnen", "trends", "wijken", "overzicht"])
def test_no_settable_english_widget_text(app_server, page: Page, path: str):
    (open_overzicht if path == "overzicht" else open_app)(page, app_server.page_url(path))
    for widget in page.get_by_test_id("stMultiSelect").all()[:1]:
        widget.get_by_role("combobox").click()  # an open list shows "Select all" when it is not switched off
        wait_idle(page)
    assert not english_texts(page), path
    screenshot(page, f"nav-{path}")
    if path == "bronnen":
        expect(page.get_by_text(re.compile(r"\d{4}-\d{2}-\d{2}T"))).to_have_count(0)


def test_the_upload_form_states_the_real_limit_in_dutch(app_server, page: Page):
    sign_in(page, app_server.url, "ambtenaar")
    go_to(page, "Registratie laden")
    help_icon = page.get_by_test_id("stFileUploader").first.get_by_test_id("stTooltipHoverTarget")
    help_icon.hover()
    expect(page.get_by_text("Een bestand mag hoogstens 50 MB zijn.").first).to_be_visible()
    assert not english_texts(page)


def test_the_overview_search_at_the_top_finds_bijstand(app_server, page: Page):
    open_overzicht(page, app_server.page_url("overzicht"))
    main = page.get_by_test_id("stMain")
    main.get_by_role("textbox", name="Zoek een cijfer").fill("bijstand")
    title = "Inwoners met bijstand per 1.000 inwoners van 15 tot 65 jaar"
    expect(main.get_by_role("link", name=title)).to_be_visible()
    main.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(r"/participatie\?.*indicator=bijstand_per_1000"))
    wait_idle(page)
    expect(chosen(page, "Kies een cijfer")).to_have_value(title)
