"""Value axes from zero for counts, amounts, shares and rates (a cut-off axis makes a small change look large);
scores and ratios around their figures, saying so; a line that zero would press flat gets its own panel."""

from __future__ import annotations

import altair as alt
import polars as pl
import pytest

from components import charts, comparison_charts, dossier_document, handout_charts


def lines(values: dict[str, list[float]], years=(2022, 2023, 2024)) -> pl.DataFrame:
    return pl.DataFrame([{"region_name": name, "region_code": f"C{i}", "period": f"{y}JJ00", "year": y, "value": v,
                          "status": "final"} for i, (name, vs) in enumerate(values.items()) for y, v in zip(years, vs, strict=True)])


def y_scales(spec: dict) -> list[dict]:
    return [layer["encoding"]["y"] for layer in spec["layer"] if "y" in layer.get("encoding", {})
            and layer["encoding"]["y"]["field"] in ("value", "low")]


def goal_spec(unit: str, values: list[float], target: float) -> dict:
    series = pl.DataFrame({"year": [2022, 2023, 2024], "value": values, "status": ["final"] * 3})
    path = pl.DataFrame({"year": [2024, 2026], "value": [values[-1], target]})
    return comparison_charts.goal_chart(series, path, unit=unit, unit_label="euro", target=target,
                                        target_year=2026).to_dict()


@pytest.mark.parametrize(("unit", "values", "target"), [
    ("euro", [5_150.0, 4_950.0, 4_812.0], 4_700.0),  # the Doelen chart that ran from € 4.700 to € 5.200
    ("percent", [78.0, 81.0, 83.5], 84.0),
    ("count", [420.0, 400.0, 380.0], 350.0),
])
def test_goal_charts_of_amounts_shares_and_counts_start_at_zero(unit, values, target):
    ys = y_scales(goal_spec(unit, values, target))
    top = max([*values, target]) * 1.08
    # From zero, never below it (padding ran the euro axis down to -1.000), with room for the target's cross.
    assert ys and all(y["scale"]["domain"] == [0, pytest.approx(top)] for y in ys)
    assert all("niet bij 0" not in y["title"] for y in ys)


def test_a_score_goal_keeps_its_own_range_and_says_so():
    ys = y_scales(goal_spec("score", [7.1, 7.3, 7.4], 7.6))
    assert all(y["scale"]["zero"] is False for y in ys)
    assert all(y["title"].endswith("(as begint niet bij 0)") for y in ys)


@pytest.mark.parametrize(("unit", "zero"), [("count", True), ("per_1000", True), ("percent", True), ("euro", True),
                                            ("days", True), ("score", False), ("ratio", False)])
def test_time_chart_axis_starts_at_zero_only_where_zero_means_something(unit, zero):
    spec = charts.time_chart(lines({"Lindewaard": [55.0, 57.0, 58.0], "Nederland": [60.0, 61.0, 62.0]}), unit=unit,
                             unit_label="per 1.000").to_dict()
    ys = y_scales(spec)
    assert ys and all(y["scale"]["zero"] is zero for y in ys)
    assert all(y["title"].endswith(charts.NOT_FROM_ZERO + ")") is not zero for y in ys)


def test_the_peer_band_shares_the_lines_zero_based_axis_title():
    df = lines({"Lindewaard": [55.0, 57.0, 58.0]})
    band = pl.DataFrame({"period": ["2022JJ00", "2023JJ00", "2024JJ00"], "year": [2022, 2023, 2024],
                         "low": [40.0, 41.0, 42.0], "high": [70.0, 71.0, 72.0]})
    spec = comparison_charts.time_chart_with_band(df, band, unit="per_1000", unit_label="per 1.000").to_dict()
    titles = {y["title"] for y in y_scales(spec)}
    assert titles == {"Per 1.000"}
    assert all(y.get("scale", {"zero": True})["zero"] is True for y in y_scales(spec) if "scale" in y)


