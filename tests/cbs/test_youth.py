"""Youth care from CBS: the Kerncijfers totals (jeugdzorg in natura, count and CBS percentage) per wijk
and buurt, and the per-type youth tables matched by dimension and category TITLE."""

from __future__ import annotations

import polars as pl
import pytest

import settings
from etl.cbs import Options, run_load
from tests.cbs.conftest import SHARED_CBS, kern_table, youth_table
from tests.cbs.fakecbs import FakeCBS, Server, real_84799
from warehouse.releases import WarehouseError, current_release

CARE = {"jeugdzorg_youngsters": "JongerenMetJeugdzorgInNatura_87", "jeugdzorg_pct": "PercentageJongerenMetJeugdzorg_88"}
# The four KWB 2020 care topics as the real DataProperties state them (key, title, unit).
CARE_PROPS = [("JongerenMetJeugdzorgInNatura_87", "Jongeren met jeugdzorg in natura ", "aantal"),
              ("PercentageJongerenMetJeugdzorg_88", "Percentage jongeren met jeugdzorg ", "%"),
              ("WmoClienten_89", "Wmo-cliënten ", "aantal"),
              ("WmoClientenRelatief_90", "Wmo-cliënten relatief ", "per 1 000 inwoners")]


def load(table, tmp_path, **kw):
    fake = FakeCBS()
    fake.v3["84799NED"] = table
    with Server(fake) as url:
        run_load(Options(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH, tables=["84799NED"],
                         base_url=url, v4_base_url=url, **kw))
    return current_release(tmp_path / "wh").table("observations")


def assert_cells_equal(obs: pl.DataFrame, data: pl.DataFrame, codes: list[str]) -> int:
    """Every care figure equals its cell; a column CBS left empty everywhere gives no rows at all."""
    src = data.with_columns(pl.col("WijkenEnBuurten").str.strip_chars().replace("NL00", "NL01").alias("code"))
    src = src.filter(pl.col("code").is_in(codes))
    checked = 0
    for ind, col in CARE.items():
        got = obs.filter(pl.col("indicator_id") == ind).select("region_code", "value", "status", "period")
        if data[col].null_count() == data.height:
            assert got.height == 0, ind
            continue
        joined = src.select("code", pl.col(col).cast(pl.Float64).alias("cell")).join(
            got, left_on="code", right_on="region_code", how="left")
        assert set(got["period"]) == {"2020JJ00"}
        filled = joined.filter(pl.col("cell").is_not_null())
        assert (filled["value"] == filled["cell"]).all() and (filled["status"] == "final").all(), ind
        assert joined.filter(pl.col("cell").is_null())["value"].null_count() == joined["cell"].null_count(), ind
        checked += filled.height
    # Wmo comes from the Wmo-by-type tables (86187NED for 2020), never a second figure from Kerncijfers.
    assert obs.filter(pl.col("indicator_id").str.starts_with("wmo_")).is_empty()
    return checked


def small_kwb():
    """The test Kerncijfers table with the four care topics of KWB 2020, same keys, titles and units."""
    t = kern_table()
    t.data_properties += [{"odata.type": "Cbs.OData.Topic", "ID": 120 + i, "Type": "Topic", "Key": key,
                           "Title": title, "Datatype": "Double", "Unit": unit}
                          for i, (key, title, unit) in enumerate(CARE_PROPS)]
    n = t.data.height
    t.data = t.data.with_columns(
        pl.Series("JongerenMetJeugdzorgInNatura_87", [820000, 2600, 310, None, 150, 405, 405, 7000, 880, 60000][:n],
                  dtype=pl.Int32),
        pl.Series("PercentageJongerenMetJeugdzorg_88", [10.4, 11.2, 12.5, None, 9.0, 10.1, 10.1, 9.8, 9.1, 8.7][:n]),
        pl.Series("WmoClienten_89", [1250000, 4300, 610, None, 300, 500, 500, 9000, 1200, 60000][:n], dtype=pl.Int32),
        pl.Series("WmoClientenRelatief_90", [72, 56, 62, None, 61, 42, 42, 42, 40, 69][:n], dtype=pl.Int32))
    return t


def test_kwb_youth_care_count_and_percentage_per_wijk_and_buurt(tmp_path):
    t = small_kwb()
    obs = load(t, tmp_path, gemeente="GM0995")
    codes = ["NL01", "GM0995", "WK099501", "BU09950101", "BU09950102", "WK099502", "BU09950201"]
    assert assert_cells_equal(obs, t.data, codes) == 2 * 6  # a null buurt cell is no figure
    pct = obs.filter((pl.col("indicator_id") == "jeugdzorg_pct") & (pl.col("region_code") == "BU09950102"))
    assert pct["value"].item() == 9.0  # taken as CBS publishes it, not recomputed
    assert obs.filter((pl.col("indicator_id") == "jeugdzorg_youngsters")
                      & (pl.col("region_code") == "BU09950101"))["status"].item() == "suppressed"


