"""What Geld shows from the registry's amounts hides small cells so that none can be worked out again:
per inhabitant (amount x population gives the amount back) and cost per category with its change."""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse, finance
from queries import figures as q
from tests.conftest import obs, small_regions
from tests.linear_attack import KEYS, determined_cells, relations
from warehouse import catalogue
from warehouse.publication import publish

GM, WIJKEN = "GM0001", ("WK000101", "WK000102", "WK000103")
# Euros per wijk with the clients behind them: Noord's 3 clients are too few (base under 50).
COST = {"WK000101": (900.0, 3.0), "WK000102": (2000.0, 60.0), "WK000103": (3000.0, 70.0)}


@pytest.fixture
def wh(tmp_path, monkeypatch):
    for name, v in (("MSD_MIN_COUNT", "5"), ("MSD_MIN_COUNT_STRICT", "10"), ("MSD_MIN_DENOMINATOR", "50")):
        monkeypatch.setenv(name, v)
    rows = [obs("wmo_reg_cost", w, "2024JJ00", v, denominator=n) for w, (v, n) in COST.items()]
    rows.append(obs("wmo_reg_cost", GM, "2024JJ00", 5900.0, denominator=133.0))
    rows += [obs("population", code, "2024JJ00", p) for code, p in
             ((GM, 3000.0), ("WK000101", 900.0), ("WK000102", 1000.0), ("WK000103", 1100.0))]
    # Youth cost per product: residential care (43) for 4 clients is too few.
    for year, (amb, res) in ((2023, (5000.0, 800.0)), (2024, (6000.0, 900.0))):
        rows += [obs("jeugd_reg_cost", GM, f"{year}JJ00", amb + res, denominator=84.0),
                 obs("jeugd_reg_cost", GM, f"{year}JJ00", amb, denominator=80.0, breakdown="product", category="45"),
                 obs("jeugd_reg_cost", GM, f"{year}JJ00", res, denominator=4.0, breakdown="product", category="43")]
    path = tmp_path / "wh"
    publish(path, indicators=catalogue.load().to_frame(), observations=pl.DataFrame(rows), regions=small_regions(),
            sources=pl.DataFrame([{"source_id": "test", "kind": "test", "title": "Test"}]),
            meta={"demo": False, "gemeente": GM, "peers": []})
    return Warehouse.open(path)


def test_per_inhabitant_hides_a_small_amount_and_the_cell_that_would_give_it_back(wh):
    df = finance.per_inhabitant(wh, ["wmo_reg_cost"], [GM, *WIJKEN])
    got = {r["region_code"]: r["value"] for r in df.iter_rows(named=True)}
    assert got["WK000101"] is None  # three clients
    assert got["WK000102"] is None  # the smallest other wijk: else the total minus the wijken gives Noord back
    assert got["WK000103"] == pytest.approx(3000.0 * 1000 / 1100) and got[GM] is not None
    # The reader's attack: every shown figure times its (public) population, all sums over areas.
    pop = {r["region_code"]: r["value"] for r in q.series(wh, "population", [GM, *WIJKEN]).iter_rows(named=True)}
    cells = df.select("indicator_id", "region_code", "period", breakdown=pl.lit(""), category=pl.lit(""),
                      value=pl.col("value") * pl.col("region_code").replace_strict(pop) / 1000)
    hidden = {tuple(r) for r in cells.filter(pl.col("value").is_null()).select(KEYS).iter_rows()}
    rels = relations(cells, dict.fromkeys(WIJKEN, GM), {"wmo_reg_cost"})
    assert hidden and rels and determined_cells(hidden, rels) == []


def test_cost_per_product_hides_residential_care_for_few_clients_and_its_change(wh):
    change = finance.cost_change(wh, "jeugd", "product")
    rows = {r["category"]: r for r in change.iter_rows(named=True)}
    assert rows["43"]["last"] is None and rows["43"]["last_status"] == "suppressed" and rows["43"]["change"] is None
    # Ambulant care would give residential care back from the total: hidden too, in both years.
    assert rows["45"]["last"] is None and rows["45"]["previous"] is None
    assert (change["previous_year"][0], change["last_year"][0]) == (2023, 2024)


def test_cost_change_per_category_against_hand_computed_values(tmp_path):
    rows = []
    for year, parts in ((2023, {"45": 5000.0, "44": 2000.0}), (2024, {"45": 5500.0, "44": 3000.0, "43": 1000.0})):
        rows.append(obs("jeugd_reg_cost", GM, f"{year}JJ00", sum(parts.values()), denominator=300.0))
        rows += [obs("jeugd_reg_cost", GM, f"{year}JJ00", v, denominator=100.0, breakdown="product", category=c)
                 for c, v in parts.items()]
    path = tmp_path / "wh"
    publish(path, indicators=catalogue.load().to_frame(), observations=pl.DataFrame(rows), regions=small_regions(),
            sources=pl.DataFrame([{"source_id": "test", "kind": "test", "title": "Test"}]),
            meta={"demo": False, "gemeente": GM, "peers": []})
    change = finance.cost_change(Warehouse.open(path), "jeugd", "product")
    got = {r["category"]: (r["previous"], r["last"], r["change"], r["change_pct"])
           for r in change.iter_rows(named=True)}
    assert got["44"] == (2000.0, 3000.0, 1000.0, pytest.approx(50.0))
    assert got["45"] == (5000.0, 5500.0, 500.0, pytest.approx(10.0))
    assert got["43"] == (0.0, 1000.0, 1000.0, None)  # new in 2024: nothing the year before, no per cent
    assert change["category"].to_list() == ["43", "44", "45"]  # biggest rise first
