"""``python -m etl cbs --gemeente A,B,C`` and ``python -m etl regio``: a region loaded from the fake CBS server."""

from __future__ import annotations

import polars as pl
import pytest

from etl import refresh
from etl.__main__ import main
from etl.cbs import Options, run_load
from tests.cbs.conftest import CATALOGUE, fast_retries, kern_table, wmo_table, youth_table  # noqa: F401 (autouse)
from tests.cbs.fakecbs import FakeCBS, Server
from warehouse.releases import current_release, staged_releases

P = "2020JJ00"
THREE = "GM0995,GM0034,GM0363"  # Lelystad (wijken and buurten), Almere (one wijk), Amsterdam (no wijken)


@pytest.fixture
def fake(monkeypatch):
    f = FakeCBS()
    f.v3["84799NED"], f.v3["85639NED"], f.v4["86204NED"] = kern_table(), wmo_table(), youth_table()
    with Server(f):
        monkeypatch.setenv("MSD_CBS_BASE_URL", f.base)
        monkeypatch.setenv("MSD_CBS_V4_BASE_URL", f"{f.base}/odata/v1/CBS")
        yield f


@pytest.fixture
def cat(tmp_path):
    p = tmp_path / "catalogue.toml"
    p.write_text(CATALOGUE, encoding="utf-8")
    return p


def cli(wh, cat, *args) -> int:
    return main([*args[:1], "--warehouse", str(wh), "--catalogue", str(cat), *args[1:]])


def value(wh, indicator: str, region: str) -> float | None:
    o = current_release(wh).table("observations").filter(
        (pl.col("indicator_id") == indicator) & (pl.col("region_code") == region) & (pl.col("period") == P)
        & (pl.col("breakdown") == ""))
    return o["value"].item() if o.height else None


def test_three_members_load_at_once_with_their_region(fake, tmp_path, cat, capsys):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", THREE, "--regio-naam", "Regio Flevo-Amstel", "--tables", "84799NED",
               "--yes") == 0
    meta = current_release(wh).meta
    assert meta["gemeente"] == "GM0995" and meta["gemeente_name"] == "Lelystad"
    assert meta["members"] == ["GM0995", "GM0034", "GM0363"]
    assert meta["member_names"] == {"GM0995": "Lelystad", "GM0034": "Almere", "GM0363": "Amsterdam"}
    assert meta["region"] == {"code": "RG0001", "name": "Regio Flevo-Amstel"}
    # Every member with its wijken (Almere's wijk was left out when Almere was only a peer).
    codes = set(current_release(wh).table("observations")["region_code"])
    assert {"GM0995", "WK099501", "BU09950102", "GM0034", "WK003401", "GM0363", "NL01"} <= codes
    # The region's total: 77.389 + 214.715 + 872.757 inhabitants; 2.540 + 7.100 + 33.000 with bijstand.
    assert value(wh, "population", "RG0001") == 1_164_861
    assert value(wh, "bijstand", "RG0001") == 42_640
    reg = current_release(wh).table("regions").filter(pl.col("region_code") == "RG0001")
    assert reg["name"].item() == "Regio Flevo-Amstel" and reg["level"].item() == "regio"
    # The preview named the members whose figures are new.
    out = capsys.readouterr().out
    assert "Lelystad" in out and "Almere" in out and "Amsterdam" in out


def test_a_load_for_some_members_only_is_refused(fake, tmp_path, cat, capsys):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", THREE, "--regio-naam", "R", "--tables", "84799NED", "--yes") == 0
    before = current_release(wh).id
    assert cli(wh, cat, "cbs", "--gemeente", "GM0995", "--tables", "84799NED", "--yes") == 2
    err = capsys.readouterr().err
    assert "GM0034, GM0363 ontbreekt" in err and "--gemeente GM0995,GM0034,GM0363" in err
    assert current_release(wh).id == before


def test_bad_region_options_say_what_is_wrong(fake, tmp_path, cat, capsys):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", THREE, "--regio-code", "XX12", "--yes") == 2
    assert "--regio-code: 'XX12' is geen regiocode" in capsys.readouterr().err
    assert cli(wh, cat, "cbs", "--gemeente", "GM0995", "--regio-naam", "Alleen", "--yes") == 2
    assert "minstens twee gemeenten" in capsys.readouterr().err
    assert cli(wh, cat, "cbs", "--gemeente", "GM0995,GM0995", "--yes") == 2
    assert "twee keer" in capsys.readouterr().err
    assert current_release(wh) is None


