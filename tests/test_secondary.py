"""Secondary suppression on hand-made frames: each relation on its own, their combination, the exact
check, links between indicators, and rates in the query layer."""

from __future__ import annotations

import numpy as np
import polars as pl

from domain import disclosure, secondary
from queries import Warehouse, protection
from queries import figures as q
from tests.conftest import obs, small_regions, source_row
from tests.linear_attack import KEYS, determined_cells, relations
from warehouse import catalogue
from warehouse.publication import publish

IND = catalogue.load().to_frame()
ADDITIVE = secondary.additive_ids(IND)
PARENTS = {"WK000101": "GM0001", "WK000102": "GM0001", "WK000103": "GM0001",
           "BU00010101": "WK000101", "BU00010102": "WK000101"}


def cells(rows: list[tuple]) -> pl.DataFrame:
    """(indicator, region, period, breakdown, category, value); None is a cell already hidden."""
    df = pl.DataFrame(rows, schema=[*KEYS, "value"], orient="row").with_columns(pl.col("value").cast(pl.Float64))
    status = pl.when(pl.col("value").is_null()).then(pl.lit("suppressed")).otherwise(pl.lit("final"))
    return df.with_columns(status=status)


def protect(df: pl.DataFrame) -> pl.DataFrame:
    parents = pl.DataFrame({"region_code": list(PARENTS), "parent_code": list(PARENTS.values())})
    return secondary.protect(df, IND, parents)


def hidden(df: pl.DataFrame) -> set[tuple]:
    return {tuple(r) for r in df.filter(pl.col("value").is_null()).select(KEYS).iter_rows()}


def assert_safe(df: pl.DataFrame) -> None:
    """No hidden cell can be worked out from the shown ones (the independent attack of the audit)."""
    assert not determined_cells(hidden(df), relations(df, PARENTS, ADDITIVE))


def test_a_year_minus_its_shown_quarters_no_longer_gives_the_hidden_quarter():
    # The finding: inflow 21 in a year with quarters 5, 7, [3], 6, so Q3 = 21 - 5 - 7 - 6.
    df = cells([("jeugd_reg_inflow", "WK000101", "2023JJ00", "", "", 21),
                *[("jeugd_reg_inflow", "WK000101", f"2023KW0{i}", "", "", v) for i, v in ((1, 5), (2, 7), (3, None),
                                                                                        (4, 6))]])
    out = protect(df)
    # The smallest shown quarter goes with it; the year (a total) stays.
    assert out["value"].to_list() == [21, None, 7, None, 6]
    assert out["status"].to_list()[1] == "suppressed"
    assert_safe(out)


def test_half_years_add_up_to_the_year_and_are_made_of_quarters():
    rows = [("bijstand_reg_inflow", "GM0001", "2024JJ00", "", "", 40),
            ("bijstand_reg_inflow", "GM0001", "2024HJ01", "", "", 24),
            ("bijstand_reg_inflow", "GM0001", "2024HJ02", "", "", 16)]
    rows += [("bijstand_reg_inflow", "GM0001", f"2024KW0{i}", "", "", v) for i, v in enumerate((20, None, 9, 7), 1)]
    out = protect(cells(rows))
    # Q2 (4) hidden: the first half year (24 = 20 + Q2) needs its other quarter too, and the year
    # then holds two hidden quarters; the half years themselves stay.
    assert {k[2] for k in hidden(out)} == {"2024KW01", "2024KW02"}
    assert_safe(out)


def test_months_quarters_and_years_are_protected_together():
    # Months of Q1: 20, [2], 8 -> a second month of that quarter is hidden; then the year's sums hold
    # two hidden months but no hidden quarter, which is safe.
    rows = [("wmo_reg_inflow", "GM0001", "2025JJ00", "", "", 120)]
    rows += [("wmo_reg_inflow", "GM0001", f"2025KW0{i}", "", "", 30) for i in range(1, 5)]
    months = [20, None, 8] + [10] * 9
    rows += [("wmo_reg_inflow", "GM0001", f"2025MM{m:02d}", "", "", v) for m, v in enumerate(months, 1)]
    out = protect(cells(rows))
    gone = {k[2] for k in hidden(out)}
    assert gone == {"2025MM02", "2025MM03"}  # the smallest other month of the same quarter
    assert_safe(out)


