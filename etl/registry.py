"""The municipality's own registry extracts (Wmo, youth, Participatiewet, debt help), counted on load.

An extract is person level: client ids (BSN or pseudonym), household ids, birth dates, postcodes.
None of that is ever written anywhere. The file is read into memory, checked, turned into counts
per wijk / buurt / municipality, period and category, small cells are suppressed, and only those
counts are published. Error messages name a row number and a column, never a value from the row.
Fields that become categories (product, route, delivery form, referrer) are checked against their
code lists, so free text never becomes a label. Readers refuse oversized input (:class:`ReaderLimits`)
before it is parsed, and a load is staged until a person confirms it (docs/loading-safely.md).

Column names differ per source system; a *profile* (``data/profiles/<name>.toml``) maps them to the
standard fields below. See ``data/profiles/standaard.toml`` for the format.
"""

from __future__ import annotations

import hashlib
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

import settings as settings_mod
from domain.laws import PRODUCT_GROUPS, PRODUCTS
from domain.suppression import protect as protect_cells
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import SOURCE_SCHEMA, WarehouseError, current_release

LAWS = ("wmo", "jeugd", "participatie", "schuldhulp")
STAPELING_LAWS = ("wmo", "jeugd", "participatie")
FIELDS = ("client_id", "household_id", "birth_date", "age", "postcode", "wijk_code", "request_date", "decision_date",
          "route", "product_code", "start_date", "end_date", "end_reason", "delivery_form", "provider", "referrer",
          "amount_paid")
DATE_FIELDS = ("birth_date", "request_date", "decision_date", "start_date", "end_date")
ROUTES = ("eigen_netwerk", "algemene_voorziening", "maatwerk", "afgewezen")
DELIVERY_FORMS = ("ZIN", "PGB")
# iJw referrer codes (domain.md); anything else is counted as OTHER, never kept as text.
REFERRERS = ("01", "02", "03", "04", "05", "06", "08")
OTHER = "overig"
LEGAL_TERM_DAYS = {"wmo": 56, "jeugd": 56, "participatie": 56, "schuldhulp": 28}
COMPLETED_REASONS = ("afgerond", "schuldregeling")
AGE_GROUPS = [(0, 3), (4, 11), (12, 17), (18, 26), (27, 64), (65, 74), (75, 84), (85, 200)]
INFLOW_GAP_DAYS = 90
PROFILES_DIR = settings_mod.DATA_DIR / "profiles"
POSTCODES_FILE = "postcodes.csv"  # public reference data, kept in the release and reused by the next load
SAMPLE_PROBLEMS = 1000  # problems listed in a report; all of them are counted


class ExtractRefused(WarehouseError):
    """The extract was refused; ``problems`` lists (row, column, reason) for the report (the first
    ``SAMPLE_PROBLEMS``; ``problem_count`` is the total)."""

    def __init__(self, message: str, problems: list[tuple[int | None, str, str]] | None = None,
                 problem_count: int | None = None):
        super().__init__(message)
        self.problems = problems or []
        self.problem_count = len(self.problems) if problem_count is None else problem_count


@dataclass(frozen=True)
class ReaderLimits:
    """How big an extract may be, checked before it is parsed (a zip or CSV bomb is refused early).

    Each has a setting: MSD_MAX_EXTRACT_MB, MSD_MAX_EXTRACT_ROWS, MSD_MAX_EXTRACT_COLUMNS,
    MSD_MAX_EXTRACT_CELLS and MSD_MAX_UNZIPPED_MB (the unpacked size of an Excel file)."""

    # The defaults are the settings' own (settings.VARIABLES), so they are written in one place.
    max_bytes: int = int(settings_mod.VARIABLES["MSD_MAX_EXTRACT_MB"].default) * 1024 * 1024
    max_rows: int = int(settings_mod.VARIABLES["MSD_MAX_EXTRACT_ROWS"].default)
    max_columns: int = int(settings_mod.VARIABLES["MSD_MAX_EXTRACT_COLUMNS"].default)
    max_cells: int = int(settings_mod.VARIABLES["MSD_MAX_EXTRACT_CELLS"].default)
    max_unzipped: int = int(settings_mod.VARIABLES["MSD_MAX_UNZIPPED_MB"].default) * 1024 * 1024

    @classmethod
    def from_env(cls) -> ReaderLimits:
        mb = 1024 * 1024
        return cls(max_bytes=settings_mod.integer("MSD_MAX_EXTRACT_MB") * mb,
                   max_rows=settings_mod.integer("MSD_MAX_EXTRACT_ROWS"),
                   max_columns=settings_mod.integer("MSD_MAX_EXTRACT_COLUMNS"),
                   max_cells=settings_mod.integer("MSD_MAX_EXTRACT_CELLS"),
                   max_unzipped=settings_mod.integer("MSD_MAX_UNZIPPED_MB") * mb)


@dataclass
class Extract:
    law: str
    name: str
    data: bytes
    profile: str | Path = "standaard"
    sheet: str | None = None


@dataclass
class LoadReport:
    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    problems: dict[str, list[tuple[int | None, str, str]]] = field(default_factory=dict)
    problem_counts: dict[str, int] = field(default_factory=dict)
    # law -> field -> rows whose value was not in the code list and was counted as "overig"
    other: dict[str, dict[str, int]] = field(default_factory=dict)
    observations: int = 0
    release: str | None = None
    staged: bool = False


# ---------------------------------------------------------------------------------------------
# Profiles and reading
# ---------------------------------------------------------------------------------------------
def load_profile(profile: str | Path) -> dict:
    path = Path(profile)
    if not path.suffix:
        path = PROFILES_DIR / f"{profile}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
        raise ExtractRefused(f"Kolomprofiel {profile!s} bestaat niet (bekende profielen: {known})")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    columns = doc.get("columns", {})
    unknown = set(columns) - set(FIELDS)
    if unknown:
        raise ExtractRefused(f"Kolomprofiel {path.name}: onbekende standaardvelden {sorted(unknown)}")
    return {"name": doc.get("name", path.stem), "columns": columns, "delimiter": doc.get("delimiter", ","),
            "encoding": doc.get("encoding", "utf-8"), "date_format": doc.get("date_format", "%Y-%m-%d"),
            "values": doc.get("values", {})}


def _n(n: int | float) -> str:
    """A whole number as a Dutch reader writes it: 1.234.567."""
    return f"{n:,.0f}".replace(",", ".")


def _mb(n: int) -> str:
    return _n(n / 1024 / 1024)


