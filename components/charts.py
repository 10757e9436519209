"""Altair charts, used by the web pages and the printed handout alike.

Colours are the Okabe-Ito palette (safe for colour-blind readers); provisional figures are drawn
as open points and a dashed line, so the status is visible without colour. Every function returns
a chart and takes plain Polars frames, so the same function renders on screen and in a PDF.
Channels are typed objects (``alt.X("x:Q")``, not ``x="x:Q"``): Altair matches a shorthand string or a
dict against the whole schema on every ``encode`` (some 5 ms each; a third of building the public site).
"""

from __future__ import annotations

import functools
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

import settings
from domain import formatting as fmt

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# After Okabe-Ito's eight: Paul Tol's muted colours, so eleven product categories get eleven colours.
EXTRA_COLOURS = ["#882255", "#44AA99", "#999933", "#332288", "#AA4499", "#DDCC77", "#117733", "#88CCEE"]
OWN_COLOUR = OKABE_ITO[0]
REFERENCE_COLOUR = OKABE_ITO[5]
FONT = "Source Sans Pro, Arial, sans-serif"
# Dutch number formatting on axes and tooltips: 1.000,5 rather than 1,000.5.
NL_LOCALE = {"number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€\u00a0", ""]}}


# Axis and legend text: Streamlit's chart theme draws it in #808495 (3.8:1 on white); this dark grey
# meets the WCAG AA 4.5:1 for text (12.6:1).
TEXT_COLOUR = "#333333"


# Checking a spec against the Vega-Lite JSON schema took a third of a page run, inside a lock that
# Streamlit holds for the whole process; the chart functions are fixed code, so the tests check
# every spec they render (MSD_VALIDATE_CHARTS=1, set in tests/conftest.py) and the app does not.
VALIDATE = settings.flag("MSD_VALIDATE_CHARTS")
if not VALIDATE:  # the same check, done by Altair on every object it builds
    alt.utils.schemapi.disable_debug_mode()


@functools.cache
def font_dir() -> Path:
    """Source Sans Pro, the font of the web charts, as TTF files (from the font-source-sans-pro wheel)."""
    import font_source_sans_pro

    return Path(font_source_sans_pro.__file__).parent / "files"


def show(chart: alt.TopLevelMixin, *, key: str) -> None:
    """Draw a chart on the page. Use this, not ``st.altair_chart``, which validates every spec again.

    The chart's data frames travel by name and Streamlit sends them as Arrow, as ``st.altair_chart``
    does, rather than as rows of Python dicts in the spec. The chart is used up: its data is replaced.
    """
    show_spec(spec_of(chart), key=key)


