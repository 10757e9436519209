"""``python -m etl budget FILE``: the municipality's own budget per law, from a CSV or Excel file.

The format (docs/finance-methods.md): one row per year, law and product group (or taakveld), with
columns

    jaar          the budget year, e.g. 2025
    wet           wmo | jeugd | participatie | schuldhulp
    productgroep  the product group or Iv3 taakveld as the budget names it (letters, digits, . , - / ( ) &)
    begroting     the budgeted amount in euros (whole euros or with a decimal comma or point)
    rijksbijdrage optional: the Rijk contribution for that line in euros

The file is checked completely first; every problem is named with its row and column (never its
value) and nothing is loaded while there is one. The load is staged like every load (``--yes``).
Published: ``fin_<law>_budget`` and ``fin_<law>_rijksbijdrage`` for the municipality per year, the
total and the split per product group (breakdown ``productgroep``).
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release

LAWS = ("wmo", "jeugd", "participatie", "schuldhulp")
REQUIRED = ("jaar", "wet", "productgroep", "begroting")
GROUP_RE = re.compile(r"^[0-9A-Za-zÀ-ÿ .,\-/()&]{1,60}$")
AMOUNT_RE = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^-?\d+(?:[.,]\d+)?$")
MAX_ROWS = 10_000


class BudgetRefused(WarehouseError):
    """The budget file was refused; ``problems`` are (row, column, reason)."""

    def __init__(self, message: str, problems: list[tuple[int | None, str, str]]):
        super().__init__(message)
        self.problems = problems


def read(data: bytes, name: str) -> pl.DataFrame:
    """The file as text columns (CSV with , or ; or an .xlsx sheet), headers lower case."""
    try:
        if name.lower().endswith((".xlsx", ".xlsm")):
            df = pl.read_excel(io.BytesIO(data), engine="openpyxl", infer_schema_length=0)
        else:
            text = data.decode("utf-8-sig")
            sep = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
            df = pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False)
    except UnicodeDecodeError:
        raise BudgetRefused(f"{name}: het bestand is geen UTF-8-tekst; sla het op als CSV (UTF-8) of Excel", []) \
            from None
    except Exception as exc:  # polars/openpyxl raise many kinds; the person needs one clear sentence
        raise BudgetRefused(f"{name}: het bestand is niet te lezen als CSV of Excel ({type(exc).__name__})", []) \
            from None
    if df.height > MAX_ROWS:
        raise BudgetRefused(f"{name}: meer dan {MAX_ROWS} regels; is dit wel een begroting?", [])
    return df.rename({c: c.strip().lower() for c in df.columns}).with_columns(
        pl.all().cast(pl.String).str.strip_chars())


def _amount(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    if not AMOUNT_RE.match(text):
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.match(r"^-?\d{1,3}(?:\.\d{3})+$", text):
        text = text.replace(".", "")
    return float(text)


def validate(df: pl.DataFrame, name: str) -> pl.DataFrame:
    """Typed rows [year, law, group, budget, rijk] or :class:`BudgetRefused` naming every problem.

    Row numbers count the header as row 1, as a spreadsheet shows them."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise BudgetRefused(f"{name}: kolom {', '.join(missing)} ontbreekt (nodig: {', '.join(REQUIRED)})",
                            [(None, c, "kolom ontbreekt") for c in missing])
    problems: list[tuple[int | None, str, str]] = []
    rows = []
    has_rijk = "rijksbijdrage" in df.columns
    seen: dict[tuple, int] = {}
    for i, r in enumerate(df.iter_rows(named=True), start=2):
        year = r["jaar"] or ""
        if not re.fullmatch(r"(19|20)\d{2}", year):
            problems.append((i, "jaar", "geen jaartal van vier cijfers"))
        law = (r["wet"] or "").lower()
        if law not in LAWS:
            problems.append((i, "wet", f"onbekende wet (kies uit {', '.join(LAWS)})"))
        group = r["productgroep"] or ""
        if not GROUP_RE.match(group):
            problems.append((i, "productgroep", "leeg, te lang (meer dan 60 tekens) of met tekens die niet mogen"))
        budget = _amount(r["begroting"])
        if budget is None:
            problems.append((i, "begroting", "geen bedrag in euro's (bijvoorbeeld 1250000 of 1.250.000,00)"))
        elif budget < 0:
            problems.append((i, "begroting", "een begroting kan niet negatief zijn"))
        rijk = _amount(r.get("rijksbijdrage")) if has_rijk else None
        if has_rijk and r.get("rijksbijdrage") not in (None, "") and rijk is None:
            problems.append((i, "rijksbijdrage", "geen bedrag in euro's"))
        key = (year, law, group.lower())
        if key in seen:
            problems.append((i, "productgroep", f"dezelfde wet, productgroep en jaar staan ook op regel {seen[key]}"))
        seen.setdefault(key, i)
        rows.append({"year": int(year) if year.isdigit() else None, "law": law, "group": group,
                     "budget": budget, "rijk": rijk})
    if not rows:
        problems.append((None, "", "het bestand heeft geen regels onder de kop"))
    if problems:
        listed = "; ".join(f"regel {r}, kolom {c}: {why}" if r else f"kolom {c}: {why}" if c else why
                           for r, c, why in problems[:20])
        more = f" (en nog {len(problems) - 20})" if len(problems) > 20 else ""
        raise BudgetRefused(f"{name}: de begroting is niet geladen. {listed}{more}", problems)
    return pl.DataFrame(rows, schema={"year": pl.Int32, "law": pl.String, "group": pl.String,
                                      "budget": pl.Float64, "rijk": pl.Float64})


