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

A load by a person is *staged* first (``publish(stage=True)``, or every publish inside
:func:`staging`): the release is built and checked in ``staged/<release_id>`` but ``current`` does not
move. :func:`preview` says what it would change; :func:`confirm` publishes it, :func:`discard` drops it,
and :func:`restore` points ``current`` back at the previous release. Staged releases never count as
current; stale ones (older than ``STAGED_MAX_AGE``, or built on a release that is no longer current)
are removed by the next publication. See docs/loading-safely.md.

Demo and real data never mix: a load into a demo warehouse must itself be the demo, and the demo is
not built over real figures (:func:`_check_demo`).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import os
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from domain import (
    derive,
    formatting,  # Dutch numbers and periods; Streamlit-free, imports nothing of the app
)

KEEP_RELEASES = 12
STAGED = "staged"  # folder of releases built and checked but not (yet) confirmed
STAGED_MAX_AGE = timedelta(hours=24)
# A figure of the home municipality that moves by more than this share is named in the preview.
PREVIEW_THRESHOLD = 0.25

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
LEVELS = ("land", "provincie", "corop", "jeugdregio", "arbeidsmarktregio", "gemeente", "wijk", "buurt")
PERIOD_RE = re.compile(r"^\d{4}(JJ00|SJ00|HJ0[12]|KW0[1-4]|MM(0[1-9]|1[0-2]))$")
REGION_RE = re.compile(r"^(NL0[01]|PV\d{2}|CR\d{2}|JZ\d{2}|AM\d{2}|GM\d{4}|WK\d{6}|BU\d{8})$")

TABLES = ("observations", "indicators", "regions", "sources", "memberships")


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


@dataclass
class _Staging:
    """Publications into ``warehouse`` inside :func:`staging`; a second one builds on the first."""

    warehouse: Path
    staged: list[Release] = field(default_factory=list)


_staging: contextvars.ContextVar[_Staging | None] = contextvars.ContextVar("msd_staging", default=None)


@contextlib.contextmanager
def staging(warehouse: Path):
    """Every :func:`publish` into ``warehouse`` inside this block is staged, not made current.

    The command line wraps every command in it, so each loader is staged without knowing; the
    yielded object lists what was staged (the last one holds every change of the command)."""
    ctx = _Staging(Path(warehouse).resolve())
    token = _staging.set(ctx)
    try:
        yield ctx
    finally:
        _staging.reset(token)


DEMO_INTO_REAL = ("Dit warehouse bevat echte gegevens; de demo wordt daar niet overheen gezet. "
                  "Bouw de demo in een eigen map: python -m etl demo --warehouse data/demo-warehouse")
REAL_INTO_DEMO = ("Dit warehouse bevat de demo-gemeente (verzonnen cijfers). Echte gegevens worden daar niet bij "
                  "geladen: de demo-accounts hebben openbare wachtwoorden. Begin een echt warehouse in een nieuwe, "
                  "lege map, bijvoorbeeld: python -m etl cbs --gemeente GMxxxx --warehouse data/warehouse-echt "
                  "(en zet daarna MSD_WAREHOUSE=data/warehouse-echt voor de app)")


def is_demo_load(meta: dict | None, source_ids: set[str]) -> bool:
    """A load is the demo when it says so (``meta["demo"]``) or when all its sources are demo sources
    (source id ``demo`` or ending in ``:demo``, as the demo generator names them)."""
    if (meta or {}).get("demo") is True:
        return True
    return bool(source_ids) and all(s == "demo" or s.endswith(":demo") for s in source_ids)


def _check_demo(base: Release | None, demo_load: bool) -> None:
    if base is None:
        return
    if base.meta.get("demo") and not demo_load:
        raise WarehouseError(REAL_INTO_DEMO)
    if demo_load and not base.meta.get("demo") and pl.scan_parquet(base.path / "observations.parquet").select(
            pl.len()).collect().item():
        raise WarehouseError(DEMO_INTO_REAL)


