"""The views of queries/sql/views.sql on the tiny warehouse (tests/conftest.py): each query reads them
through a cursor that a Warehouse makes once and keeps, from any thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from queries import Warehouse

# wmo_reg_clients in small_observations: (year, region) -> value, before suppression.
RAW = {(2023, "WK000101"): 120.0, (2023, "WK000102"): 80.0, (2023, "WK000103"): 40.0, (2023, "GM0001"): 240.0,
       (2024, "WK000101"): 130.0, (2024, "WK000102"): 3.0, (2024, "WK000103"): 45.0, (2024, "GM0001"): 178.0}


@pytest.fixture
def wh(small_warehouse) -> Warehouse:
    warehouse = Warehouse.open(small_warehouse)
    yield warehouse
    warehouse.close()


def figure(wh: Warehouse, year: int, region: str) -> tuple:
    df = wh.run("figures_for_year", indicator_ids=["wmo_reg_clients"], denominator_ids=[], region_codes=[region],
                periods=[f"{year}JJ00"])
    return tuple(df.select("region_code", "region_name", "region_level", "year", "value").row(0))


def test_a_figure_carries_its_region_name_level_and_year_from_the_views(wh):
    assert figure(wh, 2024, "WK000102") == ("WK000102", "Zuid", "wijk", 2024, 3.0)
    assert figure(wh, 2023, "GM0001") == ("GM0001", "Testgemeente", "gemeente", 2023, 240.0)


def test_queries_from_many_threads_at_once_each_get_their_own_answer(wh):
    asked = list(RAW)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda key: figure(wh, *key), asked))
    assert [(g[3], g[0]) for g in got] == asked
    assert [g[4] for g in got] == [RAW[k] for k in asked]


def test_a_failed_query_leaves_no_broken_cursor_for_the_next(wh):
    with pytest.raises(duckdb.Error):
        wh.run("figures_for_year", indicator_ids=["wmo_reg_clients"])  # the other parameters are missing
    assert figure(wh, 2024, "GM0001")[4] == 178.0
    for year, region in RAW:  # one after the other: the same kept cursor answers every time
        assert figure(wh, year, region)[4] == RAW[(year, region)]
