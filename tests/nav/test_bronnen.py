"""The Bronnen page in Dutch: local times, source names, Dutch numbers, whole definitions."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from components import sources_view
from domain import formatting as fmt
from queries import Warehouse
from tests.conftest import app_path
from warehouse.releases import current_release


def test_times_are_dutch_local_time_in_words():
    assert fmt.local_datetime("2026-12-01T22:36:36+00:00") == "1 december 2026, 23:36"  # winter: UTC+1
    assert fmt.local_datetime("2026-07-01T22:05:00+00:00") == "2 juli 2026, 00:05"  # summer: UTC+2
    assert fmt.local_datetime("2026-03-05T10:00:00") == "5 maart 2026, 11:00"  # no offset: UTC
    assert fmt.local_datetime(None) == fmt.MISSING_TEXT


def test_sources_and_levels_in_dutch_words():
    titles = {"registry:wmo": "Eigen registratie wmo"}
    assert sources_view.source_name("registry:wmo", titles) == "Eigen registratie wmo"
    assert sources_view.source_name("wsjg:demo", {}) == "Waarstaatjegemeente.nl"
    assert sources_view.levels_text("land,gemeente,wijk") == "Nederland, gemeente, wijk"
    assert sources_view.version_text("2025-12-31") == "31 december 2025"
    assert sources_view.years_text(2019, 2024) == "2019 tot en met 2024"


def test_the_bronnen_page_shows_no_raw_codes_iso_times_or_cut_definitions(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = AppTest.from_file(app_path(), default_timeout=90)
    at.run()
    at.switch_page("app_pages/bronnen.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # a static table (st.table) whose cells wrap, so no source name is cut off
    table = next(t.value for t in at.table if "Geladen op" in t.value.columns)
    assert set(table["Soort"]) <= set(sources_view.SOURCE_KINDS.values())
    assert "Eigen registratie van de gemeente" in set(table["Soort"])
    assert not any("T" in t and "+00:00" in t for t in table["Geladen op"])
    assert all(" 20" in t and ":" in t for t in table["Geladen op"])
    counts = list(table["Aantal cijfers"])
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", c) for c in counts), counts  # Dutch thousands separator
    assert any("." in c for c in counts)
    body = "\n".join(m.value for m in at.markdown)
    # Every definition stands in full (the longest too), and no entry names a raw source id.
    cat = Warehouse(current_release(demo_warehouse)).run("indicators")
    longest = max(cat["definition"].to_list(), key=len)
    assert len(longest) > 150 and longest in body
    assert all(d in body for d in cat["definition"].to_list())
    assert "registry:" not in body and "wsjg:" not in body
