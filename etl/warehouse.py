"""The warehouse: Parquet tables per release, a DuckDB file with views, atomic publication.

Layout of a warehouse directory::

    current -> releases/<release_id>       (symlink, swapped atomically)
    releases/<release_id>/
        observations.parquet indicators.parquet regions.parquet sources.parquet
        boundaries/<name>.geojson
        release.json                         (id, created_at, demo flag, home municipality, peers)
        monitor.duckdb                       (views over the Parquet files, relative paths)

A load builds a complete new release directory next to the old ones and only then points
``current`` at it. A load that fails at any step leaves ``current`` untouched. Older releases are kept
up to ``KEEP_RELEASES``, and beyond that while pinned (:func:`pin_release`, a published dossier).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from etl import derive

KEEP_RELEASES = 12

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

STATUSES = ("final", "provisional", "suppressed", "unknown")
LEVELS = ("land", "provincie", "jeugdregio", "gemeente", "wijk", "buurt")
PERIOD_RE = re.compile(r"^\d{4}(JJ00|SJ00|HJ0[12]|KW0[1-4]|MM(0[1-9]|1[0-2]))$")
REGION_RE = re.compile(r"^(NL0[01]|PV\d{2}|CR\d{2}|JZ\d{2}|GM\d{4}|WK\d{6}|BU\d{8})$")

TABLES = ("observations", "indicators", "regions", "sources")


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


def empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> pl.DataFrame:
    """Cast to the schema; missing optional columns become null, unknown columns are an error."""
    extra = set(df.columns) - set(schema)
    if extra:
        raise WarehouseError(f"{what}: unknown columns {sorted(extra)}")
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
            problems.append(f"{n} rows have no {col}")
    unknown_ind = set(obs["indicator_id"].drop_nulls().unique()) - indicator_ids
    if unknown_ind:
        problems.append(f"indicators not in the catalogue: {sorted(unknown_ind)[:10]}")
    unknown_reg = set(obs["region_code"].drop_nulls().unique()) - region_codes
    if unknown_reg:
        problems.append(f"regions not in the regions table: {sorted(unknown_reg)[:10]}")
    bad_period = [p for p in obs["period"].drop_nulls().unique() if not PERIOD_RE.match(p)]
    if bad_period:
        problems.append(f"period codes not in CBS form (like 2024JJ00): {sorted(bad_period)[:10]}")
    bad_status = set(obs["status"].drop_nulls().unique()) - set(STATUSES)
    if bad_status:
        problems.append(f"unknown status values {sorted(bad_status)} (allowed: {', '.join(STATUSES)})")
    # The frame is sorted by key (see publish), so a duplicate is equal to the row before it.
    same_as_previous = pl.all_horizontal([pl.col(c) == pl.col(c).shift(1) for c in OBSERVATION_KEY]).fill_null(False)
    dup = obs.filter(same_as_previous)
    if dup.height:
        first = dup.row(0, named=True)
        problems.append(
            f"{dup.height} figures occur more than once, e.g. {first['indicator_id']} "
            f"{first['region_code']} {first['period']} {first['breakdown']}/{first['category']}"
        )
    if problems:
        raise WarehouseError("The load was refused: " + "; ".join(problems))


def validate_regions(regions: pl.DataFrame) -> None:
    problems = []
    bad = regions.filter(~pl.col("region_code").str.contains(REGION_RE.pattern).fill_null(False))["region_code"].to_list()
    if bad:
        problems.append(f"region codes not in CBS form (like GM0363, WK036301): {bad[:10]}")
    bad_level = set(regions["level"].drop_nulls().unique()) - set(LEVELS)
    if bad_level or regions["level"].null_count():
        problems.append(f"unknown region levels {sorted(bad_level)} (allowed: {', '.join(LEVELS)})")
    if regions["region_code"].is_duplicated().any():
        problems.append("a region code occurs twice")
    if problems:
        raise WarehouseError("The regions were refused: " + "; ".join(problems))


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


def _upsert(old: pl.DataFrame | None, new: pl.DataFrame | None, key: str) -> pl.DataFrame | None:
    if new is None:
        return old
    if old is None:
        return new
    return pl.concat([old.filter(~pl.col(key).is_in(new[key].implode())), new])


@contextlib.contextmanager
def _publish_lock(warehouse: Path):
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / ".publish.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_views(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Views over the release's Parquet files in ``con`` (its monitor.duckdb), then close it."""
    try:
        con.execute("SET file_search_path = ?", [str(path)])
        for name in TABLES:
            # Relative paths, so a warehouse directory can be moved or mounted elsewhere.
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{name}.parquet')")
    finally:
        con.close()


