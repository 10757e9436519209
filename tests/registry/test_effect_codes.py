"""The end reason and goal-reached fields: checked code lists per law, profile mappings, clear problems."""

from __future__ import annotations

import polars as pl
import pytest

from etl import registry, registry_codes
from etl.registry import Extract
from tests.registry.test_registry import GM, HEADER, POSTCODES, REFERENCE, csv, load, obs, settings_for, value

H = HEADER + ",goal_reached"
ROW = "10000000{i},H{i},1950-01-01,1000AA,,2024-01-01,2024-01-10,maatwerk,02,2024-02-01,2024-06-30,{reason},ZIN,A,,,{goal}"


def rows(pairs: list[tuple[str, str]]) -> bytes:
    return csv([ROW.format(i=i, reason=r, goal=g) for i, (r, g) in enumerate(pairs)], H)


def test_a_wrong_goal_value_is_a_problem_named_by_row_and_column(tmp_path):
    report = load(tmp_path, {"wmo": rows([("doel_bereikt", "ja"), ("doel_bereikt", "Kwikstaart"), ("", "")])},
                  max_errors=5)
    assert report.problems["wmo"] == [(3, "goal_reached", "doel bereikt moet ja, nee of leeg zijn")]
    assert report.skipped["wmo"] == 1
    assert "Kwikstaart" not in str(report)


def test_end_reasons_are_checked_per_law(tmp_path):
    # "werk" is a reason for the Participatiewet, not for the Wmo; words such as "Overlijden" are known.
    report = load(tmp_path, {"wmo": rows([("werk", ""), ("Overlijden", ""), ("verhuisd", ""), ("WLZ", "")])})
    assert report.other["wmo"] == {"end_reason": 1}
    assert registry.other_lines(report, "wmo") == ["reden einde: geen bekende code in 1 rijen; geteld als 'overig'"]
    assert value(obs(tmp_path), "wmo_reg_to_wlz", GM, "2024JJ00") == 1
    # A reason on a provision without an end date is not an outcome yet.
    load(tmp_path / "b", {"wmo": csv([ROW.format(i=1, reason="wlz", goal="ja").replace("2024-06-30", "")], H)})
    assert value(obs(tmp_path / "b"), "wmo_reg_to_wlz", GM, "2024JJ00") is None


def test_profiles_map_a_systems_end_reasons(tmp_path):
    header = ("BSN;Huishoudnummer;Geboortedatum;Postcode;Datum melding;Datum beschikking;Afhandeling;"
              "Productcategorie;Ingangsdatum;Einddatum;Reden beeindiging;Doel bereikt;Leveringsvorm;Betaald bedrag")
    reasons = ["Doel bereikt", "Voortijdig afgebroken door client", "Instroom Wlz", "Verhuizing"]
    lines = [header] + [f"12345678{i};HH{i};01-01-1945;1000 AA;01-02-2024;01-03-2024;Maatwerkvoorziening;02;"
                        f"15-03-2024;30-09-2024;{r};{'Ja' if i < 2 else 'Nee'};Natura;100" for i, r in enumerate(reasons)]
    data = ("\n".join(lines) + "\n").encode("cp1252")
    s = settings_for(tmp_path, min_count=1, min_count_strict=1, min_denominator=1)
    report = registry.load([Extract("wmo", "suite.csv", data, "sociaal-domein-suite")], POSTCODES, gemeente=GM,
                           warehouse=tmp_path, reference_date=REFERENCE, settings=s)
    assert report.problem_counts["wmo"] == 0 and "wmo" not in report.other
    o = obs(tmp_path)
    assert value(o, "wmo_reg_dropout_share", GM, "2024JJ00") == 25.0
    assert value(o, "wmo_reg_goal_reached_share", GM, "2024JJ00") == 50.0
    assert value(o, "wmo_reg_to_wlz", GM, "2024JJ00") == 1


@pytest.mark.parametrize("law", registry.LAWS)
def test_every_law_has_reasons_and_the_catalogue_asks_only_for_known_ones(law):
    from warehouse import catalogue

    assert registry_codes.END_REASONS[law]
    for e in catalogue.load().by_source("registry"):
        reg = e["source"]["registry"]
        if reg["law"] == law and "reason" in reg:
            assert reg["reason"] in registry_codes.END_REASONS[law], e["id"]


def test_codes_are_documented_in_the_standard_profile():
    text = (registry.PROFILES_DIR / "standaard.toml").read_text(encoding="utf-8")
    for codes in registry_codes.END_REASONS.values():
        for code in codes:
            assert code in text, code
    assert "goal_reached" in text
    assert pl.Series(list(registry_codes.END_REASON_WORDS.values())).is_in(
        [c for codes in registry_codes.END_REASONS.values() for c in codes]).all()


