"""Signalen in Chromium: the Overzicht's top five lead to the Signalen page, and a signal to its figure."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect

from tests.browser.helpers import check_page, open_app, wait_idle

pytestmark = pytest.mark.usefixtures("axe_available")


def test_from_the_top_five_to_the_signals_page_and_on_to_a_figure(app_server, new_page):
    page: Page = new_page()
    open_app(page, app_server.url)  # the default page (a direct /overzicht shows a dialog, issue 17)
    expect(page.get_by_role("heading", name="Wat vraagt aandacht?")).to_be_visible()
    expect(page.get_by_role("heading", name="Wat is er nieuw")).to_be_visible()
    assert page.get_by_text("Waarom is dit een signaal?").count() == 5
    check_page(page, "overzicht-signalen")

    page.get_by_role("link", name=re.compile(r"^Alle \d+ signalen$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signalen")
    wait_idle(page)
    expect(page.get_by_text("Nog geen duiding").first).to_be_visible()
    expect(page.get_by_text("Duiding", exact=True).first).to_be_visible()  # a published demo note explains one
    page.get_by_text("Waarom is dit een signaal?").first.click()
    expect(page.get_by_text(re.compile(r"Score [\d,]+ van 100 = grootte")).first).to_be_visible()
    check_page(page, "signalen")

    link = page.get_by_role("link", name=re.compile(r"^Bekijk ")).first
    link.click()
    # The page switch is asynchronous: wait for the figure's own address.
    expect(page).to_have_url(re.compile(r"[?&](indicator|voorziening)="), timeout=60_000)
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Signalen")
