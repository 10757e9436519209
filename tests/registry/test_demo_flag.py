"""Demo and real data never mix: every loader refuses to load into a demo warehouse (saying how to start a
real one), the demo is not built over real figures, and a real load gives a release with ``demo: false``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl import boundaries, population, registry, wsjg
from etl.__main__ import main
from etl.cbs import Options, run_load
from tests.cbs.conftest import CATALOGUE, kern_table
from tests.cbs.fakecbs import FakeCBS, Server
from tests.conftest import small_regions, source_row
from warehouse import catalogue
from warehouse.publication import DEMO_INTO_REAL, REAL_INTO_DEMO, publish
from warehouse.releases import WarehouseError, current_release

POSTCODES = (b"postcode,wijk_code,buurt_code,gemeente_code,gemeente_name\n"
             b"1000AA,WK000101,,GM0001,Testgemeente\n")
EXTRACT = (b"client_id,household_id,birth_date,postcode,request_date,decision_date,route,product_code,start_date\n"
           + b"".join(f"{100 + i},H{i},1950-01-01,1000AA,2024-01-02,2024-01-10,maatwerk,01,2024-01-15\n".encode()
                      for i in range(20)))
PERSONS = b"region_code,period,age_from,age_to,sex,persons\nWK000101,2024JJ00,0,17,M,40\n"
HOUSEHOLDS = b"region_code,period,household_type,households\nWK000101,2024JJ00,eenpersoons,30\n"
WSJG = b"Periode;2024\nGebied;Code;Netto arbeidsparticipatie (%)\nNederland;NL01;61\n"


@pytest.fixture
def demo_wh(tmp_path) -> Path:
    """A small warehouse that says it is the demo, as ``python -m etl demo`` leaves it."""
    path = tmp_path / "demo"
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            meta={"demo": True, "gemeente": "GM0001"})
    return path


def _registry(wh: Path) -> None:
    registry.load([registry.Extract("wmo", "wmo.csv", EXTRACT)], POSTCODES, gemeente="GM0001", warehouse=wh,
                  reference_date=date(2025, 12, 31))


def _population(wh: Path) -> None:
    population.load(PERSONS, HOUSEHOLDS, gemeente="GM0001", warehouse=wh)


def _wsjg(wh: Path) -> None:
    wsjg.load([("export.csv", WSJG)], warehouse=wh)


def _boundaries(wh: Path, monkeypatch) -> None:
    feature = {"type": "Feature", "properties": {"wijkcode": "WK000101", "wijknaam": "Noord",
                                                 "buurtcode": "BU00010101", "buurtnaam": "Noord"},
               "geometry": {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.01, 52.0], [5.01, 52.01],
                                                                [5.0, 52.0]]]}}
    monkeypatch.setattr(boundaries, "fetch_collection", lambda *a: [feature])
    boundaries.run_boundaries(wh, None, 2024, "GM0001", "http://localhost:9/none", 0.0, client=object())


def _cbs(wh: Path, tmp_path: Path) -> None:
    cat = tmp_path / "catalogue.toml"
    cat.write_text(CATALOGUE, encoding="utf-8")
    fake = FakeCBS()
    fake.v3["84799NED"] = kern_table()
    with Server(fake):
        run_load(Options(warehouse=wh, catalogue=cat, base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS",
                         gemeente="GM0995", tables=["84799NED"]))


LOADERS = ["registry", "population", "wsjg", "boundaries", "cbs"]


def _run(name: str, wh: Path, tmp_path: Path, monkeypatch) -> None:
    if name == "boundaries":
        _boundaries(wh, monkeypatch)
    elif name == "cbs":
        _cbs(wh, tmp_path)
    else:
        {"registry": _registry, "population": _population, "wsjg": _wsjg}[name](wh)


@pytest.mark.parametrize("loader", LOADERS)
def test_every_loader_refuses_to_mix_real_data_into_the_demo(demo_wh, tmp_path, monkeypatch, loader):
    before = current_release(demo_wh).id
    with pytest.raises(WarehouseError) as err:
        _run(loader, demo_wh, tmp_path, monkeypatch)
    assert str(err.value) == REAL_INTO_DEMO
    assert "python -m etl cbs --gemeente GMxxxx --warehouse" in str(err.value)
    assert current_release(demo_wh).id == before and current_release(demo_wh).meta["demo"] is True


@pytest.mark.parametrize("loader", LOADERS)
def test_a_real_load_gives_a_release_that_is_not_the_demo(tmp_path, monkeypatch, loader):
    wh = tmp_path / "real"
    publish(wh, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            meta={"gemeente": "GM0001"})
    base = current_release(wh).id
    _run(loader, wh, tmp_path, monkeypatch)
    release = current_release(wh)
    assert release.id != base and release.meta["demo"] is False


def test_the_cli_refuses_a_registry_extract_in_the_demo_warehouse(demo_wh, tmp_path, capsys):
    extract, pcs = tmp_path / "wmo.csv", tmp_path / "pc.csv"
    extract.write_bytes(EXTRACT)
    pcs.write_bytes(POSTCODES)
    before = sorted(p.name for p in (demo_wh / "releases").iterdir())
    code = main(["registry", str(extract), "--law", "wmo", "--postcodes", str(pcs), "--warehouse", str(demo_wh),
                 "--reference-date", "2025-12-31", "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and "demo-gemeente" in err and "Traceback" not in err
    assert sorted(p.name for p in (demo_wh / "releases").iterdir()) == before
    assert not (demo_wh / "staged").exists() or not list((demo_wh / "staged").iterdir())


def test_the_demo_is_not_built_over_real_figures(small_warehouse):
    with pytest.raises(WarehouseError) as err:
        publish(small_warehouse, indicators=catalogue.load().to_frame(), meta={"demo": True})
    assert str(err.value) == DEMO_INTO_REAL
    assert current_release(small_warehouse).meta["demo"] is False


def test_demo_loads_into_the_demo_stay_the_demo(demo_wh):
    """The demo generator loads its own parts (population with release "demo", wsjg:demo, the registry) into
    its scratch warehouse: those are demo loads and keep the flag."""
    population.load(PERSONS, HOUSEHOLDS, gemeente="GM0001", warehouse=demo_wh, release="demo")
    assert current_release(demo_wh).meta["demo"] is True
    registry.load_demo({"wmo": EXTRACT}, POSTCODES, gemeente="GM0001", warehouse=demo_wh, catalogue_path=None,
                       reference_date=date(2025, 12, 31), first_year=2024)
    assert current_release(demo_wh).meta["demo"] is True
