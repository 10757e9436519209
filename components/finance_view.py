"""The money views: prognosis against the budget, Iv3 spending per inhabitant against similar
municipalities and Nederland, cost per client, and scenarios. Each view is a :class:`Figure`: a
series frame (``region_name`` names the line) with its sentence and source line, drawn the same way
on the page *Geld*, in a dossier part of kind "finance" and in the handout (docs/finance-methods.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

import polars as pl
import streamlit as st

from components import charts, export, indicator_view, notes
from domain import formatting as fmt
from queries import Warehouse, finance
from queries import figures as q

SERIES = {"region_name": pl.String, "region_code": pl.String, "period": pl.String, "year": pl.Int32,
          "value": pl.Float64, "status": pl.String, "source_id": pl.String}


@dataclass
class Figure:
    indicator: dict  # title, unit, unit_label, series_breaks (what a chart and a table need)
    df: pl.DataFrame  # region_name, period, year, value, status, source_id
    description: str
    provenance: str
    note_id: str  # the indicator the civil servants' notes hang on
    law: str
    legend_title: str = "Gebied"  # what the lines are: areas, or spending against budget, or scenarios


def figure_indicator(title: str, unit: str) -> dict:
    return {"title": title, "unit": unit, "unit_label": {"euro": "euro", "euro_1000": "× € 1.000"}[unit],
            "series_breaks": [], "source_label": ""}


def _series(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SERIES)


def _row(name: str, period: str, value: float | None, status: str = "final", source: str = "") -> dict:
    return {"region_name": name, "region_code": name, "period": period, "year": int(period[:4]), "value": value,
            "status": status, "source_id": source}


def source_line(wh: Warehouse, df: pl.DataFrame, label: str) -> str:
    return indicator_view.provenance(wh, {"source_label": label}, df)


def euro(v: float | None) -> str:
    return fmt.sentence_value(v, "euro")


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------
def prognosis_figure(wh: Warehouse, law: str, month: int | None = None) -> Figure | None:
    """Spending to date month by month (cumulative), the expected path to December and the budget."""
    cost_id = finance.LAWS[law]["cost"]
    if not cost_id:
        return None
    monthly = finance.monthly_cost(wh, law)
    latest = finance.months_available(monthly)
    if latest is None:
        return None
    year = latest[0]
    month = min(month or latest[1], latest[1])
    quarterly = finance.monthly_cost(wh, law, "KW")
    prog = finance.prognosis(monthly, year, month, finance.budgets(wh, law).get(year), quarterly)
    if prog is None:
        return None
    src = q.series(wh, cost_id, [wh.gemeente], period_kind="MM")
    source_id = src["source_id"][0] if src.height else ""
    rows, total = [], 0.0
    for m in range(1, month + 1):
        total += monthly[f"{year}MM{m:02d}"]
        rows.append(_row(f"Uitgegeven {year}", f"{year}MM{m:02d}", total, source=source_id))
    # The expected path: the rest of the year spent as the earlier years spent theirs.
    share = {m: mean(finance.cumulative_share(monthly, quarterly, y, m) for y in prog.shares) if prog.shares
             else m / 12 for m in range(month, 13)}
    for m in range(month, 13) if month < 12 else ():
        rest = (share[m] - share[month]) / (1 - share[month])
        rows.append(_row(f"Verwacht {year}", f"{year}MM{m:02d}", prog.to_date + (prog.expected - prog.to_date) * rest,
                         source=source_id))
    if prog.budget is not None:
        rows += [_row(f"Begroting {year}", f"{year}MM{m:02d}", prog.budget, source="") for m in (1, 12)]
    df = _series(rows)
    ind = figure_indicator(f"Uitgaven {finance.LAW_LABELS[law]} {year}: tot nu toe en verwacht", "euro")
    source = source_line(wh, df, q.indicator(wh, cost_id)["source_label"] + " en begroting van de gemeente")
    return Figure(ind, df, describe_prognosis(prog), source, cost_id, law, legend_title="Reeks")


def describe_prognosis(p: finance.Prognosis) -> str:
    label = f"{fmt.MONTHS[p.month - 1]} {p.year}"
    if p.month == 12:
        text = f"Het jaar {p.year} is compleet: er is {euro(p.to_date)} uitgegeven."
    else:
        text = f"Tot en met {label} is {euro(p.to_date)} uitgegeven. Verwacht voor heel {p.year}: {euro(p.expected)}"
        if p.low is not None:
            years = ", ".join(str(y) for y in sorted(p.shares))
            text += (f", waarschijnlijk tussen {euro(p.low)} en {euro(p.high)} (als de rest van het jaar verloopt "
                     f"zoals in {years}).")
        else:
            text += ". Er is geen eerder volledig jaar om het seizoenspatroon van te leren; de uitgaven tot nu toe "\
                    "zijn gelijkmatig doorgetrokken."
    if p.budget is None:
        return text + " Er is geen begroting voor dit jaar ingelezen."
    verb = "meer" if p.over > 0 else "minder"
    return text + (f" De begroting is {euro(p.budget)}: naar verwachting {euro(abs(p.over))} "
                   f"({fmt.number(abs(p.over_pct), 1)}%) {verb} dan begroot.")


def per_inhabitant_figure(wh: Warehouse, indicator_id: str) -> Figure:
    """An Iv3 amount per inhabitant: the municipality, the median of similar municipalities and Nederland."""
    ind = q.indicator(wh, indicator_id)
    df = finance.per_inhabitant(wh, [indicator_id], [wh.gemeente, "NL01", *wh.peers])
    med = finance.peer_median(df, wh.peers)
    shown = pl.concat([df.filter(pl.col("region_code").is_in([wh.gemeente, "NL01"]))
                       .select(list(SERIES)), med.select(list(SERIES))])
    info = figure_indicator(f"{ind['title']} per inwoner", "euro")
    text = indicator_view.describe_series(shown, "euro")
    source = source_line(wh, shown, ind["source_label"] + "; per inwoner berekend met het aantal inwoners op 1 januari")
    return Figure(info, shown, text, source, indicator_id, ind["law"])


def budget_against_account_figure(wh: Warehouse, group: str) -> Figure:
    """The municipality's Iv3 lasten: what the begroting planned against what the jaarrekening shows."""
    rows = []
    for iid, name in ((f"fin_{group}_lasten_begroting", "Begroot (begroting)"),
                      (f"fin_{group}_lasten", "Uitgegeven (jaarrekening)")):
        part = q.series(wh, iid, [wh.gemeente])
        rows.append(part.select(pl.lit(name).alias("region_name"), pl.lit(name).alias("region_code"), "period",
                                "year", "value", "status", "source_id"))
    df = pl.concat(rows).cast(SERIES)
    both = df.pivot(on="region_name", index="year", values="value").drop_nulls()
    text = indicator_view.describe_series(df, "euro_1000")
    if both.height:
        last = both.sort("year").row(-1, named=True)
        diff = last["Uitgegeven (jaarrekening)"] - last["Begroot (begroting)"]
        text += (f" In {last['year']} was {fmt.sentence_value(abs(diff), 'euro_1000')} "
                 f"{'meer' if diff > 0 else 'minder'} uitgegeven dan begroot.")
    label = q.indicator(wh, f"fin_{group}_lasten")
    return Figure(figure_indicator(f"{label['short_title']}: begroot en uitgegeven", "euro_1000"), df, text,
                  source_line(wh, df, label["source_label"]), f"fin_{group}_lasten", label["law"], legend_title="Reeks")


