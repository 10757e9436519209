"""Debt-help early-warning signals (etl.registry_signals): hand-computed figures, every field's validation,
"overig" for other partners, the term as a named constant, suppression and the command line."""

from __future__ import annotations

import polars as pl
import pytest

from etl import registry, registry_signals
from etl.__main__ import main
from etl.registry import ExtractRefused
from tests.registry.test_cases import HEADER as CASES_HEADER
from tests.registry.test_registry import GM, POSTCODES, csv, load, obs, value

HEADER = "signal_id,signal_date,signal_kind,contact_date,help_accepted,children,postcode,wijk_code"
# Hand-checked signals (expected values in the tests below). Days to the first contact: S1 10, S2 43,
# S4 28 (the last day of the term), S5 1; S3 never contacted; S6 is too recent to judge on 31-12-2025.
SIGNALS = [
    "S1,2024-01-10,huur,2024-01-20,ja,nee,1000AA,",
    "S2,2024-02-01,Zorgverzekeraar,2024-03-15,nee,ja,1001AA,",
    "S3,2024-03-01,energie,,,ja,1000AB,",
    "S4,2024-04-01,Drinkwater,2024-04-29,Nee,,,WK999003",
    "S5,2024-05-01,Telecom,2024-05-02,,nee,1002AA,",
    "S6,2025-12-20,huur,,,ja,1000AA,",
    "S7,2025-11-01,water,2025-11-10,ja,ja,1001AA,",
]
Y24, Y25 = "2024JJ00", "2025JJ00"


def signals(rows: list[str] = SIGNALS) -> bytes:
    return csv(rows, HEADER)


def test_the_figures_of_hand_computed_signals(tmp_path):
    report = load(tmp_path, {"signals": signals()})
    o = obs(tmp_path)
    assert value(o, "debt_signals", GM, Y24) == 5 and value(o, "debt_signals", GM, Y25) == 2
    assert {k: value(o, "debt_signals", GM, Y24, "signal_kind", k) for k in registry_signals.SIGNAL_KINDS} == {
        "huur": 1, "zorgverzekering": 1, "energie": 1, "water": 1, "overig": 1}
    assert [value(o, "debt_signals", w, Y24) for w in ("WK999001", "WK999002", "WK999003")] == [2, 1, 2]
    assert value(o, "debt_signals_contact_in_term", GM, Y24) == 60.0  # S1, S4, S5 of five
    assert value(o, "debt_signals_contact_in_term", GM, Y25) == 100.0  # S7; S6 cannot be judged yet
    assert value(o, "debt_signals_contact_in_term", "WK999001", Y24) == 50.0  # S1 yes, S3 no
    assert value(o, "debt_signals_help_accepted", GM, Y24) == pytest.approx(100 / 3)  # S1 of S1, S2, S4
    assert value(o, "debt_signals_children", GM, Y24) == 50.0  # S2, S3 of S1, S2, S3, S5
    base = o.filter((pl.col("indicator_id") == "debt_signals_children") & (pl.col("region_code") == GM)
                    & (pl.col("period") == Y24))["denominator"].to_list()
    assert base == [4.0]
    assert registry_signals.CONTACT_TERM_DAYS == 28
    # The other partner is counted as "overig" and reported, never kept as text.
    assert report.other["signals"] == {"signal_kind": 1}
    assert registry.other_lines(report, "signals") == [
        "soort signaal: geen huur, zorgverzekering, energie of water in 1 rijen; geteld als 'overig'"]
    assert "telecom" not in set(o["category"].str.to_lowercase())
    assert dict(o.select("period", "status").unique().iter_rows()) == {Y24: "final", Y25: "provisional"}


def test_a_contact_on_the_day_after_the_term_is_late(tmp_path):
    rows = ["T1,2024-01-01,huur,2024-01-29,,,,", "T2,2024-01-01,huur,2024-01-30,,,,"]
    load(tmp_path, {"signals": signals(rows)})
    assert value(obs(tmp_path), "debt_signals_contact_in_term", GM, Y24) == 50.0  # 28 days in, 29 days out


GOOD = "G1,2024-01-10,huur,2024-01-20,ja,nee,1000AA,"