def test_buurten_wijken_and_the_municipality():
    rows = [("wmo_reg_clients", "GM0001", "2024JJ00", "", "", 300),
            ("wmo_reg_clients", "WK000101", "2024JJ00", "", "", 100),
            ("wmo_reg_clients", "WK000102", "2024JJ00", "", "", 120),
            ("wmo_reg_clients", "WK000103", "2024JJ00", "", "", 80),
            ("wmo_reg_clients", "BU00010101", "2024JJ00", "", "", None),
            ("wmo_reg_clients", "BU00010102", "2024JJ00", "", "", 97)]
    out = protect(cells(rows))
    # A wijk with two buurten: hiding one buurt means hiding the other (the wijk is their total and
    # there is no other part), and the wijk stays as it is a part that need not go.
    assert hidden(out) == {("wmo_reg_clients", b, "2024JJ00", "", "") for b in ("BU00010101", "BU00010102")}
    assert_safe(out)


def test_categories_and_their_total():
    rows = [("wmo_reg_requests", "GM0001", "2024JJ00", "", "", 60)]
    rows += [("wmo_reg_requests", "GM0001", "2024JJ00", "route", c, v)
             for c, v in (("maatwerk", 30), ("afgewezen", None), ("eigen_netwerk", 11), ("algemene_voorziening", 16))]
    out = protect(cells(rows))
    assert {r[4] for r in hidden(out)} == {"afgewezen", "eigen_netwerk"}  # 11: the smallest other part
    assert_safe(out)


def test_a_wijk_quarter_is_also_part_of_the_municipality_quarter():
    # One hidden cell: wijk Zuid in Q2. The wijk's year and the municipality's Q2 both need a second
    # hidden cell, and those in turn need a fourth: a rectangle of hidden cells, no total touched.
    rows = []
    wijken = {"WK000101": [40, 42, 41, 43], "WK000102": [12, 3, 9, 11], "WK000103": [30, 31, 29, 28]}
    for w, qs in wijken.items():
        rows.append(("wmo_reg_inflow", w, "2024JJ00", "", "", sum(qs)))
        rows += [("wmo_reg_inflow", w, f"2024KW0{i}", "", "", None if v == 3 else v) for i, v in enumerate(qs, 1)]
    rows.append(("wmo_reg_inflow", "GM0001", "2024JJ00", "", "", sum(sum(v) for v in wijken.values())))
    rows += [("wmo_reg_inflow", "GM0001", f"2024KW0{i}", "", "", sum(v[i - 1] for v in wijken.values()))
             for i in range(1, 5)]
    out = protect(cells(rows))
    gone = hidden(out)
    assert len(gone) == 4 and all(k[2] != "2024JJ00" and k[1] != "GM0001" for k in gone)
    assert ("wmo_reg_inflow", "WK000102", "2024KW03", "", "") in gone  # 9: the smallest other quarter
    assert_safe(out)


def test_the_exact_check_catches_what_one_hidden_cell_per_sum_misses():
    # Three sums with two hidden cells each, yet x, y and z are all fixed by them together:
    # t0 = x + y, x = z + s1, y = z + s2  (t0, s1, s2 shown).
    values = np.array([50.0, np.nan, np.nan, np.nan, 7.0, 9.0])  # t0, x, y, z, s1, s2
    rel = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    cid = np.array([0, 1, 2, 1, 3, 4, 2, 3, 5])
    total = np.array([True, False, False, True, False, False, True, False, False])
    before = np.isnan(values)
    assert disclosure.determined(rel, cid, total, before)  # the fixed point alone would stop here
    after = disclosure.hide_more(values, before, rel, cid, total)
    assert after.tolist() == [False, True, True, True, True, False]  # s1 (7), the smaller part, goes
    assert not disclosure.determined(rel, cid, total, after)


def test_households_with_several_laws_are_the_sum_of_their_combinations():
    rows = [("stapeling_households", "GM0001", "2024JJ00", "", "", 400),
            ("stapeling_households_multi", "GM0001", "2024JJ00", "", "", 40)]
    rows += [("stapeling_households", "GM0001", "2024JJ00", "laws", c, v)
             for c, v in (("wmo", 200), ("jeugd", 100), ("participatie", 60), ("jeugd+wmo", 20),
                          ("participatie+wmo", 16), ("jeugd+participatie+wmo", None))]
    out = protect(cells(rows))
    # multi = 40 = 20 + 16 + hidden: a second combination must go, not just any category.
    assert {k[4] for k in hidden(out)} == {"jeugd+participatie+wmo", "participatie+wmo"}
    assert_safe(out)


