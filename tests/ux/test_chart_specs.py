"""The chart rules a council member relies on, checked in the Vega-Lite specs the functions build."""

from __future__ import annotations

import polars as pl
import pytest

from components import charts, comparison_charts, dossier_document, map_charts
from domain import formatting as fmt
from domain.contrast import contrast_ratio
from tests.support.specs import walk

AGES_AS_TEXT = ["0-3", "12-17", "18-26", "4-11", "85+"]  # how a text sort puts them
AGES = ["0-3", "4-11", "12-17", "18-26", "85+"]


def series(names: list[str], years=(2022, 2023, 2024), unit_value=50.0) -> pl.DataFrame:
    rows = [{"region_name": n, "region_code": f"C{i}", "period": f"{y}JJ00", "year": y, "value": unit_value + i + k,
             "status": "final"} for i, n in enumerate(names) for k, y in enumerate(years)]
    return pl.DataFrame(rows)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def layer_data(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]] if "data" in layer else spec["datasets"][spec["data"]["name"]]


def test_a_breakdown_drawn_as_lines_names_its_categories_not_gebied_and_orders_age_groups():
    spec = charts.time_chart(series(AGES_AS_TEXT), unit="count", unit_label="personen",
                             legend_title="Leeftijdsgroep").to_dict()
    colour = layers(spec)[0]["encoding"]["color"]
    assert colour["title"] == "Leeftijdsgroep"
    assert colour["scale"]["domain"] == AGES
    assert colour["sort"] == AGES


def test_the_dossier_chart_of_a_breakdown_is_titled_by_the_breakdown():
    fig = dossier_document.IndicatorFigures(indicator={"unit": "count", "unit_label": "personen", "series_breaks": []},
                              df=series(AGES_AS_TEXT), table=pl.DataFrame(), description="", provenance="",
                              breakdown_label="leeftijdsgroep")
    areas = dossier_document.IndicatorFigures(indicator=fig.indicator, df=series(["Lindewaard", "Nederland"]), table=pl.DataFrame(),
                                description="", provenance="")
    assert layers(dossier_document.chart_for(fig).to_dict())[0]["encoding"]["color"]["title"] == "Leeftijdsgroep"
    assert layers(dossier_document.chart_for(areas).to_dict())[0]["encoding"]["color"]["title"] == "Gebied"


def test_area_names_keep_their_order_and_only_number_ranges_are_reordered():
    assert fmt.category_order(["Lindewaard", "Nederland", "Vergelijkbare gemeenten (mediaan)"]) == [
        "Lindewaard", "Nederland", "Vergelijkbare gemeenten (mediaan)"]
    assert fmt.category_order(AGES_AS_TEXT) == AGES
    assert fmt.category_order(["Onbekend", "Huisarts"]) == ["Onbekend", "Huisarts"]
    # Known categories in their catalogue order, not the alphabet.
    assert fmt.category_order(["Afgewezen", "Algemene voorziening", "Eigen kracht of netwerk", "Maatwerk"]) == [
        "Eigen kracht of netwerk", "Algemene voorziening", "Maatwerk", "Afgewezen"]


def test_breakdown_bars_stack_and_list_age_groups_in_their_real_order():
    df = series(AGES_AS_TEXT).with_columns(category_label=pl.col("region_name"), label=pl.lit("x"))
    spec = charts.breakdown_bars(df, unit_label="personen", breakdown_label="leeftijdsgroep").to_dict()
    enc = spec["encoding"]
    assert enc["color"]["scale"]["domain"] == AGES and enc["color"]["title"] == "Leeftijdsgroep"
    rows = spec["datasets"][spec["data"]["name"]]
    assert {r["category_label"]: r["stack_order"] for r in rows} == {a: i for i, a in enumerate(AGES)}


