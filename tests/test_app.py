"""Every page through Streamlit's AppTest, asserting the figures a council member sees."""

from __future__ import annotations

import json
import subprocess

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import app_path
from tests.support.signin import sign_in_as

PAGES = ["app_pages/overzicht.py", "app_pages/wmo.py", "app_pages/jeugd.py", "app_pages/participatie.py",
         "app_pages/schuldhulp.py", "app_pages/wijken.py", "app_pages/trends.py",
         "app_pages/bronnen.py"]


def open_page(page: str, query: dict | None = None, role: str | None = None) -> AppTest:
    """The page as an anonymous reader, or signed in as ``role`` (the test module then imports the
    fake_browser fixture of tests.support.signin)."""
    # 180 s: the first page of the module builds the release's caches with every chart spec checked against
    # the Vega-Lite schema (MSD_VALIDATE_CHARTS, tests only); on a loaded CI machine that passed 90 s.
    at = AppTest.from_file(app_path(), default_timeout=180)
    if role:
        sign_in_as(at, role)
    else:
        at.run()
    if page != PAGES[0]:
        at.switch_page(page)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything a reader can read on the page: markdown, captions, metrics, tables."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
    parts += [h.value for h in at.subheader] + [t.value for t in at.title] + [i.value for i in at.info]
    parts += [f"{m.label}={m.value}" for m in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_demo_with_content(app_env, demo_warehouse, page):
    app_env(demo_warehouse)
    at = open_page(page)
    body = texts(at)
    assert "DEMODATA" in body
    assert "Lindewaard" in body or page.endswith(("wijken.py", "trends.py", "bronnen.py"))
    assert not at.error


def test_a_law_page_sends_its_charts_with_their_data(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/wmo.py", {"indicator": "wmo_clients_per_1000"})
    charts = [el.proto for el in at.get("vega_lite_chart")]
    assert len(charts) >= 2
    first = json.loads(charts[0].spec)
    assert first["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # The data travels beside the spec as Arrow, as with st.altair_chart.
    rows = [row for ds in charts[0].datasets for row in pa.ipc.open_stream(ds.data.data).read_all().to_pylist()]
    # The time chart carries Lindewaard's yearly figures 2015-2025, formatted the Dutch way for the tooltip.
    years = {row["year"] for row in rows if row.get("region_name") == "Lindewaard"}
    assert {2015, 2025} <= years
    values = [row for row in rows if row.get("region_name")]  # not the demo's marker ("2019 abonnementstarief")
    assert all("," in row["label"] or row["label"].isdigit() for row in values if row.get("label") not in (None, "–"))
    assert first["config"]["locale"]["number"]["decimal"] == ","


def test_charts_are_drawn_through_the_one_helper():
    """st.altair_chart would validate every spec again under Streamlit's process-wide lock."""
    found = subprocess.run(["git", "grep", "-n", "st.altair_chart(", "--", "components", "app_pages", "app.py"],
                           capture_output=True, text=True, cwd=app_path().rsplit("/", 1)[0])
    assert found.stdout == "", found.stdout


def test_overview_shows_the_warehouse_figures_and_comparisons(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/overzicht.py")
    metrics = {m.label: m for m in at.metric}
    tile = metrics["Wmo-maatwerk per 1.000"]
    assert tile.value == "48,0 per 1.000"
    captions = [c.value for c in at.caption]
    # Nederland 56,5 in 2024; peers 40 and 52 -> median 46.
    assert any("Nederland 56,5 per 1.000" in c and "vergelijkbare gemeenten 46,0 per 1.000" in c for c in captions)
    assert "DEMODATA" not in texts(at)
    # Veilig Thuis reported 8 in 2024: below the strict floor of 10, so no number is shown.
    vt = metrics["Meldingen Veilig Thuis"]
    assert vt.value == "te klein"


def test_small_cells_are_never_shown_in_the_wijk_views(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/wijken.py", {"indicator": "wmo_reg_clients", "jaar": "2024"})
    table = next(df.value for df in at.dataframe if "Gebied" in df.value.columns)
    shown = dict(zip(table["Gebied"], table["Waarde"], strict=True))
    assert shown == {"Noord": "130", "Zuid": "te klein", "Oost": "te klein", "Testgemeente": "178"}
    body = texts(at)
    assert "(45" not in body and "3 " not in table.to_csv()


def test_the_view_state_round_trips_through_the_url(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/wijken.py", {"indicator": "wmo_reg_clients", "jaar": "2023", "wijk": "WK000103"})
    assert at.selectbox(key="indicator").value == "wmo_reg_clients"
    assert at.selectbox(key="jaar").value == 2023
    assert at.selectbox(key="wijk").value == "WK000103"
    at.selectbox(key="jaar").set_value(2024).run()
    assert at.query_params["jaar"] == "2024"
    assert at.query_params["indicator"] == "wmo_reg_clients"
    # A new session opened with that URL shows the same view.
    again = open_page("app_pages/wijken.py", dict(at.query_params))
    assert again.selectbox(key="jaar").value == 2024
    assert any("2024" in s.value for s in again.subheader)


def test_a_law_page_opens_the_indicator_from_the_link(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/wmo.py", {"indicator": "wmo_clients_per_1000", "jaar": "2024"})
    assert "Inwoners met Wmo-maatwerk per 1.000 inwoners" in [s.value for s in at.subheader]
    table = next(df.value for df in at.dataframe if "Periode" in df.value.columns)
    rows = {(r["Gebied"], r["Periode"]): r["Waarde"] for r in table.to_dict("records")}
    assert rows[("Testgemeente", "2024")] == "48,0 per 1.000"
    assert rows[("Nederland", "2024")] == "56,5 per 1.000"
    assert rows[("Vergelijkbare gemeenten (mediaan)", "2024")] == "46,0 per 1.000"
    # The law's own prose (data/law_pages/wmo.md), with the questions the council can ask as a list.
    prose = "\n".join(m.value for m in at.expander[0].markdown)
    assert "**Wie betaalt?** Het geld komt uit het gemeentefonds" in prose
    assert "**Vragen die de raad kan stellen**\n- Groeit het aantal cliënten sneller" in prose


def test_unknown_url_values_fall_back_to_defaults(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/wijken.py", {"indicator": "<script>", "jaar": "1900"})
    assert at.selectbox(key="indicator").value != "<script>"
    assert at.selectbox(key="jaar").value in (2023, 2024)


def test_breakdown_by_age_lists_the_groups_in_age_order():
    """Age groups by their first number (0-3, 4-11, 12-17), not as text (0-3, 12-17, 4-11)."""
    at = open_page("app_pages/jeugd.py", {"indicator": "jeugd_reg_clients", "uitsplitsing": "age_group",
                                          "uitsplitsing_als": "tabel"})
    table = next(d.value for d in at.dataframe if "Categorie" in d.value.columns)
    groups = list(table["Categorie"])
    firsts = [int("".join(ch for ch in g.split("-")[0].split(" ")[0] if ch.isdigit())) for g in groups]
    assert len(groups) >= 3 and firsts == sorted(firsts), groups
