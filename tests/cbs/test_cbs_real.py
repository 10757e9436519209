"""The real 84799NED extract (Kerncijfers wijken en buurten 2020, 17,341 rows), served as v3 pages.

The extract lives outside the repository (``../shared/cbs``); it is read in place, never copied.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

import settings
from etl.cbs import Options, run_load
from tests.cbs.conftest import SHARED_CBS
from tests.cbs.fakecbs import FakeCBS, Server, real_84799
from warehouse import catalogue
from warehouse.releases import current_release

pytestmark = pytest.mark.skipif(
    not (SHARED_CBS / "84799NED-v3").exists(),
    reason=f"real CBS extract not found at {SHARED_CBS.resolve()} (only present in the team's workspace)",
)


def test_real_84799ned_every_region_and_value(tmp_path):
    fake = FakeCBS()
    table = real_84799(SHARED_CBS)
    fake.v3["84799NED"] = table
    with Server(fake) as url:
        rep = run_load(Options(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH,
                               tables=["84799NED"], base_url=url, v4_base_url=url))
    assert rep.loaded == ["84799NED"]
    rel = current_release(tmp_path / "wh")
    obs = rel.table("observations")
    regions = rel.table("regions")

    # Every municipality, wijk and buurt (and the country) is there, with the right level and parent.
    levels = dict(regions.group_by("level").len().iter_rows())
    assert levels == {"land": 1, "gemeente": 355, "wijk": 3177, "buurt": 13808}
    assert set(regions["boundary_year"]) == {2020}
    bu = regions.filter(pl.col("region_code") == "BU16800000").row(0, named=True)
    assert (bu["name"], bu["parent_code"], bu["gemeente_code"]) == ("Annen", "WK168000", "GM1680")

    # Values equal the source, cell by cell; null cells are stored as suppressed.
    src = table.data.with_columns(pl.col("WijkenEnBuurten").str.strip_chars().replace("NL00", "NL01")
                                  .alias("region_code"))
    cat = catalogue.load(settings.CATALOGUE_PATH)
    checked = 0
    for entry in cat.by_source("cbs"):
        spec = entry["source"]["cbs"]
        if "84799NED" not in spec["tables"]:
            continue
        col = next(c for c in src.columns if re.fullmatch(re.escape(spec["measure"]) + r"_\d+", c))
        got = obs.filter(pl.col("indicator_id") == entry["id"]).select("region_code", "value", "status", "period")
        if src[col].null_count() == src.height:  # not published in this table yet: skipped, not 17,341 nulls
            assert got.height == 0, entry["id"]
            continue
        assert got.height == 17341, entry["id"]
        assert set(got["period"]) == {"2020JJ00"}
        joined = src.select("region_code", pl.col(col).cast(pl.Float64).alias("expected")).join(
            got, on="region_code", how="full", coalesce=True)
        assert joined.height == 17341
        both_null = joined["expected"].is_null() & joined["value"].is_null()
        equal = (joined["expected"] - joined["value"]).abs() < 1e-9
        assert (both_null | equal.fill_null(False)).all(), entry["id"]
        assert (joined.filter(pl.col("expected").is_null())["status"] == "suppressed").all()
        assert (joined.filter(pl.col("expected").is_not_null())["status"] == "final").all()
        checked += 1
    assert checked >= 6
    gm = obs.filter((pl.col("indicator_id") == "population") & (pl.col("region_code") == "GM1680"))
    assert gm["value"].item() == 25445
    src_row = rel.table("sources").row(0, named=True)
    derived = {e["id"] for e in cat.entries if e.get("derive")}
    loaded = obs.filter(~pl.col("indicator_id").is_in(sorted(derived)))  # the rest is computed at publish
    assert src_row["release"] == "2021-03-26T02:00:00" and src_row["rows"] == loaded.height
    assert obs.height - loaded.height == 4 * 17341  # pop_15_64 and three rates, every region


def test_real_kwb_2020_lelystad_rates_are_counts_over_inhabitants_15_to_64(tmp_path):
    """The figure a council reads for GM0995 and its wijken: count / (15-25 + 25-45 + 45-65) x 1,000."""
    fake = FakeCBS()
    table = real_84799(SHARED_CBS)
    fake.v3["84799NED"] = table
    with Server(fake) as url:
        run_load(Options(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH, tables=["84799NED"],
                         gemeente="GM0995", base_url=url, v4_base_url=url))
    obs = current_release(tmp_path / "wh").table("observations")
    src = table.data.with_columns(pl.col("WijkenEnBuurten").str.strip_chars().replace("NL00", "NL01").alias("code"))
    lelystad = src.filter(pl.col("code").is_in(["NL01", "GM0995"]) | pl.col("code").str.starts_with("WK0995"))
    assert lelystad.height == 13  # the nation, Lelystad and its 11 wijken
    base = pl.col("k_15Tot25Jaar_9") + pl.col("k_25Tot45Jaar_10") + pl.col("k_45Tot65Jaar_11")
    for rate, count in (("bijstand_per_1000", "PersonenPerSoortUitkeringBijstand_83"),
                        ("ww_per_1000", "PersonenPerSoortUitkeringWW_85"),
                        ("ao_per_1000", "PersonenPerSoortUitkeringAO_84")):
        expected = lelystad.select("code", expected=1000 * pl.col(count) / base, base=base.cast(pl.Float64))
        got = obs.filter(pl.col("indicator_id") == rate).select("region_code", "value", "denominator", "status")
        joined = expected.join(got, left_on="code", right_on="region_code", how="left")
        assert joined["value"].null_count() == 0, rate
        assert ((joined["value"] - joined["expected"]).abs() < 1e-9).all(), rate
        assert (joined["denominator"] == joined["base"]).all(), rate
        assert (joined["status"] == "final").all(), rate
    gm = obs.filter((pl.col("indicator_id") == "bijstand_per_1000") & (pl.col("region_code") == "GM0995"))
    # 2,100 persons over 50,545 inhabitants of 15-64: about 41.5 per 1,000, not "2,100 per 1,000".
    assert gm["value"].item() == pytest.approx(1000 * 2100 / 50545)


@pytest.mark.skipif(not (SHARED_CBS / "83765NED-v4").exists(), reason="real 83765NED v4 metadata not found")
def test_real_kwb_2017_v4_measure_codes_match_the_catalogue_units():
    """Every Kerncijfers measure of the catalogue is found in the real 2017 MeasureCodes, with CBS's unit."""
    from etl.cbs import plan
    from etl.cbs_meta import TableMeta
    from etl.cbs_shape import Scope, select

    codes = pl.read_parquet(SHARED_CBS / "83765NED-v4" / "cbs.v4.83765NED_MeasureCodes.parquet")
    meta = TableMeta(table_id="83765NED", protocol="v4", title="", modified="", url="", geo_dim="WijkenEnBuurten",
                     time_dim=None, other_dims=[], map_year=2017, year=2017,
                     measures=dict(zip(codes["Identifier"], codes["Title"], strict=True)),
                     units=dict(zip(codes["Identifier"], codes["Unit"].fill_null(""), strict=True)),
                     codes={"WijkenEnBuurten": [{"raw": "GM0995", "key": "GM0995", "title": "Lelystad"}]})
    wanted = plan(catalogue.load(settings.CATALOGUE_PATH), ["83765NED"])["83765NED"]
    sel = select(meta, wanted, Scope(), None)  # raises on a unit mismatch
    assert set(sel.measure_of) == {w.indicator_id for w in wanted}
    assert sel.measure_of["bijstand_persons"] == "D006842" and sel.measure_of["pop_15_24"] == "53050"
