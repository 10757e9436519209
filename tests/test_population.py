import polars as pl
import pytest

from etl import population
from warehouse.releases import WarehouseError

PERSONS = b"""region_code,period,age_from,age_to,sex,persons
WK000101,2024JJ00,0,3,M,10
WK000101,2024JJ00,0,3,V,10
WK000101,2024JJ00,12,17,M,30
WK000101,2024JJ00,27,64,V,200
WK000101,2024JJ00,75,84,V,40
WK000101,2024JJ00,85,,M,10
WK000102,2024JJ00,18,26,M,100
"""
HOUSEHOLDS = b"""region_code,period,household_type,households
WK000101,2024JJ00,eenpersoons,50
WK000101,2024JJ00,paar_met_kinderen,30
WK000101,2024JJ00,eenouder,20
WK000102,2024JJ00,eenpersoons,100
"""


def test_population_indicators_per_wijk_and_summed_to_the_municipality():
    p = population._read(PERSONS, population.PERSON_COLUMNS, "persons")
    h = population._read(HOUSEHOLDS, population.HOUSEHOLD_COLUMNS, "households")
    o = population.aggregate(p, h, "GM0001")
    total = {(r["indicator_id"], r["region_code"]): r["value"] for r in o.filter(pl.col("breakdown") == "").to_dicts()}
    assert total[("population", "WK000101")] == 300
    assert total[("population", "GM0001")] == 400
    assert total[("pop_0_17", "WK000101")] == 50
    assert total[("pop_18_64", "GM0001")] == 300
    assert total[("pop_65plus", "WK000101")] == 50 and total[("pop_75plus", "WK000101")] == 50
    assert total[("pct_65plus", "WK000101")] == pytest.approx(100 * 50 / 300)
    assert total[("pct_single_households", "GM0001")] == pytest.approx(100 * 150 / 200)
    assert total[("pct_households_with_children", "WK000101")] == pytest.approx(50.0)
    ages = {r["category"]: r["value"] for r in o.filter((pl.col("breakdown") == "age_group")
                                                         & (pl.col("region_code") == "GM0001")).to_dicts()}
    assert ages["0-3"] == 20 and ages["85+"] == 10 and ages["18-26"] == 100
    assert sum(ages.values()) == 400


@pytest.mark.parametrize("data, message", [
    (b"", "leeg"),
    (b"region,period\nx,y\n", "kolommen ontbreken"),
    (b"region_code,period,age_from,age_to,sex,persons\nWK000101,2024JJ00,0,3,M,tien\n",
     "rij 2, kolom persons: geen geldige waarde"),
    (b"region_code,period,age_from,age_to,sex,persons\nWK000101,2024,0,3,M,1\n", "'2024' is geen CBS-periodecode"),
])
def test_bad_population_files_say_what_and_where(data, message):
    with pytest.raises(WarehouseError, match=message):
        population._read(data, population.PERSON_COLUMNS, "persons file")
