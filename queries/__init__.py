"""The read side: named SQL files, bound parameters, Polars frames, small numbers suppressed.

Pages never see a figure that has not passed :mod:`domain.suppression`; every public function here
returns suppressed data. A :class:`Warehouse` wraps one release (read-only DuckDB) and caches query
results by their parameters, so a swapped release simply means a new ``Warehouse``.

A release may hold several own municipalities (a region, see docs/region.md). ``Warehouse.gemeente`` is
the one a page is about: the home municipality, or the member of :meth:`Warehouse.for_member`, a view that
shares the release's connection and caches.
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
from warehouse.releases import Release, connect, current_release, members_of, region_of, release_by_id

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
        self._member: str | None = None  # set on a view of one member (for_member)
        self._root = self
        self._views: dict[str, Warehouse] = {}

    @classmethod
    def open(cls, warehouse: Path, release_id: str | None = None) -> Warehouse | None:
        release = release_by_id(warehouse, release_id) if release_id else current_release(warehouse)
        return cls(release) if release else None

    @property
    def meta(self) -> dict:
        """The release's metadata, as it reads for the municipality this view is about (its code, name and
        peers in ``gemeente``, ``gemeente_name`` and ``peers``)."""
        if self._member is None:
            return self.release.meta
        return self._member_meta

    @property
    def is_demo(self) -> bool:
        return bool(self.meta.get("demo"))

    @property
    def gemeente(self) -> str:
        return self._member or self.release.meta.get("gemeente") or (self.members or [""])[0]

    @property
    def peers(self) -> list[str]:
        peers = self.meta.get("peers") or []
        if isinstance(peers, dict):  # peers chosen per member
            peers = peers.get(self.gemeente) or []
        return list(peers)

    @property
    def members(self) -> list[str]:
        """The installation's own municipalities, the home municipality first (one for most installations)."""
        return members_of(self.release.meta)

    @property
    def region(self) -> dict | None:
        """{"code", "name"} of the region the members form, or None."""
        return region_of(self.release.meta)

    @property
    def is_region(self) -> bool:
        return len(self.members) > 1

    @property
    def root(self) -> Warehouse:
        """The release as opened (the home municipality); a member view's caches are its caches."""
        return self._root

    def member_name(self, code: str) -> str:
        names = self.release.meta.get("member_names") or {}
        if code in names:
            return str(names[code])
        if code == self.release.meta.get("gemeente") and self.release.meta.get("gemeente_name"):
            return str(self.release.meta["gemeente_name"])
        region = self.region
        if region and code == region["code"]:
            return region["name"]
        names = self._root.memo("region_names", lambda: dict(self.run("regions").select("region_code", "name")
                                                             .iter_rows()))
        return str(names.get(code) or code)  # a picker of 350 members asks every name on every run

    def for_member(self, code: str) -> Warehouse:
        """This release as seen from member ``code``: the same connection, query cache and page parts, with
        ``gemeente``, its name and its peers set. The home municipality is the release itself. One view per
        member is kept, so caches keyed by the view (suppression decisions) last as long as the release."""
        root = self._root
        if code == root.gemeente or code not in root.members:
            if code not in root.members:
                raise KeyError(f"{code} is not a member of this installation ({', '.join(root.members)})")
            return root
        with root._lock:
            view = root._views.get(code)
        if view is not None:
            return view
        meta = _member_meta(root, code)  # may query the regions table: outside the lock, which queries take
        view = object.__new__(Warehouse)
        view.__dict__.update(root.__dict__)  # shares connection, lock, cursors and caches
        view._member = code
        view._member_meta = meta
        with root._lock:
            return root._views.setdefault(code, view)

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
        """A result derived from the whole release (e.g. its signals), built once and kept with it; a member
        view keeps its own."""
        if self._member is not None:
            name = f"{self._member}:{name}"
        with self._lock:
            if name in self._memo:
                return self._memo[name]
        value = build()
        with self._lock:
            return self._memo.setdefault(name, value)

    def part(self, key: tuple, build):
        """A piece of a page built from this release alone (no session, no role), shared by every session
        and kept with the release; least recently used pieces go first. ``key`` names the piece and every
        parameter it depends on. Two sessions asking at once may both build it; the first one is kept.
        A member view's pieces are its own (a piece may depend on ``gemeente`` without naming it)."""
        if self._member is not None:
            key = ("member", self._member, *key)
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
        geo = json.loads(path.read_text(encoding="utf-8"))
        if self.is_region and geo.get("features"):  # one file for all members: this member's wijken only
            geo["features"] = [f for f in geo["features"]
                               if (f.get("properties") or {}).get("gemeente_code") in (None, self.gemeente)]
        return geo

    def close(self) -> None:
        if self._root is not self:
            return  # a view: the release is closed through its root
        with self._lock:
            idle, self._idle = self._idle, []
        for cur in idle:
            cur.close()
        self._con.close()


_MISSING = object()


def _member_meta(root: Warehouse, code: str) -> dict:
    meta = dict(root.release.meta)
    peers = meta.get("peers") or []
    if isinstance(peers, dict):  # peers chosen per member
        peers = peers.get(code) or []
    meta.update(gemeente=code, gemeente_name=root.member_name(code), peers=[p for p in peers if p != code])
    return meta


def _freeze(value):
    if isinstance(value, list | tuple):
        return tuple(value)
    return value
