"""Download buttons beside every table: the table's figures as CSV and as Excel.

The builders here turn the frames a page already has (they come out of the query layer, so small
cells are already suppressed; nothing here queries the warehouse) into a :class:`domain.export.ExportTable`:
numbers as numbers with the unit in the column header, a suppressed cell as an empty value with the
status "afgeschermd", and the source line and release id on every row. :func:`download_buttons` shows
"Download als CSV" and "Download als Excel"; the files are made only when a button is pressed.
"""

from __future__ import annotations

import math

import polars as pl
import streamlit as st

from domain import formatting as fmt
from domain.export import NUMBER, Column, ExportTable, file_stem, to_csv, to_xlsx

# Statuses in a file: short words a spreadsheet filter shows well ("afgeschermd" rather than the screen's sentence).
EXPORT_STATUS = {"final": "definitief", "provisional": "voorlopig", "suppressed": "afgeschermd", "unknown": "onbekend"}
SUPPRESSED_NOTE = ("Status 'afgeschermd': het cijfer is niet gegeven omdat er te weinig mensen achter zitten; "
                   "de cel Waarde is dan leeg.")
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rounded(value, unit: str, status: str | None = None, *, decimals: int | None = None) -> float | int | None:
    """A shown figure as a number with the decimals the screen shows for its unit (a file must not be
    more exact than the page: a rate to many decimals can give away the count behind it); a suppressed
    or missing one as an empty cell."""
    if status == "suppressed" or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    d = fmt.UNIT_DECIMALS.get(unit, 1) if decimals is None else decimals
    return int(round(value)) if d == 0 else round(float(value), d)


def _status(status: str | None) -> str:
    return EXPORT_STATUS.get(status or "", "geen cijfer")


def unit_header(label: str, unit_label: str) -> str:
    return f"{label} ({unit_label})" if unit_label else label


def series_table(ind: dict, df: pl.DataFrame, *, source: str, release: str, title: str | None = None) -> ExportTable:
    """A chart's data (columns region_name, optional region_code and period, value, status) as a table:
    one row per area and period."""
    has_period = "period" in df.columns
    sort = ["region_name", "period"] if has_period else ["region_name"]
    df = df.sort(sort)
    sub_year = has_period and any(p[4:6] != "JJ" for p in df["period"].to_list())
    columns = [Column("Gebied")]
    if "region_code" in df.columns:
        columns.append(Column("Gebiedscode"))
    if has_period:
        columns.append(Column("Jaar", NUMBER))
        if sub_year:
            columns.append(Column("Periode"))
    columns += [Column(unit_header("Waarde", ind.get("unit_label", "")), NUMBER), Column("Status")]
    rows = []
    for r in df.iter_rows(named=True):
        row: list = [r["region_name"]]
        if "region_code" in df.columns:
            row.append(r["region_code"])
        if has_period:
            row.append(int(r["period"][:4]))
            if sub_year:
                row.append(fmt.period_label(r["period"]))
        row += [rounded(r["value"], ind["unit"], r["status"]), _status(r["status"])]
        rows.append(tuple(row))
    return ExportTable(title=title or ind["title"], columns=tuple(columns), rows=tuple(rows), source=source,
                       release=release, notes=(SUPPRESSED_NOTE,))


COUNT_NOTE = ("Bij aantallen is Nederland en Vergelijkbare gemeenten leeg: die zijn veel groter of kleiner. "
              "Vergelijk het cijfer per inwoner.")


def comparison_table(overview: pl.DataFrame, *, title: str, source: str, release: str) -> ExportTable:
    """The "Alle cijfers" table of a law page. Units differ per row, so they get their own column."""
    columns = (Column("Cijfer"), Column("Thema"), Column("Eenheid"), Column("Gemeente", NUMBER),
               Column("Verschil met vorig jaar", NUMBER), Column("Verschil met vorig jaar (%)", NUMBER),
               Column("Nederland", NUMBER), Column("Vergelijkbare gemeenten (mediaan)", NUMBER), Column("Status"))
    rows = []
    for r in overview.iter_rows(named=True):
        unit, hidden, count = r["unit"], r["status"] == "suppressed", r["unit"] == "count"
        rows.append((r["title"], r["theme"], r.get("unit_label") or unit, rounded(r["value"], unit, r["status"]),
                     None if hidden else rounded(r["change"], unit),
                     None if hidden else rounded(r["change_pct"], unit, decimals=1),
                     None if count else rounded(r["national"], unit), None if count else rounded(r["peer_median"], unit),
                     _status(r["status"])))
    return ExportTable(title=title, columns=columns, rows=tuple(rows), source=source, release=release,
                       notes=(SUPPRESSED_NOTE, "Verschil met vorig jaar: bij percentages in procentpunten.",
                              COUNT_NOTE))


def breakdown_table(ind: dict, df: pl.DataFrame, *, breakdown_label: str, source: str, release: str,
                    per_area: bool = False, title: str | None = None) -> ExportTable:
    """A split figure (columns year, category_label, value, status; with ``per_area`` also region_name):
    one row per (area,) year and category."""
    area = [Column("Gebied")] if per_area else []
    columns = (*area, Column("Jaar", NUMBER), Column(breakdown_label[:1].upper() + breakdown_label[1:]),
               Column(unit_header("Waarde", ind.get("unit_label", "")), NUMBER), Column("Status"))
    order = ["region_name", "year", "category"] if per_area else ["year", "category"]
    rows = tuple(((r["region_name"],) if per_area else ()) + (int(r["year"]), r["category_label"],
                                                              rounded(r["value"], ind["unit"], r["status"]),
                                                              _status(r["status"]))
                 for r in df.sort(order).iter_rows(named=True))
    return ExportTable(title=title or f"{ind['title']} naar {breakdown_label}", columns=columns, rows=rows,
                       source=source, release=release, notes=(SUPPRESSED_NOTE,))


def frame_table(df: pl.DataFrame, *, title: str, source: str = "", release: str = "",
                notes: tuple[str, ...] = ()) -> ExportTable:
    """Any frame of values (not the formatted screen text): numeric columns become number columns.
    The caller names the columns as they should read, with their unit, rounds them as the screen does
    (:func:`rounded`) and leaves hidden cells empty."""
    columns = tuple(Column(name, NUMBER if dtype.is_numeric() else "text") for name, dtype in df.schema.items())
    def cell(col: Column, v):
        if col.kind == NUMBER:
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else v
        return None if v is None else str(v)

    rows = tuple(tuple(cell(c, v) for c, v in zip(columns, row, strict=True)) for row in df.iter_rows())
    return ExportTable(title=title, columns=columns, rows=rows, source=source, release=release, notes=notes)


def download_buttons(table: ExportTable, *, key: str) -> None:
    """ "Download als CSV" and "Download als Excel" side by side; each file is built on click only."""
    stem = file_stem(table.title)
    row = st.container(horizontal=True)
    row.download_button("Download als CSV", data=lambda: to_csv(table), file_name=f"{stem}.csv", mime=CSV_MIME,
                         key=f"csv-{key}", icon=":material/download:", on_click="ignore")
    row.download_button("Download als Excel", data=lambda: to_xlsx(table), file_name=f"{stem}.xlsx",
                          mime=XLSX_MIME, key=f"xlsx-{key}", icon=":material/download:", on_click="ignore")
