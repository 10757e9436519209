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
    # Three members (Lindewaard 11 wijken and 21 buurten, Eikenrode 4 and 8, Kanaalstad 9 and 18), 15 peers.
    assert dict(zip(levels["level"], levels["len"], strict=True)) == {"buurt": 47, "gemeente": 18, "land": 1, "wijk": 24,
                                                                  # fictional regions (etl.gebieden.load_demo)
                                                                  "provincie": 1, "corop": 1, "jeugdregio": 1,
                                                                  "arbeidsmarktregio": 1, "regio": 1}
    assert len(release.meta["peers"][demo.GEMEENTE]) == 15
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
    wijken = regions.filter((pl.col("level") == "wijk") & (pl.col("gemeente_code") == gm))["region_code"].to_list()

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
    assert wide.height == 1 + 15 + 3 + 24 + 1  # the nation, the peers, the three members, their wijken, the region
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
    for m in demo.MEMBERS[1:]:  # the other members' people, from their own streams
        member_rng = demo.member_rng(demo.SEED, m)
        demo.population_inputs(member_rng, m.wijken)
        extracts |= {f"{m.code}:{law}": data for law, data in demo.registry_inputs(member_rng, m)[0].items()}
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


# ---------------------------------------------------------------------------------------------
# The demo as a region of three municipalities
# ---------------------------------------------------------------------------------------------
def per_inhabitant(obs: pl.DataFrame, indicator: str, code: str, year: int = 2024) -> float:
    return value(obs, indicator, code, year) / value(obs, "population", code, year)


def test_the_demo_is_a_region_of_three_members(tables):
    release, obs, regions = tables
    meta = release.meta
    assert meta["gemeente"] == "GM9990" and meta["members"] == ["GM9990", "GM9991", "GM9992"]
    assert meta["member_names"] == {"GM9990": "Lindewaard", "GM9991": "Eikenrode", "GM9992": "Kanaalstad"}
    assert meta["region"] == {"code": "RG0001", "name": "Regio Lindestroom"}
    peers = [f"GM99{i:02d}" for i in range(1, 16)]
    assert meta["peers"] == dict.fromkeys(meta["members"], peers)  # Lindewaard's list as it was
    region = regions.filter(pl.col("region_code") == "RG0001").row(0, named=True)
    assert (region["level"], region["parent_code"], region["gemeente_code"]) == ("regio", "NL01", None)
    wijken = regions.filter(pl.col("level") == "wijk").group_by("gemeente_code").len().sort("gemeente_code")
    assert wijken.rows() == [("GM9990", 11), ("GM9991", 4), ("GM9992", 9)]
    members = release.table("memberships").filter(pl.col("group_code") == "RG0001")
    assert sorted(members["region_code"]) == meta["members"] and set(members["level"]) == {"regio"}
    youth_region = release.table("memberships").filter(pl.col("group_code") == "JZ99")["region_code"].to_list()
    assert "GM9990" in youth_region and "GM9991" not in youth_region  # the comparison groups stay the peers
    assert 18_000 <= value(obs, "population", "GM9991", 2025) <= 20_000
    assert 112_000 <= value(obs, "population", "GM9992", 2025) <= 124_000
    assert 75_000 <= value(obs, "population", "GM9990", 2025) <= 80_000


def test_each_member_has_its_own_registry_figures_and_character(tables):
    release, obs, _ = tables
    ids = set(release.table("sources")["source_id"])
    for law in ("wmo", "jeugd", "participatie", "schuldhulp", "cases", "signals", "stapeling"):
        assert {f"registry:{law}", f"registry:GM9991:{law}", f"registry:GM9992:{law}"} <= ids, law
    assert {"budget:demo", "budget:GM9991:demo", "budget:GM9992:demo", "population:GM9991"} <= ids
    wmo = {m: per_inhabitant(obs, "wmo_reg_clients", m) for m in ("GM9990", "GM9991", "GM9992")}
    jeugd = {m: per_inhabitant(obs, "jeugd_reg_clients", m) for m in wmo}
    bijstand = {m: per_inhabitant(obs, "bijstand_reg_households", m) for m in wmo}
    assert max(wmo, key=wmo.get) == "GM9991"  # Eikenrode: older, more Wmo per inhabitant
    assert max(jeugd, key=jeugd.get) == "GM9992" and max(bijstand, key=bijstand.get) == "GM9992"  # Kanaalstad
    assert 0.06 <= wmo["GM9991"] <= 0.12 and 0.025 <= jeugd["GM9992"] <= 0.05
    # The comparison figures (waarstaatjegemeente), Iv3 and budget are there for every member.
    for m in ("GM9991", "GM9992"):
        assert value(obs, "bijstand_per_1000", m, 2024) is not None, m
        assert value(obs, "youth_care_pct", m, 2024) is not None, m
        budget = obs.filter((pl.col("region_code") == m) & (pl.col("source_id") == f"budget:{m}:demo"))
        iv3 = obs.filter((pl.col("region_code") == m) & (pl.col("source_id") == "iv3:demo"))
        assert budget.height > 0 and iv3.height > 0, m
    # Nothing is computed for the region here: its totals come from the publication (warehouse.region_totals).
    assert obs.filter((pl.col("region_code") == "RG0001") & pl.col("source_id").str.starts_with("registry")).height == 0


def test_each_member_has_its_own_wijk_boundaries_and_postcodes(demo_warehouse):
    import json

    from queries import Warehouse

    geo = json.loads((current_release(demo_warehouse).path / "boundaries" / "wijken.geojson").read_text())
    by_member = {}
    for f in geo["features"]:
        by_member.setdefault(f["properties"]["gemeente_code"], set()).add(f["properties"]["region_code"])
    assert {m: len(c) for m, c in by_member.items()} == {"GM9990": 11, "GM9991": 4, "GM9992": 9}
    wh = Warehouse.open(demo_warehouse)
    shown = {f["properties"]["region_code"] for f in wh.for_member("GM9991").boundaries("wijken")["features"]}
    assert shown == by_member["GM9991"]  # a member's map holds its own wijken
    postcodes = pl.read_csv(demo_warehouse / "postcodes.csv", infer_schema=False)
    assert set(postcodes["gemeente_code"]) == {"GM9990", "GM9991", "GM9992"}
    assert postcodes["postcode"].n_unique() == postcodes.height


def test_the_same_seed_gives_the_same_region():
    eikenrode = demo.MEMBERS[1]
    a = demo.registry_inputs(demo.member_rng(demo.SEED, eikenrode), eikenrode)
    b = demo.registry_inputs(demo.member_rng(demo.SEED, eikenrode), eikenrode)
    assert a == b
    assert a[0]["wmo"] != demo.registry_inputs(demo.member_rng(demo.SEED + 1, eikenrode), eikenrode)[0]["wmo"]
    assert b"GM9991,Eikenrode" in a[1] and b"GM9990" not in a[1]
    assert demo.region_meta(demo.SEED) == demo.region_meta(demo.SEED)


def test_the_demo_notes_follow_the_member_and_one_is_about_the_region():
    from components import demo_content

    notes = demo_content._notes("GM9990", 2025, "RG0001")
    codes = [c for content, _ in notes for c in content.region_codes]
    assert {"GM9991", "GM9992", "RG0001", "WK999104", "WK999202"} <= set(codes) and "GM9990" in codes
    for content, _ in notes:
        content.normalised()  # every note is valid, the one on RG0001 too
    assert not any("RG0001" in content.region_codes for content, _ in demo_content._notes("GM9990", 2025))
