"""``python -m etl refresh`` against the fake CBS server: one test per exit code."""

from __future__ import annotations

import polars as pl
import pytest

from etl import cbs, refresh
from etl.__main__ import main
from tests.cbs.conftest import kern_table
from tests.cbs.fakecbs import free_port
from tests.cbs.test_gebieden import gebieden_table
from warehouse.releases import current_release


@pytest.fixture
def loaded(fake, tmp_path, catalogue_path):
    """A warehouse loaded from the fake CBS for Lelystad with Amsterdam as peer."""
    wh = tmp_path / "wh"
    cbs.run_load(cbs.Options(warehouse=wh, catalogue=catalogue_path, gemeente="GM0995", peers=("GM0363",),
                             base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS"))
    fake.reset_counts()
    return wh


def run(fake, wh, catalogue_path, capsys, base=None):
    code = main(["refresh", "--yes", "--warehouse", str(wh), "--catalogue", str(catalogue_path),
                 "--base-url", base or fake.base, "--v4-base-url", f"{base or fake.base}/odata/v1/CBS"])
    return code, capsys.readouterr()


def test_exit_1_when_nothing_changed(fake, loaded, catalogue_path, capsys):
    before = current_release(loaded).id
    code, out = run(fake, loaded, catalogue_path, capsys)
    assert code == refresh.EXIT_NOTHING_NEW == 1
    assert "Niets nieuws bij CBS" in out.out and "84799NED, 85639NED, 86204NED" in out.out
    assert current_release(loaded).id == before
    assert fake.count("TypedDataSet") == 0 and fake.count("Observations") == 0  # only the stamps were read


def test_exit_0_loads_only_the_changed_table_for_the_same_municipality(fake, loaded, catalogue_path, capsys):
    before = current_release(loaded)
    fake.v3["84799NED"] = kern_table(modified="2021-09-30T02:00:00")
    code, out = run(fake, loaded, catalogue_path, capsys)
    assert code == refresh.EXIT_LOADED == 0
    assert "Nieuw geladen: 84799NED" in out.out and "Ongewijzigd: 85639NED, 86204NED" in out.out
    after = current_release(loaded)
    assert after.id != before.id and after.meta["gemeente"] == "GM0995" and after.meta["peers"] == ["GM0363"]
    assert fake.count("84799NED/TypedDataSet") >= 1
    assert fake.count("85639NED/TypedDataSet") == 0 and fake.count("86204NED/Observations") == 0
    src = after.table("sources").filter(pl.col("source_id") == "cbs:84799NED")
    assert src["release"][0] == "2021-09-30T02:00:00"
    # Still scoped: Almere is no peer, so not loaded.
    assert "GM0034" not in after.table("regions")["region_code"].to_list()
    # A second run finds nothing new.
    assert run(fake, loaded, catalogue_path, capsys)[0] == 1


def test_a_changed_gebieden_table_is_reloaded(fake, loaded, catalogue_path, capsys):
    from etl import gebieden

    fake.v3["85755NED"] = gebieden_table()
    gebieden.load(loaded, year=2024, base_url=fake.base, catalogue_path=catalogue_path)
    assert run(fake, loaded, catalogue_path, capsys)[0] == 1
    fake.v3["85755NED"] = gebieden_table(modified="2024-07-01T02:00:00")
    code, out = run(fake, loaded, catalogue_path, capsys)
    assert code == 0 and "Nieuw geladen: 85755NED" in out.out
    assert gebieden.loaded_table(loaded) == ("85755NED", "2024-07-01T02:00:00")


def test_exit_2_on_bad_input(fake, tmp_path, loaded, catalogue_path, capsys):
    code, out = run(fake, tmp_path / "empty", catalogue_path, capsys)
    assert code == refresh.EXIT_BAD_INPUT == 2 and "nog geen warehouse" in out.err
    # A catalogue table CBS does not know: a person must fix the catalogue.
    unknown = tmp_path / "catalogue.toml"
    unknown.write_text(catalogue_path.read_text(encoding="utf-8").replace("85639NED", "99999NED"), encoding="utf-8")
    before = current_release(loaded).id
    code, out = run(fake, loaded, unknown, capsys)
    assert code == 2 and "kent CBS niet: 99999NED" in out.err and "niet veranderd" in out.err
    assert current_release(loaded).id == before


def test_exit_2_for_the_demo(fake, tmp_path, catalogue_path, capsys):
    from tests.conftest import small_regions
    from warehouse import catalogue
    from warehouse.publication import publish

    wh = tmp_path / "demo"
    publish(wh, indicators=catalogue.load(catalogue_path).to_frame(), regions=small_regions(),
            meta={"demo": True, "gemeente": "GM0001"})
    code, out = run(fake, wh, catalogue_path, capsys)
    assert code == 2 and "Dit warehouse is de demo" in out.err
    assert fake.count() == 0  # CBS was not even asked


def test_exit_3_when_cbs_is_unreachable(fake, loaded, catalogue_path, capsys):
    before = current_release(loaded).id
    code, out = run(fake, loaded, catalogue_path, capsys, base=f"http://127.0.0.1:{free_port()}")
    assert code == refresh.EXIT_UNREACHABLE == 3
    assert "Bron onbereikbaar" in out.err and "probeer het later opnieuw" in out.err
    assert current_release(loaded).id == before


def test_exit_3_when_cbs_asks_to_wait_too_long(fake, loaded, catalogue_path, capsys, monkeypatch):
    monkeypatch.setenv("MSD_HTTP_RETRY_AFTER_MAX", "30")
    fake.faults["84799NED/TableInfos"] = ["503 600"]
    code, out = run(fake, loaded, catalogue_path, capsys)
    assert code == 3 and "600 seconden" in out.err
