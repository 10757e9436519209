"""The cells and areas of a waarstaatjegemeente.nl export: the number rule, the header words, reading the
rows of an Excel or CSV file, and finding an area by code or name on one level. Part of :mod:`etl.wsjg`
(which documents the format); its names stay importable from there."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import polars as pl

from warehouse.releases import REGION_RE, WarehouseError

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
