"""Iv3 rows to spending per law: the taakveld mapping per year, reserves and internal charges left out,
begroting against realisatie, the national sum and per-inhabitant figures."""

from __future__ import annotations

import polars as pl
import pytest

from etl import iv3
from queries import Warehouse, finance
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import WarehouseError

REPORTS = {"2022X000  ": "Begroting 2022", "2022X005  ": "Jaarrekening 2022", "2022K001  ": "Kwartaal 1 2022",
           "2024X000  ": "Begroting 2024", "2024X005  ": "Jaarrekening 2024"}


def _rows(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=list(iv3.LONG_SCHEMA), orient="row")


def test_mapping_file_of_the_repository_maps_both_taakveld_lists():
    m = iv3.load_mapping()
    assert m.taakvelden(2022)["6.72"] == "jeugd" and "6.72a" not in m.taakvelden(2022)
    assert m.taakvelden(2024)["6.72a"] == "jeugd" and m.taakvelden(2024)["6.81b"] == "wmo"
    assert "6.72" not in m.taakvelden(2024)
    assert m.exclude == {"7.1", "7.5"}


def test_shape_maps_taakvelden_per_year_and_leaves_out_reserves_and_internal_charges():
    m = iv3.load_mapping()
    long = _rows([
        # 2022: taakveld 6.72 is youth; 6.72a does not exist yet and is not counted.
        ("GM0001  ", "6.72  ", "L4.3.8  ", "2022X005  ", 1000.0),
        ("GM0001  ", "6.72  ", "L7.1    ", "2022X005  ", 400.0),   # reserve mutation: out
        ("GM0001  ", "6.72  ", "L7.5    ", "2022X005  ", 300.0),   # internal charge: out
        ("GM0001  ", "6.72a ", "L4.3.8  ", "2022X005  ", 999.0),
        ("GM0001  ", "6.72  ", "B3.4.2  ", "2022X005  ", 50.0),
        ("GM0001  ", "6.72  ", "L4.3.8  ", "2022X000  ", 900.0),
        ("GM0001  ", "6.72  ", "L4.3.8  ", "2022K001  ", 250.0),   # quarterly report: not used
        ("GM0001  ", "0.10  ", "L7.1    ", "2022X005  ", 5000.0),  # taakveld mutaties reserves: not mapped
        ("GM0002  ", "6.72  ", "L4.3.8  ", "2022X005  ", 500.0),
        # 2024: the sub-taakvelden count, both go to youth.
        ("GM0001  ", "6.72a ", "L4.3.8  ", "2024X005  ", 700.0),
        ("GM0001  ", "6.73b ", "L3.8    ", "2024X005  ", 600.0),
        ("GM0001  ", "6.71a ", "L4.3.8  ", "2024X005  ", 200.0),
    ])
    obs = iv3.shape(long, REPORTS, 2022, m, "cbs:TEST")
    val = {(r["indicator_id"], r["region_code"], r["period"], r["breakdown"], r["category"]): r["value"]
           for r in obs.iter_rows(named=True)}
    assert val[("fin_jeugd_lasten", "GM0001", "2022JJ00", "", "")] == 1000
    assert val[("fin_jeugd_baten", "GM0001", "2022JJ00", "", "")] == 50
    assert val[("fin_jeugd_lasten_begroting", "GM0001", "2022JJ00", "", "")] == 900
    assert val[("fin_jeugd_lasten", "NL01", "2022JJ00", "", "")] == 1500  # the sum of every municipality
    assert val[("fin_jeugd_lasten", "GM0001", "2024JJ00", "", "")] == 1300
    assert val[("fin_jeugd_lasten", "GM0001", "2024JJ00", "taakveld", "6.73b")] == 600
    assert val[("fin_wmo_lasten", "GM0001", "2024JJ00", "", "")] == 200
    assert not [k for k in val if k[2] == "2022JJ00" and k[4] == "6.72a"]
    assert set(obs["status"]) == {"final"} and set(obs["source_id"]) == {"cbs:TEST"}


