"""The region view: the member municipalities side by side, with the region total and Nederland.

A table (a row per headline figure of a law, a column per member, then the region and Nederland), a
chart of one figure per member with the region total as a line, and that figure over time per member and
for the region, with the notes written on the region as events on the time axis. Every figure is
suppressed as the member's own pages show it (see :mod:`queries.region`).
"""

from __future__ import annotations

import logging

import altair as alt
import polars as pl
import streamlit as st

from components import charts, export, notes
from components.context import MEMBER_KEY
from components.indicator_view import provenance, show_table
from components.session import current_role
from domain import formatting as fmt
from queries import Warehouse, region
from queries import figures as q
from store.markdown import escape_text

log = logging.getLogger(__name__)

MEMBER_PAGE = "app_pages/overzicht.py"
COUNT_NOT_COMPARED = "niet vergelijkbaar"
TOTAL_TEXT = ("Het cijfer van de regio is berekend uit de aantallen van de gemeenten samen: de tellers bij elkaar "
              "opgeteld en gedeeld door de noemers bij elkaar opgeteld. Het is dus geen gemiddelde van de cijfers "
              "van de gemeenten; een grote gemeente telt zwaarder mee dan een kleine.")
HIDDEN_TEXT = ("'te klein' betekent: daar zitten te weinig mensen achter om het cijfer te tonen. Zo is niemand te "
               "herkennen. Een gemeente toont hier dezelfde cijfers als op haar eigen pagina's. "
               "'–' betekent: voor dat jaar is er geen cijfer.")
COUNT_TEXT = (f"Bij een aantal staat '{COUNT_NOT_COMPARED}' onder Nederland: daar wonen veel meer mensen. "
              "Het aantal van de regio is de som van de gemeenten.")


def total_label(wh: Warehouse) -> str:
    code = region.region_code(wh)
    return f"{wh.root.member_name(code)} (totaal)" if code else "Regio (totaal)"


def column_label(wh: Warehouse, code: str) -> str:
    return total_label(wh) if code == region.region_code(wh) else region.area_name(wh, code)


def member_links(wh: Warehouse) -> None:
    """A link per member to its own pages: the member goes in the address, so the link can be shared."""
    st.markdown("**Bekijk één gemeente**")
    row = st.container(horizontal=True)
    for code in wh.root.members:
        row.page_link(MEMBER_PAGE, label=escape_text(wh.root.member_name(code)), icon=":material/location_city:",
                      query_params={MEMBER_KEY: code}, help="Open de pagina's van deze gemeente")


def members_table(wh: Warehouse, ids: list[str], year: int) -> pl.DataFrame:
    """A row per figure, a column per area of ``region.columns`` (texts as the screen shows them)."""
    cat = q.catalogue(wh.root).filter(pl.col("id").is_in(ids))
    info = {r["id"]: r for r in cat.iter_rows(named=True)}
    values = region.side_by_side(wh, ids, year)
    codes = region.columns(wh)
    rows = []
    for i in ids:
        unit = info[i]["unit"]
        cells = {(r["region_code"]): (r["value"], r["status"])
                 for r in values.filter(pl.col("indicator_id") == i).iter_rows(named=True)}
        row = {"Cijfer": info[i]["title"]}
        for code in codes:
            v, status = cells.get(code, (None, None))
            not_compared = code == region.NATION and unit == "count"
            row[column_label(wh, code)] = COUNT_NOT_COMPARED if not_compared else fmt.value(v, unit, status)
        rows.append(row)
    return pl.DataFrame(rows, schema=dict.fromkeys(["Cijfer", *(column_label(wh, c) for c in codes)], pl.String))


def members_export(wh: Warehouse, ids: list[str], year: int) -> pl.DataFrame:
    """The table with numbers for the download: hidden cells empty, a unit column beside each figure."""
    cat = q.catalogue(wh.root).filter(pl.col("id").is_in(ids))
    info = {r["id"]: r for r in cat.iter_rows(named=True)}
    values = region.side_by_side(wh, ids, year)
    codes = region.columns(wh)
    schema = {"Cijfer": pl.String, "Eenheid": pl.String, **{column_label(wh, c): pl.Float64 for c in codes}}
    rows = []
    for i in ids:
        row = {"Cijfer": info[i]["title"], "Eenheid": info[i]["unit_label"]}
        for r in values.filter(pl.col("indicator_id") == i).iter_rows(named=True):
            v = export.rounded(r["value"], info[i]["unit"], r["status"])
            row[column_label(wh, r["region_code"])] = None if v is None else float(v)
        rows.append(row)
    return pl.DataFrame(rows, schema=schema)