def check_size(size: int, name: str, limits: ReaderLimits | None = None) -> None:
    limits = limits or ReaderLimits.from_env()
    if size == 0:
        raise ExtractRefused(f"{name}: het bestand is leeg")
    if size > limits.max_bytes:
        raise ExtractRefused(f"{name}: het bestand is {_mb(size)} MB, meer dan de grens van {_mb(limits.max_bytes)} "
                             "MB (MSD_MAX_EXTRACT_MB); splits de export per jaar")


def _check_shape(name: str, rows: int, columns: int, limits: ReaderLimits) -> None:
    """Rows, columns and cells within the limits (counted before parsing where the format allows)."""
    if columns > limits.max_columns:
        raise ExtractRefused(f"{name}: het bestand heeft {_n(columns)} kolommen, meer dan de grens van "
                             f"{_n(limits.max_columns)} (MSD_MAX_EXTRACT_COLUMNS)")
    if rows > limits.max_rows:
        raise ExtractRefused(f"{name}: het bestand heeft meer dan {_n(limits.max_rows)} rijen "
                             "(MSD_MAX_EXTRACT_ROWS); splits de export per jaar")
    if rows * columns > limits.max_cells:
        raise ExtractRefused(f"{name}: het bestand heeft {_n(rows * columns)} cellen, meer dan de grens van "
                             f"{_n(limits.max_cells)} (MSD_MAX_EXTRACT_CELLS)")


def read_raw(ex: Extract, profile: dict, limits: ReaderLimits | None = None) -> pl.DataFrame:
    """The extract as strings, columns renamed to the standard fields."""
    limits = limits or ReaderLimits.from_env()
    check_size(len(ex.data), ex.name, limits)
    head = ex.data[:8]
    if head.startswith(b"PK\x03\x04"):
        raw = _read_excel(ex, limits)
    else:
        if b"\x00" in ex.data[:65536]:
            raise ExtractRefused(f"{ex.name}: dit is geen CSV- of Excel-bestand (binaire inhoud)")
        raw = _read_csv(ex, profile, limits)
    _check_shape(ex.name, raw.height, raw.width, limits)
    mapping = {src: std for std, src in profile["columns"].items()}
    missing = [src for src in mapping if src not in raw.columns]
    required = {"client_id", "household_id"}
    missing_required = [f"{profile['columns'][f]} ({f})" for f in sorted(required)
                        if profile["columns"].get(f) in missing]
    if missing_required or not (set(mapping) & set(raw.columns)):
        # The header found is not repeated: in a file without a header it would be a person's data.
        raise ExtractRefused(f"{ex.name}: verplichte kolommen ontbreken: {', '.join(missing_required) or 'alle'}. "
                             f"Is dit het goede kolomprofiel ({profile['name']})?")
    df = raw.select([pl.col(src).alias(std) for src, std in mapping.items() if src in raw.columns])
    for f in FIELDS:
        if f not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(f))
    for f, table in profile["values"].items():
        if f in df.columns:
            df = df.with_columns(pl.col(f).replace(table))
    return df.select(FIELDS)


def _read_csv(ex: Extract, profile: dict, limits: ReaderLimits) -> pl.DataFrame:
    encoding = profile["encoding"].lower().replace("-", "")
    try:
        text_head = ex.data[:65536].decode("utf-8-sig" if encoding in ("utf8", "utf8sig") else profile["encoding"])
    except UnicodeDecodeError as exc:
        line = ex.data[: exc.start].count(b"\n") + 1
        raise ExtractRefused(f"{ex.name}, rij {line}: verkeerde tekenset: het bestand is geen {profile['encoding']} "
                             "(exporteer als UTF-8, of gebruik een profiel met encoding = \"cp1252\")",
                             [(line, "", "verkeerde tekenset")]) from exc
    header = text_head.splitlines()[0] if text_head else ""
    delimiter = profile["delimiter"]
    if header.count(delimiter) == 0:
        found = max(";,\t|", key=header.count)
        raise ExtractRefused(f"{ex.name}, rij 1: verkeerd scheidingsteken: het profiel verwacht {delimiter!r}, de "
                             f"kopregel gebruikt {found!r}", [(1, "", "verkeerd scheidingsteken")])
    # Width and length are counted on the bytes, before polars allocates anything for them.
    end = ex.data.find(b"\n")
    end = len(ex.data) if end < 0 else end
    _check_shape(ex.name, ex.data.count(b"\n") - 1, ex.data.count(delimiter.encode(), 0, end) + 1, limits)
    try:
        return pl.read_csv(io.BytesIO(ex.data), separator=delimiter, infer_schema=False,
                           encoding="utf8-lossy" if encoding in ("utf8", "utf8sig") else profile["encoding"],
                           truncate_ragged_lines=False)
    except Exception as exc:  # polars' message can quote a cell, so it is not passed on
        raise ExtractRefused(f"{ex.name}: het bestand is geen geldige CSV (bijvoorbeeld een rij met meer of minder "
                             f"kolommen dan de kopregel, of een aanhalingsteken dat niet wordt gesloten)") from exc


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_workbook(ex: Extract, limits: ReaderLimits) -> None:
    """Refuse a zip bomb before a spreadsheet reader unpacks it: the members are unpacked here in small
    chunks and counted (a forged size in the zip header does not help), and each sheet's declared
    size is checked against the row, column and cell limits."""
    too_big = (f"{ex.name}: uitgepakt is de werkmap groter dan {_mb(limits.max_unzipped)} MB (MSD_MAX_UNZIPPED_MB); "
               "sla de export op als CSV of splits hem")
    try:
        with zipfile.ZipFile(io.BytesIO(ex.data)) as z:
            members = z.infolist()
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise ExtractRefused(f"{ex.name}: een zip-bestand, maar geen Excel-werkmap")
            if len(members) > 1000 or sum(m.file_size for m in members) > limits.max_unzipped:
                raise ExtractRefused(too_big)
            total = 0
            for m in members:
                with z.open(m) as fh:
                    first = True
                    while chunk := fh.read(1024 * 1024):
                        total += len(chunk)
                        if total > limits.max_unzipped:
                            raise ExtractRefused(too_big)
                        if first and m.filename.startswith("xl/worksheets/"):
                            if dim := _DIMENSION.search(chunk[:4096]):
                                _check_shape(ex.name, int(dim.group(2)), _column_number(dim.group(1)), limits)
                        first = False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ExtractRefused(f"{ex.name}: het Excel-bestand is beschadigd en kan niet worden gelezen") from exc