def spec_of(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite specification, its data frames under ``datasets`` by name (not as rows).
    The same for every visitor, so pages keep it per release (``Warehouse.part``) and draw it with
    :func:`show_spec`. The chart is used up: its data is replaced."""
    datasets: dict[str, pl.DataFrame] = {}

    def by_name(part) -> None:
        if isinstance(part.data, pl.DataFrame):
            name = f"data-{len(datasets)}"
            datasets[name] = part.data
            part.data = alt.NamedData(name)
        for sub in part.layer if isinstance(part, alt.LayerChart) else ():
            by_name(sub)

    by_name(chart)
    spec = chart.to_dict(validate=VALIDATE)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def show_spec(spec: dict, *, key: str) -> None:
    """Draw a specification from :func:`spec_of`; a shared (cached) one stays as it was. Panels above each
    other (:func:`time_chart` with a flat line) are drawn as charts of their own: Vega-Lite cannot make the
    panels of a concatenation as wide as their column, so they ran under the note beside the chart."""
    if "vconcat" in spec:
        shared = {k: v for k, v in spec.items() if k not in ("vconcat", "spacing", "datasets")}
        for i, panel in enumerate(spec["vconcat"]):
            show_spec({**shared, **panel, "datasets": spec.get("datasets", {})}, key=f"{key}-{i}")
        return
    st.vega_lite_chart(spec={**spec, "datasets": dict(spec.get("datasets", {}))}, width="stretch", key=key)


def finish(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared top-level look: Dutch numbers and the app's font. Call once, on the outermost chart; it
    sets the chart's config in place (``configure`` copies a layered chart, and copying re-layers it)."""
    chart.config = alt.Config(
        locale=NL_LOCALE,
        axis=alt.AxisConfig(labelFont=FONT, titleFont=FONT, labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR),
        legend=alt.LegendConfig(labelFont=FONT, titleFont=FONT, labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR))
    return chart


def legend(**kwargs) -> alt.Legend:
    """A legend below the chart whose labels are never cut off ("(medi…"): no label limit, in columns."""
    return alt.Legend(orient="bottom", labelLimit=0, titleLimit=0, **kwargs)


# Names up to this long fit two to a row on a phone (390 px wide); "Vergelijkbare gemeenten (mediaan)" beside
# "Nederland" ran past the chart's edge ("Ne").
LEGEND_PAIR_CHARS = 16


def legend_columns(names: list[str]) -> int:
    return 2 if names and max(len(n) for n in names) <= LEGEND_PAIR_CHARS else 1


def category_colours(n: int) -> list[str]:  # a different colour for each of up to sixteen categories
    return (OKABE_ITO + EXTRA_COLOURS)[: max(1, n)]


def _axis_title(unit: str, unit_label: str) -> str:
    return {"count": "Aantal", "percent": "Procent", "euro": "Bedrag", "euro_1000": "Bedrag"}.get(
        unit, unit_label.capitalize())


# Figures whose axis starts at zero: a count, an amount, a share or a rate drawn from a cut-off axis makes a
# small change look large. Scores (a 7 out of 10) and ratios are read around their own range.
ZERO_BASELINE = frozenset({"count", "euro", "euro_1000", "percent", "per_1000", "days", "per_km2"})
# What the axis title says when it does not start at zero, so no reader takes the bottom for nothing.
NOT_FROM_ZERO = "as begint niet bij 0"
# A line whose highest value stays below this share of the chart's top is drawn flat along the time axis
# (two wijken of 6.668 and 4.747 inhabitants under the municipality's 78.986): such lines get a panel of
# their own, also from zero.
FLAT_SHARE = 0.15
# Amounts on an axis in whole euros or millions, like the figures in the text ("€ 20,8 mln", "€ 450").
EURO_AXIS_LABELS = ("abs(datum.value) >= 1000000 ? '€ ' + format(datum.value / 1000000, ',.1~f') + ' mln'"
                    " : '€ ' + format(datum.value, ',.0f')")


def value_title(unit: str, unit_label: str) -> str:
    """The value axis's title; says so when the axis does not start at zero (scores, ratios)."""
    title = _axis_title(unit, unit_label)
    return title if unit in ZERO_BASELINE else f"{title} ({NOT_FROM_ZERO})"


def value_scale(unit: str, **kwargs) -> alt.Scale:
    """The value axis's scale: from zero for counts, amounts, shares and rates; around the figures otherwise."""
    return alt.Scale(zero=unit in ZERO_BASELINE, **kwargs)


def flat_series(df: pl.DataFrame, unit: str) -> list[str]:
    """The lines a zero-based axis would press flat onto the time axis beside the others (see FLAT_SHARE)."""
    shown = df.filter(pl.col("value").is_not_null())
    if unit not in ZERO_BASELINE or shown.is_empty():
        return []
    tops = shown.group_by("region_name", maintain_order=True).agg(top=pl.col("value").abs().max())
    highest = tops["top"].max()
    if not highest or highest <= 0:
        return []
    return tops.filter(pl.col("top") < FLAT_SHARE * highest)["region_name"].to_list()


def in_euros(df: pl.DataFrame, unit: str) -> tuple[pl.DataFrame, str]:
    """Amounts stored in thousands of euros (Iv3) as whole euros, so axes and labels read "€ 20,8 mln"."""
    return (df.with_columns(pl.col("value") * 1000), "euro") if unit == "euro_1000" else (df, unit)


def value_axis(unit: str) -> alt.Axis | alt.UndefinedType:
    """The value axis: euros as "€ 450" and "€ 20,8 mln" instead of 20.000.000."""
    return alt.Axis(labelExpr=EURO_AXIS_LABELS) if unit in ("euro", "euro_1000") else alt.Undefined


def _with_labels(df: pl.DataFrame, unit: str) -> pl.DataFrame:
    return df.with_columns(
        label=fmt.mapped(df, lambda v, s: fmt.value(v, unit, s), "value", "status"),
        status_label=pl.col("status").replace_strict(fmt.STATUS_LABELS, default="onbekend"),
    )


def time_chart(df: pl.DataFrame, *, unit: str, unit_label: str, series_breaks: list[dict] | None = None,
               markers: pl.DataFrame | None = None, height: int = 280,
               legend_title: str = "Gebied") -> alt.LayerChart | alt.VConcatChart:
    """Lines over the years per region; open points for provisional figures; breaks and events as rules.

    ``region_name`` may also hold categories (a breakdown drawn as lines): then ``legend_title`` names them,
    and ranges such as age groups are put in their real order. Lines that a zero-based axis would press
    flat beside the others (:func:`flat_series`) are drawn in a second, smaller panel, also from zero."""
    flat = flat_series(df, unit)
    if not flat:
        layers, height = time_layers(df, unit=unit, unit_label=unit_label, series_breaks=series_breaks,
                                     markers=markers, height=height, legend_title=legend_title)
        return finish(alt.layer(*layers, height=height, width="container"))
    names = fmt.category_order(df["region_name"].unique(maintain_order=True).to_list())
    panels = []
    for shown, last in ((~pl.col("region_name").is_in(flat), False), (pl.col("region_name").is_in(flat), True)):
        layers, h = time_layers(df.filter(shown), unit=unit, unit_label=unit_label, series_breaks=series_breaks,
                                markers=markers, height=height, legend_title=legend_title, names=names, span=df,
                                with_legend=last)  # one legend, under the last panel
        panels.append(alt.layer(*layers, height=h, width="container"))
    panels[1].title = alt.TitleParams(f"{' en '.join(n for n in names if n in flat)}: op een eigen as, ook vanaf 0",
                                      anchor="start", fontSize=12, font=FONT, color=TEXT_COLOUR)
    return finish(alt.vconcat(*panels, spacing=24))


def time_layers(df: pl.DataFrame, *, unit: str, unit_label: str, series_breaks: list[dict] | None = None,
                markers: pl.DataFrame | None = None, height: int = 280, legend_title: str = "Gebied",
                names: list[str] | None = None, span: pl.DataFrame | None = None,
                with_legend: bool = True) -> tuple[list[alt.Chart], int]:
    """The layers of :func:`time_chart` and the chart's height, for a chart that adds layers of its own.
    (Layering once: every copy of a layered chart, as ``properties`` makes, lays out its layers again.)
    ``names`` fixes the colours and ``span`` the years when the lines are split over two panels."""
    df, unit = in_euros(df, unit)
    data = _with_labels(df, unit).with_columns(
        provisional=pl.col("status") == "provisional",
        status_kind=pl.when(pl.col("status") == "provisional").then(pl.lit("voorlopig")).otherwise(pl.lit("definitief")),
        x=period_x(),
        period_label=fmt.mapped(df, fmt.period_label, "period"),
    ).sort("region_name", "x")
    data = data.with_columns(
        next_provisional=pl.col("provisional").shift(-1).over("region_name").fill_null(False))
    regions = names or fmt.category_order(df["region_name"].unique(maintain_order=True).to_list())
    colour = alt.Color("region_name:N", title=legend_title, sort=regions,
                       scale=alt.Scale(domain=regions, range=OKABE_ITO[: max(1, len(regions))]),
                       legend=legend(columns=legend_columns(regions)) if with_legend else None)
    rules = []
    for b in series_breaks or []:
        rules.append({"x": int(b["period"][:4]) - 0.5, "label": "Trendbreuk", "text": b.get("label", "")})
    if markers is not None and not markers.is_empty():
        for m in markers.iter_rows(named=True):
            rules.append({"x": float(m["year"]), "label": m["label"], "text": m.get("text") or m["label"]})
    # The x axis spans the figures and every rule (a break before the first year is drawn inside the plot,
    # not over the y axis).
    span_x = [] if span is None else span.select(period_x())[:, 0].to_list()
    xs = data["x"].to_list() + [r["x"] for r in rules] + span_x
    lo, hi = min(xs), max(xs)
    # Labels of rules in the right half are written to the left of their line: to the right, "2022
    # woonplaatsbeginsel" ran off the chart on a phone.
    rules = rule_rows(rules, flip_after=(lo + hi) / 2)
    base = alt.Chart(data).encode(
        x=alt.X("x:Q", title=None, axis=time_axis(span if span is not None else df),
                scale=alt.Scale(domain=[lo - 0.3, hi + 0.3], nice=False)),
        y=alt.Y("value:Q", title=value_title(unit, unit_label), scale=value_scale(unit), axis=value_axis(unit)),
        color=colour,
        tooltip=[alt.Tooltip("region_name:N", title=legend_title), alt.Tooltip("period_label:N", title="Periode"),
                 alt.Tooltip("label:N", title="Waarde"), alt.Tooltip("status_label:N", title="Status")],
    )
    final_line = base.transform_filter("!datum.provisional").mark_line(strokeWidth=2.5)
    # The provisional stretch: dashed from the last final point onwards.
    dashed = base.transform_filter("datum.provisional || datum.next_provisional").mark_line(
        strokeDash=[5, 4], strokeWidth=2)
    points = base.mark_point(size=70, filled=True, strokeWidth=2).encode(
        stroke=colour,
        # Shape and fill carry the status without colour; the caption under the chart explains them.
        shape=alt.Shape("status_kind:N", scale=alt.Scale(domain=["definitief", "voorlopig"], range=["circle", "diamond"]),
                        legend=None),
        fill=alt.condition("datum.status_kind == 'voorlopig'", alt.value("white"), colour),
    )
    layers = [final_line, dashed, points]
    if rules:
        rule_df = pl.DataFrame(rules)
        # The line runs from its label, above the plot, down to the time axis.
        rule = alt.Chart(rule_df).mark_rule(color="#555555", strokeDash=[2, 2]).encode(
            x=alt.X("x:Q"), y=alt.Y("row_y:Q", scale=None), y2=alt.Y2Value({"expr": "height"}),
            tooltip=[alt.Tooltip("label:N", title="Gebeurtenis"), alt.Tooltip("text:N", title="Toelichting")])
        layers.append(rule)
        for at_end, align, dx in ((False, "left", 3), (True, "right", -3)):
            part = rule_df.filter(pl.col("at_end") == at_end)
            if part.height:
                layers.append(alt.Chart(part).mark_text(align=align, dx=dx, baseline="top", fontSize=11,
                                                        color="#111111").encode(
                    x=alt.X("x:Q"), y=alt.Y("row_y:Q", scale=None), text=alt.Text("label:N")))
        height += -min(r["row_y"] for r in rules)  # the label rows come on top of the plot, not out of it
    return layers, height


RULE_LABEL_ROW_PX = 15
RULE_LABEL_YEARS = 2.5  # labels of rules closer than this many years go on rows below each other


def rule_rows(rules: list[dict], *, flip_after: float | None = None) -> list[dict]:
    """Each rule's label on the first row where it does not run into another label (two breaks a year
    apart, "Trendbreuk" twice, were written over each other). A label takes RULE_LABEL_YEARS to the right
    of its line, or to the left for a rule after ``flip_after`` (``at_end``). The rows lie above the plot,
    so no label covers a line or a point (``row_y`` in pixels from the plot's top, negative)."""
    rows: list[list[tuple[float, float]]] = []  # per row: the stretches its labels take
    placed = []
    for r in sorted(rules, key=lambda r: r["x"]):
        at_end = flip_after is not None and r["x"] > flip_after
        a, b = (r["x"] - RULE_LABEL_YEARS, r["x"]) if at_end else (r["x"], r["x"] + RULE_LABEL_YEARS)
        row = next((i for i, taken in enumerate(rows) if all(b <= lo or a >= hi for lo, hi in taken)), len(rows))
        if row == len(rows):
            rows.append([])
        rows[row].append((a, b))
        placed.append((row, {**r, "at_end": at_end}))
    return [{**r, "row_y": -(len(rows) - row) * RULE_LABEL_ROW_PX} for row, r in placed]


MONTH_TICKS = "['jan','feb','mrt','apr','mei','jun','jul','aug','sep','okt','nov','dec']"


def time_axis(df: pl.DataFrame) -> alt.Axis:
    """Years on the time axis; months or quarters of a single year by name ("jan" … "dec", "kw 1" … "kw 4"),
    so the months of 2025 do not run up to a tick "2026" at the end."""
    periods = df["period"].unique().to_list()
    kinds = {p[4:6] for p in periods}
    if len({p[:4] for p in periods}) == 1 and len(kinds) == 1 and kinds < {"MM", "KW"}:
        kind = kinds.pop()
        values = sorted(df.select(period_x().unique())[:, 0].to_list())
        label = (f"{MONTH_TICKS}[floor((datum.value - floor(datum.value)) * 12)]" if kind == "MM"
                 else "'kw ' + (floor((datum.value - floor(datum.value)) * 4) + 1)")
        return alt.Axis(values=values, labelExpr=label, labelOverlap=True)
    return alt.Axis(format="d", tickMinStep=1)


def period_x() -> pl.Expr:
    """A period's place on the time axis: its year, with quarters, half years and months inside it."""
    period = pl.col("period")
    kind = period.str.slice(4, 2)
    n = period.str.slice(6, 2).cast(pl.Int32, strict=False).fill_null(0)
    within = (pl.when(kind == "KW").then((n - 1) / 4 + 0.125)
              .when(kind == "MM").then((n - 1) / 12 + 1 / 24)
              .when(kind == "HJ").then((n - 1) / 2 + 0.25)
              .otherwise(0.0))
    return period.str.slice(0, 4).cast(pl.Float64) + within


def ranked_bars(df: pl.DataFrame, *, unit: str, unit_label: str, reference: float | None = None,
                reference_label: str = "gemeente", height: int | None = None) -> alt.LayerChart:
    """Wijken ranked by value, every bar with its value; the municipality as a bar of its own colour in the
    ranking, named on the axis (a reference line across ran through the wijken's value labels)."""
    if unit == "euro_1000":
        reference = None if reference is None else reference * 1000
    df, unit = in_euros(df, unit)
    data = _with_labels(df, unit).with_columns(reference=pl.lit(False))
    if reference is not None:
        ref_row = pl.DataFrame({"region_name": [f"{reference_label} (hele gemeente)"], "value": [float(reference)],
                                "status": ["final"], "reference": [True]})
        data = pl.concat([data, _with_labels(ref_row, unit)], how="diagonal_relaxed")
    data = data.with_columns(
        what=pl.when(pl.col("reference")).then(pl.lit("Hele gemeente")).otherwise(pl.lit("Wijk")),
        # The bar's label without the unit, which the axis title gives: short enough to fit beside the bar.
        bar_label=fmt.mapped(data, lambda v, s: fmt.value(v, unit, s) if unit in ("percent", "euro") or s == "suppressed"
                             else fmt.number(v, fmt.UNIT_DECIMALS.get(unit, 1)), "value", "status"))
    top = data["value"].max()
    # Room to the right of the longest bar for its value label.
    x_max = float(top) * 1.15 if top is not None and top > 0 else None
    # The order as a list: "-x" over several layers falls back to the alphabet in Vega-Lite.
    order = data.sort("value", descending=True, nulls_last=True)["region_name"].to_list()
    y = alt.Y("region_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    x = alt.X("value:Q", title=_axis_title(unit, unit_label), axis=value_axis(unit),
              scale=alt.Scale(domain=[0, x_max], nice=False) if x_max else alt.Undefined)
    tooltip = [alt.Tooltip("region_name:N", title="Gebied"), alt.Tooltip("label:N", title="Waarde"),
               alt.Tooltip("status_label:N", title="Status")]
    bars = alt.Chart(data).mark_bar().encode(
        y=y, x=x, tooltip=tooltip,
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["Wijk", "Hele gemeente"],
                                                              range=[OWN_COLOUR, REFERENCE_COLOUR]), legend=None))
    values = alt.Chart(data).mark_text(align="left", dx=4, fontSize=11, color=TEXT_COLOUR).encode(
        y=y, x=x, text=alt.Text("bar_label:N"), tooltip=tooltip)
    return finish(alt.layer(bars, values, height=height or max(160, 26 * data.height), width="container"))


