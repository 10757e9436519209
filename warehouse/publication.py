"""The write side of the warehouse: publish a release, stage, confirm, discard, restore, pins, pruning.

A load builds a complete new release directory next to the old ones and only then points
``current`` at it. A load that fails at any step leaves ``current`` untouched. Older releases are kept
up to ``KEEP_RELEASES``, and beyond that while pinned (:func:`pin_release`, a published dossier).

A load by a person is *staged* first (``publish(stage=True)``, or every publish inside
:func:`staging`): the release is built and checked in ``staged/<release_id>`` but ``current`` does not
move. :func:`warehouse.preview.preview` says what it would change; :func:`confirm` publishes it,
:func:`discard` drops it, and :func:`restore` points ``current`` back at the previous release. Staged
releases never count as current; stale ones (older than ``STAGED_MAX_AGE``, or built on a release that
is no longer current) are removed by the next publication. See docs/loading-safely.md.

Demo and real data never mix: a load into a demo warehouse must itself be the demo, and the demo is
not built over real figures (:func:`_check_demo`). The layout and the reading of releases are in
:mod:`warehouse.releases`.
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

from domain import derive
from warehouse import region_totals
from warehouse.releases import (
    MEMBERSHIP_SCHEMA,
    OBSERVATION_KEY,
    OBSERVATION_SCHEMA,
    REGION_SCHEMA,
    SOURCE_SCHEMA,
    STAGED,
    TABLES,
    Release,
    WarehouseError,
    conform,
    current_release,
    empty_observations,
    pinned_releases,
    release_by_id,
    staged_release,
    validate_observations,
    validate_regions,
    with_coverage,
)

KEEP_RELEASES = 12
STAGED_MAX_AGE = timedelta(hours=24)


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
            merged, reg, src, mem = region_totals.add({**(base.meta if base else {}), **(meta or {})}, indicators,
                                                      merged, reg, src, mem)  # region = sum of its members
            obs = derive.apply(indicators, merged).sort(OBSERVATION_KEY)  # rates from counts, every level

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
