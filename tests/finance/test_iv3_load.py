"""``python -m etl iv3`` against a local fake of the CBS third-party catalogue: ids checked by title,
padded keys, the taakvelden filter, the national sum, and the staged CLI."""

from __future__ import annotations

import re

import polars as pl
import pytest

from etl import iv3
from etl.__main__ import main
from etl.cbs import Scope
from tests.cbs.fakecbs import FakeCBS, Server, V3Table
from warehouse.releases import WarehouseError, current_release

# The repository's mapping with one table: the 2024 table the fake serves.
MAPPING = re.sub(r'\[tables\]\n(?:\d{4} = "\w+"\n)+', '[tables]\n2024 = "45067NED"\n',
                 iv3.MAPPING_PATH.read_text(encoding="utf-8"))


def _table(title: str = "Gemeenten 2024 onbewerkte Iv3-data  ") -> V3Table:
    pad = lambda c, w: c.ljust(w)  # noqa: E731
    rows = []
    for gm, amount in (("GM0001", 1000.0), ("GM0002", 3000.0), ("GM0003", 500.0)):
        for tv, cat, v in (("6.72a", "L4.3.8", amount), ("6.73b", "L4.3.8", amount / 2), ("6.72a", "L7.1", 99.0),
                           ("0.10", "L7.1", 5000.0), ("6.72a", "B4.3.2", 10.0)):
            for report, factor in (("2024X000", 0.9), ("2024X005", 1.0)):
                rows.append({"Gemeenten": pad(gm, 8), "TaakveldBalanspost": pad(tv, 8), "Categorie": pad(cat, 10),
                             "Verslagsoort": report, "k_1ePlaatsing_1": v * factor, "k_2ePlaatsing_2": 0.0})
    data = pl.DataFrame(rows).with_row_index("ID")
    dim = lambda key: {"odata.type": "Cbs.OData.Dimension", "Type": "Dimension", "Key": key, "Title": key}  # noqa: E731
    props = [dim("TaakveldBalanspost"), dim("Categorie"), dim("Gemeenten"), dim("Verslagsoort"),
             {"odata.type": "Cbs.OData.Topic", "Type": "Topic", "Key": "k_1ePlaatsing_1", "Title": "1e plaatsing",
              "Unit": "x 1 000 euro"},
             {"odata.type": "Cbs.OData.Topic", "Type": "Topic", "Key": "k_2ePlaatsing_2", "Title": "2e plaatsing",
              "Unit": "x 1 000 euro"}]
    dims = {"TaakveldBalanspost": [{"Key": pad(t, 8), "Title": t} for t in ("0.10", "6.72a", "6.73b")],
            "Categorie": [{"Key": pad(c, 10), "Title": c} for c in ("L4.3.8", "L7.1", "B4.3.2")],
            "Gemeenten": [{"Key": pad(g, 8), "Title": n} for g, n in
                          (("GM0001", "Eendorp"), ("GM0002", "Tweestad"), ("GM0003", "Driehoek"))],
            "Verslagsoort": [{"Key": "2024X000", "Title": "Begroting 2024"},
                             {"Key": "2024X005", "Title": "Jaarrekening 2024"}]}
    infos = {"Identifier": "45067NED", "Title": title, "Modified": "2025-11-01T02:00:00", "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=7)


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "iv3.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def test_load_reads_the_table_keeps_the_scope_and_sums_the_nation(small_warehouse, mapping):
    fake = FakeCBS()
    fake.v3["45067NED"] = _table()
    with Server(fake) as url:
        release, n = iv3.run_load(small_warehouse, base=url, scope=Scope("GM0001", ("GM0002",)), mapping_path=mapping)
    obs = current_release(small_warehouse).table("observations").filter(pl.col("source_id") == "cbs:45067NED")
    val = {(r["indicator_id"], r["region_code"], r["breakdown"], r["category"]): r["value"]
           for r in obs.iter_rows(named=True)}
    assert val[("fin_jeugd_lasten", "GM0001", "", "")] == 1500  # 6.72a + 6.73b, reserves left out
    assert val[("fin_jeugd_lasten_begroting", "GM0001", "", "")] == pytest.approx(1350)
    assert val[("fin_jeugd_baten", "GM0002", "", "")] == 10
    assert val[("fin_jeugd_lasten", "NL01", "", "")] == pytest.approx(1.5 * 4500)  # GM0003 counts in the nation
    assert val[("fin_jeugd_lasten", "GM0001", "taakveld", "6.73b")] == 500
    assert "GM0003" not in set(obs["region_code"])
    assert set(obs["period"]) == {"2024JJ00"} and n == obs.height
    # Only the mapped taakvelden were asked for (0.10 never left the server).
    feed = [r for r in fake.requests if "TypedDataSet" in r]
    assert feed and all("0.10" not in r for r in feed)
    src = current_release(small_warehouse).table("sources")
    src = src.filter(pl.col("source_id") == "cbs:45067NED").row(0, named=True)
    assert src["title"] == "Gemeenten 2024 onbewerkte Iv3-data" and src["release"] == "2025-11-01T02:00:00"


def test_a_table_id_whose_title_is_another_table_is_refused(small_warehouse, mapping):
    fake = FakeCBS()
    fake.v3["45067NED"] = _table(title="Provincies 2024 onbewerkte Iv3-data")
    before = current_release(small_warehouse).id
    with Server(fake) as url, pytest.raises(WarehouseError, match="verwacht 'Gemeenten 2024 onbewerkte Iv3-data'"):
        iv3.run_load(small_warehouse, base=url, mapping_path=mapping)
    with Server(FakeCBS()) as url, pytest.raises(WarehouseError, match="tabel 45067NED bestaat niet"):
        iv3.run_load(small_warehouse, base=url, mapping_path=mapping)
    assert current_release(small_warehouse).id == before


def test_cli_stages_the_iv3_load(small_warehouse, mapping, capsys):
    fake = FakeCBS()
    fake.v3["45067NED"] = _table()
    before = current_release(small_warehouse).id
    with Server(fake) as url:
        code = main(["iv3", "--warehouse", str(small_warehouse), "--mapping", str(mapping),
                     "--dataderden-base-url", url, "--gemeente", "GM0001"])
    assert code == 0 and current_release(small_warehouse).id == before
    assert "Nog NIET gepubliceerd" in capsys.readouterr().out


def test_a_region_keeps_every_member(small_warehouse, mapping):
    """``--gemeente GM0001,GM0003``: both own municipalities stay, not only the first (GM0002 is no one's)."""
    fake = FakeCBS()
    fake.v3["45067NED"] = _table()
    with Server(fake) as url:
        assert main(["iv3", "--warehouse", str(small_warehouse), "--mapping", str(mapping), "--yes",
                     "--dataderden-base-url", url, "--gemeente", "GM0001,GM0003"]) == 0
    obs = current_release(small_warehouse).table("observations").filter(pl.col("source_id") == "cbs:45067NED")
    assert set(obs["region_code"]) == {"GM0001", "GM0003", "NL01"}
