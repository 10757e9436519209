"""A national installation in the page benchmark: every municipality a member (issue 21, point 6).

Called by ``bench_pages.py --members all|N``. The national-scale warehouse of bench_pages.py is built
again with meta ``members`` = all 350 GM codes (no region, no ``member_names``: names come from the
regions table), GM0001 the home member. Three things are measured, in one process, as one server:

- **page script times per member**: for each page, the home member warm, then a few other members, each
  the first time (``cold``: the member's page parts are built, the release's query cache is warm) and then
  warm (``runs`` runs; median and spread);
- **memory**: the members visited one after another (``--members``: all or the first N) on the same
  pages, RSS and the entries of the release's stores after each (query cache, page parts and how many of
  them are per member, memo, member views, suppression decisions); then the home member once more, to
  see whether its parts were pushed out;
- **shared suppression**: the protection runs (``protection._protect_pairs``) on a member's first and second
  visit, and the keys of ``protection._PROTECTED`` (one per release: the views share their root's).
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _release_warehouse(path: Path):
    """The Warehouse the app opened for ``path`` (the root, shared by every session of this process)."""
    from queries import Warehouse

    found = [o for o in gc.get_objects() if isinstance(o, Warehouse) and o.root is o
             and Path(o.release.path).resolve().parent.parent == path.resolve()]
    if not found:
        raise RuntimeError(f"no open release of {path}")
    return found[-1]


def stores(wh) -> dict:
    """How full the release's shared stores are."""
    import queries
    from queries import protection as q

    per_member = Counter(k[1] for k in list(wh._parts) if k and k[0] == "member")
    protected = q._PROTECTED.get(wh, {})
    return {"query_cache": len(wh._cache), "query_cache_mb": _frames_mb(list(wh._cache.values())),
            "parts_frames_mb": _frames_mb(list(wh._parts.values())), "query_cache_bound": queries.CACHE_ENTRIES,
            "parts": len(wh._parts), "parts_bound": queries.PART_ENTRIES,
            "parts_home": len(wh._parts) - sum(per_member.values()), "members_with_parts": len(per_member),
            "memo": len(wh._memo), "member_views": len(wh._views),
            "protected_keys": len(q._PROTECTED), "protected_decisions": len(protected),
            "protected_mb": _frames_mb(list(protected.values())), "memo_frames_mb": _memo_mb(wh),
            "duckdb_mb": _duckdb_mb(wh)}


def _duckdb_mb(wh) -> float | None:
    """DuckDB's own memory (buffers of the scans), which no entry bound of ours limits."""
    try:
        cur = wh._con.cursor()
        try:
            used = cur.sql("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
        finally:
            cur.close()
    except Exception:  # an older DuckDB without duckdb_memory()
        return None
    return round((used or 0) / 2**20, 1)


def _frames_mb(values: list) -> float:
    """Polars' estimate of the frames among ``values`` (specs and sentences are not counted)."""
    import polars as pl

    return round(sum(v.estimated_size() for v in values if isinstance(v, pl.DataFrame)) / 2**20, 1)


def _memo_mb(wh) -> float:
    """The frames kept in memo values (signals are small objects and not counted)."""
    values = []
    for v in list(wh._memo.values()):
        values += [getattr(v, f) for f in getattr(v, "__dataclass_fields__", {})] if not isinstance(v, dict) else []
    return _frames_mb(values)


class _CountedProtection:
    """Counts the protection runs (one query and run of secondary suppression for new pairs)."""

    def __init__(self):
        from queries import protection as q

        self.q, self.original, self.runs, self.pairs = q, q._protect_pairs, 0, 0

        def counted(wh, pairs):
            self.runs += 1
            self.pairs += len(pairs)
            return self.original(wh, pairs)

        q._protect_pairs = counted

    def take(self) -> dict:
        out = {"protection_runs": self.runs, "pairs": self.pairs}
        self.runs = self.pairs = 0
        return out

    def close(self) -> None:
        self.q._protect_pairs = self.original


def _app(page: str, timeout: float):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    at.switch_page(page)
    return at


def _run(at, page: str, member: str | None) -> float:
    if member is not None:
        at.query_params["gemeente"] = member
    t = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t) * 1000
    if at.exception or at.error:
        raise RuntimeError(f"{page} ({member}): {(at.exception or at.error)[0].value}")
    if not (at.title or at.header or at.subheader):
        raise RuntimeError(f"{page} ({member}): the page shows no headings; it did not render")
    shown = at.query_params.get("gemeente")
    if member is not None and shown != member:
        raise RuntimeError(f"{page}: asked for member {member}, the page is about {shown}")
    return ms


