"""Charts of the comparison pages: peer band behind a time chart, observed/expected per wijk, goals.

Plain Polars in, Altair out (no Streamlit), so a handout could use them too. Colours are Okabe-Ito;
above and below expectation also differ in shape, so colour is never the only carrier.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from components import charts, map_charts
from domain import formatting as fmt

ABOVE, BELOW, AS_EXPECTED, UNKNOWN = "hoger dan verwacht", "lager dan verwacht", "zoals verwacht", "niet te zeggen"
VERDICT_COLOURS = {ABOVE: "#D55E00", BELOW: "#0072B2", AS_EXPECTED: "#7F7F7F", UNKNOWN: "#BBBBBB"}
VERDICT_SHAPES = {ABOVE: "triangle-up", BELOW: "triangle-down", AS_EXPECTED: "circle", UNKNOWN: "square"}
BAND_COLOUR = "#999999"


def time_chart_with_band(df: pl.DataFrame, band: pl.DataFrame, *, unit: str, unit_label: str,
                         series_breaks: list[dict] | None = None, markers: pl.DataFrame | None = None,
                         band_label: str = "vergelijkbare gemeenten") -> alt.LayerChart:
    """``charts.time_chart`` with a grey band from the lowest to the highest peer behind the lines."""
    if band.is_empty() or charts.flat_series(df, unit):  # lines in two panels: no band fits
        return charts.time_chart(df, unit=unit, unit_label=unit_label, series_breaks=series_breaks, markers=markers)
    layers, height = charts.time_layers(df, unit=unit, unit_label=unit_label, series_breaks=series_breaks,
                                        markers=markers)
    data = band.with_columns(
        x=charts.period_x(),
        range_label=fmt.mapped(band, lambda lo, hi: f"{fmt.value(lo, unit)} tot {fmt.value(hi, unit)}", "low", "high"),
        what=pl.lit(f"Spreiding {band_label}"),
    )
    area = alt.Chart(data).mark_area(opacity=0.22, color=BAND_COLOUR).encode(
        x=alt.X("x:Q"), y=alt.Y("low:Q", title=charts.value_title(unit, unit_label)), y2=alt.Y2("high:Q"),
        tooltip=[alt.Tooltip("what:N", title="Band"), alt.Tooltip("year:O", title="Jaar"),
                 alt.Tooltip("range_label:N", title="Van laagste tot hoogste")])
    # The lines' data once, at the top level (Altair hoists only data that every layer shares).
    lines_data = layers[0].data
    for layer in layers:
        if layer.data is lines_data:
            layer.data = alt.Undefined
    return charts.finish(alt.layer(area, *layers, data=lines_data, height=height, width="container"))


def _ratio_labels(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        ratio_label=fmt.mapped(df, lambda v: fmt.number(v, 2), "ratio"),
        interval_label=fmt.mapped(df, lambda lo, hi: f"{fmt.number(lo, 2)} tot {fmt.number(hi, 2)}", "lower", "upper"),
    )


RATIO_AXIS_NOTE = "De as begint niet bij 0: het gaat om hoe ver een wijk van 1 af ligt."


def ratio_ranking(df: pl.DataFrame) -> alt.LayerChart:
    """Wijken ranked by observed/expected: a point per wijk with its 95% interval and a line at 1."""
    data = _ratio_labels(df.filter(pl.col("ratio").is_not_null()))
    verdicts = [v for v in VERDICT_COLOURS if v in set(data["verdict"])]
    y = alt.Y("region_name:N", sort=alt.EncodingSortField("ratio", order="descending"), title=None,
              axis=alt.Axis(labelLimit=0, labelOverlap=False))
    tooltip = [alt.Tooltip("region_name:N", title="Wijk"), alt.Tooltip("ratio_label:N", title="Werkelijk / verwacht"),
               alt.Tooltip("interval_label:N", title="Onzekerheid (95%)"), alt.Tooltip("verdict:N", title="Oordeel")]
    rule = alt.Chart(data).mark_rule(strokeWidth=2, color="#555555").encode(
        # The axis does not start at zero (the distance to 1 is what counts): RATIO_AXIS_NOTE says so under
        # the chart; in the axis title it was cut off on a phone ("(as begint niet b").
        y=y, x=alt.X("lower:Q", title="Werkelijk / verwacht", scale=alt.Scale(zero=False)),
        x2=alt.X2("upper:Q"), tooltip=tooltip)
    points = alt.Chart(data).mark_point(size=120, filled=True).encode(
        y=y, x=alt.X("ratio:Q"),
        color=alt.Color("verdict:N", title="Oordeel", scale=alt.Scale(
            domain=verdicts, range=[VERDICT_COLOURS[v] for v in verdicts]),
            legend=charts.legend(columns=charts.legend_columns(verdicts))),
        shape=alt.Shape("verdict:N", scale=alt.Scale(domain=verdicts, range=[VERDICT_SHAPES[v] for v in verdicts]),
                        legend=None),
        tooltip=tooltip)
    one = alt.Chart(pl.DataFrame({"x": [1.0], "label": ["1 = zoals verwacht"]})).mark_rule(
        color="#000000", strokeDash=[4, 3]).encode(x=alt.X("x:Q"), tooltip=alt.Tooltip("label:N", title="Lijn"))
    return charts.finish(alt.layer(one, rule, points, height=max(180, 30 * data.height), width="container"))


# Observed / expected in five classes around 1, blue below and orange above (ColorBrewer PuOr-like, each
# dark enough or light enough for a readable wijk name on it).
RATIO_CLASSES = [(0.0, 0.67, "minder dan 0,67", "#2166AC"), (0.67, 0.9, "0,67 tot 0,90", "#92C5DE"),
                 (0.9, 1.1, "0,90 tot 1,10", "#F7F7F7"), (1.1, 1.5, "1,10 tot 1,50", "#FDB863"),
                 (1.5, float("inf"), "1,50 of meer", "#B35806")]


def ratio_map(geojson: dict, df: pl.DataFrame, *, height: int = map_charts.MAP_HEIGHT) -> alt.LayerChart:
    """Wijken coloured by observed/expected in classes: blue below, orange above, white around 1."""
    data = map_charts.with_classes(
        _ratio_labels(df).select("region_code", "region_name", "ratio", "ratio_label", "interval_label", "verdict"),
        "ratio", RATIO_CLASSES)
    tooltip = [alt.Tooltip("properties.name:N", title="Wijk"), alt.Tooltip("ratio_label:N", title="Werkelijk / verwacht"),
               alt.Tooltip("interval_label:N", title="Onzekerheid (95%)"), alt.Tooltip("verdict:N", title="Oordeel")]
    return map_charts.class_map(geojson, data, value="ratio", classes=RATIO_CLASSES, legend_title="Werkelijk / verwacht",
                            tooltip=tooltip, height=height)


def goal_chart(series: pl.DataFrame, path: pl.DataFrame, *, unit: str, unit_label: str,
               target: float | None = None, target_year: int | None = None) -> alt.LayerChart:
    """The figure over the years, the straight line from baseline to target (dashed) and the target."""
    data = series.filter(pl.col("value").is_not_null())
    data = data.with_columns(
        label=fmt.mapped(data, lambda v, s: fmt.value(v, unit, s), "value", "status"),
        status_kind=pl.when(pl.col("status") == "provisional").then(pl.lit("voorlopig")).otherwise(pl.lit("definitief")),
        what=pl.lit("Gemeente"))
    # Half a year of room left and right and some pixels above and below, so the target's cross at the
    # last year or at the top of the range is drawn whole, not cut off at the plot's edge.
    years = data["year"].to_list() + path["year"].to_list() + ([target_year] if target_year is not None else [])
    x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1),
              scale=alt.Scale(domain=[min(years) - 0.5, max(years) + 0.5], nice=False) if years else alt.Undefined)
    # From zero for counts, amounts and shares (a cut-off axis, € 4.700 to € 5.200, made a small change look
    # large), with room above the highest point so the target's cross at the top is drawn whole; padding on
    # both ends would run the axis below zero (to "−1.000"). Scores and ratios: padding around their range.
    values = [v for v in data["value"].to_list() + path["value"].to_list() + [target] if v is not None]
    if unit in charts.ZERO_BASELINE and values and min(values) >= 0:
        scale = alt.Scale(domain=[0, max(values) * 1.08 or 1])
    else:
        scale = charts.value_scale(unit, padding=14)
    y = alt.Y("value:Q", title=charts.value_title(unit, unit_label), scale=scale, axis=charts.value_axis(unit))
    tooltip = [alt.Tooltip("year:O", title="Jaar"), alt.Tooltip("label:N", title="Waarde")]
    line = alt.Chart(data).mark_line(color=charts.OWN_COLOUR, strokeWidth=2.5).encode(x=x, y=y)
    points = alt.Chart(data).mark_point(size=60, filled=True, color=charts.OWN_COLOUR).encode(
        x=x, y=y, shape=alt.Shape("status_kind:N", scale=alt.Scale(domain=["definitief", "voorlopig"],
                                                                  range=["circle", "diamond"]), legend=None),
        tooltip=tooltip)
    layers = [line, points]
    if not path.is_empty():
        p = path.with_columns(label=fmt.mapped(path, lambda v: fmt.value(v, unit), "value"))
        layers.append(alt.Chart(p).mark_line(color="#E69F00", strokeDash=[6, 4], strokeWidth=2).encode(
            x=x, y=y, tooltip=[alt.Tooltip("year:O", title="Jaar"), alt.Tooltip("label:N", title="Lijn naar het doel")]))
    if target is not None and target_year is not None:
        t = pl.DataFrame({"year": [target_year], "value": [float(target)], "label": [f"Doel: {fmt.value(target, unit)}"]})
        layers.append(alt.Chart(t).mark_point(shape="cross", size=160, color="#E69F00", strokeWidth=3).encode(
            x=x, y=y, tooltip=alt.Tooltip("label:N", title="Doel")))
    return charts.finish(alt.layer(*layers, height=220, width="container"))


DOT_KINDS = ("Eigen gemeente", "Nederland", "Vergelijkbare gemeenten")


def comparison_dots(df: pl.DataFrame, *, unit: str, unit_label: str, own_code: str) -> alt.LayerChart:
    """The municipality among its peers and the nation, on one axis; a row per kind, named in full."""
    df, unit = charts.in_euros(df, unit)
    data = charts._with_labels(df, unit).with_columns(
        kind=pl.when(pl.col("region_code") == own_code).then(pl.lit(DOT_KINDS[0]))
        .when(pl.col("region_code") == "NL01").then(pl.lit(DOT_KINDS[1])).otherwise(pl.lit(DOT_KINDS[2])))
    kinds = list(DOT_KINDS)
    return alt.Chart(data).mark_circle(size=110, opacity=0.9).encode(
        x=alt.X("value:Q", title=charts.value_title(unit, unit_label), scale=charts.value_scale(unit), axis=charts.value_axis(unit)),
        # Rows far enough apart for the dots, labels never cut ("vergelijkbare ge…" was).
        y=alt.Y("kind:N", title=None, sort=kinds, scale=alt.Scale(paddingOuter=0.5),
                axis=alt.Axis(labelLimit=0, labelOverlap=False, labelPadding=6)),
        color=alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=[charts.OWN_COLOUR, "#000000", "#999999"]), legend=None),
        tooltip=[alt.Tooltip("region_name:N", title="Gebied"), alt.Tooltip("label:N", title="Waarde")],
    ).properties(height=150, width="container")
