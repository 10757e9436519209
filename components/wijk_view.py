"""Wijk views: the map with its ranked list and table, and the profile of one wijk."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import charts, export, map_charts, state
from components.indicator_view import column_widths, provenance, show_table
from domain import formatting as fmt
from queries import Warehouse, region
from queries import figures as q


def map_and_ranking(wh: Warehouse, ind: dict, values: pl.DataFrame, year: int) -> None:
    wijk_rows = values.filter(pl.col("region_level") == "wijk")
    total = values.filter(pl.col("region_level") == "gemeente")
    reference = total["value"][0] if total.height else None
    st.subheader(f"{ind['title']}, {year}")
    if wijk_rows.is_empty():
        st.info("Voor dit jaar zijn geen wijkcijfers.")
        return
    tab_map, tab_bars, tab_table = state.url_tabs(state.WIJK_TABS, "wijken_als")
    part = map_part(wh, ind, values, year, reference)
    with tab_map:
        if part["map"] is None:
            st.info("Er zijn nog geen wijkgrenzen geladen (python -m etl boundaries). Bekijk de ranglijst.")
        else:
            charts.show_spec(part["map"], key=f"map-{ind['id']}")
    with tab_bars:
        charts.show_spec(part["bars"], key=f"bars-{ind['id']}")
    with tab_table:
        show_table(part["table"], key=f"wijktable-{ind['id']}", widths=part["widths"])
        export.download_buttons(part["export"], key=f"wijktable-{ind['id']}")
    shown = wijk_rows.filter(pl.col("value").is_not_null()).sort("value")
    if shown.height >= 2:
        low, high = shown.row(0, named=True), shown.row(-1, named=True)
        st.caption(f"Laagste waarde: {low['region_name']} ({fmt.sentence_value(low['value'], ind['unit'])}). Hoogste waarde: "
                   f"{high['region_name']} ({fmt.sentence_value(high['value'], ind['unit'])}). Hele gemeente: "
                   f"{fmt.sentence_value(reference, ind['unit'])}.")
    hidden = wijk_rows.filter(pl.col("status") == "suppressed").height
    if hidden:
        st.caption(f"{hidden} wijk(en) zonder getal: daar zitten te weinig mensen achter om het cijfer te tonen.")
    with st.expander("Wat meet dit cijfer?"):
        st.write(ind["definition"])
    st.caption(part["provenance"])


def map_part(wh: Warehouse, ind: dict, values: pl.DataFrame, year: int, reference) -> dict:
    """The map and ranking specifications, the table and its export for one indicator and year: the same
    for every visitor of the release, so built once (``Warehouse.part``). ``values`` is
    ``q.wijk_values(wh, ind["id"], year)``, which the key stands for."""

    def build() -> dict:
        wijk_rows = values.filter(pl.col("region_level") == "wijk")
        geo = region.member_boundaries(wh, "wijken")  # in a region: this member's wijken only
        table = wijk_table(values, ind["unit"])
        source = provenance(wh, ind, values)
        return {
            "map": None if geo is None else charts.spec_of(
                map_charts.choropleth(geo, wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"])),
            "bars": charts.spec_of(charts.ranked_bars(wijk_rows, unit=ind["unit"], unit_label=ind["unit_label"],
                                                      reference=reference,
                                                      reference_label=wh.meta.get("gemeente_name", "gemeente"))),
            "table": table, "widths": column_widths(table), "provenance": source,
            "export": export.series_table(ind, values.select("region_name", "region_code", "period", "value",
                                                             "status"),
                                          title=f"{ind['title']} per wijk, {year}", source=source,
                                          release=wh.release.id)}

    return wh.part(("wijk-map", ind["id"], year), build)


def wijk_table(values: pl.DataFrame, unit: str) -> pl.DataFrame:
    return values.select(
        pl.col("region_name").alias("Gebied"),
        fmt.mapped(values, lambda v, s: fmt.value(v, unit, s), "value", "status").alias("Waarde"),
        pl.col("status").replace_strict(fmt.STATUS_LABELS, default="onbekend").alias("Status"),
    )


def profile(wh: Warehouse, wijk_code: str, wijk_name: str, year: int) -> None:
    st.subheader(f"Wijkprofiel {wijk_name}, {year}")
    df = q.wijk_profile(wh, wijk_code, year)
    if df.is_empty():
        st.info("Voor deze wijk zijn in dit jaar geen cijfers.")
        return
    for subject, part in profile_parts(profile_table(df, wijk_name)):
        st.markdown(f"**{subject}**")
        show_table(part, key=f"profile-{wijk_code}-{subject}")
    export.download_buttons(export.frame_table(
        profile_export(df, wijk_name), title=f"Wijkprofiel {wijk_name}, {year}",
        source=f"Monitor Sociaal Domein, release {wh.release.id}" + (" · DEMODATA, verzonnen cijfers" if wh.is_demo
                                                                     else ""),
        release=wh.release.id, notes=(export.SUPPRESSED_NOTE,)), key=f"profile-{wijk_code}")
    st.caption("Verschil met de hele gemeente: bij percentages in procentpunten (53,4% tegen 56,0% is 2,6 "
               "procentpunt lager), bij cijfers per 1.000 inwoners in dat getal, bij andere cijfers in procenten. "
               "Bij aantallen staat geen verschil, want een wijk is altijd kleiner dan de gemeente. "
               "Een groot verschil kan komen door wie er woont (bijvoorbeeld veel ouderen); lees de duiding.")


def profile_table(df: pl.DataFrame, wijk_name: str) -> pl.DataFrame:
    """The wijk beside the whole municipality, one row per figure, the difference in words."""
    rows = []
    for r in df.iter_rows(named=True):
        comparable = r["difference_pct"] is not None and r["status"] != "suppressed"
        rows.append({
            "Cijfer": r["title"],
            wijk_name: fmt.value(r["wijk"], r["unit"], r["status"]),
            "Hele gemeente": fmt.value(r["gemeente"], r["unit"]),
            "Verschil met de gemeente": fmt.difference(r["wijk"], r["gemeente"], r["unit"]) if comparable
            else fmt.MISSING_TEXT,
            "Onderwerp": fmt.law_label(r["law"]),
        })
    return pl.DataFrame(rows, schema=dict.fromkeys(("Cijfer", wijk_name, "Hele gemeente", "Verschil met de gemeente", "Onderwerp"), pl.String))


def profile_parts(table: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The profile per subject (Wmo, Jeugd, ...), without the subject column: as one table its last column
    ran past the page's edge."""
    return [(subject, part.drop("Onderwerp"))
            for (subject,), part in table.group_by(["Onderwerp"], maintain_order=True)]