def breakdown_bars(df: pl.DataFrame, *, unit_label: str, breakdown_label: str, height: int = 260) -> alt.Chart:
    """Stacked bars over the years, one colour per category (``category_label``, with ``label`` for the
    tooltip), categories in their real order (age groups 0-3, 4-11, 12-17) in legend and stack alike."""
    data = df.filter(pl.col("value").is_not_null())
    order = fmt.category_order(data["category_label"].unique(maintain_order=True).to_list())
    data = data.with_columns(stack_order=pl.col("category_label").replace_strict(
        {c: i for i, c in enumerate(order)}, return_dtype=pl.Int32))
    euro = unit_label == "euro"
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title="Bedrag" if euro else unit_label.capitalize(), stack=True,
                axis=value_axis("euro") if euro else alt.Undefined),
        # Two columns: three ran past the chart's edge in a narrow column ("Dagbestedin"); a colour per
        # category, also beyond the eight of Okabe-Ito (Hulp bij het huishouden and Opvang were both blue).
        color=alt.Color("category_label:N", title=breakdown_label.capitalize(), sort=order,
                        scale=alt.Scale(domain=order, range=category_colours(len(order))), legend=legend(columns=2)),
        order=alt.Order("stack_order:Q"),
        tooltip=[alt.Tooltip("year:O", title="Jaar"), alt.Tooltip("category_label:N", title=breakdown_label.capitalize()),
                 alt.Tooltip("label:N", title="Waarde")],
    ).properties(height=height, width="container")
    return finish(chart)
