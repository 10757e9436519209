"""Goals per member council in a region: the catalogue's ``goals`` per municipality code, ``goal`` for the home."""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse
from queries import figures as q
from tests.conftest import small_regions, source_row
from tests.support.catalogue import indicator
from tests.support.warehouse import NO_WIJK_SHAPES
from warehouse import catalogue
from warehouse.publication import publish

GOALS = '''source = { registry = { law = "wmo", measure = "clients" } }
goal = { direction = "down", target = 30, target_year = 2026, label = "Thuis" }
goals = { GM0002 = { direction = "up", label = "Buur" } }'''


def _catalogue(tmp_path, source: str = GOALS):
    path = tmp_path / "catalogue.toml"
    path.write_text(indicator("wmo_clients", source, law="wmo"), encoding="utf-8")
    return catalogue.load(path)


def _publish(tmp_path, members: list[str] | None) -> Warehouse:
    meta = {"gemeente": "GM0001", "gemeente_name": "Testgemeente"}
    if members:
        meta |= {"members": members, "region": {"code": "RG0001", "name": "Testregio"}}
    publish(tmp_path / "wh", indicators=_catalogue(tmp_path).to_frame(), regions=small_regions(),
            sources=source_row(), observations=pl.DataFrame(schema={"indicator_id": pl.String}), meta=meta,
            boundaries=NO_WIJK_SHAPES)
    return Warehouse.open(tmp_path / "wh")


def test_each_member_reads_its_own_goal(tmp_path):
    wh = _publish(tmp_path, ["GM0001", "GM0002", "GM0003"])
    assert q.indicator(wh, "wmo_clients")["goal"]["label"] == "Thuis"  # the home council's goal
    assert q.indicator(wh.for_member("GM0002"), "wmo_clients")["goal"] == {"direction": "up", "label": "Buur"}
    assert q.indicator(wh.for_member("GM0003"), "wmo_clients")["goal"] is None  # set no goal: none is borrowed
    assert q.indicator(wh, "wmo_clients")["goal"]["label"] == "Thuis"  # the views did not change the home's
    wh.close()


def test_a_single_municipality_reads_the_plain_goal(tmp_path):
    wh = _publish(tmp_path, None)
    assert not wh.is_region
    assert q.indicator(wh, "wmo_clients")["goal"]["target"] == 30
    wh.close()


@pytest.mark.parametrize("goals, says", [
    ('goals = { Lindewaard = { direction = "up" } }', "'Lindewaard', which is not a municipality"),
    ('goals = { GM0002 = "up" }', "goals must be a table per municipality"),
])
def test_a_wrong_goals_table_is_named(tmp_path, goals, says):
    with pytest.raises(catalogue.CatalogueError, match=says):
        _catalogue(tmp_path, 'source = { registry = { law = "wmo", measure = "clients" } }\n' + goals)
