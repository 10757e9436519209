import polars as pl

import settings
from domain.suppression import complementary, suppress
from queries import Warehouse
from queries import figures as q
from warehouse import catalogue


def _settings(**kw):
    base = settings.load()
    return settings.Settings(warehouse=base.warehouse, store_url=base.store_url,
                             min_count=kw.get("min_count", 5), min_count_strict=kw.get("min_count_strict", 10),
                             min_denominator=kw.get("min_denominator", 50))


def _frame(rows):
    return pl.DataFrame(rows, schema={"indicator_id": pl.String, "value": pl.Float64, "denominator": pl.Float64,
                                      "status": pl.String}, orient="row")


def test_counts_below_the_floor_are_hidden_and_the_floor_is_configurable():
    ind = catalogue.load().to_frame()
    df = _frame([("wmo_reg_clients", 4, None, "final"), ("wmo_reg_clients", 5, None, "final"),
                 ("wmo_reg_clients", 0, None, "final"), ("veilig_thuis_reports", 9, None, "final"),
                 ("veilig_thuis_reports", 10, None, "provisional")])
    out = suppress(df, ind, _settings())
    assert out["value"].to_list() == [None, 5, None, None, 10]
    assert out["status"].to_list() == ["suppressed", "final", "suppressed", "suppressed", "provisional"]
    stricter = suppress(df, ind, _settings(min_count=6))
    assert stricter["value"].to_list()[1] is None


def test_rates_on_a_small_base_are_hidden():
    ind = catalogue.load().to_frame()
    df = _frame([("youth_care_pct", 12.0, 49, "final"), ("youth_care_pct", 12.0, 50, "final"),
                 ("youth_care_pct", 12.0, None, "final")])
    out = suppress(df, ind, _settings())
    assert out["value"].to_list() == [None, 12.0, 12.0]


def test_complementary_suppression_hides_a_second_part():
    ind = catalogue.load().to_frame()
    df = pl.DataFrame({
        "indicator_id": ["wmo_reg_clients"] * 4, "period": ["2024JJ00"] * 4,
        "region_code": ["GM0001", "WK1", "WK2", "WK3"], "level": ["gemeente", "wijk", "wijk", "wijk"],
        "value": [178.0, None, 45.0, 130.0], "status": ["final", "suppressed", "final", "final"],
    })
    out = complementary(df, ["indicator_id", "period"], pl.col("level") == "wijk", ind)
    assert out["value"].to_list() == [178.0, None, None, 130.0]
    assert out["status"].to_list()[2] == "suppressed"
    # Two hidden parts already: nothing more to hide.
    two = df.with_columns(value=pl.Series([178.0, None, None, 130.0]),
                          status=pl.Series(["final", "suppressed", "suppressed", "final"]))
    assert complementary(two, ["indicator_id", "period"], pl.col("level") == "wijk", ind)["value"].to_list() == [
        178.0, None, None, 130.0]


def test_the_query_layer_never_returns_a_small_cell(small_warehouse):
    wh = Warehouse.open(small_warehouse)
    values = q.wijk_values(wh, "wmo_reg_clients", 2024)
    by_region = dict(zip(values["region_code"], values["value"], strict=True))
    # Zuid has 3 clients: hidden; Oost (45) is the next smallest and is hidden too, so 178-130 reveals nothing.
    assert by_region == {"GM0001": 178.0, "WK000101": 130.0, "WK000102": None, "WK000103": None}
    rates = q.wijk_values(wh, "wmo_clients_per_1000", 2024)
    rate_by_region = dict(zip(rates["region_code"], rates["value"], strict=True))
    assert rate_by_region["WK000102"] is None  # base of 40 inhabitants
    assert rate_by_region["WK000101"] == 60.0
    series = q.series(wh, "veilig_thuis_reports", ["GM0001"])
    assert series.sort("period")["value"].to_list() == [14.0, None]  # 8 is below the strict floor of 10


def test_a_few_wijken_beside_the_total_never_reveal_a_hidden_wijk(small_warehouse):
    wh = Warehouse.open(small_warehouse)
    # Trends with the total, Noord and Oost only: Zuid (3) is hidden, so Oost (45) must be hidden as well,
    # exactly as on the wijk map, or 178 - 130 - 45 would give Zuid away.
    df = q.series(wh, "wmo_reg_clients", ["GM0001", "WK000101", "WK000103"]).filter(pl.col("period") == "2024JJ00")
    assert dict(zip(df["region_code"], df["value"], strict=True)) == {
        "GM0001": 178.0, "WK000101": 130.0, "WK000103": None}
    # The same in the yearly figures behind the wijk profile; 2023 had no small cell and stays whole.
    fig = q.figures(wh, ["wmo_reg_clients"], ["WK000103"], 2024)
    assert dict(zip(fig["period"], fig["value"], strict=True)) == {"2024JJ00": None, "2023JJ00": 40.0}
    # Rates are not additive: nothing extra is hidden.
    rates = q.series(wh, "wmo_clients_per_1000", ["WK000103"]).filter(pl.col("period") == "2024JJ00")
    assert rates["value"].to_list() == [30.0]


def test_complementary_suppression_works_per_group():
    ind = catalogue.load().to_frame()
    df = pl.DataFrame({
        "indicator_id": ["wmo_reg_clients"] * 6, "period": ["2023JJ00"] * 3 + ["2024JJ00"] * 3,
        "region_code": ["WK1", "WK2", "WK3"] * 2, "value": [None, 9.0, 50.0, 7.0, None, 60.0],
        "status": ["suppressed", "final", "final", "final", "suppressed", "final"],
    })
    out = complementary(df, ["indicator_id", "period"], pl.lit(True), ind)
    # In each year the smallest shown wijk goes too, whatever the other year holds.
    assert out["value"].to_list() == [None, None, 50.0, None, None, 60.0]
