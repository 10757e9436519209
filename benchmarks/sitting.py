"""All speed targets of issue 22 in one sitting, optionally old and new side by side.

    python benchmarks/sitting.py [--old REV] [--quick]

Runs each benchmark script one after the other (never two at once: they would measure each other),
copies the JSON each one writes into benchmarks/results/sitting-<time>/, and prints one table with the
medians and spread. With --old REV the same scripts run first from a git worktree of REV (its own
scripts against its own code, same machine, same minute), so the table shows old and new together.
--quick uses fewer runs and sessions (a check that everything runs, not figures to quote).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (label, script and arguments, the result file it writes, what to read from it)
STEPS = [
    ("50 sessions, Wmo page, first chart", ["bench_sessions.py", "--sessions", "50"], "sessions-websocket.json",
     lambda r: f"median {r['first_chart_median_s']} s, p95 {r['first_chart_p95_s']} s; "
               f"CPU {r['server_cpu_s_per_session']} s per session"),
    ("50 sessions, published dossier link", ["bench_sessions.py", "--sessions", "50", "--page", "dossier"],
     "sessions-websocket-dossier.json",
     lambda r: f"median {r['first_chart_median_s']} s, p95 {r['first_chart_p95_s']} s; "
               f"CPU {r['server_cpu_s_per_session']} s per session"),
    ("one visitor in Chromium, Wmo", ["bench_sessions.py", "--sessions", "1", "--client", "browser"],
     "sessions-browser.json", lambda r: f"{r['first_chart_median_s']} s"),
    ("one visitor in Chromium, Doelen", ["bench_sessions.py", "--sessions", "1", "--client", "browser",
                                         "--page", "doelen"], "sessions-browser.json",
     lambda r: f"{r['first_chart_median_s']} s"),
    ("warm page scripts, demo and national", ["bench_pages.py", "--runs", "5"], "pages.json", None),
    ("registry extract, 1M rows", ["bench_registry.py", "--runs", "3"], "registry.json",
     lambda r: f"{r['median_seconds']:.2f} s ({r['min_seconds']:.2f}-{r['max_seconds']:.2f}), "
               f"peak {r['median_peak_mb']:.0f} MB"),
    ("handout, 20 parts", ["bench_handout.py", "--runs", "3"], "handout.json",
     lambda r: f"{r.get('median_s')} s ({r.get('min_s')}-{r.get('max_s')})"),
]
QUICK = {"--sessions": "10", "--runs": "1"}


def pages_summary(r: dict) -> str:
    """The slowest warm page of each warehouse, from bench_pages' result."""
    parts = []
    for scale in ("demo", "national"):
        pages = (r.get(scale) or {}).get("pages") or {}
        if pages:
            name, figs = max(pages.items(), key=lambda kv: kv[1]["median_ms"])
            parts.append(f"{scale}: slowest {Path(name).stem} {figs['median_ms']} ms ({figs['p10_ms']}-{figs['p90_ms']})")
    return "; ".join(parts)


def run_all(root: Path, out: Path, quick: bool, tag: str) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    found = {}
    for label, cmd, result, read in STEPS:
        script = root / "benchmarks" / cmd[0]
        # --quick: the value after --sessions (when above 1) and --runs becomes the quick one
        args = [QUICK[cmd[i - 1]] if quick and i and cmd[i - 1] in QUICK and a != "1" else a for i, a in enumerate(cmd)]
        if not script.exists():
            found[label] = "(no such script here)"
            continue
        started = time.time()
        load = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, str(script), *args[1:]], cwd=root, capture_output=True, text=True)
        if proc.returncode != 0:
            found[label] = f"failed ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode})"
            continue
        src = root / "benchmarks" / "results" / result
        data = json.loads(src.read_text())
        shutil.copy(src, out / f"{tag}-{len(found):02d}-{result}")
        summary = read(data) if read else pages_summary(data)
        found[label] = f"{summary} (load {load:.1f}, {time.time() - started:.0f} s)"
        print(f"[{tag}] {label}: {found[label]}", flush=True)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", help="a git revision to measure first, from its own worktree")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    out = ROOT / "benchmarks" / "results" / f"sitting-{time.strftime('%Y%m%d-%H%M')}"
    old = {}
    if args.old:
        tree = Path("/tmp/msd-sitting-old")
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.old], cwd=ROOT, check=True)
        for shared in (".venv", "node_modules"):
            if (ROOT / shared).exists() and not (tree / shared).exists():
                (tree / shared).symlink_to(ROOT / shared)
        try:
            old = run_all(tree, out, args.quick, "old")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    new = run_all(ROOT, out, args.quick, "new")
    lines = ["| what | " + ("old | " if old else "") + "new |", "|---|" + ("---|" if old else "") + "---|"]
    for label, _, _, _ in STEPS:
        lines.append(f"| {label} | " + (f"{old.get(label, '')} | " if old else "") + f"{new.get(label, '')} |")
    table = "\n".join(lines)
    (out / "table.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