def _read_excel(ex: Extract, limits: ReaderLimits) -> pl.DataFrame:
    _check_workbook(ex, limits)
    try:
        sheets = pl.read_excel(io.BytesIO(ex.data), sheet_id=0, infer_schema_length=0)
    except Exception as exc:  # the reader's message can quote a cell, so it is not passed on
        raise ExtractRefused(f"{ex.name}: het Excel-bestand kan niet worden gelezen") from exc
    if ex.sheet:
        if ex.sheet not in sheets:
            raise ExtractRefused(f"{ex.name}: er is geen tabblad {ex.sheet!r}; de tabbladen zijn {list(sheets)}")
        return sheets[ex.sheet].cast(pl.String)
    if len(sheets) > 1:
        raise ExtractRefused(f"{ex.name}: de werkmap heeft {len(sheets)} tabbladen ({', '.join(sheets)}); "
                             "kies er een met --sheet")
    return next(iter(sheets.values())).cast(pl.String)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
@dataclass
class Checked:
    """The rows that passed every check, and what was wrong with the others."""

    good: pl.DataFrame
    problems: list[tuple[int, str, str]]  # (row, column, reason): the first SAMPLE_PROBLEMS, sorted
    problem_count: int                    # every problem, none capped
    bad_rows: int
    other: dict[str, int]                 # field -> rows whose code was counted as "overig"


def _code(column: str, allowed: tuple[str, ...]) -> pl.Expr:
    """A code field as its code (a number written without its leading zero is padded), or OTHER."""
    c = pl.col(column)
    padded = pl.when(c.str.contains(r"^\d$")).then(pl.lit("0") + c).otherwise(c)
    return pl.when(c.is_null()).then(None).when(padded.is_in(list(allowed))).then(padded).otherwise(pl.lit(OTHER))


def validate(df: pl.DataFrame, law: str, profile: dict, postcodes: pl.DataFrame, reference: date,
             known_wijken: set[str]) -> Checked:
    """Check every row; problems name row number, column and reason, never the value."""
    fmt = profile["date_format"]
    df = df.with_row_index("row", offset=2).with_columns(  # row 1 is the header
        [pl.col(c).str.strip_chars().replace("", None) for c in FIELDS])
    # Exact duplicates (on the values as written): every repeat after the first is a problem.
    df = df.with_columns(_dup=~pl.struct([pl.col(f) for f in FIELDS]).is_first_distinct())
    typed = df.with_columns(
        [pl.col(c).str.strptime(pl.Date, fmt, strict=False).alias(f"{c}_d") for c in DATE_FIELDS]
        + [pl.col("amount_paid").str.replace(",", ".").cast(pl.Float64, strict=False).alias("amount"),
           pl.col("age").cast(pl.Int32, strict=False).alias("age_n"),
           pl.col("postcode").str.replace_all(" ", "").str.to_uppercase().alias("pc"),
           pl.col("product_code").str.slice(0, 2).alias("_p2"),
           # A referrer becomes a category: only iJw codes are kept, free text is counted as "overig".
           _code("referrer", REFERRERS).alias("referrer")])
    product = pl.col("product_code") if law in ("participatie", "schuldhulp") else pl.col("_p2")
    typed = typed.with_columns(product=product.str.to_lowercase() if law in ("participatie", "schuldhulp") else product)
    typed = typed.join(postcodes.select(pl.col("postcode").alias("pc"), "wijk_from_pc", "buurt_code"),
                       on="pc", how="left")
    typed = typed.with_columns(wijk=pl.coalesce("wijk_from_pc", pl.col("wijk_code").str.to_uppercase()))
    checks: list[tuple[str, pl.Expr, str]] = [
        ("client_id", pl.col("client_id").is_null(), "cliëntnummer is leeg"),
        ("household_id", pl.col("household_id").is_null(), "huishoudnummer is leeg"),
        ("birth_date", pl.col("birth_date_d").is_null() & pl.col("age_n").is_null(),
         "geen geldige geboortedatum of leeftijd"),
        ("request_date", pl.col("request_date_d").is_null() & pl.col("start_date_d").is_null(),
         "geen aanvraagdatum en geen begindatum"),
        ("product_code", pl.col("start_date_d").is_not_null() & ~pl.col("product").is_in(list(PRODUCTS[law])),
         f"onbekende productcode voor {law}"),
        ("end_date", pl.col("end_date_d") < pl.col("start_date_d"), "einddatum ligt voor de begindatum"),
        ("decision_date", pl.col("decision_date_d") < pl.col("request_date_d"), "besluit ligt voor de aanvraag"),
        ("route", pl.col("route").is_not_null() & ~pl.col("route").is_in(list(ROUTES)),
         f"onbekende afhandeling (toegestaan: {', '.join(ROUTES)})"),
        ("amount_paid", pl.col("amount_paid").is_not_null() & pl.col("amount").is_null(), "bedrag is geen getal"),
        ("delivery_form", pl.col("delivery_form").is_not_null() & ~pl.col("delivery_form").is_in(list(DELIVERY_FORMS)),
         "leveringsvorm moet ZIN of PGB zijn"),
        ("postcode", pl.col("wijk").is_null() | ~pl.col("wijk").is_in(list(known_wijken)),
         "postcode of wijk ligt buiten de gemeente"),
    ]
    for c in DATE_FIELDS:
        checks.append((c, pl.col(c).is_not_null() & pl.col(f"{c}_d").is_null(), f"geen datum in de vorm {fmt}"))
    for c in ("birth_date", "request_date", "decision_date", "start_date"):
        checks.append((c, pl.col(f"{c}_d") > reference, "datum ligt na de datum van de export"))
    checks.append(("", pl.col("_dup"), "dubbele rij (staat er al eerder)"))
    flags = typed.select("row", *[e.fill_null(False).alias(f"_bad{i}") for i, (_, e, _) in enumerate(checks)])
    names = [f"_bad{i}" for i in range(len(checks))]
    totals = flags.select(*[pl.col(n).sum() for n in names], bad=pl.any_horizontal(names).sum()).row(0)
    problems: list[tuple[int, str, str]] = []
    for i, (col, _, reason) in enumerate(checks):
        if totals[i]:
            rows = flags.filter(pl.col(names[i]))["row"].head(SAMPLE_PROBLEMS)
            problems += [(int(r), col, reason) for r in rows.to_list()]
    good = typed.filter(~flags.select(pl.any_horizontal(names))[:, 0])
    other = {"referrer": int(good.select((pl.col("referrer") == OTHER).sum()).item())}
    return Checked(good, sorted(problems)[:SAMPLE_PROBLEMS], int(sum(totals[:-1])), int(totals[-1]),
                   {k: v for k, v in other.items() if v})


