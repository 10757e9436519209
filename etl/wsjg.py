"""Exports from waarstaatjegemeente.nl (Excel or CSV) into the warehouse.

An export has header lines (``Onderwerp: ...``, ``Indicator: ...``, ``Periode: ...``, ``Niveau: ...``),
a table, and sometimes footer lines (``Bron: waarstaatjegemeente.nl``). Three table layouts are read:

    periods in columns            indicators in columns            Swing's long layout
    Indicator;Wmo-cliënten ...    Periode;2023                     Geo;Perioden;Indicator A;Indicator B
    Gebied;Code;2022;2023*        Gebied;Code;Indicator A;B        Nederland;2023;12,1;-
    Nederland;NL01;52,1;54,2      Nederland;NL01;12,1;-            Testgemeente;2023*;13,0;4

Areas: a code in the export wins over the name; "Nederland" is NL01; a name is looked up on ONE level
only (a ``Niveau`` column, else the header's ``Niveau``, else the level on which most names exist), and a
name that fits several areas on that level is refused with the candidates listed.

Numbers follow one rule per cell (:data:`NUMBER_RULE`); ``-``, ``x``, ``?``, ``.`` and empty are missing;
``*`` after a year marks a provisional figure. Columns map to catalogue indicators through
``source.wsjg.names``. Anything that does not match is reported with file, row and column, never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import REGION_RE, WarehouseError, current_release

Cell = str | float | None

MISSING = {"", "-", "x", "X", "?", "."}
NUMBER_RULE = ("een punt scheidt duizendtallen (altijd gevolgd door drie cijfers), een komma scheidt decimalen: "
               "131.283 is 131283, 12,5 is 12.5 en 1.234,5 is 1234.5")
_INT = re.compile(r"^-?\d+$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_DECIMAL = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")

YEAR_RE = re.compile(r"^(\d{4})(?:JJ00)?\s*(\*{0,2})(?:\s*\(?(voorlopig)\)?)?$", re.IGNORECASE)
HEADER_FIRST = {"gebied", "gebieden", "regio", "regio's", "regios", "naam", "geo"}
CODE_HEADERS = {"code", "regiocode", "gebiedscode", "geocode", "geo code", "geo-code", "cbs-code", "cbs code"}
LEVEL_HEADERS = {"niveau", "geoniveau", "geo niveau", "gebiedsniveau", "regioniveau"}
PERIOD_HEADERS = {"perioden", "periode", "jaar"}
# Level words in exports (singular and plural) -> warehouse level.
LEVEL_WORDS = {
    "land": "land", "nederland": "land", "provincie": "provincie", "provincies": "provincie",
    "gemeente": "gemeente", "gemeenten": "gemeente", "gemeentes": "gemeente",
    "wijk": "wijk", "wijken": "wijk", "buurt": "buurt", "buurten": "buurt",
    "corop": "corop", "corop-gebied": "corop", "corop-gebieden": "corop", "corop-regio": "corop",
    "jeugdregio": "jeugdregio", "jeugdregio's": "jeugdregio", "jeugdzorgregio": "jeugdregio",
    "arbeidsmarktregio": "arbeidsmarktregio", "arbeidsmarktregio's": "arbeidsmarktregio",
}
# When the level is inferred and two levels fit equally many names, the first of these wins.
LEVEL_PRIORITY = ("gemeente", "wijk", "buurt", "provincie", "corop", "jeugdregio", "arbeidsmarktregio")
# Whole words only: "Bronckhorst" is a gemeente, "Bron: ..." a footer.
FOOTER_RE = re.compile(r"^((bron|toelichting|opmerkingen|opmerking|noot|voetnoot|verklaring|legenda|gegenereerd|"
                       r"geëxporteerd|geexporteerd|export|datum|peildatum|copyright)\b|©|\(c\)|\*|www\.|https?:)",
                       re.IGNORECASE)


class NumberError(ValueError):
    """A cell that is not a number by :data:`NUMBER_RULE`; the text says why, without the value."""


@dataclass
class Parsed:
    observations: pl.DataFrame
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------
def read_number(cell: Cell) -> float | None:
    """One cell as a number by the Dutch rule; None when it is a missing marker.

    Excel number cells are numbers already. Text follows :data:`NUMBER_RULE`; anything else, such as
    ``12.5`` (a dot before other than three digits) or ``1,234.5``, is refused: never guessed.
    """
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise NumberError("een ja/nee-waarde, geen getal")
    if isinstance(cell, int | float):
        return float(cell)
    text = cell.strip()
    if text in MISSING:
        return None
    text = text.replace("\u00a0", "").replace(" ", "")
    if _INT.match(text):
        return float(text)
    if _THOUSANDS.match(text):
        return float(text.replace(".", ""))
    if _DECIMAL.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"-?[\d.,]+", text):
        raise NumberError(f"dubbelzinnig getal; de regel is: {NUMBER_RULE}")
    raise NumberError("geen getal en geen teken voor 'ontbreekt' (-, x, ?, .)")


def _label(cell: Cell) -> str:
    """A cell as text for headers and names (an Excel year 2023.0 reads as '2023')."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _rows_from_bytes(data: bytes, filename: str) -> list[list[Cell]]:
    lower = filename.lower()
    if lower.endswith(".xls"):
        raise WarehouseError(f"{filename}: het oude Excel-formaat (.xls) wordt niet gelezen; "
                             "sla het bestand op als .xlsx of .csv")
    if lower.endswith((".xlsx", ".xlsm")):
        import openpyxl  # only needed for Excel exports

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a damaged file
            raise WarehouseError(f"{filename}: geen leesbaar Excel-bestand") from None
        try:
            sheet = book.worksheets[0]
            return [[c if isinstance(c, int | float | str) or c is None else str(c) for c in row]
                    for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise WarehouseError(f"{filename}: onbekende tekstcodering")
    if "\x00" in text:
        raise WarehouseError(f"{filename}: dit is geen tekstexport (binaire inhoud)")
    # Semicolons are what Dutch Excel writes; a comma is only the separator when there is no other
    # (a decimal comma then sits inside quotes).
    delimiter = max(";\t", key=text.count) if text.count(";") or text.count("\t") else ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


# ---------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------
@dataclass
class AreaIndex:
    """Region names per level, and what a person needs to tell candidates apart."""

    by_level: dict[str, dict[str, list[str]]]
    known: set[str]
    label: dict[str, str]

    @classmethod
    def build(cls, regions: pl.DataFrame) -> AreaIndex:
        names = dict(zip(regions["region_code"], regions["name"], strict=True))
        by_level: dict[str, dict[str, list[str]]] = {}
        label = {}
        gm = regions["gemeente_code"] if "gemeente_code" in regions.columns else [None] * regions.height
        for code, name, level, gemeente in zip(regions["region_code"], regions["name"], regions["level"], gm,
                                                strict=True):
            if name:
                by_level.setdefault(level, {}).setdefault(_norm(name), []).append(code)
            where = f", {names.get(gemeente, gemeente)}" if level in ("wijk", "buurt") and gemeente else ""
            label[code] = f"{code} ({name}{where})"
        return cls(by_level, set(regions["region_code"].to_list()), label)

    def infer_level(self, names: list[str]) -> str | None:
        counts = {lv: sum(1 for n in names if _norm(n) in self.by_level.get(lv, {})) for lv in LEVEL_PRIORITY}
        best = max(counts.values(), default=0)
        return next((lv for lv in LEVEL_PRIORITY if counts[lv] == best), None) if best else None

    def resolve(self, name: str, code: str, level: str | None) -> tuple[str | None, str | None]:
        """(region code, None) or (None, the reason in Dutch)."""
        if code:
            code = "NL01" if code == "NL00" else code
            if not REGION_RE.match(code):
                return None, f"code '{code}' is geen CBS-gebiedscode (zoals GM0363 of WK036301)"
            if code not in self.known:
                return None, f"code '{code}' staat niet in de gebiedentabel"
            return code, None
        if _norm(name) == "nederland":
            return "NL01", None
        if not name:
            return None, "geen gebiedsnaam en geen code"
        if level is None:
            return None, f"gebied '{name}' staat niet in de gebiedentabel"
        hits = self.by_level.get(level, {}).get(_norm(name), [])
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            shown = ", ".join(self.label[c] for c in sorted(hits)[:8])
            more = f" en {len(hits) - 8} meer" if len(hits) > 8 else ""
            return None, (f"gebied '{name}' past op {len(hits)} gebieden van niveau {level}: {shown}{more}; "
                          "zet de gebiedscode in de export")
        elsewhere = [lv for lv, idx in self.by_level.items() if lv != level and _norm(name) in idx]
        hint = f" (wel op niveau {', '.join(sorted(elsewhere))}; geef de code of het niveau)" if elsewhere else ""
        return None, f"gebied '{name}' staat niet in de gebiedentabel op niveau {level}{hint}"


def _level_word(text: str) -> str | None:
    return LEVEL_WORDS.get(_norm(text))


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------
def _period(text: str) -> tuple[str, str] | None:
    m = YEAR_RE.match(text.strip())
    if not m:
        return None
    return f"{m.group(1)}JJ00", "provisional" if (m.group(2) or m.group(3)) else "final"


def _region_column(row: list[str]) -> int | None:
    """The area column when this row is the table header, else None.

    A header starts with 'Gebied'/'Regio'/'Geo', or with a level word ('Gemeenten') before at least two
    more columns, or with a period or code column followed somewhere by 'Geo'/'Gebied' (Swing).
    """
    cells = [_norm(c) for c in row]
    if not cells or not cells[0]:
        return None
    if cells[0] in HEADER_FIRST:
        return 0
    if _level_word(cells[0]) not in (None, "land") and len([c for c in cells if c]) >= 3:
        return 0
    if cells[0] in PERIOD_HEADERS | CODE_HEADERS:
        return next((j for j, c in enumerate(cells) if c in HEADER_FIRST), None)
    return None


def _is_footer(row: list[str]) -> bool:
    filled = [c for c in row if c]
    if not filled:
        return False
    return bool(FOOTER_RE.match(filled[0])) or (":" in filled[0] and len(filled) == 1)


def parse(data: bytes, filename: str, cat: catalogue_mod.Catalogue, regions: pl.DataFrame) -> Parsed:
    raw = _rows_from_bytes(data, filename)
    labels = [[_label(c) for c in r] for r in raw]
    if not any(any(r) for r in labels):
        raise WarehouseError(f"{filename}: het bestand is leeg")
    header_idx = next((i for i, r in enumerate(labels) if _region_column(r) is not None), None)
    if header_idx is None:
        raise WarehouseError(f"{filename}: geen tabelkop gevonden (een rij die begint met 'Gebied', 'Regio' of 'Geo')")
    meta: dict[str, str] = {}
    for r in labels[:header_idx]:
        if not any(r):
            continue
        key, value = r[0], next((c for c in r[1:] if c), "")
        if ":" in key and not value:
            key, _, value = key.partition(":")
        meta[_norm(key.rstrip(":"))] = value.strip()

    header = [_norm(h) for h in labels[header_idx]]
    names = labels[header_idx]
    area_col = _region_column(names)
    find = lambda options: next((j for j, h in enumerate(header) if j != area_col and h in options), None)  # noqa: E731
    code_col, level_col, period_col = find(CODE_HEADERS), find(LEVEL_HEADERS), find(PERIOD_HEADERS)
    fixed = {area_col, code_col, level_col, period_col}
    value_cols = [j for j, h in enumerate(header) if j not in fixed and h]

    names_to_id = {_norm(n): e["id"] for e in cat.by_source("wsjg") for n in e["source"]["wsjg"]["names"]}
    problems: list[str] = []
    where = lambda row, col=None: (f"{filename}, rij {row}" + (  # noqa: E731
        f", kolom {col + 1} ('{names[col]}')" if col is not None else ""))

    # Column j -> (indicator, period or None when the period is per row, status)
    col_map: dict[int, tuple[str, str | None, str]] = {}
    if period_col is not None:  # Swing's long layout: one row per area and period
        for j in value_cols:
            ind = names_to_id.get(header[j])
            if ind is None:
                problems.append(f"{where(header_idx + 1, j)}: geen indicator in de catalogus (source.wsjg.names)")
            else:
                col_map[j] = (ind, None, "")
    elif value_cols and all(_period(names[j]) for j in value_cols):
        indicator_name = meta.get("indicator") or meta.get("onderwerp", "")
        ind = names_to_id.get(_norm(indicator_name))
        if ind is None:
            raise WarehouseError(f"{filename}: indicator '{indicator_name}' (kopregels) staat niet in de catalogus "
                                 "(source.wsjg.names)")
        col_map = {j: (ind, *_period(names[j])) for j in value_cols}
    else:
        p = _period(meta.get("periode", "") or meta.get("perioden", "") or meta.get("jaar", ""))
        if p is None:
            raise WarehouseError(f"{filename}: de kopregels hebben 'Periode: <jaar>' nodig als de indicatoren in de "
                                 "kolommen staan (of een kolom 'Perioden')")
        for j in value_cols:
            ind = names_to_id.get(header[j])
            if ind is None:
                problems.append(f"{where(header_idx + 1, j)}: geen indicator in de catalogus (source.wsjg.names)")
            else:
                col_map[j] = (ind, *p)

    # The table runs to the first empty or footer line; a data row after that is reported, not skipped.
    body: list[int] = []
    ended = False
    for i in range(header_idx + 1, len(labels)):
        r = labels[i]
        if not any(r):
            ended = ended or bool(body)
            continue
        if _is_footer(r):
            ended = True
            continue
        if ended:
            if any(r[j] for j in col_map if j < len(r)):
                problems.append(f"{where(i + 1)}: gegevens na het einde van de tabel (na een lege regel of "
                                "voetregel); haal de lege regel weg")
            continue
        body.append(i)

    cell = lambda i, j: labels[i][j] if j is not None and j < len(labels[i]) else ""  # noqa: E731
    stated = _level_word(meta.get("niveau") or meta.get("geoniveau") or meta.get("gebiedsniveau")
                         or meta.get("regioniveau") or "") or _level_word(names[area_col])
    index = AreaIndex.build(regions)
    guess_from = [cell(i, area_col) for i in body
                  if not cell(i, code_col) and not cell(i, level_col) and _norm(cell(i, area_col)) != "nederland"]
    level = stated or index.infer_level(guess_from)

    out = []
    for i in body:
        row_level = _level_word(cell(i, level_col)) if cell(i, level_col) else level
        if cell(i, level_col) and row_level is None:
            problems.append(f"{where(i + 1, level_col)}: onbekend gebiedsniveau '{cell(i, level_col)}'")
            continue
        region, why = index.resolve(cell(i, area_col), cell(i, code_col).upper(), row_level)
        if region is None:
            problems.append(f"{where(i + 1)}: {why}")
            continue
        row_period = None
        if period_col is not None:
            row_period = _period(cell(i, period_col))
            if row_period is None:
                problems.append(f"{where(i + 1, period_col)}: geen jaar (zoals 2023 of 2023*)")
                continue
        for j, (ind, period, status) in col_map.items():
            if row_period is not None:
                period, status = row_period
            value_cell = raw[i][j] if j < len(raw[i]) else None
            try:
                value = read_number(value_cell)
            except NumberError as exc:
                problems.append(f"{where(i + 1, j)}: {exc}")
                continue
            out.append({"indicator_id": ind, "region_code": region, "period": period, "value": value,
                        "status": status if value is not None else "unknown"})
    obs = pl.DataFrame(out, schema={"indicator_id": pl.String, "region_code": pl.String, "period": pl.String,
                                    "value": pl.Float64, "status": pl.String})
    return Parsed(observations=obs, problems=problems)


# ---------------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------------
def load(files: list[tuple[str, bytes]], *, warehouse: Path, catalogue_path: Path | None = None,
         source_id: str = "wsjg", strict: bool = True) -> Parsed:
    """Parse every export and publish them together as one source; refuse on any problem if strict."""
    cat = catalogue_mod.load(catalogue_path)
    release = current_release(warehouse)
    if release is None:
        raise WarehouseError("Er zijn nog geen gebieden: laad eerst CBS-gegevens (python -m etl cbs) of de demo")
    regions = release.table("regions")
    parsed = [parse(data, name, cat, regions) for name, data in files]
    problems = [p for x in parsed for p in x.problems]
    if problems and strict:
        raise WarehouseError(f"{len(problems)} probleem/problemen in de export:\n- " + "\n- ".join(problems[:50]))
    obs = pl.concat([x.observations for x in parsed]).with_columns(source_id=pl.lit(source_id))
    dup = obs.group_by(["indicator_id", "region_code", "period"]).len().filter(pl.col("len") > 1)
    if dup.height:
        d = dup.row(0, named=True)
        raise WarehouseError(f"De export(s) geven {d['indicator_id']} voor {d['region_code']} {d['period']} "
                             "meer dan eens")
    checksum = hashlib.sha256(b"".join(data for _, data in files)).hexdigest()[:16]
    source = pl.DataFrame([{
        "source_id": source_id, "kind": "wsjg", "title": "Export van waarstaatjegemeente.nl",
        "table_id": ", ".join(name for name, _ in files)[:200], "url": "https://www.waarstaatjegemeente.nl",
        "release": "", "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checksum": checksum, "rows": obs.height,
    }])
    publish(warehouse, indicators=cat.to_frame(), observations=obs, sources=source, replace_sources=[source_id])
    return Parsed(observations=obs, problems=problems)


def register(sub, common) -> None:
    p = sub.add_parser("wsjg", parents=[common], help="laad exports van waarstaatjegemeente.nl (Excel of CSV)")
    p.add_argument("files", nargs="+", type=Path, help="exportbestanden (.xlsx of .csv)")
    p.add_argument("--source-id", default="wsjg", help="naam van deze bron; opnieuw laden vervangt hem")
    p.add_argument("--skip-unknown", action="store_true",
                   help="laad wat past en noem de rest, in plaats van de hele lading te weigeren")
    p.set_defaults(func=run)


def run(args) -> int:
    wh = settings.load(args.warehouse).warehouse
    files = []
    for f in args.files:
        if not f.exists():
            raise WarehouseError(f"Bestand niet gevonden: {f}")
        files.append((f.name, f.read_bytes()))
    parsed = load(files, warehouse=wh, catalogue_path=args.catalogue, source_id=args.source_id,
                  strict=not args.skip_unknown)
    for p in parsed.problems:
        print(f"Overgeslagen: {p}")
    print(f"waarstaatjegemeente.nl geladen: {parsed.observations.height} cijfers.")
    return 0
