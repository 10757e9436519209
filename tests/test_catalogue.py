import pytest

from etl import catalogue
from etl.catalogue import CatalogueError


def test_the_catalogue_covers_every_law_with_complete_entries():
    cat = catalogue.load()
    assert len(cat.entries) >= 40
    laws = {e["law"] for e in cat.entries}
    assert laws == set(catalogue.LAWS)
    for e in cat.entries:
        assert e["definition"].strip() and e["theme"] and e["unit"] in catalogue.UNITS
        assert e["source"], e["id"]
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