def test_comparison_dots_of_a_rate_start_at_zero_and_ratio_ranking_says_it_does_not():
    df = pl.DataFrame({"region_code": ["GM1", "NL01", "GM2"], "region_name": ["Lindewaard", "Nederland", "Peer"],
                       "value": [55.0, 62.9, 61.6], "status": ["final"] * 3})
    assert comparison_charts.comparison_dots(df, unit="per_1000", unit_label="per 1.000", own_code="GM1").to_dict()[
        "encoding"]["x"]["scale"]["zero"] is True
    ratios = pl.DataFrame({"region_name": ["Wijk A", "Wijk B"], "ratio": [0.8, 1.3], "lower": [0.7, 1.1],
                           "upper": [0.9, 1.5], "verdict": [comparison_charts.BELOW, comparison_charts.ABOVE]})
    spec = comparison_charts.ratio_ranking(ratios).to_dict()
    rule = spec["layer"][1]["encoding"]["x"]
    # short enough for a phone; the caption under the chart says the axis does not start at zero
    assert rule["scale"]["zero"] is False and rule["title"] == "Werkelijk / verwacht"
    assert "niet bij 0" in comparison_charts.RATIO_AXIS_NOTE
    assert spec["layer"][2]["encoding"]["color"]["legend"]["columns"] == 1  # "lager dan verwacht" was cut


def test_flat_series_are_the_lines_under_15_percent_of_the_top():
    df = lines({"Lindewaard": [74_402.0, 76_000.0, 78_986.0], "Beekdal": [6_600.0, 6_650.0, 6_668.0],
                "Bosrand": [4_702.0, 4_720.0, 4_747.0], "Centrum": [11_000.0, 11_900.0, 12_000.0]})
    # 15% of 78.986 is 11.848: Beekdal and Bosrand lie flat along the axis; Centrum reaches 12.000
    assert charts.flat_series(df, "count") == ["Beekdal", "Bosrand"]
    assert charts.flat_series(df, "score") == []  # not drawn from zero: nothing is pressed flat
    assert charts.flat_series(lines({"A": [50.0, 51.0, 52.0], "B": [40.0, 41.0, 42.0]}), "per_1000") == []


