"""Complaints, objections, appeals and court cases (etl.registry_cases): hand-computed figures, every
field's validation, the profile section, reader limits, the command line, privacy and suppression."""

from __future__ import annotations

import io

import polars as pl
import pytest

import settings as settings_mod
from etl import registry, registry_cases
from etl.__main__ import main
from etl.registry import Extract, ExtractRefused, ReaderLimits
from tests.registry.test_registry import GM, POSTCODES, REFERENCE, WMO, csv, load, obs, settings_for, value

HEADER = "case_id,client_id,received_date,decision_date,law,product_code,kind,outcome,postcode,wijk_code"
BSN = "123456782"
# Hand-checked case list (expected values in the tests below). Days from receipt to decision:
# C1 42, C2 84 (on the last day of term plus extension), C3 85 (one day late), C8 36; C5 was withdrawn.
CASES = [
    f"C1,{BSN},2024-01-10,2024-02-21,Wmo,01,bezwaar,gegrond,1000AA,",
    "C2,,2024-02-01,2024-04-25,wmo,,Bezwaar,Ongegrond,1001AA,",
    "C3,,2024-03-01,2024-05-25,wmo,14,bezwaar,Deels gegrond,,WK999001",
    "C4,,2024-11-01,,wmo,,bezwaar,,1000AB,",
    "C5,,2024-04-01,2024-04-20,wmo,,bezwaar,ingetrokken,,",
    "C6,,2024-05-01,2024-06-01,wmo,,klacht,gegrond,1000AA,",
    "C7,,2024-06-01,,wmo,,klacht,,,",
    "C8,,2023-12-15,2024-01-20,wmo,,bezwaar,Niet-ontvankelijk,1002AA,",
    "C9,,2024-02-01,,wmo,02,beroep,lopend,,",
    "C10,,2024-03-01,2025-06-01,wmo,,Hoger beroep,ongegrond,,",
    "C11,,2024-05-05,2024-06-01,Jeugdwet,45,klacht,ongegrond,1001AA,",
]
Y24 = "2024JJ00"


def cases(rows: list[str] = CASES) -> bytes:
    return csv(rows, HEADER)


def test_the_figures_of_a_hand_computed_case_list(tmp_path):
    load(tmp_path, {"cases": cases()})
    o = obs(tmp_path)
    assert value(o, "wmo_complaints", GM, Y24) == 2  # C6, C7
    assert value(o, "wmo_complaints", "WK999001", Y24) == 1 and value(o, "wmo_complaints", "WK999002", Y24) is None
    assert value(o, "jeugd_complaints", GM, Y24) == 1
    assert value(o, "wmo_objections", GM, Y24) == 5 and value(o, "wmo_objections", GM, "2023JJ00") == 1
    assert {c: value(o, "wmo_objections", GM, Y24, "outcome", c) for c in registry_cases.OUTCOMES} == {
        "gegrond": 1, "ongegrond": 1, "deels_gegrond": 1, "niet_ontvankelijk": None, "ingetrokken": 1, "lopend": 1}
    assert value(o, "wmo_objections", "WK999001", Y24) == 3  # C1 and C4 by postcode, C3 by wijk code
    assert value(o, "wmo_court_cases", GM, Y24) == 2
    assert value(o, "wmo_court_cases", GM, Y24, "kind", "hoger_beroep") == 1
    # Ruled on in 2024: C1 (gegrond), C2 (ongegrond), C3 (deels), C8 (niet-ontvankelijk); C5 was withdrawn.
    upheld = o.filter((pl.col("indicator_id") == "wmo_objections_upheld") & (pl.col("period") == Y24))
    assert upheld["value"].to_list() == [50.0] and upheld["denominator"].to_list() == [4.0]
    assert value(o, "wmo_objection_days", GM, Y24) == 63.0  # median of 36, 42, 84, 85
    assert value(o, "wmo_objections_late", GM, Y24) == 25.0  # only C3 is past 6 + 6 weeks
    assert settings_mod.load_terms().objection_days() == 84  # the Awb's 6 + 6 weeks, unless set otherwise
    status = dict(o.filter(pl.col("indicator_id") == "wmo_objections").select("period", "status").unique().iter_rows())
    assert status == {"2023JJ00": "final", "2024JJ00": "final"}  # no objection came in 2025: no row
    sources = obs_sources(tmp_path)
    assert sources["registry:cases"] == "Eigen registratie klachten, bezwaren en beroepen"


