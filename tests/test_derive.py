"""Derivations: rates computed from counts at publication, for every level, and checked in the catalogue."""

from __future__ import annotations

import polars as pl
import pytest

from domain import derive
from queries import Warehouse
from queries import figures as q
from tests.conftest import obs, small_regions, source_row
from tests.support.catalogue import indicator
from warehouse import catalogue
from warehouse.catalogue import CatalogueError
from warehouse.publication import publish
from warehouse.releases import current_release

P = "2024JJ00"
REGIONS = pl.concat([small_regions().with_columns(boundary_year=pl.lit(2024, pl.Int32)),
                     pl.DataFrame([{"region_code": "BU00010101", "name": "Noord-Oost", "level": "buurt",
                                    "parent_code": "WK000101", "gemeente_code": "GM0001", "boundary_year": 2024}],
                                  schema_overrides={"boundary_year": pl.Int32})], how="diagonal")
# region: (15-25, 25-45, 45-65, persons with bijstand)
COUNTS = {"NL01": (2_100_000, 4_300_000, 4_800_000, 421_000), "GM0001": (900, 2000, 2100, 310),
          "WK000101": (300, 700, 650, 120), "BU00010101": (10, 15, 15, 5), "GM0002": (3000, 7000, 7200, 600)}


def count_rows(counts=COUNTS, period=P, status="final") -> list[dict]:
    rows = []
    for region, (a, b, c, bij) in counts.items():
        for ind, v in (("pop_15_24", a), ("pop_25_44", b), ("pop_45_64", c), ("bijstand_persons", bij)):
            rows.append(obs(ind, region, period, v, status=status))
    return rows