def test_a_youth_region_code_keeps_the_cbs_figure(fake, tmp_path, cat):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", "GM0995,GM0034", "--regio-naam", "Jeugdregio Flevoland",
               "--regio-code", "jz13", "--tables", "84799NED", "--yes") == 0
    assert current_release(wh).meta["region"] == {"code": "JZ13", "name": "Jeugdregio Flevoland"}
    assert value(wh, "population", "JZ13") == 77_389 + 214_715
    assert current_release(wh).table("regions").filter(pl.col("region_code") == "JZ13")["level"].item() == "jeugdregio"


def test_adding_a_member_reads_unchanged_tables_again(fake, tmp_path, cat):
    o = Options(warehouse=tmp_path / "wh", catalogue=cat, base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS",
                tables=["84799NED"], gemeente="GM0995", members=("GM0034",), region={"code": "RG0001", "name": "R"})
    run_load(o)
    assert value(tmp_path / "wh", "population", "GM0363") is None
    assert run_load(o).unchanged == ["84799NED"]  # same members, same CBS release: nothing to do
    o.members = ("GM0034", "GM0363")
    rep = run_load(o)
    assert rep.loaded == ["84799NED"]
    assert value(tmp_path / "wh", "population", "RG0001") == 1_164_861


def test_the_regio_command_makes_a_region_of_loaded_municipalities(fake, tmp_path, cat, capsys):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", "GM0995", "--peers", "GM0034,GM0363", "--tables", "84799NED",
               "--yes") == 0
    capsys.readouterr()
    assert cli(wh, cat, "regio", "--naam", "Regio Test", "--leden", "GM0034,GM9999", "--yes") == 2
    assert "GM9999 is geen gemeente in dit warehouse" in capsys.readouterr().err
    assert cli(wh, cat, "regio", "--naam", "Regio Test", "--leden", "GM0034") == 2
    assert "minstens twee" in capsys.readouterr().err
    # Staged first, like any load: nothing changes before it is confirmed.
    assert cli(wh, cat, "regio", "--naam", "Regio Test", "--code", "RG0007", "--leden", "GM0034,GM0995") == 0
    out = capsys.readouterr().out
    assert "Regio Test (RG0007) met 2 gemeenten: Lelystad, Almere." in out
    assert "Let op: van Almere staan geen wijken" in out  # Almere was a peer: its figures without wijken
    assert "Veranderde cijfers per gemeente: Regio Test" in out  # the new region total, in the preview
    assert "region" not in current_release(wh).meta
    staged = staged_releases(wh)[0]
    assert cli(wh, cat, "confirm", staged.id) == 0
    meta = current_release(wh).meta
    assert meta["members"] == ["GM0995", "GM0034"]  # the home municipality stays first
    assert meta["region"] == {"code": "RG0007", "name": "Regio Test"}
    assert meta["peers"] == ["GM0034", "GM0363"]  # kept from the release it was built on
    assert value(wh, "population", "RG0007") == 77_389 + 214_715


def test_refresh_loads_for_every_member(fake, tmp_path, cat):
    wh = tmp_path / "wh"
    assert cli(wh, cat, "cbs", "--gemeente", THREE, "--regio-naam", "R", "--tables", "84799NED", "--yes") == 0
    fake.v3["84799NED"] = kern_table(modified="2022-03-26T02:00:00")
    out = refresh.refresh(wh, catalogue_path=cat, base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS")
    assert "84799NED" in out.loaded
    meta = current_release(wh).meta
    assert meta["members"] == ["GM0995", "GM0034", "GM0363"] and meta["region"]["code"] == "RG0001"
    assert value(wh, "population", "WK003401") == 30_000 and value(wh, "population", "RG0001") == 1_164_861


def test_the_demo_regions_hold_every_member_and_peers_chosen_per_member(tmp_path):
    from etl import gebieden
    from tests.region.test_totals import MEMBERS, REGION, build, rows

    wh = tmp_path / "wh"
    build(wh, rows(), more={"demo": True, "peers": {"GM0001": ["GM0002", "GM0009"], "GM0002": ["GM0001", "GM0009"]}})
    gebieden.load_demo(wh, meta=current_release(wh).meta)
    mem = current_release(wh).table("memberships")
    # Every member lies in each fictional group, beside the peers (once; a member is no peer here).
    assert sorted(mem.filter(pl.col("group_code") == "PV99")["region_code"]) == [*MEMBERS, "GM0009"]
    assert sorted(mem.filter(pl.col("group_code") == REGION["code"])["region_code"]) == MEMBERS  # rebuilt
