"""The figure search: words in a title or definition, without regard to case or accents."""

from __future__ import annotations

import polars as pl
from streamlit.testing.v1 import AppTest

from components import search
from tests.conftest import app_path

CATALOGUE = pl.DataFrame({
    "id": ["wmo_clients", "bijstand_persons", "bijstand_inflow", "pop"],
    "title": ["Cliënten met Wmo-maatwerk", "Inwoners met een bijstandsuitkering", "Instroom", "Aantal inwoners"],
    "short_title": ["Wmo-cliënten", "Bijstand", "Instroom", "Inwoners"],
    "law": ["wmo", "participatie", "participatie", "context"],
    "definition": ["Aantal cliënten met een maatwerkvoorziening.", "Aantal inwoners met bijstand.",
                   "Inwoners bij wie een Bijstandsuitkering begon.", "Inwoners op 1 januari."],
    "order": [1, 2, 3, 1],
})


def ids(query: str) -> list[str]:
    return [r["id"] for r in search.find(CATALOGUE, query)]


def test_a_word_inside_a_dutch_compound_is_found_title_matches_first():
    assert ids("bijstand") == ["bijstand_persons", "bijstand_inflow"]  # the second only in its definition


def test_case_and_accents_do_not_matter():
    assert ids("CLIENTEN") == ["wmo_clients"]
    assert ids("cliënten") == ["wmo_clients"]
    assert ids("Cliёnten") == []  # a Cyrillic ё is another letter, not an accent


def test_every_word_must_occur():
    assert ids("inwoners januari") == ["pop"]
    assert ids("inwoners maatwerk") == []
    assert ids("   ") == []


def test_a_figure_opens_on_its_law_page_and_context_figures_on_trends():
    rows = {r["id"]: r for r in search.find(CATALOGUE, "inwoners")}
    assert search.page_of(rows["bijstand_persons"]) == "app_pages/participatie.py"
    assert search.page_of(rows["pop"]) == "app_pages/trends.py"


def test_the_sidebar_search_links_to_the_figure_on_its_page(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = AppTest.from_file(app_path(), default_timeout=90)
    at.run()
    box = at.sidebar.text_input(key="_msd_search")
    assert box.label == "Zoek een cijfer"
    box.input("Bijstand").run()
    links = [el.proto for el in at.sidebar.get("page_link")]
    by_label = {link.label: link for link in links}
    first = by_label["Bijstand per 1.000"]  # the short title: the sidebar is narrow
    assert first.help == "Inwoners met bijstand per 1.000 inwoners van 15 tot 65 jaar"
    assert first.page.endswith("participatie")
    assert "indicator=bijstand_per_1000" in first.query_string
    box.input("geenzoekwoordxyz").run()
    assert not at.sidebar.get("page_link")
    assert "Geen cijfer gevonden" in " ".join(c.value for c in at.sidebar.caption)


def test_the_overview_has_the_search_box_at_the_top_with_full_titles(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = AppTest.from_file(app_path(), default_timeout=90)
    at.run()
    at.text_input(key="zoek-overzicht").input("clienten wmo").run()
    main_links = [el.proto for el in at.main.get("page_link") if el.proto.query_string.startswith("indicator=")]
    labels = [link.label for link in main_links if "search" in link.icon]
    assert "Cliënten met Wmo-maatwerk (eigen registratie)" in labels  # "clienten" found "Cliënten"
    assert "Inwoners met Wmo-maatwerk (CBS)" in labels  # through its short title "Wmo-cliënten (CBS)"
    assert all(link.page.endswith("wmo") for link in main_links if "search" in link.icon)
