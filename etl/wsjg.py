"""Exports from waarstaatjegemeente.nl (Excel or CSV) into the warehouse.

An export starts with a header block (``Onderwerp: ...``, ``Indicator: ...``, ``Periode: ...``,
``Bron: ...``), then a table with the region (name and/or code) in rows and either periods or
indicators in the columns:

    Indicator;Wmo-cliënten per 1.000 inwoners        Periode;2023
    Gebied;Code;2021;2022;2023*                      Gebied;Code;Indicator A;Indicator B
    Nederland;NL01;52,1;53,0;54,2                    Nederland;NL01;12,1;-

``-``, ``x``, ``?`` and empty cells are missing; ``*`` after a year marks a provisional figure.
Columns are mapped to catalogue indicators through ``source.wsjg.names``; regions by code or by
exact name in the regions table. Anything that does not match is reported, never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

import settings
from etl import catalogue as catalogue_mod
from etl.warehouse import REGION_RE, WarehouseError, current_release, publish

MISSING = {"", "-", "x", "X", "?", "."}
YEAR_RE = re.compile(r"^(\d{4})(\*{0,2})$")


@dataclass
class Parsed:
    observations: pl.DataFrame
    problems: list[str] = field(default_factory=list)


def _rows_from_bytes(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xls")):
        try:
            df = pl.read_excel(io.BytesIO(data), has_header=False, infer_schema_length=0)
        except Exception as exc:
            raise WarehouseError(f"{filename}: not a readable Excel file ({exc})") from exc
        return [["" if v is None else str(v) for v in row] for row in df.iter_rows()]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise WarehouseError(f"{filename}: unknown text encoding")
    if "\x00" in text:
        raise WarehouseError(f"{filename}: this is not a text export (binary content)")
    first_table_line = next((ln for ln in text.splitlines() if ln.count(";") + ln.count(",") + ln.count("\t") >= 2), "")
    delimiter = max(";,\t", key=first_table_line.count)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _number(cell: str) -> float | None:
    cell = cell.strip()
    if cell in MISSING:
        return None
    cell = cell.replace("\u00a0", "").replace(" ", "")
    if "," in cell:  # Dutch notation: 1.234,5
        cell = cell.replace(".", "").replace(",", ".")
    return float(cell)


def parse(data: bytes, filename: str, cat: catalogue_mod.Catalogue, regions: pl.DataFrame) -> Parsed:
    rows = [[c.strip() for c in r] for r in _rows_from_bytes(data, filename)]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise WarehouseError(f"{filename}: the file is empty")
    header_idx = next((i for i, r in enumerate(rows) if r and r[0].lower() in ("gebied", "regio", "naam")), None)
    if header_idx is None:
        raise WarehouseError(f"{filename}: no table header found (a row starting with 'Gebied' or 'Regio')")
    meta = {}
    for r in rows[:header_idx]:
        key = r[0].rstrip(":").strip().lower()
        value = next((c for c in r[1:] if c), "")
        if ":" in r[0] and not value:
            key, _, value = r[0].partition(":")
            key = key.strip().lower()
        meta[key] = value.strip()
    header = rows[header_idx]
    code_col = next((i for i, h in enumerate(header) if h.lower() in ("code", "regiocode", "gebiedscode")), None)
    first_value_col = max(1, (code_col or 0) + 1)

    names_to_id = {n.lower(): e["id"] for e in cat.by_source("wsjg") for n in e["source"]["wsjg"]["names"]}
    by_name = {n.lower(): c for c, n in zip(regions["region_code"], regions["name"], strict=True) if n}
    known_codes = set(regions["region_code"].to_list())
    problems: list[str] = []

    # Which layout: years in the columns, or indicators in the columns?
    columns = header[first_value_col:]
    if all(YEAR_RE.match(c) for c in columns if c):
        indicator_name = meta.get("indicator") or meta.get("onderwerp", "")
        ind = names_to_id.get(indicator_name.lower())
        if ind is None:
            raise WarehouseError(f"{filename}: indicator {indicator_name!r} (header block) is not mapped in the "
                                 "catalogue (source.wsjg.names)")
        col_map = {}
        for j, c in enumerate(columns, start=first_value_col):
            if c:
                m = YEAR_RE.match(c)
                col_map[j] = (ind, f"{m.group(1)}JJ00", "provisional" if m.group(2) else "final")
    else:
        m = YEAR_RE.match(meta.get("periode", "").strip())
        if not m:
            raise WarehouseError(f"{filename}: the header block needs 'Periode: <year>' when indicators are columns")
        col_map = {}
        for j, c in enumerate(columns, start=first_value_col):
            if not c:
                continue
            ind = names_to_id.get(c.lower())
            if ind is None:
                problems.append(f"{filename}, column {j + 1} {c!r}: not mapped to an indicator in the catalogue")
                continue
            col_map[j] = (ind, f"{m.group(1)}JJ00", "provisional" if m.group(2) else "final")

    out = []
    for line_no, r in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        name = r[0]
        code = r[code_col].upper() if code_col is not None and code_col < len(r) else ""
        if code and not REGION_RE.match(code):
            problems.append(f"{filename}, row {line_no}: region code {code!r} is not a CBS code")
            continue
        region = code if code in known_codes else (None if code else by_name.get(name.lower()))
        if region is None:
            problems.append(f"{filename}, row {line_no}: region {code or name!r} is not in the regions table")
            continue
        for j, (ind, period, status) in col_map.items():
            cell = r[j] if j < len(r) else ""
            try:
                value = _number(cell)
            except ValueError:
                problems.append(f"{filename}, row {line_no}, column {j + 1}: {cell!r} is not a number")
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
        raise WarehouseError("There are no regions yet: load CBS data (python -m etl cbs) or the demo first")
    regions = release.table("regions")
    parsed = [parse(data, name, cat, regions) for name, data in files]
    problems = [p for x in parsed for p in x.problems]
    if problems and strict:
        raise WarehouseError(f"{len(problems)} problem(s) in the export:\n- " + "\n- ".join(problems[:50]))
    obs = pl.concat([x.observations for x in parsed]).with_columns(source_id=pl.lit(source_id))
    dup = obs.group_by(["indicator_id", "region_code", "period"]).len().filter(pl.col("len") > 1)
    if dup.height:
        d = dup.row(0, named=True)
        raise WarehouseError(f"The exports give {d['indicator_id']} for {d['region_code']} {d['period']} more than once")
    checksum = hashlib.sha256(b"".join(data for _, data in files)).hexdigest()[:16]
    source = pl.DataFrame([{
        "source_id": source_id, "kind": "wsjg", "title": "Export van waarstaatjegemeente.nl",
        "table_id": ", ".join(name for name, _ in files)[:200], "url": "https://www.waarstaatjegemeente.nl",
        "release": "", "loaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "checksum": checksum, "rows": obs.height,
    }])
    publish(warehouse, indicators=cat.to_frame(), observations=obs, sources=source, replace_sources=[source_id])
    return Parsed(observations=obs, problems=problems)


def register(sub, common) -> None:
    p = sub.add_parser("wsjg", parents=[common], help="load waarstaatjegemeente.nl exports (Excel or CSV)")
    p.add_argument("files", nargs="+", type=Path, help="export files (.xlsx or .csv)")
    p.add_argument("--source-id", default="wsjg", help="name of this source; loading it again replaces it")
    p.add_argument("--skip-unknown", action="store_true",
                   help="load what matches and list the rest, instead of refusing the whole load")
    p.set_defaults(func=run)


def run(args) -> int:
    wh = settings.load(args.warehouse).warehouse
    files = []
    for f in args.files:
        if not f.exists():
            raise WarehouseError(f"File not found: {f}")
        files.append((f.name, f.read_bytes()))
    parsed = load(files, warehouse=wh, catalogue_path=args.catalogue, source_id=args.source_id,
                  strict=not args.skip_unknown)
    for p in parsed.problems:
        print(f"Overgeslagen: {p}")
    print(f"waarstaatjegemeente.nl geladen: {parsed.observations.height} cijfers.")
    return 0
