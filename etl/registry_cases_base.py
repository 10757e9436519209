"""What the two registry extracts that are not about provisions share: complaints, objections, appeals and
court cases (:mod:`etl.registry_cases`) and debt-help early-warning signals (:mod:`etl.registry_signals`).

Both are read with the reader and limits of the other registry extracts (:mod:`etl.registry_read`), mapped by
a section of the column profile (``[cases.columns]``, ``[signals.columns]``; see data/profiles/standaard.toml),
checked row by row (a message names the row and the column, never a value from the row) and counted per
year for the municipality and each wijk. Columns the section does not map (a client id, a name) are
dropped unread, so they never reach memory beyond the parser, let alone the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from etl.registry_read import MAX_YEARS_BACK, Extract, ExtractRefused, ReaderLimits, profile_document, read_table


@dataclass(frozen=True)
class Kind:
    """One extract kind: its key (``Extract.law``, the profile section, the source id ``registry:<key>``),
    its standard fields, the fields without which the file is refused, and its Dutch name."""

    key: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    label: str


def load_section(profile: str | Path, kind: Kind) -> dict:
    """The profile's ``[<kind>]`` section: its column names, value tables and (if it sets them) its own
    delimiter, encoding and date format; otherwise those of the profile."""
    path, doc = profile_document(profile)
    section = doc.get(kind.key)
    if not isinstance(section, dict) or not section.get("columns"):
        raise ExtractRefused(f"Kolomprofiel {path.name} heeft geen deel [{kind.key}.columns] voor {kind.label}. "
                             f"Voeg het toe (zie data/profiles/standaard.toml) of kies een ander profiel.")
    unknown = set(section["columns"]) - set(kind.fields)
    if unknown:
        raise ExtractRefused(f"Kolomprofiel {path.name}, deel [{kind.key}.columns]: onbekende standaardvelden "
                             f"{sorted(unknown)}")
    return {"name": doc.get("name", path.stem), "columns": section["columns"],
            "delimiter": section.get("delimiter", doc.get("delimiter", ",")),
            "encoding": section.get("encoding", doc.get("encoding", "utf-8")),
            "date_format": section.get("date_format", doc.get("date_format", "%Y-%m-%d")),
            "values": section.get("values", {})}


def read(ex: Extract, section: dict, kind: Kind, limits: ReaderLimits | None = None) -> pl.DataFrame:
    """The extract as strings in the kind's standard fields (empty cells as null), with its row number."""
    raw = read_table(ex, section, limits or ReaderLimits.from_env())
    if raw.height == 0:
        raise ExtractRefused(f"{ex.name}: het bestand heeft een kopregel maar geen rijen")
    mapping = {src: std for std, src in section["columns"].items()}
    missing = [f"{section['columns'].get(f, 'niet in het profiel')} ({f})" for f in kind.required
               if section["columns"].get(f) not in raw.columns]
    if missing:
        # The header found is not repeated: in a file without a header it would be a person's data.
        raise ExtractRefused(f"{ex.name}: verplichte kolommen voor {kind.label} ontbreken: {', '.join(missing)}. "
                             f"Is dit het goede kolomprofiel ({section['name']})?")
    df = raw.select([pl.col(src).alias(std) for src, std in mapping.items() if src in raw.columns])
    del raw  # unmapped columns (a client id, a name) go no further
    df = df.with_columns([pl.lit(None, pl.String).alias(f) for f in kind.fields if f not in df.columns])
    df = df.select([pl.col(f).cast(pl.String).str.strip_chars().replace("", None) for f in kind.fields])
    for f, table in section["values"].items():
        if f in df.columns:
            df = df.with_columns(pl.col(f).replace(table))
    return df.with_row_index("row", offset=2)  # row 1 is the header


def parse_date(column: str, fmt: str) -> pl.Expr:
    return pl.col(column).str.strptime(pl.Date, fmt, strict=False)


def lower_code(column: str) -> pl.Expr:
    """A code written with capitals or spaces ("Hoger beroep") as the monitor writes it (hoger_beroep)."""
    return pl.col(column).str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


def with_wijk(df: pl.DataFrame, postcodes: pl.DataFrame) -> pl.DataFrame:
    """A ``wijk`` column from the postcode (through the postcode table) or else the wijk code."""
    pc = df.with_columns(pc=pl.col("postcode").str.replace_all(" ", "").str.to_uppercase())
    pc = pc.join(postcodes.select(pl.col("postcode").alias("pc"), "wijk_from_pc"), on="pc", how="left")
    return pc.with_columns(wijk=pl.coalesce("wijk_from_pc", pl.col("wijk_code").str.to_uppercase())).drop(
        "pc", "wijk_from_pc")


