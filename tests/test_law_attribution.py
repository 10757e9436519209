"""Issue 20: figures sit under the law the council documents file them under, the law "veiligheid" and its
page are gone, and bijstand per 1.000 says in title, definition and derivation the same base."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from domain.laws import LAWS
from queries import Warehouse
from queries import figures as q
from store.db import Database
from store.notes import NoteStore
from tests.conftest import ROOT, obs
from tests.notes.conftest import content
from tests.support.warehouse import publish_small
from tests.test_app import open_page, texts
from warehouse import catalogue

MOVED = {"veilig_thuis_reports": ("wmo", "Huiselijk geweld"), "veilig_thuis_reports_per_1000": ("wmo", "Huiselijk geweld"),
         "jeugdbescherming_youngsters": ("jeugd", "Jeugdbescherming"), "jeugdbescherming_pct": ("jeugd", "Jeugdbescherming"),
         "jeugdreclassering_youngsters": ("jeugd", "Jeugdbescherming"),
         "early_school_leavers_pct": ("context", "Onderwijs"),
         "ww_per_1000": ("context", "Werk en uitkeringen"), "ww_persons": ("context", "Werk en uitkeringen"),
         "ao_per_1000": ("context", "Werk en uitkeringen"), "ao_persons": ("context", "Werk en uitkeringen")}


def test_each_figure_is_under_the_law_of_the_council_documents():
    cat = catalogue.load()
    for indicator_id, (law, theme) in MOVED.items():
        e = cat.get(indicator_id)
        assert (e["law"], e["theme"]) == (law, theme), indicator_id
    assert "veiligheid" not in LAWS and "veiligheid" not in q.LAW_ORDER
    assert not [e["id"] for e in cat.entries if e["law"] == "veiligheid"]
    assert not (ROOT / "app_pages" / "veiligheid.py").exists()
    assert not (ROOT / "data" / "law_pages" / "veiligheid.md").exists()
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    # Only the old address stays, hidden, forwarding to the new pages (test below).
    assert app.count("veiligheid") == 1 and 'url_path="veiligheid",\n                visibility="hidden"' in app


def test_a_catalogue_entry_with_the_old_law_is_refused(tmp_path):
    text = (ROOT / "data" / "catalogue.toml").read_text(encoding="utf-8")
    broken = tmp_path / "catalogue.toml"
    broken.write_text(text.replace('law = "wmo"\ntheme = "Huiselijk geweld"', 'law = "veiligheid"\ntheme = "Huiselijk geweld"',
                                   1), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="law 'veiligheid' is not one of"):
        catalogue.load(broken)


def test_bijstand_per_1000_names_the_base_it_is_computed_on():
    cat = catalogue.load()
    e = cat.get("bijstand_per_1000")
    assert e["derive"] == {"numerator": "bijstand_persons", "denominator": "pop_15_64", "scale": 1000}
    assert cat.get("pop_15_64")["derive"] == {"sum": ["pop_15_24", "pop_25_44", "pop_45_64"]}
    assert e["title"].endswith("per 1.000 inwoners van 15 tot 65 jaar")
    assert "per 1.000 inwoners van 15 tot 65 jaar" in e["definition"]
    # No claim the CBS count does not make; and it says why the base is not 18 to the AOW age.
    assert "CBS telt alleen mensen onder de AOW-leeftijd" not in e["definition"]
    assert "vanaf 18 jaar tot de AOW-leeftijd" in e["definition"]


def test_the_derived_rate_is_the_count_over_the_three_cbs_bands(tmp_path):
    """Hand-computed: 300 persons with bijstand over 900 + 2.000 + 2.100 = 5.000 inhabitants of 15-64 -> 60 per 1.000."""
    rows = [obs("bijstand_persons", "GM0001", "2020JJ00", 300), obs("pop_15_24", "GM0001", "2020JJ00", 900),
            obs("pop_25_44", "GM0001", "2020JJ00", 2000), obs("pop_45_64", "GM0001", "2020JJ00", 2100)]
    wh = Warehouse.open(publish_small(tmp_path / "wh", rows))
    assert q.series(wh, "pop_15_64", ["GM0001"])["value"].to_list() == [5000]
    assert q.series(wh, "bijstand_per_1000", ["GM0001"])["value"].to_list() == [pytest.approx(60.0)]


@pytest.fixture
def moved_warehouse(tmp_path) -> Path:
    rows = []
    for year, (vt, jb, school) in {2023: (420, 160, 1.8), 2024: (440, 150, 1.6)}.items():
        p = f"{year}JJ00"
        rows += [obs("veilig_thuis_reports", "GM0001", p, vt), obs("jeugdbescherming_youngsters", "GM0001", p, jb),
                 obs("early_school_leavers_pct", "GM0001", p, school), obs("population", "GM0001", p, 78000)]
    return publish_small(tmp_path / "warehouse", rows)


def all_figures(at) -> pl.DataFrame:
    return next(pl.from_pandas(df.value) for df in at.dataframe if "Cijfer" in df.value.columns)


@pytest.mark.parametrize(("page", "indicator_id", "title", "theme"), [
    ("app_pages/wmo.py", "veilig_thuis_reports", "Meldingen bij Veilig Thuis", "Huiselijk geweld"),
    ("app_pages/jeugd.py", "jeugdbescherming_youngsters", "Jongeren met een maatregel van jeugdbescherming",
     "Jeugdbescherming"),
])
def test_the_moved_figure_is_on_its_law_page_with_chart_table_and_notes(app_env, moved_warehouse, page, indicator_id,
                                                                           title, theme):
    app_env(moved_warehouse)
    law = MOVED[indicator_id][0]
    store = NoteStore(Database(f"sqlite:///{moved_warehouse.parent / 'store.sqlite'}"))
    store.db.migrate()
    n = store.create(content(law=law, indicator_id=indicator_id, title=f"Duiding bij {title}"), role="ambtenaar",
                     user="anna")
    n = store.submit_for_review(n.note_id, n.head_revision, role="ambtenaar", user="anna")
    store.publish(n.note_id, n.head_revision, role="beheerder", user="bert")

    at = open_page(page, {"indicator": indicator_id})
    table = all_figures(at)
    assert table.filter(pl.col("Cijfer") == title)["Thema"].to_list() == [theme]
    assert list(at.get("vega_lite_chart"))  # the chart
    body = texts(at)
    assert f"Duiding bij {title}" in body  # the note written under the figure's law shows beside it


def test_early_school_leaving_is_context_on_the_trends_page(app_env, moved_warehouse):
    app_env(moved_warehouse)
    at = open_page("app_pages/trends.py", {"indicator": "early_school_leavers_pct"})
    assert list(at.get("vega_lite_chart"))
    assert "**Duiding**" in [m.value for m in at.markdown]
    jeugd = open_page("app_pages/jeugd.py")
    assert "Voortijdig schoolverlaters" not in all_figures(jeugd)["Cijfer"].to_list()


def test_the_old_veiligheid_address_sends_a_figure_to_its_new_page(app_env, demo_warehouse):
    from components.law_page import LAW_INFO

    app_env(demo_warehouse)
    at = open_page("app_pages/verhuisd.py", {"indicator": "jeugdbescherming_pct"})
    assert not at.exception
    assert at.title[0].value == LAW_INFO["jeugd"]["title"]  # the Jeugd page, the figure chosen
    assert at.query_params["indicator"] in ("jeugdbescherming_pct", ["jeugdbescherming_pct"])
    at = open_page("app_pages/verhuisd.py")
    assert at.title[0].value == "Deze pagina is verhuisd"
    assert [link.proto.label for link in at.get("page_link")] == [
        "Veilig Thuis en huiselijk geweld: bij de Wmo", "Jeugdbescherming en jeugdreclassering: bij Jeugd"]