def table_section(wh: Warehouse, law: str, year: int) -> None:
    ids = region.headline_ids(wh, law) or region.indicators(wh, law)["id"].to_list()[:8]
    if not ids:
        st.info("Voor dit onderwerp zijn geen cijfers per gemeente.")
        return
    st.subheader(f"De gemeenten naast elkaar, {year}")
    table = members_table(wh, ids, year)
    show_table(table, key=f"region-table-{law}")
    export.download_buttons(export.frame_table(
        members_export(wh, ids, year), title=f"{fmt.law_label(law)} per gemeente, {year}",
        source=f"Monitor Sociaal Domein, release {wh.release.id}" + (" · DEMODATA, verzonnen cijfers" if wh.is_demo
                                                                     else ""),
        release=wh.release.id, notes=(export.SUPPRESSED_NOTE,)), key=f"region-table-{law}")
    st.caption(HIDDEN_TEXT)
    if q.catalogue(wh.root).filter(pl.col("id").is_in(ids) & (pl.col("unit") == "count")).height:
        st.caption(COUNT_TEXT)


def members_chart(data: pl.DataFrame, *, unit: str, unit_label: str, lines: list[dict]) -> alt.LayerChart:
    """A dot per member on one axis (``data``: region_name, value, status), highest first; ``lines`` are the
    references drawn across (dicts with label, value, dash): the region total, Nederland. The lines differ
    in dash and are named beside them, so colour is never the only cue."""
    data, unit = charts.in_euros(data, unit)
    shown = charts._with_labels(data.filter(pl.col("value").is_not_null()), unit)
    order = shown.sort("value", descending=True)["region_name"].to_list()
    y = alt.Y("region_name:N", sort=order, title=None, scale=alt.Scale(paddingOuter=0.5),
              axis=alt.Axis(labelLimit=0, labelOverlap=False, labelPadding=6))
    x = alt.X("value:Q", title=charts.value_title(unit, unit_label), scale=charts.value_scale(unit),
              axis=charts.value_axis(unit))
    dots = alt.Chart(shown).mark_circle(size=130, opacity=0.9, color=charts.OWN_COLOUR).encode(
        x=x, y=y, tooltip=[alt.Tooltip("region_name:N", title="Gemeente"), alt.Tooltip("label:N", title="Waarde"),
                           alt.Tooltip("status_label:N", title="Status")])
    layers: list = [dots]
    ref = [r for r in lines if r["value"] is not None]
    if ref:
        rules = pl.DataFrame({"label": [r["label"] for r in ref], "value": [float(r["value"]) for r in ref],
                              "text": [f"{r['label']}: {fmt.value(r['value'], unit)}" for r in ref],
                              "dash": [r["dash"] for r in ref]})
        rule_x = alt.X("value:Q")
        for r in rules.iter_rows(named=True):
            one = alt.Chart(pl.DataFrame([r])).encode(x=rule_x)
            layers.append(one.mark_rule(color="#000000", strokeWidth=2, strokeDash=r["dash"]).encode(
                tooltip=alt.Tooltip("text:N", title="Lijn")))
            layers.append(one.mark_text(align="left", dx=4, dy=-6, baseline="bottom", fontSize=11,
                                        color=charts.TEXT_COLOUR).encode(y=alt.value(0), text=alt.Text("text:N")))
    height = 90 + 42 * max(1, len(order))  # Streamlit fits axis, title and labels inside the height as well
    return charts.finish(alt.layer(*layers, height=height, width="container"))


