"""Stapeling tables (Gebruik voorzieningen sociaal domein; aantal voorzieningen, wijken) in their v3 and v4 shapes:
totals where the catalogue does not filter, the combination of laws as a breakdown, and half-year periods."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import polars as pl
import pytest

from etl.__main__ import main
from etl.cbs import Options, plan, run_load
from tests.cbs.conftest import pad
from tests.cbs.fakecbs import FakeCBS, Server, V3Table, V4Table
from tests.support.catalogue import cbs_source, indicator
from warehouse import catalogue as catalogue_mod
from warehouse.releases import WarehouseError, current_release

ROOT = Path(__file__).resolve().parents[2]

# (code, title) as CBS lists them; the counts dimension has its own total.
COUNTS = [("T001019", "Totaal"), ("A041695", "1 maatwerkvoorziening"), ("A041696", "2 maatwerkvoorzieningen")]
KINDS = [("T001287", "Totaal"), ("A041708", "Alleen Jeugd"), ("A041709", "Alleen P-wet"), ("A041710", "Alleen Wmo"),
         ("A041711", "Jeugd en P-wet"), ("A041712", "Jeugd en Wmo"), ("A041713", "P-wet en Wmo"),
         ("A041714", "Jeugd, P-wet en Wmo")]
# Clients per region and kind at the total number of provisions (households are 80% of that);
# any other number of provisions holds 1, so a wrong total shows at once.
CLIENTS = {"GM0995": [4200, 900, 1300, 1500, 40, 60, 380, 20], "WK099501": [600, 120, 200, 220, 5, 10, 40, 5]}

CATALOGUE = indicator("sd_clients_cbs", textwrap.dedent('''
    source.cbs.tables = ["85637NED", "85994NED"]
    source.cbs.measure = "ClientenMetVoorzieningen"
    source.cbs.unit = "aantal"
    source.cbs.breakdown.dim = "SoortVoorzieningSociaalDomein"
    source.cbs.breakdown.name = "laws"
    source.cbs.breakdown.categories."Alleen Jeugd" = "jeugd"
    source.cbs.breakdown.categories."Alleen P-wet" = "participatie"
    source.cbs.breakdown.categories.A041710 = "wmo"
    source.cbs.breakdown.categories."Jeugd en P-wet" = "jeugd+participatie"
    source.cbs.breakdown.categories."Jeugd en Wmo" = "wmo+jeugd"
    source.cbs.breakdown.categories."P-wet en Wmo" = "wmo+participatie"
    source.cbs.breakdown.categories."Jeugd P-wet en Wmo" = "wmo+jeugd+participatie"
'''), title="Inwoners met hulp uit het sociaal domein", theme="Samenloop",
    definition="Inwoners met minstens een voorziening.") + indicator(
    "sd_households_cbs", cbs_source(["85637NED", "85994NED"], "HuishoudensMetVoorzieningen", "aantal"),
    title="Huishoudens met hulp uit het sociaal domein", theme="Samenloop",
    definition="Huishoudens met minstens een voorziening.")


def cells(period: str) -> list[dict]:
    rows = []
    for region, values in CLIENTS.items():
        for n, (count, _) in enumerate(COUNTS):
            for (kind, _), v in zip(KINDS, values, strict=True):
                clients = v if n == 0 else 1
                rows.append({"region": region, "count": count, "kind": kind, "period": period,
                             "clients": clients, "households": round(clients * 0.8)})
    return rows


def v3_table() -> V3Table:
    """85637NED as v3: padded keys, and its one period is the first half of 2023, provisional."""
    rows = cells("2023HJ01")
    data = pl.DataFrame({
        "ID": list(range(len(rows))),
        "AantalVoorzieningen": [r["count"].ljust(8) for r in rows],
        "SoortVoorzieningSociaalDomein": [r["kind"].ljust(8) for r in rows],
        "WijkenEnBuurten": [pad(r["region"]) for r in rows],
        "Perioden": [r["period"] for r in rows],
        "ClientenMetVoorzieningen_1": [r["clients"] for r in rows],
        "HuishoudensMetVoorzieningen_2": [r["households"] for r in rows],
    })
    props = [
        {"odata.type": "Cbs.OData.Dimension", "ID": 0, "Type": "Dimension", "Key": "AantalVoorzieningen",
         "Title": "Aantal voorzieningen"},
        {"odata.type": "Cbs.OData.Dimension", "ID": 1, "Type": "Dimension", "Key": "SoortVoorzieningSociaalDomein",
         "Title": "Soort voorziening sociaal domein"},
        {"odata.type": "Cbs.OData.GeoDimension", "ID": 2, "Type": "GeoDimension", "Key": "WijkenEnBuurten",
         "Title": "Wijken", "MapYear": 2023},
        {"odata.type": "Cbs.OData.TimeDimension", "ID": 3, "Type": "TimeDimension", "Key": "Perioden",
         "Title": "Perioden"},
        {"odata.type": "Cbs.OData.Topic", "ID": 5, "Type": "Topic", "Key": "ClientenMetVoorzieningen_1",
         "Title": "Cliënten met voorzieningen", "Unit": "aantal"},
        {"odata.type": "Cbs.OData.Topic", "ID": 6, "Type": "Topic", "Key": "HuishoudensMetVoorzieningen_2",
         "Title": "Huishoudens met voorzieningen", "Unit": "aantal"},
    ]
    dims = {"AantalVoorzieningen": [{"Key": k.ljust(8), "Title": t} for k, t in COUNTS],
            "SoortVoorzieningSociaalDomein": [{"Key": k.ljust(8), "Title": t} for k, t in KINDS],
            "WijkenEnBuurten": [{"Key": pad("GM0995"), "Title": "Lelystad"},
                                {"Key": pad("WK099501"), "Title": "Wijk 01 Lelystad-Haven"}],
            "Perioden": [{"Key": "2023HJ01", "Title": "1e halfjaar 2023*", "Status": "Voorlopig"}]}
    infos = {"Identifier": "85637NED", "Modified": "2024-06-01T02:00:00", "Period": "1e halfjaar 2023",
             "Title": "Gebruik voorzieningen sociaal domein; aantal voorzieningen wijken, 2023",
             "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=50)


def v4_table() -> V4Table:
    """85994NED as v4: Observations with measure codes, one whole year."""
    obs = []
    for r in cells("2024JJ00"):
        for measure, key in (("M004578", "clients"), ("M004579", "households")):
            obs.append({"Id": len(obs), "Measure": measure, "ValueAttribute": "None", "Value": float(r[key]),
                        "StringValue": None, "AantalVoorzieningen": r["count"],
                        "SoortVoorzieningSociaalDomein": r["kind"], "WijkenEnBuurten": r["region"],
                        "Perioden": r["period"]})
    return V4Table(
        properties={"Identifier": "85994NED", "Modified": "2025-06-01T02:00:00+02:00", "TemporalCoverage": "2024",
                    "Title": "Gebruik voorzieningen sociaal domein; aantal voorzieningen, wijken, 2024",
                    "ObservationCount": len(obs)},
        dimensions=[{"Identifier": "AantalVoorzieningen", "Kind": "Dimension", "MapYear": None},
                    {"Identifier": "SoortVoorzieningSociaalDomein", "Kind": "Dimension", "MapYear": None},
                    {"Identifier": "WijkenEnBuurten", "Kind": "GeoDimension", "MapYear": "2024"},
                    {"Identifier": "Perioden", "Kind": "TimeDimension", "MapYear": None}],
        measure_codes=[{"Identifier": "M004578", "Title": "Cliënten met voorzieningen", "Unit": "aantal"},
                       {"Identifier": "M004579", "Title": "Huishoudens met voorzieningen", "Unit": "aantal"}],
        codes={"AantalVoorzieningen": [{"Identifier": k, "Title": t} for k, t in COUNTS],
               "SoortVoorzieningSociaalDomein": [{"Identifier": k, "Title": t} for k, t in KINDS],
               "WijkenEnBuurten": [{"Identifier": "GM0995", "Title": "Lelystad"},
                                   {"Identifier": "WK099501", "Title": "Wijk 01 Lelystad-Haven"}],
               "Perioden": [{"Identifier": "2024JJ00", "Title": "2024", "Status": "Definitief"}]},
        observations=pl.DataFrame(obs, schema_overrides={"Value": pl.Float64, "StringValue": pl.String}),
        page_size=40)


@pytest.fixture
def server():
    fake = FakeCBS()
    fake.v3["85637NED"] = v3_table()
    fake.v4["85994NED"] = v4_table()
    with Server(fake):
        yield fake


def load(server, tmp_path, catalogue: str = CATALOGUE) -> pl.DataFrame:
    path = tmp_path / "catalogue.toml"
    path.write_text(catalogue, encoding="utf-8")
    run_load(Options(warehouse=tmp_path / "wh", catalogue=path, gemeente="GM0995", base_url=server.base,
                     v4_base_url=f"{server.base}/odata/v1/CBS"))
    return current_release(tmp_path / "wh").table("observations")


def pick(obs: pl.DataFrame, ind: str, period: str, region: str = "GM0995", breakdown: str = "") -> dict[str, tuple]:
    rows = obs.filter((pl.col("indicator_id") == ind) & (pl.col("period") == period)
                      & (pl.col("region_code") == region) & (pl.col("breakdown") == breakdown))
    return {r["category"]: (r["value"], r["status"]) for r in rows.iter_rows(named=True)}


def test_totals_where_the_catalogue_does_not_filter(server, tmp_path):
    obs = load(server, tmp_path)
    # Both dimensions at their total: 4200, not the 1 of "1 maatwerkvoorziening" or a single law.
    assert pick(obs, "sd_clients_cbs", "2024JJ00") == {"": (4200.0, "final")}
    assert pick(obs, "sd_clients_cbs", "2024JJ00", "WK099501") == {"": (600.0, "final")}
    assert pick(obs, "sd_households_cbs", "2024JJ00") == {"": (3360.0, "final")}
    # An indicator without a breakdown gets no category rows.
    assert set(obs.filter(pl.col("indicator_id") == "sd_households_cbs")["breakdown"]) == {""}


def test_a_half_year_stays_a_half_year(server, tmp_path):
    obs = load(server, tmp_path)
    periods = set(obs.filter(pl.col("source_id") == "cbs:85637NED")["period"])
    assert periods == {"2023HJ01"}  # never shown as the year 2023
    assert pick(obs, "sd_clients_cbs", "2023HJ01") == {"": (4200.0, "provisional")}  # "1e halfjaar 2023*"


@pytest.mark.parametrize("period", ["2023HJ01", "2024JJ00"])  # the v3 and the v4 table
def test_the_combination_of_laws_is_a_breakdown(server, tmp_path, period):
    obs = load(server, tmp_path)
    got = pick(obs, "sd_clients_cbs", period, breakdown="laws")
    assert {k: v for k, (v, _) in got.items()} == {
        "jeugd": 900, "participatie": 1300, "wmo": 1500, "jeugd+participatie": 40, "wmo+jeugd": 60,
        "wmo+participatie": 380, "wmo+jeugd+participatie": 20}
    assert pick(obs, "sd_clients_cbs", period, "WK099501", "laws")["wmo"][0] == 220
    # The categories are those of the registry's stapeling figures, so the same labels and views apply.
    registry_codes = {"wmo", "jeugd", "participatie", "wmo+jeugd", "wmo+participatie", "jeugd+participatie",
                      "wmo+jeugd+participatie"}
    assert set(got) == registry_codes


def test_a_category_the_table_lacks_refuses_the_load(server, tmp_path):
    bad = CATALOGUE.replace('"Alleen Jeugd" = "jeugd"', '"Alleen Schuldhulp" = "schuld"')
    with pytest.raises(WarehouseError) as err:
        load(server, tmp_path, bad)
    msg = str(err.value)
    assert "85637NED" in msg and "SoortVoorzieningSociaalDomein" in msg and "Alleen Schuldhulp" in msg
    assert "A041708 (Alleen Jeugd)" in msg and "Er is niets geladen" in msg
    assert current_release(tmp_path / "wh") is None


def test_a_breakdown_on_a_dimension_the_table_lacks_is_named(server, tmp_path):
    bad = CATALOGUE.replace('dim = "SoortVoorzieningSociaalDomein"', 'dim = "SoortWet"')
    with pytest.raises(WarehouseError, match="geen dimensie 'SoortWet' voor de uitsplitsing"):
        load(server, tmp_path, bad)


def test_an_incomplete_breakdown_in_the_catalogue_is_a_dutch_error(tmp_path):
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE.replace('source.cbs.breakdown.name = "laws"', ""), encoding="utf-8")
    with pytest.raises(WarehouseError, match="breakdown heeft 'dim', 'name' en 'categories' nodig"):
        plan(catalogue_mod.load(path), None)


def test_the_catalogue_series_are_documented_with_their_source():
    """Every table id of the Wmo, youth-care and stapeling series is in the table of docs/refresh-and-sources.md."""
    todo = plan(catalogue_mod.load(ROOT / "data" / "catalogue.toml"), None)
    series = {w.indicator_id for ws in todo.values() for w in ws} & {
        "wmo_clients", "youth_care_youngsters", "sd_clients_cbs", "sd_households_cbs"}
    assert series == {"wmo_clients", "youth_care_youngsters", "sd_clients_cbs", "sd_households_cbs"}
    ids = {t for t, ws in todo.items() if {w.indicator_id for w in ws} & series}
    doc = (ROOT / "docs" / "refresh-and-sources.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\| (\d{5}NED) \|", doc))
    assert ids <= documented, sorted(ids - documented)
    # The stapeling series carries its breakdown by combination of laws.
    stapeling = [w for w in todo["85994NED"] if w.indicator_id == "sd_clients_cbs"]
    assert stapeling and stapeling[0].breakdown.name == "laws" and len(stapeling[0].breakdown.categories) == 7


def test_a_breakdown_added_later_reloads_the_table_once(server, tmp_path):
    plain = "\n".join(line for line in CATALOGUE.splitlines() if "breakdown" not in line)
    path = tmp_path / "catalogue.toml"
    o = Options(warehouse=tmp_path / "wh", catalogue=path, gemeente="GM0995", base_url=server.base,
                v4_base_url=f"{server.base}/odata/v1/CBS")
    path.write_text(plain, encoding="utf-8")
    run_load(o)
    assert set(current_release(tmp_path / "wh").table("observations")["breakdown"]) == {""}
    path.write_text(CATALOGUE, encoding="utf-8")
    assert sorted(run_load(o).loaded) == ["85637NED", "85994NED"]  # same CBS release, new breakdown
    assert "laws" in set(current_release(tmp_path / "wh").table("observations")["breakdown"])
    assert sorted(run_load(o).unchanged) == ["85637NED", "85994NED"]


def test_an_unknown_stapeling_id_is_named_on_the_command_line(server, tmp_path, capsys):
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE.replace('"85994NED"]', '"85994NED", "86999NED"]'), encoding="utf-8")
    code = main(["cbs", "--warehouse", str(tmp_path / "wh"), "--catalogue", str(path), "--base-url", server.base,
                 "--v4-base-url", f"{server.base}/odata/v1/CBS"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Deze tabelnummers kent CBS niet: 86999NED" in err
    assert "sd_clients_cbs, sd_households_cbs" in err and "Er is niets geladen" in err
    assert "85637NED" not in err.split("Er is niets")[0]  # the known tables are not blamed
    assert current_release(tmp_path / "wh") is None


def test_a_table_category_the_catalogue_leaves_out_is_reported(server, tmp_path, capsys):
    fewer = "\n".join(line for line in CATALOGUE.splitlines() if '"Jeugd P-wet en Wmo"' not in line)
    obs = load(server, tmp_path, fewer)
    err = capsys.readouterr().err
    assert "categorie Jeugd, P-wet en Wmo van SoortVoorzieningSociaalDomein staat niet in de catalogus" in err
    assert "Totaal" not in err.split("staat niet")[0]  # the total is the plain series, not a left-out category
    assert "wmo+jeugd+participatie" not in set(obs["category"])
    assert pick(obs, "sd_clients_cbs", "2024JJ00") == {"": (4200.0, "final")}


def test_a_dimension_cannot_be_both_filter_and_breakdown(server, tmp_path):
    extra = 'source.cbs.filter.SoortVoorzieningSociaalDomein = "T001287"\n'
    both = CATALOGUE.replace('source.cbs.unit = "aantal"\n', 'source.cbs.unit = "aantal"\n' + extra)
    with pytest.raises(WarehouseError, match="staat zowel in filter als in breakdown"):
        load(server, tmp_path, both)