def test_a_line_zero_would_flatten_gets_its_own_zero_based_panel_with_the_same_colours():
    df = lines({"Lindewaard": [4_300.0, 4_345.0, 4_400.0], "Wijk Oost": [61.0, 64.0, 70.0]})
    chart = charts.time_chart(df, unit="count", unit_label="personen")
    assert isinstance(chart, alt.VConcatChart)
    spec = chart.to_dict()
    top, low = spec["vconcat"]
    shown = [{r["region_name"] for r in spec["datasets"][panel["data"]["name"]]} for panel in (top, low)]
    assert shown == [{"Lindewaard"}, {"Wijk Oost"}]
    for panel in (top, low):
        assert all(y["scale"]["zero"] is True for y in y_scales(panel))
        assert panel["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["Lindewaard", "Wijk Oost"]
    assert top["layer"][0]["encoding"]["x"]["scale"]["domain"] == low["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert low["title"]["text"] == "Wijk Oost: op een eigen as, ook vanaf 0"


def test_the_two_panel_chart_prints_in_the_handout():
    fig = dossier_document.IndicatorFigures(
        indicator={"unit": "count", "unit_label": "personen", "series_breaks": []},
        df=lines({"Lindewaard": [4_300.0, 4_345.0, 4_400.0], "Wijk Oost": [61.0, 64.0, 70.0]}),
        table=pl.DataFrame(), description="", provenance="")
    svg = handout_charts.chart_svg(fig)
    assert svg is not None and "Wijk Oost: op een eigen as" in svg


def test_the_months_of_one_year_are_named_on_the_time_axis_not_ended_by_the_next_year():
    df = pl.DataFrame({"region_name": ["Uitgegeven"] * 3, "period": ["2025MM01", "2025MM06", "2025MM12"],
                       "year": [2025] * 3, "value": [1.0, 6.0, 12.0], "status": ["final"] * 3})
    axis = charts.time_chart(df, unit="euro", unit_label="euro").to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert axis["values"] == pytest.approx([2025 + 1 / 24, 2025 + 5 / 12 + 1 / 24, 2025 + 11 / 12 + 1 / 24])
    assert "'jan'" in axis["labelExpr"] and "'dec'" in axis["labelExpr"]
    years = charts.time_chart(lines({"A": [1.0, 2.0, 3.0]}), unit="count", unit_label="x").to_dict()
    assert years["layer"][0]["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}


def test_a_goal_in_euros_has_euro_labels_on_its_axis():
    ys = y_scales(goal_spec("euro", [5_150.0, 4_950.0, 4_812.0], 4_700.0))
    assert all("€ " in y["axis"]["labelExpr"] for y in ys)


def test_legend_names_too_long_to_pair_on_a_phone_get_a_row_each():
    long = charts.time_chart(lines({"Lindewaard": [1.0, 2.0, 3.0], "Nederland": [1.0, 2.0, 3.0],
                                    "Vergelijkbare gemeenten (mediaan)": [1.0, 2.0, 3.0]}), unit="per_1000",
                             unit_label="per 1.000").to_dict()
    short = charts.time_chart(lines({"Instroom": [1.0, 2.0, 3.0], "Uitstroom": [1.0, 2.0, 3.0]}), unit="count",
                              unit_label="personen").to_dict()
    assert long["layer"][0]["encoding"]["color"]["legend"]["columns"] == 1
    assert short["layer"][0]["encoding"]["color"]["legend"]["columns"] == 2


def test_a_rule_label_in_the_right_half_is_written_left_of_its_line():
    markers = pl.DataFrame({"year": [2017, 2024], "label": ["2017 start", "2024 woonplaatsbeginsel"], "text": ["", ""]})
    df = lines({"A": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, years=range(2019, 2025))
    spec = charts.time_chart(df, unit="count", unit_label="x", markers=markers).to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    by_align = {layer["mark"]["align"]: [r["label"] for r in spec["datasets"][layer["data"]["name"]]] for layer in texts}
    assert by_align == {"left": ["2017 start"], "right": ["2024 woonplaatsbeginsel"]}
    # a flipped label and a label to its left that would run into each other go on separate rows
    rows = charts.rule_rows([{"x": 2019.0, "label": "a"}, {"x": 2021.0, "label": "b"}], flip_after=2020.0)
    assert rows[0]["row_y"] != rows[1]["row_y"] and [r["at_end"] for r in rows] == [False, True]


def test_panels_are_drawn_as_charts_of_their_own_with_one_legend_under_the_last(monkeypatch):
    df = lines({"Lindewaard": [74_402.0, 76_000.0, 78_986.0], "Beekdal": [6_600.0, 6_650.0, 6_668.0]})
    spec = charts.spec_of(charts.time_chart(df, unit="count", unit_label="personen"))
    top, low = spec["vconcat"]
    assert top["layer"][0]["encoding"]["color"]["legend"] is None
    assert low["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"
    drawn = []
    monkeypatch.setattr(charts.st, "vega_lite_chart", lambda spec, width, key: drawn.append((spec, width, key)))
    charts.show_spec(spec, key="trend")
    assert [(d[1], d[2]) for d in drawn] == [("stretch", "trend-0"), ("stretch", "trend-1")]
    for (shown, _, _), panel in zip(drawn, (top, low), strict=True):
        assert "vconcat" not in shown and shown["layer"] == panel["layer"] and shown["width"] == "container"
        assert shown["config"] == spec["config"] and shown["datasets"] == spec["datasets"]
    assert drawn[1][0]["title"]["text"] == "Beekdal: op een eigen as, ook vanaf 0"
