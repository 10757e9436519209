"""Time the signal engine at publish and the Signalen page warm, on the demo and a national-scale warehouse.

    python benchmarks/bench_signals.py [--runs 5] [--page-runs 15] [--skip-national]

"All signals" is :func:`queries.signals.store` on a freshly opened release (empty result cache): what the
post-publication step does (every kind, revisions against the release before, written to signals.json).
"Read stored" is the first request of a release after that: open it and read the file. The page figures
are warm script runs of Signalen and Overzicht (the signals are then cached with the release). The national-scale warehouse is the one of bench_pages.py (350
municipalities, 3,500 wijken, 14,000 buurten, 11 years, 100+ indicators), built in benchmarks/tmp/ when
missing. Results go to benchmarks/results/signals.json; read medians and spreads, not single numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pages import TMP, _stats, build_national, national_catalogue, time_pages  # noqa: E402

from etl import demo  # noqa: E402
from warehouse.releases import current_release  # noqa: E402

PAGES = ["app_pages/signalen.py", "app_pages/overzicht.py"]


def time_compute(warehouse: Path, runs: int) -> dict:
    from queries import Warehouse
    from queries import signals as sg

    times, cpu, read, count = [], [], [], 0
    load_before = os.getloadavg()[0]
    for _ in range(runs):
        wh = Warehouse.open(warehouse)  # a new release object: nothing cached
        r0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        count = len(sg.store(wh))
        times.append((time.perf_counter() - t) * 1000)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        # CPU of all threads: on a shared machine the wall time mostly says how busy the others are.
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
        wh.close()
        t = time.perf_counter()
        wh = Warehouse.open(warehouse)
        assert len(sg.signals(wh)) == count
        read.append((time.perf_counter() - t) * 1000)
        wh.close()
    return {**_stats(times), "cpu_median_ms": round(statistics.median(cpu), 1), "cpu": _stats(cpu), "signals": count,
            "read_stored": _stats(read), "load_average_before": load_before, "load_average": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--page-runs", type=int, default=15)
    ap.add_argument("--skip-national", action="store_true")
    args = ap.parse_args()
    TMP.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    targets = [("demo", TMP / "demo-warehouse")]
    if not args.skip_national:
        targets.append(("national", TMP / "national-warehouse"))
    for label, path in targets:
        if current_release(path) is None:
            if label == "demo":
                demo.build(path, progress=lambda *_: None)
            else:
                results["national_size"] = build_national(path, national_catalogue(TMP / "national-catalogue.toml"))
        results[label] = {"compute": time_compute(path, args.runs), "pages": time_pages(path, args.page_runs, PAGES, timeout=300)}
        c = results[label]["compute"]
        print(f"== {label}: all signals ({c['signals']}) median {c['median_ms']:.0f} ms "
              f"(p10 {c['p10_ms']:.0f}, p90 {c['p90_ms']:.0f}, {c['runs']} runs; CPU {c['cpu_median_ms']:.0f} ms, "
              f"p10 {c['cpu']['p10_ms']:.0f}, p90 {c['cpu']['p90_ms']:.0f}; load {c['load_average_before']:.1f} before, "
              f"{c['load_average']:.1f} after); read stored median {c['read_stored']['median_ms']:.0f} ms")
        for page, s in results[label]["pages"].items():
            print(f"   {page:26s} warm median {s['median_ms']:7.1f} ms   p10 {s['p10_ms']:7.1f}   p90 {s['p90_ms']:7.1f}")
    out = ROOT / "benchmarks" / "results" / "signals.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
