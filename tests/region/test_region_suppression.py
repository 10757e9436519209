"""Suppression at region level: the region total, all members and their wijken are protected as one unit.

Without it a hidden member could be read back as the region total minus the shown members. The attack
check is tests/linear_attack.py (written apart from domain/secondary.py), over everything any member's
view publishes.
"""

from __future__ import annotations

import polars as pl
import pytest

from queries import Warehouse, protection
from queries import figures as q
from tests.conftest import obs, small_regions, source_row
from tests.linear_attack import KEYS, determined_cells, relations
from warehouse import catalogue
from warehouse.publication import publish

P, Q = "2024JJ00", "2023JJ00"
MEMBERS = ["GM0001", "GM0002", "GM0003"]
ALL = [*MEMBERS, "RG0001"]
# GM0003's 3 clients in 2024 are below the floor of 5; the wijken of GM0001 add up to it.
CLIENTS = {P: {"GM0001": 130, "GM0002": 200, "GM0003": 3, "WK000101": 60, "WK000102": 50, "WK000103": 20},
           Q: {"GM0001": 120, "GM0002": 180, "GM0003": 40, "WK000101": 55, "WK000102": 45, "WK000103": 20}}
PARENTS = {"WK000101": "GM0001", "WK000102": "GM0001", "WK000103": "GM0001"}


def build(path, *, region: bool = True, members=MEMBERS) -> Warehouse:
    rows = [obs("wmo_reg_clients", code, p, v) for p, by in CLIENTS.items() for code, v in by.items()]
    meta = {"demo": False, "gemeente": members[0], "members": members, "member_names": {m: m for m in members},
            "region": {"code": "RG0001", "name": "Regio Testland"} if region else None,
            "peers": {m: [o for o in MEMBERS if o != m] for m in members}}
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=pl.DataFrame(rows), meta=meta)
    return Warehouse.open(path)


def hidden(df: pl.DataFrame, period: str = P) -> set[str]:
    rows = df.filter(pl.col("period") == period) if "period" in df.columns else df
    return set(rows.filter(pl.col("value").is_null())["region_code"])


@pytest.fixture(scope="module")
def region_wh(tmp_path_factory):
    wh = build(tmp_path_factory.mktemp("regsup") / "wh")
    yield wh
    wh.close()


def test_the_region_total_is_there_before_suppression(region_wh):
    raw = region_wh.run("memberships").filter(pl.col("group_code") == "RG0001")
    assert sorted(raw["region_code"]) == MEMBERS
    df = q.figures(region_wh, ["wmo_reg_clients"], ["RG0001"], 2024)
    assert df.filter(pl.col("period") == Q)["value"].to_list() == [340]  # 120 + 180 + 40, nothing small


@pytest.mark.parametrize("member", MEMBERS)
def test_a_small_member_hides_a_second_cell_of_the_region_in_every_view(region_wh, member):
    wh = region_wh.for_member(member)
    assert wh.gemeente == member
    for df in (q.figures(wh, ["wmo_reg_clients"], ALL, 2024), q.series(wh, "wmo_reg_clients", ALL)):
        gone = hidden(df)
        assert "GM0003" in gone  # 3 clients: below the floor
        assert gone & {"RG0001", "GM0001", "GM0002"}, "GM0003 would be the region total minus the others"
        assert hidden(df, Q) == set()  # 2023 has no small cell


def test_every_view_hides_the_same_cells_whatever_it_asks(region_wh):
    seen = []
    for member in MEMBERS:
        wh = region_wh.for_member(member)
        # Each view asks for its own figure and the region's only, as a member page does.
        for df in (q.figures(wh, ["wmo_reg_clients"], [member, "RG0001"], 2024),
                   q.series(wh, "wmo_reg_clients", [member, "RG0001"])):
            seen.append(df.filter(pl.col("period") == P).select("region_code", "value"))
    both = pl.concat(seen).unique()
    # One answer per region code: a cell hidden in one view is hidden in all.
    assert both.group_by("region_code").len()["len"].max() == 1
    assert both.filter(pl.col("region_code") == "GM0003")["value"].to_list() == [None]


def test_no_hidden_cell_can_be_computed_from_all_views_together(region_wh):
    frames = []
    for member in MEMBERS:
        wh = region_wh.for_member(member)
        codes = [*ALL, *PARENTS]
        frames += [q.series(wh, "wmo_reg_clients", codes).select(*KEYS, "value")]
    published = pl.concat(frames).unique()
    shown = {tuple(r[:5]) for r in published.filter(pl.col("value").is_not_null()).iter_rows()}
    gone = {tuple(r[:5]) for r in published.filter(pl.col("value").is_null()).iter_rows()}
    assert gone and not shown & gone
    parents = {**PARENTS, **dict.fromkeys(MEMBERS, "RG0001")}
    rels = relations(published, parents, {"wmo_reg_clients"})
    assert any(total[1] == "RG0001" for total, _ in rels)  # the region = sum of members relation is there
    assert determined_cells(gone, rels) == []


def test_a_single_municipality_hides_as_before(tmp_path):
    # No region: every municipality is its own unit. GM0003 is hidden (primary) and nothing else, as
    # GM0003 has no wijken and no total above it.
    for wh in (build(tmp_path / "single", region=False, members=["GM0001"]),
               build(tmp_path / "national", region=False)):
        df = q.figures(wh, ["wmo_reg_clients"], MEMBERS, 2024)
        assert hidden(df) == {"GM0003"}
        assert df.filter((pl.col("region_code") == "GM0001") & (pl.col("period") == P))["value"].to_list() == [130]
        assert protection._units(wh)[1] == {}
        wh.close()


def test_a_figure_hidden_at_the_source_cannot_be_read_back_through_the_region(tmp_path):
    # GM0001's Wmo clients of product 02 are hidden at the source (as a registry load stores them); every
    # other figure is large. The region's total and its other categories must not give it back.
    cats = {"GM0001": (40, None, 50), "GM0002": (60, 70, 80), "GM0003": (30, 35, 45)}
    rows = []
    for gm, vs in cats.items():
        rows.append(obs("wmo_reg_clients", gm, P, sum(v or 25 for v in vs)))  # the categories add up (02: 25)
        rows += [obs("wmo_reg_clients", gm, P, v, breakdown="product", category=c,
                     status="suppressed" if v is None else "final") for c, v in zip(("01", "02", "03"), vs, strict=True)]
    meta = {"demo": False, "gemeente": "GM0001", "members": MEMBERS, "region": {"code": "RG0001", "name": "R"}}
    publish(tmp_path / "wh", indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=pl.DataFrame(rows), meta=meta)
    wh = Warehouse.open(tmp_path / "wh")
    frames = []
    for member in MEMBERS:
        view = wh.for_member(member)
        frames += [q.series(view, "wmo_reg_clients", ALL).select(*KEYS, "value"),
                   q.series(view, "wmo_reg_clients", ALL, breakdown="product").select(*KEYS, "value")]
    published = pl.concat(frames).unique()
    gone = {tuple(r[:5]) for r in published.filter(pl.col("value").is_null()).iter_rows()}
    assert ("wmo_reg_clients", "GM0001", P, "product", "02") in gone
    rels = relations(published, dict.fromkeys(MEMBERS, "RG0001"), {"wmo_reg_clients"})
    assert determined_cells(gone, rels) == []
    # The region's 02 is there as a hidden cell, not left out: an absent cell counts as a shown zero in the
    # sums (here and in the attack), so left out, region total - region 01 - region 03 would be a sum no
    # protection step sees.
    assert ("wmo_reg_clients", "RG0001", P, "product", "02") in gone
    wh.close()
