"""Benchmark: our CBS loader against ``cbsodata`` on the real 84799NED table (17,341 rows).

Both clients download from the same local server, which serves the real extract from ``../shared/cbs`` as
OData v3 pages (10,000 rows per page). Every run is a fresh Python process, so import caches and memory
do not leak between runs; peak memory is the process's peak RSS above its RSS after the imports.

    /work/venv/bin/pip install -r requirements-bench.txt
    /work/venv/bin/python benchmarks/bench_cbs.py [--runs 5]

Writes ``benchmarks/results/cbs.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_CBS = ROOT / ".." / "shared" / "cbs"
RESULTS = ROOT / "benchmarks" / "results" / "cbs.json"
TABLE = "84799NED"


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(which: str, url: str) -> None:
    """One measured load in this (fresh) process; prints a JSON line."""
    sys.path.insert(0, str(ROOT))
    import cbsodata  # noqa: F401  (imported by both, so the baseline is the same)
    import polars  # noqa: F401

    import settings
    from etl.cbs import Options, run_load

    base_rss = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    fetch_peak = None
    if which == "ours":
        import etl.cbs

        real_publish = etl.cbs.publish

        def publish_spy(*a, **k):  # peak memory of the load itself, before the warehouse write
            nonlocal fetch_peak
            fetch_peak = (_rss_kb("VmHWM") - base_rss) / 1024
            return real_publish(*a, **k)

        etl.cbs.publish = publish_spy
        with tempfile.TemporaryDirectory() as wh:
            rep = run_load(Options(warehouse=Path(wh), catalogue=settings.CATALOGUE_PATH, tables=[TABLE],
                                   base_url=url, v4_base_url=url))
            elapsed = time.perf_counter() - t0  # before the benchmark removes the warehouse again
            n = rep.observations
            fetch = rep.fetch_seconds
    else:
        cbsodata.options.catalog_url = url.removeprefix("http://")
        cbsodata.options.use_https = False
        if which == "cbsodata":
            rows = cbsodata.get_data(TABLE)  # the usual call: whole table, codes replaced by titles
        else:  # cbsodata_select: the same columns ours asks for
            from etl.cbs import plan
            from warehouse import catalogue

            prefixes = {w.measure for w in plan(catalogue.load(settings.CATALOGUE_PATH), [TABLE])[TABLE]}
            cols = json.loads(Path(sys.argv[4]).read_text())
            rows = cbsodata.get_data(TABLE, select=["WijkenEnBuurten"] + [c for c in cols
                                                                          if c.rsplit("_", 1)[0] in prefixes])
        n = len(rows)
        elapsed = time.perf_counter() - t0
    if which != "ours":
        fetch = elapsed
        fetch_peak = (_rss_kb("VmHWM") - base_rss) / 1024
    peak = _rss_kb("VmHWM")
    print(json.dumps({"which": which, "seconds": elapsed, "fetch_seconds": fetch, "fetch_peak_mb": fetch_peak,
                      "rows": n, "peak_rss_mb": peak / 1024, "peak_over_base_mb": (peak - base_rss) / 1024}))


def summarise(runs: list[dict]) -> dict:
    secs = [r["seconds"] for r in runs]
    mem = [r["peak_over_base_mb"] for r in runs]
    return {
        "runs": len(runs), "rows": runs[0]["rows"],
        "seconds_median": round(statistics.median(secs), 4), "seconds_min": round(min(secs), 4),
        "seconds_max": round(max(secs), 4),
        "fetch_seconds_median": round(statistics.median(r["fetch_seconds"] for r in runs), 4),
        "fetch_peak_mem_mb_median": round(statistics.median(r["fetch_peak_mb"] for r in runs), 1),
        "peak_mem_mb_median": round(statistics.median(mem), 1), "peak_mem_mb_min": round(min(mem), 1),
        "peak_mem_mb_max": round(max(mem), 1),
        "peak_rss_mb_median": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
    }


def scenario(fake, url: str, cols_file: Path, runs: int, label: str) -> dict:
    results: dict[str, list[dict]] = {"ours": [], "cbsodata": [], "cbsodata_select": []}
    requests: dict[str, int] = {}
    sent: dict[str, int] = {}
    for which in results:  # warm-up, not measured (and fills the response cache in the "cached" scenario)
        subprocess.run([sys.executable, __file__, "--child", which, url, str(cols_file)],
                       capture_output=True, text=True, check=True)
    for i in range(runs):
        for which in results:  # interleaved, so drift in the machine hits all alike
            before, bytes_before = len(fake.requests), fake.bytes_sent
            out = subprocess.run([sys.executable, __file__, "--child", which, url, str(cols_file)],
                                 capture_output=True, text=True, check=True)
            results[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
            requests[which] = len(fake.requests) - before
            sent[which] = fake.bytes_sent - bytes_before
            r = results[which][-1]
            print(f"{label} run {i + 1} {which:16s} {r['seconds']:.3f}s  +{r['peak_over_base_mb']:.0f} MB",
                  file=sys.stderr)
    summary = {k: summarise(v) | {"http_requests": requests[k], "mb_received": round(sent[k] / 1e6, 2)}
               for k, v in results.items()}
    ours, cbs, sel = summary["ours"], summary["cbsodata"], summary["cbsodata_select"]
    return summary | {
        "speedup_vs_cbsodata": round(cbs["seconds_median"] / ours["seconds_median"], 2),
        "speedup_vs_cbsodata_load_only": round(cbs["seconds_median"] / ours["fetch_seconds_median"], 2),
        "speedup_vs_cbsodata_select": round(sel["seconds_median"] / ours["seconds_median"], 2),
        "speedup_vs_cbsodata_select_load_only": round(sel["seconds_median"] / ours["fetch_seconds_median"], 2),
        "memory_ratio_cbsodata_over_ours": round(cbs["peak_mem_mb_median"] / max(ours["peak_mem_mb_median"], 0.1), 2),
        "memory_ratio_cbsodata_over_ours_load_only": round(
            cbs["peak_mem_mb_median"] / max(ours["fetch_peak_mem_mb_median"], 0.1), 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mbit", type=float, default=100.0, help="simulated bandwidth for the network scenario")
    ap.add_argument("--latency-ms", type=float, default=20.0, help="simulated time per request (network scenario)")
    args = ap.parse_args()
    if not (SHARED_CBS / f"{TABLE}-v3").exists():
        print(f"Real CBS extract not found at {SHARED_CBS.resolve()}; cannot benchmark.", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from tests.cbs.fakecbs import FakeCBS, Server, real_84799

    fake = FakeCBS()
    table = real_84799(SHARED_CBS)
    fake.v3[TABLE] = table
    cols_file = Path(tempfile.mkstemp(suffix=".json")[1])
    cols_file.write_text(json.dumps(table.data.columns))
    with Server(fake) as url:
        # live: the server builds every answer, as CBS does (its cost grows with the bytes asked for);
        # cached: answers come from memory, so only the clients' own work is timed;
        # network: cached answers sent over a simulated link (bandwidth + time per request), closer to the
        # real opendata.cbs.nl where the bytes asked for dominate.
        live = scenario(fake, url, cols_file, args.runs, "live")
        fake.cache_responses = True
        cached = scenario(fake, url, cols_file, args.runs, "cached")
        fake.latency_ms, fake.mbit = args.latency_ms, args.mbit
        network = scenario(fake, url, cols_file, args.runs, "network")
    cols_file.unlink(missing_ok=True)
    report = {
        "table": TABLE, "source_rows": table.data.height,
        "server": "local http.server in the benchmark process (same for all clients), OData v3 pages of 10,000 rows",
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "runs_per_client": args.runs,
        "live": live, "cached": cached,
        "network": network | {"link": f"{args.mbit:g} Mbit/s, {args.latency_ms:g} ms per request (simulated)"},
        "notes": ("ours = full `etl cbs` run for the catalogue's 84799NED measures (10 indicators x 17,341 regions): "
                  "metadata, download ($select of the needed columns, keep-alive session, pages parsed straight "
                  "into Polars while the next page and the region list download on a second connection), "
                  "reshape to observations, atomic publish (Parquet + DuckDB). fetch_* = ours up to the publish. "
                  "cbsodata = cbsodata.get_data(table) (whole table, codes replaced by titles, list of dicts); cbsodata_select = the same call with select= the columns ours needs. "
                  "Times are medians of fresh processes; peak memory is peak RSS above RSS after imports."),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
