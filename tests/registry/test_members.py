"""Registry loads in a region: a load for one member never replaces another member's figures."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from etl import registry
from etl.registry import Extract, ExtractRefused
from etl.registry_members import merge_postcodes
from settings import Settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import current_release

from .test_registry import HEADER, NO_SUPPRESSION, REFERENCE, WMO, csv, value

HOME, OTHER = "GM9990", "GM9991"
PC_HOME = (b"postcode,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name\n"
           b"1000AA,BU99900101,Noord-West,WK999001,Noord,GM9990,Lindewaard\n"
           b"1000AB,BU99900102,Noord-Oost,WK999001,Noord,GM9990,Lindewaard\n"
           b"1001AA,BU99900201,Zuid,WK999002,Zuid,GM9990,Lindewaard\n")
PC_OTHER = (b"postcode,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name\n"
            b"2000AA,BU99910101,Dorp,WK999101,Dorp,GM9991,Eikenrode\n"
            b"2001AA,BU99910201,Heide,WK999102,Heide,GM9991,Eikenrode\n")
# Three Wmo clients of the other member in 2024.
WMO_OTHER = [
    "555555550,H5,1945-03-01,2000AA,,2024-01-10,2024-02-01,maatwerk,01,2024-02-15,2024-12-31,,ZIN,A,,100.00",
    "666666660,H6,1941-03-01,2000AA,,2024-01-10,2024-02-01,maatwerk,02,2024-02-15,,,ZIN,A,,100.00",
    "777777770,H7,1939-03-01,2001AA,,2024-01-10,2024-02-01,maatwerk,01,2024-03-15,,,ZIN,A,,100.00",
]
Y24 = "2024JJ00"


def region_warehouse(path: Path) -> Path:
    """An empty release of a region of two (Lindewaard home, Eikenrode), as the demo or h-etl writes it."""
    regions = pl.DataFrame([
        {"region_code": "NL01", "name": "Nederland", "level": "land", "parent_code": None, "gemeente_code": None},
        {"region_code": HOME, "name": "Lindewaard", "level": "gemeente", "parent_code": "NL01", "gemeente_code": HOME},
        {"region_code": OTHER, "name": "Eikenrode", "level": "gemeente", "parent_code": "NL01", "gemeente_code": OTHER},
    ])
    publish(path, indicators=catalogue_mod.load(None).to_frame(), regions=regions,
            meta={"gemeente": HOME, "gemeente_name": "Lindewaard", "members": [HOME, OTHER],
                  "member_names": {HOME: "Lindewaard", OTHER: "Eikenrode"},
                  "region": {"code": "RG0001", "name": "Regio Lindestroom"}})
    return path


def load(wh: Path, gemeente: str | None, rows: list[str], postcodes: bytes, law: str = "wmo"):
    s = Settings(warehouse=wh, store_url="", **NO_SUPPRESSION)
    return registry.load([Extract(law, f"{law}.csv", csv(rows, HEADER))], postcodes, gemeente=gemeente,
                         warehouse=wh, reference_date=REFERENCE, settings=s)


def observations(wh: Path) -> pl.DataFrame:
    return current_release(wh).table("observations")


def test_a_load_for_one_member_keeps_the_other_members_figures(tmp_path):
    wh = region_warehouse(tmp_path / "wh")
    load(wh, HOME, WMO, PC_HOME)
    assert value(observations(wh), "wmo_reg_clients", HOME, Y24) == 2
    load(wh, OTHER, WMO_OTHER, PC_OTHER)
    o = observations(wh)
    assert value(o, "wmo_reg_clients", OTHER, Y24) == 3
    assert value(o, "wmo_reg_clients", "WK999101", Y24) == 2
    assert value(o, "wmo_reg_clients", HOME, Y24) == 2  # the home member's figures survive B's load
    # The home member again, now with one client less in 2024: its figures are replaced, B's stay.
    load(wh, HOME, [r for r in WMO if not r.startswith("222222220")], PC_HOME)
    o = observations(wh)
    assert value(o, "wmo_reg_clients", HOME, Y24) == 1
    assert value(o, "wmo_reg_clients", OTHER, Y24) == 3
    assert value(o, "wmo_reg_clients", "WK999102", Y24) == 1
    sources = current_release(wh).table("sources")
    ids = set(sources["source_id"])
    assert {"registry:wmo", f"registry:{OTHER}:wmo"} <= ids  # the home's ids as in a single installation
    title = sources.filter(pl.col("source_id") == f"registry:{OTHER}:wmo")["title"][0]
    assert "Eikenrode" in title
    wijken = current_release(wh).table("regions").filter(pl.col("level") == "wijk")
    parents = dict(zip(wijken["region_code"], wijken["gemeente_code"], strict=True))
    assert parents == {"WK999001": HOME, "WK999002": HOME, "WK999101": OTHER, "WK999102": OTHER}


def test_a_member_gets_its_own_stapeling_and_provider_files(tmp_path):
    wh = region_warehouse(tmp_path / "wh")
    rows_b = [re.sub(r"maatwerk,0\d,", "maatwerk,bijstand,", r).replace("ZIN,A", ",A") for r in WMO_OTHER]
    s = Settings(warehouse=wh, store_url="", **NO_SUPPRESSION)
    registry.load([Extract("wmo", "wmo.csv", csv(WMO_OTHER)), Extract("participatie", "p.csv", csv(rows_b))],
                  PC_OTHER, gemeente=OTHER, warehouse=wh, reference_date=REFERENCE, settings=s)
    release = current_release(wh)
    ids = set(release.table("sources")["source_id"])
    assert f"registry:{OTHER}:stapeling" in ids and "registry:stapeling" not in ids
    files = {p.name for p in (release.path / "files").iterdir()}
    assert f"providers-{OTHER}-wmo.parquet" in files and "providers-wmo.parquet" not in files


def test_a_municipality_outside_the_region_is_refused(tmp_path):
    wh = region_warehouse(tmp_path / "wh")
    with pytest.raises(ExtractRefused) as refused:
        load(wh, "GM0363", WMO, PC_HOME)
    message = str(refused.value)
    assert "GM0363" in message and "GM9990 (Lindewaard)" in message and "GM9991 (Eikenrode)" in message
    assert current_release(wh).table("observations").height == 0  # nothing was loaded


def test_a_single_installation_loads_any_municipality_as_before(tmp_path):
    wh = tmp_path / "wh"
    load(wh, HOME, WMO, PC_HOME)
    assert current_release(wh).meta["gemeente"] == HOME
    assert "registry:wmo" in set(current_release(wh).table("sources")["source_id"])
    assert registry.stored_postcodes(wh) == PC_HOME  # kept as given


def test_the_postcode_table_holds_every_member_and_a_load_replaces_only_its_own_rows(tmp_path):
    wh = region_warehouse(tmp_path / "wh")
    load(wh, HOME, WMO, PC_HOME)
    load(wh, OTHER, WMO_OTHER, PC_OTHER)
    stored = pl.read_csv(io.BytesIO(registry.stored_postcodes(wh)), infer_schema=False)
    assert sorted(stored["postcode"]) == ["1000AA", "1000AB", "1001AA", "2000AA", "2001AA"]
    # The home member's new table drops a postcode: Eikenrode's rows stay.
    load(wh, HOME, WMO[:2], PC_HOME.replace(b"1000AB,BU99900102,Noord-Oost,WK999001,Noord,GM9990,Lindewaard\n", b""))
    stored = pl.read_csv(io.BytesIO(registry.stored_postcodes(wh)), infer_schema=False)
    assert sorted(stored["postcode"]) == ["1000AA", "1001AA", "2000AA", "2001AA"]
    # The next load for Eikenrode finds its wijken in the stored table (no --postcodes needed).
    load(wh, OTHER, WMO_OTHER[:1], registry.stored_postcodes(wh))
    assert value(observations(wh), "wmo_reg_clients", "WK999101", Y24) == 1
    assert value(observations(wh), "wmo_reg_clients", "WK999001", Y24) == 1  # the home's, untouched


def test_merge_postcodes_replaces_by_municipality():
    no_code = b"postcode,wijk_code\n2100AA,WK999103\n"
    merged = pl.read_csv(io.BytesIO(merge_postcodes(PC_HOME + PC_OTHER.split(b"\n", 1)[1], no_code,
                                                    gemeente=OTHER, home=HOME)), infer_schema=False)
    assert sorted(merged.filter(pl.col("gemeente_code") == OTHER)["postcode"]) == ["2100AA"]
    assert merged.filter(pl.col("gemeente_code") == HOME).height == 3
    assert merge_postcodes(None, PC_OTHER) == PC_OTHER
    assert merge_postcodes(PC_HOME, PC_HOME) == PC_HOME  # nothing else to keep: the new table as given


def test_save_postcodes_keeps_the_other_members_rows(tmp_path):
    wh = region_warehouse(tmp_path / "wh")
    registry.save_postcodes(wh, PC_HOME)
    registry.save_postcodes(wh, PC_OTHER)
    kept = pl.read_csv(wh / "postcodes.csv", infer_schema=False)
    assert kept.group_by("gemeente_code").len().sort("gemeente_code").rows() == [(HOME, 3), (OTHER, 2)]
    registry.save_postcodes(wh, PC_OTHER.split(b"\n", 2)[0] + b"\n" + PC_OTHER.split(b"\n", 2)[1] + b"\n")
    kept = pl.read_csv(wh / "postcodes.csv", infer_schema=False)
    assert kept.group_by("gemeente_code").len().sort("gemeente_code").rows() == [(HOME, 3), (OTHER, 1)]


def test_the_upload_signature_with_a_member_works(tmp_path):
    """The app's upload calls ``load(..., gemeente=<member>)`` with the stored table of all members."""
    wh = region_warehouse(tmp_path / "wh")
    registry.save_postcodes(wh, PC_HOME)
    registry.save_postcodes(wh, PC_OTHER)
    report = registry.load([Extract("wmo", "wmo.csv", csv(WMO_OTHER))], registry.stored_postcodes(wh),
                           gemeente=OTHER, warehouse=wh, reference_date=date(2025, 12, 31),
                           settings=Settings(warehouse=wh, store_url="", **NO_SUPPRESSION))
    assert report.observations > 0
    assert value(observations(wh), "wmo_reg_clients", OTHER, Y24) == 3
    assert value(observations(wh), "wmo_reg_clients", HOME, Y24) is None  # only Eikenrode was loaded


def test_each_member_reads_its_own_provider_table(demo_warehouse):
    """A member's page reads that member's provider file, not the home member's (same law, same year)."""
    from components import registry_view
    from queries import Warehouse

    wh = Warehouse.open(demo_warehouse)
    try:
        tables = {code: registry_view.provider_table(wh.for_member(code), "wmo", 2024, "ambtenaar")
                  for code in ("GM9990", "GM9992")}
    finally:
        wh.close()
    assert all(t is not None and t.height for t in tables.values())
    assert not tables["GM9990"].equals(tables["GM9992"])