def publish(
    warehouse: Path,
    *,
    indicators: pl.DataFrame,
    observations: pl.DataFrame | None = None,
    replace_sources: list[str] | tuple[str, ...] = (),
    replace_periods: dict[str, list[str]] | None = None,
    regions: pl.DataFrame | None = None,
    sources: pl.DataFrame | None = None,
    boundaries: dict[str, str] | None = None,
    files: dict[str, bytes] | None = None,
    meta: dict | None = None,
    memberships: pl.DataFrame | None = None,
    stage: bool | None = None,
) -> Release:
    """Build a new release from the current one plus these changes, then swap it in atomically.

    ``observations`` replace every current row whose source_id is in ``replace_sources`` (and
    those of the sources they carry themselves), except for a source in ``replace_periods``: of that
    source only the rows of the listed periods are replaced (an extract replaces the periods it
    covers and keeps the history). ``regions`` and ``sources`` are upserted by key.
    ``indicators`` is always the current catalogue. ``boundaries`` maps a name to GeoJSON text;
    ``files`` are small reference files (e.g. the postcode table) carried from release to release.
    ``memberships`` replace every current row of the gemeenten they name.

    ``stage`` (default: inside :func:`staging` for this warehouse) builds the release in ``staged/``
    without making it current; :func:`confirm` publishes it.
    """
    warehouse = Path(warehouse)
    ctx = _staging.get()
    in_session = ctx is not None and ctx.warehouse == warehouse.resolve()
    stage = in_session if stage is None else stage
    with _publish_lock(warehouse):
        current = current_release(warehouse)
        # In a staging session a second publication builds on the first (one command, one release).
        chained = ctx.staged[-1] if stage and in_session and ctx.staged else None
        base = chained or current
        now = datetime.now(UTC)
        release_id = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        releases = warehouse / "releases"
        releases.mkdir(parents=True, exist_ok=True)
        tmp = releases / f".tmp-{release_id}"
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duckdb-open")
        opening = None
        try:
            new_obs = conform(observations if observations is not None else empty_observations(),
                              OBSERVATION_SCHEMA, "observations")
            new_ids = set(new_obs["source_id"].drop_nulls().unique())
            demo_load = is_demo_load(meta, new_ids | (set(sources["source_id"]) if sources is not None else set()))
            _check_demo(base, demo_load)
            tmp.mkdir()
            # Starting DuckDB takes 15-30 ms and needs no data: it runs while the tables are merged,
            # checked and written.
            opening = pool.submit(duckdb.connect, str(tmp / "monitor.duckdb"))
            # A release from before a table existed simply lacks its file.
            old = ({name: base.table(name) for name in TABLES if (base.path / f"{name}.parquet").exists()}
                   if base else {})
            obs_old = old.get("observations", empty_observations())
            by_period = {sid: set(ps) for sid, ps in (replace_periods or {}).items()}
            for sid, ps in new_obs.filter(pl.col("source_id").is_in(list(by_period))).group_by("source_id").agg(
                    pl.col("period").unique()).iter_rows():
                by_period[sid] |= set(ps)
            drop = (set(replace_sources) | new_ids) - set(by_period)
            keep = ~pl.col("source_id").is_in(list(drop))
            for sid, ps in by_period.items():
                keep &= ~((pl.col("source_id") == sid) & pl.col("period").is_in(sorted(ps)))
            merged = pl.concat([obs_old.filter(keep), new_obs])
            obs = derive.apply(indicators, merged).sort(OBSERVATION_KEY)  # rates from counts, every level
            reg = _upsert(old.get("regions"), conform(regions, REGION_SCHEMA, "regions")
                          if regions is not None else None, "region_code")
            if reg is None:
                reg = pl.DataFrame(schema=REGION_SCHEMA)
            src = _upsert(old.get("sources"), conform(sources, SOURCE_SCHEMA, "sources")
                          if sources is not None else None, "source_id")
            if src is None:
                src = pl.DataFrame(schema=SOURCE_SCHEMA)
            mem = _upsert(old.get("memberships"), conform(memberships, MEMBERSHIP_SCHEMA, "memberships")
                          if memberships is not None else None, "region_code")
            if mem is None:
                mem = pl.DataFrame(schema=MEMBERSHIP_SCHEMA)
            if missing_groups := set(mem["group_code"].to_list()) - set(reg["region_code"].to_list()):
                raise WarehouseError(f"The load was refused: memberships of regions not in the regions table "
                                     f"{sorted(missing_groups)[:10]}")

            validate_regions(reg)
            validate_observations(obs, set(indicators["id"].to_list()), set(reg["region_code"].to_list()))
            missing_src = set(obs["source_id"].unique()) - set(src["source_id"].to_list())
            if missing_src:
                raise WarehouseError(f"Het laden is geweigerd: bronnen zonder beschrijving {sorted(missing_src)}")

            obs.write_parquet(tmp / "observations.parquet", statistics=True)
            with_coverage(indicators, obs).write_parquet(tmp / "indicators.parquet")
            reg.sort("region_code").write_parquet(tmp / "regions.parquet")
            src.sort("source_id").write_parquet(tmp / "sources.parquet")
            mem.sort("region_code", "group_code").write_parquet(tmp / "memberships.parquet")
            for sub, new_files in (("boundaries", {f"{k}.geojson": v.encode() for k, v in (boundaries or {}).items()}),
                                   ("files", files or {})):
                (tmp / sub).mkdir()
                if base and (base.path / sub).exists():
                    for f in (base.path / sub).iterdir():
                        shutil.copy2(f, tmp / sub / f.name)
                for name, data in new_files.items():
                    if not re.fullmatch(r"[0-9A-Za-z_-]+(\.[a-z]+)?", name):
                        raise WarehouseError(f"Bestandsnaam {name!r} mag alleen letters, cijfers, - en _ bevatten")
                    (tmp / sub / name).write_bytes(data)
            release_meta = dict(base.meta if base else {})
            release_meta.update(meta or {})
            release_meta.pop("staged", None)
            release_meta.update({"id": release_id, "created_at": now.isoformat(timespec="seconds"),
                                 "previous": current.id if current else None, "demo": demo_load})
            if stage:
                release_meta["staged"] = True
            (tmp / "release.json").write_text(json.dumps(release_meta, indent=2), encoding="utf-8")
            _write_views(opening.result(), tmp)
            final = (warehouse / STAGED if stage else releases) / release_id
            final.parent.mkdir(exist_ok=True)
            tmp.rename(final)
        except BaseException:
            if opening is not None:
                with contextlib.suppress(Exception):
                    opening.result().close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            pool.shutdown()

        released = Release(path=final, meta=release_meta)
        if stage:
            if chained is not None:
                shutil.rmtree(chained.path, ignore_errors=True)
            if in_session:
                ctx.staged[:] = [released]
            _clean_staged(warehouse, current.id if current else None, keep=release_id)
            return released
        _point_current(warehouse, release_id)
        _prune(releases, keep=KEEP_RELEASES)
        _clean_staged(warehouse, release_id)
        return released


