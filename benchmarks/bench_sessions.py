"""Many people at once: N browser sessions open a page with a chart at the same time.

    python benchmarks/bench_sessions.py [--sessions 50] [--client websocket|browser] [--ramp 0]
        [--page wmo?indicator=...|dossier] [--servers N]

Starts a real Streamlit server on the demo warehouse (built in benchmarks/tmp/ when missing); with
--servers N, N servers behind HAProxy on one throw-away PostgreSQL store, started by scripts/serve.sh,
and the sessions go through HAProxy. --page is a page with its query, or ``dossier``: the stable link of
the demo's published dossier. One warm-up visit per server loads the warehouse and the caches; then N
sessions open the page, arriving evenly spread over --ramp seconds (0: all at the same moment). Two
kinds of client:

- websocket (default): each session speaks Streamlit's own protocol over its own websocket, exactly
  as the browser's frontend does (BackMsg rerun request in, ForwardMsg deltas out). Time to first
  chart = from opening the websocket until the server has sent the first Vega-Lite chart element.
  This measures the server: what remote council members, each with their own computer, wait for.
- browser: one headless Chromium (Debian's /usr/bin/chromium, or MSD_CHROMIUM), one context per
  session; time from navigation start until the first chart has drawn a visible mark. All N
  frontends render on this machine's cores next to the server, so this measures the machine.

Measured on the servers (summed over all of them): resident memory (RSS, from /proc) before the N sessions
and after all of them have rendered, divided by N ("memory per session"), and CPU seconds per session.
Results go to benchmarks/results/sessions-<client>[-<servers>servers][-dossier].json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.helpers import CHART_DRAWN_JS, chromium_path, launch_args
from tests.browser.server import start_server, stop_server
from tests.multi.cluster import haproxy_path, start_cluster, stop_cluster
from tests.pgserver import PostgresServer

TMP = ROOT / "benchmarks" / "tmp" / "sessions"
RESULTS = ROOT / "benchmarks" / "results"


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pid: int) -> float:
    """User plus system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health_ok(page_url: str) -> bool:
    """Whether the server still answers /_stcore/health within 10 s (a hung event loop does not)."""
    from urllib.parse import urljoin
    from urllib.request import urlopen

    try:
        with urlopen(urljoin(page_url, "/_stcore/health"), timeout=10) as resp:
            return resp.status == 200
    except OSError:
        return False


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100), no interpolation: a value some session really saw."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ensure_warehouse(path: Path | None) -> Path:
    if path is not None:
        return path
    from etl import demo
    from warehouse.releases import current_release

    wh = TMP / "warehouse"
    if current_release(wh) is None:
        print("building the demo warehouse in", wh, flush=True)
        demo.build(wh, progress=lambda *_: None)
    return wh


async def first_chart_websocket(url: str, timeout_ms: int, delay: float = 0.0,
                                open_sockets: list | None = None) -> tuple[float | None, str | None]:
    """Seconds from opening a Streamlit websocket session until the server sends the first chart."""
    from urllib.parse import urlsplit

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    await asyncio.sleep(delay)
    parts = urlsplit(url)
    request = BackMsg()
    request.rerun_script.page_name = parts.path.strip("/")
    request.rerun_script.query_string = parts.query
    start = time.perf_counter()
    try:
        ws = await websockets.connect(f"ws://{parts.netloc}/_stcore/stream", subprotocols=["streamlit"],
                                      origin=f"{parts.scheme}://{parts.netloc}", max_size=None)
        if open_sockets is not None:
            open_sockets.append(ws)  # stays open (a reader looking at the page) until all have rendered
        await ws.send(request.SerializeToString())
        async with asyncio.timeout(timeout_ms / 1000):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await ws.recv())
                kind = msg.WhichOneof("type")
                if (kind == "delta" and msg.delta.WhichOneof("type") == "new_element"
                        and msg.delta.new_element.WhichOneof("type") == "vega_lite_chart"):
                    return time.perf_counter() - start, None
                if kind in ("script_finished", "page_not_found"):
                    return None, f"page ended without a chart ({kind})"
    except Exception as exc:  # noqa: BLE001 - a failed session is a result, not a crash of the benchmark
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"


