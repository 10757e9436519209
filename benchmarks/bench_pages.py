"""Time every page's script run and its queries, on the demo and on a national-scale warehouse.

    python benchmarks/bench_pages.py [--runs 15] [--skip-national] [--pages wmo,jeugd,doelen] [--profile DIR]
    python benchmarks/bench_pages.py --members all|N [--timed-members 3] [--runs 3] [--pages overzicht,wmo]

``--pages`` times only the named pages (file names without .py) and writes pages-<names>.json, so a
short run does not overwrite the full figures. ``--profile DIR`` writes one cProfile file per page
(the timed runs only) to DIR, to read with ``python -m pstats`` or snakeviz.

The national-scale warehouse is generated (about 350 municipalities, 3,500 wijken, 14,000 buurten,
11 years, 100+ indicators) in benchmarks/tmp/. Figures are warm: each page is run once before it
is timed. Results go to benchmarks/results/pages.json. This is a benchmark, not a test: shared
machines are noisy, so read medians and spreads, not single numbers.

``--members all|N`` measures a national service instead (every municipality a member, benchmarks/members.py):
the pages for the home member and ``--timed-members`` others (cold and warm), memory after visiting all or
N members, and whether suppression decisions are shared; it writes pages-national-members.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import demo  # noqa: E402
from tests.support.catalogue import indicator  # noqa: E402
from warehouse import catalogue
from warehouse.publication import publish  # noqa: E402
from warehouse.releases import current_release

PAGES = ["app_pages/overzicht.py", "app_pages/wmo.py", "app_pages/jeugd.py", "app_pages/participatie.py", "app_pages/schuldhulp.py",
         "app_pages/wijken.py", "app_pages/trends.py", "app_pages/stapeling.py",
         "app_pages/vergelijken.py", "app_pages/verwachting.py", "app_pages/doelen.py", "app_pages/dossiers.py",
         "app_pages/bronnen.py"]
TMP = ROOT / "benchmarks" / "tmp"


def national_catalogue(path: Path, extra: int = 40) -> Path:
    """The real catalogue plus synthetic indicators, so the warehouse holds 100+ indicators."""
    text = (ROOT / "data" / "catalogue.toml").read_text(encoding="utf-8")
    for i in range(extra):
        text += "\n" + indicator(f"synthetic_{i:03d}", f'source = {{ wsjg = {{ names = ["Extra cijfer {i}"] }} }}',
                                 title=f"Extra cijfer {i}", theme="Benchmark", unit="percent",
                                 definition="Verzonnen cijfer voor de benchmark.",
                                 levels=["land", "gemeente", "wijk", "buurt"])
    path.write_text(text, encoding="utf-8")
    return path


def build_national(warehouse: Path, cat_path: Path, years: int = 11, *, all_members: bool = False) -> dict:
    """Every indicator for every region and year; values random but plausible in size. ``all_members``:
    a national service, every municipality a member (meta ``members``, no region), GM0001 the home one."""
    rng = np.random.default_rng(7)
    cat = catalogue.load(cat_path)
    n_gm, wijken_per_gm, buurten_per_wijk = 350, 10, 4
    regions = [{"region_code": "NL01", "name": "Nederland", "level": "land", "parent_code": None,
                "gemeente_code": None}]
    for g in range(n_gm):
        gm = f"GM{g + 1:04d}"
        regions.append({"region_code": gm, "name": f"Gemeente {g + 1}", "level": "gemeente", "parent_code": "NL01",
                        "gemeente_code": gm})
        for w in range(wijken_per_gm):
            wk = f"WK{g + 1:04d}{w:02d}"
            regions.append({"region_code": wk, "name": f"Wijk {g + 1}-{w}", "level": "wijk", "parent_code": gm,
                            "gemeente_code": gm})
            for b in range(buurten_per_wijk):
                regions.append({"region_code": f"BU{g + 1:04d}{w:02d}{b:02d}", "name": f"Buurt {g + 1}-{w}-{b}",
                                "level": "buurt", "parent_code": wk, "gemeente_code": gm})
    reg = pl.DataFrame(regions)
    codes = reg["region_code"]
    ids = cat.to_frame()["id"]
    periods = pl.Series("period", [f"{2015 + y}JJ00" for y in range(years)])
    grid = (pl.DataFrame({"indicator_id": ids}).join(pl.DataFrame({"region_code": codes}), how="cross")
            .join(pl.DataFrame({"period": periods}), how="cross"))
    n = grid.height
    grid = grid.with_columns(
        value=pl.Series(rng.gamma(2.0, 40.0, n)),
        denominator=pl.Series(rng.integers(20, 5000, n).astype(float)),
        status=pl.when(pl.col("period") == periods[-1]).then(pl.lit("provisional")).otherwise(pl.lit("final")),
        source_id=pl.lit("bench"), breakdown=pl.lit(""), category=pl.lit(""),
    )
    src = pl.DataFrame([{"source_id": "bench", "kind": "test", "title": "Benchmark", "table_id": "", "url": "",
                         "release": "", "loaded_at": "", "checksum": "", "rows": n}])
    peers = [f"GM{i:04d}" for i in range(2, 17)]
    geo = demo.boundaries_geojson()  # shapes do not matter for timing; the map draws what matches
    meta = {"demo": False, "gemeente": "GM0001", "gemeente_name": "Gemeente 1", "peers": peers}
    if all_members:  # names come from the regions table, as they would for a national service
        meta["members"] = [f"GM{g + 1:04d}" for g in range(n_gm)]
    publish(warehouse, indicators=cat.to_frame(), regions=reg, observations=grid, sources=src,
            boundaries={"wijken": geo}, meta=meta)
    return {"regions": reg.height, "gemeenten": n_gm, "wijken": n_gm * wijken_per_gm,
            "buurten": n_gm * wijken_per_gm * buurten_per_wijk, "indicators": ids.len(), "years": years,
            "observations": n}


def time_pages(warehouse: Path, runs: int, pages: list[str] = PAGES, profile: Path | None = None, *,
               timeout: float = 120) -> dict:
    """Warm script runs of each page (``timeout``: seconds a run may take; bench_signals.py allows more)."""
    from streamlit.testing.v1 import AppTest

    # A fresh user store and public reading: pages as an anonymous council member sees them.
    store = warehouse.parent / f"{warehouse.name}-bench-store-{os.getpid()}.sqlite"  # one per run: runs may overlap
    store.unlink(missing_ok=True)
    os.environ.update(MSD_WAREHOUSE=str(warehouse), MSD_NO_DEMO="1", MSD_PUBLIC="1", MSD_STORE_URL=f"sqlite:///{store}")
    out = {}
    for page in pages:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        at.run()
        at.switch_page(page)
        at.run()  # warm: caches filled, modules imported
        # Time only a page that really rendered: not an exception, an error message or a sign-in form.
        if at.exception or at.error:
            raise RuntimeError(f"{page}: {(at.exception or at.error)[0].value}")
        if not (at.title or at.header or at.subheader):
            raise RuntimeError(f"{page}: the page shows no headings; it did not render")
        times = []
        prof = _profile_script_runs() if profile is not None else None
        for _ in range(runs):
            t = time.perf_counter()
            if prof is not None:
                prof.active = True
            at.run()
            if prof is not None:
                prof.active = False
            times.append((time.perf_counter() - t) * 1000)
        if prof is not None:
            profile.mkdir(parents=True, exist_ok=True)
            prof.profile.dump_stats(str(profile / f"{warehouse.name}-{Path(page).stem}.prof"))
        out[page] = _stats(times)
    return out


class _ScriptProfile:
    def __init__(self):
        import cProfile

        self.profile = cProfile.Profile()
        self.active = False


def _profile_script_runs() -> _ScriptProfile:
    """Profile the page script itself: it runs in Streamlit's script thread, which cProfile on the main
    thread does not see, so the script runner's entry point is wrapped (once; the newest profile wins)."""
    from streamlit.runtime.scriptrunner import script_runner

    prof = _ScriptProfile()
    runner = script_runner.ScriptRunner
    original = getattr(runner, "_msd_unprofiled", runner._run_script)

    def run_script(self, rerun_data):
        if prof.active:
            return prof.profile.runcall(original, self, rerun_data)
        return original(self, rerun_data)

    runner._msd_unprofiled = original
    runner._run_script = run_script
    return prof


