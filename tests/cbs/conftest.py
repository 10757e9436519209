"""Fixtures for the CBS loader tests: a local fake CBS server with small hand-written tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.cbs.fakecbs import FakeCBS, Server, V3Table, V4Table
from tests.support.catalogue import cbs_source, indicator

SHARED_CBS = Path(__file__).resolve().parents[2] / ".." / "shared" / "cbs"

CATALOGUE = "".join([
    indicator("population", cbs_source("84799NED", "AantalInwoners", "aantal"), title="Aantal inwoners",
              theme="Bevolking", definition="Inwoners op 1 januari.", levels=["land", "gemeente", "wijk", "buurt"]),
    indicator("pop_65plus", cbs_source("84799NED", "k_65JaarOfOuder", "aantal"), title="Inwoners 65+", theme="Bevolking",
              definition="Inwoners van 65 jaar of ouder."),
    indicator("bijstand", cbs_source("84799NED", "PersonenPerSoortUitkeringBijstand", "aantal"),
              title="Personen met bijstand", law="participatie", theme="Inkomen",
              definition="Personen met een bijstandsuitkering."),
    indicator("wmo_clients", cbs_source("85639NED", "WmoClienten", "aantal", filter='TypeMaatwerkvoorziening = "T001024"'),
              title="Wmo-clienten", law="wmo", theme="Ondersteuning",
              definition="Clienten met een maatwerkvoorziening."),
    indicator("wmo_hh", cbs_source("85639NED", "WmoClienten", "aantal", filter='TypeMaatwerkvoorziening = "A019507"'),
              title="Hulp bij het huishouden", law="wmo", theme="Ondersteuning",
              definition="Clienten met hulp bij het huishouden."),
    indicator("youth_care", cbs_source("86204NED", "JongerenMetJeugdhulp", "aantal", filter='SoortJeugdzorg = "A042502"'),
              title="Jongeren met jeugdhulp", law="jeugd", theme="Jeugdhulp", definition="Jongeren met jeugdhulp."),
    indicator("youth_care_pct", cbs_source("86204NED", "PercentageJongerenMetJeugdhulp", "%", filter='SoortJeugdzorg = "A042502"'),
              title="Aandeel jongeren met jeugdhulp", law="jeugd", theme="Jeugdhulp", unit="percent",
              definition="Jongeren met jeugdhulp als percentage."),
])


def pad(code: str, width: int = 10) -> str:
    return code.ljust(width)


# Kerncijfers-like v3 table: no period dimension, padded geo keys, null cells, 3 rows a page.
KERN_ROWS = [
    # code, gemeentenaam, soort, inwoners, 65+, bijstand
    ("NL00", "Nederland", "Land", 17407585, 3401000, 404000),
    ("GM0995", "Lelystad", "Gemeente", 77389, 11790, 2540),
    ("WK099501", "Lelystad", "Wijk", 9850, 2100, 310),
    ("BU09950101", "Lelystad", "Buurt", 4920, 1000, None),  # suppressed bijstand
    ("BU09950102", "Lelystad", "Buurt", 4930, 1100, 150),
    ("WK099502", "Lelystad", "Wijk", 12010, None, 420),  # suppressed 65+
    ("BU09950201", "Lelystad", "Buurt", 12010, 1500, 420),
    ("GM0034", "Almere", "Gemeente", 214715, 25000, 7100),
    ("WK003401", "Almere", "Wijk", 30000, 4000, 900),
    ("GM0363", "Amsterdam", "Gemeente", 872757, 110000, 33000),
]
KERN_NAMES = {"NL00": "Nederland", "GM0995": "Lelystad", "WK099501": "Wijk 01 Lelystad-Haven",
              "BU09950101": "Oude Haven", "BU09950102": "Nieuwe Haven", "WK099502": "Wijk 02 Atolwijk",
              "BU09950201": "Atol", "GM0034": "Almere", "WK003401": "Wijk 01 Stad", "GM0363": "Amsterdam"}


def kern_table(modified: str = "2021-03-26T02:00:00") -> V3Table:
    data = pl.DataFrame({
        "ID": list(range(len(KERN_ROWS))),
        "WijkenEnBuurten": [pad(r[0]) for r in KERN_ROWS],
        "Gemeentenaam_1": [r[1].ljust(40) for r in KERN_ROWS],
        "SoortRegio_2": [r[2].ljust(10) for r in KERN_ROWS],
        "Codering_3": [pad(r[0]) for r in KERN_ROWS],
        "AantalInwoners_5": [r[3] for r in KERN_ROWS],
        "k_65JaarOfOuder_12": [r[4] for r in KERN_ROWS],
        "PersonenPerSoortUitkeringBijstand_83": [r[5] for r in KERN_ROWS],
    }, schema_overrides={"k_65JaarOfOuder_12": pl.Int32, "PersonenPerSoortUitkeringBijstand_83": pl.Int32})
    props = [
        {"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Position": 0, "ParentID": None, "Type": "GeoDetail",
         "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "Description": "", "MapYear": 2020},
        {"odata.type": "Cbs.OData.TopicGroup", "ID": 1, "Type": "TopicGroup", "Key": "", "Title": "Regioaanduiding"},
        {"odata.type": "Cbs.OData.Topic", "ID": 2, "Type": "Topic", "Key": "Gemeentenaam_1", "Title": "Gemeentenaam",
         "Datatype": "String", "Unit": "naam"},
        {"odata.type": "Cbs.OData.Topic", "ID": 3, "Type": "Topic", "Key": "SoortRegio_2", "Title": "Soort regio",
         "Datatype": "String"},
        {"odata.type": "Cbs.OData.Topic", "ID": 4, "Type": "Topic", "Key": "Codering_3", "Title": "Codering",
         "Datatype": "String"},
        {"odata.type": "Cbs.OData.Topic", "ID": 7, "Type": "Topic", "Key": "AantalInwoners_5",
         "Title": "Aantal inwoners", "Datatype": "Long", "Unit": "aantal", "Decimals": 0},
        {"odata.type": "Cbs.OData.Topic", "ID": 16, "Type": "Topic", "Key": "k_65JaarOfOuder_12",
         "Title": "65 jaar of ouder", "Datatype": "Long", "Unit": "aantal", "Decimals": 0},
        {"odata.type": "Cbs.OData.Topic", "ID": 112, "Type": "Topic", "Key": "PersonenPerSoortUitkeringBijstand_83",
         "Title": "Personen per soort uitkering; Bijstand", "Datatype": "Long", "Unit": "aantal"},
    ]
    dims = {"WijkenEnBuurten": [
        {"Key": pad(c), "Title": n, "Description": None, "Municipality": ("GM" + c[2:6]) if c[:2] != "NL" else "",
         "DetailRegionCode": c} for c, n in KERN_NAMES.items()]}
    infos = {"Updated": modified, "ID": 937, "Identifier": "84799NED", "Title": "Kerncijfers wijken en buurten 2020",
             "Modified": modified, "Period": "2020", "RecordCount": len(KERN_ROWS)}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=3)


def wmo_table() -> V3Table:
    """Wmo clients per wijk and type of provision, with Perioden (one provisional year)."""
    rows = []
    vals = {("GM0995", "2022JJ00"): (3890, 1450), ("GM0995", "2023JJ00"): (4010, 1500),
            ("WK099501", "2022JJ00"): (610, 250), ("WK099501", "2023JJ00"): (None, 260),
            ("NL01", "2022JJ00"): (1200000, 450000), ("NL01", "2023JJ00"): (1250000, 460000),
            ("GM0363", "2022JJ00"): (60000, 20000), ("GM0363", "2023JJ00"): (61000, 21000)}
    for (region, period), (total, hh) in vals.items():
        for typ, v in (("T001024", total), ("A019507", hh), ("A019509", 5)):
            rows.append({"WijkenEnBuurten": pad(region), "TypeMaatwerkvoorziening": typ.ljust(8),
                         "Perioden": period, "WmoClienten_1": v, "WmoClientenPer1000Inwoners_2": None})
    data = pl.DataFrame(rows, schema_overrides={"WmoClienten_1": pl.Int64, "WmoClientenPer1000Inwoners_2": pl.Float64})
    data = data.with_row_index("ID")
    props = [
        {"odata.type": "Cbs.OData.GeoDimension", "ID": 0, "Type": "GeoDimension", "Key": "WijkenEnBuurten",
         "Title": "Wijken en buurten", "MapYear": 2023},
        {"odata.type": "Cbs.OData.Dimension", "ID": 1, "Type": "Dimension", "Key": "TypeMaatwerkvoorziening",
         "Title": "Type maatwerkvoorziening"},
        {"odata.type": "Cbs.OData.TimeDimension", "ID": 2, "Type": "TimeDimension", "Key": "Perioden",
         "Title": "Perioden"},
        {"odata.type": "Cbs.OData.Topic", "ID": 3, "Type": "Topic", "Key": "WmoClienten_1", "Title": "Wmo-cliënten",
         "Unit": "aantal"},
        {"odata.type": "Cbs.OData.Topic", "ID": 4, "Type": "Topic", "Key": "WmoClientenPer1000Inwoners_2",
         "Title": "Wmo-cliënten per 1000 inwoners", "Unit": "per 1 000 inwoners"},
    ]
    dims = {
        "WijkenEnBuurten": [{"Key": pad(c), "Title": n} for c, n in
                            [("NL01", "Nederland"), ("GM0995", "Lelystad"), ("WK099501", "Wijk 01 Lelystad-Haven"),
                             ("GM0363", "Amsterdam")]],
        "TypeMaatwerkvoorziening": [{"Key": k.ljust(8), "Title": t} for k, t in
                                    [("T001024", "Totaal"), ("A019507", "Hulp bij het huishouden"),
                                     ("A019509", "Hulpmiddelen en diensten")]],
        "Perioden": [{"Key": "2022JJ00", "Title": "2022", "Status": "Definitief"},
                     {"Key": "2023JJ00", "Title": "2023*", "Status": "Voorlopig"}],
    }
    infos = {"Identifier": "85639NED", "Title": "Wmo-cliënten; type maatwerkvoorziening, wijken en buurten",
             "Modified": "2024-06-20T02:00:00", "Period": "2022-2023", "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=5)


def youth_table() -> V4Table:
    """A v4 table: Observations rows with Measure codes, ValueAttribute and @odata.nextLink paging."""
    obs = []
    n = 0
    vals = {("GM0995", "2022JJ00"): (2010, 11.5), ("GM0995", "2023JJ00"): (2100, 12.0),
            ("WK099501", "2022JJ00"): (300, 10.0), ("WK099501", "2023JJ00"): (None, None),
            ("NL01", "2022JJ00"): (450000, 11.8), ("NL01", "2023JJ00"): (460000, 12.1)}
    for (region, period), (count, pct) in vals.items():
        for kind, factor in (("A042502", 1.0), ("A027919", 0.1)):
            for measure, v in (("M001234", count), ("M001235", pct)):
                val = None if v is None else round(v * factor, 1)
                attr = "None" if val is not None else "Missing"
                if (region, period, kind, measure) == ("NL01", "2022JJ00", "A042502", "M001235"):
                    attr = "Provisional"  # a single provisional cell in an otherwise final year
                obs.append({"Id": n, "Measure": measure, "ValueAttribute": attr,
                            "Value": val, "SoortJeugdzorg": kind, "Perioden": period, "WijkenEnBuurten": region,
                            "StringValue": None})
                n += 1
    df = pl.DataFrame(obs, schema_overrides={"Value": pl.Float64, "StringValue": pl.String})
    return V4Table(
        properties={"Identifier": "86204NED", "Title": "Jeugdhulp; wijken en buurten",
                    "Modified": "2025-05-01T02:00:00+02:00", "TemporalCoverage": "2022-2023",
                    "ObservationCount": df.height},
        dimensions=[{"Identifier": "SoortJeugdzorg", "Title": "Soort jeugdzorg", "Kind": "Dimension", "MapYear": None},
                    {"Identifier": "Perioden", "Title": "Perioden", "Kind": "TimeDimension", "MapYear": None},
                    {"Identifier": "WijkenEnBuurten", "Title": "Wijken en buurten", "Kind": "GeoDetail",
                     "MapYear": "2023"}],
        measure_codes=[{"Identifier": "M001234", "Index": 1, "Title": "Jongeren met jeugdhulp", "Unit": "aantal"},
                       {"Identifier": "M001235", "Index": 2, "Title": "Percentage jongeren met jeugdhulp",
                        "Unit": "%"}],
        codes={"SoortJeugdzorg": [{"Identifier": "T001203", "Title": "Totaal"},
                                  {"Identifier": "A042502", "Title": "Jeugdhulp"},
                                  {"Identifier": "A027919", "Title": "Jeugdbescherming"}],
               "Perioden": [{"Identifier": "2022JJ00", "Title": "2022", "Status": "Definitief"},
                            {"Identifier": "2023JJ00", "Title": "2023", "Status": "Voorlopig"}],
               "WijkenEnBuurten": [{"Identifier": "NL01", "Title": "Nederland"},
                                   {"Identifier": "GM0995", "Title": "Lelystad"},
                                   {"Identifier": "WK099501", "Title": "Wijk 01 Lelystad-Haven"}]},
        observations=df, page_size=4,
    )


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("MSD_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("MSD_HTTP_RETRIES", "3")
    monkeypatch.setenv("MSD_HTTP_TIMEOUT", "5")


@pytest.fixture
def catalogue_path(tmp_path) -> Path:
    p = tmp_path / "catalogue.toml"
    p.write_text(CATALOGUE, encoding="utf-8")
    return p


@pytest.fixture
def fake():
    f = FakeCBS()
    f.v3["84799NED"] = kern_table()
    f.v3["85639NED"] = wmo_table()
    f.v4["86204NED"] = youth_table()
    with Server(f):
        yield f
