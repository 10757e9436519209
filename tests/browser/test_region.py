"""In Chromium on a small region: the region view, a member link, the member in the address and the picker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.helpers import ARTIFACTS, assert_accessible, open_app, url_with, wait_idle  # noqa: E402
from tests.browser.server import AppServer, start_server, stop_server  # noqa: E402
from tests.region_ui.fixtures import MEMBER, publish_region  # noqa: E402


@pytest.fixture(scope="module")
def region_server(tmp_path_factory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("region-browser")
    warehouse = publish_region(Path(root) / "warehouse")
    server = start_server(warehouse, f"sqlite:///{root / 'store.sqlite'}", ARTIFACTS / "region-server.log",
                          extra_env={"MSD_VALIDATE_CHARTS": "1"})
    yield server
    stop_server(server.process)


def test_the_region_view_links_to_a_member_whose_page_names_it_and_keeps_it_in_the_url(region_server, page: Page):
    open_app(page, region_server.page_url("regio?wet=wmo&jaar=2024"), chart=True)
    expect(page.get_by_role("heading", name="Regio Proef", level=1)).to_be_visible()
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_contain_text("Regio Proef (totaal)")
    assert_accessible(page, "region-view")
    page.get_by_role("link", name="Buurgemeente").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sociaal domein Buurgemeente", level=1)).to_be_visible()
    expect(page).to_have_url(url_with("gemeente", MEMBER))


def test_the_picker_writes_the_member_to_the_url_and_the_menu_keeps_it(region_server, page: Page):
    open_app(page, region_server.url)
    expect(page.get_by_role("heading", name="Sociaal domein Testgemeente", level=1)).to_be_visible()
    page.get_by_role("combobox", name="Gemeente").click()
    page.get_by_role("option", name="Buurgemeente").click()
    wait_idle(page)
    expect(page).to_have_url(url_with("gemeente", MEMBER))
    expect(page.get_by_role("heading", name="Sociaal domein Buurgemeente", level=1)).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Wijken").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/wijken\?(.*&)?gemeente=" + MEMBER))
    # The member's own wijken, not the home municipality's.
    expect(page.get_by_text(re.compile(r"Laagste waarde: Dorp .* Hoogste waarde: Haven"))).to_be_visible()