def build(tmp_path, rows: list[dict], name="wh"):
    path = tmp_path / name
    publish(path, indicators=catalogue.load().to_frame(), regions=REGIONS, sources=source_row(),
            observations=pl.DataFrame(rows),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": ["GM0002"]})
    return path


def values(path, indicator_id: str) -> dict[str, dict]:
    o = current_release(path).table("observations").filter(pl.col("indicator_id") == indicator_id)
    return {r["region_code"]: r for r in o.iter_rows(named=True)}


def test_rates_are_derived_for_the_nation_municipalities_wijken_and_buurten(tmp_path):
    path = build(tmp_path, count_rows())
    base = values(path, "pop_15_64")
    rate = values(path, "bijstand_per_1000")
    assert set(rate) == set(COUNTS)  # every level, peers included
    for region, (a, b, c, bij) in COUNTS.items():
        assert base[region]["value"] == a + b + c
        assert rate[region]["value"] == pytest.approx(1000 * bij / (a + b + c))
        assert rate[region]["denominator"] == a + b + c  # so a small base is suppressed
        assert rate[region]["status"] == "final" and rate[region]["source_id"] == "test"


def test_a_rate_on_a_small_base_is_suppressed_like_any_other(tmp_path):
    path = build(tmp_path, count_rows())
    wh = Warehouse.open(path)
    s = q.series(wh, "bijstand_per_1000", ["BU00010101", "WK000101"])
    by_region = {r["region_code"]: r for r in s.iter_rows(named=True)}
    # The base is 40, below 50: the rate is hidden and its base goes with it.
    assert current_release(path).table("observations").filter(
        indicator_id="pop_15_64", region_code="BU00010101")["value"].to_list() == [40]
    assert by_region["BU00010101"]["status"] == "suppressed"
    assert by_region["BU00010101"]["value"] is None and by_region["BU00010101"]["denominator"] is None
    assert by_region["WK000101"]["value"] == pytest.approx(1000 * 120 / 1650)


def test_a_sum_needs_every_part_and_a_hidden_part_hides_the_sum(tmp_path):
    rows = count_rows()
    rows = [r for r in rows if not (r["indicator_id"] == "pop_45_64" and r["region_code"] == "GM0002")]
    for r in rows:
        if r["indicator_id"] == "pop_25_44" and r["region_code"] == "WK000101":
            r["value"], r["status"] = None, "suppressed"
    path = build(tmp_path, rows)
    base = values(path, "pop_15_64")
    assert "GM0002" not in base  # a missing age band would undercount: no sum at all
    assert base["WK000101"]["value"] is None and base["WK000101"]["status"] == "suppressed"
    rate = values(path, "bijstand_per_1000")
    assert "GM0002" not in rate
    assert rate["WK000101"]["value"] is None and rate["WK000101"]["status"] == "suppressed"


def test_a_provisional_part_makes_the_derived_figure_provisional(tmp_path):
    rows = count_rows()
    for r in rows:
        if r["indicator_id"] == "bijstand_persons" and r["region_code"] == "GM0001":
            r["status"] = "provisional"
    path = build(tmp_path, rows)
    assert values(path, "bijstand_per_1000")["GM0001"]["status"] == "provisional"
    assert values(path, "bijstand_per_1000")["WK000101"]["status"] == "final"


def test_counts_of_any_loader_yield_the_rate_and_a_reload_recomputes_it(tmp_path):
    rows = [r for r in count_rows() if not (r["indicator_id"] == "bijstand_persons" and r["region_code"] == "GM0001")]
    rows.append(obs("bijstand_per_1000", "GM0003", P, 61.0))  # a published rate without counts
    path = build(tmp_path, rows)
    assert "GM0001" not in values(path, "bijstand_per_1000")  # no count yet: nothing made up
    assert values(path, "bijstand_per_1000")["GM0003"]["value"] == 61.0  # kept as given

    def load_count(n: int) -> None:  # another loader brings the count; the base stays from the first
        publish(path, indicators=catalogue.load().to_frame(), sources=source_row("cbs:new"),
                observations=pl.DataFrame([obs("bijstand_persons", "GM0001", P, n, source_id="cbs:new")]))

    load_count(500)
    gm = values(path, "bijstand_per_1000")["GM0001"]
    assert gm["value"] == pytest.approx(1000 * 500 / 5000) and gm["source_id"] == "cbs:new"
    load_count(250)  # a reload of that source: the old rate goes with the old count
    gm = values(path, "bijstand_per_1000")["GM0001"]
    assert gm["value"] == pytest.approx(1000 * 250 / 5000)
    assert current_release(path).table("observations").filter(
        (pl.col("indicator_id") == "bijstand_per_1000") & (pl.col("region_code") == "GM0001")).height == 1


def test_derivations_run_in_dependency_order():
    order = [i for i, _ in derive.derivations(catalogue.load().to_frame())]
    assert order.index("pop_15_64") < order.index("bijstand_per_1000")
    assert {"ww_per_1000", "ao_per_1000"} <= set(order)


def test_a_frame_without_derivations_is_left_alone():
    frame = pl.DataFrame([obs("population", "GM0001", P, 10.0)])
    assert derive.apply(pl.DataFrame({"id": ["population"]}), frame).equals(frame)


def cat_file(tmp_path, *entries: tuple[str, str, str]) -> str:
    path = tmp_path / "c.toml"
    path.write_text("".join(indicator(i, x, unit=u) for i, u, x in entries), encoding="utf-8")
    return path


COUNT = 'source = { wsjg = { names = ["x"] } }'


@pytest.mark.parametrize("entries, expected", [
    ([("r", "per_1000", 'derive = { numerator = "nope", denominator = "b", scale = 1000 }'), ("b", "count", COUNT)],
     "entry 1 (r): derive.numerator 'nope' is not an indicator"),
    ([("r", "per_1000", 'derive = { numerator = "a", denominator = "b", scale = 1000 }'), ("a", "count", COUNT),
      ("b", "percent", COUNT)], "entry 1 (r): derive.denominator 'b' must be a count"),
    ([("r", "percent", 'derive = { numerator = "a", denominator = "b", scale = 1000 }'), ("a", "count", COUNT),
      ("b", "count", COUNT)], "entry 1 (r): a derivation times 1000 has unit 'per_1000', not 'percent'"),
    ([("r", "per_1000", 'derive = { numerator = "a", denominator = "b", scale = 10 }'), ("a", "count", COUNT),
      ("b", "count", COUNT)], "entry 1 (r): derive.scale must be 100 or 1000"),
    ([("s", "count", 'derive = { sum = ["a", "zz"] }'), ("a", "count", COUNT)],
     "entry 1 (s): derive.sum names 'zz', which is not an indicator"),
    ([("s", "count", 'derive = { sum = ["a", "s"] }'), ("a", "count", COUNT)], "'s' is derived from itself"),
    ([("r", "per_1000", 'derive = { numerator = "a", denominator = "b", scale = 1000 }\ndenominator = "a"'),
      ("a", "count", COUNT), ("b", "count", COUNT)], "denominator 'a' differs from derive.denominator 'b'"),
    ([("r", "per_1000", 'source = { cbs = { tables = ["1NED"], measure = "PersonenBijstand", unit = "aantal" } }')],
     "CBS publishes 'PersonenBijstand' in 'aantal', which cannot be stored as unit 'per_1000'"),
    ([("r", "count", 'source = { cbs = { tables = ["1NED"], measure = "M" } }')], "source.cbs needs the unit"),
    ([("r", "count", 'source = { cbs = { tables = ["1NED"], measure = "M", unit = "aantal", catalog = "x" } }')],
     "catalog 'x' is not one of"),
    ([("r", "count", 'rate_companion = "zz"\n' + COUNT)], "rate_companion 'zz' is not an indicator"),
    ([("r", "count", "")], "needs a 'source' (taken as published) or a 'derive'"),
])
def test_a_bad_derivation_or_unit_is_a_catalogue_error_naming_the_entry(tmp_path, entries, expected):
    with pytest.raises(CatalogueError) as err:
        catalogue.load(cat_file(tmp_path, *entries))
    assert expected in str(err.value)


def test_rate_companion_is_inferred_from_the_derivation_or_set_by_hand():
    frame = catalogue.load().to_frame()
    companion = dict(zip(frame["id"], frame["rate_companion"], strict=True))
    assert companion["bijstand_persons"] == "bijstand_per_1000"  # inferred
    assert companion["veilig_thuis_reports"] == "veilig_thuis_reports_per_1000"  # stated
    assert companion["pop_15_24"] is None
