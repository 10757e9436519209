"""Region totals at publication: sums of counts and amounts, rates from numerators and denominators.

Hand-computed on three members (GM0001, GM0002, GM0003) of the region RG0001; every expected value below
is worked out in the comment next to it, never read back from the code under test.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import obs, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import current_release

P, Q = "2024JJ00", "2023JJ00"
MEMBERS = ["GM0001", "GM0002", "GM0003"]
REGION = {"code": "RG0001", "name": "Regio Testland"}
# (15-24, 25-44, 45-64, persons with bijstand) per member, for the derived bijstand_per_1000.
PARTS = {"GM0001": (900, 2000, 2100, 310), "GM0002": (3000, 7000, 7200, 600), "GM0003": (500, 1200, 1300, 90)}


def rows() -> list[dict]:
    out = []
    # A count: 130 + 200 + 70 = 400 in 2024; GM0002's figure is provisional, so the total is too.
    for gm, v in zip(MEMBERS, (130, 200, 70), strict=True):
        out.append(obs("wmo_reg_clients", gm, P, v, status="provisional" if gm == "GM0002" else "final"))
    # 2023: GM0003 has no figure, so no region total (a partial sum would mislead).
    out += [obs("wmo_reg_clients", "GM0001", Q, 120), obs("wmo_reg_clients", "GM0002", Q, 180)]
    # A breakdown cell: 50 + 60 + 10 = 120.
    for gm, v in zip(MEMBERS, (50, 60, 10), strict=True):
        out.append(obs("wmo_reg_clients", gm, P, v, breakdown="product", category="02"))
    # A wijk is not a member: its figure does not enter the sum.
    out.append(obs("wmo_reg_clients", "WK000101", P, 40))
    # Euro totals: 1.000.000 + 2.500.000 + 500.000 = 4.000.000; x 1.000 euro: 12.000 + 30.000 + 8.000 = 50.000.
    for gm, eur, k in zip(MEMBERS, (1_000_000, 2_500_000, 500_000), (12_000, 30_000, 8_000), strict=True):
        out += [obs("jeugd_reg_cost", gm, P, eur), obs("fin_wmo_lasten", gm, P, k)]
    # A percentage with its base: (10 x 1000 + 20 x 3000 + 5 x 1000) / 5000 = 75000 / 5000 = 15.0
    # (the average of the three rates would be 11.67). 2023: GM0002 has no base, so no region figure.
    for gm, pct, den in zip(MEMBERS, (10.0, 20.0, 5.0), (1000, 3000, 1000), strict=True):
        out.append(obs("pct_low_income_households", gm, P, pct, denominator=den))
        out.append(obs("pct_low_income_households", gm, Q, pct, denominator=None if gm == "GM0002" else den))
    # A rate without a base: never an average of rates, so no region figure.
    for gm, v in zip(MEMBERS, (60.0, 40.0, 52.0), strict=True):
        out.append(obs("wmo_clients_per_1000", gm, P, v))
    # The parts of the derived bijstand_per_1000 (pop_15_64 is itself the derived sum of three age bands).
    for gm, (a, b, c, bij) in PARTS.items():
        for ind, v in (("pop_15_24", a), ("pop_25_44", b), ("pop_45_64", c), ("bijstand_persons", bij)):
            out.append(obs(ind, gm, P, v))
    return out


def build(path, observations, *, region=REGION, regions=None, members=MEMBERS, more=None):
    meta = {"demo": False, "gemeente": members[0], "members": members,
            "member_names": {gm: gm for gm in members}, "region": region, **(more or {})}
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions() if regions is None else regions,
            sources=source_row(), observations=pl.DataFrame(observations), meta=meta)
    return current_release(path)


def cell(release, indicator, region, period=P, breakdown="", category=""):
    hit = release.table("observations").filter(
        (pl.col("indicator_id") == indicator) & (pl.col("region_code") == region) & (pl.col("period") == period)
        & (pl.col("breakdown") == breakdown) & (pl.col("category") == category))
    assert hit.height <= 1
    return hit.row(0, named=True) if hit.height else None


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return build(tmp_path_factory.mktemp("region") / "wh", rows())


def test_counts_and_amounts_are_summed_over_the_members(release):
    clients = cell(release, "wmo_reg_clients", "RG0001")
    assert clients["value"] == 400
    assert clients["status"] == "provisional"  # GM0002's figure is provisional
    assert clients["source_id"] == "region:RG0001"
    assert cell(release, "wmo_reg_clients", "RG0001", breakdown="product", category="02")["value"] == 120
    assert cell(release, "wmo_reg_clients", "RG0001", breakdown="product", category="02")["status"] == "final"
    assert cell(release, "jeugd_reg_cost", "RG0001")["value"] == 4_000_000
    assert cell(release, "jeugd_reg_cost", "RG0001")["status"] == "final"
    assert cell(release, "fin_wmo_lasten", "RG0001")["value"] == 50_000


def test_a_member_missing_a_cell_leaves_the_region_cell_out(release):
    assert cell(release, "wmo_reg_clients", "RG0001", period=Q) is None
    assert cell(release, "pct_low_income_households", "RG0001", period=Q) is None  # a base missing


def test_a_rate_is_weighted_by_its_base_and_never_averaged(release):
    pct = cell(release, "pct_low_income_households", "RG0001")
    assert pct["value"] == pytest.approx(15.0)
    assert pct["denominator"] == 5000
    assert cell(release, "wmo_clients_per_1000", "RG0001") is None  # no base: no region figure


def test_a_derived_rate_comes_from_the_summed_counts(release):
    # pop_15_64: 5000 + 17200 + 3000 = 25200; bijstand: 310 + 600 + 90 = 1000; 1000 / 25200 x 1000 = 39.68
    # (the average of the members' rates 62.0, 34.88 and 30.0 would be 42.3).
    assert cell(release, "pop_15_64", "RG0001")["value"] == 25200
    rate = cell(release, "bijstand_per_1000", "RG0001")
    assert rate["value"] == pytest.approx(1000 / 25200 * 1000)
    assert rate["denominator"] == 25200
    assert rate["source_id"] == "region:RG0001"


def test_the_region_is_in_the_regions_memberships_and_sources(release):
    reg = release.table("regions").filter(pl.col("region_code") == "RG0001").row(0, named=True)
    assert (reg["name"], reg["level"], reg["parent_code"], reg["gemeente_code"]) == (
        "Regio Testland", "regio", "NL01", None)
    mem = release.table("memberships").filter(pl.col("group_code") == "RG0001")
    assert sorted(mem["region_code"]) == MEMBERS and set(mem["level"]) == {"regio"}
    src = release.table("sources").filter(pl.col("source_id") == "region:RG0001")
    assert src.height == 1 and "Regio Testland" in src["title"][0]
    # The members' own figures are untouched.
    assert cell(release, "wmo_reg_clients", "GM0002")["value"] == 200


def test_every_publish_rebuilds_the_totals(tmp_path):
    path = tmp_path / "wh"
    build(path, rows())
    # A new load of one member's figures (the same source again) changes the region total, once.
    changed = [dict(r, value=230) if (r["indicator_id"], r["region_code"], r["period"], r["breakdown"]) ==
               ("wmo_reg_clients", "GM0001", P, "") else r for r in rows()]
    later = publish(path, indicators=catalogue.load().to_frame(), sources=source_row(),
                    observations=pl.DataFrame(changed), meta={})
    assert cell(later, "wmo_reg_clients", "RG0001")["value"] == 230 + 200 + 70
    assert later.table("sources").filter(pl.col("source_id") == "region:RG0001").height == 1


def test_without_a_region_or_with_one_member_nothing_is_added(tmp_path):
    single = build(tmp_path / "one", [r for r in rows() if r["region_code"] == "GM0001"], region=None,
                   members=["GM0001"])
    assert single.table("observations").filter(pl.col("source_id").str.starts_with("region:")).is_empty()
    assert single.table("regions").filter(pl.col("level") == "regio").is_empty()
    assert single.table("memberships").filter(pl.col("level") == "regio").is_empty()
    # Several members without a region (a national installation): no totals either.
    national = build(tmp_path / "nat", rows(), region=None)
    assert national.table("observations").filter(pl.col("source_id").str.starts_with("region:")).is_empty()


def test_dropping_the_region_drops_its_totals(tmp_path):
    path = tmp_path / "wh"
    build(path, rows())
    later = publish(path, indicators=catalogue.load().to_frame(), meta={"region": None})
    assert later.table("observations").filter(pl.col("source_id").str.starts_with("region:")).is_empty()
    assert later.table("memberships").filter(pl.col("level") == "regio").is_empty()


def test_a_figure_the_region_code_already_has_is_kept(tmp_path):
    regions = pl.concat([small_regions(), pl.DataFrame(
        [("JZ13", "Jeugdregio Test", "jeugdregio", "NL01", None)],
        schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")])
    published = [obs("wmo_reg_clients", "JZ13", P, 999.0)]  # e.g. a CBS figure for the youth region
    release = build(tmp_path / "wh", rows() + published, region={"code": "JZ13", "name": "Jeugdregio Test"},
                    regions=regions)
    kept = cell(release, "wmo_reg_clients", "JZ13")
    assert (kept["value"], kept["source_id"]) == (999.0, "test")
    assert cell(release, "jeugd_reg_cost", "JZ13")["value"] == 4_000_000  # the others are computed
    reg = release.table("regions").filter(pl.col("region_code") == "JZ13").row(0, named=True)
    assert reg["level"] == "jeugdregio"  # the existing row stays
    mem = release.table("memberships").filter(pl.col("group_code") == "JZ13")
    assert sorted(mem["region_code"]) == MEMBERS and set(mem["level"]) == {"regio"}


def test_a_hidden_member_figure_hides_the_region_figure_and_an_absent_one_is_zero(tmp_path):
    more = []
    # Category 03: GM0002's figure is hidden at the source, so the region's is hidden, not left out
    # (left out, the region's total minus its other categories would give the sum back).
    for gm, v in zip(MEMBERS, (7, None, 9), strict=True):
        more.append(obs("wmo_reg_clients", gm, P, v, breakdown="product", category="03",
                        status="suppressed" if v is None else "final"))
    # Category 04: GM0003 has wmo_reg_clients in 2024 but no row here (nobody counted): 11 + 12 + 0 = 23.
    more += [obs("wmo_reg_clients", "GM0001", P, 11, breakdown="product", category="04"),
             obs("wmo_reg_clients", "GM0002", P, 12, breakdown="product", category="04")]
    release = build(tmp_path / "wh", rows() + more)
    hidden = cell(release, "wmo_reg_clients", "RG0001", breakdown="product", category="03")
    assert (hidden["value"], hidden["status"]) == (None, "suppressed")
    assert cell(release, "wmo_reg_clients", "RG0001", breakdown="product", category="04")["value"] == 23
    # GM0003 has no wmo_reg_clients at all in 2023: the region's cells of that year stay out (tested above).
    assert cell(release, "wmo_reg_clients", "RG0001", period=Q) is None


def test_a_published_rate_takes_its_catalogue_base_from_the_members(tmp_path):
    """Wmo clients per 1.000 inhabitants as CBS publishes it (no base in the row; the catalogue names
    ``population``): (60 x 1000 + 40 x 3000 + 52 x 1000) / 5000 = 232000 / 5000 = 46.4 on 5000 inhabitants
    (the average of the three rates would be 50.7). In 2023 GM0003's inhabitants are missing: no figure."""
    rows_ = []
    for gm, rate, pop in zip(MEMBERS, (60.0, 40.0, 52.0), (1000, 3000, 1000), strict=True):
        rows_ += [obs("wmo_clients_per_1000", gm, P, rate), obs("population", gm, P, pop),
                  obs("wmo_clients_per_1000", gm, Q, rate)]
        if gm != "GM0003":
            rows_.append(obs("population", gm, Q, pop))
    release = build(tmp_path / "wh", rows_)
    rate = cell(release, "wmo_clients_per_1000", "RG0001")
    assert rate["value"] == pytest.approx(46.4) and rate["denominator"] == 5000
    assert cell(release, "population", "RG0001")["value"] == 5000
    assert cell(release, "wmo_clients_per_1000", "RG0001", period=Q) is None
