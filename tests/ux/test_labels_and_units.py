"""Issue 17 (the browser walk): amounts in euros, units said once in a printed table, axes from zero for
counts and rates, rule labels that do not overlap, dot-chart labels in full, a colour per category."""

from __future__ import annotations

import polars as pl

from components import charts, comparison_charts, dossier_document, handout
from domain import formatting as fmt
from queries import goals


def test_amounts_in_thousands_read_in_whole_euros_or_millions():
    assert fmt.value(20776.2, "euro_1000") == "€ 20,8 mln"  # was "€ 20.776,2k"
    assert fmt.value(845.3, "euro_1000") == "€ 845.300"
    assert fmt.value(32.5, "euro_1000") == "€ 32.500"
    assert fmt.value(None, "euro_1000") == fmt.MISSING_TEXT
    assert fmt.value(12.0, "euro_1000", "suppressed") == fmt.SUPPRESSED_TEXT


def test_a_table_cell_leaves_the_unit_to_its_heading():
    assert fmt.table_value(53.1, "per_1000") == "53,1"
    assert fmt.table_value(38, "days") == "38"
    assert fmt.table_value(22.8, "percent") == "22,8%"  # short already: stays
    assert fmt.table_value(17_800_000, "euro") == "€ 17,8 mln"
    assert fmt.table_value(3.0, "per_1000", "suppressed") == fmt.SUPPRESSED_TEXT


def _series(unit_value: float = 50.0) -> pl.DataFrame:
    rows = [("Lindewaard", f"{y}JJ00", y, unit_value + y - 2020, "provisional" if y == 2023 else "final")
            for y in range(2020, 2024)]
    return pl.DataFrame(rows, schema=["region_name", "period", "year", "value", "status"], orient="row")


def _fig(unit: str) -> dossier_document.IndicatorFigures:
    ind = {"title": "Wmo-maatwerk", "unit": unit, "unit_label": "per 1.000", "series_breaks": []}
    return dossier_document.IndicatorFigures(indicator=ind, df=_series(), table=pl.DataFrame(), description="",
                                             provenance="")


def test_handout_table_cells_carry_no_unit_that_the_heading_gives():
    header, rows, provisional = handout.value_table(_fig("per_1000"))
    assert header[0] == "Gebied (per 1.000)"
    assert rows == [["Lindewaard", "50,0", "51,0", "52,0", "53,0*"]]
    assert provisional
    assert not any("per" in cell for row in rows for cell in row)
    header, rows, _ = handout.value_table(_fig("percent"))
    assert header[0] == "Gebied" and rows[0][1] == "50,0%"


def _y_scale(spec: dict) -> dict:
    return next(layer["encoding"]["y"] for layer in spec["layer"] if "y" in layer.get("encoding", {}))["scale"]


def test_counts_amounts_and_rates_are_drawn_from_zero_scores_are_not():
    for unit in ("per_1000", "percent", "count", "days", "euro_1000"):
        spec = charts.time_chart(_series(), unit=unit, unit_label="per 1.000").to_dict()
        assert _y_scale(spec)["zero"] is True, unit
    spec = charts.time_chart(_series(7.0), unit="score", unit_label="rapportcijfer").to_dict()
    assert _y_scale(spec)["zero"] is False


def test_amounts_in_thousands_are_drawn_in_euros_with_euro_labels():
    chart = charts.time_chart(_series(20_000.0), unit="euro_1000", unit_label="x 1.000 euro")
    spec = chart.to_dict()
    y = next(layer["encoding"]["y"] for layer in spec["layer"] if "y" in layer.get("encoding", {}))
    assert y["title"] == "Bedrag"  # was "X 1.000 euro"
    assert "mln" in y["axis"]["labelExpr"] and "€" in y["axis"]["labelExpr"]
    values = [row["value"] for rows in spec["datasets"].values() for row in rows if "value" in row]
    assert max(values) == 20_003_000.0  # 20.003 thousand euros, drawn as whole euros


