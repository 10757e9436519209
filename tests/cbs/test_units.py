"""Units and derivations on a small Kerncijfers-shaped table (the real 84799NED keys and units).

Always runs: the project's own fixture, the same shape as the real extract in ../shared/cbs.
"""

from __future__ import annotations

import polars as pl
import pytest

import settings
from etl.cbs import Options, run_load
from tests.cbs.conftest import pad
from tests.cbs.fakecbs import FakeCBS, Server, V3Table
from tests.support.catalogue import cbs_source, indicator
from warehouse.releases import WarehouseError, current_release

# code, inhabitants, 15-25, 25-45, 45-65, bijstand, AO, WW (counts as CBS publishes them; wijk counts in fives)
ROWS = [
    ("NL00", 17407585, 2143743, 4308904, 4836284, 421110, 732950, 238650),
    ("GM0995", 78598, 9322, 20023, 21200, 2100, 4420, 1370),
    ("WK099501", 5830, 720, 1460, 1440, 290, 400, 110),
    ("BU09950101", 2900, 360, 730, 720, 150, 200, None),  # WW not published for this buurt
    ("WK099510", 820, 125, 200, 260, 0, 50, 10),
    ("GM0034", 214715, 26000, 60000, 58000, 7100, 9000, 4000),
]
MEASURES = [  # key, title, unit (as in the real DataProperties)
    ("AantalInwoners_5", "Aantal inwoners", "aantal"),
    ("k_15Tot25Jaar_9", "15 tot 25 jaar", "aantal"),
    ("k_25Tot45Jaar_10", "25 tot 45 jaar", "aantal"),
    ("k_45Tot65Jaar_11", "45 tot 65 jaar", "aantal"),
    ("PersonenPerSoortUitkeringBijstand_83", "Personen per soort uitkering; Bijstand", "aantal"),
    ("PersonenPerSoortUitkeringAO_84", "Personen per soort uitkering; AO", "aantal"),
    ("PersonenPerSoortUitkeringWW_85", "Personen per soort uitkering; WW", "aantal"),
]


def kwb(units: dict[str, str] | None = None, table_id: str = "84799NED") -> V3Table:
    units = units or {}
    data = {"ID": list(range(len(ROWS))), "WijkenEnBuurten": [pad(r[0]) for r in ROWS]}
    for i, (key, _, _) in enumerate(MEASURES, start=1):
        data[key] = [r[i] for r in ROWS]
    props = [{"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Type": "GeoDetail", "Key": "WijkenEnBuurten",
              "Title": "Wijken en buurten", "MapYear": 2020}]
    props += [{"odata.type": "Cbs.OData.Topic", "ID": i, "Type": "Topic", "Key": key, "Title": title,
               "Datatype": "Long", "Unit": units.get(key, unit), "Decimals": 0}
              for i, (key, title, unit) in enumerate(MEASURES, start=1)]
    dims = {"WijkenEnBuurten": [{"Key": pad(r[0]), "Title": r[0]} for r in ROWS]}
    infos = {"Identifier": table_id, "Title": "Kerncijfers wijken en buurten 2020", "Modified": "2021-03-26T02:00:00",
             "Period": "2020", "RecordCount": len(ROWS)}
    return V3Table(infos=infos, data_properties=props, dims=dims,
                   data=pl.DataFrame(data, schema_overrides={k: pl.Int64 for k, _, _ in MEASURES}), page_size=4)


