"""Build the static public edition of one release.

Everything shown comes from the same functions the app uses: the query layer (suppressed figures),
the Altair charts of ``components.charts``, the describing sentence, table and source line of
``components.indicator_view``, the downloads of ``components.export``. User content is read with the
council member's role (what an anonymous visitor of a public monitor may see): published notes and
published dossiers only, never a draft.

Layout of ``OUT``::

    index.html                the editions in this folder, newest first
    assets/                   shared: stylesheet, script, the chart library (Vega, from vl-convert)
    <release id>/             one folder per release, so a link to a figure stays valid
        index.html            overview
        <law>.html            one page per law
        cijfers/<id>.html     one figure: chart, table, sentence, source, duiding, downloads
        embed/<id>.html       the same figure for an iframe in a council document
        wijken.html, wijken/<id>.html, trends.html, doelen.html, dossiers/..., open-data/...
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import sys
import time
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from components import comparison_view
from components.law_page import LAW_INFO
from publish.context import LAW_PAGES, BuildContext, environment
from publish.figures import draw_pictures, figure_regions, open_data_rows, series_figure, wijk_figure
from publish.pages import (
    copy_assets,
    headline_items,
    write_dossiers,
    write_law_page,
    write_open_data,
    write_release_list,
)
from queries import Warehouse, protection
from queries import figures as q
from store.db import Database
from store.dossiers import DossierStore
from store.notes import NoteStore

__all__ = ["build", "figure_regions", "law_shares", "signal_pages", "write_goals_page", "write_release_list"]
log = logging.getLogger(__name__)

# Processes that build the law, figure and wijk pages (queries, charts, pictures, workbooks) while this one
# writes the goals and dossiers; 0 builds everything in this process. vl-convert keeps the GIL while it
# draws, so threads do not help; processes use the second core.
WORKERS = 2
LAW_PAGE_WEIGHT = 8  # measured: a law page costs about as much as eight figure pages
build_stats: dict[str, float] = {}  # the last build: CPU seconds per process kind, and whether workers ran
_worker: dict[str, BuildContext] = {}


def signal_pages(wh: Warehouse, ctx: BuildContext) -> list[tuple[str, str]]:
    """HOOK for the signals (built in parallel elsewhere): write the signal pages into ``ctx`` and return
    their (relative path, title) for the navigation. Until signals exist there are none."""
    return []


def _context(wh: Warehouse, root: Path, store_url: str | None, **kwargs) -> BuildContext:
    db = Database(store_url) if store_url else None
    return BuildContext(wh=wh, root=root, notes=NoteStore(db) if db else None,
                        dossiers=DossierStore(db) if db else None, env=environment(), **kwargs)


def build(wh: Warehouse, out: Path, *, store_url: str | None) -> Path:
    """Write the edition of ``wh``'s release into ``out/<release id>`` (replaced whole) and the list of
    editions into ``out/index.html``. Returns the release folder."""
    started = time.process_time()
    out = Path(out)
    final = out / wh.release.id
    tmp = out / f".{wh.release.id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if store_url:
        Database(store_url).migrate()
    ctx = _context(wh, tmp, store_url)
    ctx.nav_extra = signal_pages(wh, ctx)
    worker_cpu = _write_pages(ctx, store_url)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    write_release_list(out, current=wh.release.id)
    build_stats.update(main_cpu_s=time.process_time() - started, worker_cpu_s=worker_cpu)
    return final


def protect_ahead(wh: Warehouse, indicator_ids: list[str]) -> None:
    """Decide the secondary suppression of these figures in one protection run, instead of one run per
    figure page. Per indicator, as its own query asks it, so the cells hidden are the same."""
    regions = [wh.gemeente, *wh.peers]
    protection.protect_ahead(wh, [pl.DataFrame({"indicator_id": [i] * len(regions), "region_code": regions})
                         for i in indicator_ids])


def law_shares(wh: Warehouse, n: int) -> list[list[str]]:
    """The laws split over ``n`` workers by their work (largest first, each to the lightest share): one per
    figure and wijk map, ``LAW_PAGE_WEIGHT`` for the law page. A law's figures go together: the secondary
    suppression of an indicator group is computed once per process, and a law's pages ask for the same groups."""
    weight = dict.fromkeys([*LAW_INFO, "context"], LAW_PAGE_WEIGHT)
    for law in q.catalogue(wh)["law"].to_list() + q.wijk_indicators(wh)["law"].to_list():
        weight[law] = weight.get(law, 0) + 1
    shares: list[list[str]] = [[] for _ in range(max(1, n))]
    load = [0] * len(shares)
    for law in sorted(weight, key=lambda k: (-weight[k], k)):
        i = load.index(min(load))
        shares[i].append(law)
        load[i] += weight[law]
    return [s for s in shares if s]


