"""waarstaatjegemeente.nl exports as they really are: levels, colliding names, Dutch numbers, layouts."""

import io

import openpyxl
import polars as pl
import pytest

from etl import wsjg
from warehouse import catalogue
from warehouse.releases import WarehouseError, current_release

WMO = "Wmo-cliënten per 1.000 inwoners"


def regions() -> pl.DataFrame:
    """Names that collide as they do in the real regions table: a wijk called like a municipality,
    a wijk called "Nederland" (as in Steenwijkerland) and two wijken called "Noord"."""
    rows = [
        ("NL01", "Nederland", "land", None),
        ("GM0001", "Testgemeente", "gemeente", "GM0001"),
        ("GM0002", "Buurgemeente", "gemeente", "GM0002"),
        ("GM0003", "Verregemeente", "gemeente", "GM0003"),
        ("WK000101", "Noord", "wijk", "GM0001"),
        ("WK000102", "Buurgemeente", "wijk", "GM0001"),
        ("WK000201", "Nederland", "wijk", "GM0002"),
        ("WK000202", "Noord", "wijk", "GM0002"),
        ("WK000301", "Centrum", "wijk", "GM0003"),
        ("BU00030101", "Kerkbuurt", "buurt", "GM0003"),
    ]
    return pl.DataFrame(rows, schema=["region_code", "name", "level", "gemeente_code"], orient="row")


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def values(parsed) -> dict:
    return {(r["indicator_id"], r["region_code"], r["period"]): (r["value"], r["status"])
            for r in parsed.observations.to_dicts()}


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


# --------------------------------------------------------------------------------------------
# Areas: one level, codes first, Nederland is NL01
# --------------------------------------------------------------------------------------------
def test_names_are_resolved_on_the_inferred_level_not_on_a_colliding_wijk(cat):
    data = csv(f"Indicator;{WMO}\n\nGebied;2023;2024*\nNederland;55,5;57,25\nBuurgemeente;48,0;-\n"
               "Testgemeente;x;?\n")
    parsed = wsjg.parse(data, "export.csv", cat, regions())
    assert parsed.problems == []
    v = values(parsed)
    assert v[("wmo_clients_per_1000", "NL01", "2023JJ00")] == (55.5, "final")  # not the wijk "Nederland"
    assert v[("wmo_clients_per_1000", "NL01", "2024JJ00")] == (57.25, "provisional")
    assert v[("wmo_clients_per_1000", "GM0002", "2023JJ00")] == (48.0, "final")  # not wijk WK000102
    assert v[("wmo_clients_per_1000", "GM0002", "2024JJ00")] == (None, "unknown")
    assert v[("wmo_clients_per_1000", "GM0001", "2023JJ00")] == (None, "unknown")
    assert {r for _, r, _ in v} == {"NL01", "GM0001", "GM0002"}


def test_the_level_is_inferred_from_where_most_names_are(cat):
    # "Buurgemeente" is a gemeente and a wijk, "Centrum" only a wijk: the export is about wijken.
    data = csv(f"Indicator;{WMO}\nGebied;2024\nCentrum;30\nBuurgemeente;40\nNederland;55\n")
    v = values(wsjg.parse(data, "export.csv", cat, regions()))
    assert v[("wmo_clients_per_1000", "WK000301", "2024JJ00")][0] == 30.0
    assert v[("wmo_clients_per_1000", "WK000102", "2024JJ00")][0] == 40.0
    assert v[("wmo_clients_per_1000", "NL01", "2024JJ00")][0] == 55.0