def publish(
    warehouse: Path,
    *,
    indicators: pl.DataFrame,
    observations: pl.DataFrame | None = None,
    replace_sources: list[str] | tuple[str, ...] = (),
    regions: pl.DataFrame | None = None,
    sources: pl.DataFrame | None = None,
    boundaries: dict[str, str] | None = None,
    meta: dict | None = None,
) -> Release:
    """Build a new release from the current one plus these changes, then swap it in atomically.

    ``observations`` replace every current row whose source_id is in ``replace_sources`` (and
    those of the sources they carry themselves). ``regions`` and ``sources`` are upserted by key.
    ``indicators`` is always the current catalogue. ``boundaries`` maps a name to GeoJSON text.
    """
    warehouse = Path(warehouse)
    with _publish_lock(warehouse):
        base = current_release(warehouse)
        now = datetime.now(timezone.utc)
        release_id = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        releases = warehouse / "releases"
        releases.mkdir(parents=True, exist_ok=True)
        tmp = releases / f".tmp-{release_id}"
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duckdb-open")
        opening = None
        try:
            tmp.mkdir()
            # Starting DuckDB takes 15-30 ms and needs no data: it runs while the tables are merged,
            # checked and written.
            opening = pool.submit(duckdb.connect, str(tmp / "monitor.duckdb"))
            old = {name: base.table(name) for name in TABLES} if base else {}
            obs_old = old.get("observations", empty_observations())
            new_obs = conform(observations if observations is not None else empty_observations(),
                              OBSERVATION_SCHEMA, "observations")
            drop = set(replace_sources) | set(new_obs["source_id"].drop_nulls().unique())
            merged = pl.concat([obs_old.filter(~pl.col("source_id").is_in(list(drop))), new_obs])
            obs = derive.apply(indicators, merged).sort(OBSERVATION_KEY)  # rates from counts, every level
            reg = _upsert(old.get("regions"), conform(regions, REGION_SCHEMA, "regions")
                          if regions is not None else None, "region_code")
            if reg is None:
                reg = pl.DataFrame(schema=REGION_SCHEMA)
            src = _upsert(old.get("sources"), conform(sources, SOURCE_SCHEMA, "sources")
                          if sources is not None else None, "source_id")
            if src is None:
                src = pl.DataFrame(schema=SOURCE_SCHEMA)

            validate_regions(reg)
            validate_observations(obs, set(indicators["id"].to_list()), set(reg["region_code"].to_list()))
            missing_src = set(obs["source_id"].unique()) - set(src["source_id"].to_list())
            if missing_src:
                raise WarehouseError(f"The load was refused: sources without a description {sorted(missing_src)}")

            obs.write_parquet(tmp / "observations.parquet", statistics=True)
            with_coverage(indicators, obs).write_parquet(tmp / "indicators.parquet")
            reg.sort("region_code").write_parquet(tmp / "regions.parquet")
            src.sort("source_id").write_parquet(tmp / "sources.parquet")
            (tmp / "boundaries").mkdir()
            if base and (base.path / "boundaries").exists():
                for f in (base.path / "boundaries").glob("*.geojson"):
                    shutil.copy2(f, tmp / "boundaries" / f.name)
            for name, text in (boundaries or {}).items():
                if not re.fullmatch(r"[0-9A-Za-z_-]+", name):
                    raise WarehouseError(f"Boundary name {name!r} may only hold letters, digits, - and _")
                (tmp / "boundaries" / f"{name}.geojson").write_text(text, encoding="utf-8")
            release_meta = dict(base.meta if base else {})
            release_meta.update(meta or {})
            release_meta.update({"id": release_id, "created_at": now.isoformat(timespec="seconds"),
                                 "previous": base.id if base else None})
            (tmp / "release.json").write_text(json.dumps(release_meta, indent=2), encoding="utf-8")
            _write_views(opening.result(), tmp)
            final = releases / release_id
            tmp.rename(final)
        except BaseException:
            if opening is not None:
                with contextlib.suppress(Exception):
                    opening.result().close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            pool.shutdown()

        link_tmp = warehouse / f".current-{release_id}"
        os.symlink(Path("releases") / release_id, link_tmp)
        os.replace(link_tmp, warehouse / "current")  # atomic on POSIX
        _prune(releases, keep=KEEP_RELEASES)
        return Release(path=final, meta=release_meta)


def pin_release(warehouse: Path, release_id: str, holder: str) -> bool:
    """Keep a release from being pruned while ``holder`` (e.g. ``dossier-<id>``) needs it; False when
    the release no longer exists. Pins live in ``pins/<release_id>/<holder>``, outside the release."""
    if not re.fullmatch(r"[0-9A-Za-z_-]+", release_id) or not re.fullmatch(r"[0-9A-Za-z_-]+", holder):
        raise WarehouseError("A release id and a pin holder may only hold letters, digits, - and _")
    warehouse = Path(warehouse)
    with _publish_lock(warehouse):  # a load that prunes right now must not miss this pin
        if not (warehouse / "releases" / release_id / "release.json").exists():
            return False
        (warehouse / "pins" / release_id).mkdir(parents=True, exist_ok=True)
        (warehouse / "pins" / release_id / holder).touch()
        return True


def unpin_release(warehouse: Path, release_id: str, holder: str) -> None:
    pin = Path(warehouse) / "pins" / release_id / holder
    if re.fullmatch(r"[0-9A-Za-z_-]+", release_id) and re.fullmatch(r"[0-9A-Za-z_-]+", holder):
        pin.unlink(missing_ok=True)


def pinned_releases(warehouse: Path) -> dict[str, list[str]]:
    """Release id -> holders of its pins."""
    pins = Path(warehouse) / "pins"
    if not pins.is_dir():
        return {}
    found = {d.name: sorted(f.name for f in d.iterdir()) for d in pins.iterdir() if d.is_dir()}
    return {k: v for k, v in found.items() if v}


def _prune(releases: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` releases; pinned releases (a published dossier) are kept."""
    pinned = pinned_releases(releases.parent)
    done = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        if old.name not in pinned:
            shutil.rmtree(old, ignore_errors=True)
    for stale in releases.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
