"""The read side: named SQL files, bound parameters, Polars frames, small numbers suppressed.

Pages never see a figure that has not passed :mod:`domain.suppression`; every public function here
returns suppressed data. A :class:`Warehouse` wraps one release (read-only DuckDB) and caches query
results by their parameters, so a swapped release simply means a new ``Warehouse``.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import polars as pl

import settings as settings_mod
from warehouse.releases import Release, connect, current_release, release_by_id

SQL_DIR = Path(__file__).parent / "sql"
CACHE_ENTRIES = 1024
# Page parts that are the same for every visitor of a release (chart specifications, formatted tables,
# describing sentences, suppressed series and figures), keyed by what they are built from; small frames
# and specs, so a few thousand cover every page and picker of a release without pushing each other out.
PART_ENTRIES = 4096


@functools.cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class Warehouse:
    """One release, opened read-only, with a small result cache shared by all sessions."""

    def __init__(self, release: Release, settings: settings_mod.Settings | None = None):
        self.release = release
        self.settings = settings or settings_mod.load(release.path.parent.parent)
        self._con = connect(release)
        self._lock = threading.Lock()
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._cache: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self._memo: dict[str, object] = {}
        self._parts: OrderedDict[tuple, object] = OrderedDict()

    @classmethod
    def open(cls, warehouse: Path, release_id: str | None = None) -> Warehouse | None:
        release = release_by_id(warehouse, release_id) if release_id else current_release(warehouse)
        return cls(release) if release else None

    @property
    def meta(self) -> dict:
        return self.release.meta

    @property
    def is_demo(self) -> bool:
        return bool(self.meta.get("demo"))

    @property
    def gemeente(self) -> str:
        return self.meta.get("gemeente") or ""

    @property
    def peers(self) -> list[str]:
        return list(self.meta.get("peers") or [])

    def run(self, name: str, **params) -> pl.DataFrame:
        """Run ``sql/<name>.sql`` with bound parameters; results are cached per parameter set."""
        key = (name, tuple(sorted((k, _freeze(v)) for k, v in params.items())))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        cur = self._cursor()
        try:
            result = cur.sql(sql(name), params=params).pl()
        except BaseException:
            cur.close()
            raise
        with self._lock:
            self._idle.append(cur)
            self._cache[key] = result
            if len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return result

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor (DuckDB's handle for one thread on the shared read-only connection) that knows the
        views of ``sql/views.sql``. Temporary views belong to one cursor, so a cursor is made with them
        once and then kept for the next query; each is used by one query at a time."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        cur = self._con.cursor()
        cur.execute(sql("views"))
        return cur

    def memo(self, name: str, build):
        """A result derived from the whole release (e.g. its signals), built once and kept with it."""
        with self._lock:
            if name in self._memo:
                return self._memo[name]
        value = build()
        with self._lock:
            return self._memo.setdefault(name, value)

    def part(self, key: tuple, build):
        """A piece of a page built from this release alone (no session, no role), shared by every session
        and kept with the release; least recently used pieces go first. ``key`` names the piece and every
        parameter it depends on. Two sessions asking at once may both build it; the first one is kept."""
        with self._lock:
            hit = self._parts.get(key, _MISSING)
            if hit is not _MISSING:
                self._parts.move_to_end(key)
                return hit
        value = build()
        with self._lock:
            value = self._parts.setdefault(key, value)
            if len(self._parts) > PART_ENTRIES:
                self._parts.popitem(last=False)
        return value

    def boundaries(self, name: str = "wijken") -> dict | None:
        path = self.release.path / "boundaries" / f"{name}.geojson"
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for cur in idle:
            cur.close()
        self._con.close()


_MISSING = object()


def _freeze(value):
    if isinstance(value, list | tuple):
        return tuple(value)
    return value
