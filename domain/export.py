"""Tables as files a spreadsheet opens safely: CSV and Excel (.xlsx), with the same cells.

Why here, in ``domain/``: the audit log (``auth/``), the pages' tables (``components/``) and any later
static export all write files through these functions, and ``domain/`` imports no other layer of
the monitor, so every layer may use it. It knows nothing of Streamlit, queries or formatting.

Formula injection. A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and some also after a tab or carriage return), so a user name ``=HYPERLINK(...)`` typed at sign-in or a
wijk name from a source file could run in the reader's Excel. :func:`neutralise` applies OWASP's rule to
every text cell of every export: such a cell gets a leading single quote and stays text. Numbers are
not text: an ``int``/``float`` cell is written as a number (also a negative one), never quoted.

CSV dialect, chosen for the Dutch spreadsheets the readers use (Excel and LibreOffice with Dutch
settings): semicolon between fields, decimal comma, no thousands separator, UTF-8 with byte-order mark
(so Excel reads €, ë and ² right), CRLF line ends, fields quoted where needed. Machines read it with
e.g. ``polars.read_csv(path, separator=";", decimal_comma=True)``. The Excel file holds real numeric
cells and reads the same in every language setting.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

# OWASP "CSV Injection": cells starting with these are formulas (or become one) in Excel, LibreOffice
# and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LEADING_SPACE = re.compile(r"^[ \u00a0]+")
_FILE_SAFE = re.compile(r"[^a-z0-9]+")

TEXT, NUMBER = "text", "number"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT  # TEXT or NUMBER: a NUMBER column holds int/float or None (an empty cell)


@dataclass(frozen=True)
class ExportTable:
    """One table to download: its columns and rows, plus what a reader needs to trust it later.

    ``source`` (the source line) and ``release`` (the data release id) are repeated as the last two
    columns of every row when set, so a copied or filtered part of the sheet still says where it came
    from; the Excel file adds a sheet "Toelichting" with ``title``, ``notes`` and the export time."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    source: str = ""
    release: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def full_columns(self) -> tuple[Column, ...]:
        extra = ([Column("Bron")] if self.source else []) + ([Column("Datarelease")] if self.release else [])
        return (*self.columns, *extra)

    def full_rows(self) -> list[tuple]:
        extra = tuple(v for v in (self.source, self.release) if v)
        return [(*row, *extra) for row in self.rows]


def neutralise(value: object) -> object:
    """A cell as it may go into any export: numbers unchanged, text that a spreadsheet would run as a
    formula prefixed with a single quote (OWASP). ``None`` stays an empty cell; other values become text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else value
    text = str(value)
    if text.startswith(FORMULA_START) or _LEADING_SPACE.sub("", text).startswith(FORMULA_START):
        return "'" + text
    return text


def _checked_rows(table: ExportTable) -> list[list[object]]:
    """The table's cells after :func:`neutralise`; a text cell in a NUMBER column is a programming error."""
    columns = table.full_columns()
    out = []
    for n, row in enumerate(table.full_rows(), start=1):
        if len(row) != len(columns):
            raise ValueError(f"row {n} has {len(row)} cells, the table has {len(columns)} columns")
        cells = []
        for col, value in zip(columns, row, strict=True):
            if col.kind == NUMBER and value is not None and not (isinstance(value, (int, float))
                                                                 and not isinstance(value, bool)):
                raise TypeError(f"column {col.header!r} row {n}: a number column got {type(value).__name__}")
            cells.append(neutralise(value))
        out.append(cells)
    return out


def _csv_number(value: int | float) -> str:
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)).replace(".", ",")


def to_csv(table: ExportTable) -> bytes:
    """The table as CSV in the Dutch spreadsheet dialect described above (header row first)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.full_columns()])
    for cells in _checked_rows(table):
        writer.writerow(["" if v is None else _csv_number(v) if isinstance(v, (int, float)) else v for v in cells])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: ExportTable, *, exported_at: datetime | None = None) -> bytes:
    """The table as an Excel workbook: sheet "Cijfers" with the table (numbers as numeric cells, header
    bold and frozen), sheet "Toelichting" with title, source, release, notes and the export time.

    Every text goes in with ``write_string``, so no cell can become a formula whatever it holds (after
    :func:`neutralise` none starts like one either). XlsxWriter streams the file: the public site writes
    a few hundred of these, at a third of openpyxl's time each."""
    import xlsxwriter

    rows = _checked_rows(table)
    columns = table.full_columns()
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet("Cijfers")
    bold = wb.add_format({"bold": True})
    for j, col in enumerate(columns):
        ws.write_string(0, j, str(neutralise(col.header)), bold)
        width = max([len(str(col.header))] + [len(str(r[j])) for r in rows[:200] if r[j] is not None])
        ws.set_column(j, j, min(60, max(10, width + 2)))
    for i, cells in enumerate(rows, start=1):
        for j, value in enumerate(cells):
            _write(ws, i, j, value)
    ws.freeze_panes(1, 0)

    about = wb.add_worksheet("Toelichting")
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 100)
    when = (exported_at or datetime.now()).strftime("%d-%m-%Y %H:%M")
    lines = [("Titel", table.title), ("Bron", table.source), ("Datarelease", table.release),
             ("Gedownload", when), *(("Toelichting", n) for n in table.notes)]
    for i, (label, text) in enumerate((label, text) for label, text in lines if text):
        about.write_string(i, 0, label)
        about.write_string(i, 1, str(neutralise(text)))
    wb.close()
    return out.getvalue()


def _write(ws, row: int, col: int, value: object) -> None:
    if value is None:
        return
    if isinstance(value, (int, float)):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, value)


def file_stem(title: str) -> str:
    """A file name from a Dutch title: lower case, ASCII letters and digits joined by '-'."""
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _FILE_SAFE.sub("-", ascii_title.lower()).strip("-")[:80] or "cijfers"