def test_a_name_that_fits_several_areas_on_the_level_is_refused_with_the_candidates(cat):
    data = csv(f"Indicator;{WMO}\nNiveau;Wijken\nGebied;2024\nNoord;12\nBuurgemeente;40\n")
    parsed = wsjg.parse(data, "export.csv", cat, regions())
    assert len(parsed.problems) == 1
    msg = parsed.problems[0]
    assert msg.startswith("export.csv, rij 4:") and "'Noord' past op 2 gebieden van niveau wijk" in msg
    assert "WK000101 (Noord, Testgemeente)" in msg and "WK000202 (Noord, Buurgemeente)" in msg
    assert "gebiedscode" in msg
    # The stated level decides: Buurgemeente is the wijk here, and the ambiguous row is not guessed.
    assert values(parsed) == {("wmo_clients_per_1000", "WK000102", "2024JJ00"): (40.0, "final")}


def test_codes_in_the_export_win_over_names(cat):
    data = csv(f"Indicator;{WMO}\nGebied;Code;2024\nNoord;WK000202;12\nTestgemeente;GM0002;40\n"
               "Nederland;NL00;55\n")
    v = values(wsjg.parse(data, "export.csv", cat, regions()))
    assert v == {("wmo_clients_per_1000", "WK000202", "2024JJ00"): (12.0, "final"),
                 ("wmo_clients_per_1000", "GM0002", "2024JJ00"): (40.0, "final"),
                 ("wmo_clients_per_1000", "NL01", "2024JJ00"): (55.0, "final")}


def test_unknown_or_misplaced_areas_and_bad_codes_are_reported(cat):
    data = csv(f"Indicator;{WMO}\nNiveau: gemeente\nGebied;Code;2024\nCentrum;;1\nNergenshuizen;;2\n"
               "X;GM12;3\nY;GM0999;4\n")
    problems = wsjg.parse(data, "e.csv", cat, regions()).problems
    assert problems == [
        "e.csv, rij 4: gebied 'Centrum' staat niet in de gebiedentabel op niveau gemeente "
        "(wel op niveau wijk; geef de code of het niveau)",
        "e.csv, rij 5: gebied 'Nergenshuizen' staat niet in de gebiedentabel op niveau gemeente",
        "e.csv, rij 6: code 'GM12' is geen CBS-gebiedscode (zoals GM0363 of WK036301)",
        "e.csv, rij 7: code 'GM0999' staat niet in de gebiedentabel",
    ]


def test_a_level_column_decides_per_row(cat):
    data = csv("Geo;Geoniveau;Perioden;Netto arbeidsparticipatie (%)\nBuurgemeente;Gemeente;2024;66,1\n"
               "Buurgemeente;Wijk;2024;60\nNoord;Stadsdeel;2024;1\n")
    parsed = wsjg.parse(data, "e.csv", cat, regions())
    assert values(parsed) == {("net_labour_participation", "GM0002", "2024JJ00"): (66.1, "final"),
                              ("net_labour_participation", "WK000102", "2024JJ00"): (60.0, "final")}
    assert parsed.problems == ["e.csv, rij 4, kolom 2 ('Geoniveau'): onbekend gebiedsniveau 'Stadsdeel'"]


# --------------------------------------------------------------------------------------------
# Numbers: one rule per cell
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, expected", [
    ("131.283", 131283.0), ("1.234.567", 1234567.0), ("12,5", 12.5), ("1.234,5", 1234.5), ("-3,25", -3.25),
    ("17", 17.0), ("1\u00a0234", 1234.0), (" 0,04 ", 0.04), ("-", None), ("x", None), ("X", None), ("?", None),
    (".", None), ("", None), (None, None), (12.5, 12.5), (131283, 131283.0),
])
def test_dutch_numbers(cell, expected):
    assert wsjg.read_number(cell) == expected


@pytest.mark.parametrize("cell", ["12.5", "1,234.5", "1.23", "1.2345", "12,5,3", ",5", "1.234,", "12.345.67"])
def test_ambiguous_numbers_are_refused_not_guessed(cell):
    with pytest.raises(wsjg.NumberError, match="dubbelzinnig getal"):
        wsjg.read_number(cell)