def profile_export(df: pl.DataFrame, wijk_name: str) -> pl.DataFrame:
    """The wijk profile with numbers: units in their own column, since they differ per row; the difference
    as on the screen (percentage points for percentages), with what it is counted in beside it."""
    rows = []
    for r in df.iter_rows(named=True):
        comparable = r["difference_pct"] is not None and r["status"] != "suppressed"
        delta, what = fmt.difference_value(r["wijk"], r["gemeente"], r["unit"]) if comparable else (None, "")
        rows.append({"Cijfer": r["title"], "Onderwerp": fmt.law_label(r["law"]), "Eenheid": r["unit_label"],
                     wijk_name: export.rounded(r["wijk"], r["unit"], r["status"]),
                     "Hele gemeente": export.rounded(r["gemeente"], r["unit"]),
                     "Verschil met de gemeente": None if delta is None else round(delta, 0 if what == "%" else 1),
                     "Verschil in": what or None,
                     "Status": export.EXPORT_STATUS.get(r["status"] or "", "geen cijfer")})
    return pl.DataFrame(rows, schema={"Cijfer": pl.String, "Onderwerp": pl.String, "Eenheid": pl.String,
                                      wijk_name: pl.Float64, "Hele gemeente": pl.Float64,
                                      "Verschil met de gemeente": pl.Float64, "Verschil in": pl.String,
                                      "Status": pl.String})
