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


def test_the_stable_dossier_link_is_shown_in_full(monkeypatch):
    from types import SimpleNamespace

    from components import dossier_view

    def link(url):
        monkeypatch.setattr(dossier_view, "st", SimpleNamespace(context=SimpleNamespace(url=url)))
        return dossier_view.dossier_link("ouderen-thuis")

    assert link("https://monitor.example.nl/dossiers?dossier=x") == \
        "https://monitor.example.nl/dossiers?dossier=ouderen-thuis"
    assert link("http://127.0.0.1:8501/monitor/dossier-maken") == \
        "http://127.0.0.1:8501/monitor/dossiers?dossier=ouderen-thuis"
    assert link(None) == "?dossier=ouderen-thuis"


def test_a_long_list_of_source_files_reads_as_a_count():
    from components.sources_view import table_text

    files = ", ".join(f"wsjg_{i:02d}.csv" for i in range(16))
    assert table_text(files[:200]) == "wsjg_00.csv en 14 andere bestanden of meer"  # the 16th name was cut off
    assert table_text(", ".join(f"wsjg_{i:02d}.csv" for i in range(5))) == "wsjg_00.csv en 4 andere bestanden"
    assert table_text("83451NED") == "83451NED" and table_text(None) is None


def test_the_signals_table_puts_the_long_sentence_last_and_scores_as_whole_numbers(monkeypatch):
    import polars as pl

    from components import signals_view

    frame = pl.DataFrame({"Signaal": ["Meldingen voor Wmo-hulp in Bosrand daalde van 86 naar 31"], "Soort": ["Verandering"],
                          "Gebied": ["Bosrand"], "Periode": ["2025 kwartaal 4"], "Score": [85.9], "Duiding": ["ja"]})
    seen = {}
    monkeypatch.setattr(signals_view.st, "dataframe", lambda data, **kwargs: seen.update(kwargs))
    signals_view.show_table(frame)
    assert seen["column_order"] == ["Soort", "Gebied", "Periode", "Score", "Duiding", "Signaal"]
    assert seen["column_config"]["Score"]["type_config"]["format"] == "%.0f"
