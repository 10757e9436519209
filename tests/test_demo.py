"""The demo municipality: the real pipeline, plausible magnitudes, the patterns domain.md asks for."""

from __future__ import annotations

import io
import re

import numpy as np
import polars as pl
import pytest

from etl import demo
from warehouse.releases import current_release


@pytest.fixture(scope="module")
def tables(demo_warehouse):
    release = current_release(demo_warehouse)
    return release, release.table("observations"), release.table("regions")


def value(obs: pl.DataFrame, indicator: str, region: str, year: int) -> float | None:
    hit = obs.filter((pl.col("indicator_id") == indicator) & (pl.col("region_code") == region)
                     & (pl.col("period") == f"{year}JJ00") & (pl.col("breakdown") == ""))
    return hit["value"][0] if hit.height else None


def test_the_demo_is_marked_and_has_its_regions(tables):
    release, _, regions = tables
    assert release.meta["demo"] is True and release.meta["gemeente"] == demo.GEMEENTE
    levels = regions.group_by("level").len().sort("level")
    assert dict(zip(levels["level"], levels["len"], strict=True)) == {"buurt": 21, "gemeente": 16, "land": 1, "wijk": 11,
                                                                  # fictional regions (etl.gebieden.load_demo)
                                                                  "provincie": 1, "corop": 1, "jeugdregio": 1,
                                                                  "arbeidsmarktregio": 1}
    assert len(release.meta["peers"]) == 15
    assert (release.path / "boundaries" / "wijken.geojson").exists()


def test_magnitudes_follow_the_domain_description(tables):
    _, obs, _ = tables
    gm = demo.GEMEENTE
    assert 75_000 <= value(obs, "population", gm, 2025) <= 80_000
    wmo = value(obs, "wmo_reg_clients", gm, 2024)
    assert 0.04 <= wmo / value(obs, "population", gm, 2024) <= 0.065  # about 5% with Wmo maatwerk
    assert 2_000 <= value(obs, "bijstand_reg_households", gm, 2024) <= 3_000  # about 2,500 households
    assert 1_500 <= value(obs, "jeugd_reg_clients", gm, 2024) <= 2_500  # about 2,000 young people
    assert 10 <= value(obs, "youth_care_pct", gm, 2024) <= 13.5  # 10-12% of under-18s
    assert 350 <= value(obs, "veilig_thuis_reports", gm, 2024) <= 520  # about 430 reports


def test_series_break_provisional_year_and_wijk_patterns(tables):
    _, obs, regions = tables
    gm = demo.GEMEENTE
    assert value(obs, "youth_care_pct", gm, 2022) < value(obs, "youth_care_pct", gm, 2021)  # woonplaatsbeginsel
    last = obs.filter((pl.col("indicator_id") == "youth_care_pct") & (pl.col("region_code") == gm)
                      & (pl.col("period") == "2025JJ00"))
    assert last["status"][0] == "provisional"
    names = dict(zip(regions["region_code"], regions["name"], strict=True))
    wijken = [c for c in names if c.startswith("WK")]

    def top(indicator: str) -> str:
        vals = {w: value(obs, indicator, w, 2024) or 0 for w in wijken}
        return names[max(vals, key=vals.get)]

    assert top("wmo_clients_per_1000") in ("Oude Haven", "Beekdal", "Bosrand")  # older wijken
    assert top("bijstand_per_1000") == "Molenwijk"  # the poor wijk
    young_share = {w: (value(obs, "jeugd_reg_clients", w, 2024) or 0) / value(obs, "population", w, 2024) for w in wijken}
    assert names[max(young_share, key=young_share.get)] in ("De Akkers", "Noorderveld", "Stationskwartier")