def test_rule_labels_close_together_go_on_separate_rows():
    rows = charts.rule_rows([{"x": 2021.5, "label": "Trendbreuk"}, {"x": 2022.0, "label": "2022 woonplaatsbeginsel"},
                             {"x": 2019.0, "label": "2019 abonnementstarief"}])
    by_label = {r["label"]: r["row_y"] for r in rows}
    assert by_label["2019 abonnementstarief"] == by_label["Trendbreuk"]  # 2,5 years apart: one row
    assert by_label["2022 woonplaatsbeginsel"] == by_label["Trendbreuk"] + charts.RULE_LABEL_ROW_PX
    far = charts.rule_rows([{"x": 2016.0, "label": "a"}, {"x": 2022.0, "label": "b"}])
    assert far[0]["row_y"] == far[1]["row_y"]


def test_rule_labels_stand_above_the_plot_and_their_lines_reach_the_axis():
    """Labels inside the plot were written over the lines of the figures (Trends, a break in 2022)."""
    df = pl.DataFrame({"region_name": ["A"] * 3, "year": [2021, 2022, 2023], "period": ["2021JJ00", "2022JJ00", "2023JJ00"],
                       "value": [12.0, 13.0, 13.5], "status": ["final", "final", "provisional"]})
    markers = pl.DataFrame({"year": [2022], "label": ["2022 woonplaatsbeginsel"], "text": ["x"]})
    spec = charts.spec_of(charts.time_chart(df, unit="percent", unit_label="%", height=200, markers=markers,
                                            series_breaks=[{"period": "2022JJ00", "label": "Nieuwe telling"}]))
    rows = [row for data in spec["datasets"].values() if "row_y" in data.columns for row in data.iter_rows(named=True)]
    row_of = {r["label"]: r["row_y"] for r in rows}  # the rule and its label share one data set
    assert row_of == {"Trendbreuk": -2 * charts.RULE_LABEL_ROW_PX, "2022 woonplaatsbeginsel": -charts.RULE_LABEL_ROW_PX}
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["y2"] == {"value": {"expr": "height"}} and rule["encoding"]["y"]["field"] == "row_y"
    assert spec["height"] == 200 + 2 * charts.RULE_LABEL_ROW_PX  # the plot keeps its height under the labels


def test_comparison_dots_name_every_row_in_full():
    df = pl.DataFrame({"region_code": ["GM1", "NL01", "GM2"], "region_name": ["Eigen", "Nederland", "Ander"],
                       "value": [53.1, 62.9, 60.0], "status": ["final"] * 3})
    y = comparison_charts.comparison_dots(df, unit="per_1000", unit_label="per 1.000", own_code="GM1").to_dict()["encoding"]["y"]
    assert y["axis"]["labelLimit"] == 0
    assert y["sort"] == ["Eigen gemeente", "Nederland", "Vergelijkbare gemeenten"]


def test_every_category_of_a_stacked_bar_has_its_own_colour():
    cats = [f"Product {i}" for i in range(11)]
    df = pl.DataFrame({"year": [2024] * 11, "category_label": cats, "value": [1000.0] * 11, "label": ["x"] * 11})
    spec = charts.breakdown_bars(df, unit_label="euro", breakdown_label="productcategorie").to_dict()
    colour = spec["encoding"]["color"]
    assert len(set(colour["scale"]["range"])) == 11
    assert colour["legend"]["columns"] == 2
    assert "€" in spec["encoding"]["y"]["axis"]["labelExpr"]


def test_a_goal_on_an_amount_shows_the_euro_sign():
    st = goals.goal_status({"direction": "down"}, [(2022, 4837.2), (2025, 4916.6)], "euro")
    assert "€ 4.837" in st.rule and "€ 4.917" in st.rule
    assert "€" not in goals.goal_status({"direction": "down"}, [(2022, 48.2), (2025, 49.1)], "percent").rule


def test_the_wijk_profile_is_shown_per_subject_without_the_subject_column():
    from components import wijk_view

    table = pl.DataFrame({"Cijfer": ["a", "b", "c"], "Centrum": ["1", "2", "3"], "Hele gemeente": ["4", "5", "6"],
                          "Verschil met de gemeente": ["–"] * 3, "Onderwerp": ["Wmo", "Jeugd", "Wmo"]})
    parts = wijk_view.profile_parts(table)
    assert [s for s, _ in parts] == ["Wmo", "Jeugd"]
    assert parts[0][1]["Cijfer"].to_list() == ["a", "c"]
    assert "Onderwerp" not in parts[0][1].columns
