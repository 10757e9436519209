"""The app's embed page (/embed?indicator=...): the figure, its sentence, its source and a link back."""

from __future__ import annotations

from components import indicator_view
from publish.site import figure_regions
from queries import Warehouse
from queries import figures as q
from tests.test_app import open_page, texts


def test_embed_shows_one_figure_with_sentence_source_and_link(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/embed.py", {"indicator": "wmo_clients_per_1000"})
    wh = Warehouse.open(demo_warehouse)
    ind = q.indicator(wh, "wmo_clients_per_1000")
    shown_id, regions = figure_regions(wh, ind)
    df = q.series_compared(wh, shown_id, [c for c in regions if c != q.PEER_CODE], peer_median=True)
    text = texts(at)
    assert ind["title"] in [t.value for t in at.title]
    assert indicator_view.describe_series(df, ind["unit"]) in text
    assert indicator_view.provenance(wh, ind, df) in text
    assert len(at.get("vega_lite_chart")) == 1
    links = at.get("page_link")
    assert len(links) == 1 and "wmo" in links[0].proto.page


def test_embed_without_a_figure_says_how_to_choose_one(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/embed.py", {"indicator": "bestaat_niet"})
    assert "?indicator=" in at.info[0].value