def scenario_figure(wh: Warehouse, law: str) -> tuple[Figure, pl.DataFrame, bool] | None:
    """Five years of cost per scenario and the budget; with the table of shortfalls."""
    table, prog, demographic = finance.law_scenarios(wh, law)
    if prog is None or table.is_empty():
        return None
    rows = [_row(r["scenario"], f"{r['year']}JJ00", r["cost"]) for r in table.iter_rows(named=True)]
    rows.append(_row(rows[0]["region_name"], f"{prog.year}JJ00", prog.expected))
    for name in table["scenario"].unique(maintain_order=True).to_list()[1:]:
        rows.append(_row(name, f"{prog.year}JJ00", prog.expected))
    budget = table.select("year", "budget").unique("year").sort("year").drop_nulls()
    rows += [_row("Begroting", f"{y}JJ00", b) for y, b in budget.iter_rows()]
    if prog.budget is not None:
        rows.append(_row("Begroting", f"{prog.year}JJ00", prog.budget))
    df = _series(rows)
    last = table.filter(pl.col("year") == table["year"].max())
    parts = [f"Startpunt: de verwachte uitgaven van {prog.year}, {euro(prog.expected)}."]
    for r in last.iter_rows(named=True):
        if r["shortfall"] is None:
            parts.append(f"{r['scenario']}: {euro(r['cost'])} in {r['year']}.")
        else:
            word = "tekort" if r["shortfall"] > 0 else "over"
            parts.append(f"{r['scenario']}: {euro(r['cost'])} in {r['year']}, {euro(abs(r['shortfall']))} {word}.")
    known = finance.budgets(wh, law)
    if known and table["budget_held"].any():
        parts.append(f"Na {max(known)} is de laatste begroting ({max(known)}) gelijk gehouden.")
    if not demographic:
        parts.append("Er is geen bevolkingsprognose geladen, dus er is geen scenario op basis van de bevolking.")
    ind = figure_indicator(f"Scenario's {finance.LAW_LABELS[law]}: uitgaven de komende vijf jaar", "euro")
    source = source_line(wh, df, "Eigen registratie, begroting van de gemeente; berekend (zie methoden)")
    fig = Figure(ind, df, " ".join(parts), source, finance.LAWS[law]["cost"], law, legend_title="Scenario")
    return fig, table, demographic