def test_text_and_booleans_are_not_numbers():
    with pytest.raises(wsjg.NumberError, match="geen getal"):
        wsjg.read_number("n.v.t.")
    with pytest.raises(wsjg.NumberError, match="ja/nee"):
        wsjg.read_number(True)


def test_an_ambiguous_cell_names_row_and_column_but_not_the_value(cat):
    data = csv("Periode;2024\nRegio;Code;Inwoners;Mantelzorgers (%)\nNederland;NL01;17.942.942;17,5\n"
               "Verregemeente;GM0003;131.283;37.25\n")
    parsed = wsjg.parse(data, "e.csv", cat, regions())
    v = values(parsed)
    assert v[("population", "NL01", "2024JJ00")][0] == 17942942.0
    assert v[("population", "GM0003", "2024JJ00")][0] == 131283.0  # not 131.283
    assert v[("mantelzorgers_pct", "NL01", "2024JJ00")][0] == 17.5
    assert ("mantelzorgers_pct", "GM0003", "2024JJ00") not in v
    assert len(parsed.problems) == 1
    msg = parsed.problems[0]
    assert msg.startswith("e.csv, rij 4, kolom 4 ('Mantelzorgers (%)'): dubbelzinnig getal")
    assert "37.25" not in msg and "37,25" not in msg


# --------------------------------------------------------------------------------------------
# Layouts, header and footer lines
# --------------------------------------------------------------------------------------------
SWING_LONG = """Waarstaatjegemeente.nl
Onderwerp: Meedoen
Geëxporteerd op: 1-12-2026

Geo;Perioden;Netto arbeidsparticipatie (%);Mantelzorgers (%)
Nederland;2023;68,4;17
Nederland;2024*;68,9;-
Buurgemeente;2023;66,1;x
Buurgemeente;2024*;66,5;18,5

Bron: waarstaatjegemeente.nl
* voorlopig cijfer
"""


def test_swing_long_layout_with_header_and_footer_lines(cat):
    parsed = wsjg.parse(csv(SWING_LONG), "swing.csv", cat, regions())
    assert parsed.problems == []
    v = values(parsed)
    assert v[("net_labour_participation", "NL01", "2023JJ00")] == (68.4, "final")
    assert v[("net_labour_participation", "NL01", "2024JJ00")] == (68.9, "provisional")
    assert v[("mantelzorgers_pct", "NL01", "2024JJ00")] == (None, "unknown")
    assert v[("net_labour_participation", "GM0002", "2024JJ00")] == (66.5, "provisional")
    assert v[("mantelzorgers_pct", "GM0002", "2024JJ00")] == (18.5, "provisional")
    assert len(v) == 8  # the footer lines are not areas


def test_swing_long_layout_with_the_period_first_and_a_bad_period(cat):
    data = csv("Perioden;Geo;Mantelzorgers (%)\n2024;Verregemeente;12\nvorig jaar;Verregemeente;11\n")
    parsed = wsjg.parse(data, "s.csv", cat, regions())
    assert values(parsed) == {("mantelzorgers_pct", "GM0003", "2024JJ00"): (12.0, "final")}
    assert parsed.problems == ["s.csv, rij 3, kolom 1 ('Perioden'): geen jaar (zoals 2023 of 2023*)"]


def test_a_footer_without_a_blank_line_ends_the_table(cat):
    data = csv(f"Indicator;{WMO}\nGebied;Code;2024\nNederland;NL01;55,5\nBron: waarstaatjegemeente.nl\n"
               "Bron;CBS, bewerking VNG\n")
    parsed = wsjg.parse(data, "e.csv", cat, regions())
    assert parsed.problems == [] and parsed.observations.height == 1


