import polars as pl
import pytest

from etl import catalogue, wsjg
from etl.warehouse import WarehouseError, current_release

PERIODS_IN_COLUMNS = """Waarstaatjegemeente.nl
Indicator;Wmo-cliënten per 1.000 inwoners
Bron;CBS

Gebied;Code;2023;2024*
Nederland;NL01;55,5;57,25
Testgemeente;;48,0;-
Buurgemeente;GM0002;x;?
""".encode("utf-8")

INDICATORS_IN_COLUMNS = """Onderwerp: Meedoen
Periode;2024
Regio;Code;Netto arbeidsparticipatie (%);Mantelzorgers (%)
Nederland;NL01;1.234,5;17
Verregemeente;GM0003;66,1;-
""".encode("cp1252")


def test_periods_in_columns_with_names_codes_missing_and_provisional(small_warehouse):
    cat = catalogue.load()
    regions = current_release(small_warehouse).table("regions")
    parsed = wsjg.parse(PERIODS_IN_COLUMNS, "export.csv", cat, regions)
    assert parsed.problems == []
    rows = {(r["region_code"], r["period"]): (r["value"], r["status"]) for r in parsed.observations.to_dicts()}
    assert rows[("NL01", "2023JJ00")] == (55.5, "final")
    assert rows[("NL01", "2024JJ00")] == (57.25, "provisional")
    assert rows[("GM0001", "2023JJ00")] == (48.0, "final")  # found by name
    assert rows[("GM0001", "2024JJ00")] == (None, "unknown")
    assert rows[("GM0002", "2023JJ00")] == (None, "unknown")
    assert set(parsed.observations["indicator_id"]) == {"wmo_clients_per_1000"}


def test_indicators_in_columns_and_dutch_thousands(small_warehouse):
    parsed = wsjg.parse(INDICATORS_IN_COLUMNS, "export.csv", catalogue.load(),
                        current_release(small_warehouse).table("regions"))
    rows = {(r["indicator_id"], r["region_code"]): r["value"] for r in parsed.observations.to_dicts()}
    assert rows[("net_labour_participation", "NL01")] == 1234.5
    assert rows[("mantelzorgers_pct", "NL01")] == 17.0
    assert rows[("mantelzorgers_pct", "GM0003")] is None
    assert set(parsed.observations["period"]) == {"2024JJ00"}


def test_unknown_regions_and_columns_are_reported_not_guessed(small_warehouse):
    before = current_release(small_warehouse).id
    data = ("Periode;2024\nGebied;Code;Netto arbeidsparticipatie (%);Geluk (%)\n"
            "Nergenshuizen;;60;1\nNederland;NL01;61;2\n").encode()
    with pytest.raises(WarehouseError) as err:
        wsjg.load([("x.csv", data)], warehouse=small_warehouse)
    msg = str(err.value)
    assert "'Geluk (%)'" in msg and "column 4" in msg
    assert "'Nergenshuizen'" in msg and "row 3" in msg
    assert current_release(small_warehouse).id == before
    # With skip_unknown the matching part is loaded and the rest listed.
    parsed = wsjg.load([("x.csv", data)], warehouse=small_warehouse, strict=False)
    assert len(parsed.problems) == 2
    o = current_release(small_warehouse).table("observations").filter(pl.col("source_id") == "wsjg")
    assert o.to_dicts()[0]["value"] == 61.0


def test_an_export_without_a_table_or_mapping_is_refused(small_warehouse):
    cat, regions = catalogue.load(), current_release(small_warehouse).table("regions")
    with pytest.raises(WarehouseError, match="no table header"):
        wsjg.parse(b"just text\n", "a.csv", cat, regions)
    with pytest.raises(WarehouseError, match="not mapped"):
        wsjg.parse(b"Indicator;Onbekend cijfer\nGebied;Code;2024\nNederland;NL01;1\n", "a.csv", cat, regions)
    with pytest.raises(WarehouseError, match="empty"):
        wsjg.parse(b"", "a.csv", cat, regions)
