"""The indicator block: chart, table alternative, text description, provenance and the note panel.

Every chart in the monitor goes through :func:`indicator_block`, so none can appear without its
table, its source line, its status and the civil servants' interpretation next to it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl
import streamlit as st

from components import charts, comparison_charts, export, notes, signal_mark, state
from components import peers as peers_mod
from domain import formatting as fmt
from queries import Warehouse
from queries import figures as q


def describe_series(df: pl.DataFrame, unit: str) -> str:
    """A sentence per region for screen readers and for readers who skip the chart."""
    parts = []
    groups = {name: g for (name,), g in df.sort("period").group_by(["region_name"], maintain_order=True)}
    for name in fmt.category_order(list(groups)):
        g = groups[name]
        shown = g.filter(pl.col("value").is_not_null())
        if shown.is_empty():
            parts.append(f"{name}: geen cijfers te tonen.")
            continue
        first, last = shown.row(0, named=True), shown.row(-1, named=True)
        status = " (voorlopig)" if last["status"] == "provisional" else ""
        if first["period"] == last["period"]:
            parts.append(f"{name}: {fmt.sentence_value(last['value'], unit)} in {fmt.period_label(last['period'])}{status}.")
        else:
            parts.append(f"{name}: van {fmt.sentence_value(first['value'], unit)} in {fmt.period_label(first['period'])} "
                         f"naar {fmt.sentence_value(last['value'], unit)} in {fmt.period_label(last['period'])}{status}.")
    if df.filter(pl.col("status") == "provisional").height:
        parts.append("Een open ruit en een stippellijn betekenen: voorlopig cijfer.")
    hidden = df.filter(pl.col("status") == "suppressed").height
    if hidden:
        parts.append(f"{hidden} cijfer(s) zijn niet getoond omdat er te weinig mensen achter zitten.")
    return " ".join(parts)


BAND_LOW, BAND_HIGH = "Vergelijkbare gemeenten (laagste)", "Vergelijkbare gemeenten (hoogste)"


def describe_band(band: pl.DataFrame | None, unit: str) -> str:
    """The sentence about the grey band of the peers' range (empty without a band)."""
    if band is None or band.is_empty():
        return ""
    last = band.sort("period").row(-1, named=True)
    return (f" De grijze band loopt van de laagste tot de hoogste van de {last['peer_count']} vergelijkbare gemeenten: "
            f"in {fmt.period_label(last['period'])} van {fmt.sentence_value(last['low'], unit)} tot {fmt.sentence_value(last['high'], unit)}.")


def with_band_rows(df: pl.DataFrame, band: pl.DataFrame | None) -> pl.DataFrame:
    """The table alternative of a chart with a band: the band's edges as two extra rows per period."""
    if band is None or band.is_empty():
        return df
    edges = [band.select("period", "year", value="low").with_columns(region_name=pl.lit(BAND_LOW)),
             band.select("period", "year", value="high").with_columns(region_name=pl.lit(BAND_HIGH))]
    extra = pl.concat(edges).with_columns(status=pl.lit("final"))
    keep = [c for c in ("region_name", "period", "value", "status", "denominator") if c in df.columns]
    return pl.concat([df.select(keep), extra.select(c for c in keep if c != "denominator")], how="diagonal")


SURVEY_BASE = "Aantal antwoorden (n)"


def table(df: pl.DataFrame, unit: str, *, base: str | None = None) -> pl.DataFrame:
    """The data-table alternative of a chart, with formatted values and statuses; with ``base``, also the
    number behind each share under that heading (the answers a survey share rests on)."""
    df = df.sort("region_name", "period")
    columns = [
        pl.col("region_name").alias("Gebied"),
        fmt.mapped(df, fmt.period_label, "period").alias("Periode"),
        fmt.mapped(df, lambda v, s: fmt.value(v, unit, s), "value", "status").alias("Waarde"),
        pl.col("status").replace_strict(fmt.STATUS_LABELS, default="onbekend").alias("Status"),
    ]
    if base and "denominator" in df.columns:
        columns.append(fmt.mapped(df, lambda n: fmt.MISSING_TEXT if n is None else fmt.number(n, 0),
                                  "denominator").alias(base))
    return df.select(columns)