def test_the_demo_publishes_counts_and_the_rates_are_derived_from_them(tables):
    """Source-shaped inputs in CBS units: counts for benefits and age bands; the rate is computed."""
    _, obs, _ = tables
    wide = (obs.filter(pl.col("indicator_id").is_in(["bijstand_persons", "pop_15_24", "pop_25_44", "pop_45_64",
                                                       "bijstand_per_1000"]) & (pl.col("period") == "2024JJ00"))
            .pivot(on="indicator_id", index="region_code", values="value"))
    assert wide.height == 1 + 15 + 1 + 11  # the nation, the peers, the municipality and its wijken
    expected = 1000 * wide["bijstand_persons"] / (wide["pop_15_24"] + wide["pop_25_44"] + wide["pop_45_64"])
    assert ((wide["bijstand_per_1000"] - expected).abs() < 1e-9).all()
    wijk_counts = wide.filter(pl.col("region_code").str.starts_with("WK"))["bijstand_persons"]
    assert (wijk_counts % 5 == 0).all()  # rounded to fives, as CBS does per wijk
    gm = wide.filter(pl.col("region_code") == demo.GEMEENTE).row(0, named=True)
    assert 30 <= gm["bijstand_per_1000"] <= 80  # a rate per 1,000, not a count


def test_the_demo_has_the_kerncijfers_youth_care_where_cbs_publishes_it(tables):
    """Jeugdzorg in natura (all youth care, up to 23) as a count and as CBS's own percentage, per wijk too."""
    _, obs, regions = tables
    gm = demo.GEMEENTE
    wijken = regions.filter(pl.col("level") == "wijk")["region_code"].to_list()
    for code in ["NL01", gm, *wijken]:
        assert value(obs, "jeugdzorg_pct", code, 2024) is not None, code
    pct, count = value(obs, "jeugdzorg_pct", gm, 2024), value(obs, "jeugdzorg_youngsters", gm, 2024)
    assert 7 <= pct <= 13 and count % 5 == 0
    # Same youngsters as the jeugdhulp percentage (under 18) but over the larger base up to 23: a lower share.
    assert pct < value(obs, "youth_care_pct", gm, 2024)
    assert value(obs, "jeugdzorg_youngsters", "NL01", 2024) > value(obs, "youth_care_youngsters", "NL01", 2024)


def test_no_person_level_data_reaches_the_warehouse(demo_warehouse):
    """The demo's fictional BSNs and birth dates must not be anywhere in what was written."""
    rng = np.random.default_rng(demo.SEED)
    demo.population_inputs(rng)
    extracts, _ = demo.registry_inputs(rng)
    people = pl.concat([pl.read_csv(io.BytesIO(b), infer_schema=False) for b in extracts.values()])
    bsns = set(people["client_id"].unique().to_list())
    # Adults' birth dates only: a baby's could equal a load or release date by chance.
    births = {b for b in people["birth_date"].unique().to_list() if b < "2010"}
    assert len(bsns) > 10_000 and len(births) > 1_000
    for path in demo_warehouse.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":  # compressed: compare the decoded values
            table = pl.read_parquet(path)
            for col in table.columns:
                values = set(table[col].cast(pl.String).drop_nulls().to_list())
                leaked = values & (bsns | births)
                assert not leaked, f"{path.name}.{col} holds person-level values such as {sorted(leaked)[:3]}"
        else:
            data = path.read_bytes()
            # Whole values only: nine digits inside a float's decimals (0.1825953243793778) are no BSN.
            leaked = [n for n in list(bsns)[:5000] + list(births)
                      if n.encode() in data and re.search(rb"(?<![0-9.])" + re.escape(n.encode()) + rb"(?![0-9])", data)]
            assert not leaked, f"{path} holds person-level values such as {leaked[:3]}"


def test_the_demo_is_reproducible():
    a = demo.registry_inputs(np.random.default_rng(5))
    b = demo.registry_inputs(np.random.default_rng(5))
    assert a == b
    assert demo.boundaries_geojson() == demo.boundaries_geojson()


def test_the_expected_use_of_bijstand_rests_on_the_count_the_rate_was_derived_from(demo_warehouse):
    """Observed-against-expected turns the CBS rate back into persons: over the rate's own base."""
    from queries import Warehouse, expectation
    from queries import comparison as cmp

    wh = Warehouse.open(demo_warehouse)
    levels = expectation._cbs_levels(wh, cmp.USE_MEASURES["participatie"], [demo.GEMEENTE, "NL01"], 2024)
    obs = current_release(demo_warehouse).table("observations")
    for code in (demo.GEMEENTE, "NL01"):
        assert levels[code]["cbs"] == pytest.approx(value(obs, "bijstand_persons", code, 2024))
