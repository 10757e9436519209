"""The handout's charts: the web chart of a dossier block as SVG for print (vl-convert, no browser).

The chart is the very same Altair chart the web page shows (:func:`components.dossier_document.chart_for`),
with text large enough for paper and cleaned for fpdf2's SVG parser (:mod:`components.handout` draws it).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET

import altair as alt

from components import charts, dossier_document

CHART_WIDTH_PX = 620
CHART_HEIGHT_PX = 180  # lower than on screen: with 210 a part's last note ran onto a page of its own
# The chart SVG is scaled to the text width (about 0,73 pt per px), so chart text is set at 13 px to be at
# least 8 pt on paper (a test measures it in the rendered SVG).
PRINT_FONT_PX = 13
_SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


@functools.cache
def _vl_convert():
    import vl_convert

    # The same font for laying out the chart as for drawing it, so labels fit their space.
    vl_convert.register_font_directory(str(charts.font_dir()))
    return vl_convert


def chart_svg(fig: dossier_document.IndicatorFigures) -> str | None:
    """The web chart of one indicator as SVG (Dutch number format), cleaned for fpdf2's SVG parser."""
    chart = dossier_document.chart_for(fig, height=CHART_HEIGHT_PX)
    if chart is None:
        return None
    if isinstance(chart, alt.VConcatChart):  # lines in two panels (charts.flat_series): each as wide as the page
        chart.vconcat = [panel.properties(width=CHART_WIDTH_PX) for panel in chart.vconcat]
    else:
        chart = chart.properties(width=CHART_WIDTH_PX)
    spec = for_print(chart.to_dict(validate=charts.VALIDATE))
    svg = _vl_convert().vegalite_to_svg(spec, format_locale="nl-NL")
    return _clean_svg(svg)


def for_print(spec: dict) -> dict:
    """The web chart's spec with text large enough for paper: axis and legend text, and every text mark."""
    config = spec.setdefault("config", {})
    for part in ("axis", "legend"):
        config.setdefault(part, {}).update(labelFontSize=PRINT_FONT_PX, titleFontSize=PRINT_FONT_PX)
    config.setdefault("text", {})["fontSize"] = PRINT_FONT_PX
    for layer in [*spec.get("layer", []), *(lay for panel in spec.get("vconcat", []) for lay in panel.get("layer", []))]:
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = max(mark.get("fontSize", 0), PRINT_FONT_PX)
    return spec


def svg_print_scale(svg: str, width_mm: float) -> float:
    """Points on paper per SVG pixel when the SVG is drawn ``width_mm`` wide."""
    return width_mm / float(ET.fromstring(svg).get("width")) * 72 / 25.4


def _clean_svg(svg: str) -> str:
    """Vega writes SVG that browsers accept but fpdf2 does not: empty paths and lines without x1/y1."""
    root = ET.fromstring(svg)
    parents = {child: parent for parent in root.iter() for child in parent}
    for el in list(root.iter()):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "path" and not (el.get("d") or "").strip():
            parents[el].remove(el)
        elif tag == "line":
            for attr in ("x1", "y1", "x2", "y2"):
                el.set(attr, el.get(attr) or "0")
    return ET.tostring(root, encoding="unicode")