def prepare(good: pl.DataFrame, gemeente: str, reference: date) -> pl.DataFrame:
    """Only what aggregation needs. Identifiers become small integers and the originals are dropped."""
    return good.select(
        pl.col("_law").alias("law"),
        pl.col("client_id").rank("dense").cast(pl.Int64).alias("person"),
        pl.col("household_id").rank("dense").cast(pl.Int64).alias("household"),
        # Age at the reference date; the birth date itself goes no further.
        pl.coalesce(((pl.lit(reference) - pl.col("birth_date_d")).dt.total_days() / 365.25).floor().cast(pl.Int32),
                    pl.col("age_n")).alias("age_at_reference"),
        pl.lit(gemeente).alias("gemeente"),
        # Few distinct values each: categoricals make the many group-bys cheap.
        *[pl.col(c).cast(pl.Categorical) for c in ("wijk", "buurt_code", "route", "product")],
        pl.col("request_date_d").alias("request"), pl.col("decision_date_d").alias("decision"),
        pl.col("start_date_d").alias("start"), pl.col("end_date_d").alias("end"),
        pl.col("end_reason").str.to_lowercase().alias("end_reason"),
        *[pl.col(c).cast(pl.Categorical) for c in ("delivery_form", "referrer")],
        pl.col("amount").fill_null(0.0).alias("amount"),
    )


# ---------------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date


def periods(first_year: int, reference: date) -> list[Period]:
    """Years for the whole range; quarters for the last three years; months for the last 13 months."""
    out = [Period(f"{y}JJ00", date(y, 1, 1), date(y, 12, 31)) for y in range(first_year, reference.year + 1)]
    for y in range(reference.year - 2, reference.year + 1):
        for q in range(1, 5):
            start = date(y, 3 * q - 2, 1)
            if start > reference:
                break
            end = (date(y + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1))
            out.append(Period(f"{y}KW{q:02d}", start, end))
    y, m = reference.year, reference.month
    for _ in range(13):
        start = date(y, m, 1)
        end = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
        out.append(Period(f"{y}MM{m:02d}", start, end))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def _period_table(first_year: int, reference: date, *, years_only: bool = False) -> pl.DataFrame:
    """The periods with an integer id, their kind and ordinal (year, year*4+quarter, year*12+month).

    No quarter or month before ``first_year``: the extract does not cover them, so it must not
    replace them (a small extract of this year keeps the history of the earlier load)."""
    ps = [p for p in periods(first_year, reference) if (not years_only or p.code[4:6] == "JJ")
          and p.start.year >= first_year]
    ordinal = {"JJ": lambda d: d.year, "KW": lambda d: d.year * 4 + (d.month - 1) // 3,
               "MM": lambda d: d.year * 12 + d.month - 1}
    return pl.DataFrame({
        "pid": list(range(len(ps))), "code": [p.code for p in ps], "kind": [p.code[4:6] for p in ps],
        "k": [ordinal[p.code[4:6]](p.start) for p in ps], "p_start": [p.start for p in ps],
        "p_end": [p.end for p in ps]}, schema_overrides={"pid": pl.Int32, "k": pl.Int32})


