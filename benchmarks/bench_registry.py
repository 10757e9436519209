"""Benchmark: load a registry extract of 1,000,000 rows (target: under 10 s on a 2-core machine).

Generates a synthetic Wmo extract in the standard profile (BSN-like ids, birth dates, postcodes),
then times ``etl.registry.load`` into a scratch warehouse, each run in a fresh process so the peak
memory (max RSS) is that of one load. Writes benchmarks/results/registry.json.

    python benchmarks/bench_registry.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GEMEENTE = "GM9990"
REFERENCE = date(2025, 12, 31)
N_WIJKEN, BUURTEN_PER_WIJK, POSTCODES_PER_BUURT = 40, 3, 20


def postcode_table() -> tuple[bytes, list[str]]:
    lines = ["postcode,buurt_code,wijk_code,gemeente_code"]
    codes = []
    for w in range(N_WIJKEN):
        for b in range(BUURTEN_PER_WIJK):
            for p in range(POSTCODES_PER_BUURT):
                pc = f"{1000 + w * 10 + b}{chr(65 + p // 10)}{chr(65 + p % 10)}"
                codes.append(pc)
                lines.append(f"{pc},BU9990{w + 1:02d}{b + 1:02d},WK9990{w + 1:02d},{GEMEENTE}")
    return ("\n".join(lines) + "\n").encode(), codes


def synthetic_extract(rows: int, seed: int = 1) -> bytes:
    """A Wmo extract in the standard profile: about 3 provisions per person, 1.4 persons per household."""
    rng = np.random.default_rng(seed)
    _, postcodes = postcode_table()
    persons = max(1, rows // 3)
    person = rng.integers(0, persons, rows)
    household = person * 5 // 7
    bsn = (100_000_000 + person * 7).astype(str)
    hh = np.char.add("HH", household.astype(str))
    day0 = np.datetime64("2015-01-01")
    birth = np.datetime64("1930-01-01") + (person * 7919 % 30_000).astype("timedelta64[D]")
    pc = np.array(postcodes)[household % len(postcodes)]
    # Up to 3,900 days: with the waits below every date stays before the extract date (no bad rows).
    request = day0 + rng.integers(0, 3900, rows).astype("timedelta64[D]")
    decision = request + rng.integers(5, 90, rows).astype("timedelta64[D]")
    start = decision + rng.integers(0, 30, rows).astype("timedelta64[D]")
    end = start + rng.integers(30, 1500, rows).astype("timedelta64[D]")
    ref = np.datetime64(REFERENCE.isoformat())
    end_s = np.where(end > ref, "", end.astype(str))
    product = np.array([f"{i:02d}" for i in range(1, 19)])[rng.integers(0, 18, rows)]
    route = np.array(["maatwerk", "maatwerk", "maatwerk", "algemene_voorziening", "eigen_netwerk"])[
        rng.integers(0, 5, rows)]
    form = np.where(rng.random(rows) < 0.1, "PGB", "ZIN")
    amount = np.char.mod("%.2f", rng.gamma(2.0, 1500.0, rows))
    cols = [bsn, hh, birth.astype(str), pc, np.full(rows, ""), request.astype(str), decision.astype(str), route,
            product, start.astype(str), end_s, np.full(rows, ""), form, np.full(rows, "Aanbieder"), np.full(rows, ""),
            amount]
    header = ("client_id,household_id,birth_date,postcode,wijk_code,request_date,decision_date,route,product_code,"
              "start_date,end_date,end_reason,delivery_form,provider,referrer,amount_paid\n")
    body = "\n".join(",".join(r) for r in zip(*cols, strict=True))
    return (header + body + "\n").encode()


def one_run(extract: Path, postcodes: Path) -> None:
    """In a child process: one load, then print seconds and peak memory as JSON."""
    from etl import registry

    with tempfile.TemporaryDirectory() as wh:
        t0 = time.perf_counter()
        report = registry.load([registry.Extract("wmo", extract.name, extract.read_bytes())], postcodes.read_bytes(),
                               gemeente=GEMEENTE, warehouse=Path(wh), reference_date=REFERENCE)
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "observations": report.observations}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "registry.json")
    args = ap.parse_args()
    if args.child:
        one_run(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        extract, pcs = Path(tmp) / "wmo.csv", Path(tmp) / "postcodes.csv"
        t0 = time.perf_counter()
        extract.write_bytes(synthetic_extract(args.rows))
        pcs.write_bytes(postcode_table()[0])
        print(f"extract: {args.rows:,} rows, {extract.stat().st_size / 1e6:.0f} MB, generated in "
              f"{time.perf_counter() - t0:.1f} s")
        runs = []
        for i in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--child", str(extract), str(pcs)], check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"run {i + 1}: {runs[-1]['seconds']:.2f} s, peak {runs[-1]['peak_mb']:.0f} MB, "
                  f"{runs[-1]['observations']:,} observations")
    secs = [r["seconds"] for r in runs]
    result = {
        "rows": args.rows, "runs": runs, "median_seconds": statistics.median(secs),
        "min_seconds": min(secs), "max_seconds": max(secs),
        "median_peak_mb": statistics.median(r["peak_mb"] for r in runs),
        "target_seconds": 10, "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    print(f"median {result['median_seconds']:.2f} s (min {result['min_seconds']:.2f}, max {result['max_seconds']:.2f}),"
          f" peak memory {result['median_peak_mb']:.0f} MB; target < 10 s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