def test_a_catalogue_sum_of_counts_and_a_derived_rate():
    # derive = { sum = [...] } and derive = { numerator, denominator } as the catalogue writes them.
    ind = pl.DataFrame({"id": ["a", "b", "total", "rate"], "unit": ["count", "count", "count", "per_1000"],
                        "denominator_id": [None, None, None, "total"], "source_json": ["{}"] * 4,
                        "derive_json": [None, None, '{"sum": ["a", "b"]}',
                                        '{"numerator": "a", "denominator": "total", "scale": 1000}']})
    df = cells([("total", "GM0001", "2024JJ00", "", "", 40), ("a", "GM0001", "2024JJ00", "", "", 37),
                ("b", "GM0001", "2024JJ00", "", "", None)])
    out = secondary.protect(df, ind)
    assert out["value"].to_list() == [40, None, None]  # 40 - 37 would give b: a goes, the total stays
    assert not determined_cells(hidden(out), relations(out, PARENTS, {"a", "b", "total"}, {"total": ["a", "b"]}))
    assert secondary.numerators(ind) == {"rate": "a"}
    assert secondary.groups({"a"}, secondary.links(ind)) == [{"a", "b", "total"}]


def test_percentages_take_no_part_and_months_of_an_old_year_do_not_add_up():
    rows = [("wmo_reg_pgb_share", "GM0001", "2024JJ00", "", "", 12.0),
            ("wmo_reg_pgb_share", "GM0001", "2024KW01", "", "", None),
            # Months published only for the last 13 months: 2024MM12 is not "the whole of 2024".
            ("wmo_reg_inflow", "GM0001", "2024JJ00", "", "", 300),
            ("wmo_reg_inflow", "GM0001", "2024MM12", "", "", None),
            *[("wmo_reg_inflow", "GM0001", f"2025MM{m:02d}", "", "", 25) for m in range(1, 13)],
            ("wmo_reg_inflow", "GM0001", "2025JJ00", "", "", 300)]
    out = protect(cells(rows))
    assert hidden(out) == {("wmo_reg_pgb_share", "GM0001", "2024KW01", "", ""),
                           ("wmo_reg_inflow", "GM0001", "2024MM12", "", "")}


def test_a_rate_is_hidden_where_its_count_or_base_is(tmp_path):
    rows = []
    for w, clients, pop in (("WK000101", 120, 2000), ("WK000102", 3, 400), ("WK000103", 45, 1500)):
        rows += [obs("wmo_clients", w, "2024JJ00", clients), obs("population", w, "2024JJ00", pop),
                 obs("wmo_clients_per_1000", w, "2024JJ00", 1000 * clients / pop)]
    rows += [obs("wmo_clients", "GM0001", "2024JJ00", 168), obs("population", "GM0001", "2024JJ00", 3900),
             obs("wmo_clients_per_1000", "GM0001", "2024JJ00", 1000 * 168 / 3900)]
    publish(tmp_path / "wh", indicators=IND, regions=small_regions(), sources=source_row(),
            observations=pl.DataFrame(rows), meta={"demo": False, "gemeente": "GM0001"})
    wh = Warehouse.open(tmp_path / "wh")
    try:
        rates = q.wijk_values(wh, "wmo_clients_per_1000", 2024)
        by_region = dict(zip(rates["region_code"], rates["value"], strict=True))
        # Zuid's 3 clients are hidden, and Oost's 45 with them: 7.5 per 1,000 of 400 people would give
        # the 3 back, 30 per 1,000 of 1,500 the 45. Their base is not shown either.
        assert by_region["WK000102"] is None and by_region["WK000103"] is None
        assert by_region["WK000101"] == 60.0
        assert rates.filter(pl.col("value").is_null())["denominator"].null_count() == 2
    finally:
        wh.close()