def test_mapping_with_a_taakveld_and_its_sub_taakveld_is_refused(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text('[groups]\njeugd = { law = "jeugd", label = "Jeugd" }\n'
                    '[[period]]\nfrom = 2023\ntaakvelden = { "6.72" = "jeugd", "6.72a" = "jeugd" }\n', encoding="utf-8")
    with pytest.raises(WarehouseError, match="taakveld 6.72 staat er samen met 6.72a"):
        iv3.load_mapping(path)


def test_report_kind_reads_begroting_and_jaarrekening():
    assert iv3.report_kind("Begroting 2025", 2025) == ("begroting", 2025)
    assert iv3.report_kind("Jaarrekening 2023", 2025) == ("realisatie", 2023)
    assert iv3.report_kind("Kwartaal 2 2025", 2025) is None


def test_published_iv3_gives_spending_per_inhabitant_and_begroting_against_realisatie(tmp_path):
    m = iv3.load_mapping()
    long = _rows([("GM0001", "6.72", "L4.3.8", "2022X005", 2000.0), ("GM0001", "6.72", "L4.3.8", "2022X000", 1800.0),
                  ("GM0002", "6.72", "L4.3.8", "2022X005", 3000.0), ("GM0003", "6.72", "L4.3.8", "2022X005", 1.0),
                  ("GM0001", "6.72a", "L4.3.8", "2024X000", 2200.0)])
    obs = iv3.shape(long, REPORTS, 2022, m, "cbs:TEST").filter(pl.col("region_code") != "GM0003")
    wh_path = tmp_path / "wh"
    pop = pl.DataFrame([{"indicator_id": "population", "region_code": c, "period": "2022JJ00", "value": v,
                         "status": "final", "source_id": "pop"} for c, v in
                        (("GM0001", 40000.0), ("GM0002", 50000.0), ("NL01", 90000.0))])
    publish(wh_path, indicators=catalogue.load().to_frame(), observations=pop,
            sources=pl.DataFrame([iv3.source_row("pop", "Inwoners", "", "", "", "", 3)]),
            regions=pl.DataFrame([{"region_code": c, "name": n, "level": "land" if c == "NL01" else "gemeente",
                                   "boundary_year": 2022} for c, n in
                                  (("NL01", "Nederland"), ("GM0001", "Eendorp"), ("GM0002", "Tweestad"))]),
            meta={"demo": False, "gemeente": "GM0001", "peers": ["GM0002"]})
    iv3.publish_iv3(wh_path, obs, {"GM0001": "Iv3-naam", "GM0002": "Iv3-naam"},
                    [iv3.source_row("cbs:TEST", "Gemeenten 2022 onbewerkte Iv3-data", "TEST", "", "", "", obs.height)])
    wh = Warehouse.open(wh_path)
    df = finance.per_inhabitant(wh, ["fin_jeugd_lasten", "fin_jeugd_lasten_begroting"], ["GM0001", "GM0002", "NL01"])
    got = {(r["indicator_id"], r["region_code"]): r["value"] for r in df.iter_rows(named=True) if r["year"] == 2022}
    # A budget for a year without a population figure yet is divided by the latest one before it.
    later = df.filter((pl.col("year") == 2024) & (pl.col("region_code") == "GM0001"))
    assert later["value"].to_list() == [pytest.approx(55.0)]  # 2,200 x 1,000 / 40,000 (2022)
    assert got[("fin_jeugd_lasten", "GM0001")] == pytest.approx(50.0)  # 2,000 x 1,000 euro / 40,000
    assert got[("fin_jeugd_lasten_begroting", "GM0001")] == pytest.approx(45.0)
    assert got[("fin_jeugd_lasten", "GM0002")] == pytest.approx(60.0)
    # The nation is the sum of every municipality in the table, also those outside the scope.
    assert got[("fin_jeugd_lasten", "NL01")] == pytest.approx(5001 * 1000 / 90000)
    assert "GM0003" not in set(df["region_code"])
    # Regions the release already holds keep their own row (name, boundary year).
    regions = wh.run("regions").filter(pl.col("region_code") == "GM0002")
    assert regions["name"].to_list() == ["Tweestad"] and regions["boundary_year"].to_list() == [2022]
