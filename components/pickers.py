"""Shared page pieces: demo banner, year picker, headline tiles, comparison choice, breakdowns."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import charts, export, signal_mark, state
from domain import formatting as fmt
from queries import Warehouse
from queries import figures as q
from store.markdown import escape_text

LAW_PAGES = {"wmo": "app_pages/wmo.py", "jeugd": "app_pages/jeugd.py", "participatie": "app_pages/participatie.py",
             "schuldhulp": "app_pages/schuldhulp.py", "context": "app_pages/trends.py"}


def demo_banner(wh: Warehouse, subject: str | None = None) -> None:
    """``subject``: what is made up, when it is not the municipality of the page (the region view)."""
    if wh.is_demo:
        what = subject or f"{wh.meta.get('gemeente_name', '')} is een verzonnen gemeente."
        # Markdown, not a caption: Streamlit draws captions at 60% opacity, which takes the badge below
        # the WCAG AA contrast (axe-core, tests/browser).
        st.markdown(f":orange-badge[DEMODATA] {escape_text(what)} "
                    "Alle cijfers op deze site zijn nagemaakt om de monitor te laten zien.")


def upload_help(text: str = "") -> str:
    """Help text for a file uploader, with the limit from the real ``server.maxUploadSize`` setting
    (Streamlit's own line under the button says it in English)."""
    limit = f"Een bestand mag hoogstens {fmt.number(st.get_option('server.maxUploadSize'))} MB zijn."
    return f"{text} {limit}".strip()


def year_picker(wh: Warehouse, indicator_ids: list[str], region_codes: list[str], *, key: str = "jaar") -> int | None:
    years = q.years(wh, indicator_ids, region_codes)
    if not years:
        return None
    default = q.latest_year(wh, indicator_ids, region_codes)  # where most headline figures exist
    return state.url_select("Jaar", list(reversed(years)), key, default=default,
                            help="Het laatste jaar kan voorlopig zijn. Voorlopige cijfers zijn gemarkeerd.")


def headline_tiles(wh: Warehouse, law: str, year: int, *, link: bool = False) -> None:
    """The headline figures of a law: value, change against last year, the nation and peers."""
    tiles = q.headline(wh, law, year)
    if tiles.is_empty():
        return
    cols = st.columns(min(4, tiles.height))
    for i, t in enumerate(tiles.iter_rows(named=True)):
        with cols[i % len(cols)], st.container(border=True):
            status = t["status"]
            # "(voorlopig)" goes under the figure: in the label it cut a short title off ("Jeugdbescherming (voorl…").
            label = t["short_title"]
            delta = fmt.change(t["change"], t["unit"], t["change_pct"]) if status != "suppressed" else None
            # Green or red by the figure's direction; grey for neutral figures, no arrow on "0,0%".
            st.metric(label, fmt.value(t["value"], t["unit"], status), delta=delta,
                      **fmt.delta_style(delta, t["direction"]), help=t["title"] + ". Verschil met het jaar ervoor.")
            if status == "provisional":
                st.caption("Voorlopig cijfer")
            compare = []
            if t["national"] is not None:
                compare.append(f"Nederland {fmt.sentence_value(t['national'], t['unit'])}")
            if t["peer_median"] is not None:
                compare.append(f"vergelijkbare gemeenten {fmt.sentence_value(t['peer_median'], t['unit'])}")
            if t["unit"] == "count":  # beside the nation's count or a bigger town's, a count says nothing
                st.caption("Een aantal: niet te vergelijken met Nederland of andere gemeenten")
            else:
                st.caption(" · ".join(compare) if compare else "Geen vergelijking beschikbaar")
            signal_mark.mark(wh, t["id"])
            if link:
                st.page_link(LAW_PAGES[t["law"]], label="Bekijk de details",
                             query_params={"indicator": t["id"], "jaar": str(year)})


COUNT_NOT_COMPARED = "niet vergelijkbaar"
COUNT_NOTE = (f"Bij een aantal staat '{COUNT_NOT_COMPARED}' onder Nederland en Vergelijkbaar: daar wonen veel meer of "
              "minder mensen. Vergelijk daarvoor het cijfer per inwoner.")


def comparison_table(df: pl.DataFrame) -> pl.DataFrame:
    """Every indicator of a law in one table: own value, change, nation, peers (not for a count: a town's
    count beside the nation's or a bigger town's says nothing)."""
    rows = []
    for r in df.iter_rows(named=True):
        count = r["unit"] == "count"
        rows.append({
            "Cijfer": r["title"],
            "Thema": r["theme"],
            "Gemeente": fmt.value(r["value"], r["unit"], r["status"]),
            "Verschil met vorig jaar": fmt.change(r["change"], r["unit"], r["change_pct"]) or fmt.MISSING_TEXT,
            "Nederland": COUNT_NOT_COMPARED if count else fmt.value(r["national"], r["unit"]),
            "Vergelijkbare gemeenten": COUNT_NOT_COMPARED if count else fmt.value(r["peer_median"], r["unit"]),
            "Status": fmt.STATUS_LABELS.get(r["status"], "geen cijfer") if r["status"] else "geen cijfer",
        })
    return pl.DataFrame(rows)


COMPARE_OPTIONS = {"NL01": "Nederland", q.PEER_CODE: q.PEER_NAME}


def comparison_regions(wh: Warehouse, indicator_id: str) -> list[str]:
    """Own municipality plus what the reader wants to compare with (kept in the URL)."""
    wijken = q.wijken(wh)
    ind = q.indicator(wh, indicator_id)
    options = list(COMPARE_OPTIONS)
    names = dict(COMPARE_OPTIONS)
    if "wijk" in ind["levels"]:
        options += wijken["region_code"].to_list()
        names.update(dict(zip(wijken["region_code"], wijken["name"], strict=True)))
    chosen = state.url_multiselect("Vergelijk met", options, "vergelijk", default=["NL01", q.PEER_CODE],
                                   format_func=lambda c: names.get(c, c), max_selections=6)
    return [wh.gemeente, *chosen]


def breakdown_section(wh: Warehouse, indicator_id: str, region_code: str, year: int) -> None:
    """Registry figures split by product, age, referrer, ...: stacked bars over time plus a table."""
    available = q.breakdowns(wh, indicator_id, region_code)
    if not available:
        return
    ind = q.indicator(wh, indicator_id)
    st.subheader("Uitsplitsing")
    breakdown = state.url_select("Uitsplitsen naar", available, "uitsplitsing",
                                 format_func=lambda b: fmt.BREAKDOWN_LABELS.get(b, b))
    df = q.series(wh, indicator_id, [region_code], breakdown=breakdown)
    df = df.filter(pl.col("category") != "")
    df = df.with_columns(
        category_label=fmt.mapped(df, lambda c: fmt.category_label(breakdown, c), "category"),
        label=fmt.mapped(df, lambda v, s: fmt.value(v, ind["unit"], s), "value", "status"),
    )
    if df.is_empty():
        st.info("Geen uitsplitsing beschikbaar.")
        return
    tab_chart, tab_table = state.url_tabs({"grafiek": "Grafiek", "tabel": "Tabel"}, "uitsplitsing_als")
    with tab_chart:
        chart = charts.breakdown_bars(df, unit_label=ind["unit_label"],
                                      breakdown_label=fmt.BREAKDOWN_LABELS.get(breakdown, breakdown))
        charts.show(chart, key=f"breakdown-{indicator_id}")
        st.caption("Delen die te klein zijn om te tonen ontbreken in de grafiek; de tabel laat zien welke.")
    with tab_table:
        shown = df.filter(pl.col("year") == year)
        order = {c: i for i, c in enumerate(fmt.category_order(shown["category_label"].to_list()))}
        shown = shown.sort(pl.col("category_label").replace_strict(order, return_dtype=pl.Int32)).select(
            pl.col("category_label").alias("Categorie"), pl.col("label").alias(str(year)))
        st.dataframe(shown, hide_index=True, width="stretch", key=f"breakdown-table-{indicator_id}")
        from components.indicator_view import provenance  # not at the top: indicator_view is the bigger module

        export.download_buttons(export.breakdown_table(
            ind, df, breakdown_label=fmt.BREAKDOWN_LABELS.get(breakdown, breakdown), source=provenance(wh, ind, df),
            release=wh.release.id), key=f"breakdown-table-{indicator_id}")