def test_every_wijk_bar_and_the_municipality_carry_a_label():
    wijken = [f"Wijk {chr(65 + i)}" for i in range(11)]
    df = pl.DataFrame({"region_name": wijken, "region_code": [f"WK{i}" for i in range(11)],
                       "value": [40.0 + 1.5 * i for i in range(10)] + [None],
                       "status": ["final"] * 10 + ["suppressed"]})
    spec = charts.ranked_bars(df, unit="percent", unit_label="procent", reference=47.3,
                              reference_label="Lindewaard").to_dict()
    texts = [lay for lay in layers(spec) if lay["mark"]["type"] == "text"]
    assert len(texts) == 1
    rows = layer_data(spec, texts[0])
    assert len(rows) == 12  # 11 wijken and the whole municipality
    assert {r["region_name"] for r in rows} == {*wijken, "Lindewaard (hele gemeente)"}
    labels = {r["region_name"]: r["bar_label"] for r in rows}
    assert labels["Lindewaard (hele gemeente)"] == "47,3%" and labels["Wijk A"] == "40,0%"
    assert labels["Wijk K"] == "te klein"
    # Ranked by value, the municipality in its place, the suppressed wijk last.
    sort = texts[0]["encoding"]["y"]["sort"]
    assert sort[:3] == ["Wijk J", "Wijk I", "Wijk H"] and sort[-1] == "Wijk K"
    assert sort.index("Lindewaard (hele gemeente)") == sort.index("Wijk F") + 1  # 47,5 > 47,3 > 46,0
    y_axis = texts[0]["encoding"]["y"]["axis"]
    assert y_axis["labelOverlap"] is False and y_axis["labelLimit"] == 0
    # Room right of the longest bar for its label.
    assert texts[0]["encoding"]["x"]["scale"]["domain"][1] > max(40.0 + 1.5 * 9, 47.3) * 1.1


def test_wijk_bar_labels_leave_the_unit_to_the_axis():
    df = pl.DataFrame({"region_name": ["A"], "region_code": ["WK1"], "value": [85.3], "status": ["final"]})
    spec = charts.ranked_bars(df, unit="per_1000", unit_label="per 1.000").to_dict()
    text = next(lay for lay in layers(spec) if lay["mark"]["type"] == "text")
    assert [r["bar_label"] for r in layer_data(spec, text)] == ["85,3"]
    assert text["encoding"]["x"]["title"] == "Per 1.000"


def geojson(codes: list[str]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"region_code": c, "name": c},
         "geometry": {"type": "Polygon", "coordinates": [[[5 + i, 52], [5.1 + i, 52], [5.1 + i, 52.1], [5 + i, 52]]]}}
        for i, c in enumerate(codes)]}


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    # The finding: dark text on the darkest blue of the old map.
    assert contrast_ratio("#222222", "#08306B") < 4.5


def test_every_map_label_meets_wcag_aa_on_its_fill():
    codes = [f"WK{i:02d}" for i in range(9)]
    df = pl.DataFrame({"region_code": codes, "region_name": codes, "value": [10.0 + 7 * i for i in range(8)] + [None],
                       "status": ["final"] * 8 + ["suppressed"]})
    spec = map_charts.choropleth(geojson(codes), df, unit="percent", unit_label="procent").to_dict()
    shapes = [lay for lay in layers(spec) if lay["mark"]["type"] == "geoshape" and "color" in lay.get("encoding", {})]
    scale = shapes[0]["encoding"]["color"]["scale"]
    fills = dict(zip(scale["domain"], scale["range"], strict=True))
    assert len(fills) == 5 and "#08306B" in fills.values()
    lookup = next(t for t in shapes[0]["transform"] if "lookup" in t)
    rows = spec["datasets"][lookup["from"]["data"]["name"]]
    pairs = [(r["text_colour"], fills[r["class_label"]] if r["class_label"] else map_charts.NO_FIGURE_FILL) for r in rows]
    assert len(pairs) == 9 and {t for t, _ in pairs} == {"#222222", "#FFFFFF"}
    for text, fill in pairs:
        assert contrast_ratio(text, fill) >= 4.5, (text, fill)
    text_layer = next(lay for lay in layers(spec) if lay["mark"]["type"] == "text")
    assert text_layer["encoding"]["color"] == {"field": "tc", "type": "nominal", "scale": None}


@pytest.mark.parametrize("fill", [*map_charts.MAP_BLUES, map_charts.NO_FIGURE_FILL,
                                  *(c[3] for c in comparison_charts.RATIO_CLASSES)])
def test_the_label_colour_of_every_map_fill_meets_wcag_aa(fill):
    assert contrast_ratio(map_charts.label_colour(fill), fill) >= 4.5


