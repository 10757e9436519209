"""Reading a registry extract: its standard fields and code lists, the reader limits, the profiles that
map a source system's columns, reading CSV and Excel (size checked before parsing) and validating rows.
Part of :mod:`etl.registry` (which documents the privacy rules); its names stay importable from there."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

import settings as settings_mod
from domain.laws import PRODUCTS
from etl.registry_codes import OTHER, end_reason
from warehouse.releases import WarehouseError

LAWS = ("wmo", "jeugd", "participatie", "schuldhulp")
# Laws whose households are counted together when two or more are loaded at once. The combinations of
# stapeling_households are over the first three; debt help has its own figure (households_debt_multi).
STAPELING_LAWS = ("wmo", "jeugd", "participatie", "schuldhulp")
CORE_STAPELING_LAWS = STAPELING_LAWS[:3]
FIELDS = ("client_id", "household_id", "birth_date", "age", "postcode", "wijk_code", "request_date", "decision_date",
          "route", "product_code", "start_date", "end_date", "end_reason", "delivery_form", "provider", "referrer",
          "amount_paid", "goal_reached")
DATE_FIELDS = ("birth_date", "request_date", "decision_date", "start_date", "end_date")
ROUTES = ("eigen_netwerk", "algemene_voorziening", "maatwerk", "afgewezen")
DELIVERY_FORMS = ("ZIN", "PGB")
# iJw referrer codes (domain.md); anything else is counted as OTHER, never kept as text.
REFERRERS = ("01", "02", "03", "04", "05", "06", "08")
# The default legal terms per law; a load uses the settings (MSD_TERM_*, settings.LegalTerms).
COMPLETED_REASONS = ("afgerond", "schuldregeling")
GOAL_REACHED = {"ja": "ja", "j": "ja", "yes": "ja", "1": "ja", "nee": "nee", "n": "nee", "no": "nee", "0": "nee"}
AGE_GROUPS = [(0, 3), (4, 11), (12, 17), (18, 26), (27, 64), (65, 74), (75, 84), (85, 200)]
INFLOW_GAP_DAYS = 90
MAX_YEARS_BACK = 20  # an extract covers at most this many years back from its export date
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



def profile_document(profile: str | Path) -> tuple[Path, dict]:
    """The profile file (a name in data/profiles or a path) and its parsed TOML; refused when it is missing."""
    path = Path(profile)
    if not path.suffix:
        path = PROFILES_DIR / f"{profile}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
        raise ExtractRefused(f"Kolomprofiel {profile!s} bestaat niet (bekende profielen: {known})")
    return path, tomllib.loads(path.read_text(encoding="utf-8"))


def load_profile(profile: str | Path) -> dict:
    path, doc = profile_document(profile)
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


def read_table(ex: Extract, profile: dict, limits: ReaderLimits) -> pl.DataFrame:
    """The file as a table of strings (Excel or CSV, as the profile says), its size and shape within the limits."""
    check_size(len(ex.data), ex.name, limits)
    if ex.data[:4] == b"PK\x03\x04":
        raw = _read_excel(ex, limits)
    else:
        if b"\x00" in ex.data[:65536]:
            raise ExtractRefused(f"{ex.name}: dit is geen CSV- of Excel-bestand (binaire inhoud)")
        raw = _read_csv(ex, profile, limits)
    _check_shape(ex.name, raw.height, raw.width, limits)
    return raw


def read_raw(ex: Extract, profile: dict, limits: ReaderLimits | None = None) -> pl.DataFrame:
    """The extract as strings, columns renamed to the standard fields."""
    raw = read_table(ex, profile, limits or ReaderLimits.from_env())
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
           _code("referrer", REFERRERS).alias("referrer"),
           end_reason(law).alias("end_reason"),
           pl.col("goal_reached").str.to_lowercase().replace_strict(GOAL_REACHED, default=None).alias("goal")])
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
        ("goal_reached", pl.col("goal_reached").is_not_null() & pl.col("goal").is_null(),
         "doel bereikt moet ja, nee of leeg zijn"),
        ("postcode", pl.col("wijk").is_null() | ~pl.col("wijk").is_in(list(known_wijken)),
         "postcode of wijk ligt buiten de gemeente"),
    ]
    for c in DATE_FIELDS:
        checks.append((c, pl.col(c).is_not_null() & pl.col(f"{c}_d").is_null(), f"geen datum in de vorm {fmt}"))
    for c in ("birth_date", "request_date", "decision_date", "start_date"):
        checks.append((c, pl.col(f"{c}_d") > reference, "datum ligt na de datum van de export"))
    checks.append(("", pl.col("_dup"), "dubbele rij (staat er al eerder)"))
    return run_checks(typed, checks, {f: pl.col(f) == OTHER for f in ("referrer", "end_reason")})


def run_checks(df: pl.DataFrame, checks: list[tuple[str, pl.Expr, str]], other: dict[str, pl.Expr]) -> Checked:
    """Every check on every row; problems as (row, column, reason), never the value. ``other`` counts the
    good rows whose code was counted as "overig" (per field)."""
    names = [f"_bad{i}" for i in range(len(checks))]
    flags = df.select("row", *[e.fill_null(False).alias(n) for n, (_, e, _) in zip(names, checks, strict=True)])
    totals = flags.select(*[pl.col(n).sum() for n in names], bad=pl.any_horizontal(names).sum()).row(0)
    problems: list[tuple[int, str, str]] = []
    for i, (col, _, reason) in enumerate(checks):
        if totals[i]:
            rows = flags.filter(pl.col(names[i]))["row"].head(SAMPLE_PROBLEMS)
            problems += [(int(r), col, reason) for r in rows.to_list()]
    good = df.filter(~flags.select(pl.any_horizontal(names))[:, 0])
    counted = {f: int(good.select(e.sum()).item()) for f, e in other.items()}
    return Checked(good, sorted(problems)[:SAMPLE_PROBLEMS], int(sum(totals[:-1])), int(totals[-1]),
                   {k: v for k, v in counted.items() if v})


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
        # A reason or a goal only counts for a provision that ended (a planned end is no outcome yet).
        *[pl.when(pl.col("end_date_d").is_null()).then(None).otherwise(pl.col(c)).cast(pl.Categorical).alias(a)
          for c, a in (("end_reason", "end_reason"), ("goal", "goal_reached"))],
        # Days from the 18th birthday to the end of the provision (the transition to adult support).
        (pl.col("end_date_d") - pl.col("birth_date_d").dt.offset_by("18y")).dt.total_days().alias("end_after_18"),
        *[pl.col(c).cast(pl.Categorical) for c in ("delivery_form", "referrer")],
        # An organisation's name, for the provider counts; kept only in memory (etl.registry_effect.providers).
        pl.when(pl.col("delivery_form") == "PGB").then(None).otherwise(pl.col("provider")).alias("provider"),
        pl.col("amount").fill_null(0.0).alias("amount"),
    )
