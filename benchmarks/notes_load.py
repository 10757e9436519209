"""Load test of the note store: concurrent writers and readers against SQLite and PostgreSQL.

    python benchmarks/notes_load.py --seconds 60            # both backends, 20 writers, 100 readers
    python benchmarks/notes_load.py --backend sqlite --seconds 10

Writers loop: read a random note, save an edit naming the revision they read (optimistic locking).
A NoteConflict is expected under contention and counted apart from errors. Readers loop over the two
calls every chart makes: ``notes_for`` (the panel) and ``markers_for`` (the chart's events), as a
council member or a civil servant. Afterwards the store is checked: for every note the number of
stored revisions must equal 1 + the writers' successful saves, numbered 1..n without gaps, with the
head on the last one. PostgreSQL is a throw-away server started from the machine's binaries (see
tests/pgserver.py), durable (fsync on), like the SQLite file (WAL, synchronous=FULL default).
Figures go to stdout and to benchmarks/results/notes_load.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.db import Database  # noqa: E402
from store.notes import NoteConflict, NoteContent, NoteStore  # noqa: E402

INDICATORS = [("wmo_clients_per_1000", "wmo"), ("wmo_reg_clients", "wmo"), ("jeugd_clients", "jeugd"),
              ("jeugd_per_1000", "jeugd"), ("bijstand_per_1000", "participatie"), ("schuld_clients", "schuldhulp"),
              ("veilig_thuis_reports", "wmo"), ("population", "context")]
WIJKEN = ["WK099001", "WK099002", "WK099003", "WK099004"]


def note_content(i: int, text: str, *, marker: bool = False) -> NoteContent:
    ind, law = INDICATORS[i % len(INDICATORS)]
    year = 2018 + i % 7
    return NoteContent(
        law=law, indicator_id=None if marker and i % 2 else ind,
        region_codes=("GM0990",) if i % 3 else (WIJKEN[i % 4],),
        period_from=f"{year}JJ00" if i % 4 else None, period_to=f"{year}JJ00" if i % 4 else None,
        title=f"Duiding {i}", what_we_see=f"Wat we zien: {text}", explanation="Een **verklaring** met een "
        "[link](https://www.example.nl/rib.pdf).", next_steps="We volgen dit.",
        marker_period=f"{year}JJ00" if marker else None, marker_label=f"gebeurtenis {i}" if marker else None)


def seed(store: NoteStore, n_notes: int) -> list[str]:
    ids = []
    for i in range(n_notes):
        n = store.create(note_content(i, "begin", marker=i % 5 == 0), role="ambtenaar", user="seed")
        if i % 2 == 0:  # half of the notes published, so readers of both kinds find something
            store.submit_for_review(n.note_id, 1, role="ambtenaar", user="seed")
            store.publish(n.note_id, 2, role="ambtenaar", user="seed")
        ids.append(n.note_id)
    return ids


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2)


def writer_loop(store: NoteStore, w: int, ids: list[str], stop) -> dict:
    rnd = random.Random(w)
    saves: Counter[str] = Counter()
    lat: list[float] = []
    out = {"writes": 0, "conflicts": 0, "write_errors": 0, "errors": Counter()}
    while not stop.is_set():
        note_id = rnd.choice(ids)
        try:
            current = store.get(note_id, role="ambtenaar")
            t0 = time.perf_counter()
            store.update(note_id, current.head_revision,
                         note_content(ids.index(note_id), f"schrijver {w}, {rnd.random():.6f}",
                                      marker=current.content.is_marker),
                         role="ambtenaar", user=f"writer-{w}")
            lat.append(time.perf_counter() - t0)
            saves[note_id] += 1
            out["writes"] += 1
        except NoteConflict:
            out["conflicts"] += 1
        except Exception as exc:  # counted, not fatal: the run must finish and report
            out["write_errors"] += 1
            out["errors"][f"{type(exc).__name__}: {str(exc)[:160]}"] += 1
    out.update(saves=saves, write_lat=lat)
    return out


def reader_loop(store: NoteStore, r: int, stop) -> dict:
    rnd = random.Random(1000 + r)
    role = "raadslid" if r % 2 else "ambtenaar"
    lat: list[float] = []
    out = {"reads": 0, "read_errors": 0, "errors": Counter()}
    while not stop.is_set():
        ind, law = rnd.choice(INDICATORS)
        region = rnd.choice(["GM0990", *WIJKEN])
        period = rnd.choice([None, "2020JJ00", "2023JJ00"])
        try:  # what one chart does: its note panel and its markers
            t0 = time.perf_counter()
            store.notes_for(ind, law, [region], period, role=role)
            t1 = time.perf_counter()
            store.markers_for(ind, law, role=role)
            t2 = time.perf_counter()
            lat += [t1 - t0, t2 - t1]
            out["reads"] += 2
        except Exception as exc:
            out["read_errors"] += 1
            out["errors"][f"{type(exc).__name__}: {str(exc)[:160]}"] += 1
    out["read_lat"] = lat
    return out


def _process_worker(kind: str, idx: int, url: str, ids: list[str], ready, start, stop, results) -> None:
    try:
        store = NoteStore(Database(url))
        ready.release()
        start.wait()
        out = writer_loop(store, idx, ids, stop) if kind == "w" else reader_loop(store, idx, stop)
    except BaseException as exc:  # a worker that dies must still report, or the run waits forever
        key = "write_errors" if kind == "w" else "read_errors"
        out = {key: 1, "errors": Counter({f"worker died: {type(exc).__name__}: {str(exc)[:160]}": 1})}
    results.put(out)


def run(backend: str, url: str, *, seconds: float, writers: int, readers: int, n_notes: int, mode: str) -> dict:
    db = Database(url)
    db.migrate()
    store = NoteStore(db)
    ids = seed(store, n_notes)
    base_revisions = store.count_revisions()  # seeding made 1 or 3 revisions per note

    outs: list[dict] = []
    if mode == "threads":  # one process, like one Streamlit server with many sessions
        stop = threading.Event()
        gate = threading.Barrier(writers + readers + 1)
        lock = threading.Lock()

        def wrap(fn, *args) -> None:
            gate.wait()
            out = fn(*args)
            with lock:
                outs.append(out)

        threads = [threading.Thread(target=wrap, args=(writer_loop, store, w, ids, stop)) for w in range(writers)]
        threads += [threading.Thread(target=wrap, args=(reader_loop, store, r, stop)) for r in range(readers)]
        for t in threads:
            t.start()
        gate.wait()
        t_start = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t_start
    else:  # one OS process per worker, like many app-server processes sharing one store
        # spawn, not fork: this process may already run threads (the threads mode, driver pools), and a fork
        # copies locks those threads held, which deadlocks the children.
        ctx = mp.get_context("spawn")
        ready, start, stop, results = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_process_worker, args=("w", w, url, ids, ready, start, stop, results))
                 for w in range(writers)]
        procs += [ctx.Process(target=_process_worker, args=("r", r, url, ids, ready, start, stop, results))
                  for r in range(readers)]
        for p in procs:
            p.start()
        for _ in procs:  # every process has imported and opened its store before the clock starts
            ready.acquire(timeout=600)
        start.set()
        t_start = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        outs = [results.get(timeout=600) for _ in procs]
        elapsed = time.perf_counter() - t_start
        for p in procs:
            p.join(timeout=30)

    saves: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    write_lat: list[float] = []
    read_lat: list[float] = []
    for o in outs:
        saves.update(o.get("saves", {}))
        errors.update(o["errors"])
        write_lat += o.get("write_lat", [])
        read_lat += o.get("read_lat", [])
        for k in ("writes", "conflicts", "write_errors", "reads", "read_errors"):
            totals[k] += o.get(k, 0)

    # Verification: every successful save is exactly one stored revision, numbered without gaps.
    counts = store.count_revisions()
    lost = {i: (base_revisions[i] + saves[i], counts.get(i, 0)) for i in ids
            if counts.get(i, 0) != base_revisions[i] + saves[i]}
    with db.transaction() as tx:  # noqa: SIM117
        bad_numbering = tx.query(
            "SELECT n.note_id FROM notes n JOIN (SELECT note_id, COUNT(*) AS c, MAX(revision) AS m "
            "FROM note_revisions GROUP BY note_id) r ON r.note_id = n.note_id "
            "WHERE r.c <> r.m OR n.revision <> r.m")
    result = {
        "backend": backend,
        "mode": mode,
        "seconds": round(elapsed, 2),
        "writers": writers,
        "readers": readers,
        "notes": n_notes,
        "writes_ok": totals["writes"],
        "writes_per_s": round(totals["writes"] / elapsed, 1),
        "conflicts": totals["conflicts"],
        "conflicts_per_s": round(totals["conflicts"] / elapsed, 1),
        "reads": totals["reads"],
        "reads_per_s": round(totals["reads"] / elapsed, 1),
        "write_errors": totals["write_errors"],
        "read_errors": totals["read_errors"],
        "error_samples": dict(errors.most_common(5)),
        "write_latency_ms": {"p50": pct(write_lat, 0.5), "p95": pct(write_lat, 0.95), "max": pct(write_lat, 1.0)},
        "read_latency_ms": {"p50": pct(read_lat, 0.5), "p95": pct(read_lat, 0.95), "max": pct(read_lat, 1.0)},
        "revisions_in_store": sum(counts.values()),
        "revisions_expected": sum(base_revisions.values()) + sum(saves.values()),
        "lost_or_extra_revisions": len(lost),
        "bad_numbering": len(bad_numbering),
        "verified": not lost and not bad_numbering,
    }
    if result["write_latency_ms"]["p50"] is None:
        result["write_latency_ms"] = {}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="duration per backend (default 60)")
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--readers", type=int, default=100)
    ap.add_argument("--notes", type=int, default=40, help="notes the writers compete for (fewer = more conflicts)")
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--mode", choices=["processes", "threads", "both"], default="both",
                    help="workers as OS processes (several app servers), threads (one server), or both")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "notes_load.json")
    args = ap.parse_args(argv)

    results: dict[str, dict] = {}
    modes = ["processes", "threads"] if args.mode == "both" else [args.mode]
    meta = {"run_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
            "cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="msd-notes-bench-") as tmp:
            for mode in modes:
                print(f"SQLite ({mode}): {args.writers} writers, {args.readers} readers, {args.seconds:.0f} s ...",
                      flush=True)
                results[f"sqlite_{mode}"] = run("sqlite", f"sqlite:///{tmp}/store_{mode}.sqlite",
                                                seconds=args.seconds, writers=args.writers, readers=args.readers,
                                                n_notes=args.notes, mode=mode)
                print(json.dumps(results[f"sqlite_{mode}"], indent=1), flush=True)
    if args.backend in ("postgresql", "both"):
        from tests.pgserver import PostgresServer, find_bindir

        if find_bindir() is None:
            print("PostgreSQL: skipped, no server binaries found (apt-get install postgresql)", flush=True)
            results["postgresql"] = {"skipped": "no PostgreSQL server binaries"}
        else:
            with PostgresServer(durable=True) as pg:
                import psycopg

                with psycopg.connect(pg.url()) as con:
                    meta["postgresql"] = con.execute("SHOW server_version").fetchone()[0]
                for mode in modes:
                    url = pg.create_database(f"notes_bench_{mode}")
                    print(f"PostgreSQL {meta['postgresql']} ({mode}): {args.writers} writers, {args.readers} "
                          f"readers, {args.seconds:.0f} s ...", flush=True)
                    results[f"postgresql_{mode}"] = run("postgresql", url, seconds=args.seconds,
                                                        writers=args.writers, readers=args.readers,
                                                        n_notes=args.notes, mode=mode)
                    print(json.dumps(results[f"postgresql_{mode}"], indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    ok = all(r.get("verified", True) for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
