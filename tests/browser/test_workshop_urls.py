"""In Chromium: the workshop pages keep their tab and open record over F5 (issue 17)."""

from __future__ import annotations

import re

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.helpers import open_app, url_with, wait_idle  # noqa: E402
from tests.browser.test_nav import sign_in  # noqa: E402


def test_duiding_keeps_its_tab_and_open_note_over_a_reload(app_server, page: Page):
    sign_in(page, app_server.url, "ambtenaar")
    open_app(page, app_server.page_url("duiding?duiding-tab=nieuw"))
    expect(page.get_by_role("tab", name="Nieuwe duiding")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Duidingen", exact=True).click()
    expect(page).to_have_url(url_with("duiding-tab", "duidingen"))
    # The note opened for the reader stays out of the URL (Back still leaves the page); one they pick goes in.
    assert "notes-chosen" not in page.url
    page.get_by_role("combobox", name="Open een duiding").click()
    page.get_by_role("option").nth(1).click()
    expect(page).to_have_url(re.compile(r"[?&]notes-chosen=\w+"))
    wait_idle(page)
    note = re.search(r"notes-chosen=(\w+)", page.url).group(1)
    page.reload()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"^Ingelogd als"))).to_be_visible()
    expect(page.get_by_role("tab", name="Duidingen", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(url_with("notes-chosen", note))


def test_beheer_keeps_its_tab_over_a_reload(app_server, page: Page):
    sign_in(page, app_server.url, "beheerder")
    open_app(page, app_server.page_url("beheer"))
    page.get_by_role("tab", name="Logboek").click()
    expect(page).to_have_url(url_with("tab", "logboek"))
    wait_idle(page)
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("tab", name="Logboek")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text(re.compile(r"regels, nieuwste eerst"))).to_be_visible()