# Objections still open at a year's end (the export date, 2025-12-31, for 2025) with their term passed.
# L1: open on 2023-12-31 after 121 days. L2: open then after only 77. L3 and L4 still running: L3 is 152 days
# old at the end of 2024, L4 77. L5 was withdrawn only in 2025: on 2024-12-31 it had been open 305 days.
OPEN = [
    "L1,,2023-09-01,2024-02-01,wmo,,bezwaar,ongegrond,,",
    "L2,,2023-10-15,2024-01-10,wmo,,bezwaar,gegrond,,",
    "L3,,2024-08-01,,wmo,,bezwaar,,,",
    "L4,,2024-10-15,,wmo,,bezwaar,lopend,,",
    "L5,,2024-03-01,2025-01-15,wmo,,bezwaar,ingetrokken,,",
    "L6,,2024-01-01,,wmo,,klacht,,,",  # a complaint, not an objection
    "L7,,2024-01-01,,Participatiewet,,bezwaar,,,",  # another law
]


def test_objections_open_past_their_term_at_the_end_of_each_year(tmp_path, monkeypatch):
    load(tmp_path / "a", {"cases": cases(OPEN)})
    o = obs(tmp_path / "a")
    assert [value(o, "wmo_objections_open_late", GM, f"{y}JJ00") for y in (2023, 2024, 2025)] == [1, 2, 2]
    assert value(o, "participatie_objections_open_late", GM, "2024JJ00") == 1
    # The term is a setting: without an extension (6 weeks) L2 was too late at the end of 2023 as well.
    monkeypatch.setenv("MSD_TERM_OBJECTION_EXTENSION_DAYS", "0")
    load(tmp_path / "b", {"cases": cases(OPEN)})
    assert value(obs(tmp_path / "b"), "wmo_objections_open_late", GM, "2023JJ00") == 2
    assert value(obs(tmp_path / "b"), "wmo_objections_open_late", GM, "2024JJ00") == 3  # L4 too (77 > 42)


def test_the_backlog_of_open_objections_is_a_count_under_the_small_number_rule(tmp_path):
    load(tmp_path, {"cases": cases(OPEN)}, suppress=True)
    o = obs(tmp_path)
    hit = o.filter((pl.col("indicator_id") == "wmo_objections_open_late") & (pl.col("period") == "2024JJ00"))
    assert hit["value"].to_list() == [None] and hit["status"].to_list() == ["suppressed"]  # 2 is below 5


def obs_sources(wh) -> dict[str, str]:
    from warehouse.releases import current_release

    return dict(current_release(wh).table("sources").select("source_id", "title").iter_rows())


def test_complaints_per_1000_clients_over_the_registry_clients_loaded_with_or_before_them(tmp_path):
    load(tmp_path / "together", {"wmo": csv(WMO), "cases": cases()})
    o = obs(tmp_path / "together")
    assert value(o, "wmo_reg_clients", GM, Y24) == 2
    assert value(o, "wmo_complaints_per_1000", GM, Y24) == pytest.approx(1000.0)  # 2 complaints, 2 clients
    assert value(o, "wmo_complaints_per_1000", "WK999001", Y24) == pytest.approx(500.0)  # 1 complaint, 2 clients
    load(tmp_path / "later", {"wmo": csv(WMO)})
    load(tmp_path / "later", {"cases": cases()})  # a second load keeps the clients and derives the rate
    assert value(obs(tmp_path / "later"), "wmo_complaints_per_1000", GM, Y24) == pytest.approx(1000.0)
    assert value(obs(tmp_path / "later"), "wmo_reg_clients", GM, Y24) == 2


