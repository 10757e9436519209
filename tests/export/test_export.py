"""CSV and Excel exports: formulas neutralised, numbers kept as numbers, suppressed cells marked, source
and release in the file; the chart/table builders use the query layer's (suppressed) figures."""

from __future__ import annotations

import csv
import io

import openpyxl
import polars as pl
import pytest

from components import export as ui_export
from domain.export import NUMBER, Column, ExportTable, neutralise, to_csv, to_xlsx
from queries import Warehouse
from queries import figures as q

ATTACKS = ['=HYPERLINK("https://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_a_spreadsheet_would_run_gets_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -2.5, 0, 38.1, 12])
def test_numbers_stay_numbers(value):
    assert neutralise(value) == value and type(neutralise(value)) is type(value)


def test_ordinary_text_and_empty_cells_are_left_alone():
    assert neutralise("Noord-Oost") == "Noord-Oost"
    assert neutralise("Wmo: 5 % meer") == "Wmo: 5 % meer"
    assert neutralise(None) is None
    assert neutralise(float("nan")) is None


def table(rows, *, source="Bron: test · release r1", release="r1") -> ExportTable:
    return ExportTable(title="Test: cliënten per 1.000",
                       columns=(Column("Gebied"), Column("Waarde (per 1.000)", NUMBER), Column("Status")),
                       rows=tuple(rows), source=source, release=release, notes=("toelichting",))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the UTF-8 right
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_has_dutch_numbers_marked_suppression_and_source_on_every_row():
    rows = read_csv(to_csv(table([("=Noord()", 38.1, "definitief"), ("Zuid", None, "afgeschermd"),
                                  ("Oost", -2.0, "voorlopig")])))
    assert rows[0] == ["Gebied", "Waarde (per 1.000)", "Status", "Bron", "Datarelease"]
    assert rows[1] == ["'=Noord()", "38,1", "definitief", "Bron: test · release r1", "r1"]
    assert rows[2][:3] == ["Zuid", "", "afgeschermd"]
    assert rows[3][1] == "-2"  # a negative number is a number, not quoted text
    back = pl.read_csv(to_csv(table([("Noord", 38.1, "definitief"), ("Oost", -2.5, "voorlopig")])),
                       separator=";", decimal_comma=True)
    assert back["Waarde (per 1.000)"].to_list() == [38.1, -2.5]


def test_xlsx_holds_numbers_text_without_formulas_and_an_explanation_sheet():
    data = to_xlsx(table([("=HYPERLINK(\"x\")", 38.1, "definitief"), ("Zuid", None, "afgeschermd"),
                          ("@Oost", -2, "voorlopig")]))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Cijfers"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["Gebied", "Waarde (per 1.000)", "Status", "Bron", "Datarelease"]
    assert values[1][:2] == ["'=HYPERLINK(\"x\")", 38.1] and ws.cell(2, 2).data_type == "n"
    assert values[2][:3] == ["Zuid", None, "afgeschermd"]
    assert values[3][:2] == ["'@Oost", -2]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    about = {r[0].value: r[1].value for r in wb["Toelichting"].iter_rows()}
    assert about["Titel"] == "Test: cliënten per 1.000" and about["Datarelease"] == "r1"
    assert about["Toelichting"] == "toelichting"


def test_a_text_value_in_a_number_column_is_refused():
    with pytest.raises(TypeError, match="number column"):
        to_csv(table([("Noord", "38,1 per 1.000", "definitief")]))


# ------------------------------------------------------------------------------------------------
# Builders from the pages' figures (query layer output, suppression applied)
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def wh(small_warehouse) -> Warehouse:
    return Warehouse.open(small_warehouse)


def test_series_export_of_a_chart_keeps_suppression_and_numbers(wh):
    ind = q.indicator(wh, "wmo_clients_per_1000")
    df = q.series(wh, "wmo_clients_per_1000", ["WK000101", "WK000102"])
    t = ui_export.series_table(ind, df, source="Bron: test", release=wh.release.id)
    headers = [c.header for c in t.full_columns()]
    assert headers == ["Gebied", "Gebiedscode", "Jaar", f"Waarde ({ind['unit_label']})", "Status", "Bron",
                       "Datarelease"]
    rows = {(r[1], r[2]): r for r in t.full_rows()}
    assert rows[("WK000101", 2024)][3] == 60.0 and rows[("WK000101", 2024)][4] == "definitief"
    # Zuid has 40 inhabitants: the query layer hides its rate, and the file says so without a number.
    assert rows[("WK000102", 2024)][3] is None and rows[("WK000102", 2024)][4] == "afgeschermd"
    assert rows[("WK000102", 2024)][6] == wh.release.id
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(t)))
    assert wb["Cijfers"].cell(2, 4).data_type == "n"


def test_all_figures_export_has_numbers_and_a_unit_column(wh):
    cat = q.indicators_for_law(wh, "wmo")
    comp = q.comparison(wh, cat["id"].to_list(), 2024)
    overview = cat.select("id", "title", "unit", "unit_label", "theme").join(comp, left_on="id",
                                                                           right_on="indicator_id", how="left")
    t = ui_export.comparison_table(overview, title="Wmo: alle cijfers 2024", source="Bron: test", release="r")
    by_title = {r[0]: r for r in t.rows}
    row = by_title[q.indicator(wh, "wmo_clients_per_1000")["title"]]
    assert row[2] == q.indicator(wh, "wmo_clients_per_1000")["unit_label"]
    assert row[3] == 48.0 and row[6] == 56.5 and row[8] == "definitief"
    csv_rows = read_csv(to_csv(t))
    assert "48" in [r[3] for r in csv_rows[1:]]


def test_a_file_is_no_more_exact_than_the_screen(wh):
    """A rate to many decimals on a small base gives away the count behind it: files round like the page."""
    rate, count = q.indicator(wh, "wmo_clients_per_1000"), q.indicator(wh, "wmo_reg_clients")
    df = pl.DataFrame({"region_name": ["Noord"], "period": ["2024JJ00"], "value": [26.666666667], "status": ["final"]})
    assert ui_export.series_table(rate, df, source="b", release="r").rows[0][2] == 26.7
    counted = ui_export.series_table(count, df.with_columns(value=pl.lit(120.0)), source="b", release="r").rows[0][2]
    assert counted == 120 and isinstance(counted, int)
    assert ui_export.rounded(-0.04, "percent") == 0.0 and ui_export.rounded(None, "count") is None


def test_wijk_names_from_a_source_are_neutralised_in_the_file(wh):
    ind = q.indicator(wh, "wmo_clients_per_1000")
    df = pl.DataFrame({"region_name": ["=cmd|' /C calc'!A0"], "period": ["2024JJ00"], "value": [12.0],
                       "status": ["final"]})
    rows = read_csv(to_csv(ui_export.series_table(ind, df, source="Bron", release="r")))
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[1][2] == "12"