def load(fake: FakeCBS, tmp_path, **kw):
    base = dict(warehouse=tmp_path / "wh", catalogue=settings.CATALOGUE_PATH, tables=["84799NED"],
                base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS")
    return run_load(Options(**(base | kw)))


def test_rates_are_the_count_over_inhabitants_15_to_64_at_every_level(tmp_path):
    fake = FakeCBS()
    fake.v3["84799NED"] = kwb()
    with Server(fake):
        load(fake, tmp_path)
    obs = current_release(tmp_path / "wh").table("observations")
    got = {(r["indicator_id"], r["region_code"]): r for r in obs.iter_rows(named=True)}
    for code, _, a, b, c, bij, ao, ww in ROWS:
        region = "NL01" if code == "NL00" else code
        base = a + b + c
        assert got[("pop_15_64", region)]["value"] == base
        for rate, count in (("bijstand_per_1000", bij), ("ao_per_1000", ao), ("ww_per_1000", ww)):
            row = got[(rate, region)]
            if count is None:  # a count CBS did not publish gives a hidden rate, not a made-up one
                assert row["value"] is None and row["status"] == "suppressed"
                continue
            assert row["value"] == pytest.approx(1000 * count / base), (rate, region)
            assert row["denominator"] == base and row["status"] == "final"
            assert row["source_id"] == "cbs:84799NED"  # the provenance line names the table of the count
    # The count itself is stored as published.
    assert got[("bijstand_persons", "GM0995")]["value"] == 2100


def test_a_unit_that_differs_from_the_catalogue_refuses_the_load(tmp_path):
    fake = FakeCBS()
    fake.v3["84799NED"] = kwb(units={"PersonenPerSoortUitkeringBijstand_83": "per 1 000 inwoners"})
    with Server(fake), pytest.raises(WarehouseError) as err:
        load(fake, tmp_path)
    msg = str(err.value)
    assert "84799NED" in msg and "PersonenPerSoortUitkeringBijstand_83" in msg
    assert "'per 1 000 inwoners'" in msg and "'aantal'" in msg and "Er is niets geladen" in msg
    assert current_release(tmp_path / "wh") is None
    assert fake.count("TypedDataSet") == 0  # refused on the metadata, before the figures came in


def test_units_are_compared_as_cbs_writes_them(tmp_path):
    fake = FakeCBS()
    # Same unit, other spelling: accepted.
    fake.v3["84799NED"] = kwb(units={"AantalInwoners_5": " Aantal "})
    with Server(fake):
        rep = load(fake, tmp_path)
    assert rep.loaded == ["84799NED"]


def test_a_v4_measure_unit_is_checked_too(fake, tmp_path, catalogue_path):
    fake.v4["86204NED"].measure_codes[0]["Unit"] = "%"  # the count is suddenly a percentage
    with pytest.raises(WarehouseError, match=r"86204NED, onderwerp M001234.*'%'.*'aantal'"):
        run_load(Options(warehouse=tmp_path / "wh", catalogue=catalogue_path, tables=["86204NED"],
                         base_url=fake.base, v4_base_url=f"{fake.base}/odata/v1/CBS"))


DATADERDEN_CATALOGUE = indicator(
    "population", cbs_source("84799NED", "AantalInwoners", "aantal"), title="Aantal inwoners", theme="Bevolking",
    definition="Inwoners op 1 januari.") + indicator(
    "bijstand_persons", cbs_source("45001NED", "PersonenPerSoortUitkeringBijstand", "aantal", catalog="dataderden"),
    title="Personen met bijstand", law="participatie", theme="Inkomen", definition="Personen met een bijstandsuitkering.")


@pytest.fixture
def two_catalogues(tmp_path) -> tuple:
    """The catalogue file with a table of the third-party catalogue, a StatLine server with 84799NED and an
    empty dataderden server (each test adds what dataderden holds)."""
    path = tmp_path / "catalogue.toml"
    path.write_text(DATADERDEN_CATALOGUE, encoding="utf-8")
    statline, dataderden = FakeCBS(), FakeCBS()
    statline.v3["84799NED"] = kwb()
    return path, statline, dataderden


def test_a_table_in_the_third_party_catalogue_is_read_from_dataderden(tmp_path, two_catalogues):
    path, statline, dataderden = two_catalogues
    dataderden.v3["45001NED"] = kwb(table_id="45001NED")
    with Server(statline), Server(dataderden):
        rep = run_load(Options(warehouse=tmp_path / "wh", catalogue=path, base_url=statline.base,
                               v4_base_url=f"{statline.base}/odata/v1/CBS", dataderden_base_url=dataderden.base))
    assert sorted(rep.loaded) == ["45001NED", "84799NED"]
    assert statline.count("45001NED") == 0 and dataderden.count("84799NED") == 0
    assert dataderden.count("/ODataFeed/odata/45001NED/TypedDataSet") >= 1
    rel = current_release(tmp_path / "wh")
    urls = dict(rel.table("sources").select("table_id", "url").iter_rows())
    assert urls["45001NED"] == f"{dataderden.base}/ODataFeed/odata/45001NED/"
    bij = rel.table("observations").filter((pl.col("indicator_id") == "bijstand_persons")
                                           & (pl.col("region_code") == "GM0995"))
    assert bij["value"].item() == 2100 and bij["source_id"].item() == "cbs:45001NED"


def test_an_unknown_table_in_dataderden_is_named_with_its_catalogue(tmp_path, two_catalogues):
    path, statline, dataderden = two_catalogues
    with Server(statline), Server(dataderden), pytest.raises(WarehouseError) as err:
        run_load(Options(warehouse=tmp_path / "wh", catalogue=path, base_url=statline.base,
                         v4_base_url=f"{statline.base}/odata/v1/CBS", dataderden_base_url=dataderden.base))
    assert "45001NED (catalogus dataderden" in str(err.value) and "bijstand_persons" in str(err.value)
    assert statline.count("45001NED") == 0  # never looked for in StatLine


def test_the_command_line_takes_the_dataderden_base(tmp_path, capsys, two_catalogues):
    from etl.__main__ import main

    path, statline, dataderden = two_catalogues
    dataderden.v3["45001NED"] = kwb(table_id="45001NED")
    with Server(statline), Server(dataderden):
        code = main(["cbs", "--warehouse", str(tmp_path / "wh"), "--catalogue", str(path), "--tables", "45001NED",
                     "--base-url", statline.base, "--v4-base-url", statline.base,
                     "--dataderden-base-url", dataderden.base])
    assert code == 0 and "CBS geladen: 45001NED" in capsys.readouterr().out
    assert statline.count() == 0 and dataderden.count("TableInfos") == 1
