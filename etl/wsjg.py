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

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from etl.wsjg_cells import (  # noqa: F401  (this module's public names)
    CODE_HEADERS,
    FOOTER_RE,
    HEADER_FIRST,
    LEVEL_HEADERS,
    LEVEL_PRIORITY,
    LEVEL_WORDS,
    MISSING,
    NUMBER_RULE,
    PERIOD_HEADERS,
    YEAR_RE,
    AreaIndex,
    Cell,
    NumberError,
    _label,
    _level_word,
    _norm,
    _rows_from_bytes,
    read_number,
)
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release


@dataclass
class Parsed:
    observations: pl.DataFrame
    problems: list[str] = field(default_factory=list)



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