def shortfall_table(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(
        pl.col("year").alias("Jaar"), pl.col("scenario").alias("Scenario"),
        fmt.mapped(table, lambda v: fmt.value(v, "euro"), "cost").alias("Uitgaven"),
        fmt.mapped(table, lambda v: fmt.value(v, "euro"), "budget").alias("Begroting"),
        fmt.mapped(table, lambda v: "–" if v is None else ("tekort " if v > 0 else "over ") + fmt.value(abs(v), "euro"),
                   "shortfall").alias("Tekort of over"))


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------
def render_figure(wh: Warehouse, fig: Figure, *, key: str, extra: pl.DataFrame | None = None, chart=None,
                  download=None) -> None:
    """Chart, table, sentence, source line and note panel, like every figure in the monitor. Without
    ``chart`` the figure is drawn over time; without ``download`` its series is what downloads."""
    st.subheader(fig.indicator["title"])
    chart_col, note_col = st.columns([3, 2], gap="medium")
    with chart_col:
        if fig.df.filter(pl.col("value").is_not_null()).is_empty():
            st.info("Voor dit cijfer zijn er geen gegevens.")
        else:
            tab_chart, tab_table = st.tabs(["Grafiek", "Tabel"])
            with tab_chart:
                if chart is None:
                    chart = charts.time_chart(fig.df, unit=fig.indicator["unit"],
                                              unit_label=fig.indicator["unit_label"], legend_title=fig.legend_title)
                charts.show(chart, key=f"chart-{key}")
                st.caption(fig.description)
            with tab_table:
                shown = extra if extra is not None else indicator_view.table(fig.df, fig.indicator["unit"])
                st.dataframe(shown, hide_index=True, width="stretch", key=f"table-{key}")
                export.download_buttons(download or export.series_table(fig.indicator, fig.df, source=fig.provenance,
                                                                        release=wh.release.id), key=f"table-{key}")
        st.caption(fig.provenance)
    with note_col:
        notes.render_note_panel(fig.note_id, fig.law, [wh.gemeente], None)


def render_cost_per_client(wh: Warehouse, law: str) -> None:
    st.subheader(f"Kosten per cliënt {finance.LAW_LABELS[law]}")
    cpc = finance.cost_per_client(wh, law)
    if cpc.is_empty():
        st.info("De registratie van deze wet bevat geen bedragen; kosten per cliënt zijn er niet.")
    else:
        rows = cpc.iter_rows(named=True)
        text = " ".join(f"In {r['year']}: {euro(r['per_client'])} per cliënt ({fmt.number(r['clients'])} cliënten, "
                        f"{euro(r['cost'])})." for r in rows)
        if cpc.height == 2:
            a, b = cpc["per_client"].to_list()
            text += f" Verschil: {fmt.change(b - a, 'euro', 100 * (b - a) / a if a else None)}."
        st.markdown(text)


def law_summary(wh: Warehouse, law: str) -> None:
    """One sentence about the money on a law page, with the way to the page Geld."""
    if law not in finance.LAWS:
        return
    # The sentence is the same for every visitor: built once per release and law.
    text = wh.part(("law-summary", law), lambda: _summary_text(wh, law))
    if text is None:
        return
    st.header("Geld")
    st.markdown(text)
    st.page_link("app_pages/geld.py", label="Meer over geld: begroting, vergelijking en scenario's",
                 icon=":material/euro:")


def _summary_text(wh: Warehouse, law: str) -> str | None:
    prog = finance.law_prognosis(wh, law)
    return None if prog is None else describe_prognosis(prog)
