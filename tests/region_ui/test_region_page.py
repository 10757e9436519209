"""The region page: the members side by side, the region total, Nederland, links to each member."""

from __future__ import annotations

from types import SimpleNamespace

import polars as pl
import pyarrow as pa

from components import charts, region_view
from queries import Warehouse, region
from tests.region_ui.apptest import open_page, start, table_with
from tests.region_ui.fixtures import HOME, MEMBER, REGION, REGION_NAME
from tests.support.specs import walk

PAGE = "app_pages/regio.py"


def test_the_table_sets_the_members_the_region_total_and_nederland_side_by_side(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    open_page(at, PAGE, wet="wmo", jaar="2024")
    assert at.title[0].value == REGION_NAME
    rows = {r["Cijfer"]: r for r in table_with(at, "Testgemeente")}
    assert list(next(iter(rows.values()))) == ["Cijfer", "Testgemeente", "Buurgemeente", "Regio Proef (totaal)",
                                               "Nederland"]
    rate = rows["Inwoners met Wmo-maatwerk per 1.000 inwoners"]
    assert (rate["Testgemeente"], rate["Buurgemeente"], rate["Regio Proef (totaal)"], rate["Nederland"]) == (
        "48,0 per 1.000", "40,0 per 1.000", "40,8 per 1.000", "56,5 per 1.000")
    count = rows["Cliënten met Wmo-maatwerk (eigen registratie)"]
    # The region's count is the members' sum (178 + 410); a count is not set beside Nederland's.
    assert (count["Testgemeente"], count["Buurgemeente"], count["Regio Proef (totaal)"], count["Nederland"]) == (
        "178", "410", "588", region_view.COUNT_NOT_COMPARED)


def test_a_member_figure_is_hidden_as_on_its_own_pages_and_the_region_total_still_shows(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    open_page(at, PAGE, wet="wmo", jaar="2024")
    vt = {r["Cijfer"]: r for r in table_with(at, "Testgemeente")}["Meldingen bij Veilig Thuis"]
    assert (vt["Testgemeente"], vt["Buurgemeente"], vt["Regio Proef (totaal)"]) == ("te klein", "te klein", "14")
    captions = " ".join(c.value for c in at.caption)
    assert "te weinig mensen" in captions and "geen gemiddelde" in captions  # what a hidden cell and the total mean
    # The member's own page hides the same figure.
    open_page(at, "app_pages/wmo.py", gemeente=MEMBER, indicator="veilig_thuis_reports", jaar="2024")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Meldingen Veilig Thuis"] == "te klein"


def test_every_member_name_links_to_that_members_pages(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    open_page(at, PAGE, wet="wmo", jaar="2024")
    links = {p.proto.label: p.proto.query_string for p in at.get("page_link")}
    assert links["Testgemeente"] == f"gemeente={HOME}"
    assert links["Buurgemeente"] == f"gemeente={MEMBER}"


def test_the_indicator_and_law_are_kept_in_the_url(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    open_page(at, PAGE, wet="wmo", indicator="wmo_reg_clients", jaar="2023")
    assert at.selectbox(key="indicator").value == "wmo_reg_clients"
    rows = {r["Cijfer"]: r for r in table_with(at, "Testgemeente")}
    assert rows["Cliënten met Wmo-maatwerk (eigen registratie)"]["Regio Proef (totaal)"] == "540"
    at.selectbox(key="indicator").set_value("wmo_clients_per_1000").run()
    assert at.query_params["indicator"] == "wmo_clients_per_1000"


def test_the_chart_has_a_dot_per_member_and_the_region_total_and_nederland_as_lines(region_warehouse):
    wh = Warehouse.open(region_warehouse)
    values = region.side_by_side(wh, ["wmo_clients_per_1000"], 2024).with_columns(
        region_name=pl.col("region_code").replace_strict({HOME: "Testgemeente", MEMBER: "Buurgemeente"}, default=""))
    members = values.filter(pl.col("region_code").is_in([HOME, MEMBER]))
    spec = charts.spec_of(region_view.members_chart(
        members, unit="per_1000", unit_label="per 1.000 inwoners",
        lines=[{"label": "Regio Proef (totaal)", "value": 40.8, "dash": [6, 3]},
               {"label": "Nederland", "value": 56.5, "dash": [2, 2]}]))
    frames = list(spec["datasets"].values())  # the chart's data travel as frames beside the spec
    texts = {t for f in frames if "text" in f.columns for t in f["text"]}
    dots = {n for f in frames if "region_name" in f.columns for n in f["region_name"]}
    assert dots == {"Testgemeente", "Buurgemeente"}
    assert texts == {"Regio Proef (totaal): 40,8 per 1.000", "Nederland: 56,5 per 1.000"}
    dashes = [n["strokeDash"] for n in walk(spec) if n.get("type") == "rule"]
    assert dashes == [[6, 3], [2, 2]]  # the two lines differ in more than colour
    wh.close()


def test_over_time_has_every_member_and_the_region_by_name(region_warehouse):
    wh = Warehouse.open(region_warehouse)
    df = region.over_time(wh, "wmo_reg_clients")
    got = {(r["region_name"], r["year"]): r["value"] for r in df.iter_rows(named=True)}
    assert got == {("Testgemeente", 2023): 240, ("Testgemeente", 2024): 178, ("Buurgemeente", 2023): 300,
                   ("Buurgemeente", 2024): 410, (REGION_NAME, 2023): 540, (REGION_NAME, 2024): 588}
    wh.close()


def test_the_region_page_is_in_the_menu_of_a_region(app_env, region_warehouse):
    at = start(app_env, region_warehouse)
    at.switch_page(PAGE)  # raises for a page that is not in the menu
    at.run()
    assert at.title[0].value == REGION_NAME
    assert REGION in region.columns(Warehouse.open(region_warehouse))



def test_the_time_chart_marks_the_events_written_on_the_region_only(app_env, region_warehouse, monkeypatch):
    # The note store as it holds notes on the region code (written there under h-scope's rules): one event
    # on the region, one on the home member; the store itself is tested in tests/notes.
    from components import notes
    from store.notes import MARKER_SCHEMA

    events = [("n-region", REGION, "Regionale inkoop"), ("n-home", HOME, "Nieuw loket Testgemeente")]
    frame = pl.DataFrame([{"period": "2024JJ00", "year": 2024, "label": label, "text": label, "note_id": i}
                          for i, _, label in events], schema=MARKER_SCHEMA)
    held = [SimpleNamespace(note_id=i, content=SimpleNamespace(region_codes=(code,))) for i, code, _ in events]
    monkeypatch.setattr(notes, "markers_for", lambda indicator_id, law: frame)
    monkeypatch.setattr(notes, "get_store", lambda: SimpleNamespace(markers_of=lambda *a, **k: held))
    at = start(app_env, region_warehouse)
    open_page(at, PAGE, wet="wmo", indicator="wmo_clients_per_1000", jaar="2024")
    labels = [{row.get("label") for ds in c.proto.datasets
               for row in pa.ipc.open_stream(ds.data.data).read_all().to_pylist()} for c in at.get("vega_lite_chart")]
    timeline = [found for found in labels if "Regionale inkoop" in found]
    assert len(timeline) == 1 and "Nieuw loket Testgemeente" not in timeline[0]
    assert any("gebeurtenissen in de regio" in c.value for c in at.caption)


def test_members_without_a_named_region_are_set_side_by_side_without_a_total(app_env, tmp_path):
    from tests.conftest import catalogue, publish, source_row
    from tests.region_ui.fixtures import NAMES, observations, regions

    path = tmp_path / "warehouse"
    publish(path, indicators=catalogue.load().to_frame(), regions=regions(), sources=source_row(),
            observations=observations().filter(pl.col("region_code") != REGION),
            meta={"demo": False, "gemeente": HOME, "gemeente_name": NAMES[HOME], "members": [HOME, MEMBER],
                  "member_names": NAMES, "peers": ["GM0003"]},
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    at = start(app_env, path)
    open_page(at, PAGE, wet="wmo", jaar="2024")
    assert at.title[0].value == "De regio"
    rows = table_with(at, "Testgemeente")
    assert list(rows[0]) == ["Cijfer", "Testgemeente", "Buurgemeente", "Nederland"]