@dataclass(frozen=True)
class Target:
    """Where the sessions go: one server, or HAProxy in front of several."""

    url: str  # the address visitors use
    server_urls: list[str]  # each app server's own address (warm-up visits)
    pids: list[int]  # the app server processes, measured together
    store_url: str
    what: str


@contextlib.contextmanager
def serving(servers: int | None, warehouse: Path, extra_env: dict[str, str] | None) -> Iterator[Target]:
    """One server on a SQLite store, or (``servers``) scripts/serve.sh with N servers on one PostgreSQL store."""
    if servers is None:
        store = TMP / "store.sqlite"
        store.unlink(missing_ok=True)
        server = start_server(warehouse, f"sqlite:///{store}", TMP / "server.log", extra_env=extra_env)
        try:
            yield Target(server.url, [server.url], [server.process.pid], server.store_url, "one Streamlit server")
        finally:
            stop_server(server.process)
        return
    if haproxy_path() is None:
        raise SystemExit("no HAProxy: install Debian's package `haproxy`")
    with PostgresServer() as pg:
        store_url = pg.create_database("bench")
        cluster = start_cluster(warehouse, store_url, TMP / "cluster", servers=servers, extra_env=extra_env)
        try:
            yield Target(cluster.url, [cluster.server_url(n) for n in cluster.names],
                         [cluster.pid(n) for n in cluster.names], store_url,
                         f"HAProxy in front of {servers} Streamlit servers (scripts/serve.sh)")
        finally:
            stop_cluster(cluster)


async def page_path(page: str, target: Target, timeout_ms: int) -> str:
    """``page`` itself, or for ``dossier`` the stable link of the demo's published dossier."""
    if page != "dossier":
        return page
    from domain.roles import Role
    from store.db import Database
    from store.dossiers import DossierStore

    # The first visit to the demo writes its example content, the published dossier among it.
    await first_chart_websocket(target.server_urls[0] + "dossiers", timeout_ms)
    found = DossierStore(Database(target.store_url)).list_dossiers(role=Role.RAADSLID, published=True)
    if not found:
        raise RuntimeError("the demo has no published dossier")
    return f"dossiers?dossier={found[0].link_key}"


async def warm_up(visit, target: Target, path: str) -> float:
    """One visit to each server, bypassing HAProxy: it opens the warehouse and fills that server's caches.
    Returns the first server's time to the first chart (a cold server)."""
    colds = []
    for server_url in target.server_urls:
        cold, error = await visit(server_url + path)
        if error:
            raise RuntimeError(f"warm-up visit failed: {error}")
        colds.append(cold)
    return colds[0]


async def run_websocket(target: Target, path: str, sessions: int, timeout_ms: int, ramp: float) -> dict:
    cold = await warm_up(lambda u: first_chart_websocket(u, timeout_ms), target, path)
    await asyncio.sleep(2)
    sockets: list = []
    url = target.url + path

    async def measure() -> list:
        return await asyncio.gather(*(first_chart_websocket(url, timeout_ms, i * ramp / sessions, sockets)
                                      for i in range(sessions)))

    result = await measured(measure, target)
    result["open_sessions"] = sum(1 for ws in sockets if ws.state.name == "OPEN")
    for ws in sockets:
        await ws.close()
    return {"cold_first_chart_s": round(cold, 3), **result}


PY_SPY: dict = {"exe": None, "out": None}  # set by --py-spy: sample the first server during the burst


