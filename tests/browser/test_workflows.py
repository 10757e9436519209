"""Writing for the council, in Chromium: a civil servant publishes a note that a council member then reads
next to the chart; the griffie builds a dossier, publishes it and downloads the PDF."""

from __future__ import annotations

import io
import re
import time

import pytest

from tests.browser.helpers import require_browser

require_browser()

from playwright.sync_api import Page, expect

from tests.browser.helpers import ROOT, check_page, open_app, pick_from_long_list, wait_for_chart, wait_idle

pytestmark = pytest.mark.usefixtures("axe_available")

INDICATOR = "wmo_clients_per_1000"
INDICATOR_TITLE = "Inwoners met Wmo-maatwerk per 1.000 inwoners"


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Through the Inloggen page, as a person would; the session then lives in this browser tab, so
    further pages are opened through the navigation (a fresh page load is a new, anonymous session)."""
    open_app(page, base_url + "inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_text(re.compile(r"Ingelogd als"))).to_be_visible(timeout=60_000)
    wait_idle(page)


def go_to(page: Page, link: str) -> None:
    """Open a page through the sidebar navigation (Streamlit folds long menus under "View N more")."""
    nav = page.get_by_test_id("stSidebarNav")
    more = nav.get_by_text(re.compile(r"^View \d+ more$"))
    if more.count():
        more.click()
    nav.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    wait_idle(page)


def visible(locator):
    return locator.locator("visible=true")


def test_civil_servant_publishes_a_note_and_the_council_member_reads_it(app_server, new_page):
    title = f"Meer ouderen met maatwerk (e2e {int(time.time())})"
    seen = "Het aantal inwoners met Wmo-maatwerk stijgt, vooral bij 75-plussers."
    writer = new_page()
    sign_in(writer, app_server.url, "ambtenaar", "lindewaard-ambtenaar")
    go_to(writer, "Duiding schrijven")
    expect(writer.get_by_role("heading", level=1)).to_have_text("Duiding schrijven")

    writer.get_by_role("tab", name="Nieuwe duiding").click()
    form = writer.get_by_test_id("stForm").filter(has=writer.get_by_role("button", name="Opslaan")).locator(
        "visible=true")
    pick_from_long_list(writer, form.get_by_test_id("stSelectbox").filter(has_text="Cijfer").get_by_role("combobox"),
                        INDICATOR_TITLE)
    form.get_by_role("textbox", name="Periode", exact=True).fill("alle")
    form.get_by_role("textbox", name="Korte titel", exact=True).fill(title)
    form.get_by_role("textbox", name="Wat zien we?", exact=True).fill(seen)
    form.get_by_role("textbox", name="Verklaring", exact=True).fill("Er wonen meer ouderen in Lindewaard.")
    check_page(writer, "duiding-schrijven")
    form.get_by_role("button", name="Opslaan").click()
    expect(writer.get_by_text("De duiding is opgeslagen als concept.")).to_be_visible()
    wait_idle(writer)

    writer.get_by_role("tab", name="Duidingen").click()
    expect(visible(writer.get_by_text(title)).first).to_be_visible()
    writer.get_by_role("button", name="Klaarzetten voor controle").click()
    expect(writer.get_by_text("De duiding staat klaar voor controle.")).to_be_visible()
    wait_idle(writer)
    writer.get_by_role("tab", name="Duidingen").click()
    writer.get_by_role("button", name="Publiceren", exact=True).click()
    expect(writer.get_by_text("De duiding is gepubliceerd en voor iedereen zichtbaar.")).to_be_visible()
    wait_idle(writer)
    check_page(writer, "duiding-gepubliceerd")

    # A council member, in another browser, without signing in: the note sits next to the chart.
    reader = new_page()
    open_app(reader, app_server.url + f"wmo?indicator={INDICATOR}", chart=True)
    panel = reader.get_by_test_id("stColumn").filter(has=reader.get_by_text("Duiding", exact=True)).filter(
        has=reader.get_by_text(title))
    expect(panel.first).to_be_visible()
    expect(panel.first).to_contain_text(seen)
    expect(panel.first).to_contain_text("gepubliceerd door")
    # ...beside the chart: the same row holds the chart.
    row = reader.get_by_test_id("stHorizontalBlock").filter(has=reader.get_by_test_id("stVegaLiteChart")).filter(
        has=reader.get_by_text(title))
    expect(row.first).to_be_visible()
    check_page(reader, "wmo-met-duiding")


DOSSIER_FILES = ("store/dossiers.py", "components/handout.py", "app_pages/dossier_maken.py", "app_pages/dossiers.py")


def test_griffie_builds_a_dossier_and_downloads_the_pdf(app_server, new_page, tmp_path):
    missing = [f for f in DOSSIER_FILES if not (ROOT / f).is_file()]
    if missing:
        pytest.skip("dossiers are not built yet: missing " + ", ".join(missing))
    from pypdf import PdfReader

    griffie = new_page()
    sign_in(griffie, app_server.url, "griffie", "lindewaard-griffie")
    go_to(griffie, "Dossier maken")
    expect(griffie.get_by_role("heading", level=1)).to_have_text("Dossier maken")

    # A new dossier from the first template.
    griffie.get_by_test_id("stSelectbox").filter(has_text="Begin met").get_by_role("combobox").click()
    griffie.get_by_role("option", name=re.compile(r"^Sjabloon: Ouderen zelfstandig thuis")).click()
    griffie.get_by_role("button", name="Dossier aanmaken").click()
    expect(griffie.get_by_role("tab", name="Publiceren")).to_be_visible()
    wait_idle(griffie)
    expect(visible(griffie.get_by_text(re.compile(r"^1\. "))).first).to_be_visible()
    check_page(griffie, "dossier-maken")

    griffie.get_by_role("tab", name="Voorbeeld").click()
    wait_for_chart(griffie)
    griffie.get_by_role("tab", name="Publiceren").click()
    griffie.get_by_role("button", name="Publiceren", exact=True).click()
    expect(griffie.get_by_text(re.compile(r"^Gepubliceerd \(versie \d+\)"))).to_be_visible(timeout=90_000)
    wait_idle(griffie)
    griffie.get_by_role("tab", name="Publiceren").click()
    link = visible(griffie.get_by_test_id("stCode")).first.inner_text().strip()
    dossier_id = re.search(r"dossier=([\w-]+)", link).group(1)

    with griffie.expect_download(timeout=120_000) as preview:
        griffie.get_by_role("button", name="Voorbeeld als PDF").click()
    preview_pdf = tmp_path / "voorbeeld.pdf"
    preview.value.save_as(preview_pdf)
    assert preview_pdf.read_bytes()[:5] == b"%PDF-"

    # The council member opens the stable link and downloads the handout.
    reader = new_page()
    open_app(reader, app_server.url + f"dossiers?dossier={dossier_id}", chart=True)
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Ouderen zelfstandig thuis")
    check_page(reader, "dossier")
    with reader.expect_download(timeout=120_000) as handout:
        reader.get_by_role("button", name=re.compile("Download als PDF")).click()
    assert handout.value.suggested_filename.endswith(".pdf")
    data = (tmp_path / "handout.pdf")
    handout.value.save_as(data)
    pdf = PdfReader(io.BytesIO(data.read_bytes()))
    text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert len(pdf.pages) >= 3
    assert "Ouderen zelfstandig thuis" in text