def _ordinal(d: pl.Expr, kind: str) -> pl.Expr:
    year = d.dt.year().cast(pl.Int32)
    month = d.dt.month().cast(pl.Int32) - 1
    return {"JJ": year, "KW": year * 4 + month // 3, "MM": year * 12 + month}[kind]


def _during(df: pl.DataFrame, per: pl.DataFrame, start: str, end: str | None = None) -> pl.DataFrame:
    """Each row once for every period it falls in: the date ``start``, or the span [start, end]
    with an empty end meaning "still running". Rows get ``period`` (the id), p_start and p_end.

    Per kind of period the row's first and last period number are computed and the range between
    them exploded: much cheaper than comparing every row with every period."""
    df = df.filter(pl.col(start).is_not_null())
    last = pl.col(end).fill_null(date(9999, 12, 31)) if end else pl.col(start)
    frames = []
    for kind in per["kind"].unique(maintain_order=True):
        table = per.filter(pl.col("kind") == kind)
        lo, hi = table["k"].min(), table["k"].max()
        first = _ordinal(pl.col(start), kind).clip(lower_bound=lo)
        final = _ordinal(last, kind).clip(upper_bound=hi)
        part = df.filter(first <= final).with_columns(k=pl.int_ranges(first, final + 1, dtype=pl.Int32)).explode("k")
        frames.append(part.join(table.select(pl.col("pid").alias("period"), "k", "p_start", "p_end"), on="k")
                      .drop("k"))
    return pl.concat(frames) if frames else df.with_columns(
        period=pl.lit(None, pl.Int32), p_start=pl.lit(None, pl.Date), p_end=pl.lit(None, pl.Date))


def _by_region(df: pl.DataFrame, keys: list[str], **aggs: pl.Expr) -> pl.DataFrame:
    """Aggregate per period (and ``keys``) for the municipality, each wijk and each buurt."""
    frames = [df.group_by("period", *keys).agg(**aggs).with_columns(region_code=pl.lit(None, pl.String))]
    for level in ("wijk", "buurt_code"):
        frames.append(df.group_by("period", *keys, level).agg(**aggs).rename({level: "region_code"})
                      .filter(pl.col("region_code").is_not_null())
                      .with_columns(pl.col("region_code").cast(pl.String)))
    return pl.concat(frames, how="diagonal_relaxed")


def _count(df: pl.DataFrame, key: str | None, indicator_id: str, breakdown: str = "") -> pl.DataFrame:
    """Distinct ``key`` values (persons, households) per region and period; rows when key is None."""
    value = (pl.len() if key is None else pl.col(key).n_unique()).cast(pl.Float64)
    out = _by_region(df, ["category"] if breakdown else [], value=value)
    if breakdown:
        out = out.with_columns(pl.col("category").cast(pl.String))
    return out.with_columns(indicator_id=pl.lit(indicator_id), breakdown=pl.lit(breakdown),
                            denominator=pl.lit(None, pl.Float64),
                            **({} if breakdown else {"category": pl.lit("")}))


def _share(df: pl.DataFrame, indicator_id: str, value: pl.Expr) -> pl.DataFrame:
    """A rate over the rows of ``df``; its base (the number of rows) is kept as the denominator."""
    return _by_region(df, [], value=value.cast(pl.Float64), denominator=pl.len().cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


def _person_share(df: pl.DataFrame, indicator_id: str, flag: pl.Expr) -> pl.DataFrame:
    """Percentage of persons for whom ``flag`` holds on any of their rows, per region and period
    (each person counted once per region)."""
    persons = pl.col("person").n_unique()
    return _by_region(df, [], value=100 * pl.col("person").filter(flag).n_unique() / persons,
                      denominator=persons.cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


def _age_group(age: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for lo, hi in reversed(AGE_GROUPS):
        label = f"{lo}+" if hi >= 200 else f"{lo}-{hi}"
        expr = pl.when(age.is_between(lo, hi)).then(pl.lit(label)).otherwise(expr)
    return expr


def _episodes(prov: pl.DataFrame) -> pl.DataFrame:
    """Mark the start and end of each person's episode of care (gaps under 90 days join episodes)."""
    far = date(9999, 12, 31)
    p = prov.sort("person", "start").with_columns(end_f=pl.col("end").fill_null(far))
    p = p.with_columns(prev_end=pl.col("end_f").cum_max().shift(1).over("person"))
    p = p.with_columns(episode_start=pl.col("prev_end").is_null()
                       | (pl.col("prev_end") < pl.col("start") - timedelta(days=INFLOW_GAP_DAYS)))
    p = p.with_columns(episode=pl.col("episode_start").cast(pl.Int32).cum_sum().over("person"))
    p = p.with_columns(episode_end=pl.col("end_f").max().over("person", "episode"))
    return p.with_columns(episode_end=pl.when(pl.col("episode_end") == far).then(None).otherwise(pl.col("episode_end"))
                          ).drop("end_f", "prev_end", "episode")


def law_periods(rows: pl.DataFrame, reference: date, first_year: int | None = None) -> pl.DataFrame:
    """The periods one law's extract covers: from its first request or start (at most 20 years back)."""
    first = rows.select(pl.min_horizontal("request", "start").min()).item() if rows.height else None
    return _period_table(first_year or max(first.year if first else reference.year, reference.year - 20), reference)


def stapeling_periods(rows: pl.DataFrame, reference: date, first_year: int | None = None) -> pl.DataFrame:
    """The years the stapeling figures cover: from the first provision of the laws loaded together."""
    prov = rows.filter(pl.col("start").is_not_null() & pl.col("law").is_in(list(STAPELING_LAWS)))
    first = prov["start"].min().year if prov.height else reference.year
    return _period_table(first_year or max(first, reference.year - 20), reference, years_only=True)


def aggregate(rows: pl.DataFrame, law: str, wanted: list[dict], reference: date,
              first_year: int | None = None) -> pl.DataFrame:
    """Observations for the catalogue entries of one law, for every region and period (from
    ``first_year``; by default the first year in the extract, at most 20 years back)."""
    prov = rows.filter(pl.col("start").is_not_null())
    prov = _episodes(prov) if prov.height else prov.with_columns(
        episode_start=pl.lit(False), episode_end=pl.lit(None, pl.Date))
    per = law_periods(rows, reference, first_year)
    is_year = pl.col("period").is_in(per.filter(pl.col("kind") == "JJ")["pid"].implode())
    active = _during(prov, per, "start", "end")  # provisions running during each period
    requests = _during(rows, per, "request")
    decisions = _during(rows, per, "decision")
    term = LEGAL_TERM_DAYS[law]
    frames: list[pl.DataFrame] = []
    stocks: dict[tuple, pl.DataFrame] = {}
    for w in wanted:
        measure, category, iid = w["measure"], w.get("category") or "", w["id"]
        products = list(PRODUCT_GROUPS.get(category, (category,))) if category and measure != "referrer_share" else None
        act = active.filter(pl.col("product").is_in(products)) if products else active
        base = prov.filter(pl.col("product").is_in(products)) if products else prov
        if measure in ("clients", "households", "cost", "cost_per_client", "pgb_share"):
            stock = _stock(act, products, stocks, reference)
            value = {"clients": pl.col("persons"), "households": pl.col("households"), "cost": pl.col("paid"),
                     "cost_per_client": pl.col("paid") / pl.col("persons"),
                     "pgb_share": 100 * pl.col("pgb_persons") / pl.col("persons")}[measure]
            # Amounts and shares keep the clients behind them as their base, so a figure about a
            # handful of people is hidden.
            base_n = pl.lit(None, pl.Float64) if measure in ("clients", "households") else pl.col("persons")
            frames.append(stock.select("period", "region_code", value=value, denominator=base_n).with_columns(
                indicator_id=pl.lit(iid), breakdown=pl.lit(""), category=pl.lit("")))
            key = "person"
            if measure == "clients" and not category:
                years = act.filter(is_year)
                age = pl.col("age_at_reference") - (reference.year - pl.col("p_end").dt.year())
                frames.append(_count(years.with_columns(category=_age_group(age)), key, iid, "age_group"))
                frames.append(_count(years.with_columns(category=pl.col("product")), key, iid, "product"))
                frames.append(_count(years.filter(pl.col("delivery_form").is_not_null())
                                     .with_columns(category=pl.col("delivery_form")), key, iid, "delivery_form"))
                if law == "jeugd":
                    frames.append(_count(years.filter(pl.col("referrer").is_not_null())
                                         .with_columns(category=pl.col("referrer")), key, iid, "referrer"))
            elif measure == "cost" and not category:
                # Euros per product category and (youth: iJw referrer codes) per referrer, per year.
                years = act.filter(is_year)
                frames.append(_paid_by(years, "product", iid, reference))
                if law == "jeugd":
                    frames.append(_paid_by(years.filter(pl.col("referrer").is_not_null()), "referrer", iid, reference))
        elif measure == "inflow":
            frames.append(_count(_during(base.filter(pl.col("episode_start")), per, "start"), "person", iid))
        elif measure == "outflow":
            frames.append(_count(_during(base, per, "episode_end"), "person", iid))
        elif measure == "requests":
            frames.append(_count(requests, None, iid))
            frames.append(_count(requests.filter(pl.col("route").is_not_null()).with_columns(category=pl.col("route")),
                                 None, iid, "route"))
        elif measure == "maatwerk_share":
            frames.append(_share(decisions.filter(pl.col("route").is_not_null()), iid,
                                 100 * (pl.col("route") == "maatwerk").mean()))
        elif measure in ("wait_decision_median", "wait_over_term_share"):
            wait = (pl.col("decision") - pl.col("request")).dt.total_days()
            value = wait.median() if measure == "wait_decision_median" else 100 * (wait > term).mean()
            frames.append(_share(decisions.filter(pl.col("request").is_not_null()), iid, value))
        elif measure == "referrer_share":
            new = _during(prov.filter(pl.col("episode_start")), per, "start")
            frames.append(_person_share(new, iid, pl.col("referrer") == category))
        elif measure == "completed":
            done = prov.filter(pl.col("end_reason").is_in(list(COMPLETED_REASONS)))
            frames.append(_count(_during(done, per, "end"), None, iid))
        else:
            raise WarehouseError(f"Catalogus, indicator {iid}: onbekende registratiemaat {measure!r}")
    return _finish(frames, per, rows["gemeente"][0] if rows.height else "", reference)


def _stock(act: pl.DataFrame, products: list[str] | None, cache: dict, reference: date) -> pl.DataFrame:
    """Clients, households, euros paid and clients with a PGB per region and period, for one product selection: the
    expensive distinct counts are done once and shared by the measures that need them."""
    key = tuple(products or ())
    if key not in cache:
        cache[key] = _by_region(act, [], persons=pl.col("person").n_unique().cast(pl.Float64),
                                households=pl.col("household").n_unique().cast(pl.Float64),
                                paid=_paid(reference),
                                pgb_persons=pl.col("person").filter(pl.col("delivery_form") == "PGB").n_unique()
                                .cast(pl.Float64))
    return cache[key]


def _paid(reference: date) -> pl.Expr:
    """Euros paid in the period: each amount spread evenly over the days its provision ran."""
    stop = pl.min_horizontal(pl.col("end").fill_null(reference), pl.lit(reference))
    days = ((stop - pl.col("start")).dt.total_days() + 1).clip(lower_bound=1)
    overlap = ((pl.min_horizontal(stop, pl.col("p_end")) - pl.max_horizontal("start", "p_start"))
               .dt.total_days() + 1).clip(lower_bound=0)
    return (pl.col("amount") * overlap / days).sum()


def _paid_by(years: pl.DataFrame, column: str, indicator_id: str, reference: date) -> pl.DataFrame:
    """Euros paid per category of ``column`` (breakdown of the same name), per region and year; the
    clients behind each amount are its base, so an amount about a handful of people is hidden."""
    out = _by_region(years.with_columns(category=pl.col(column)), ["category"], value=_paid(reference),
                     denominator=pl.col("person").n_unique().cast(pl.Float64))
    return out.with_columns(pl.col("category").cast(pl.String), indicator_id=pl.lit(indicator_id),
                            breakdown=pl.lit(column))


def _finish(frames: list[pl.DataFrame], per: pl.DataFrame, gemeente: str, reference: date) -> pl.DataFrame:
    cols = ["indicator_id", "region_code", "period", "breakdown", "category", "value", "denominator"]
    frames = [f.select(cols) for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(cols[:5], pl.String) | {"value": pl.Float64, "denominator": pl.Float64,
                                                                      "status": pl.String})
    obs = pl.concat(frames, how="diagonal_relaxed").join(
        per.select(pl.col("pid").alias("period"), "code", "p_end"), on="period", how="left")
    status = pl.when(pl.col("p_end") >= pl.lit(reference)).then(pl.lit("provisional")).otherwise(pl.lit("final"))
    return obs.with_columns(status=status, region_code=pl.col("region_code").fill_null(gemeente),
                            category=pl.col("category").cast(pl.String)).drop("p_end", "period").rename(
        {"code": "period"}).select(*cols, "status")


def stapeling(rows: pl.DataFrame, wanted: list[dict], reference: date, first_year: int | None = None) -> pl.DataFrame:
    """Households (and their decisions) per combination of Wmo, youth care and Participatiewet."""
    prov = rows.filter(pl.col("start").is_not_null() & pl.col("law").is_in(list(STAPELING_LAWS)))
    per = stapeling_periods(rows, reference, first_year)
    active = _during(prov, per, "start", "end")
    order = {law: i for i, law in enumerate(STAPELING_LAWS)}
    combo = (pl.col("laws").list.eval(pl.element().replace_strict(order, return_dtype=pl.Int32)).list.sort()
             .list.eval(pl.element().replace_strict({v: k for k, v in order.items()}, return_dtype=pl.String))
             .list.join("+"))
    frames = []
    # A household is counted in the wijk (and buurt) of each of its provisions, so group per level.
    for level in (None, "wijk", "buurt_code"):
        keys = ["period", "household"] + ([level] if level else [])
        hh = active.group_by(keys).agg(laws=pl.col("law").unique(), decisions=pl.len())
        hh = hh.with_columns(combo=combo, n_laws=pl.col("laws").list.len(),
                             region_code=pl.col(level).cast(pl.String) if level else pl.lit(None, pl.String))
        hh = hh.filter(pl.col("region_code").is_not_null()) if level else hh
        for w in wanted:
            m, iid = w["measure"], w["id"]
            if m == "households":
                frames.append(_level_count(hh, iid, ""))
                frames.append(_level_count(hh.with_columns(category=pl.col("combo")), iid, "laws"))
            elif m == "households_multi":
                frames.append(_level_count(hh.filter(pl.col("n_laws") >= 2), iid, ""))
            elif m == "beschikkingen_per_household":
                frames.append(hh.group_by("period", "region_code").agg(
                    value=pl.col("decisions").mean(), denominator=pl.len().cast(pl.Float64)).with_columns(
                    indicator_id=pl.lit(iid), breakdown=pl.lit(""), category=pl.lit("")))
            else:
                raise WarehouseError(f"Catalogus, indicator {iid}: onbekende stapelingsmaat {m!r}")
    return _finish(frames, per, rows["gemeente"][0] if rows.height else "", reference)


def _level_count(hh: pl.DataFrame, indicator_id: str, breakdown: str) -> pl.DataFrame:
    keys = ["period", "region_code"] + (["category"] if breakdown else [])
    return hh.group_by(keys).agg(value=pl.len().cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(breakdown), denominator=pl.lit(None, pl.Float64),
        **({} if breakdown else {"category": pl.lit("")}))


def protect(obs: pl.DataFrame, indicators: pl.DataFrame, s: settings_mod.Settings) -> pl.DataFrame:
    """Suppress small cells before anything is stored, and every cell that would let a hidden one be
    computed back over areas, categories and periods (domain.suppression.protect)."""
    return protect_cells(obs, indicators, s)


# ---------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------
def read_postcodes(data: bytes, name: str = "postcodes") -> pl.DataFrame:
    if not data.strip():
        raise ExtractRefused(f"{name}: de postcodetabel is leeg")
    try:
        pc = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except Exception as exc:
        raise ExtractRefused(f"{name}: de postcodetabel is geen leesbaar CSV-bestand") from exc
    missing = {"postcode", "wijk_code"} - set(pc.columns)
    if missing:
        raise ExtractRefused(f"{name}: kolommen ontbreken: {sorted(missing)} (nodig: postcode, wijk_code; "
                             "buurt_code en namen mogen)")
    for col in ("buurt_code", "buurt_name", "wijk_name", "gemeente_code", "gemeente_name"):
        if col not in pc.columns:
            pc = pc.with_columns(pl.lit(None, pl.String).alias(col))
    return pc.with_columns(postcode=pl.col("postcode").str.replace_all(" ", "").str.to_uppercase(),
                           wijk_from_pc=pl.col("wijk_code").str.to_uppercase())


def _regions_rows(pc: pl.DataFrame, gemeente: str, gemeente_name: str | None) -> pl.DataFrame:
    wijken = pc.group_by("wijk_from_pc").agg(pl.col("wijk_name").first()).select(
        region_code="wijk_from_pc", name=pl.coalesce("wijk_name", "wijk_from_pc"), level=pl.lit("wijk"),
        parent_code=pl.lit(gemeente), gemeente_code=pl.lit(gemeente))
    buurten = pc.filter(pl.col("buurt_code").is_not_null()).group_by("buurt_code").agg(
        pl.col("buurt_name").first(), pl.col("wijk_from_pc").first()).select(
        region_code="buurt_code", name=pl.coalesce("buurt_name", "buurt_code"), level=pl.lit("buurt"),
        parent_code="wijk_from_pc", gemeente_code=pl.lit(gemeente))
    gm = pl.DataFrame([{"region_code": gemeente, "name": gemeente_name or gemeente, "level": "gemeente",
                        "parent_code": "NL01", "gemeente_code": gemeente}])
    return pl.concat([gm, wijken, buurten])


def load(extracts: list[Extract], postcodes: bytes, *, gemeente: str | None, warehouse: Path,
         catalogue_path: Path | None = None, reference_date: date | None = None, max_errors: int | None = None,
         settings: settings_mod.Settings | None = None, first_year: int | None = None,
         stage: bool | None = None, demo: bool = False, limits: ReaderLimits | None = None) -> LoadReport:
    """Check, count and publish one or more extracts together. Nothing is written unless all pass.

    Each law replaces only the periods its extract covers. ``stage=True`` builds the release without
    making it current (the upload page then shows a preview; see warehouse.publication.confirm)."""
    reference = reference_date or date.today()
    s = settings or settings_mod.load(warehouse)
    limits = limits or ReaderLimits.from_env()
    cat = catalogue_mod.load(catalogue_path)
    indicators = cat.to_frame()
    release = current_release(warehouse)
    gemeente = gemeente or (release.meta.get("gemeente") if release else None)
    if not gemeente:
        raise ExtractRefused("Welke gemeente? Geef --gemeente GMxxxx (of laad eerst CBS-cijfers of de demo)")
    pc = read_postcodes(postcodes)
    gm_names = pc.filter(pl.col("gemeente_code") == gemeente)["gemeente_name"].drop_nulls()
    known = set(pc["wijk_from_pc"].drop_nulls().to_list())
    if release is not None:
        regs = release.table("regions")
        known |= set(regs.filter((pl.col("level") == "wijk") & (pl.col("gemeente_code") == gemeente))["region_code"])
    report = LoadReport()
    prepared = []
    for ex in extracts:
        if ex.law not in LAWS:
            raise ExtractRefused(f"{ex.name}: onbekende wet {ex.law!r} (een van {', '.join(LAWS)})")
        profile = load_profile(ex.profile)
        raw = read_raw(ex, profile, limits)
        if raw.height == 0:
            raise ExtractRefused(f"{ex.name}: het bestand heeft een kopregel maar geen rijen")
        checked = validate(raw, ex.law, profile, pc, reference, known)
        # The README's promise: nothing is loaded when more than 1% of the rows have a problem.
        limit = max_errors if max_errors is not None else raw.height // 100
        report.rows[ex.law], report.skipped[ex.law] = raw.height, checked.bad_rows
        report.problems[ex.law], report.problem_counts[ex.law] = checked.problems, checked.problem_count
        if checked.other:
            report.other[ex.law] = checked.other
        first = "; ".join(f"rij {r}, kolom {c or '-'}: {why}" for r, c, why in checked.problems[:5])
        if checked.problem_count > limit:
            raise ExtractRefused(
                f"{ex.name}: {_n(checked.problem_count)} problemen in {_n(checked.bad_rows)} van de {_n(raw.height)} "
                f"rijen, meer dan de grens van {_n(limit)} "
                f"({'--max-errors' if max_errors is not None else '1% van de rijen'}); er is niets geladen. "
                f"Eerste: {first}", checked.problems, checked.problem_count)
        if checked.good.height == 0:
            raise ExtractRefused(f"{ex.name}: geen enkele rij is bruikbaar; er is niets geladen. Eerste: {first}",
                                 checked.problems, checked.problem_count)
        prepared.append(checked.good.with_columns(pl.lit(ex.law).alias("_law")))
        del raw, checked
    # Ids are coded together, so one household is the same number in every law (for stapeling).
    rows = prepare(pl.concat(prepared, how="diagonal_relaxed"), gemeente, reference)
    del prepared  # the person-level frames are not needed any more
    frames, covered = [], {}
    for law in sorted(set(rows["law"])):
        wanted = [{"id": e["id"], **e["source"]["registry"]} for e in cat.by_source("registry")
                  if e["source"]["registry"]["law"] == law]
        law_rows = rows.filter(pl.col("law") == law)
        covered[f"registry:{law}"] = law_periods(law_rows, reference, first_year)["code"].to_list()
        frames.append(aggregate(law_rows, law, wanted, reference, first_year).with_columns(
            source_id=pl.lit(f"registry:{law}")))
    laws_loaded = set(rows["law"]) & set(STAPELING_LAWS)
    if len(laws_loaded) >= 2:  # households across laws can only be counted while the ids are in memory
        wanted = [{"id": e["id"], **e["source"]["registry"]} for e in cat.by_source("registry")
                  if e["source"]["registry"]["law"] == "stapeling"]
        covered["registry:stapeling"] = stapeling_periods(rows, reference, first_year)["code"].to_list()
        frames.append(stapeling(rows, wanted, reference, first_year).with_columns(source_id=pl.lit("registry:stapeling")))
    del rows
    obs = protect(pl.concat(frames, how="diagonal_relaxed"), indicators, s)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sources = pl.DataFrame([{
        "source_id": sid, "kind": "registry", "title": f"Eigen registratie {sid.split(':')[1]}", "table_id": "",
        "url": "", "release": reference.isoformat(), "loaded_at": now,
        "checksum": hashlib.sha256(b"".join(e.data for e in extracts)).hexdigest()[:16],
        "rows": int(obs.filter(pl.col("source_id") == sid).height),
    } for sid in sorted(covered)], schema=SOURCE_SCHEMA)
    meta = {} if release and release.meta.get("gemeente") else {"gemeente": gemeente}
    rel = publish(warehouse, indicators=indicators, observations=obs, sources=sources,
                  regions=_regions_rows(pc, gemeente, gm_names[0] if gm_names.len() else None),
                  replace_periods=covered, files={POSTCODES_FILE: postcodes},
                  meta=meta | ({"demo": True} if demo else {}), stage=stage)
    report.observations, report.release, report.staged = obs.height, rel.id, bool(rel.meta.get("staged"))
    return report


def stored_postcodes(warehouse: Path) -> bytes | None:
    """The postcode table of the last registry load (kept in the release), if any."""
    release = current_release(warehouse)
    for path in ([release.path / "files" / POSTCODES_FILE] if release else []) + [warehouse / POSTCODES_FILE]:
        if path.exists():
            return path.read_bytes()
    return None


def save_postcodes(warehouse: Path, data: bytes) -> None:
    """Keep a postcode table beside the warehouse (the demo does, so an uploaded demo extract finds its wijken)."""
    tmp = warehouse / f".{POSTCODES_FILE}.tmp"
    tmp.write_bytes(data)
    tmp.replace(warehouse / POSTCODES_FILE)


def load_demo(extracts: dict[str, bytes], postcodes: bytes, *, gemeente: str, warehouse: Path,
              catalogue_path: Path | None, reference_date: date, first_year: int) -> LoadReport:
    """The demo's in-memory extracts through the same load as real files."""
    return load([Extract(law, f"demo-{law}.csv", data) for law, data in extracts.items()], postcodes,
                gemeente=gemeente, warehouse=warehouse, catalogue_path=catalogue_path, reference_date=reference_date,
                first_year=first_year, demo=True)


def register(sub, common) -> None:
    p = sub.add_parser("registry", parents=[common],
                       help="load registry extracts (Wmo, jeugd, Participatiewet, schuldhulp); only counts are kept")
    p.add_argument("file", nargs="?", type=Path, help="one extract (CSV or Excel); use with --law")
    p.add_argument("--law", choices=LAWS, help="the law of FILE")
    for law in LAWS:
        p.add_argument(f"--{law}", type=Path, metavar="FILE", help=f"{law} extract (several laws in one run "
                       "also give the stapeling figures)")
    p.add_argument("--postcodes", type=Path, help="CSV postcode,wijk_code[,buurt_code,wijk_name,buurt_name,"
                   "gemeente_code,gemeente_name] (default: the table of the previous registry load)")
    p.add_argument("--profile", default="standaard", help="column profile: a name in data/profiles or a file")
    p.add_argument("--sheet", help="the sheet to read from an Excel file with several sheets")
    p.add_argument("--gemeente", help="municipality code (default: the one of the current release)")
    p.add_argument("--reference-date", type=date.fromisoformat, default=None,
                   help="date of the extract (default today); later dates are errors, the current period provisional")
    p.add_argument("--from-year", type=int, default=None,
                   help="first year to count (default: the first year in the extract, at most 20 years back)")
    p.add_argument("--max-errors", type=int, default=None, help="refuse the load above this many problems, "
                   "all checks counted together (default 1%% of the rows)")
    p.set_defaults(func=run)


def other_lines(report: LoadReport, law: str) -> list[str]:
    """Rows whose code was not in the code list and was counted as "overig", in Dutch."""
    labels = {"referrer": "verwijzer: geen iJw-verwijzercode"}
    return [f"{labels[f]} in {_n(n)} rijen; geteld als 'overig'"
            for f, n in report.other.get(law, {}).items()]


def run(args) -> int:
    files: list[tuple[str, Path]] = []
    if args.file:
        if not args.law:
            raise ExtractRefused("Geef --law wmo|jeugd|participatie|schuldhulp bij het bestand")
        files.append((args.law, args.file))
    files += [(law, getattr(args, law)) for law in LAWS if getattr(args, law)]
    if not files:
        raise ExtractRefused("Geen bestand opgegeven: BESTAND --law WET, of --wmo/--jeugd/--participatie/--schuldhulp "
                             "BESTAND")
    extracts = []
    for law, path in files:
        if not path.exists():
            raise FileNotFoundError(f"Bestand niet gevonden: {path}")
        check_size(path.stat().st_size, str(path))  # before reading a huge file into memory
        extracts.append(Extract(law, path.name, path.read_bytes(), args.profile, args.sheet))
    wh = settings_mod.load(args.warehouse).warehouse
    if args.postcodes:
        if not args.postcodes.exists():
            raise FileNotFoundError(f"Bestand niet gevonden: {args.postcodes}")
        postcodes = args.postcodes.read_bytes()
    elif (postcodes := stored_postcodes(wh)) is None:
        raise ExtractRefused("Geef --postcodes BESTAND: er is geen postcodetabel van een eerdere keer laden")
    try:
        report = load(extracts, postcodes, gemeente=args.gemeente, warehouse=wh,
                      catalogue_path=args.catalogue, reference_date=args.reference_date, max_errors=args.max_errors,
                      first_year=args.from_year)
    except ExtractRefused as exc:
        for row, col, why in exc.problems[:50]:
            print(f"  rij {row}, kolom {col or '-'}: {why}")
        raise
    for law, n in report.rows.items():
        print(f"{law}: {n} rijen gelezen, {report.skipped[law]} overgeslagen ({report.problem_counts[law]} problemen)")
        for row, col, why in report.problems[law][:20]:
            print(f"  rij {row}, kolom {col or '-'}: {why}")
        for line in other_lines(report, law):
            print(f"  {line}")
    print(f"Geteld: {report.observations} cijfers (versie {report.release}). Er zijn geen persoonsgegevens bewaard.")
    return 0