def build_laws(ctx: BuildContext, laws: list[str], year: int | None) -> dict:
    """Per law its page and headline tiles, every figure (page, embed, picture, downloads) and every wijk
    map. Returns what the pages that list them need. Runs in a worker, or here when there is none."""
    wh = ctx.wh
    cat = q.catalogue(wh).sort("law", "order", "id")
    protect_ahead(wh, cat.filter(pl.col("law").is_in(laws))["id"].to_list())
    done: dict = {"figures": {}, "wijken": {}, "headlines": {}}
    for law in laws:
        write_law_page(ctx, law, year)
        done["headlines"][law] = headline_items(wh, law, year)
        for ind in cat.filter(pl.col("law") == law).iter_rows(named=True):
            fig, df = series_figure(ctx, ind["id"])
            ctx.write(f"cijfers/{ind['id']}.html", "figure.html", fig=fig,
                      back=(f"{law}.html", LAW_PAGES.get(law, law)), embed=f"embed/{ind['id']}.html")
            ctx.write(f"embed/{ind['id']}.html", "embed.html", fig=fig, page=f"cijfers/{ind['id']}.html")
            done["figures"][ind["id"]] = (fig.title, open_data_rows(df))
        for ind in q.wijk_indicators(wh).filter(pl.col("law") == law).iter_rows(named=True):
            built = wijk_figure(ctx, ind["id"])
            if built is None:
                continue
            fig, values = built
            ctx.write(f"wijken/{ind['id']}.html", "figure.html", fig=fig, back=("wijken.html", "Wijken"), embed=None)
            done["wijken"][ind["id"]] = (f"wijken/{ind['id']}.html", fig.title, fig,
                                         open_data_rows(values.with_columns(indicator_id=pl.lit(ind["id"]))))
    draw_pictures(ctx)  # a chart that fails to draw fails the build
    return done


def _start_worker(release, settings, member: str, store_url: str | None, root: Path, nav_extra: list,
                  goal_overview) -> None:
    """A worker process: its own read-only connection to the release and to the store, for the same member."""
    _worker["ctx"] = _context(Warehouse(release, settings).for_member(member), root, store_url, nav_extra=nav_extra,
                              _goals=goal_overview)


def _laws_job(laws: list[str], year: int | None) -> dict:
    done = build_laws(_worker["ctx"], laws, year)
    done["cpu_s"] = time.process_time()  # the worker lives for one build: all its CPU time is this build's
    return done


def _pool(n: int, initargs: tuple) -> ProcessPoolExecutor:
    """Freshly spawned workers: they import the code anew and inherit nothing but the environment and
    the arguments. Forking a process whose DuckDB, Polars and vl-convert threads run is not safe, and a
    fork server outlives the build with the environment and state of the moment it started."""
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=initargs)