def _point_current(warehouse: Path, release_id: str) -> None:
    link_tmp = warehouse / f".current-{release_id}"
    os.symlink(Path("releases") / release_id, link_tmp)
    os.replace(link_tmp, warehouse / "current")  # atomic on POSIX


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


def confirm(warehouse: Path, release_id: str) -> Release:
    """Publish a staged release: it becomes current, exactly as checked in the preview."""
    warehouse = Path(warehouse)
    with _publish_lock(warehouse):
        staged = staged_release(warehouse, release_id)
        if staged is None:
            raise WarehouseError(f"Er staat geen klaargezette versie {release_id} (al gepubliceerd, weggegooid "
                                 "of opgeruimd). Laad het bestand opnieuw.")
        current = current_release(warehouse)
        if staged.meta.get("previous") != (current.id if current else None):
            shutil.rmtree(staged.path, ignore_errors=True)
            raise WarehouseError("Sinds deze versie is klaargezet, is een andere versie gepubliceerd of "
                                 "teruggezet. Laad het bestand opnieuw, dan ziet u wat er nu verandert.")
        meta = {k: v for k, v in staged.meta.items() if k != "staged"}
        meta["confirmed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        (staged.path / "release.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        final = warehouse / "releases" / release_id
        staged.path.rename(final)
        _point_current(warehouse, release_id)
        _prune(warehouse / "releases", keep=KEEP_RELEASES)
        _clean_staged(warehouse, release_id)
        return Release(path=final, meta=meta)


def discard(warehouse: Path, release_id: str) -> bool:
    """Drop a staged release; False when there was none by that id."""
    with _publish_lock(Path(warehouse)):
        staged = staged_release(warehouse, release_id)
        if staged is None:
            return False
        shutil.rmtree(staged.path, ignore_errors=True)
        return True


def restore_target(warehouse: Path, release_id: str | None = None) -> Release:
    """The release :func:`restore` would make current: ``release_id``, or the one before the current."""
    current = current_release(warehouse)
    target_id = release_id or (current.meta.get("previous") if current else None)
    if not target_id:
        raise WarehouseError("Er is geen vorige versie om terug te zetten.")
    target = release_by_id(warehouse, target_id)
    if target is None:
        raise WarehouseError(f"Versie {target_id} bestaat niet meer (opgeruimd); kies een andere met --to.")
    if current is not None and target.id == current.id:
        raise WarehouseError(f"Versie {target_id} is al de huidige versie.")
    return target


def restore(warehouse: Path, release_id: str | None = None) -> Release:
    """Point ``current`` back at an earlier release (by default the previous one). Nothing is deleted,
    so a restore can itself be undone with ``restore(warehouse, <the id that was current>)``."""
    warehouse = Path(warehouse)
    with _publish_lock(warehouse):
        target = restore_target(warehouse, release_id)
        _point_current(warehouse, target.id)
        _clean_staged(warehouse, target.id)
        return target


def releases_list(warehouse: Path) -> list[Release]:
    """Published releases, newest first."""
    folder = Path(warehouse) / "releases"
    if not folder.is_dir():
        return []
    found = [release_by_id(warehouse, p.name) for p in folder.iterdir() if not p.name.startswith(".")]
    return sorted((r for r in found if r is not None), key=lambda r: r.id, reverse=True)


def _clean_staged(warehouse: Path, current_id: str | None, keep: str | None = None) -> None:
    """Remove staged releases that can no longer be confirmed (built on another release) or are old."""
    folder = warehouse / STAGED
    if not folder.is_dir():
        return
    oldest = datetime.now(UTC) - STAGED_MAX_AGE
    for path in folder.iterdir():
        if path.name == keep:
            continue
        rel = staged_release(warehouse, path.name)
        created = datetime.fromisoformat(rel.meta["created_at"]) if rel and rel.meta.get("created_at") else None
        if rel is None or rel.meta.get("previous") != current_id or created is None or created < oldest:
            shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Preview: what a staged (or restored) release changes against the current one
# ---------------------------------------------------------------------------------------------
@dataclass
class Change:
    """One figure of the home municipality that moves by more than the threshold (or disappears)."""

    indicator_id: str
    title: str
    unit: str
    period: str
    old: float | None
    new: float | None
    old_status: str
    new_status: str | None

    def text(self) -> str:
        new = "geen cijfer meer" if self.new_status is None else formatting.value(self.new, self.unit,
                                                                                  self.new_status)
        return (f"{self.title} {formatting.period_label(self.period)}: "
                f"{formatting.value(self.old, self.unit, self.old_status)} → {new}")


@dataclass
class Preview:
    release_id: str
    current_id: str | None
    added: int = 0
    replaced: int = 0
    dropped: int = 0
    unchanged: int = 0
    # source id -> {"added"|"replaced"|"dropped": sorted period codes}
    periods: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    more_changes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.replaced or self.dropped or self.notes)

    def lines(self) -> list[str]:
        """The preview in Dutch, one line per fact, for the command line and the upload page."""

        def n(x: int) -> str:
            return formatting.number(x)

        def plist(codes: list[str]) -> str:
            shown = ", ".join(formatting.period_label(c) for c in codes[:8])
            return shown + (f" en {len(codes) - 8} meer" if len(codes) > 8 else "")

        out = [f"Cijfers: {n(self.added)} nieuw, {n(self.replaced)} vervangen, {n(self.dropped)} vervallen, "
               f"{n(self.unchanged)} gelijk."]
        for sid, kinds in sorted(self.periods.items()):
            parts = [f"{label} {plist(kinds[key])}" for key, label in
                     (("added", "nieuw:"), ("replaced", "vervangen:"), ("dropped", "vervallen:")) if kinds.get(key)]
            if parts:
                out.append(f"Periodes van {sid}: " + "; ".join(parts) + ".")
        if self.changes:
            out.append(f"Grote veranderingen (meer dan {PREVIEW_THRESHOLD:.0%}):")
            out += [f"- {c.text()}" for c in self.changes]
            if self.more_changes:
                out.append(f"- en nog {n(self.more_changes)} andere")
        out += self.notes
        if not self.has_changes:
            out.append("Er verandert niets.")
        return out


