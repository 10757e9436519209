"""``python -m etl survey``: the municipality's own client-experience survey (cliëntervaringsonderzoek) as CSV.

The survey bureau delivers one row per question, year and area, with the share that (strongly)
agreed and the number of people who answered the question (n)::

    gebied;jaar;vraag;percentage_eens;n
    GM0995;2024;wmo_wist_waar;81,5;412
    GM0995;2024;jeugd_tevreden;77;96

- ``gebied``: a CBS region code the warehouse knows (``GM0995``; a wijk code where the survey has them);
- ``jaar``: the year of the survey (``2024``);
- ``vraag``: a question code from the catalogue (``source.survey.item``; ``python -m etl survey --items``
  lists them);
- ``percentage_eens``: 0 to 100, decimal comma or point;
- ``n``: a whole number, the people who answered this question (not only those who agreed).

Semicolon or comma separated, UTF-8 (with or without BOM). ``n`` is stored as the figure's base
(``denominator``), so the small-number rule of the monitor applies to it: a share with fewer than
``MSD_MIN_DENOMINATOR`` answers (default 50) is stored as suppressed and never shown. The largest n of a
law's questions per area and year is stored as that law's respondent count (``source.survey.respondents``),
so the page shows how many people the shares rest on. Bad input is refused as a whole with the row and
column, never with a value from the row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release

COLUMNS = ("gebied", "jaar", "vraag", "percentage_eens", "n")
YEAR_RE = re.compile(r"(19|20)\d{2}")
MAX_PROBLEMS = 50


def items(cat: catalogue_mod.Catalogue) -> dict[str, str]:
    """Question code -> indicator id, from ``source.survey.item`` in the catalogue."""
    out: dict[str, str] = {}
    for e in cat.by_source("survey"):
        spec = e["source"]["survey"] if isinstance(e["source"]["survey"], dict) else {}
        if spec.get("respondents"):
            continue
        item = spec.get("item")
        if not item:
            raise WarehouseError(f"catalogus {cat.path}, indicator '{e['id']}': source.survey heeft 'item' nodig")
        if item in out:
            raise WarehouseError(f"catalogus {cat.path}: vraagcode '{item}' staat bij twee indicatoren")
        out[str(item)] = e["id"]
    return out


def respondents(cat: catalogue_mod.Catalogue) -> dict[str, str]:
    """Law -> the indicator that counts the people who answered that law's questionnaire
    (``source.survey.respondents = "<law>"``): the largest n of its questions per area and year."""
    return {str(e["source"]["survey"]["respondents"]): e["id"] for e in cat.by_source("survey")
            if isinstance(e["source"]["survey"], dict) and e["source"]["survey"].get("respondents")}


def with_respondents(obs: pl.DataFrame, cat: catalogue_mod.Catalogue) -> pl.DataFrame:
    """Add the respondent counts per law, area and year, so n can be read next to the shares."""
    by_law = respondents(cat)
    law_of = {e["id"]: e["law"] for e in cat.entries}
    counts = (obs.with_columns(law=pl.col("indicator_id").replace_strict(law_of, default=None))
              .filter(pl.col("law").is_in(list(by_law)))
              .group_by("law", "region_code", "period").agg(value=pl.col("denominator").max())
              .with_columns(indicator_id=pl.col("law").replace_strict(by_law), breakdown=pl.lit(""),
                            category=pl.lit(""), denominator=pl.lit(None, pl.Float64), status=pl.lit("final")))
    return pl.concat([obs, counts.select(obs.columns)]) if counts.height else obs


def _rows(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WarehouseError(f"{filename}: het bestand is geen UTF-8-tekst; sla het op als CSV (UTF-8)") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise WarehouseError(f"{filename}: het bestand is leeg")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise WarehouseError(f"{filename}, rij 1: kolom(men) {', '.join(missing)} ontbreken; nodig zijn "
                             f"{', '.join(COLUMNS)}")
    return header, rows[1:]


def _number(text: str) -> float | None:
    t = text.strip().replace(" ", "")
    if "," in t and "." not in t:
        t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def parse(data: bytes, filename: str, cat: catalogue_mod.Catalogue, region_codes: set[str],
          min_n: int) -> pl.DataFrame:
    """The observations of one survey file; raises with every problem (row and column, no values)."""
    header, body = _rows(data, filename)
    col = {name: header.index(name) for name in COLUMNS}
    known = items(cat)
    problems: list[str] = []
    out: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(body, start=2):
        def cell(name: str, row=row) -> str:
            j = col[name]
            return row[j].strip() if j < len(row) else ""

        where = lambda name, i=i: f"{filename}, rij {i}, kolom {col[name] + 1} ('{name}')"  # noqa: E731
        bad = len(problems)
        region = cell("gebied").upper()
        if region not in region_codes:
            problems.append(f"{where('gebied')}: geen gebiedscode die de monitor kent (zoals GM0995 of WK099501)")
        year = cell("jaar")
        if not YEAR_RE.fullmatch(year):
            problems.append(f"{where('jaar')}: geen jaartal van vier cijfers")
        item = cell("vraag").lower()
        if item not in known:
            problems.append(f"{where('vraag')}: onbekende vraagcode; de codes staan in de catalogus "
                            "(source.survey.item) en in 'python -m etl survey --items'")
        share = _number(cell("percentage_eens"))
        if share is None or not 0 <= share <= 100:
            problems.append(f"{where('percentage_eens')}: geen percentage van 0 tot en met 100")
        n = _number(cell("n"))
        if n is None or n < 1 or not float(n).is_integer():
            problems.append(f"{where('n')}: geen geheel aantal van minstens 1 (het aantal mensen dat de vraag "
                            "beantwoordde)")
        if len(problems) > bad:
            continue
        key = (item, region, year)
        if key in seen:
            problems.append(f"{filename}, rij {i}: dezelfde vraag, hetzelfde gebied en jaar als rij {seen[key]}")
            continue
        seen[key] = i
        small = n < min_n
        out.append({"indicator_id": known[item], "region_code": region, "period": f"{year}JJ00",
                    "breakdown": "", "category": "",
                    "value": None if small else share, "denominator": float(n),
                    "status": "suppressed" if small else "final"})
    if problems:
        more = f"\n(en nog {len(problems) - MAX_PROBLEMS})" if len(problems) > MAX_PROBLEMS else ""
        raise WarehouseError(f"{len(problems)} probleem/problemen in de peiling:\n- "
                             + "\n- ".join(problems[:MAX_PROBLEMS]) + more)
    if not out:
        raise WarehouseError(f"{filename}: geen regels met cijfers onder de kop")
    return pl.DataFrame(out, schema={"indicator_id": pl.String, "region_code": pl.String, "period": pl.String,
                                     "breakdown": pl.String, "category": pl.String, "value": pl.Float64,
                                     "denominator": pl.Float64, "status": pl.String})


def load(files: list[tuple[str, bytes]], *, warehouse: Path, catalogue_path: Path | None = None,
         source_id: str = "survey", min_n: int | None = None) -> pl.DataFrame:
    """Parse every file and publish them together as one source (loading again replaces it)."""
    cat = catalogue_mod.load(catalogue_path)
    release = current_release(warehouse)
    if release is None:
        raise WarehouseError("Er zijn nog geen gebieden: laad eerst CBS-gegevens (python -m etl cbs) of de demo")
    floor = settings.load().min_denominator if min_n is None else min_n
    codes = set(release.table("regions")["region_code"].to_list())
    obs = pl.concat([parse(data, name, cat, codes, floor) for name, data in files])
    dup = obs.group_by("indicator_id", "region_code", "period").len().filter(pl.col("len") > 1)
    if dup.height:
        d = dup.row(0, named=True)
        raise WarehouseError(f"De bestanden geven {d['indicator_id']} voor {d['region_code']} {d['period']} "
                             "meer dan eens")
    obs = with_respondents(obs, cat).with_columns(source_id=pl.lit(source_id))
    source = pl.DataFrame([{
        "source_id": source_id, "kind": "survey", "title": "Eigen cliëntervaringsonderzoek",
        "table_id": ", ".join(name for name, _ in files)[:200], "url": "", "release": "",
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checksum": hashlib.sha256(b"".join(data for _, data in files)).hexdigest()[:16], "rows": obs.height,
    }])
    publish(warehouse, indicators=cat.to_frame(), observations=obs, sources=source, replace_sources=[source_id])
    return obs


def register(sub, common) -> None:
    p = sub.add_parser("survey", parents=[common],
                       help="laad de eigen cliëntervaringspeiling (CSV: gebied, jaar, vraag, percentage_eens, n)")
    p.add_argument("files", nargs="*", type=Path, help="CSV-bestanden van de peiling")
    p.add_argument("--source-id", default="survey", help="naam van deze bron; opnieuw laden vervangt hem")
    p.add_argument("--items", action="store_true", help="toon de vraagcodes uit de catalogus en stop")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.items:
        for item, ind in sorted(items(catalogue_mod.load(args.catalogue)).items()):
            print(f"{item}\t{ind}")
        return 0
    if not args.files:
        raise WarehouseError("Geef een of meer CSV-bestanden van de peiling (of --items)")
    files = []
    for f in args.files:
        if not f.exists():
            raise WarehouseError(f"Bestand niet gevonden: {f}")
        files.append((f.name, f.read_bytes()))
    wh = settings.load(args.warehouse).warehouse
    obs = load(files, warehouse=wh, catalogue_path=args.catalogue, source_id=args.source_id)
    hidden = obs.filter(pl.col("status") == "suppressed").height
    print(f"Peiling geladen: {obs.filter(pl.col('denominator').is_not_null()).height} percentages" + (f", waarvan {hidden} verborgen (te weinig antwoorden)."
                                                       if hidden else "."))
    return 0