# Streamlit sizes a table's columns to a default width and cuts what does not fit ("62,9 per 1.00",
# "Vergelijkbare gemeenter"). Each column gets the width of its longest text, measured with the advance
# widths of Source Sans Pro (the app's font, from the font-source-sans-pro package the handout uses) at
# the table's 14 px, the header in bold, plus the cell's padding and a margin for the browser's
# rendering. A table wider than the page scrolls sideways, so the columns a reader compares come first.
TABLE_FONT_PX, CELL_PADDING_PX, MARGIN, MAX_COLUMN_PX = 14, 24, 1.08, 460


@functools.cache
def _font_metrics(bold: bool) -> tuple[dict, dict, int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    font = TTFont(charts.font_dir() / ("SourceSansPro-Bold.ttf" if bold else "SourceSansPro-Regular.ttf"))
    return font.getBestCmap(), {k: v[0] for k, v in font["hmtx"].metrics.items()}, font["head"].unitsPerEm


def text_px(text: str, *, bold: bool = False, size: float = TABLE_FONT_PX) -> float:
    """The width of ``text`` on screen in Source Sans Pro at ``size`` px."""
    cmap, advance, em = _font_metrics(bold)
    return sum(advance.get(cmap.get(ord(ch), ".notdef"), em // 2) for ch in text) * size / em


def column_widths(df: pl.DataFrame) -> dict[str, int]:
    """Every column's width in px: wide enough for its header and its values."""
    widths = {}
    for name in df.columns:
        widest = max([text_px(name, bold=True), *(text_px(str(v)) for v in df[name].to_list() if v is not None)])
        widths[name] = min(MAX_COLUMN_PX, round(widest * MARGIN + CELL_PADDING_PX))
    return widths


def fitted_columns(df: pl.DataFrame, widths: dict[str, int] | None = None, helps: dict[str, str] | None = None) -> dict:
    """``column_config`` for ``st.dataframe``: every column wide enough for its header and its values, with
    the header's explanation (``helps``) shown when the reader points at it."""
    widths = widths if widths is not None else column_widths(df)
    helps = helps or {}
    return {name: st.column_config.Column(width=width, help=helps.get(name)) for name, width in widths.items()}


def show_table(df: pl.DataFrame, *, key: str, widths: dict[str, int] | None = None,
               helps: dict[str, str] | None = None) -> None:
    """A table on the page with columns that fit their texts (``widths`` when they are known already)."""
    st.dataframe(df, hide_index=True, width="stretch", key=key, column_config=fitted_columns(df, widths, helps))


def provenance(wh: Warehouse, ind: dict, df: pl.DataFrame) -> str:
    """Source line under a chart: where the figure comes from, when it was loaded, its status."""
    src_ids = sorted(set(df["source_id"].drop_nulls().to_list())) if "source_id" in df.columns else []
    sources = q.sources(wh).filter(pl.col("source_id").is_in(src_ids))
    loaded = sorted({(s or "")[:10] for s in sources["loaded_at"].to_list()})
    tables = sorted(set(sources.filter(pl.col("kind") == "cbs")["table_id"].to_list()))
    statuses = df.filter(pl.col("status") == "provisional")["period"].unique().sort().to_list()
    parts = [f"Bron: {ind.get('source_label') or ', '.join(src_ids) or 'onbekend'}"]
    if tables:
        parts.append(f"tabel {', '.join(tables)[:80]}")
    from_cbs = bool(tables) or "CBS" in (ind.get("source_label") or "")
    if from_cbs and "region_code" in df.columns and df["region_code"].str.starts_with("WK").any():
        # CBS publishes wijk counts in multiples of 5 or 10, so small differences between wijken mean little.
        if ind.get("unit") == "count":
            parts.append("CBS rondt aantallen per wijk af op 5 of 10")
        elif ind.get("derive_json"):
            parts.append("berekend uit aantallen die CBS per wijk afrondt op 5 of 10")
    if loaded:
        parts.append(f"geladen {', '.join(loaded)}")
    if statuses:
        parts.append("voorlopig: " + ", ".join(fmt.period_label(p) for p in statuses))
    parts.append(f"release {wh.release.id}")
    if wh.is_demo:
        parts.append("DEMODATA, verzonnen cijfers")
    return " · ".join(parts)


def rate_for_comparison(wh: Warehouse, indicator_id: str) -> str:
    """The indicator to put beside other municipalities: a count's rate companion, with a note saying so."""
    ind = q.indicator(wh, indicator_id)
    rate = q.rate_companion(wh, indicator_id)
    if rate and q.years(wh, [rate], [wh.gemeente]):
        st.info(f"Een aantal kunt u niet goed vergelijken met andere gemeenten: daar wonen meer of minder mensen. "
                f"Daarom ziet u hier '{q.indicator(wh, rate)['title']}'.")
        return rate
    if ind["unit"] == "count":
        st.info("Dit is een aantal en er is geen cijfer per inwoner: grote gemeenten hebben vanzelf hogere aantallen. "
                "Lees de vergelijking als een vergelijking van grootte.")
    return indicator_id


def comparable(wh: Warehouse, ind: dict, region_codes: list[str], peer_codes: list[str]) -> tuple[str, list[str]]:
    """(indicator to draw, regions to draw): a count compared with other municipalities or Nederland is
    drawn as its rate companion; without one the others are left out, and the page says why."""
    others = [c for c in region_codes if c in ("NL01", q.PEER_CODE) or (c.startswith("GM") and c != wh.gemeente)]
    if ind["unit"] != "count" or not others:
        return ind["id"], region_codes
    lookup = [c for c in others if c != q.PEER_CODE] + (list(peer_codes) if q.PEER_CODE in others else [])
    if not q.years(wh, [ind["id"]], lookup):
        return ind["id"], region_codes  # nothing to compare with: the chart shows the own figures only
    rate = q.rate_companion(wh, ind["id"])
    if rate and q.years(wh, [rate], [wh.gemeente]):
        st.info(f"Een aantal kunt u niet goed vergelijken met Nederland of andere gemeenten: daar wonen veel meer "
                f"of minder mensen. Daarom staat in de grafiek het cijfer '{q.indicator(wh, rate)['title']}'.")
        return rate, region_codes
    st.info("Dit aantal staat niet naast Nederland of andere gemeenten: daar wonen veel meer of minder mensen, en "
            "er is geen cijfer per inwoner om eerlijk te vergelijken. De grafiek toont alleen de eigen gemeente "
            "en wijken.")
    return ind["id"], [c for c in region_codes if c not in others]


@dataclass(frozen=True)
class SeriesPart:
    """What an indicator block shows that is the same for every visitor of a release: the figures (already
    suppressed), the peers' band, the describing sentence, the formatted table with its column widths, the
    export table and the source line. Built once per release and parameters (``Warehouse.part``)."""

    key: tuple
    df: pl.DataFrame
    band: pl.DataFrame | None
    caption: str = ""
    table: pl.DataFrame | None = None
    widths: dict | None = None
    export: object = None
    provenance: str = ""


def series_part(wh: Warehouse, indicator_id: str, codes: list[str], *, with_peers: bool, period_kind: str,
                peers: list[str]) -> SeriesPart:
    key = ("series", indicator_id, tuple(codes), with_peers, period_kind, tuple(peers))

    def build() -> SeriesPart:
        ind = q.indicator(wh, indicator_id)
        df = q.series_compared(wh, indicator_id, codes, peer_median=with_peers, period_kind=period_kind, peers=peers)
        band = q.peer_range(wh, indicator_id, peers, period_kind=period_kind) if with_peers else None
        source = provenance(wh, ind, df)
        if df.is_empty():
            return SeriesPart(key, df, band, provenance=source)
        rows = with_band_rows(df, band)
        shown = table(rows, ind["unit"], base=SURVEY_BASE if "survey" in ind["source"] else None)
        return SeriesPart(key, df, band, caption=describe_series(df, ind["unit"]) + describe_band(band, ind["unit"]),
                          table=shown, widths=column_widths(shown),
                          export=export.series_table(ind, rows, source=source, release=wh.release.id),
                          provenance=source)

    return wh.part(key, build)


def chart_spec(wh: Warehouse, part: SeriesPart, ind: dict, markers: pl.DataFrame | None) -> dict:
    """The Vega-Lite specification of a block's chart, shared by every visitor who sees the same markers."""
    marker_rows = () if markers is None or markers.is_empty() else tuple(markers.iter_rows())

    def build() -> dict:
        if part.band is not None and not part.band.is_empty():
            chart = comparison_charts.time_chart_with_band(
                part.df, part.band, unit=ind["unit"], unit_label=ind["unit_label"],
                series_breaks=ind["series_breaks"], markers=markers)
        else:
            chart = charts.time_chart(part.df, unit=ind["unit"], unit_label=ind["unit_label"],
                                      series_breaks=ind["series_breaks"], markers=markers)
        return charts.spec_of(chart)

    return wh.part(("chart", *part.key, marker_rows), build)


def indicator_block(wh: Warehouse, indicator_id: str, region_codes: list[str], *, key: str,
                    period: str | None = None, note_regions: list[str] | None = None,
                    period_kind: str = "JJ", show_title: bool = True, peers: list[str] | None = None,
                    tab_param: str = "cijfer_als") -> pl.DataFrame:
    """Render one indicator over time for the regions, with all that belongs next to it.

    With the peer median among the regions, the peers' range is drawn as a band behind the lines.
    ``peers`` is the comparison group; by default the group in the URL, else the release's own.
    ``tab_param`` is the URL parameter of the chart/table tab, one per block on a page."""
    ind = q.indicator(wh, indicator_id)
    peer_codes = peers if peers is not None else peers_mod.current(wh)
    if show_title:
        st.subheader(ind["title"], anchor=f"ind-{indicator_id}")
    signal_mark.mark(wh, indicator_id)
    shown_id, region_codes = comparable(wh, ind, region_codes, peer_codes)
    if shown_id != indicator_id:
        ind = q.indicator(wh, shown_id)
    codes = [c for c in region_codes if c != q.PEER_CODE]
    with_peers = q.PEER_CODE in region_codes
    part = series_part(wh, shown_id, codes, with_peers=with_peers, period_kind=period_kind, peers=peer_codes)
    df = part.df
    chart_col, note_col = st.columns([3, 2], gap="medium")
    with chart_col:
        if df.is_empty():
            st.info("Voor dit cijfer zijn er geen gegevens voor de gekozen gebieden.")
        else:
            tab_chart, tab_table = state.url_tabs(state.CHART_TABS, tab_param)
            with tab_chart:
                # The markers are the notes' events the reader's role may see: the one input that differs
                # per visitor, so it is part of the chart's key (the same markers share one spec).
                markers = notes.markers_for(indicator_id, ind["law"])
                charts.show_spec(chart_spec(wh, part, ind, markers), key=f"chart-{key}")
                st.caption(part.caption)
            with tab_table:
                show_table(part.table, key=f"table-{key}", widths=part.widths)
                export.download_buttons(part.export, key=f"table-{key}")
        for b in ind["series_breaks"]:
            st.caption(fmt.break_sentence(b))
        with st.expander("Wat meet dit cijfer?"):
            st.write(ind["definition"])
        st.caption(part.provenance)
    with note_col:
        notes.render_note_panel(indicator_id, ind["law"], note_regions or codes[:1], period)
    return df