def test_a_catalogue_entry_counting_ends_needs_its_reason(tmp_path):
    from settings import CATALOGUE_PATH
    from warehouse.releases import WarehouseError

    cat = tmp_path / "catalogue.toml"
    cat.write_text(CATALOGUE_PATH.read_text(encoding="utf-8") + '''
[[indicator]]
id = "wmo_reg_ended_somehow"
title = "Gestopt"
law = "wmo"
theme = "Effect van de hulp"
unit = "count"
direction = "neutral"
definition = "Gestopt, om een reden die er niet staat."
source = { registry = { law = "wmo", measure = "ended_with" } }
''', encoding="utf-8")
    with pytest.raises(WarehouseError, match="wmo_reg_ended_somehow: registratiemaat ended_with heeft een reason"):
        load(tmp_path / "wh", {"wmo": rows([("wlz", "")])}, catalogue_path=cat)


def test_legal_terms_per_law_and_their_settings(monkeypatch):
    import settings

    terms = settings.load_terms()
    assert {law: terms.days(law) for law in registry.LAWS} == {"wmo": 56, "jeugd": 56, "participatie": 56,
                                                              "schuldhulp": 28}
    assert (terms.wmo_assessment, terms.wmo_decision) == (42, 14)  # six weeks, then two
    monkeypatch.setenv("MSD_TERM_SCHULDHULP_DAYS", "3")  # e.g. the crisis term
    monkeypatch.setenv("MSD_TERM_WMO_DECISION_DAYS", "0")  # a term is at least a day
    terms = settings.load_terms()
    assert terms.days("schuldhulp") == 3 and terms.days("wmo") == 43
    monkeypatch.setenv("MSD_TERM_JEUGD_DAYS", "acht weken")
    with pytest.raises(SystemExit, match="MSD_TERM_JEUGD_DAYS must be a whole number"):
        settings.load_terms()
    # Objections: six weeks and six more (Awb 7:10); the extension may be none, the term not.
    assert (terms.objection, terms.objection_extension) == (42, 42)
    monkeypatch.delenv("MSD_TERM_JEUGD_DAYS")
    monkeypatch.setenv("MSD_TERM_OBJECTION_DAYS", "0")
    monkeypatch.setenv("MSD_TERM_OBJECTION_EXTENSION_DAYS", "0")
    assert settings.load_terms().objection_days() == 1


JEUGD_ROW = ("50000000{i},J{i},2010-01-01,1000AA,,2024-01-01,2024-01-10,maatwerk,45,2024-02-01,2024-06-30,{reason},"
             "ZIN,A,01,,")


def test_a_standard_iwmo_export_works_without_a_profile(tmp_path):
    # WMO588: 19 as planned, 21 and 23 ended early (drop-out), 31 moved, 2 (= 02) died; 38 (another provider)
    # and 37 (change request) are administrative: no outcome, so not in the base. 2 of 5 dropped out.
    report = load(tmp_path, {"wmo": rows([(c, "") for c in ("19", "21", "23", "31", "2", "38", "37")])})
    assert "wmo" not in report.other  # every number is known
    o = obs(tmp_path)
    assert value(o, "wmo_reg_dropout_share", GM, "2024JJ00") == 40.0
    base = o.filter((pl.col("indicator_id") == "wmo_reg_dropout_share") & (pl.col("region_code") == GM)
                    & (pl.col("period") == "2024JJ00"))["denominator"].item()
    assert base == 5
    assert value(o, "wmo_reg_to_wlz", GM, "2024JJ00") is None  # 39 or not, no number says "Wlz"


def test_the_same_number_means_something_else_in_a_youth_export(tmp_path):
    # JZ588: 31 is "as planned" here (a move in the iWmo), 32 ended early, 35 an outside reason (a move), 02 died,
    # 38 another provider (administrative). 19 and 21 are iWmo numbers only: counted as "overig", in the base.
    data = csv([JEUGD_ROW.format(i=i, reason=c) for i, c in enumerate(("31", "32", "35", "02", "38", "19", "21"))], H)
    report = load(tmp_path, {"jeugd": data})
    assert report.other["jeugd"] == {"end_reason": 2}
    assert value(obs(tmp_path), "jeugd_reg_dropout_share", GM, "2024JJ00") == pytest.approx(100 / 6)
    assert registry_codes.ISTANDAARD_END_REASONS["wmo"]["31"] == "verhuisd" and registry_codes.ISTANDAARD_END_REASONS["jeugd"]["31"] == (
        "doel_bereikt")


def test_a_profile_overrides_an_istandaard_number(tmp_path):
    standard = (registry.PROFILES_DIR / "standaard.toml").read_text(encoding="utf-8")
    profile = tmp_path / "eigen.toml"
    profile.write_text(standard.replace('name = "standaard"', 'name = "eigen"')
                       + '\n[values.end_reason]\n"37" = "voortijdig_gestopt"\n', encoding="utf-8")
    data = rows([("19", ""), ("37", "")])
    s = settings_for(tmp_path, min_count=1, min_count_strict=1, min_denominator=1)
    for name, prof, expected in (("a", "standaard", 0.0), ("b", profile, 50.0)):
        registry.load([Extract("wmo", "wmo.csv", data, prof)], POSTCODES, gemeente=GM, warehouse=tmp_path / name,
                      reference_date=REFERENCE, settings=s)
        assert value(obs(tmp_path / name), "wmo_reg_dropout_share", GM, "2024JJ00") == expected, name
