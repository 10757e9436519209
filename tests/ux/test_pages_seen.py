"""What the screenshot walk found on pages, fixed and kept fixed: Figuur insluiten from the menu is not an
empty panel, and Bronnen shows every source name whole."""

from __future__ import annotations

from queries import Warehouse
from queries import figures as q
from tests.test_app import open_page


def test_figuur_insluiten_from_the_menu_lets_the_reader_choose_a_figure(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/embed.py")
    choice = at.selectbox(key="embed-choice")
    assert choice.label == "Cijfer" and choice.value is None
    wh = Warehouse.open(demo_warehouse)
    title = q.indicator(wh, "wmo_clients_per_1000")["title"]
    choice.set_value("wmo_clients_per_1000").run()
    assert at.query_params["indicator"] == ["wmo_clients_per_1000"] or at.query_params["indicator"] == \
        "wmo_clients_per_1000"
    assert title in [t.value for t in at.title]
    assert len(at.get("vega_lite_chart")) == 1


def test_bronnen_lists_every_loaded_source_by_its_whole_name(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/bronnen.py")
    wh = Warehouse.open(demo_warehouse)
    names = q.sources(wh)["title"].to_list()
    shown = at.table[0].value
    assert list(shown.index) == names
    assert list(shown.columns) == ["Soort", "Tabel", "Versie bij de bron", "Geladen op", "Aantal cijfers"]


def test_headline_tiles_say_voorlopig_under_the_figure_not_in_the_cut_off_label(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/jeugd.py", {"jaar": "2025"})
    wh = Warehouse.open(demo_warehouse)
    tiles = q.headline(wh, "jeugd", 2025)
    provisional = tiles.filter(tiles["status"] == "provisional").height
    assert provisional >= 1  # the demo's last year is provisional
    assert [m.label for m in at.metric][: tiles.height] == tiles["short_title"].to_list()
    assert [c.value for c in at.caption].count("Voorlopig cijfer") == provisional