def test_ratio_map_classes_put_each_wijk_in_the_right_class():
    df = pl.DataFrame({"region_code": ["A", "B", "C", "D"], "region_name": ["A", "B", "C", "D"],
                       "ratio": [0.5, 1.0, 1.3, None], "lower": [0.4, 0.9, 1.1, None], "upper": [0.6, 1.1, 1.5, None],
                       "verdict": ["lager dan verwacht", "zoals verwacht", "hoger dan verwacht", "niet te zeggen"]})
    spec = comparison_charts.ratio_map(geojson(["A", "B", "C", "D"]), df).to_dict()
    shapes = [lay for lay in layers(spec) if lay["mark"]["type"] == "geoshape" and "color" in lay.get("encoding", {})]
    lookup = next(t for t in shapes[0]["transform"] if "lookup" in t)
    rows = {r["region_code"]: r for r in spec["datasets"][lookup["from"]["data"]["name"]]}
    assert rows["A"]["class_label"] == "minder dan 0,67" and rows["A"]["text_colour"] == "#FFFFFF"
    assert rows["B"]["class_label"] == "0,90 tot 1,10" and rows["B"]["text_colour"] == "#222222"
    assert rows["C"]["class_label"] == "1,10 tot 1,50"
    assert rows["D"]["class_label"] is None


def all_specs() -> list[dict]:
    names = ["Lindewaard", "Nederland", "Vergelijkbare gemeenten (mediaan)"]
    band = pl.DataFrame({"period": ["2023JJ00"], "year": [2023], "low": [40.0], "high": [60.0], "peer_count": [5]})
    ratios = pl.DataFrame({"region_code": ["A"], "region_name": ["A"], "ratio": [1.2], "lower": [1.0], "upper": [1.4],
                           "verdict": ["hoger dan verwacht"]})
    goal = pl.DataFrame({"year": [2022, 2023], "value": [50.0, 52.0], "status": ["final", "final"]})
    return [charts.time_chart(series(names), unit="per_1000", unit_label="per 1.000").to_dict(),
            comparison_charts.time_chart_with_band(series(names), band, unit="percent", unit_label="%").to_dict(),
            comparison_charts.ratio_ranking(ratios).to_dict(),
            comparison_charts.ratio_map(geojson(["A"]), ratios).to_dict(),
            comparison_charts.goal_chart(goal, goal, unit="percent", unit_label="%", target=60, target_year=2026).to_dict(),
            charts.ranked_bars(series(names).head(3), unit="percent", unit_label="%", reference=50).to_dict()]


def test_no_legend_or_axis_cuts_its_labels_off():
    found = 0
    for spec in all_specs():
        for node in walk(spec):
            if "labelLimit" in node or "titleLimit" in node:
                found += 1
                assert node.get("labelLimit", 0) == 0 and node.get("titleLimit", 0) == 0, node
    assert found >= 4  # the legends and wijk axes say so explicitly (Vega's default limit is 160 px)


def test_the_goal_target_lies_inside_the_plot_with_room_for_its_marker():
    goal = pl.DataFrame({"year": [2020, 2021, 2022], "value": [50.0, 52.0, 55.0], "status": ["final"] * 3})
    path = pl.DataFrame({"year": [2022, 2026], "value": [55.0, 70.0]})
    spec = comparison_charts.goal_chart(goal, path, unit="percent", unit_label="%", target=70, target_year=2026).to_dict()
    x = layers(spec)[0]["encoding"]["x"]
    y = layers(spec)[0]["encoding"]["y"]
    assert x["scale"]["domain"] == [2019.5, 2026.5] and x["scale"]["nice"] is False
    # the cross at the top value is not cut off: the axis (from zero) runs on above it
    assert y["scale"]["domain"][0] == 0 and y["scale"]["domain"][1] >= 70 * 1.05


def test_a_series_break_before_the_first_year_is_inside_the_x_axis():
    spec = charts.time_chart(series(["Lindewaard"], years=(2022, 2023)), unit="count", unit_label="personen",
                             series_breaks=[{"period": "2022JJ00", "label": "Woonplaatsbeginsel"}]).to_dict()
    domain = layers(spec)[0]["encoding"]["x"]["scale"]["domain"]
    assert domain[0] < 2021.5 < domain[1]
