"""Region membership from CBS "Gebieden in Nederland" through the fake CBS server, and the peer
groups on Vergelijken that it makes possible."""

from __future__ import annotations

import polars as pl
import pytest

from etl import gebieden
from etl.__main__ import main
from queries import Warehouse
from queries import comparison as cmp
from tests.cbs.conftest import pad
from tests.cbs.fakecbs import V3Table
from tests.conftest import source_row
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release

# gemeente, name, (arbeidsmarktregio), (COROP), (COROP-subgebied), (jeugdregio), (provincie)
ROWS = [
    ("GM0995", "Lelystad", ("AM12", "Flevoland"), ("CR40", "Flevoland"), ("CS40", "Flevoland"),
     ("JZ07", "Flevoland"), ("PV24", "Flevoland")),
    ("GM0034", "Almere", ("AM12", "Flevoland"), ("CR40", "Flevoland"), ("CS40", "Flevoland"),
     ("JZ07", "Flevoland"), ("PV24", "Flevoland")),
    ("GM0050", "Zeewolde", ("AM12", "Flevoland"), ("CR40", "Flevoland"), ("CS40", "Flevoland"),
     ("JZ07", "Flevoland"), ("PV24", "Flevoland")),
    ("GM0363", "Amsterdam", ("AM18", "Groot Amsterdam"), ("CR23", "Groot-Amsterdam"),
     ("CS23", "Groot-Amsterdam"), ("JZ13", "Amsterdam-Amstelland"), ("PV27", "Noord-Holland")),
]
# (group title, code key, name key) as CBS numbers them in one year; the numbers shift between years.
GROUPS = [("Arbeidsmarktregio's", "Code_3", "Naam_4"), ("COROP-gebieden", "Code_9", "Naam_10"),
          ("COROP-subgebieden", "Code_11", "Naam_12"), ("Jeugdregio's", "Code_17", "Naam_18"),
          ("Provincies", "Code_28", "Naam_29")]

COLUMN = {"Arbeidsmarktregio's": 2, "COROP-gebieden": 3, "COROP-subgebieden": 4, "Jeugdregio's": 5,
          "Jeugdzorgregio's": 5, "Provincies": 6}  # group title -> position in a ROWS tuple


def gebieden_table(table="85755NED", year=2024, rows=ROWS, groups=GROUPS, modified="2024-02-01T02:00:00"):
    props = [{"ID": 0, "Type": "GeoDimension", "Key": "RegioS", "Title": "Regio's", "ParentID": None},
             {"ID": 1, "Type": "TopicGroup", "Key": "", "Title": "Codes en namen van gemeenten", "ParentID": None},
             {"ID": 2, "Type": "Topic", "Key": "Code_1", "Title": "Code", "ParentID": 1},
             {"ID": 3, "Type": "Topic", "Key": "Naam_2", "Title": "Naam", "ParentID": 1},
             {"ID": 4, "Type": "TopicGroup", "Key": "", "Title": "Lokaliseringen van gemeenten", "ParentID": None}]
    data = {"ID": list(range(len(rows))), "RegioS": [pad(r[0]) for r in rows],
            "Code_1": [pad(r[0]) for r in rows], "Naam_2": [r[1].ljust(50) for r in rows]}
    for n, (title, code_key, name_key) in enumerate(groups):
        gid = 10 + 3 * n
        props += [{"ID": gid, "Type": "TopicGroup", "Key": "", "Title": title, "ParentID": 4},
                  {"ID": gid + 1, "Type": "Topic", "Key": code_key, "Title": "Code", "ParentID": gid},
                  {"ID": gid + 2, "Type": "Topic", "Key": name_key, "Title": "Naam", "ParentID": gid}]
        column = COLUMN[title]
        data[code_key] = [pad(r[column][0]) for r in rows]
        data[name_key] = [r[column][1].ljust(50) for r in rows]
    infos = {"Identifier": table, "Title": f"Gebieden in Nederland {year}", "Modified": modified,
             "Period": str(year), "RecordCount": len(rows)}
    return V3Table(infos=infos, data_properties=props,
                   dims={"RegioS": [{"Key": pad(r[0]), "Title": r[1]} for r in rows]},
                   data=pl.DataFrame(data), page_size=2)