@pytest.mark.parametrize("row, column, reason", [
    ("B1,,huur,,,,,", "signal_date", "datum van het signaal is leeg"),
    ("B1,2024-01-10,,,,,,", "signal_kind", "soort signaal is leeg"),
    ("B1,2024-01-10,huur,2024-01-02,,,,", "contact_date", "eerste contact ligt voor het signaal"),
    ("B1,2024-01-10,huur,2024-01-20,misschien,,,", "help_accepted", "vul ja of nee in"),
    ("B1,2024-01-10,huur,,ja,,,", "help_accepted", "hulp aanvaard, maar er is geen datum van eerste contact"),
    ("B1,2024-01-10,huur,,,drie,,", "children", "vul ja of nee in"),
    ("B1,2024-01-10,huur,,,,9999ZZ,", "postcode", "postcode of wijk ligt buiten de gemeente"),
    ("G1,2024-02-10,water,,,,,", "signal_id", "signaal staat er al eerder (zelfde signaalnummer)"),
])
def test_every_field_is_checked_and_the_message_names_row_and_column_not_the_value(tmp_path, row, column, reason):
    report = load(tmp_path, {"signals": signals([GOOD, *SIGNALS, row])}, max_errors=5)
    assert (len(SIGNALS) + 3, column, reason) in report.problems["signals"]
    assert report.skipped["signals"] == 1
    assert all(v not in why for _, _, why in report.problems["signals"] for v in ("misschien", "drie", "9999ZZ"))


# Both kinds check their dates with one helper (etl.registry_cases_base.date_checks): a good row of each, and
# its date columns.
DATED = {"cases": (CASES_HEADER, "D{n},,2024-01-10,2024-02-21,wmo,,bezwaar,gegrond,,", ("received_date", "decision_date")),
         "signals": (HEADER, "D{n},2024-01-10,huur,2024-01-20,ja,,,", ("signal_date", "contact_date"))}


@pytest.mark.parametrize("kind", DATED)
def test_every_date_must_be_in_the_profiles_form_and_not_after_the_export(tmp_path, kind):
    header, good, columns = DATED[kind]
    rows, expected = [good.format(n=0)], []
    for column in columns:
        for written, reason in (("10-01-2024", "geen datum in de vorm %Y-%m-%d"),
                                ("2026-01-10", "datum ligt na de datum van de export")):
            cells = good.format(n=len(rows)).split(",")
            cells[header.split(",").index(column)] = written
            rows.append(",".join(cells))
            expected.append((len(rows) + 1, column, reason))  # row 1 is the header
    report = load(tmp_path, {kind: csv(rows, header)}, max_errors=10)
    assert set(expected) <= set(report.problems[kind])
    assert report.skipped[kind] == 4 and report.rows[kind] == 5
    assert all("10-01-2024" not in why and "2026" not in why for _, _, why in report.problems[kind])


def test_signals_without_an_id_are_never_duplicates_and_the_required_columns_are_named(tmp_path):
    same = "2024-01-10,huur,,,,1000AA"
    load(tmp_path, {"signals": csv([same, same], "signal_date,signal_kind,contact_date,help_accepted,children,"
                                                 "postcode")})
    assert value(obs(tmp_path), "debt_signals", GM, Y24) == 2  # two arrears on one day are two signals
    with pytest.raises(ExtractRefused, match=r"verplichte kolommen voor vroegsignalering ontbreken: "
                                             r"signal_kind \(signal_kind\)"):
        load(tmp_path, {"signals": csv(["2024-01-10,1000AA"], "signal_date,postcode")})


def test_small_cells_are_hidden_in_every_signal_figure(tmp_path):
    rows = [f"A{i},2024-03-{1 + i % 28:02d},{kind},2024-04-{1 + i % 28:02d},nee,ja,{pc},"
            for i, (kind, pc) in enumerate([("huur", "1000AA")] * 60 + [("water", "1001AA")] * 3
                                           + [("energie", "1002AA")] * 55)]
    load(tmp_path, {"signals": signals(rows)}, suppress=True)
    o = obs(tmp_path)
    assert value(o, "debt_signals", GM, Y24) == 118
    assert value(o, "debt_signals", "WK999002", Y24) is None  # three signals
    assert value(o, "debt_signals", GM, Y24, "signal_kind", "water") is None
    assert None in [value(o, "debt_signals", w, Y24) for w in ("WK999001", "WK999003")]  # else 118 - 60 - 55 = 3
    kinds = [value(o, "debt_signals", GM, Y24, "signal_kind", k) for k in ("huur", "energie")]
    assert None in kinds  # else 118 - 60 - 55 gives the water signals back
    assert value(o, "debt_signals_children", "WK999002", Y24) is None  # a share of three households
    assert value(o, "debt_signals_children", "WK999001", Y24) == 100.0  # 60 behind it


def test_the_command_line_loads_signals_with_kind(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MSD_MIN_COUNT", "1")
    monkeypatch.setenv("MSD_MIN_DENOMINATOR", "1")
    pc, f = tmp_path / "pc.csv", tmp_path / "signalen.csv"
    pc.write_bytes(POSTCODES)
    f.write_bytes(signals())
    assert main(["registry", str(f), "--kind", "signals", "--warehouse", str(tmp_path / "wh"), "--postcodes", str(pc),
                 "--gemeente", GM, "--reference-date", "2025-12-31", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "signals: 7 rijen gelezen, 0 overgeslagen" in out and "geteld als 'overig'" in out
    assert value(obs(tmp_path / "wh"), "debt_signals", GM, Y24) == 5