@pytest.mark.skipif(not (SHARED_CBS / "84799NED-v3").exists(),
                    reason=f"real CBS extract not found at {SHARED_CBS.resolve()} (only in the team's workspace)")
def test_real_kwb_2020_lelystad_youth_care_and_wmo_cells(tmp_path, capsys):
    table = real_84799(SHARED_CBS)
    props = {p["Key"]: p for p in table.data_properties}
    assert [(k, props[k]["Title"], props[k]["Unit"]) for k, _, _ in CARE_PROPS] == CARE_PROPS
    codes = table.data["WijkenEnBuurten"].str.strip_chars().replace("NL00", "NL01")
    lelystad = [c for c in codes if c in ("NL01", "GM0995") or c[2:6] == "0995" and c[:2] in ("WK", "BU")]
    assert len(lelystad) == 2 + 11 + 136  # the nation, Lelystad, 11 wijken, 136 buurten
    # As stored, this edition (March 2021) has room for the care topics but no figures yet: nothing loads.
    obs = load(table, tmp_path / "as_is", gemeente="GM0995")
    assert assert_cells_equal(obs, table.data, lelystad) == 0
    assert "84799NED heeft nog geen cijfers voor jeugdzorg_pct" in capsys.readouterr().err
    # Once CBS fills them, every Lelystad cell is taken as it is (same real table, figures filled in).
    filled = real_84799(SHARED_CBS)
    inw = pl.col("AantalInwoners_5")
    filled.data = filled.data.with_columns(
        (inw // 10).cast(pl.Int32).alias("JongerenMetJeugdzorgInNatura_87"),
        pl.when(inw > 0).then((inw % 97) / 10 + 5).alias("PercentageJongerenMetJeugdzorg_88"))
    obs = load(filled, tmp_path / "filled", gemeente="GM0995")
    cells = filled.data.filter(pl.col("WijkenEnBuurten").str.strip_chars().replace("NL00", "NL01").is_in(lelystad))
    expected = sum(cells[c].is_not_null().sum() for c in CARE.values())
    assert expected > 250 and assert_cells_equal(obs, filled.data, lelystad) == expected
    gm = obs.filter((pl.col("indicator_id") == "jeugdzorg_youngsters") & (pl.col("region_code") == "GM0995"))
    assert gm["value"].item() == 7859  # 78,598 inhabitants // 10


def test_per_type_youth_table_is_matched_by_dimension_and_category_title(tmp_path):
    """The real tables call the dimension "Vormen van jeugdzorg" (key unknown offline, 86204NED: Vormen)."""
    t = youth_table()
    t.dimensions[0] = {"Identifier": "Vormen", "Title": "Vormen van jeugdzorg", "Kind": "Dimension", "MapYear": None}
    t.codes["Vormen"] = [{"Identifier": "T001203", "Title": "Totaal alle jeugdzorg in natura"},
                         {"Identifier": "A042502", "Title": "Totaal jeugdhulp in natura"},
                         {"Identifier": "A027919", "Title": "Jeugdbescherming"},
                         {"Identifier": "A027920", "Title": "Jeugdreclassering"}]  # no figures: skipped
    del t.codes["SoortJeugdzorg"]
    t.observations = t.observations.rename({"SoortJeugdzorg": "Vormen"})
    t.measure_codes[0]["Title"] = "Totaal jongeren met jeugdzorg in natura"
    fake = FakeCBS()
    fake.v4["86204NED"] = t
    with Server(fake) as url:
        run_load(Options(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH, tables=["86204NED"],
                         gemeente="GM0995", base_url=url, v4_base_url=f"{url}/odata/v1/CBS"))
    obs = current_release(tmp_path / "wh").table("observations")
    got = {(r["indicator_id"], r["period"]): r["value"] for r in obs.filter(pl.col("region_code") == "GM0995").to_dicts()}
    # The fixture's jeugdbescherming cells are a tenth of jeugdhulp's: each category lands on its own figure.
    assert got == {("youth_care_youngsters", "2022JJ00"): 2010, ("youth_care_youngsters", "2023JJ00"): 2100,
                   ("jeugdbescherming_youngsters", "2022JJ00"): 201, ("jeugdbescherming_youngsters", "2023JJ00"): 210}


def test_a_category_the_table_lacks_names_what_it_has(tmp_path):
    t = youth_table()
    t.dimensions[0]["Title"] = "Vormen van jeugdzorg"
    t.measure_codes[0]["Title"] = "Totaal jongeren met jeugdzorg in natura"
    fake = FakeCBS()
    fake.v4["86204NED"] = t
    with Server(fake) as url, pytest.raises(WarehouseError, match=r"youth_care_youngsters.*geen categorie "
                                            r"'Totaal jeugdhulp in natura' \(wel: T001203 \(Totaal\), A042502 \(Jeugdhulp\)"):
        run_load(Options(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH, tables=["86204NED"],
                         base_url=url, v4_base_url=f"{url}/odata/v1/CBS"))
    assert current_release(tmp_path / "wh") is None