def _stats(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"median_ms": round(statistics.median(s), 1), "min_ms": round(s[0], 1), "max_ms": round(s[-1], 1),
            "p10_ms": round(s[len(s) // 10], 1), "p90_ms": round(s[min(len(s) - 1, (len(s) * 9) // 10)], 1),
            "runs": len(s)}


def time_members(warehouse: Path, runs: int, pages: list[str], visit: int, timed: int, *,
                 timeout: float = 300, profile: Path | None = None) -> dict:
    """The three measurements above; ``visit`` members for memory, ``timed`` other members per page timed."""
    import bench_pages

    store = warehouse.parent / f"{warehouse.name}-bench-store-{os.getpid()}.sqlite"
    store.unlink(missing_ok=True)
    os.environ.update(MSD_WAREHOUSE=str(warehouse), MSD_NO_DEMO="1", MSD_PUBLIC="1", MSD_STORE_URL=f"sqlite:///{store}")
    counted = _CountedProtection()
    out: dict = {"rss_mb_start": rss_mb(), "pages": {}}
    try:
        t = time.perf_counter()
        apps = {page: _app(page, timeout) for page in pages}
        out["open_s"] = round(time.perf_counter() - t, 2)
        wh = _release_warehouse(warehouse)
        members = wh.members
        out["members"] = len(members)
        out["member_names_in_meta"] = bool(wh.release.meta.get("member_names"))
        others = [members[i] for i in _spread(len(members), timed)]
        for page, at in apps.items():
            block = {"home_cold_ms": round(_run(at, page, None), 1)}
            block["home_warm"] = _stats([_run(at, page, None) for _ in range(runs)])
            block["protection_home"] = counted.take()
            block["members"] = {}
            for code in others:
                prof = bench_pages._profile_script_runs() if profile is not None else None
                if prof is not None:
                    prof.active = True
                cold = _run(at, page, code)
                first = counted.take()
                if prof is not None:
                    prof.active = False
                    profile.mkdir(parents=True, exist_ok=True)
                    prof.profile.dump_stats(str(profile / f"members-{Path(page).stem}-{code}-cold.prof"))
                    prof = bench_pages._profile_script_runs()
                warm = []
                for _ in range(runs):
                    if prof is not None:
                        prof.active = True
                    warm.append(_run(at, page, code))
                    if prof is not None:
                        prof.active = False
                if prof is not None:
                    profile.mkdir(parents=True, exist_ok=True)
                    prof.profile.dump_stats(str(profile / f"members-{Path(page).stem}-{code}.prof"))
                block["members"][code] = {"cold_ms": round(cold, 1), "warm": _stats(warm),
                                          "protection_first_visit": first, "protection_warm": counted.take()}
            out["pages"][page] = block
        out["stores_after_timing"] = stores(wh)
        out["memory"] = _visit_all(apps, wh, members[:visit] if visit else members, counted)
        out["picker_names_ms"] = _picker_names(wh, runs)
    finally:
        counted.close()
    out["rss_mb_end"] = rss_mb()
    return out


def _spread(n: int, k: int) -> list[int]:
    """``k`` member positions spread over the list, the home member (0) left out."""
    if n < 2 or k < 1:
        return []
    return sorted({max(1, min(n - 1, round(i * (n - 1) / k))) for i in range(1, k + 1)})


def _visit_all(apps: dict, wh, members: list[str], counted: _CountedProtection) -> dict:
    """Every member in turn on every page (each a first visit for most), with RSS and store sizes along."""
    gc.collect()
    start = rss_mb()
    steps, times = [], []
    marks = {1, 2, 5, *range(10, 101, 10), 150, 200, 250, 300, len(members)}
    for n, code in enumerate(members, start=1):
        for page, at in apps.items():
            times.append(_run(at, page, code))
        if n in marks:
            gc.collect()
            steps.append({"members_visited": n, "rss_mb": rss_mb(), **stores(wh)})
    home_again = {page: round(_run(at, page, wh.gemeente), 1) for page, at in apps.items()}
    again = {page: round(_run(at, page, members[-1]), 1) for page, at in apps.items()}
    end = steps[-1]["rss_mb"] if steps else start
    return {"rss_mb_before": start, "steps": steps, "visits": len(times), "visit_ms": _stats(times),
            "rss_mb_per_member": round((end - start) / max(1, len(members)), 2),
            "protection": counted.take(), "home_again_ms": home_again, "last_member_again_ms": again}


def _picker_names(wh, runs: int) -> dict:
    """The member picker names every member on every run (``format_func=wh.member_name``)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for code in wh.members:
            wh.member_name(code)
        times.append((time.perf_counter() - t) * 1000)
    return _stats(times)