def indicator_section(wh: Warehouse, ind: dict, year: int) -> None:
    """One figure per member, with the region total and Nederland as lines across."""
    st.subheader(f"{ind['title']}, {year}")
    values = region.side_by_side(wh, [ind["id"]], year)
    names = {c: region.area_name(wh, c) for c in region.columns(wh)}
    values = values.with_columns(region_name=pl.col("region_code").replace_strict(names))
    members = values.filter(pl.col("region_code").is_in(wh.root.members))
    code = region.region_code(wh)
    total = values.filter(pl.col("region_code") == code) if code else values.clear()
    nation = values.filter(pl.col("region_code") == region.NATION)

    def first(df: pl.DataFrame):
        return df["value"][0] if df.height and df["status"][0] != "suppressed" else None

    # A count has no lines: the region's is the sum (beside it the members are pressed to the left) and
    # Nederland's is far bigger still.
    lines = [] if ind["unit"] == "count" else [{"label": total_label(wh), "value": first(total), "dash": [6, 3]},
                                                {"label": "Nederland", "value": first(nation), "dash": [2, 2]}]
    if members.filter(pl.col("value").is_not_null()).is_empty():
        st.info("Voor dit jaar is er van geen enkele gemeente een cijfer te tonen.")
    else:
        chart = members_chart(members, unit=ind["unit"], unit_label=ind["unit_label"], lines=lines)
        charts.show(chart, key=f"region-dots-{ind['id']}")
    st.caption(describe(wh, ind, members, total, nation))
    st.caption(provenance(wh.root, ind, values.filter(pl.col("value").is_not_null())))


def describe(wh: Warehouse, ind: dict, members: pl.DataFrame, total: pl.DataFrame, nation: pl.DataFrame) -> str:
    """The chart in words, for screen readers and for readers who skip the chart."""
    unit = ind["unit"]
    parts = [f"{r['region_name']}: {fmt.sentence_value(r['value'], unit, r['status'])}."
             for r in members.iter_rows(named=True)]
    if total.height:
        r = total.row(0, named=True)
        parts.append(f"{total_label(wh)}: {fmt.sentence_value(r['value'], unit, r['status'])}.")
    if nation.height and unit != "count":
        r = nation.row(0, named=True)
        parts.append(f"Nederland: {fmt.sentence_value(r['value'], unit, r['status'])}.")
    hidden = members.filter(pl.col("status") == "suppressed").height
    if hidden:
        parts.append(f"{hidden} gemeente(n) zonder stip: daar zitten te weinig mensen achter om het cijfer te tonen.")
    if unit == "count":
        parts.append("Het aantal van de regio is de som van de gemeenten; daarom staat het niet als lijn in de grafiek.")
    return " ".join(parts)


def region_markers(wh: Warehouse, ind: dict) -> pl.DataFrame:
    """The events (marker notes) written on the region code, as the reader's role may see them."""
    code = region.region_code(wh)
    markers = notes.markers_for(ind["id"], ind["law"])
    if code is None or markers.is_empty():
        return markers.clear()
    try:
        on_region = {n.note_id for n in notes.get_store().markers_of(ind["id"], ind["law"], role=current_role())
                     if code in n.content.region_codes}
    except Exception:  # a store that cannot be reached must not take the chart down
        log.exception("region markers for %s could not be loaded", ind["id"])
        return markers.clear()
    return markers.filter(pl.col("note_id").is_in(sorted(on_region)))


def time_section(wh: Warehouse, ind: dict) -> None:
    """The figure over the years per member and for the region, with the region's events on the axis."""
    st.subheader(f"{ind['title']} door de jaren")
    df = region.over_time(wh, ind["id"])
    if df.filter(pl.col("value").is_not_null()).is_empty():
        st.info("Er zijn geen cijfers door de jaren voor deze gemeenten.")
        return
    markers = region_markers(wh, ind)
    chart = charts.time_chart(df, unit=ind["unit"], unit_label=ind["unit_label"],
                              series_breaks=q.indicator(wh.root, ind["id"])["series_breaks"], markers=markers)
    charts.show(chart, key=f"region-time-{ind['id']}")
    hidden = df.filter(pl.col("status") == "suppressed").height
    words = "Een open ruit en een stippellijn betekenen: voorlopig cijfer."
    if hidden:
        words += f" {hidden} cijfer(s) zijn niet getoond omdat er te weinig mensen achter zitten."
    if not markers.is_empty():
        words += " De stippellijnen van boven naar beneden zijn gebeurtenissen in de regio, uit de duiding."
    st.caption(words)
    with st.expander("Tabel"):
        shown = df.sort("region_name", "period").select(
            pl.col("region_name").alias("Gebied"), fmt.mapped(df.sort("region_name", "period"), fmt.period_label,
                                                              "period").alias("Periode"),
            fmt.mapped(df.sort("region_name", "period"), lambda v, s: fmt.value(v, ind["unit"], s),
                       "value", "status").alias("Waarde"))
        show_table(shown, key=f"region-time-table-{ind['id']}")