GOOD = "X1,,2024-01-10,2024-02-21,wmo,01,bezwaar,gegrond,1000AA,"


@pytest.mark.parametrize("row, column, reason", [
    (",,2024-01-10,2024-02-21,wmo,,bezwaar,gegrond,,", "case_id", "zaaknummer is leeg"),
    ("B1,,,2024-02-21,wmo,,bezwaar,gegrond,,", "received_date", "datum van ontvangst is leeg"),
    ("B1,,2024-01-10,2024-01-02,wmo,,bezwaar,gegrond,,", "decision_date",
     "besluitdatum ligt voor de datum van ontvangst"),
    ("B1,,2024-01-10,,Wlz-geheim,,klacht,,,", "law", "onbekende wet (toegestaan: wmo, jeugd, participatie, schuldhulp)"),
    ("B1,,2024-01-10,,wmo,99,klacht,,,", "product_code", "onbekende productcode voor de wet van deze zaak"),
    ("B1,,2024-01-10,,participatie,45,klacht,,,", "product_code", "onbekende productcode voor de wet van deze zaak"),
    ("B1,,2024-01-10,,wmo,,verzoekschrift,,,", "kind",
     "onbekende soort zaak (toegestaan: klacht, bezwaar, beroep, hoger_beroep)"),
    ("B1,,2024-01-10,2024-02-21,wmo,,bezwaar,gewonnen,,", "outcome", "onbekende uitkomst (toegestaan: gegrond, "
     "ongegrond, deels_gegrond, niet_ontvankelijk, ingetrokken, lopend)"),
    ("B1,,2024-01-10,2024-02-21,wmo,,bezwaar,,,", "outcome", "uitkomst is leeg, maar er is een besluitdatum"),
    ("B1,,2024-01-10,,wmo,,bezwaar,gegrond,,", "decision_date", "er is een uitkomst, maar geen besluitdatum"),
    ("B1,,2024-01-10,2024-02-21,wmo,,bezwaar,lopend,,", "decision_date",
     "de zaak is lopend, maar er is een besluitdatum"),
    ("B1,,2024-01-10,,wmo,,klacht,,9999ZZ,", "postcode", "postcode of wijk ligt buiten de gemeente"),
    ("B1,,2024-01-10,,wmo,,klacht,,,WK000001", "postcode", "postcode of wijk ligt buiten de gemeente"),
    ("X1,,2024-03-10,,wmo,,bezwaar,,,", "case_id", "zaak staat er al eerder (zelfde zaaknummer en soort)"),
])
def test_every_field_is_checked_and_the_message_names_row_and_column_not_the_value(tmp_path, row, column, reason):
    report = load(tmp_path, {"cases": cases([GOOD, *CASES[1:], row])}, max_errors=5)
    bad_row = len(CASES) + 2  # header, GOOD and the other rows come first
    assert (bad_row, column, reason) in report.problems["cases"]
    assert report.skipped["cases"] == 1 and report.rows["cases"] == len(CASES) + 1
    for value_in_row in ("Wlz-geheim", "verzoekschrift", "gewonnen", "9999ZZ", "WK000001"):
        assert all(value_in_row not in why for _, _, why in report.problems["cases"])


def test_the_same_case_number_may_be_an_objection_and_later_an_appeal(tmp_path):
    report = load(tmp_path, {"cases": cases([GOOD, "X1,,2024-03-10,,wmo,,beroep,,,"])})
    assert report.problems["cases"] == []
    assert value(obs(tmp_path), "wmo_court_cases", GM, Y24) == 1