def test_municipalities_protected_in_one_run_hide_what_each_hides_alone():
    # GM0002 publishes every month of 2024, one of them hidden; GM0001 only the year and one hidden month.
    gm2 = [("wmo_reg_inflow", "GM0002", "2024JJ00", "", "", 300),
           *[("wmo_reg_inflow", "GM0002", f"2024MM{m:02d}", "", "", None if m == 5 else 20 + m) for m in range(1, 13)]]
    gm1 = [("wmo_reg_inflow", "GM0001", "2024JJ00", "", "", 150),
           ("wmo_reg_inflow", "GM0001", "2024MM03", "", "", None),
           ("wmo_reg_inflow", "WK000101", "2024JJ00", "", "", 90),
           ("wmo_reg_inflow", "WK000102", "2024JJ00", "", "", 60)]
    both = pl.concat([cells(gm1).with_columns(gemeente=pl.lit("GM0001")),
                      cells(gm2).with_columns(gemeente=pl.lit("GM0002"))])
    alone = hidden(protect(cells(gm1))) | hidden(protect(cells(gm2)))
    parents = pl.DataFrame({"region_code": list(PARENTS), "parent_code": list(PARENTS.values())})
    together = secondary.protect(both, IND, parents, partition="gemeente")
    assert hidden(together) == alone
    assert together.columns == both.columns and together.height == both.height
    # GM0002's smallest shown month goes with its hidden one; GM0001's year stays: its months are not
    # all published, so the year is not their sum there.
    assert ("wmo_reg_inflow", "GM0002", "2024MM01", "", "") in alone
    assert ("wmo_reg_inflow", "GM0001", "2024JJ00", "", "") not in alone
    # Without the partition GM0002's months would make GM0001's year "complete" and hide it too.
    assert ("wmo_reg_inflow", "GM0001", "2024JJ00", "", "") in hidden(secondary.protect(both.drop("gemeente"), IND,
                                                                                          parents))


def test_the_query_layer_protects_many_pairs_in_one_run_as_each_alone(demo_warehouse):
    batch, single = Warehouse.open(demo_warehouse), Warehouse.open(demo_warehouse)
    try:
        cat = q.catalogue(batch)
        groups = [frozenset(g) for g in secondary.groups(secondary.additive_ids(cat), secondary.links(cat))]
        gemeenten = [batch.gemeente, *batch.peers[:2]]
        pairs = [(g, gm) for g in groups for gm in gemeenten]
        together = protection._protected_many(batch, pairs)
        assert sum(f.height for f in together) > 100  # there is something to compare
        for (g, gm), frame in zip(pairs, together, strict=True):
            assert set(frame.iter_rows()) == set(protection._protected(single, g, gm).iter_rows()), (sorted(g), gm)
            assert frame.height == frame.unique().height
    finally:
        batch.close()
        single.close()


def test_one_part_of_a_sum_is_protected_with_every_other_part():
    link_list = secondary.links(IND)
    whole = {i: g for g in secondary.groups(ADDITIVE, link_list) for i in g}
    # pop_15_64 = pop_15_24 + pop_25_44 + pop_45_64: a page asking for one age group alone protects all four.
    assert {"pop_15_24", "pop_25_44", "pop_45_64", "pop_15_64"} <= whole["pop_45_64"]
    for i in sorted(ADDITIVE):
        assert secondary.groups({i}, link_list) == [whole[i]], i


def test_the_same_cells_hide_the_same_way_whatever_order_they_come_in():
    """Ties (equal values) are broken by the cells' keys, not by the order a loader produced them in: two
    releases of the same figures must hide the same cells, or together they could give a hidden one back."""
    rows = [("wmo_reg_clients", "GM0001", f"2024KW0{q}", "", "", 60) for q in range(1, 5)]
    rows += [("wmo_reg_clients", "GM0001", "2024JJ00", "", "", 240)]
    rows += [("wmo_reg_clients", w, f"2024KW0{q}", "", "", None if (w, q) == ("WK000102", 2) else 20)
             for w in ("WK000101", "WK000102", "WK000103") for q in range(1, 5)]
    rows += [("wmo_reg_clients", w, "2024JJ00", "", "", 80) for w in ("WK000101", "WK000102", "WK000103")]
    df = cells(rows)
    first = protect(df)
    assert len(hidden(first)) > 1  # ties had to be broken
    rng = np.random.default_rng(7)
    for _ in range(8):
        shuffled = df[rng.permutation(df.height).tolist()]
        out = protect(shuffled)
        assert out.select(KEYS).equals(shuffled.select(KEYS))  # rows come back in the order given
        assert hidden(out) == hidden(first)
    assert_safe(first)
