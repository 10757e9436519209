"""The registry's cost per product category and per referrer on the page *Geld*: stacked bars over
the years, the last two years with the change in a table, a sentence on the biggest rises, source line
and note panel. The amounts come suppressed from the query layer (queries/finance.py ``cost_change``)."""

from __future__ import annotations

import polars as pl

from components import charts, export
from components.finance_view import Figure, euro, figure_indicator, render_figure, source_line
from domain import formatting as fmt
from queries import Warehouse, finance
from queries import figures as q


def change_table(df: pl.DataFrame, breakdown: str) -> pl.DataFrame:
    """The last two years per category, hidden amounts as such, and the change in euros and per cent."""
    prev, last = df["previous_year"][0], df["last_year"][0]
    return df.select(
        fmt.mapped(df, lambda c: fmt.category_label(breakdown, c), "category").alias(
            fmt.BREAKDOWN_LABELS.get(breakdown, breakdown).capitalize()),
        fmt.mapped(df, lambda v, st_: fmt.value(v, "euro", st_), "previous", "previous_status").alias(str(prev)),
        fmt.mapped(df, lambda v, st_: fmt.value(v, "euro", st_), "last", "last_status").alias(str(last)),
        fmt.mapped(df, lambda v: fmt.change(v, "euro") or "–", "change").alias("Verschil"),
        fmt.mapped(df, lambda v: "–" if v is None else f"{'+' if v > 0 else ''}{fmt.number(v, 1)}%",
                   "change_pct").alias("Verschil (%)"))


def cost_split_figure(wh: Warehouse, law: str, breakdown: str) -> tuple[Figure, pl.DataFrame] | None:
    """The registry's cost of the law per product category or per referrer over the years, with the
    last two years and the change (None when the registry has no such split)."""
    change = finance.cost_change(wh, law, breakdown)
    if change.is_empty():
        return None
    cost_id = finance.LAWS[law]["cost"]
    df = q.series(wh, cost_id, [wh.gemeente], breakdown=breakdown).filter(pl.col("category") != "")
    df = df.with_columns(category_label=fmt.mapped(df, lambda c: fmt.category_label(breakdown, c), "category"),
                         label=fmt.mapped(df, lambda v, st_: fmt.value(v, "euro", st_), "value", "status"))
    label = fmt.BREAKDOWN_LABELS[breakdown]
    ind = figure_indicator(f"Uitgaven {finance.LAW_LABELS[law]} per {label}", "euro")
    source = q.indicator(wh, cost_id)["source_label"]
    return Figure(ind, df, describe_change(change, breakdown), source_line(wh, df, source), cost_id, law,
                  legend_title=label), change


def describe_change(change: pl.DataFrame, breakdown: str) -> str:
    """Which categories cost most more than last year, in a sentence."""
    prev, last = change["previous_year"][0], change["last_year"][0]
    label = fmt.BREAKDOWN_LABELS[breakdown]
    rises = change.filter(pl.col("change") > 0).head(2)
    parts = [f"{fmt.category_label(breakdown, r['category'])} ({euro(r['change'])} meer, "
             f"{fmt.change(r['change'], 'euro', r['change_pct'])})" for r in rises.iter_rows(named=True)]
    if parts:
        text = f"Van {prev} naar {last} stegen de uitgaven het meest bij {' en '.join(parts)}."
    else:
        text = f"Bij geen enkele {label} waren de uitgaven in {last} hoger dan in {prev}."
    if (change["previous_status"] == "suppressed").any() or (change["last_status"] == "suppressed").any():
        text += " Bedragen over weinig cliënten zijn afgeschermd; ze tellen hier niet mee."
    return text


def render_cost_split(wh: Warehouse, law: str, breakdown: str) -> None:
    made = cost_split_figure(wh, law, breakdown)
    if made is None:
        return
    fig, change = made
    label = fmt.BREAKDOWN_LABELS[breakdown]
    chart = charts.breakdown_bars(fig.df, unit_label=fig.indicator["unit_label"], breakdown_label=label)
    download = export.breakdown_table(fig.indicator, fig.df, breakdown_label=label, source=fig.provenance,
                                      release=wh.release.id)
    render_figure(wh, fig, key=f"cost-{law}-{breakdown}", extra=change_table(change, breakdown),
                  chart=chart, download=download)
