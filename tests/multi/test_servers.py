"""Several app servers behind HAProxy (docs/operations.md, "Several app servers"), in Chromium: two servers
started by scripts/serve.sh share one PostgreSQL store and one warehouse. What one server saves the other
shows, a release the ETL publishes reaches both, and a visitor whose server stops carries on on the other
one with the same page, the same URL state and the same sign-in.

The tests share one pair of servers; the last one stops a server, so it stays last in this file.
"""

from __future__ import annotations

import re
import time

import polars as pl
import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import expect

from tests.browser.helpers import open_app, wait_for_chart, wait_idle
from tests.browser.test_notes_flow import _write as write_note
from tests.browser.test_workflows import go_to, sign_in, visible
from tests.multi.cluster import STICKY_COOKIE
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import current_release

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

AMBTENAAR = ("ambtenaar", "lindewaard-ambtenaar")  # a demo account (domain/passwords.py)


def served_by(page) -> str:
    """The app server HAProxy last sent this visitor to: it sends a new stickiness cookie when it changes."""
    return next(c["value"] for c in page.context.cookies() if c["name"] == STICKY_COOKIE)


def test_a_note_saved_through_one_server_is_read_through_the_other(cluster, visitor):
    title = f"Via twee servers {int(time.time())}"
    writer = visitor("app1")
    sign_in(writer, cluster.url, *AMBTENAAR)
    go_to(writer, "Duiding schrijven")
    write_note(writer, title, "Geschreven op de ene server.")

    # The same person signs in again in another browser, which HAProxy sends to the other server.
    reader = visitor("app2")
    sign_in(reader, cluster.url, *AMBTENAAR)
    go_to(reader, "Duiding schrijven")
    reader.get_by_role("tab", name="Duidingen", exact=True).click()
    expect(visible(reader.get_by_text(title)).first).to_be_visible()
    assert (served_by(writer), served_by(reader)) == ("app1", "app2")


def release_shown(page) -> str:
    """The release id in the caption of the Bronnen page ("Datarelease <id>, gepubliceerd op ...")."""
    caption = page.get_by_text(re.compile(r"^Datarelease \S+, gepubliceerd op"))
    expect(caption).to_be_visible()
    return re.match(r"Datarelease (\S+),", caption.inner_text()).group(1)


def test_a_release_the_etl_publishes_is_seen_by_both_servers(cluster, visitor):
    old = current_release(cluster.warehouse)
    pages = {server: visitor(server) for server in ("app1", "app2")}
    for page in pages.values():
        open_app(page, cluster.url + "bronnen")
        assert release_shown(page) == old.id

    # The ETL publishes a new release next to the old one and swaps `current` (a source's description changed).
    sources = old.table("sources").with_columns(pl.col("title") + " (bijgewerkt)")
    new = publish(cluster.warehouse, indicators=catalogue.load().to_frame(), sources=sources, meta={"demo": True})
    assert new.id != old.id

    for page in pages.values():
        page.reload()
        wait_idle(page)
        assert release_shown(page) == new.id
    assert {server: served_by(page) for server, page in pages.items()} == {"app1": "app1", "app2": "app2"}


# Records every change of the app's connection and script state, from now on.
WATCH_STATES_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    window.msdStates = [];
    new MutationObserver(() => window.msdStates.push([app.dataset.testConnectionState, app.dataset.testScriptState]))
        .observe(app, {attributes: true, attributeFilter: ["data-test-connection-state", "data-test-script-state"]});
}"""
# The connection was lost and is back; with `ran`, a script run has also started and finished since.
RECONNECTED_JS = """(ran) => {
    const s = window.msdStates, lost = s.findLastIndex(([c]) => c !== "CONNECTED");
    const now = s.at(-1) || [];
    return lost >= 0 && now[0] === "CONNECTED" && now[1] === "notRunning"
        && (!ran || s.slice(lost + 1).some(([, r]) => r === "running"));
}"""


def test_when_a_server_stops_its_visitor_carries_on_on_the_other(cluster, visitor):
    page = visitor("app1")
    sign_in(page, cluster.url, *AMBTENAAR)
    open_app(page, cluster.url + "wmo?indicator=wmo_clients_per_1000", chart=True)
    # URL state set by a click, not typed: another year.
    page.get_by_test_id("stSelectbox").filter(has_text="Jaar").get_by_role("combobox").click()
    page.get_by_role("option", name="2023", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]jaar=2023\b"))
    wait_idle(page)
    state = page.url

    page.evaluate(WATCH_STATES_JS)
    cluster.stop_server("app1")
    # Streamlit's frontend notices the closed websocket and reconnects through HAProxy, which sends it to
    # the other server. The page stays as it was; the new server runs it at the visitor's next click.
    page.wait_for_function(RECONNECTED_JS, arg=False, timeout=90_000)
    assert served_by(page) == "app2"

    # Still signed in (the session is a cookie whose token the shared store knows): the next click opens a
    # page for civil servants only, on the other server (its first run there may take a while).
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Duiding schrijven", exact=True).click()
    page.wait_for_function(RECONNECTED_JS, arg=True, timeout=90_000)
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Duiding schrijven")
    expect(page.get_by_text(re.compile(r"Ingelogd als"))).to_be_visible()
    # Back to the figure: the other server builds the same view from the URL.
    page.go_back()
    expect(page).to_have_url(state)
    wait_idle(page)
    wait_for_chart(page)
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Wmo")
    expect(page.get_by_role("combobox", name="Jaar")).to_have_value("2023")
    assert page.url == state
    assert served_by(page) == "app2"
