"""A civil servant writes two notes in a row in Chromium: the second starts with an empty form and keeps
its own text (before, it silently took the first note's Verklaring)."""

from __future__ import annotations

import time

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import expect

from store.db import Database
from store.notes import NoteStore
from tests.browser.helpers import pick_from_long_list, wait_idle
from tests.browser.test_workflows import INDICATOR_TITLE, go_to, sign_in


def _new_note_form(page):
    page.get_by_role("tab", name="Nieuwe duiding").click()
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Opslaan")).locator(
        "visible=true")


def _write(page, title: str, explanation: str) -> None:
    form = _new_note_form(page)
    pick_from_long_list(page, form.get_by_test_id("stSelectbox").filter(has_text="Cijfer").get_by_role("combobox"),
                        INDICATOR_TITLE)
    form.get_by_role("textbox", name="Korte titel", exact=True).fill(title)
    if explanation:
        form.get_by_role("textbox", name="Verklaring", exact=True).fill(explanation)
    else:
        form.get_by_role("textbox", name="Wat zien we?", exact=True).fill("Alleen wat we zien.")
    form.get_by_role("button", name="Opslaan").click()
    wait_idle(page)  # the save and its rerun can take longer than expect's own few seconds on a busy machine
    expect(page.get_by_text("De duiding is opgeslagen als concept.")).to_be_visible()


def test_a_second_note_starts_empty_and_keeps_its_own_text(app_server, page):
    stamp = int(time.time())
    first, second = f"Eerste duiding {stamp}", f"Tweede duiding {stamp}"
    sign_in(page, app_server.url, "ambtenaar", "lindewaard-ambtenaar")
    go_to(page, "Duiding schrijven")
    _write(page, first, "Verklaring die alleen bij de eerste hoort.")

    form = _new_note_form(page)
    for name in ("Korte titel", "Wat zien we?", "Verklaring", "Wat betekent dit / vervolg"):
        expect(form.get_by_role("textbox", name=name, exact=True)).to_have_value("")
    _write(page, second, "")

    store = NoteStore(Database(app_server.store_url))
    # The first save's message is still on screen, so wait for the second note itself.
    deadline = time.monotonic() + 60
    while True:
        by_title = {n.content.title: n.content.explanation for n in store.list_notes(role="ambtenaar")}
        if second in by_title or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert by_title[first] == "Verklaring die alleen bij de eerste hoort."
    assert by_title[second] == ""

    # Set ready for review by a colleague: the review list opens it on the Duidingen tab with one click.
    note = next(n for n in store.list_notes(role="ambtenaar") if n.content.title == first)
    store.submit_for_review(note.note_id, note.head_revision, role="ambtenaar", user="anna")
    page.get_by_role("tab", name="Wacht op review").click()
    wait_idle(page)
    expect(page.get_by_text(first).locator("visible=true").first).to_be_visible()
    expect(page.get_by_text("Klaargezet door anna").locator("visible=true").first).to_be_visible()
    page.get_by_role("button", name="Openen").locator("visible=true").click()
    wait_idle(page)
    expect(page.get_by_role("tab", name="Duidingen", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("button", name="Publiceren", exact=True)).to_be_visible()
