"""One figure of the edition: its chart (Vega-Lite and SVG), table, sentence, source line, duiding and
downloads, from the same query results (computed once per figure and used for all of them)."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from components import charts, comparison_charts, comparison_view, export, indicator_view, map_charts, wijk_view
from domain import formatting as fmt
from domain.export import ExportTable, to_csv, to_xlsx
from domain.formatting import date_label
from publish.context import ANONYMOUS, NOTE_SECTIONS, SVG_WIDTH, BuildContext, Figure, vl_convert
from queries import Warehouse, goals, region
from queries import figures as q
from store.markdown import to_safe_html


def svg(ctx: BuildContext, spec: dict, rel: str) -> str:
    """The chart as SVG at a fixed width (vl-convert cannot lay out "container" width), drawn by
    :func:`draw_pictures` once the process's pages are written. vl-convert 1.9 keeps the GIL while it draws:
    on a worker thread it stalled every query and Polars step of the page builder (a 0.3 ms select took
    200 ms), so a process draws its pictures one after the other; the worker processes share the work."""
    ctx.pending.append((ctx.root / rel, spec))
    return rel


def draw_pictures(ctx: BuildContext) -> None:
    convert = vl_convert()
    for path, spec in ctx.pending:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(convert.vegalite_to_svg({**spec, "width": SVG_WIDTH}, format_locale="nl-NL"), encoding="utf-8")
    ctx.pending.clear()


def downloads(ctx: BuildContext, table: ExportTable, rel_stem: str) -> list[tuple[str, str]]:
    (ctx.root / rel_stem).parent.mkdir(parents=True, exist_ok=True)
    (ctx.root / f"{rel_stem}.csv").write_bytes(to_csv(table))
    (ctx.root / f"{rel_stem}.xlsx").write_bytes(to_xlsx(table))
    return [(f"{rel_stem}.csv", "Download als CSV"), (f"{rel_stem}.xlsx", "Download als Excel")]


def _note_html(note) -> dict:
    c = note.content
    parts = [{"label": label, "html": Markup(to_safe_html(getattr(c, attr)))}
             for attr, label in NOTE_SECTIONS if getattr(c, attr)]
    return {"title": c.title, "period": note.period_label, "parts": parts,
            "published": f"Gepubliceerd op {date_label(note.published_at)}" if note.published_at else ""}


def _notes_for(ctx: BuildContext, ind: dict, period: str | None) -> list[dict]:
    if ctx.notes is None:
        return []
    found = ctx.notes.notes_for(ind["id"], ind["law"], [ctx.wh.gemeente], period, role=ANONYMOUS)
    return [_note_html(n) for n in found if n.status == "published" or n.published_at]


def _markers(ctx: BuildContext, ind: dict) -> pl.DataFrame | None:
    return ctx.notes.markers_for(ind["id"], ind["law"], role=ANONYMOUS) if ctx.notes else None


def figure_regions(wh: Warehouse, ind: dict) -> tuple[str, list[str]]:
    """(indicator to draw, regions): the app's default comparison (own municipality, Nederland, the peers'
    median); a count is compared on its rate companion, and without one shown for the municipality alone
    (the same choice as ``indicator_view.comparable``, without its on-screen notice)."""
    regions = [wh.gemeente, "NL01", q.PEER_CODE]
    if ind["unit"] != "count":
        return ind["id"], regions
    rate = q.rate_companion(wh, ind["id"])
    if rate and q.years(wh, [rate], [wh.gemeente]):
        return rate, regions
    return ind["id"], [wh.gemeente]


def series_figure(ctx: BuildContext, indicator_id: str) -> tuple[Figure, pl.DataFrame]:
    """The figure page of one indicator, with the suppressed query result it draws."""
    wh = ctx.wh
    asked = q.indicator(wh, indicator_id)
    shown_id, regions = figure_regions(wh, asked)
    ind = q.indicator(wh, shown_id)
    codes = [c for c in regions if c != q.PEER_CODE]
    df = q.series_compared(wh, shown_id, codes, peer_median=q.PEER_CODE in regions)
    band = q.peer_range(wh, shown_id) if q.PEER_CODE in regions else None
    fig = Figure(slug=indicator_id, title=asked["title"], spec=None, svg=None, table=pl.DataFrame(),
                 description="Voor dit cijfer zijn er geen gegevens.", provenance=indicator_view.provenance(wh, ind, df),
                 definition=ind["definition"] or "",
                 breaks=[fmt.break_sentence(b) for b in ind["series_breaks"]],
                 notes=_notes_for(ctx, asked, None))
    if shown_id != indicator_id:
        fig.description = (f"Een aantal is niet goed te vergelijken met andere gemeenten. Daarom ziet u hier "
                           f"'{ind['title']}'. ")
    else:
        fig.description = ""
    if df.filter(pl.col("value").is_not_null()).is_empty():
        fig.description += "Voor dit cijfer zijn er geen cijfers te tonen."
        return fig, df
    markers = _markers(ctx, asked)
    if band is not None and not band.is_empty():
        chart = comparison_charts.time_chart_with_band(df, band, unit=ind["unit"], unit_label=ind["unit_label"],
                                                       series_breaks=ind["series_breaks"], markers=markers)
    else:
        chart = charts.time_chart(df, unit=ind["unit"], unit_label=ind["unit_label"],
                                  series_breaks=ind["series_breaks"], markers=markers)
    fig.spec = chart.to_dict(validate=charts.VALIDATE)
    fig.svg = svg(ctx, fig.spec, f"cijfers/{indicator_id}.svg")
    rows = indicator_view.with_band_rows(df, band)
    fig.table = indicator_view.table(rows, ind["unit"])
    fig.description += indicator_view.describe_series(df, ind["unit"]) + indicator_view.describe_band(band, ind["unit"])
    fig.downloads = downloads(ctx, export.series_table(ind, rows, source=fig.provenance, release=wh.release.id),
                               f"cijfers/{indicator_id}")
    goal = _goal_figure(ctx, asked)
    if goal:
        fig.extra.append(goal)
    return fig, df


def _goal_figure(ctx: BuildContext, ind: dict) -> Figure | None:
    wh = ctx.wh
    goal = ind["goal"]
    row = ctx.goal_overview().filter(pl.col("indicator_id") == ind["id"])
    if not goal or row.is_empty():
        return None
    r = row.row(0, named=True)
    s = q.series(wh, ind["id"], [wh.gemeente])
    path = goals.goal_path(goal, r["baseline_year"], r["baseline"])
    chart = comparison_charts.goal_chart(s, path, unit=r["unit"], unit_label=ind["unit_label"],
                                         target=goal.get("target"), target_year=goal.get("target_year"))
    spec = chart.to_dict(validate=charts.VALIDATE)
    prov = indicator_view.provenance(wh, ind, s)
    target = ("" if goal.get("target") is None else
              f" Streefwaarde: {fmt.sentence_value(goal['target'], r['unit'])} in {goal['target_year']}.")
    return Figure(
        slug=f"{ind['id']}-doel", title=f"{ind['title']}: het doel", spec=spec,
        svg=svg(ctx, spec, f"cijfers/{ind['id']}-doel.svg"), table=comparison_view.goal_table(s, path, r["unit"]),
        description=f"Status: {r['status']}. {r['rule']}{target} Blauwe lijn: het cijfer van de gemeente. Oranje "
                    "stippellijn: de rechte lijn van de start naar het doel. Oranje kruis: het doel.",
        provenance=prov)


def wijk_figure(ctx: BuildContext, indicator_id: str) -> tuple[Figure, pl.DataFrame] | None:
    """The wijken of the municipality on a map (and as a table) in the latest year with wijk figures."""
    wh = ctx.wh
    ind = q.indicator(wh, indicator_id)
    years = q.years(wh, [indicator_id], q.wijken(wh)["region_code"].to_list())
    if not years:
        return None
    year = years[-1]
    values = q.wijk_values(wh, indicator_id, year)
    wijk_rows = values.filter(pl.col("region_level") == "wijk")
    if wijk_rows.is_empty():
        return None
    prov = indicator_view.provenance(wh, ind, values)
    geo = region.member_boundaries(wh, "wijken")  # in a region: the home member's wijken only
    if geo is not None:
        chart = map_charts.choropleth(geo, wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"])
    else:
        total = values.filter(pl.col("region_level") == "gemeente")["value"]
        chart = charts.ranked_bars(wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"],
                                   reference=total[0] if total.len() else None)
    spec = chart.to_dict(validate=charts.VALIDATE)
    shown = wijk_rows.filter(pl.col("value").is_not_null()).sort("value")
    sentence = []
    if shown.height >= 2:
        low, high = shown.row(0, named=True), shown.row(-1, named=True)
        sentence.append(f"Laagste waarde: {low['region_name']} ({fmt.sentence_value(low['value'], ind['unit'])}). Hoogste "
                        f"waarde: {high['region_name']} ({fmt.sentence_value(high['value'], ind['unit'])}).")
    hidden = wijk_rows.filter(pl.col("status") == "suppressed").height
    if hidden:
        sentence.append(f"{hidden} wijk(en) zonder getal: daar zitten te weinig mensen achter om het cijfer te tonen.")
    export_rows = values.select("region_name", "region_code", "period", "value", "status")
    fig = Figure(slug=indicator_id, title=f"{ind['title']} per wijk, {year}", spec=spec,
                 svg=svg(ctx, spec, f"wijken/{indicator_id}.svg"), table=wijk_view.wijk_table(values, ind["unit"]),
                 description=" ".join(sentence) or indicator_view.describe_series(values, ind["unit"]),
                 provenance=prov, definition=ind["definition"] or "", notes=_notes_for(ctx, ind, f"{year}JJ00"))
    fig.downloads = downloads(ctx, export.series_table(ind, export_rows, title=fig.title, source=prov,
                                                        release=wh.release.id), f"wijken/{indicator_id}")
    return fig, values


def open_data_rows(df: pl.DataFrame) -> pl.DataFrame:
    cols = ["indicator_id", "region_code", "region_name", "period", "value", "status", "source_id"]
    return df.filter(pl.col("region_code") != q.PEER_CODE).select(
        [pl.col(c).cast(pl.Float64) if c == "value" else pl.col(c).cast(pl.String) for c in cols])