def test_an_area_whose_name_starts_like_a_footer_word_is_an_area(cat):
    regs = pl.concat([regions(), pl.DataFrame([("GM1876", "Bronckhorst", "gemeente", "GM1876"),
                                               ("GM0999", "Datumstad", "gemeente", "GM0999")],
                                              schema=regions().schema, orient="row")])
    data = csv(f"Indicator;{WMO}\nGebied;2024\nBronckhorst;41\nDatumstad;42\nBron: CBS\n")
    assert values(wsjg.parse(data, "e.csv", cat, regs)) == {
        ("wmo_clients_per_1000", "GM1876", "2024JJ00"): (41.0, "final"),
        ("wmo_clients_per_1000", "GM0999", "2024JJ00"): (42.0, "final")}


def test_data_after_the_end_of_the_table_is_reported_not_dropped(cat):
    data = csv(f"Indicator;{WMO}\nGebied;Code;2024\nNederland;NL01;55,5\n\nTestgemeente;GM0001;48\n")
    parsed = wsjg.parse(data, "e.csv", cat, regions())
    assert parsed.problems == ["e.csv, rij 5: gegevens na het einde van de tabel (na een lege regel of voetregel); "
                               "haal de lege regel weg"]


def test_indicators_in_columns_from_a_cp1252_file(cat):
    data = csv("Onderwerp: Meedoen\nPeriode;2024\nRegio;Code;Netto arbeidsparticipatie (%);Mantelzorgers (%)\n"
               "Nederland;NL01;1.234,5;17\nVerregemeente;GM0003;66,1;-\n", "cp1252")
    v = values(wsjg.parse(data, "e.csv", cat, regions()))
    assert v[("net_labour_participation", "NL01", "2024JJ00")] == (1234.5, "final")
    assert v[("mantelzorgers_pct", "GM0003", "2024JJ00")] == (None, "unknown")


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_export_with_number_cells_text_cells_and_a_footer(cat):
    data = xlsx([["Waarstaatjegemeente.nl"], ["Indicator", "Inwoners"], [],
                 ["Gebied", "Code", 2023, "2024*"],
                 ["Nederland", "NL01", 17811291, "17.942.942"],
                 ["Buurgemeente", None, 131283, "131.283"],
                 ["Verregemeente", None, 50000.5, "-"],
                 [], ["Bron: waarstaatjegemeente.nl"]])
    parsed = wsjg.parse(data, "export.xlsx", cat, regions())
    assert parsed.problems == []
    v = values(parsed)
    assert v[("population", "NL01", "2023JJ00")] == (17811291.0, "final")
    assert v[("population", "NL01", "2024JJ00")] == (17942942.0, "provisional")
    assert v[("population", "GM0002", "2023JJ00")][0] == 131283.0
    assert v[("population", "GM0002", "2024JJ00")][0] == 131283.0
    assert v[("population", "GM0003", "2023JJ00")][0] == 50000.5  # an Excel number is taken as it is
    assert v[("population", "GM0003", "2024JJ00")] == (None, "unknown")


def test_excel_long_layout(cat):
    data = xlsx([["Geo", "Perioden", "Mantelzorgers (%)"], ["Nederland", 2023, 17.5], ["Nederland", "2024*", "18,25"],
                 ["Bron: waarstaatjegemeente.nl"]])
    assert values(wsjg.parse(data, "l.xlsx", cat, regions())) == {
        ("mantelzorgers_pct", "NL01", "2023JJ00"): (17.5, "final"),
        ("mantelzorgers_pct", "NL01", "2024JJ00"): (18.25, "provisional")}


def test_unreadable_or_old_excel_files_are_refused(cat):
    with pytest.raises(WarehouseError, match="geen leesbaar Excel-bestand"):
        wsjg.parse(b"not a zip", "e.xlsx", cat, regions())
    with pytest.raises(WarehouseError, match=r"\.xls\).*\.xlsx of \.csv"):
        wsjg.parse(b"\xd0\xcf\x11\xe0", "e.xls", cat, regions())