def test_too_many_bad_rows_load_nothing(tmp_path):
    load(tmp_path, {"cases": cases()})
    before = obs(tmp_path)
    with pytest.raises(ExtractRefused, match=r"2 problemen in 2 van de 3 rijen.*er is niets geladen") as err:
        load(tmp_path, {"cases": cases([GOOD, "B1,,2024-01-10,,wmo,,raar,,,", "B2,,,,wmo,,klacht,,,"])})
    assert (3, "kind", "onbekende soort zaak (toegestaan: klacht, bezwaar, beroep, hoger_beroep)") in err.value.problems
    assert obs(tmp_path).equals(before)


def test_a_client_id_in_the_file_is_never_read_into_the_warehouse(tmp_path):
    load(tmp_path, {"cases": cases()})
    for path in tmp_path.rglob("*"):
        if path.suffix == ".parquet":
            table = pl.read_parquet(path)
            assert not any(BSN in str(v) for col in table.columns for v in table[col].cast(pl.String).to_list())
        elif path.is_file():
            assert BSN.encode() not in path.read_bytes(), path


def test_small_cells_are_hidden_and_cannot_be_computed_back(tmp_path):
    rows = [f"K{i},,2024-0{1 + i % 9}-10,,wmo,,klacht,,{pc},"
            for i, pc in enumerate(["1000AA"] * 30 + ["1001AA"] * 3 + ["1002AA"] * 20)]
    load(tmp_path, {"cases": cases(rows)}, suppress=True)
    o = obs(tmp_path)
    assert value(o, "wmo_complaints", GM, Y24) == 53
    assert value(o, "wmo_complaints", "WK999002", Y24) is None  # 3 complaints
    shown = [value(o, "wmo_complaints", w, Y24) for w in ("WK999001", "WK999003")]
    assert None in shown  # otherwise 53 - 30 - 20 gives the hidden 3 back
    # The upheld share on a base under MSD_MIN_DENOMINATOR (50) is hidden, as every registry rate.
    load(tmp_path / "small", {"cases": cases()}, suppress=True)
    upheld = obs(tmp_path / "small").filter(pl.col("indicator_id") == "wmo_objections_upheld")
    assert upheld["value"].is_null().all() and set(upheld["status"]) == {"suppressed"}


PROFILE = """
name = "zaaksysteem"
delimiter = ","
[columns]
client_id = "BSN"
household_id = "Huishouden"
[cases]
delimiter = ";"
date_format = "%d-%m-%Y"
[cases.columns]
case_id = "Zaaknummer"
received_date = "Ontvangen"
decision_date = "Besluit"
law = "Wet"
kind = "Soort"
outcome = "Uitkomst"
postcode = "Postcode"
[cases.values.outcome]
"Toegewezen" = "gegrond"
"Afgewezen" = "ongegrond"
"""


def test_a_profile_section_maps_a_case_system_with_its_own_columns_and_words(tmp_path):
    profile = tmp_path / "zaaksysteem.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    data = ("Zaaknummer;BSN;Ontvangen;Besluit;Wet;Soort;Uitkomst;Postcode\n"
            f"A1;{BSN};10-01-2024;21-02-2024;Participatiewet;Bezwaar;Toegewezen;1000AA\n"
            "A2;;01-02-2024;01-03-2024;Participatiewet;Bezwaar;Afgewezen;1001 AA\n").encode()
    s = settings_for(tmp_path / "wh", min_count=1, min_count_strict=1, min_denominator=1)
    registry.load([Extract("cases", "zaken.csv", data, profile)], POSTCODES, gemeente=GM, warehouse=tmp_path / "wh",
                  reference_date=REFERENCE, settings=s)
    o = obs(tmp_path / "wh")
    assert value(o, "participatie_objections", GM, Y24) == 2
    assert value(o, "participatie_objections_upheld", GM, Y24) == 50.0
    assert value(o, "participatie_objections", "WK999002", Y24) == 1  # "1001 AA" with a space


