"""The own client-experience survey (etl/survey.py): shares with their n, small samples hidden, bad rows named."""

import polars as pl
import pytest

from etl import survey
from etl.__main__ import main
from queries import Warehouse
from queries import figures as q
from tests.conftest import small_regions
from warehouse import catalogue
from warehouse.releases import WarehouseError, current_release

HEAD = "gebied;jaar;vraag;percentage_eens;n\n"


@pytest.fixture(scope="module")
def cat():
    return catalogue.load()


def codes() -> set[str]:
    return set(small_regions()["region_code"].to_list())


def parse(text: str, cat, min_n: int = 50) -> pl.DataFrame:
    return survey.parse(text.encode("utf-8"), "peiling.csv", cat, codes(), min_n)


def test_the_catalogue_names_the_standard_wmo_and_jeugd_questions(cat):
    known = survey.items(cat)
    assert known["wmo_wist_waar"] == "ceo_wmo_knew_where"
    assert known["jeugd_tevreden"] == "ceo_jeugd_satisfied"
    assert {cat.get(i)["law"] for i in known.values()} == {"wmo", "jeugd"}
    assert len(known) == 11


def test_a_share_keeps_its_n_and_a_small_sample_is_stored_hidden(cat):
    obs = parse(HEAD + "GM0001;2024;wmo_wist_waar;81,5;412\n"
                       "gm0001;2024;jeugd_tevreden;77;49\n"
                       "GM0001;2023;jeugd_tevreden;70.25;50\n", cat)
    rows = {(r["indicator_id"], r["period"]): (r["value"], r["denominator"], r["status"]) for r in obs.to_dicts()}
    assert rows[("ceo_wmo_knew_where", "2024JJ00")] == (81.5, 412.0, "final")
    assert rows[("ceo_jeugd_satisfied", "2024JJ00")] == (None, 49.0, "suppressed")  # 49 < 50: never stored
    assert rows[("ceo_jeugd_satisfied", "2023JJ00")] == (70.25, 50.0, "final")  # exactly 50 is shown


def test_each_law_gets_its_respondent_count_the_largest_n_of_its_questions(cat):
    obs = survey.with_respondents(parse(HEAD + "GM0001;2024;wmo_wist_waar;81,5;412\n"
                                               "GM0001;2024;wmo_snel_geholpen;70;398\n"
                                               "GM0001;2024;jeugd_tevreden;77;49\n"
                                               "WK000101;2024;wmo_wist_waar;80;120\n", cat), cat)
    n = {(r["indicator_id"], r["region_code"]): (r["value"], r["denominator"])
         for r in obs.filter(pl.col("indicator_id").str.ends_with("_respondents")).to_dicts()}
    assert n == {("ceo_wmo_respondents", "GM0001"): (412.0, None), ("ceo_wmo_respondents", "WK000101"): (120.0, None),
                 ("ceo_jeugd_respondents", "GM0001"): (49.0, None)}  # the count is shown, the small share is not


def test_comma_separated_with_a_bom_is_read_too(cat):
    obs = survey.parse(("\ufeffGebied,Jaar,Vraag,Percentage_eens,N\nWK000101,2022,wmo_snel_geholpen,64,120\n")
                       .encode("utf-8"), "p.csv", cat, codes(), 50)
    assert obs.select("indicator_id", "region_code", "value").row(0) == ("ceo_wmo_helped_quickly", "WK000101", 64.0)


def test_every_bad_row_is_named_by_row_and_column_without_its_value(cat):
    text = HEAD + ("GM0001;2024;wmo_wist_waar;81,5;412\n"
                   "GM4242;2024;wmo_wist_waar;80;100\n"        # row 3: unknown area
                   "GM0001;24;wmo_wist_waar;80;100\n"          # row 4: year
                   "GM0001;2024;geheime_vraag;80;100\n"        # row 5: unknown question
                   "GM0001;2024;wmo_snel_geholpen;180;100\n"   # row 6: not a percentage
                   "GM0001;2024;wmo_serieus_genomen;80;12,5\n"  # row 7: n not whole
                   "GM0001;2024;wmo_wist_waar;70;300\n")       # row 8: same as row 2
    with pytest.raises(WarehouseError) as exc:
        parse(text, cat)
    msg = str(exc.value)
    assert msg.startswith("6 probleem/problemen")
    for part in ("rij 3, kolom 1 ('gebied')", "rij 4, kolom 2 ('jaar')", "rij 5, kolom 3 ('vraag')",
                 "rij 6, kolom 4 ('percentage_eens')", "rij 7, kolom 5 ('n')", "rij 8: dezelfde vraag"):
        assert part in msg
    for value in ("GM4242", "geheime_vraag", "180", "12,5"):
        assert value not in msg


def test_a_missing_column_is_refused(cat):
    with pytest.raises(WarehouseError, match=r"rij 1: kolom\(men\) n ontbreken"):
        parse("gebied;jaar;vraag;percentage_eens\nGM0001;2024;wmo_wist_waar;80\n", cat)


def test_the_command_line_stages_publishes_and_the_query_layer_hides_the_small_sample(small_warehouse, tmp_path,
                                                                                      capsys):
    f = tmp_path / "peiling.csv"
    f.write_text(HEAD + "GM0001;2024;wmo_wist_waar;81,5;412\nGM0001;2023;wmo_wist_waar;79;30\n", encoding="utf-8")
    assert main(["survey", str(f), "--warehouse", str(small_warehouse), "--yes"]) == 0
    assert "1 verborgen" in capsys.readouterr().out
    release = current_release(small_warehouse)
    src = release.table("sources").filter(pl.col("source_id") == "survey")
    assert src["kind"].to_list() == ["survey"]
    wh = Warehouse(release)
    series = q.series(wh, "ceo_wmo_knew_where", ["GM0001"]).sort("period")
    assert series["value"].to_list() == [None, 81.5]
    assert series["denominator"].to_list()[1] == 412.0
    n = q.series(wh, "ceo_wmo_respondents", ["GM0001"]).sort("period")
    assert n["value"].to_list() == [30.0, 412.0]