def observations(rows: pl.DataFrame, gemeente: str, source_id: str) -> pl.DataFrame:
    """Budget and Rijk contribution per law and year: the total and per product group."""
    frames = []
    for measure, col in (("budget", "budget"), ("rijksbijdrage", "rijk")):
        part = rows.filter(pl.col(col).is_not_null())
        if part.is_empty():
            continue
        ids = pl.concat_str([pl.lit("fin_"), pl.col("law"), pl.lit(f"_{measure}")])
        total = part.group_by("law", "year").agg(value=pl.col(col).sum()).with_columns(
            breakdown=pl.lit(""), category=pl.lit(""))
        detail = part.group_by("law", "year", "group").agg(value=pl.col(col).sum()).with_columns(
            breakdown=pl.lit("productgroep")).rename({"group": "category"})
        for f in (total, detail.select(total.columns)):
            frames.append(f.with_columns(indicator_id=ids))
    out = pl.concat(frames)
    return out.select("indicator_id", region_code=pl.lit(gemeente), period=pl.col("year").cast(pl.String) + "JJ00",
                      breakdown="breakdown", category="category", value="value",
                      denominator=pl.lit(None, pl.Float64), status=pl.lit("final"), source_id=pl.lit(source_id))


def load(data: bytes, name: str, *, gemeente: str, warehouse: Path, catalogue_path: Path | None = None,
         source_id: str | None = None) -> tuple[str, pl.DataFrame]:
    """Check and publish a budget file; returns (release id, preview of the totals per law and year)."""
    rows = validate(read(data, name), name)
    sid = source_id or f"budget:{gemeente}"
    obs = observations(rows, gemeente, sid)
    cat = catalogue_mod.load(catalogue_path)
    source = pl.DataFrame([{
        "source_id": sid, "kind": "budget", "title": "Begroting van de gemeente per wet", "table_id": "",
        "url": "", "release": Path(name).name, "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checksum": hashlib.sha256(data).hexdigest()[:16], "rows": obs.height}])
    release = publish(warehouse, indicators=cat.to_frame(), observations=obs, replace_sources=[sid], sources=source)
    preview = (obs.filter(pl.col("breakdown") == "").sort("indicator_id", "period")
               .select("indicator_id", "period", "value"))
    return release.id, preview


def register(sub, common) -> None:
    p = sub.add_parser("budget", parents=[common], help="laad de eigen begroting per wet (CSV of Excel)")
    p.add_argument("file", type=Path, help="CSV of .xlsx met jaar, wet, productgroep, begroting[, rijksbijdrage]")
    p.add_argument("--gemeente", help="gemeentecode (default: de gemeente van het warehouse)")
    p.set_defaults(func=run)


def run(args) -> int:
    wh = settings.load(args.warehouse).warehouse
    current = current_release(wh)
    gemeente = (args.gemeente or (current.meta.get("gemeente") if current else "") or "").upper()
    if not re.fullmatch(r"GM\d{4}", gemeente):
        raise WarehouseError("Geef de gemeente met --gemeente GM1234 (het warehouse noemt er geen)")
    data = Path(args.file).read_bytes()
    release, preview = load(data, args.file.name, gemeente=gemeente, warehouse=wh, catalogue_path=args.catalogue)
    print("Begroting per wet en jaar:", file=sys.stderr)
    for r in preview.iter_rows(named=True):
        print(f"  {r['indicator_id']} {r['period'][:4]}: {r['value']:,.0f} euro".replace(",", "."), file=sys.stderr)
    print(f"Begroting ingelezen in versie {release}")
    return 0
