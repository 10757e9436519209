"""The query layer on its own, on a tiny warehouse with hand-computed answers (tests/conftest.py,
small_observations): raw values and statuses, not formatted text."""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse
from queries import figures as q
from tests.conftest import obs, small_observations
from tests.support.warehouse import publish_small

WIJKEN = ["WK000101", "WK000102", "WK000103"]


@pytest.fixture
def wh(small_warehouse) -> Warehouse:
    return Warehouse.open(small_warehouse)


def cells(df: pl.DataFrame) -> dict[tuple[str, str], tuple[float | None, str]]:
    return {(r["region_code"], r["period"]): (r["value"], r["status"]) for r in df.iter_rows(named=True)}


def test_a_rate_on_a_base_below_the_floor_is_hidden_and_the_others_shown(wh):
    got = cells(q.series(wh, "wmo_clients_per_1000", ["GM0001", *WIJKEN]))
    assert got[("WK000101", "2024JJ00")] == (60.0, "final")
    assert got[("WK000103", "2023JJ00")] == (30.0, "final")
    assert got[("GM0001", "2024JJ00")] == (48.0, "final")
    assert got[("WK000102", "2023JJ00")] == got[("WK000102", "2024JJ00")] == (None, "suppressed")  # 40 people


def test_a_small_count_is_hidden_and_so_is_the_part_that_would_give_it_away(wh):
    got = cells(q.series(wh, "wmo_reg_clients", ["GM0001", *WIJKEN]))
    # 2024: Zuid has 3 (< 5). With Noord 130 and Oost 45 shown, 178 - 130 - 45 = 3 would give it away,
    # so the smallest shown part (Oost) is hidden too; the total stays.
    assert got[("WK000102", "2024JJ00")] == (None, "suppressed")
    assert got[("WK000103", "2024JJ00")] == (None, "suppressed")
    assert got[("WK000101", "2024JJ00")] == (130.0, "final") and got[("GM0001", "2024JJ00")] == (178.0, "final")
    # 2023 has no small cell: everything is shown and adds up.
    assert [got[(w, "2023JJ00")][0] for w in WIJKEN] == [120.0, 80.0, 40.0] and got[("GM0001", "2023JJ00")][0] == 240.0


def test_a_sensitive_count_has_the_stricter_floor(wh):
    got = cells(q.series(wh, "veilig_thuis_reports", ["GM0001"]))
    assert got == {("GM0001", "2023JJ00"): (14.0, "final"), ("GM0001", "2024JJ00"): (None, "suppressed")}  # 8 < 10


def test_years_latest_year_and_names(wh):
    assert q.years(wh, ["wmo_clients_per_1000"], ["GM0001"]) == [2023, 2024]
    assert q.latest_year(wh, ["wmo_clients_per_1000"], ["GM0001"]) == 2024
    assert q.region_name(wh, "WK000102") == "Zuid"
    assert q.wijken(wh)["name"].to_list() == ["Noord", "Oost", "Zuid"]  # by name, as pickers list them


def test_wijk_values_keep_hidden_wijken_as_hidden_rows(wh):
    got = q.wijk_values(wh, "wmo_clients_per_1000", 2024)
    by = {r["region_code"]: (r["value"], r["status"]) for r in got.iter_rows(named=True)}
    assert by == {"WK000101": (60.0, "final"), "WK000102": (None, "suppressed"), "WK000103": (30.0, "final"),
                  "GM0001": (48.0, "final")}
    assert got.filter(pl.col("region_code") == "WK000102")["denominator"].to_list() == [None]  # its base goes too


def test_peers_range_and_median(wh):
    rng = q.peer_range(wh, "wmo_clients_per_1000")
    assert rng.select("period", "low", "high", "peer_count").rows() == [("2023JJ00", 40.0, 52.0, 2),
                                                                       ("2024JJ00", 40.0, 52.0, 2)]
    comp = q.comparison(wh, ["wmo_clients_per_1000"], 2024).row(0, named=True)
    assert (comp["value"], comp["peer_max"], comp["peer_count"], comp["change"]) == (48.0, 52.0, 2, 0.0)
    compared = q.series_compared(wh, "wmo_clients_per_1000", ["GM0001", "NL01"], peer_median=True)
    median = compared.filter(pl.col("region_code") == q.PEER_CODE).sort("period")["value"].to_list()
    assert median == [46.0, 46.0]  # the median of 40 and 52
    assert compared.filter(pl.col("region_code") == "NL01").sort("period")["value"].to_list() == [55.5, 56.5]


def test_results_belong_to_their_release(small_warehouse):
    first = Warehouse.open(small_warehouse)
    assert cells(q.series(first, "wmo_clients_per_1000", ["GM0001"]))[("GM0001", "2024JJ00")] == (48.0, "final")
    changed = small_observations().with_columns(
        value=pl.when((pl.col("indicator_id") == "wmo_clients_per_1000") & (pl.col("region_code") == "GM0001")
                      & (pl.col("period") == "2024JJ00")).then(51.0).otherwise(pl.col("value")))
    publish_small(small_warehouse, pl.concat([changed, pl.DataFrame([obs("population", "WK000101", "2025JJ00", 2000.0)])
                                              .cast(changed.schema)]), peers=["GM0002", "GM0003"])
    second = Warehouse.open(small_warehouse)
    assert second.release.id != first.release.id
    assert cells(q.series(second, "wmo_clients_per_1000", ["GM0001"]))[("GM0001", "2024JJ00")] == (51.0, "final")
    # The first release still answers with its own figures (a dossier pinned to it keeps them).
    assert cells(q.series(first, "wmo_clients_per_1000", ["GM0001"]))[("GM0001", "2024JJ00")] == (48.0, "final")
