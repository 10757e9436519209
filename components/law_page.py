"""One page per law: what the municipality does, who pays, the council's role, then the figures.

To avoid "too much at once", a law page shows the headline figures, one table with every indicator
of the law, and one indicator in detail (chosen in the table's picker and kept in the URL).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import export, finance_view, indicator_view, law_texts, pickers, registry_view, state
from components.context import warehouse
from queries import figures as q

# The council prose per law (title, what the municipality does, who pays, the council's role, questions)
# lives in data/law_pages/<law>.md.
LAW_INFO = law_texts.load()


def all_figures_source(wh, comp) -> str:
    """The source line of a table with many indicators: their sources by name, the release, demo or not."""
    ids = sorted(set(comp["source_id"].drop_nulls().to_list())) if "source_id" in comp.columns else []
    titles = q.sources(wh).filter(pl.col("source_id").is_in(ids))["title"].unique().sort().to_list()
    parts = [f"Bron: {', '.join(titles) or 'onbekend'}", f"release {wh.release.id}"]
    if wh.is_demo:
        parts.append("DEMODATA, verzonnen cijfers")
    return " · ".join(parts)


SCREEN_HEADERS = {"Verschil met vorig jaar": "Verschil", "Vergelijkbare gemeenten": "Vergelijkbaar"}
SCREEN_HELPS = {"Verschil": "Verschil met het jaar ervoor. Bij percentages in procentpunten.",
                "Vergelijkbaar": "De middelste waarde van gemeenten die op deze gemeente lijken (de mediaan).",
                "Nederland": "De waarde voor heel Nederland."}


def all_figures_part(wh, law: str, year: int) -> dict:
    """The table of every indicator of the law in one year, its column widths and export: the same for
    every visitor of the release, so built once per release and year (``Warehouse.part``)."""

    def build() -> dict:
        cat = q.indicators_for_law(wh, law)
        comp = q.comparison(wh, cat["id"].to_list(), year)
        overview = cat.select("id", "title", "unit", "unit_label", "theme").join(
            comp, left_on="id", right_on="indicator_id", how="left")
        # The figures a reader compares first, the theme last: a table wider than the page scrolls sideways.
        # Short headers, explained on pointing, so the figures a reader compares fit a laptop screen.
        table = pickers.comparison_table(overview).rename(SCREEN_HEADERS)
        table = table.select(*[c for c in table.columns if c != "Thema"], *(["Thema"] if "Thema" in table.columns else []))
        return {"table": table, "widths": indicator_view.column_widths(table),
                "has_counts": bool((overview["unit"] == "count").any()),
                "export": export.comparison_table(overview, title=f"{LAW_INFO[law]['title']}: alle cijfers {year}",
                                                  source=all_figures_source(wh, comp), release=wh.release.id)}

    return wh.part(("law-all-figures", law, year), build)


def render(law: str) -> None:
    wh = warehouse()
    info = LAW_INFO[law]
    st.title(info["title"])
    pickers.demo_banner(wh)
    with st.expander("Wat doet de gemeente, wie betaalt en wat doet de raad?", expanded=False):
        for key in ("what", "money", "council"):
            st.markdown(f"**{law_texts.SECTIONS[key]}** {info[key]}")
        st.markdown(f"**{law_texts.SECTIONS['questions']}**\n" + "\n".join(f"- {q}" for q in info["questions"]))

    cat = q.indicators_for_law(wh, law)
    own = wh.gemeente
    year = pickers.year_picker(wh, cat["id"].to_list(), [own])
    if year is None:
        st.info("Voor deze wet zijn nog geen cijfers geladen.")
        return
    pickers.headline_tiles(wh, law, year)

    st.header("Alle cijfers")
    part = all_figures_part(wh, law, year)
    indicator_view.show_table(part["table"], key=f"all-{law}", widths=part["widths"], helps=SCREEN_HELPS)
    if part["has_counts"]:
        st.caption(pickers.COUNT_NOTE)
    export.download_buttons(part["export"], key=f"all-{law}")

    st.header("Eén cijfer in detail")
    ids = cat["id"].to_list()
    titles = dict(zip(cat["id"], cat["title"], strict=True))
    chosen = state.url_select("Kies een cijfer", ids, "indicator", format_func=lambda i: titles[i])
    regions = pickers.comparison_regions(wh, chosen)
    indicator_view.indicator_block(wh, chosen, regions, key=f"{law}-{chosen}", period=f"{year}JJ00",
                                   note_regions=[own])
    pickers.breakdown_section(wh, chosen, own, year)
    registry_view.inflow_outflow(wh, law)
    registry_view.own_beside_cbs(wh, law)
    registry_view.providers(wh, law, year)  # civil servants only; the role is checked there
    finance_view.law_summary(wh, law)

