"""Downloads in Chromium: the "Alle cijfers" table and a chart's table as Excel and CSV, read back the
way a spreadsheet would; Streamlit's own English "Download as CSV" is gone from the table toolbar."""

from __future__ import annotations

import csv
import io

from tests.browser.helpers import require_browser

require_browser()

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.helpers import open_app, wait_idle


def _download(page: Page, button, tmp_path, name: str) -> bytes:
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = tmp_path / name
    info.value.save_as(path)
    return path.read_bytes()


def test_all_figures_and_a_chart_table_download_as_excel_and_csv_with_numbers(app_server, page: Page, tmp_path):
    open_app(page, app_server.url + "wmo", chart=True)
    excel = page.get_by_role("button", name="Download als Excel")
    expect(excel.first).to_be_visible()
    data = _download(page, excel.first, tmp_path, "alle-cijfers.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Cijfers"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Cijfer", "Thema", "Eenheid", "Gemeente"] and header[-2:] == ["Bron", "Datarelease"]
    gemeente = [ws.cell(r, 4) for r in range(2, ws.max_row + 1)]
    numbers = [c for c in gemeente if c.value is not None]
    assert numbers and all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in numbers)
    assert "DEMODATA" in ws.cell(2, len(header) - 1).value
    assert {r[0].value for r in wb["Toelichting"].iter_rows()} >= {"Titel", "Bron", "Datarelease"}

    # The detail chart's table: its own buttons in the "Tabel" tab.
    page.get_by_role("tab", name="Tabel").first.click()
    wait_idle(page)
    csv_button = page.get_by_role("button", name="Download als CSV").nth(1)
    expect(csv_button).to_be_visible()
    rows = list(csv.reader(io.StringIO(_download(page, csv_button, tmp_path, "grafiek.csv").decode("utf-8-sig")),
                           delimiter=";"))
    assert rows[0][0] == "Gebied" and any(h.startswith("Waarde (") for h in rows[0])
    value_col = next(i for i, h in enumerate(rows[0]) if h.startswith("Waarde ("))
    shown = [r[value_col] for r in rows[1:] if r[value_col]]
    assert shown and all(float(v.replace(",", ".")) == float(v.replace(",", ".")) for v in shown)
    assert not any(" per " in v or "%" in v for v in shown)  # numbers, not "38,1 per 1.000"


def test_streamlits_own_table_download_is_hidden(app_server, page: Page):
    open_app(page, app_server.url + "wmo", chart=True)
    table = page.get_by_test_id("stDataFrame").first
    table.hover()
    expect(page.get_by_test_id("stElementToolbar").first).to_be_attached()
    assert page.get_by_role("button", name="Download as CSV").count() == 0
