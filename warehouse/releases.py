"""The warehouse layout and its read side: Parquet tables per release, a DuckDB file with views.

Layout of a warehouse directory::

    current -> releases/<release_id>       (symlink, swapped atomically)
    releases/<release_id>/
        observations.parquet indicators.parquet regions.parquet sources.parquet memberships.parquet
        boundaries/<name>.geojson  files/<name>
        release.json                         (id, created_at, demo flag, members, region, peers)
        monitor.duckdb                       (views over the Parquet files, relative paths)
    staged/<release_id>/                     (built and checked, not yet confirmed; same layout)
    pins/<release_id>/<holder>               (a published dossier keeps its release)

This module holds the tables' schemas and the rules a release must meet, and finds and opens releases
(current, by id, staged, all). Writing them — publish, stage, confirm, discard, restore, pins, pruning —
is :mod:`warehouse.publication`; what a staged release would change is :mod:`warehouse.preview`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

STAGED = "staged"  # folder of releases built and checked but not (yet) confirmed

OBSERVATION_SCHEMA: dict[str, pl.DataType] = {
    "indicator_id": pl.String(),
    "region_code": pl.String(),
    "period": pl.String(),
    # breakdown/category split a figure (e.g. breakdown "product", category "02"); "" means total.
    "breakdown": pl.String(),
    "category": pl.String(),
    "value": pl.Float64(),
    # People behind a rate or percentage; the query layer suppresses rates on a small base.
    "denominator": pl.Float64(),
    "status": pl.String(),
    "source_id": pl.String(),
}
OBSERVATION_KEY = ["indicator_id", "region_code", "period", "breakdown", "category"]

REGION_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "name": pl.String(),
    "level": pl.String(),  # land, provincie, jeugdregio, gemeente, wijk, buurt
    "parent_code": pl.String(),
    "gemeente_code": pl.String(),
    "boundary_year": pl.Int32(),
}

SOURCE_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "kind": pl.String(),  # cbs, wsjg, registry, population, demo
    "title": pl.String(),
    "table_id": pl.String(),
    "url": pl.String(),
    "release": pl.String(),  # the publisher's release / modified date
    "loaded_at": pl.String(),
    "checksum": pl.String(),
    "rows": pl.Int64(),
}

# A gemeente lies in several regions at once (province, COROP, youth region, labour-market region):
# one row per gemeente and region, beside the single parent_code of the regions table.
MEMBERSHIP_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),  # the gemeente
    "group_code": pl.String(),  # the region it lies in (PVnn, CRnn, JZnn, AMnn)
    "level": pl.String(),
    "year": pl.Int32(),  # the year of the CBS classification
}

STATUSES = ("final", "provisional", "suppressed", "unknown")
LEVELS = ("land", "provincie", "corop", "jeugdregio", "arbeidsmarktregio", "regio", "gemeente", "wijk", "buurt")
PERIOD_RE = re.compile(r"^\d{4}(JJ00|SJ00|HJ0[12]|KW0[1-4]|MM(0[1-9]|1[0-2]))$")
# RGnnnn: a region of the installation's own that has no CBS code (level "regio").
REGION_RE = re.compile(r"^(NL0[01]|PV\d{2}|CR\d{2}|JZ\d{2}|AM\d{2}|RG\d{4}|GM\d{4}|WK\d{6}|BU\d{8})$")

TABLES = ("observations", "indicators", "regions", "sources", "memberships")


def members_of(meta: dict) -> list[str]:
    """The installation's own municipalities, the home municipality first. A release written before regions
    existed names one ``gemeente``: it is a region of one."""
    members = [str(m) for m in meta.get("members") or []]
    home = meta.get("gemeente")
    if home and home not in members:
        members.insert(0, home)
    return members


def region_of(meta: dict) -> dict | None:
    """The region the members form ({"code", "name"}), or None for a single municipality. ``code`` is the
    region's CBS code where it has one (JZnn), else an own RGnnnn code; its totals are stored under it."""
    region = meta.get("region") or None
    if not region or not region.get("code"):
        return None
    return {"code": str(region["code"]), "name": str(region.get("name") or region["code"])}


class WarehouseError(Exception):
    """A load or read failed; the message says what and where, for a person to act on."""


@dataclass
class Release:
    path: Path
    meta: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.path.name

    def table(self, name: str) -> pl.DataFrame:
        return pl.read_parquet(self.path / f"{name}.parquet")


def current_release(warehouse: Path) -> Release | None:
    link = Path(warehouse) / "current"
    if not link.exists():
        return None
    path = link.resolve()
    meta = json.loads((path / "release.json").read_text(encoding="utf-8"))
    return Release(path=path, meta=meta)


def release_by_id(warehouse: Path, release_id: str) -> Release | None:
    if not re.fullmatch(r"[0-9A-Za-z_-]+", release_id):
        return None
    path = Path(warehouse) / "releases" / release_id
    if not (path / "release.json").exists():
        return None
    return Release(path=path, meta=json.loads((path / "release.json").read_text(encoding="utf-8")))


def connect(release: Release) -> duckdb.DuckDBPyConnection:
    """A read-only connection whose views resolve against this release's Parquet files."""
    return duckdb.connect(
        str(release.path / "monitor.duckdb"),
        read_only=True,
        config={"file_search_path": str(release.path)},
    )


def staged_release(warehouse: Path, release_id: str) -> Release | None:
    if not re.fullmatch(r"[0-9A-Za-z_-]+", release_id or ""):
        return None
    path = Path(warehouse) / STAGED / release_id
    if not (path / "release.json").exists():
        return None
    return Release(path=path, meta=json.loads((path / "release.json").read_text(encoding="utf-8")))


