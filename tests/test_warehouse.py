import os
import shutil

import duckdb
import polars as pl
import pytest

from tests.conftest import obs, small_observations, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import WarehouseError, connect, current_release


def _state(path):
    """What a reader sees: the current link target and the observations in it."""
    release = current_release(path)
    return release.id, release.table("observations").sort("indicator_id", "region_code", "period").to_dicts()


def test_publish_writes_tables_and_duckdb_views(small_warehouse):
    release = current_release(small_warehouse)
    for name in ("observations", "indicators", "regions", "sources"):
        assert (release.path / f"{name}.parquet").exists()
    con = connect(release)
    n = con.execute("SELECT count(*) FROM observations WHERE indicator_id = 'wmo_reg_clients'").fetchone()[0]
    assert n == 8
    with pytest.raises(duckdb.Error):  # the app's connection is read-only
        con.execute("CREATE TABLE x (a INT)")
    schema = dict(release.table("observations").schema)
    assert schema["value"] == pl.Float64 and schema["region_code"] == pl.String and schema["period"] == pl.String


def test_views_use_relative_paths_so_a_warehouse_can_move(small_warehouse, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(small_warehouse, moved, symlinks=True)
    shutil.rmtree(small_warehouse)
    con = connect(current_release(moved))
    assert con.execute("SELECT sum(value) FROM observations WHERE region_code = 'GM0001' "
                       "AND indicator_id = 'wmo_reg_clients'").fetchone()[0] == 240 + 178


def test_a_refused_load_leaves_the_last_good_warehouse(small_warehouse):
    before = _state(small_warehouse)
    cat = catalogue.load().to_frame()
    bad = [
        pl.DataFrame([obs("no_such_indicator", "GM0001", "2024JJ00", 1.0)]),
        pl.DataFrame([obs("population", "GM9999", "2024JJ00", 1.0)]),
        pl.DataFrame([obs("population", "GM0001", "2024", 1.0)]),
        pl.DataFrame([obs("population", "GM0001", "2024JJ00", 1.0, status="maybe")]),
        pl.DataFrame([obs("population", "GM0001", "2024JJ00", 1.0), obs("population", "GM0001", "2024JJ00", 2.0)]),
    ]
    messages = []
    for frame in bad:
        with pytest.raises(WarehouseError) as err:
            publish(small_warehouse, indicators=cat, observations=frame, sources=source_row())
        messages.append(str(err.value))
    assert "no_such_indicator" in messages[0]
    assert "GM9999" in messages[1]
    assert "'2024'" in messages[2]
    assert "maybe" in messages[3]
    assert "meer dan eens" in messages[4]
    assert _state(small_warehouse) == before
    assert not list((small_warehouse / "releases").glob(".tmp-*"))


def test_a_crash_while_writing_leaves_the_last_good_warehouse(small_warehouse, monkeypatch):
    before = _state(small_warehouse)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("warehouse.publication._write_views", boom)
    with pytest.raises(OSError):
        publish(small_warehouse, indicators=catalogue.load().to_frame(),
                observations=pl.DataFrame([obs("population", "GM0001", "2025JJ00", 3600.0)]), sources=source_row())
    assert _state(small_warehouse) == before
    assert not list((small_warehouse / "releases").glob(".tmp-*"))


def test_a_load_replaces_only_its_own_source(small_warehouse):
    cat = catalogue.load().to_frame()
    other = source_row("other")
    publish(small_warehouse, indicators=cat, sources=other,
            observations=pl.DataFrame([obs("households", "GM0001", "2024JJ00", 1500.0, source_id="other")]))
    publish(small_warehouse, indicators=cat, sources=other,
            observations=pl.DataFrame([obs("households", "GM0001", "2024JJ00", 1600.0, source_id="other")]))
    o = current_release(small_warehouse).table("observations")
    assert o.filter(pl.col("source_id") == "other")["value"].to_list() == [1600.0]
    assert o.filter(pl.col("source_id") == "test").height == small_observations().height


def test_release_meta_is_kept_and_old_releases_stay_readable(small_warehouse):
    first = current_release(small_warehouse)
    publish(small_warehouse, indicators=catalogue.load().to_frame(), sources=source_row("s2"),
            observations=pl.DataFrame([obs("households", "GM0001", "2024JJ00", 1.0e3, source_id="s2")]))
    second = current_release(small_warehouse)
    assert second.id != first.id
    assert second.meta["gemeente"] == "GM0001" and second.meta["previous"] == first.id
    assert os.path.exists(first.path / "observations.parquet")


def test_regions_need_cbs_codes_and_known_levels(small_warehouse):
    bad = small_regions().with_columns(region_code=pl.lit("WK1")).head(1)
    with pytest.raises(WarehouseError, match="gebiedscodes"):
        publish(small_warehouse, indicators=catalogue.load().to_frame(), regions=bad)