async def measured(measure, target: Target) -> dict:
    """Run the sessions; the servers' memory and CPU before and after, and whether they still answer."""
    before, cpu_before = sum(map(rss_mb, target.pids)), sum(map(cpu_s, target.pids))
    spy = None
    if PY_SPY["exe"]:
        import subprocess

        # py-spy is a tool of the person profiling (pip install py-spy into any venv), not a requirement.
        spy = subprocess.Popen([PY_SPY["exe"], "record", "--pid", str(target.pids[0]), "--rate", "100", "--format",
                                "raw", "--output", str(PY_SPY["out"]), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(1.0)  # py-spy attaches
    started = time.perf_counter()
    results = await measure()
    wall = time.perf_counter() - started
    if spy is not None:
        import signal

        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    await asyncio.sleep(2)  # sessions idle, as readers looking at the page
    after, cpu_after = sum(map(rss_mb, target.pids)), sum(map(cpu_s, target.pids))
    return {"times": [t for t, _ in results if t is not None], "errors": [e for _, e in results if e is not None],
            "wall_s": round(wall, 2), "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "server_cpu_s_per_session": round((cpu_after - cpu_before) / len(results), 3),
            "server_answers_health_check_after": health_ok(target.url)}


async def first_chart_browser(browser, url: str, timeout_ms: int, delay: float = 0.0) -> tuple[float | None, str | None]:
    """Seconds from navigation start to the first drawn chart in a fresh context, or an error."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=timeout_ms, wait_until="commit")
        await page.wait_for_function(CHART_DRAWN_JS, timeout=timeout_ms)
        return time.perf_counter() - start, None
    except Exception as exc:  # noqa: BLE001 - a timed-out session is a result, not a crash of the benchmark
        state = await page.evaluate("() => { const a = document.querySelector(\"[data-testid='stApp']\"); "
                                    "return a ? a.dataset.testConnectionState + '/' + a.dataset.testScriptState "
                                    ": 'no app'; }")
        return None, f"{type(exc).__name__} ({state}): {str(exc).splitlines()[0][:200]}"
    # The context (and so its websocket session) stays open until every session has rendered.


async def run_browser(target: Target, path: str, sessions: int, timeout_ms: int, ramp: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        args = [*launch_args(), "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows"]
        browser = await pw.chromium.launch(executable_path=chromium_path(), headless=True, args=args)
        cold = await warm_up(lambda u: first_chart_browser(browser, u, timeout_ms), target, path)
        for context in browser.contexts:
            await context.close()
        await asyncio.sleep(2)  # let the servers drop the warm-up sessions
        url = target.url + path

        async def measure() -> list:
            # Session i arrives at i * ramp / sessions seconds (ramp 0: all at the same moment).
            return await asyncio.gather(*(first_chart_browser(browser, url, timeout_ms, i * ramp / sessions)
                                          for i in range(sessions)))

        result = await measured(measure, target)
        result["open_sessions"] = len(browser.contexts)
        for context in browser.contexts:
            await context.close()
        await browser.close()
    return {"cold_first_chart_s": round(cold, 3), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--page", default="wmo?indicator=wmo_clients_per_1000",
                        help="page and query to open (a page with a time chart), or 'dossier': the demo's published "
                             "dossier link")
    parser.add_argument("--servers", type=int, default=None,
                        help="N app servers behind HAProxy on one PostgreSQL store (scripts/serve.sh); "
                             "default: one server, no load balancer")
    parser.add_argument("--warehouse", type=Path, default=None, help="default: the demo in benchmarks/tmp/")
    parser.add_argument("--client", choices=["websocket", "browser"], default="websocket",
                        help="websocket: Streamlit's protocol, measures the server; browser: one local Chromium")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="seconds over which the sessions arrive, evenly spread; 0 = all at once")
    parser.add_argument("--page-runs", type=int, default=None,
                        help="page scripts computing at once on each server (MSD_PAGE_RUNS; default one per core)")
    parser.add_argument("--py-spy", dest="py_spy", type=Path, default=None,
                        help="a py-spy executable (not a requirement: pip install py-spy into any venv): record the "
                             "first server during the burst, folded stacks to benchmarks/tmp/sessions/py-spy.txt")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per session before it counts as failed")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: benchmarks/results/sessions-<client>[-<N>servers][-dossier].json")
    args = parser.parse_args()
    suffix = (f"-{args.servers}servers" if args.servers else "") + ("-dossier" if args.page == "dossier" else "")
    out = args.out or RESULTS / f"sessions-{args.client}{suffix}.json"
    if args.client == "browser" and chromium_path() is None:
        raise SystemExit("no Chromium: install Debian's package `chromium` or set MSD_CHROMIUM")
    if args.servers is not None and args.servers < 1:
        raise SystemExit("--servers must be 1 or more")

    warehouse = ensure_warehouse(args.warehouse)
    TMP.mkdir(parents=True, exist_ok=True)
    if args.py_spy:
        PY_SPY.update(exe=str(args.py_spy), out=TMP / "py-spy.txt")
    load_before = [round(x, 2) for x in os.getloadavg()]
    extra_env = {"MSD_PAGE_RUNS": str(args.page_runs)} if args.page_runs else None
    timeout_ms = int(args.timeout * 1000)

    async def run(target: Target) -> tuple[str, dict]:
        path = await page_path(args.page, target, timeout_ms)
        print(f"{args.sessions} sessions on {target.url}{path} ({target.what})", flush=True)
        measure = run_websocket if args.client == "websocket" else run_browser
        return path, await measure(target, path, args.sessions, timeout_ms, args.ramp)

    with serving(args.servers, warehouse, extra_env) as target:
        path, raw = asyncio.run(run(target))

    times = raw.pop("times")
    per_session = (raw["rss_after_mb"] - raw["rss_before_mb"]) / args.sessions
    result = {
        "what": f"{args.sessions} concurrent sessions open /{path} on {target.what}, arriving over "
                f"{args.ramp:g} s; " + (
                    "each its own websocket speaking Streamlit's protocol; time from opening the socket until the "
                    "server sent the first chart" if args.client == "websocket" else
                    "one local Chromium, one context each; time from navigation start to the first drawn chart")
                + "; server RSS growth (all servers) divided by the number of sessions",
        "client": args.client,
        "servers": args.servers or 1,
        "load_balancer": "haproxy" if args.servers else None,
        "page": args.page,
        "page_runs_at_once": args.page_runs or f"default ({os.cpu_count()})",
        "sessions": args.sessions,
        "ramp_s": args.ramp,
        "completed": len(times),
        "failed": len(raw["errors"]),
        "errors": sorted(set(raw.pop("errors")))[:5],
        "first_chart_median_s": round(statistics.median(times), 2) if times else None,
        "first_chart_p10_s": round(percentile(times, 10), 2) if times else None,
        "first_chart_p90_s": round(percentile(times, 90), 2) if times else None,
        "first_chart_p95_s": round(percentile(times, 95), 2) if times else None,
        "first_chart_min_s": round(min(times), 2) if times else None,
        "first_chart_max_s": round(max(times), 2) if times else None,
        "memory_per_session_mb": round(per_session, 2),
        **raw,
        # Polars' thread pool size of the server (default: one thread per core); see the README.
        "polars_max_threads": os.environ.get("POLARS_MAX_THREADS") or f"default ({os.cpu_count()})",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
        # Others' work on the machine shows here: a quiet 2-core machine reads below 1.
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nfirst chart: median {result['first_chart_median_s']} s, p10-p90 {result['first_chart_p10_s']}-"
          f"{result['first_chart_p90_s']} s, p95 {result['first_chart_p95_s']} s; server CPU "
          f"{result['server_cpu_s_per_session']} s per session; load average {load_before} -> "
          f"{result['load_average_after']}; written to {out}")


if __name__ == "__main__":
    main()