def test_a_profile_without_the_section_or_a_file_without_a_required_column_is_refused_clearly(tmp_path):
    with pytest.raises(ExtractRefused, match=r"sociaal-domein-suite.toml heeft geen deel \[cases.columns\]"):
        registry.load([Extract("cases", "z.csv", cases(), "sociaal-domein-suite")], POSTCODES, gemeente=GM,
                      warehouse=tmp_path, reference_date=REFERENCE)
    no_kind = csv(["Z1,2024-01-10,wmo,gegrond"], "case_id,received_date,law,outcome")
    with pytest.raises(ExtractRefused, match=r"verplichte kolommen voor klachten, bezwaren en beroepen ontbreken: "
                                             r"kind \(kind\)"):
        load(tmp_path, {"cases": no_kind})


def test_the_reader_limits_and_an_excel_export_apply_as_for_the_other_extracts(tmp_path):
    with pytest.raises(ExtractRefused, match=r"10 kolommen, meer dan de grens van 5 \(MSD_MAX_EXTRACT_COLUMNS\)"):
        load(tmp_path, {"cases": cases()}, limits=ReaderLimits(max_columns=5))
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in [HEADER, *CASES]:
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    load(tmp_path / "xlsx", {"cases": buf.getvalue()})
    assert value(obs(tmp_path / "xlsx"), "wmo_objections", GM, Y24) == 5


def test_a_new_extract_replaces_only_the_years_it_covers(tmp_path):
    load(tmp_path, {"cases": cases()})
    load(tmp_path, {"cases": cases(["N1,,2025-02-01,,wmo,,klacht,,,"])})
    o = obs(tmp_path)
    assert value(o, "wmo_complaints", GM, "2025JJ00") == 1
    assert o.filter(pl.col("period") == "2025JJ00")["status"].unique().to_list() == ["provisional"]  # the export's year
    assert value(o, "wmo_complaints", GM, Y24) == 2  # 2024 is kept


def test_the_command_line_loads_a_case_list_with_kind_or_its_own_option(tmp_path, capsys):
    pc, f = tmp_path / "pc.csv", tmp_path / "zaken.csv"
    pc.write_bytes(POSTCODES)
    f.write_bytes(cases())
    common = ["--postcodes", str(pc), "--gemeente", GM, "--reference-date", "2025-12-31", "--yes"]
    assert main(["registry", str(f), "--kind", "cases", "--warehouse", str(tmp_path / "a"), *common]) == 0
    assert "cases: 11 rijen gelezen, 0 overgeslagen" in capsys.readouterr().out
    assert value(obs(tmp_path / "a"), "wmo_objections", GM, Y24) == 5
    assert main(["registry", "--cases", str(f), "--warehouse", str(tmp_path / "b"), *common]) == 0
    assert value(obs(tmp_path / "b"), "wmo_objections", GM, Y24) == 5
    assert value(obs(tmp_path / "b"), "wmo_complaints", GM, Y24) is None  # 2: hidden by the default rules
    assert main(["registry", str(f), "--warehouse", str(tmp_path / "c"), *common]) == 2
    assert "--kind cases|signals" in capsys.readouterr().err


def test_an_unknown_field_in_the_profile_section_is_named(tmp_path):
    profile = tmp_path / "fout.toml"
    profile.write_text('[columns]\nclient_id = "BSN"\n[cases.columns]\ncase_id = "Zaak"\nclient_id = "BSN"\n',
                       encoding="utf-8")
    with pytest.raises(ExtractRefused, match=r"deel \[cases.columns\]: onbekende standaardvelden \['client_id'\]"):
        registry.load([Extract("cases", "z.csv", cases(), profile)], POSTCODES, gemeente=GM, warehouse=tmp_path,
                      reference_date=REFERENCE)


def test_a_refused_law_extract_loads_the_case_list_beside_it_neither(tmp_path):
    load(tmp_path, {"cases": cases()})
    before = obs(tmp_path)
    with pytest.raises(ExtractRefused, match="wmo.csv"):
        load(tmp_path, {"cases": cases([GOOD]), "wmo": csv(["x,,,,,,,,,,,,,,,"])})
    assert obs(tmp_path).equals(before)