def staged_releases(warehouse: Path) -> list[Release]:
    """Staged releases that can still be confirmed, newest first."""
    folder = Path(warehouse) / STAGED
    if not folder.is_dir():
        return []
    current = current_release(warehouse)
    found = [staged_release(warehouse, p.name) for p in folder.iterdir() if not p.name.startswith(".")]
    return sorted((r for r in found if r is not None and r.meta.get("previous") == (current.id if current else None)),
                  key=lambda r: r.id, reverse=True)


def releases_list(warehouse: Path) -> list[Release]:
    """Published releases, newest first."""
    folder = Path(warehouse) / "releases"
    if not folder.is_dir():
        return []
    found = [release_by_id(warehouse, p.name) for p in folder.iterdir() if not p.name.startswith(".")]
    return sorted((r for r in found if r is not None), key=lambda r: r.id, reverse=True)


def pinned_releases(warehouse: Path) -> dict[str, list[str]]:
    """Release id -> holders of its pins."""
    pins = Path(warehouse) / "pins"
    if not pins.is_dir():
        return {}
    found = {d.name: sorted(f.name for f in d.iterdir()) for d in pins.iterdir() if d.is_dir()}
    return {k: v for k, v in found.items() if v}


def empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> pl.DataFrame:
    """Cast to the schema; missing optional columns become null, unknown columns are an error."""
    extra = set(df.columns) - set(schema)
    if extra:
        raise WarehouseError(f"{what}: onbekende kolommen {sorted(extra)}")
    cols = []
    for name, dtype in schema.items():
        if name in df.columns:
            cols.append(pl.col(name).cast(dtype, strict=False))
        elif name in ("breakdown", "category"):
            cols.append(pl.lit("", dtype=dtype).alias(name))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(cols)


def validate_observations(obs: pl.DataFrame, indicator_ids: set[str], region_codes: set[str]) -> None:
    """Refuse a release that would hold rows the app cannot interpret. ``obs`` is sorted by key."""
    problems: list[str] = []
    for col in ("indicator_id", "region_code", "period", "status", "source_id"):
        n = obs[col].null_count()
        if n:
            problems.append(f"{n} rijen zonder {col}")
    unknown_ind = set(obs["indicator_id"].drop_nulls().unique()) - indicator_ids
    if unknown_ind:
        problems.append(f"indicatoren die niet in de catalogus staan: {sorted(unknown_ind)[:10]}")
    unknown_reg = set(obs["region_code"].drop_nulls().unique()) - region_codes
    if unknown_reg:
        problems.append(f"gebieden die niet in de gebiedentabel staan: {sorted(unknown_reg)[:10]}")
    bad_period = [p for p in obs["period"].drop_nulls().unique() if not PERIOD_RE.match(p)]
    if bad_period:
        problems.append(f"periodecodes niet in CBS-vorm (zoals 2024JJ00): {sorted(bad_period)[:10]}")
    bad_status = set(obs["status"].drop_nulls().unique()) - set(STATUSES)
    if bad_status:
        problems.append(f"onbekende status {sorted(bad_status)} (toegestaan: {', '.join(STATUSES)})")
    # The frame is sorted by key (see publish), so a duplicate is equal to the row before it.
    same_as_previous = pl.all_horizontal([pl.col(c) == pl.col(c).shift(1) for c in OBSERVATION_KEY]).fill_null(False)
    dup = obs.filter(same_as_previous)
    if dup.height:
        first = dup.row(0, named=True)
        problems.append(
            f"{dup.height} cijfers komen meer dan eens voor, bijvoorbeeld {first['indicator_id']} "
            f"{first['region_code']} {first['period']} {first['breakdown']}/{first['category']}"
        )
    if problems:
        raise WarehouseError("Het laden is geweigerd: " + "; ".join(problems))


def validate_regions(regions: pl.DataFrame) -> None:
    problems = []
    bad = regions.filter(~pl.col("region_code").str.contains(REGION_RE.pattern).fill_null(False))["region_code"].to_list()
    if bad:
        problems.append(f"gebiedscodes niet in CBS-vorm (zoals GM0363, WK036301): {bad[:10]}")
    bad_level = set(regions["level"].drop_nulls().unique()) - set(LEVELS)
    if bad_level or regions["level"].null_count():
        problems.append(f"onbekende gebiedsniveaus {sorted(bad_level)} (toegestaan: {', '.join(LEVELS)})")
    if regions["region_code"].is_duplicated().any():
        problems.append("een gebiedscode komt twee keer voor")
    if problems:
        raise WarehouseError("De gebieden zijn geweigerd: " + "; ".join(problems))


def with_coverage(indicators: pl.DataFrame, obs: pl.DataFrame) -> pl.DataFrame:
    """The catalogue plus, per indicator, the years and sources that hold figures in this release.

    Computed once at load time, so the app never scans all observations to list the catalogue.
    """
    # Period codes start with the year, so the first and last code give the years (no parse per row).
    coverage = (obs.filter(pl.col("value").is_not_null()).group_by("indicator_id")
                .agg(first=pl.col("period").min(), last=pl.col("period").max(),
                     source_ids=pl.col("source_id").unique().sort().str.join(", "))
                .select("indicator_id", pl.col("first").str.slice(0, 4).cast(pl.Int32).alias("first_year"),
                        pl.col("last").str.slice(0, 4).cast(pl.Int32).alias("last_year"), "source_ids"))
    base = indicators.drop([c for c in ("first_year", "last_year", "source_ids") if c in indicators.columns])
    return base.join(coverage, left_on="id", right_on="indicator_id", how="left")