@contextmanager
def _no_main_script() -> Iterator[None]:
    """While workers start, ``__main__`` is a module without file or spec. A spawned worker first runs the
    parent's main script again; once Streamlit has run a script in this process (the app, AppTest), that
    script is ``__main__``, so each worker would run the app's page and die (BrokenProcessPool)."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def write_goals_page(ctx: BuildContext) -> None:
    """Doelen: every goal with its status and rule, in the words of the app's page."""
    ctx.write("doelen.html", "goals.html", goals=ctx.goal_overview().to_dicts(),
              rules=comparison_view.goal_rules_text().replace("*", ""))


def _own_pages(ctx: BuildContext) -> None:
    write_goals_page(ctx)
    write_dossiers(ctx)
    draw_pictures(ctx)


def _build_everywhere(ctx: BuildContext, store_url: str | None, year: int | None) -> tuple[list[dict], float]:
    """The laws in worker processes while this process writes its own pages. If the pool cannot run (a
    worker that dies, a system without processes), the laws are built here: slower, the same edition."""
    wh, shares = ctx.wh, law_shares(ctx.wh, WORKERS)
    own_done, parts = False, None
    if WORKERS > 0:
        initargs = (wh.release, wh.settings, wh.gemeente, store_url, ctx.root, ctx.nav_extra, ctx.goal_overview())
        try:
            with _pool(len(shares), initargs) as pool:
                with _no_main_script():  # a worker process starts at its first job
                    jobs = [pool.submit(_laws_job, laws, year) for laws in shares]
                _own_pages(ctx)
                own_done = True
                parts = [job.result() for job in jobs]
        except (BrokenProcessPool, OSError) as exc:
            log.warning("Bouwprocessen zijn uitgevallen (%s); de site wordt in dit proces gebouwd.", exc)
            parts = None
    build_stats["workers_used"] = float(parts is not None)
    if parts is None:
        if not own_done:
            _own_pages(ctx)
        return [build_laws(ctx, laws, year) for laws in shares], 0.0
    return parts, sum(p.pop("cpu_s") for p in parts)


def _write_pages(ctx: BuildContext, store_url: str | None) -> float:
    """Returns the CPU seconds the workers used."""
    wh, out, tmp = ctx.wh, ctx.root.parent, ctx.root
    copy_assets(out)
    year = q.latest_year(wh, q.headline_ids(wh), [wh.gemeente])
    parts, worker_cpu = _build_everywhere(ctx, store_url, year)
    done: dict = {"figures": {}, "wijken": {}, "headlines": {}}
    for part in parts:
        for key, values in part.items():
            done[key].update(values)
    ctx.write("index.html", "overview.html", year=year,
              headlines=[(law, LAW_PAGES[law], done["headlines"][law]) for law in [*LAW_INFO, "context"]])
    # The open data in a fixed order, however the laws were shared: every figure, then every wijk map.
    figure_titles: dict[str, str] = {}
    for indicator_id in q.catalogue(wh).sort("law", "order", "id")["id"].to_list():
        figure_titles[indicator_id], rows = done["figures"][indicator_id]
        ctx.open_rows.append(rows)
    wijk_links, first_map = [], None
    for indicator_id in q.wijk_indicators(wh)["id"].to_list():
        if indicator_id not in done["wijken"]:
            continue
        rel, title, fig, rows = done["wijken"][indicator_id]
        ctx.open_rows.append(rows)
        wijk_links.append((rel, title))
        first_map = first_map or fig
    ctx.write("wijken.html", "wijken.html", links=wijk_links, fig=first_map)
    by_law = [(LAW_PAGES.get(law, law), [(i, figure_titles[i]) for i in q.indicators_for_law(wh, law)["id"]])
              for law in [*LAW_INFO, "context"]]
    ctx.write("trends.html", "trends.html", by_law=by_law)
    write_open_data(ctx)
    (tmp / "release.json").write_text(json.dumps({"release": wh.release.id, "created_at": wh.meta.get("created_at"),
                                                  "gemeente": wh.meta.get("gemeente_name"), "demo": wh.is_demo}),
                                      encoding="utf-8")
    return worker_cpu