def time_queries(warehouse: Path, runs: int) -> dict:
    """Each page's queries straight against DuckDB, without the result cache (a cold cache per call)."""
    from queries import Warehouse
    from queries import figures as q

    wh = Warehouse.open(warehouse)
    year = max(q.years(wh, ["population"], [wh.gemeente]) or [2025])
    wijk = q.wijken(wh)["region_code"][0]
    calls = {
        "overzicht": lambda: [q.headline(wh, law, year) for law in q.LAW_ORDER],
        "law page (wmo)": lambda: (q.headline(wh, "wmo", year), q.comparison(wh, q.indicators_for_law(wh, "wmo")["id"]
                                   .to_list(), year), q.series_compared(wh, "wmo_clients_per_1000",
                                                                        [wh.gemeente, "NL01"], peer_median=True)),
        "wijken": lambda: (q.wijk_values(wh, "wmo_clients_per_1000", year), q.wijk_profile(wh, wijk, year)),
        "trends": lambda: q.series_compared(wh, "youth_care_pct", [wh.gemeente, "NL01", wijk], peer_median=True),
        "bronnen": lambda: (q.catalogue(wh), q.sources(wh)),
    }
    out = {}
    for name, call in calls.items():
        times = []
        for _ in range(runs):
            # Query results and the shared page parts (suppressed series, figures) both go: a cold query.
            wh._cache.clear()
            wh._parts.clear()
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        out[name] = _stats(times)
    wh.close()
    return out