@pytest.fixture
def warehouse(tmp_path):
    """Lelystad, Almere and Amsterdam are in the warehouse; Zeewolde is not."""
    path = tmp_path / "wh"
    regions = pl.DataFrame([("NL01", "Nederland", "land", None, None),
                            ("GM0995", "Lelystad", "gemeente", "NL01", "GM0995"),
                            ("GM0034", "Almere", "gemeente", "NL01", "GM0034"),
                            ("GM0363", "Amsterdam", "gemeente", "NL01", "GM0363")],
                           schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")
    publish(path, indicators=catalogue.load().to_frame(), regions=regions, sources=source_row(),
            meta={"demo": False, "gemeente": "GM0995", "gemeente_name": "Lelystad", "peers": ["GM0363"]})
    return path


def test_load_makes_regions_and_memberships(fake, warehouse):
    fake.v3["85755NED"] = gebieden_table()
    loaded = gebieden.load(warehouse, year=2024, base_url=fake.base)
    assert loaded.missing_levels == []
    rel = current_release(warehouse)
    regs = rel.table("regions").filter(pl.col("level") != "gemeente").sort("region_code")
    assert regs.select("region_code", "name", "level").rows() == [
        ("AM12", "Flevoland", "arbeidsmarktregio"), ("AM18", "Groot Amsterdam", "arbeidsmarktregio"),
        ("CR23", "Groot-Amsterdam", "corop"), ("CR40", "Flevoland", "corop"),
        ("JZ07", "Flevoland", "jeugdregio"), ("JZ13", "Amsterdam-Amstelland", "jeugdregio"),
        ("NL01", "Nederland", "land"),
        ("PV24", "Flevoland", "provincie"), ("PV27", "Noord-Holland", "provincie")]  # no COROP-subgebieden
    mem = rel.table("memberships")
    assert sorted(mem.filter(pl.col("region_code") == "GM0995")["group_code"]) == ["AM12", "CR40", "JZ07", "PV24"]
    assert mem.height == 16 and set(mem["year"]) == {2024}
    src = rel.table("sources").filter(pl.col("source_id") == "cbs:gebieden").row(0, named=True)
    assert (src["table_id"], src["release"], src["title"]) == ("85755NED", "2024-02-01T02:00:00",
                                                              "Gebieden in Nederland 2024")
    assert gebieden.loaded_table(warehouse) == ("85755NED", "2024-02-01T02:00:00")
    # The table was checked against the catalogue and its data read page by page.
    assert fake.count("85755NED/TableInfos") == 1 and fake.count("85755NED/TypedDataSet") == 2


def test_the_regions_are_peer_groups_on_vergelijken(fake, warehouse):
    fake.v3["85755NED"] = gebieden_table()
    gebieden.load(warehouse, year=2024, base_url=fake.base)
    wh = Warehouse.open(warehouse)
    groups = cmp.region_groups(wh)
    assert groups.rows() == [("PV24", "Flevoland", "provincie"), ("CR40", "Flevoland", "corop"),
                             ("JZ07", "Flevoland", "jeugdregio"), ("AM12", "Flevoland", "arbeidsmarktregio")]
    # Zeewolde lies in Flevoland but has no figures in this warehouse; Amsterdam lies elsewhere.
    assert cmp.region_group_members(wh, "PV24") == ["GM0034"]
    group = cmp.peer_group(wh, "AM12", year=2024)
    assert (group.kind, group.label, group.codes) == ("AM12", "Arbeidsmarktregio Flevoland", ["GM0034"])
    assert cmp.peer_group(wh, "CR40", year=2024).label == "COROP-gebied Flevoland"
    # A region our municipality is not in is no choice: the fixed group instead.
    assert cmp.peer_group(wh, "PV27", year=2024).codes == ["GM0363"]


def test_a_new_year_replaces_the_memberships(fake, warehouse):
    fake.v3["85755NED"] = gebieden_table()
    gebieden.load(warehouse, year=2024, base_url=fake.base)
    moved = [r if r[0] != "GM0995" else r[:5] + (("JZ08", "Nieuwe regio"),) + r[6:] for r in ROWS]
    fake.v3["86059NED"] = gebieden_table("86059NED", 2025, moved)
    gebieden.load(warehouse, year=2025, base_url=fake.base)
    mem = current_release(warehouse).table("memberships")
    assert sorted(mem.filter(pl.col("region_code") == "GM0995")["group_code"]) == ["AM12", "CR40", "JZ08", "PV24"]
    assert set(mem["year"]) == {2025}
    assert cmp.region_group_members(Warehouse.open(warehouse), "JZ07") == ["GM0034"]


def test_a_missing_classification_is_named_and_the_rest_loaded(fake, warehouse, capsys):
    fake.v3["84721NED"] = gebieden_table("84721NED", 2020, groups=[g for g in GROUPS if g[0] != "Provincies"])
    code = main(["gebieden", "--year", "2020", "--base-url", fake.base, "--warehouse", str(warehouse)])
    out = capsys.readouterr()
    assert code == 0
    assert "Gebieden in Nederland 2020 (84721NED) geladen: 2 COROP-gebieden, 2 arbeidsmarktregio's, " \
           "2 jeugdregio's; 4 gemeenten." in out.out
    assert "tabel 84721NED heeft geen provincies" in out.err


def test_the_youth_regions_under_their_older_name(fake, warehouse):
    older = [(t.replace("Jeugdregio's", "Jeugdzorgregio's"), c, n) for t, c, n in GROUPS]
    fake.v3["83553NED"] = gebieden_table("83553NED", 2017, groups=older)
    loaded = gebieden.load(warehouse, year=2017, base_url=fake.base)
    assert "JZ07" in loaded.regions["region_code"].to_list()


def test_bad_input_is_refused_and_the_warehouse_unchanged(fake, warehouse, capsys):
    before = current_release(warehouse).id
    fake.v3["85755NED"] = gebieden_table()

    def run(*args):
        code = main(["gebieden", *args, "--base-url", fake.base, "--warehouse", str(warehouse)])
        return code, capsys.readouterr().err

    code, err = run("--year", "1999")
    assert code == 2 and "geen tabel 'Gebieden in Nederland' bekend" in err and "--table" in err
    code, err = run("--table", "99999NED")
    assert code == 2 and "CBS-tabel 99999NED (Gebieden in Nederland" in err and "bestaat niet" in err
    code, err = run("--table", "84799NED")  # Kerncijfers, not a Gebieden table
    assert code == 2 and "geen tabel 'Gebieden in Nederland'" in err
    code, err = run("--table", "Gebieden")
    assert code == 2 and "geen CBS-tabelnummer" in err
    bad = [r if r[0] != "GM0034" else r[:6] + (("GM0034", "Almere"),) for r in ROWS]
    fake.v3["85755NED"] = gebieden_table(rows=bad)
    code, err = run("--year", "2024")
    assert code == 2 and "gemeente GM0034: code 'GM0034' past niet bij provincies" in err
    assert current_release(warehouse).id == before


def test_the_demo_gets_fictional_regions_for_its_municipality_and_peers(warehouse):
    rel = current_release(warehouse)
    gebieden.load_demo(warehouse)
    wh = Warehouse.open(warehouse)
    assert cmp.region_groups(wh)["region_code"].to_list() == ["PV99", "CR99", "JZ99", "AM99"]
    assert cmp.region_group_members(wh, "PV99") == ["GM0363"]  # the one peer, position 0
    assert cmp.region_group_members(wh, "AM99") == []  # peers 1-5 do not exist here
    assert rel.id != wh.release.id


def test_a_release_from_before_memberships_still_loads_and_reads(warehouse):
    old = current_release(warehouse)
    (old.path / "memberships.parquet").unlink()  # as written before the table existed
    assert cmp.memberships(Warehouse.open(warehouse)).is_empty()
    gebieden.load_demo(warehouse)
    # Lelystad in four regions, the one peer in the three that take position 0.
    assert current_release(warehouse).table("memberships").height == 7


def test_a_membership_of_an_unknown_region_is_refused(warehouse):
    with pytest.raises(WarehouseError, match="memberships of regions not in the regions table"):
        publish(warehouse, indicators=catalogue.load().to_frame(),
                memberships=pl.DataFrame([{"region_code": "GM0995", "group_code": "PV30", "level": "provincie"}]))