def test_an_export_without_a_table_or_mapping_is_refused(cat):
    with pytest.raises(WarehouseError, match="geen tabelkop"):
        wsjg.parse(b"just text\n", "a.csv", cat, regions())
    with pytest.raises(WarehouseError, match="'Onbekend cijfer' .* staat niet in de catalogus"):
        wsjg.parse(b"Indicator;Onbekend cijfer\nGebied;Code;2024\nNederland;NL01;1\n", "a.csv", cat, regions())
    with pytest.raises(WarehouseError, match="Periode: <jaar>"):
        wsjg.parse(b"Gebied;Code;Mantelzorgers (%)\nNederland;NL01;1\n", "a.csv", cat, regions())
    with pytest.raises(WarehouseError, match="leeg"):
        wsjg.parse(b"", "a.csv", cat, regions())


# --------------------------------------------------------------------------------------------
# Load into the warehouse
# --------------------------------------------------------------------------------------------
def test_unknown_regions_and_columns_refuse_the_load_or_are_skipped(small_warehouse):
    before = current_release(small_warehouse).id
    data = (b"Periode;2024\nGebied;Code;Netto arbeidsparticipatie (%);Geluk (%)\n"
            b"Nergenshuizen;;60;1\nNederland;NL01;61;2\n")
    with pytest.raises(WarehouseError) as err:
        wsjg.load([("x.csv", data)], warehouse=small_warehouse)
    msg = str(err.value)
    assert "x.csv, rij 2, kolom 4 ('Geluk (%)')" in msg and "x.csv, rij 3: gebied 'Nergenshuizen'" in msg
    assert current_release(small_warehouse).id == before
    parsed = wsjg.load([("x.csv", data)], warehouse=small_warehouse, strict=False)
    assert len(parsed.problems) == 2
    o = current_release(small_warehouse).table("observations").filter(pl.col("source_id") == "wsjg")
    assert o.select("indicator_id", "region_code", "value").to_dicts() == [
        {"indicator_id": "net_labour_participation", "region_code": "NL01", "value": 61.0}]


def test_comma_separated_csv_and_a_level_word_as_the_area_header(cat):
    data = csv(f'Indicator,{WMO}\nGemeenten,Code,2023,2024\nBuurgemeente,,"48,5",49\nNederland,NL01,55,"1.055"\n')
    assert values(wsjg.parse(data, "c.csv", cat, regions())) == {
        ("wmo_clients_per_1000", "GM0002", "2023JJ00"): (48.5, "final"),
        ("wmo_clients_per_1000", "GM0002", "2024JJ00"): (49.0, "final"),
        ("wmo_clients_per_1000", "NL01", "2023JJ00"): (55.0, "final"),
        ("wmo_clients_per_1000", "NL01", "2024JJ00"): (1055.0, "final")}


def test_client_experience_and_social_base_columns_map_to_their_own_indicators(cat):
    """The CEO questions and the health-monitor figures as waarstaatjegemeente names them in an export."""
    data = csv("Periode;2023\nRegio;Code;Cliëntervaring Wmo: snel geholpen (% eens);"
               "Cliëntervaring Jeugd: tevreden over de hulp (% eens);Eenzaam (%);"
               "Veilig Thuis: meldingen van politie en justitie;Huishoudens tot 120% van sociaal minimum (%)\n"
               "Nederland;NL01;71,5;78;46,2;85.590;12,4\nTestgemeente;GM0001;68;-;48,9;328;15,1\n")
    parsed = wsjg.parse(data, "ceo.csv", cat, regions())
    assert parsed.problems == []
    v = values(parsed)
    assert v[("ceo_wmo_helped_quickly", "NL01", "2023JJ00")] == (71.5, "final")
    assert v[("ceo_jeugd_satisfied", "GM0001", "2023JJ00")] == (None, "unknown")
    assert v[("lonely_pct", "GM0001", "2023JJ00")] == (48.9, "final")
    assert v[("vt_reports_police", "NL01", "2023JJ00")] == (85590.0, "final")
    assert v[("pct_households_120_social_minimum", "GM0001", "2023JJ00")] == (15.1, "final")