def _stats(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"median_ms": round(statistics.median(s), 1), "p10_ms": round(s[len(s) // 10], 1),
            "p90_ms": round(s[min(len(s) - 1, (len(s) * 9) // 10)], 1), "runs": len(s)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--pages", default="", help="comma-separated page names, e.g. wmo,jeugd,doelen (default: all)")
    ap.add_argument("--profile", type=Path, default=None, help="write a cProfile file per page to this folder")
    ap.add_argument("--label", default="", help="a note stored with the figures, e.g. 'before' or 'after'")
    ap.add_argument("--members", default="", help="all or N: a national service, every municipality a member; "
                    "visit all or the first N members (only this case is measured)")
    ap.add_argument("--timed-members", type=int, default=3, help="with --members: other members timed per page")
    args = ap.parse_args()
    pages = PAGES
    if args.pages:
        names = [n.strip() for n in args.pages.split(",") if n.strip()]
        pages = [f"app_pages/{n}.py" for n in names]
        missing = [p for p in pages if p not in PAGES]
        if missing:
            ap.error(f"unknown pages: {', '.join(missing)}")
    TMP.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
               "runs": args.runs, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "label": args.label,
               "load_average_before": [round(x, 2) for x in os.getloadavg()]}

    if args.members:
        _national_members(args, pages if args.pages else MEMBER_PAGES, results)
        return
    demo_wh = TMP / "demo-warehouse"
    if current_release(demo_wh) is None:
        t = time.perf_counter()
        demo.build(demo_wh, progress=lambda *_: None)
        results["demo_build_s"] = round(time.perf_counter() - t, 1)
    results["demo"] = {"pages": time_pages(demo_wh, args.runs, pages, args.profile),
                       "queries": time_queries(demo_wh, args.runs)}
    _print("demo", results["demo"])

    if not args.skip_national:
        nat_wh = TMP / "national-warehouse"
        cat_path = national_catalogue(TMP / "national-catalogue.toml")
        if current_release(nat_wh) is None:
            t = time.perf_counter()
            results["national_size"] = build_national(nat_wh, cat_path)
            results["national_build_s"] = round(time.perf_counter() - t, 1)
        else:
            rel = current_release(nat_wh)
            results["national_size"] = {"observations": rel.table("observations").height}
        results["national"] = {"pages": time_pages(nat_wh, args.runs, pages, args.profile),
                               "queries": time_queries(nat_wh, args.runs)}
        _print("national", results["national"])

    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average before {results['load_average_before']}, after {results['load_average_after']}")
    name = "pages.json" if pages == PAGES else f"pages-{'-'.join(Path(p).stem for p in pages)}.json"
    out = ROOT / "benchmarks" / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written to {out}")


MEMBER_PAGES = ["app_pages/overzicht.py", "app_pages/wmo.py", "app_pages/wijken.py", "app_pages/doelen.py"]


def _national_members(args, pages: list[str], results: dict) -> None:
    import members

    if args.members != "all" and not args.members.isdigit():
        raise SystemExit(f"--members: 'all' or a number, not {args.members!r}")
    wh_path = TMP / "national-members-warehouse"
    if current_release(wh_path) is None:
        t = time.perf_counter()
        results["national_size"] = build_national(wh_path, national_catalogue(TMP / "national-catalogue.toml"),
                                                  all_members=True)
        results["national_build_s"] = round(time.perf_counter() - t, 1)
    results["national_members"] = members.time_members(
        wh_path, args.runs, pages, 0 if args.members == "all" else int(args.members), args.timed_members,
        profile=args.profile)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / "benchmarks" / "results" / "pages-national-members.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results["national_members"], indent=1)[:6000])
    print(f"written to {out}")


def _print(label: str, block: dict) -> None:
    print(f"\n== {label}: page script runs (warm) ==")
    for page, s in block["pages"].items():
        print(f"  {page:28s} median {s['median_ms']:8.1f} ms   p10 {s['p10_ms']:8.1f}   p90 {s['p90_ms']:8.1f}")
    print(f"== {label}: queries per page (result cache cleared) ==")
    for name, s in block["queries"].items():
        print(f"  {name:28s} median {s['median_ms']:8.1f} ms   p10 {s['p10_ms']:8.1f}   p90 {s['p90_ms']:8.1f}")


if __name__ == "__main__":
    main()
