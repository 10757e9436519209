import pytest

from warehouse import catalogue
from warehouse.catalogue import CatalogueError


def test_the_catalogue_covers_every_law_with_complete_entries():
    cat = catalogue.load()
    assert len(cat.entries) >= 40
    laws = {e["law"] for e in cat.entries}
    assert laws == set(catalogue.LAWS)
    for e in cat.entries:
        assert e["definition"].strip() and e["theme"] and e["unit"] in catalogue.UNITS
        assert e.get("source") or e.get("derive"), e["id"]
        if "cbs" in e.get("source", {}):
            assert e["source"]["cbs"]["unit"], e["id"]  # the unit CBS publishes it in, checked at load
    frame = cat.to_frame()
    assert frame.height == len(cat.entries)
    assert set(frame.columns) >= {"id", "title", "law", "theme", "unit", "direction", "definition", "source_json"}


def test_safety_indicators_are_marked_sensitive():
    cat = catalogue.load()
    assert cat.get("veilig_thuis_reports")["sensitive"] is True
    assert cat.get("jeugdbescherming_youngsters")["sensitive"] is True


@pytest.mark.parametrize("text, expected", [
    ("", "holds no [[indicator]]"),
    ("[[indicator]]\nid = 'a'\n", "'title' is missing"),
    ("[[indicator]\n", "not valid TOML"),
])
def test_a_broken_catalogue_says_what_is_wrong(tmp_path, text, expected):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(CatalogueError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        catalogue.load(path)


def test_unknown_law_unit_and_denominator_and_duplicates_are_named(tmp_path):
    entry = """[[indicator]]
id = "{id}"
title = "T"
law = "{law}"
theme = "x"
unit = "{unit}"
direction = "neutral"
definition = "d"
denominator = "{den}"
source = {{ wsjg = {{ names = ["x"] }} }}
"""
    text = entry.format(id="a", law="belasting", unit="count", den="a") + entry.format(
        id="a", law="wmo", unit="liters", den="nope")
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(CatalogueError) as err:
        catalogue.load(path)
    msg = str(err.value)
    assert "law 'belasting'" in msg and "unit 'liters'" in msg and "denominator 'nope'" in msg
    assert "id occurs twice" in msg and "entry 2" in msg


def test_benefit_rates_are_derived_from_counts_over_the_same_inhabitants():
    """Title, definition and base of each rate agree: CBS counts over inhabitants of 15 to 65."""
    cat = catalogue.load()
    assert cat.get("pop_15_64")["derive"] == {"sum": ["pop_15_24", "pop_25_44", "pop_45_64"]}
    for rate, count, measure in (("bijstand_per_1000", "bijstand_persons", "PersonenPerSoortUitkeringBijstand"),
                                 ("ww_per_1000", "ww_persons", "PersonenPerSoortUitkeringWW"),
                                 ("ao_per_1000", "ao_persons", "PersonenPerSoortUitkeringAO")):
        e = cat.get(rate)
        assert e["derive"] == {"numerator": count, "denominator": "pop_15_64", "scale": 1000}
        assert "cbs" not in e.get("source", {})  # the count is mapped, never the rate
        assert "15 tot 65 jaar" in e["title"] and "15 tot 65 jaar" in e["definition"]
        src = cat.get(count)["source"]["cbs"]
        assert (src["measure"], src["unit"], cat.get(count)["unit"]) == (measure, "aantal", "count")
    frame = cat.to_frame()
    assert frame.filter(frame["id"] == "bijstand_per_1000")["denominator_id"].item() == "pop_15_64"


def test_kerncijfers_are_mapped_for_every_year_from_2017():
    tables = catalogue.load().get("population")["source"]["cbs"]["tables"]
    assert tables == ["83765NED", "84286NED", "84583NED", "84799NED", "85039NED", "85318NED", "85618NED",
                      "85984NED", "86165NED"]


def test_kwb_youth_care_is_mapped_only_for_years_whose_keys_are_known():
    """KWB 2018, 2020, 2023, 2024 and 2025 name the youth-care keys; 2017 has none (real extract)."""
    cat = catalogue.load()
    kwb = cat.get("population")["source"]["cbs"]["tables"]
    for ind, measure, unit in (("jeugdzorg_youngsters", "JongerenMetJeugdzorgInNatura", "aantal"),
                               ("jeugdzorg_pct", "PercentageJongerenMetJeugdzorg", "%")):
        src = cat.get(ind)["source"]["cbs"]
        assert src["tables"] == ["84286NED", "84799NED", "85618NED", "85984NED", "86165NED"], ind
        assert set(src["tables"]) <= set(kwb) and "83765NED" not in src["tables"], ind
        assert (src["measure"], src["unit"]) == (measure, unit), ind