def date_checks(dates: dict[str, str], fmt: str, reference: date) -> list[tuple[str, pl.Expr, str]]:
    """For each date column (written -> parsed): a value that is no date in ``fmt``, or a date after the export."""
    out: list[tuple[str, pl.Expr, str]] = []
    for col, parsed in dates.items():
        out.append((col, pl.col(col).is_not_null() & pl.col(parsed).is_null(), f"geen datum in de vorm {fmt}"))
        out.append((col, pl.col(parsed) > reference, "datum ligt na de datum van de export"))
    return out


def place_check(known_wijken: set[str]) -> tuple[str, pl.Expr, str]:
    """A postcode or wijk that was given must lie in the municipality (both may be empty)."""
    given = pl.col("postcode").is_not_null() | pl.col("wijk_code").is_not_null()
    return ("postcode", given & (pl.col("wijk").is_null() | ~pl.col("wijk").is_in(sorted(known_wijken))),
            "postcode of wijk ligt buiten de gemeente")


def first_year(dates: pl.Series, reference: date, first: int | None = None) -> int:
    """The first year an extract covers: its first date, at most MAX_YEARS_BACK years back."""
    if first:
        return first
    lo = dates.drop_nulls().min()
    return max(lo.year if lo else reference.year, reference.year - MAX_YEARS_BACK)


def year_codes(first: int, reference: date) -> list[str]:
    return [f"{y}JJ00" for y in range(first, reference.year + 1)]


def per_year(df: pl.DataFrame, column: str, first: int, reference: date) -> pl.DataFrame:
    """The rows whose ``column`` date falls in a covered year, with that year as ``period``."""
    return df.filter(pl.col(column).is_not_null() & pl.col(column).dt.year().is_between(first, reference.year)) \
        .with_columns(period=pl.format("{}JJ00", pl.col(column).dt.year()))


def by_region(df: pl.DataFrame, keys: list[str], wijken: bool, **aggs: pl.Expr) -> pl.DataFrame:
    """Aggregate per period (and ``keys``) for the municipality and, if asked, each known wijk."""
    frames = [df.group_by("period", *keys).agg(**aggs).with_columns(region_code=pl.lit(None, pl.String))]
    if wijken:
        frames.append(df.filter(pl.col("wijk").is_not_null()).group_by("period", *keys, "wijk").agg(**aggs)
                      .rename({"wijk": "region_code"}))
    return pl.concat(frames, how="diagonal_relaxed")


def count(df: pl.DataFrame, indicator_id: str, wijken: bool, breakdown: str = "") -> pl.DataFrame:
    """Rows per region and period (per ``category`` when a breakdown is named)."""
    out = by_region(df, ["category"] if breakdown else [], wijken, value=pl.len().cast(pl.Float64))
    return out.with_columns(indicator_id=pl.lit(indicator_id), breakdown=pl.lit(breakdown),
                            denominator=pl.lit(None, pl.Float64),
                            **({} if breakdown else {"category": pl.lit("")}))


def share(df: pl.DataFrame, indicator_id: str, flag: pl.Expr, wijken: bool) -> pl.DataFrame:
    """Percentage of the rows of ``df`` for which ``flag`` holds; the number of rows is its base."""
    out = by_region(df, [], wijken, value=(100 * flag.cast(pl.Float64).mean()),
                    denominator=pl.len().cast(pl.Float64))
    return out.with_columns(indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


def median(df: pl.DataFrame, indicator_id: str, value: pl.Expr, wijken: bool) -> pl.DataFrame:
    """The median of ``value`` over the rows of ``df``; the number of rows is its base."""
    out = by_region(df, [], wijken, value=value.median().cast(pl.Float64), denominator=pl.len().cast(pl.Float64))
    return out.with_columns(indicator_id=pl.lit(indicator_id), breakdown=pl.lit(""), category=pl.lit(""))


COLUMNS = ["indicator_id", "region_code", "period", "breakdown", "category", "value", "denominator"]


def finish(frames: list[pl.DataFrame], gemeente: str, reference: date) -> pl.DataFrame:
    """The observations: the municipality's code filled in, the year of the export date provisional."""
    frames = [f.select(COLUMNS) for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS[:5], pl.String) | {
            "value": pl.Float64, "denominator": pl.Float64, "status": pl.String})
    obs = pl.concat(frames, how="diagonal_relaxed")
    # As the other registry figures: the year the export date falls in is provisional (late entries follow).
    provisional = pl.col("period") == f"{reference.year}JJ00"
    return obs.with_columns(region_code=pl.col("region_code").fill_null(gemeente),
                            category=pl.col("category").cast(pl.String),
                            status=pl.when(provisional).then(pl.lit("provisional")).otherwise(pl.lit("final")))


def wanted(entries: list[dict], kind: Kind) -> list[dict]:
    """The catalogue entries computed from this kind of extract: id, measure and category."""
    return [{"id": e["id"], **e["source"]["registry"]} for e in entries
            if e["source"]["registry"]["law"] == kind.key]
