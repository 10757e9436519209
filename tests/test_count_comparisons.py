"""Counts are not put beside Nederland's count on one axis; wijk counts from CBS say they are rounded."""

from __future__ import annotations

import polars as pl
import pytest

from components import indicator_view
from queries import Warehouse
from queries import figures as q
from tests.conftest import obs, small_regions, source_row
from tests.test_app import open_page, texts
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import current_release


def chart_table(at) -> pl.DataFrame:
    """The table alternative of the indicator block (Gebied, Periode, Waarde, Status)."""
    for df in at.dataframe:
        if list(df.value.columns) == ["Gebied", "Periode", "Waarde", "Status"]:
            return pl.from_pandas(df.value)
    raise AssertionError("no chart table on the page")


def test_veilig_thuis_against_nederland_is_drawn_per_1000_inhabitants(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/wmo.py", {"indicator": "veilig_thuis_reports"})
    body = texts(at)
    assert "Daarom staat in de grafiek het cijfer 'Meldingen bij Veilig Thuis per 1.000 inwoners'" in body
    table = chart_table(at)
    shown = table.filter(pl.col("Waarde") != "–")  # years before Veilig Thuis counted
    nl = shown.filter(pl.col("Gebied") == "Nederland")
    assert nl.height >= 5 and nl["Waarde"].str.ends_with("per 1.000").all()  # not Nederland's 100.000 reports
    own = shown.filter(pl.col("Gebied") == "Lindewaard")
    assert own.height >= 5 and own["Waarde"].str.ends_with("per 1.000").all()


def test_a_count_without_a_rate_is_shown_without_nederland_and_says_why(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/trends.py", {"indicator": "population"})
    assert "Dit aantal staat niet naast Nederland of andere gemeenten" in texts(at)
    table = chart_table(at)
    assert set(table["Gebied"]) == {"Testgemeente"}  # 17.900.000 next to 3.540 would flatten the line


def test_a_rate_is_compared_as_it_is(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/wmo.py", {"indicator": "wmo_clients_per_1000"})
    assert "niet goed vergelijken" not in texts(at) and "staat niet naast" not in texts(at)
    assert "Nederland" in set(chart_table(at)["Gebied"])


@pytest.fixture
def cbs_warehouse(tmp_path):
    path = tmp_path / "wh"
    rows = []
    for region, (bij, a, b, c) in {"GM0001": (300, 900, 2000, 2100), "WK000101": (120, 300, 700, 650)}.items():
        rows += [obs("bijstand_persons", region, "2020JJ00", bij, source_id="cbs:84799NED"),
                 obs("pop_15_24", region, "2020JJ00", a, source_id="cbs:84799NED"),
                 obs("pop_25_44", region, "2020JJ00", b, source_id="cbs:84799NED"),
                 obs("pop_45_64", region, "2020JJ00", c, source_id="cbs:84799NED")]
    src = source_row("cbs:84799NED").with_columns(kind=pl.lit("cbs"), table_id=pl.lit("84799NED"))
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=src,
            observations=pl.DataFrame(rows),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": []})
    return Warehouse.open(path)


def test_the_source_line_of_cbs_wijk_counts_says_they_are_rounded(cbs_warehouse):
    wh = cbs_warehouse
    count = q.series(wh, "bijstand_persons", ["GM0001", "WK000101"])
    line = indicator_view.provenance(wh, q.indicator(wh, "bijstand_persons"), count)
    assert "tabel 84799NED" in line and "CBS rondt aantallen per wijk af op 5 of 10" in line
    rate = q.series(wh, "bijstand_per_1000", ["GM0001", "WK000101"])
    line = indicator_view.provenance(wh, q.indicator(wh, "bijstand_per_1000"), rate)
    assert "berekend uit aantallen die CBS per wijk afrondt op 5 of 10" in line
    gm_only = q.series(wh, "bijstand_persons", ["GM0001"])
    assert "afgerond" not in indicator_view.provenance(wh, q.indicator(wh, "bijstand_persons"), gm_only)
    assert "rondt" not in indicator_view.provenance(wh, q.indicator(wh, "bijstand_persons"), gm_only)


def test_all_figures_puts_no_count_beside_the_nations_count(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/wmo.py")  # Veilig Thuis is part of the Wmo
    table = next(pl.from_pandas(df.value) for df in at.dataframe if "Nederland" in df.value.columns)
    count_title = q.indicator(Warehouse(current_release(demo_warehouse)), "veilig_thuis_reports")["title"]
    counts = table.filter(pl.col("Cijfer") == count_title)
    assert counts.height == 1 and counts["Gemeente"][0] not in ("–", "")
    assert counts.select("Nederland", "Vergelijkbaar").row(0) == ("niet vergelijkbaar",) * 2
    rates = table.filter(pl.col("Cijfer").str.contains("per 1.000"))
    # Rates keep their comparison wherever Nederland has the figure (an own-registry rate has none).
    wh = Warehouse(current_release(demo_warehouse))
    national = set(wh.release.table("observations").filter(pl.col("region_code") == "NL01")["indicator_id"].to_list())
    ids = dict(zip(q.catalogue(wh)["title"], q.catalogue(wh)["id"], strict=True))
    compared = rates.filter(pl.col("Cijfer").replace_strict(ids).is_in(list(national)))
    assert compared.height >= 3 and compared["Nederland"].str.ends_with("per 1.000").all()
    assert (rates.height - compared.height) >= 1  # the complaints per 1.000 clients: no national figure
    assert "Bij een aantal staat 'niet vergelijkbaar' onder Nederland en Vergelijkbaar" in texts(at)
    # the headline tile of the count says the same, without Nederland's count
    captions = [c.value for c in at.caption]
    assert "Een aantal: niet te vergelijken met Nederland of andere gemeenten" in captions
    assert not [c for c in captions if c.startswith("Nederland") and "per" not in c and "%" not in c]


def test_the_all_figures_file_leaves_a_counts_comparison_empty(demo_warehouse):
    from components import export

    wh = Warehouse(current_release(demo_warehouse))
    cat = q.indicators_for_law(wh, "wmo")
    year = q.latest_year(wh, cat["id"].to_list(), [wh.gemeente])
    overview = cat.select("id", "title", "unit", "unit_label", "theme").join(
        q.comparison(wh, cat["id"].to_list(), year), left_on="id", right_on="indicator_id", how="left")
    rows = {r[0]: r for r in export.comparison_table(overview, title="t", source="s", release="r").rows}
    count, rate = q.indicator(wh, "veilig_thuis_reports"), q.indicator(wh, q.rate_companion(wh, "veilig_thuis_reports"))
    assert rows[count["title"]][3] is not None and rows[count["title"]][6:8] == (None, None)
    assert rows[rate["title"]][6] is not None