def preview(warehouse: Path, release: Release, *, against: Release | None = None,
            threshold: float = PREVIEW_THRESHOLD, limit: int = 15) -> Preview:
    """Compare ``release`` with the current release (or ``against``): figures added, replaced, dropped;
    per source the periods added, replaced and dropped; and the home municipality's totals that move
    by more than ``threshold`` (relative), e.g. "Wmo-cliënten 2025: 4.326 → 43"."""
    base = against if against is not None else current_release(warehouse)
    out = Preview(release_id=release.id, current_id=base.id if base else None)
    cols = [*OBSERVATION_KEY, "value", "status", "source_id"]
    new = release.table("observations").select(cols)
    old = base.table("observations").select(cols) if base else empty_observations().select(cols)
    both = old.join(new, on=OBSERVATION_KEY, how="full", coalesce=True, suffix="_new", nulls_equal=True)
    in_old, in_new = pl.col("status").is_not_null(), pl.col("status_new").is_not_null()
    same = pl.col("value").eq_missing(pl.col("value_new")) & (pl.col("status") == pl.col("status_new"))
    both = both.with_columns(kind=pl.when(in_old & in_new & same).then(pl.lit("unchanged"))
                             .when(in_old & in_new).then(pl.lit("replaced"))
                             .when(in_new).then(pl.lit("added")).otherwise(pl.lit("dropped")))
    counts = dict(both.group_by("kind").len().iter_rows())
    out.added, out.replaced = counts.get("added", 0), counts.get("replaced", 0)
    out.dropped, out.unchanged = counts.get("dropped", 0), counts.get("unchanged", 0)
    # Per source and period: new when the source had no figure for it, dropped when none is left.
    sid = pl.coalesce("source_id_new", "source_id").alias("sid")
    per = both.group_by(sid, "period").agg(old=pl.col("status").is_not_null().any(),
                                           new=pl.col("status_new").is_not_null().any(),
                                           changed=(pl.col("kind") != "unchanged").any())
    for s_id, period, was, now, changed in per.sort("sid", "period").iter_rows():
        key = "added" if now and not was else "dropped" if was and not now else "replaced" if changed else None
        if key:
            out.periods.setdefault(s_id, {}).setdefault(key, []).append(period)
    gemeente = (base.meta.get("gemeente") if base else None) or release.meta.get("gemeente")
    home = (pl.col("region_code") == gemeente) if gemeente else pl.col("region_code").str.starts_with("GM")
    rel_change = ((pl.col("value_new") - pl.col("value")).abs() / pl.col("value").abs())
    big = both.filter(home & (pl.col("breakdown") == "") & (pl.col("category") == "") & in_old
                      & pl.col("value").is_not_null() & (pl.col("value") != 0)
                      & (~in_new | pl.col("value_new").is_null() | (rel_change > threshold)))
    # Years first (what a council reads), then the largest moves.
    big = big.with_columns(size=rel_change.fill_null(float("inf")), sub_year=pl.col("period").str.slice(4, 2) != "JJ")
    big = big.sort(["sub_year", "size", "indicator_id", "period"], descending=[False, True, False, False])
    ind = release.table("indicators")
    titles = dict(zip(ind["id"], ind["short_title"] if "short_title" in ind.columns else ind["title"], strict=True))
    units = dict(zip(ind["id"], ind["unit"], strict=True))
    for r in big.head(limit).iter_rows(named=True):
        out.changes.append(Change(r["indicator_id"], titles.get(r["indicator_id"], r["indicator_id"]),
                                  units.get(r["indicator_id"], ""), r["period"], r["value"], r["value_new"],
                                  r["status"], r["status_new"]))
    out.more_changes = max(0, big.height - limit)
    if base is not None and bool(base.meta.get("demo")) != bool(release.meta.get("demo")):
        out.notes.append("Let op: de nieuwe versie is " + ("de demo." if release.meta.get("demo") else
                                                           "geen demo meer."))
    return out


def pin_release(warehouse: Path, release_id: str, holder: str) -> bool:
    """Keep a release from being pruned while ``holder`` (e.g. ``dossier-<id>``) needs it; False when
    the release no longer exists. Pins live in ``pins/<release_id>/<holder>``, outside the release."""
    if not re.fullmatch(r"[0-9A-Za-z_-]+", release_id) or not re.fullmatch(r"[0-9A-Za-z_-]+", holder):
        raise WarehouseError("Een versie-id en een pin mogen alleen letters, cijfers, - en _ bevatten")
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
    """Remove all but the newest ``keep`` releases; pinned releases (a published dossier), the current
    release and the one before it (so it can be restored) are kept."""
    pinned = set(pinned_releases(releases.parent))
    current = current_release(releases.parent)
    if current is not None:
        pinned |= {current.id, current.meta.get("previous")}
    done = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        if old.name not in pinned:
            shutil.rmtree(old, ignore_errors=True)
    for stale in releases.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
