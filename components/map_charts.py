"""Wijk maps: wijken filled by class of equal width, every name in a colour that can be read on its fill.
Drawn on the pages and in the public edition; the classes and fills are tested for contrast."""

from __future__ import annotations

import altair as alt
import polars as pl

from components.charts import _axis_title, _with_labels, finish, legend
from domain import formatting as fmt
from domain.contrast import contrast_ratio

# The map's classes, light to dark (ColorBrewer Blues). Each wijk's name is written on its fill in the
# colour of LABEL_COLOURS with the higher contrast, so every label meets WCAG 2.1 AA (4.5:1).
MAP_BLUES = ["#EFF3FF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]
NO_FIGURE_FILL = "#DDDDDD"
MAP_HEIGHT = 540  # legend included: at 420 the map itself was some 280 px and wijk names ran into each other
LABEL_COLOURS = ("#222222", "#FFFFFF")


def label_colour(fill: str) -> str:
    """Dark text on light fills, white text on dark ones: whichever contrasts more with ``fill``."""
    return max(LABEL_COLOURS, key=lambda text: contrast_ratio(text, fill))


def equal_classes(values: list[float], unit: str, colours: list[str] = MAP_BLUES) -> list[tuple]:
    """Up to len(colours) classes of equal width between the lowest and highest value:
    (low, high, label, fill), light to dark."""
    lo, hi = min(values), max(values)
    n = min(len(colours), len(set(values)))

    def short(v: float) -> str:  # the unit is in the legend's title
        return fmt.number(v, fmt.UNIT_DECIMALS.get(unit, 1))

    if n <= 1 or hi == lo:
        return [(lo, hi, short(lo), colours[len(colours) // 2])]
    step = (hi - lo) / n
    picks = [colours[round(i * (len(colours) - 1) / (n - 1))] for i in range(n)]
    return [(lo + i * step, lo + (i + 1) * step, f"{short(lo + i * step)} tot {short(lo + (i + 1) * step)}", picks[i])
            for i in range(n)]


def with_classes(df: pl.DataFrame, column: str, classes: list[tuple]) -> pl.DataFrame:
    """Each row's class label, fill and label colour; rows without a value get none (drawn grey)."""
    def pick(v):
        if v is None:
            return None
        for i, (_, high, *_rest) in enumerate(classes):
            if v <= high or i == len(classes) - 1:
                return i
        return None

    idx = [pick(v) for v in df[column].to_list()]
    return df.with_columns(
        class_label=pl.Series([None if i is None else classes[i][2] for i in idx], dtype=pl.String),
        text_colour=pl.Series([label_colour(NO_FIGURE_FILL if i is None else classes[i][3]) for i in idx],
                              dtype=pl.String))


def class_map(geojson: dict, data: pl.DataFrame, *, value: str, classes: list[tuple], legend_title: str,
              tooltip: list, height: int = MAP_HEIGHT) -> alt.LayerChart:
    """Wijken filled by class; wijken without a figure grey; every name in a colour that contrasts with its fill."""
    fields = [c for c in data.columns if c != "region_code"]
    lookup = alt.LookupData(data, key="region_code", fields=fields)
    base = alt.Chart(alt.Data(values=geojson["features"])).transform_lookup(lookup="properties.region_code",
                                                                            from_=lookup)
    filled = base.mark_geoshape(stroke="white", strokeWidth=1.2).encode(
        color=alt.Color("class_label:N", title=legend_title,
                        scale=alt.Scale(domain=[c[2] for c in classes], range=[c[3] for c in classes]),
                        # A grey edge, so the white class around 1 shows on the white page too.
                        legend=legend(columns=2, symbolType="square", symbolSize=160, symbolStrokeColor="#767676",
                                      symbolStrokeWidth=1)),
        tooltip=tooltip,
    ).transform_filter(f"isValid(datum.{value})")
    empty = base.mark_geoshape(stroke="white", strokeWidth=1.2, fill=NO_FIGURE_FILL).encode(
        tooltip=tooltip[:2]).transform_filter(f"!isValid(datum.{value})")
    # Vega draws an empty layer as an unnamed SVG "graphics-symbol" (an axe-core violation), so the grey
    # layer is only added when some wijk really has no figure.
    shown = set(data.filter(pl.col(value).is_not_null())["region_code"].to_list())
    missing = any((f.get("properties") or {}).get("region_code") not in shown for f in geojson["features"])
    labels = base.mark_text(fontSize=10).encode(
        longitude=alt.Longitude("cx:Q"), latitude=alt.Latitude("cy:Q"), text=alt.Text("properties.name:N"), color=alt.Color("tc:N", scale=None),
    ).transform_calculate(  # a label point from the boundary file where it has one, else the centroid
        cx="isValid(datum.properties.label_lon) ? datum.properties.label_lon : geoCentroid(null, datum)[0]",
        cy="isValid(datum.properties.label_lat) ? datum.properties.label_lat : geoCentroid(null, datum)[1]",
        tc=f"isValid(datum.text_colour) ? datum.text_colour : '{label_colour(NO_FIGURE_FILL)}'")
    layers = [empty, filled, labels] if missing else [filled, labels]
    return finish(alt.layer(*layers, projection=alt.Projection(type="mercator"), height=height, width="container"))


def choropleth(geojson: dict, df: pl.DataFrame, *, unit: str, unit_label: str, height: int = MAP_HEIGHT) -> alt.LayerChart:
    """Wijken coloured by value in classes of equal width; wijken without a figure grey, saying why on hover."""
    data = _with_labels(df, unit).select("region_code", "region_name", "value", "label", "status_label")
    values = data["value"].drop_nulls().to_list()
    classes = equal_classes(values, unit) if values else [(0, 0, fmt.MISSING_TEXT, MAP_BLUES[0])]
    data = with_classes(data, "value", classes)
    tooltip = [alt.Tooltip("properties.name:N", title="Wijk"), alt.Tooltip("label:N", title="Waarde"),
               alt.Tooltip("status_label:N", title="Status")]
    return class_map(geojson, data, value="value", classes=classes, legend_title=_axis_title(unit, unit_label),
                     tooltip=tooltip, height=height)
