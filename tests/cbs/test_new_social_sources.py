"""The issue-20 CBS figures through the real loader and the real catalogue, on small tables shaped like the
published ones: the RIVM health monitor per wijk on dataderden (50150NED: age group and margin dimensions,
only adults and the central estimate are taken), Veilig Thuis by who reported (84849NED, half years and a
category dimension) with the derived police share, and Kerncijfers' 110%/120% income thresholds."""

from __future__ import annotations

import polars as pl
import pytest

from etl.cbs import Options, run_load
from tests.cbs.conftest import pad
from tests.cbs.fakecbs import FakeCBS, Server, V3Table
from warehouse.releases import current_release

HEALTH = [("GoedErvarenGezondheid_4", "Goed ervaren gezondheid"), ("Eenzaam_25", "Eenzaam"),
          ("SterkEenzaam_26", "Sterk eenzaam"), ("Mantelzorger_30", "Mantelzorger"),
          ("Vrijwilligerswerk_31", "Vrijwilligerswerk"), ("MoeiteMetRondkomen_32", "Moeite met rondkomen")]


def health_table() -> V3Table:
    """50150NED-shaped: every region x age group x margin x period; values encode where they come from,
    so a wrong age group or margin shows in the result (neither dimension lists the wanted code first)."""
    rows = []
    ages = {"20300": 0.0, "53115": 100.0, "80200": 200.0}  # 18+, 18-64, 65+
    margins = {"MW00000": 0.0, "MOG0095": 1000.0, "MBG0095": 2000.0}  # value, lower and upper bound
    regions = {"NL01": 1.0, "GM0995": 2.0, "WK099501": 3.0, "GM0034": 4.0}
    for region, r in regions.items():
        for age, a in ages.items():
            for margin, m in margins.items():
                for period, p in (("2020JJ00", 0.0), ("2024JJ00", 0.5)):
                    row = {"WijkenEnBuurten": pad(region, 10), "Leeftijd": age.ljust(7), "Marges": margin,
                           "Perioden": period}
                    for j, (key, _) in enumerate(HEALTH):
                        row[key] = 10 * (j + 1) + r + p + a + m
                    rows.append(row)
    data = pl.DataFrame(rows).with_row_index("ID")
    props = [
        {"Type": "Dimension", "Key": "Leeftijd", "Title": "Leeftijd"},
        {"Type": "Dimension", "Key": "Marges", "Title": "Marges"},
        {"Type": "GeoDimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "MapYear": 2024},
        {"Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
    ] + [{"Type": "Topic", "Key": k, "Title": t, "Unit": "%"} for k, t in HEALTH]
    dims = {
        "Leeftijd": [{"Key": k.ljust(7), "Title": t} for k, t in
                     (("53115", "18 tot 65 jaar"), ("20300", "18 jaar of ouder"), ("80200", "65 jaar of ouder"))],
        "Marges": [{"Key": k, "Title": t} for k, t in
                   (("MOG0095", "Ondergrens 95%-interval"), ("MW00000", "Waarde"), ("MBG0095", "Bovengrens"))],
        "WijkenEnBuurten": [{"Key": pad(c, 10), "Title": c} for c in regions],
        "Perioden": [{"Key": "2020JJ00", "Title": "2020", "Status": "Definitief"},
                     {"Key": "2024JJ00", "Title": "2024", "Status": "Definitief"}],
    }
    infos = {"Identifier": "50150NED", "Title": "Gezondheid per wijk en buurt; 2012/2016/2020/2022/2024",
             "Modified": "2025-06-01T02:00:00", "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=50)


def vt_table() -> V3Table:
    """84849NED-shaped: who asked for advice or reported, per gemeente, year and half year."""
    cats = {"T001019": "Totaal", "A047921": "Niet beroepsmatig totaal", "A047925": "Beroepsmatig totaal",
            "A047960": "Justitie en veiligheid: totaal"}
    counts = {("GM0995", "2023JJ00"): (860, 433, 40, 393, 328), ("GM0995", "2023HJ01"): (430, 210, 20, 190, 160),
              ("NL01", "2023JJ00"): (143210, 127340, 10230, 116520, 85590),
              ("GM0363", "2023JJ00"): (9000, 8000, 700, 7300, 5200)}
    rows = []
    for (region, period), (adv, total, private, prof, police) in counts.items():
        for cat, reports in zip(cats, (total, private, prof, police), strict=True):
            rows.append({"Kenmerken": cat.ljust(8), "RegioS": pad(region, 6), "Perioden": period,
                         "GestarteAdviezen_1": adv if cat == "T001019" else None, "OntvangenMeldingen_2": reports})
    data = pl.DataFrame(rows, schema_overrides={"GestarteAdviezen_1": pl.Int64}).with_row_index("ID")
    props = [
        {"Type": "Dimension", "Key": "Kenmerken", "Title": "Kenmerken adviezen/meldingen"},
        {"Type": "GeoDimension", "Key": "RegioS", "Title": "Regio's"},
        {"Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
        {"Type": "Topic", "Key": "GestarteAdviezen_1", "Title": "Gestarte adviezen", "Unit": "aantal"},
        {"Type": "Topic", "Key": "OntvangenMeldingen_2", "Title": "Ontvangen meldingen", "Unit": "aantal"},
    ]
    dims = {"Kenmerken": [{"Key": k.ljust(8), "Title": t} for k, t in cats.items()],
            "RegioS": [{"Key": pad(c, 6), "Title": n} for c, n in
                       (("NL01", "Nederland"), ("GM0995", "Lelystad"), ("GM0363", "Amsterdam"))],
            "Perioden": [{"Key": "2023HJ01", "Title": "2023 1e halfjaar*", "Status": "Voorlopig"},
                         {"Key": "2023JJ00", "Title": "2023*", "Status": "Voorlopig"}]}
    infos = {"Identifier": "84849NED", "Title": "Huiselijk geweld; rol/functie, organisatie, duur geweld, regio",
             "Modified": "2025-04-01T02:00:00", "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=50)


def kwb_income() -> V3Table:
    """Kerncijfers 2020 (84799NED) with the real keys of the three social-minimum thresholds."""
    keys = [("HuishOnderOfRondSociaalMinimum_79", "Huish. onder of rond sociaal minimum"),
            ("HuishoudensTot110VanSociaalMinimum_80", "Huishoudens tot 110% van sociaal minimum"),
            ("HuishoudensTot120VanSociaalMinimum_81", "Huishoudens tot 120% van sociaal minimum")]
    vals = {"NL00": (6.9, 8.6, 12.2), "GM0995": (9.1, 11.3, 15.8), "WK099501": (14.0, None, 22.5)}
    data = pl.DataFrame([{"WijkenEnBuurten": pad(c), **{k: v for (k, _), v in zip(keys, vs, strict=True)}}
                         for c, vs in vals.items()]).with_row_index("ID")
    props = [{"Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "MapYear": 2020}]
    props += [{"Type": "Topic", "Key": k, "Title": t, "Unit": "%"} for k, t in keys]
    dims = {"WijkenEnBuurten": [{"Key": pad(c), "Title": c} for c in vals]}
    infos = {"Identifier": "84799NED", "Title": "Kerncijfers wijken en buurten 2020", "Modified": "2021-03-26T02:00:00",
             "Period": "2020", "RecordCount": data.height}
    return V3Table(infos=infos, data_properties=props, dims=dims, data=data, page_size=50)


@pytest.fixture
def loaded(tmp_path):
    statline, dataderden = FakeCBS(), FakeCBS()
    statline.v3["84849NED"] = vt_table()
    statline.v3["84799NED"] = kwb_income()
    dataderden.v3["50150NED"] = health_table()
    with Server(statline), Server(dataderden):
        rep = run_load(Options(warehouse=tmp_path / "wh", tables=["50150NED", "84849NED", "84799NED"],
                               gemeente="GM0995", peers=("GM0034",), base_url=statline.base,
                               v4_base_url=f"{statline.base}/odata/v1/CBS", dataderden_base_url=dataderden.base))
    assert sorted(rep.loaded) == ["50150NED", "84799NED", "84849NED"]
    assert statline.count("50150NED") == 0  # the health monitor is read from the third-party catalogue only
    obs = current_release(tmp_path / "wh").table("observations")
    return {(r["indicator_id"], r["region_code"], r["period"]): r for r in obs.to_dicts()}


def test_the_health_monitor_gives_adults_and_the_central_estimate_per_wijk(loaded):
    # value = 10 * (measure position) + region + 0.5 for 2024; other ages add 100/200, margins 1000/2000
    assert loaded[("health_good_pct", "WK099501", "2024JJ00")]["value"] == 13.5
    assert loaded[("lonely_pct", "GM0995", "2020JJ00")]["value"] == 22.0  # Eenzaam_25, not SterkEenzaam_26
    assert loaded[("informal_carers_pct", "NL01", "2024JJ00")]["value"] == 41.5
    assert loaded[("volunteers_pct", "GM0034", "2020JJ00")]["value"] == 54.0
    assert loaded[("hard_to_make_ends_meet_pct", "GM0995", "2024JJ00")]["value"] == 62.5
    assert loaded[("health_good_pct", "GM0995", "2020JJ00")]["source_id"] == "cbs:50150NED"


def test_veilig_thuis_by_who_reported_with_the_police_share_derived(loaded):
    assert loaded[("vt_reports_received", "GM0995", "2023JJ00")]["value"] == 433
    assert loaded[("vt_reports_police", "GM0995", "2023JJ00")]["value"] == 328
    assert loaded[("vt_reports_professionals", "GM0995", "2023JJ00")]["value"] == 393
    assert loaded[("vt_reports_private", "GM0995", "2023JJ00")]["value"] == 40
    assert loaded[("vt_advices", "GM0995", "2023JJ00")]["value"] == 860
    share = loaded[("vt_reports_police_share", "GM0995", "2023JJ00")]
    assert share["value"] == pytest.approx(100 * 328 / 433) and share["denominator"] == 433
    assert loaded[("vt_reports_private_share", "NL01", "2023JJ00")]["value"] == pytest.approx(100 * 10230 / 127340)
    half = loaded[("vt_reports_police", "GM0995", "2023HJ01")]  # a half year stays a half year
    assert half["value"] == 160 and half["status"] == "provisional"
    assert ("vt_reports_received", "GM0363", "2023JJ00") not in loaded  # not the municipality, not a peer


def test_the_income_thresholds_map_their_own_keys(loaded):
    assert loaded[("pct_households_social_minimum", "GM0995", "2020JJ00")]["value"] == 9.1
    assert loaded[("pct_households_110_social_minimum", "GM0995", "2020JJ00")]["value"] == 11.3
    assert loaded[("pct_households_120_social_minimum", "WK099501", "2020JJ00")]["value"] == 22.5
    assert loaded[("pct_households_110_social_minimum", "WK099501", "2020JJ00")]["status"] == "suppressed"
