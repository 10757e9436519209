"""Time the build of the demo's public edition (target: under 30 seconds).

    python benchmarks/bench_site.py [--runs 3] [--warehouse PATH]

The demo warehouse is built in a temporary directory (about half a minute, not timed) unless
``--warehouse`` names one. Each run builds the whole edition (every figure, wijk map, embed, download
and the open data) into a fresh folder with an empty store; the Vega bundle is cached per vl-convert
version after the first run (a warm-up, not timed), as it is on a server that publishes after every load.
The laws are built by ``site.WORKERS`` spawned worker processes (``--workers 0``: all in this process); each
build starts its own workers, so their start (importing the code) is timed. CPU time is this process plus
the workers (``site.build_stats``), so it is the whole build's.
Results go to benchmarks/results/site.json. A benchmark, not a test: read medians and spreads.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import demo
from publish import site
from queries import Warehouse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=site.WORKERS)
    args = parser.parse_args()
    site.WORKERS = args.workers
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = args.warehouse
        if path is None:
            path = tmp / "warehouse"
            demo.build(path, progress=lambda *_: None)
        load0 = round(os.getloadavg()[0], 1)
        times, cpu, cpu_main, cpu_workers, files, size = [], [], [], [], 0, 0
        for run in range(args.runs + 1):
            wh = Warehouse.open(path)  # a fresh query cache: every run asks the warehouse again
            out = tmp / f"out-{run}"
            t0, c0 = time.perf_counter(), time.process_time()
            folder = site.build(wh, out, store_url=f"sqlite:///{tmp / f'store-{run}.sqlite'}")
            elapsed, used = time.perf_counter() - t0, time.process_time() - c0
            wh.close()
            if run:  # run 0 warms vl-convert's JavaScript engine and the bundle cache
                workers = site.build_stats.get("worker_cpu_s", 0.0)
                times.append(elapsed)
                cpu.append(used + workers)
                cpu_main.append(used)
                cpu_workers.append(workers)
            all_files = [p for p in folder.rglob("*") if p.is_file()]
            files, size = len(all_files), sum(p.stat().st_size for p in all_files)
    result = {
        "what": "static public edition of the demo (python -m publish site)", "files": files, "bytes": size,
        "runs": args.runs, "median_s": round(statistics.median(times), 2), "min_s": round(min(times), 2),
        "max_s": round(max(times), 2), "stdev_s": round(statistics.stdev(times), 2) if len(times) > 1 else 0.0,
        "cpu_median_s": round(statistics.median(cpu), 2),  # all processes: what the build costs
        "cpu_main_median_s": round(statistics.median(cpu_main), 2),
        "cpu_workers_median_s": round(statistics.median(cpu_workers), 2), "workers": site.WORKERS,
        "workers_used": bool(site.build_stats.get("workers_used")),
        "target_s": 30.0, "cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 1), "load_1min_start": load0,
        "python": platform.python_version(), "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    print(json.dumps(result, indent=2))
    print(f"median {result['median_s']} s, spread {result['min_s']}-{result['max_s']} s "
          f"(stdev {result['stdev_s']} s) over {args.runs} runs, CPU time {result['cpu_median_s']} s; "
          f"target {result['target_s']} s")
    results = ROOT / "benchmarks" / "results" / "site.json"
    results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
