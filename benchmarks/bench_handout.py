"""Time the handout PDF of a 20-part dossier (issue 22 target: under 3 seconds).

    python benchmarks/bench_handout.py [--runs 5]

A synthetic warehouse (the municipality, 3 wijken, Nederland and 4 similar municipalities, every catalogue
figure, 2015-2025) is generated in a temporary directory in a second. The dossier has 20 parts built from
the theme templates (groups of up to 6 figures; about 40 charts), each with a note. The first run is a
warm-up (vl-convert starts its JavaScript engine); the timed runs build the whole PDF, charts included.
Results go to benchmarks/results/handout.json. A benchmark, not a test: read medians and spreads.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components import dossier_document, handout
from queries import Warehouse
from store.dossiers import DossierContent, NoteCopy
from warehouse import catalogue
from warehouse.publication import publish

GEMEENTE = "GM0001"
WIJKEN = ["WK000101", "WK000102", "WK000103"]
PEERS = ["GM0002", "GM0003", "GM0004", "GM0005"]
YEARS = range(2015, 2026)


def build_warehouse(path: Path) -> Warehouse:
    cat = catalogue.load()
    regions = [("NL01", "Nederland", "land", None, None), (GEMEENTE, "Testgemeente", "gemeente", "NL01", GEMEENTE)]
    regions += [(p, f"Gemeente {p[-1]}", "gemeente", "NL01", p) for p in PEERS]
    regions += [(w, f"Wijk {w[-1]}", "wijk", GEMEENTE, GEMEENTE) for w in WIJKEN]
    rows = []
    for n, e in enumerate(cat.entries):
        levels = e.get("levels", ["gemeente"])
        codes = [GEMEENTE, *PEERS] + (["NL01"] if "land" in levels else []) + (WIJKEN if "wijk" in levels else [])
        for i, code in enumerate(codes):
            for y in YEARS:
                base = 1000.0 if e["unit"] in ("count", "euro") else 40.0
                rows.append({"indicator_id": e["id"], "region_code": code, "period": f"{y}JJ00",
                             "value": base * (1 + 0.03 * (y - 2015) + 0.05 * i + 0.01 * n),
                             "denominator": 50_000.0, "status": "provisional" if y == 2025 else "final",
                             "source_id": "bench", "breakdown": "", "category": ""})
        if e["id"] == "wmo_reg_requests":
            for route in ("eigen_netwerk", "algemene_voorziening", "maatwerk", "afgewezen"):
                for y in YEARS:
                    rows.append({"indicator_id": e["id"], "region_code": GEMEENTE, "period": f"{y}JJ00",
                                 "value": 300.0 + 10 * (y - 2015), "denominator": None, "status": "final",
                                 "source_id": "bench", "breakdown": "route", "category": route})
    sources = pl.DataFrame([{"source_id": "bench", "kind": "test", "title": "Benchmark", "table_id": "B1", "url": "",
                             "release": "2026-01-01", "loaded_at": "2026-01-02T00:00:00+00:00", "checksum": "x",
                             "rows": len(rows)}])
    publish(path, indicators=cat.to_frame(), observations=pl.DataFrame(rows),
            regions=pl.DataFrame(regions, schema=["region_code", "name", "level", "parent_code", "gemeente_code"],
                                 orient="row"),
            sources=sources, meta={"gemeente": GEMEENTE, "gemeente_name": "Testgemeente", "peers": PEERS})
    return Warehouse.open(path)


def twenty_parts() -> DossierContent:
    sections = []
    for t in dossier_document.load_templates():
        c = dossier_document.from_template(t, gemeente=GEMEENTE, wijken=WIJKEN, latest_year=2025, session_date="2026-03-12")
        sections += list(c.sections)
    base = dossier_document.from_template(dossier_document.load_templates()[-1], gemeente=GEMEENTE, wijken=WIJKEN, latest_year=2025,
                            session_date="2026-03-12")
    return DossierContent(title="Benchmark: twintig onderdelen", session_date="2026-03-12", theme="Alles",
                          introduction=base.introduction, questions=base.questions, sections=tuple(sections[:20]))


def note(n: int) -> NoteCopy:
    return NoteCopy(note_id=f"n{n}", revision=1, title=f"Duiding {n}", region_label="Hele gemeente",
                    period_label="2025", what_we_see="De vraag stijgt. " * 12,
                    explanation="- Meer ouderen\n- Langere wachttijden\n\nDat zien ook de **partners**.",
                    next_steps="We volgen dit elk kwartaal.", published_by="anna",
                    published_at="2026-01-05T10:00:00+00:00")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wh = build_warehouse(Path(tmp) / "warehouse")
        content = twenty_parts()
        notes = [[note(i)] for i in range(len(content.sections))]
        charts = sum(len(s.indicator_ids) for s in content.sections if s.kind == "figures")
        handout.build_handout(wh, content, notes)  # warm-up
        times, size, pages = [], 0, 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            data = handout.build_handout(wh, content, notes)
            times.append(time.perf_counter() - t0)
            size = len(data)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(data)).pages)
    result = {
        "what": "handout PDF of a 20-part dossier (fpdf2 + vl-convert SVG charts)",
        "sections": len(content.sections), "charts": charts, "pages": pages, "bytes": size, "runs": args.runs,
        "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3),
        "stdev_s": round(statistics.stdev(times), 3) if len(times) > 1 else 0.0, "target_s": 3.0,
        "python": platform.python_version(), "machine": platform.machine(), "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "results" / "handout.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