def test_a_bad_file_leaves_the_warehouse_unchanged(small_warehouse, tmp_path, capsys):
    before = current_release(small_warehouse).id
    f = tmp_path / "peiling.csv"
    f.write_text(HEAD + "GM0001;2024;wmo_wist_waar;81,5;nul\n", encoding="utf-8")
    assert main(["survey", str(f), "--warehouse", str(small_warehouse), "--yes"]) == 2
    assert "rij 2, kolom 5 ('n')" in capsys.readouterr().err
    assert current_release(small_warehouse).id == before


# --------------------------------------------------------------------------------------------
# The demo builds the new figures through the real loaders; the law pages show them
# --------------------------------------------------------------------------------------------
def test_the_demo_holds_the_own_survey_with_n_and_the_nation_and_peers_from_waarstaatjegemeente(demo_warehouse):
    obs = current_release(demo_warehouse).table("observations")
    ceo = obs.filter(pl.col("indicator_id") == "ceo_jeugd_better_home_school")
    own = ceo.filter(pl.col("region_code") == "GM9990")
    assert set(own["source_id"].to_list()) == {"survey:demo"} and own["denominator"].min() >= 41
    small = own.filter(pl.col("period") == "2021JJ00").row(0, named=True)
    assert (small["value"], small["denominator"], small["status"]) == (None, 41.0, "suppressed")
    others = ceo.filter(pl.col("region_code") != "GM9990")
    assert set(others["source_id"].to_list()) == {"wsjg:demo"} and "NL01" in others["region_code"].to_list()
    share = obs.filter((pl.col("indicator_id") == "vt_reports_police_share") & (pl.col("region_code") == "GM9990")
                       & (pl.col("period") == "2024JJ00")).row(0, named=True)
    police = obs.filter((pl.col("indicator_id") == "vt_reports_police") & (pl.col("region_code") == "GM9990")
                        & (pl.col("period") == "2024JJ00"))["value"].item()
    assert share["value"] == pytest.approx(100 * police / share["denominator"]) and 55 < share["value"] < 90
    wijken = obs.filter((pl.col("indicator_id") == "lonely_pct") & pl.col("region_code").str.starts_with("WK9990")
                        & (pl.col("period") == "2024JJ00"))
    assert wijken.height == 11 and wijken["value"].max() - wijken["value"].min() > 2  # wijken differ


@pytest.mark.parametrize("page, indicator, title", [
    ("app_pages/wmo.py", "ceo_wmo_knew_where", "Cliënten die wisten waar ze met hun vraag heen konden"),
    ("app_pages/wmo.py", "vt_reports_police_share", "Deel van de meldingen bij Veilig Thuis dat van de politie komt"),
    ("app_pages/jeugd.py", "ceo_jeugd_better_home_school", "Ouders en jongeren bij wie het thuis of op school beter gaat"),
    ("app_pages/trends.py", "lonely_pct", "Volwassenen die zich eenzaam voelen"),
    ("app_pages/trends.py", "pct_households_120_social_minimum", "Huishoudens met een inkomen tot 120% van het sociaal minimum"),
])
def test_the_law_page_shows_the_new_figure_with_chart_and_table(app_env, demo_warehouse, page, indicator, title):
    from tests.test_app import open_page, texts

    app_env(demo_warehouse)
    at = open_page(page, {"indicator": indicator})
    body = texts(at)
    assert title in body
    assert at.get("vega_lite_chart")
    if indicator == "ceo_jeugd_better_home_school":  # the 2021 share of 41 answers is not shown
        table = next(df.value for df in at.dataframe if "Periode" in df.value.columns)
        row = table[(table["Gebied"] == "Lindewaard") & (table["Periode"] == "2021")]
        assert row["Status"].tolist() == ["niet getoond (te weinig mensen)"]
        assert row["Aantal antwoorden (n)"].tolist() == ["–"]  # hidden with its share, as every base is
        own = table[(table["Gebied"] == "Lindewaard") & (table["Periode"] != "2021")]
        answers = [int(n.replace(".", "")) for n in own["Aantal antwoorden (n)"]]
        assert answers and min(answers) >= 50  # a shown share says how many answers it rests on
        nation = table[table["Gebied"] == "Nederland"]
        assert set(nation["Aantal antwoorden (n)"]) == {"–"}  # waarstaatjegemeente gives no n
    if indicator == "lonely_pct":  # not a survey of the municipality's own: no column of answers
        table = next(df.value for df in at.dataframe if "Periode" in df.value.columns)
        assert "Aantal antwoorden (n)" not in table.columns


def test_a_real_survey_is_not_mixed_into_the_demo(demo_warehouse):
    from warehouse.publication import REAL_INTO_DEMO

    before = current_release(demo_warehouse).id
    with pytest.raises(WarehouseError) as err:
        survey.load([("peiling.csv", (HEAD + "GM9990;2024;wmo_wist_waar;81,5;412\n").encode())],
                    warehouse=demo_warehouse)
    assert str(err.value) == REAL_INTO_DEMO
    assert current_release(demo_warehouse).id == before
