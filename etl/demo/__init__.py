"""The built-in demo: a fictional region of three municipalities, their wijken, 15 peers and the nation.

Lindewaard (GM9990) is the home member; Eikenrode (GM9991, small, rural, older) and Kanaalstad (GM9992,
larger, urban, young and poorer) form the Regio Lindestroom (RG0001) with it. Each member gets its own
population, wijken, boundaries, registry extracts, waarstaatjegemeente rows, Iv3 and budget, each from
random streams of its own, so Lindewaard's figures are what they were before the region. The region's
totals are not made here: the publication computes them from the members' counts.

Nothing here writes figures into the warehouse directly. The generator produces source-format
inputs, the way a municipality receives them, and runs them through the real loaders:

- population per wijk and age (BRP counts)            -> etl.population
- a person-level registry extract per law              -> etl.registry (held in memory only: even
  fictional person rows are never written to disk unless ``--write-inputs`` asks for them)
- a case list (complaints, objections, appeals) and the debt-help signals -> etl.registry (--kind)
- waarstaatjegemeente.nl exports for the municipality, its wijken, the peers and the nation, in the
  units the sources publish (benefits and CBS age bands as counts; the monitor derives the rates
  from them at publication, as for real data)       -> etl.wsjg
- wijk boundaries as GeoJSON
- Iv3 rows (lasten and baten per taakveld, as CBS serves them) for the municipality, its peers and
  the nation, and the municipality's budget file               -> etl.iv3, etl.budget
- the municipality's own client-experience survey (share agreeing and n per question) -> etl.survey

Everything is drawn from one seeded random generator, so the demo is the same on every machine.
The patterns follow domain.md section 8: an older wijk with more Wmo, a young wijk with more
youth care, a poor wijk with more bijstand, a series break in youth care in 2022 (woonplaatsbeginsel),
the 2019 abonnementstarief, early debt signalling from 2021 and a provisional last year.

The warehouse gets its releases in the order a real monitor would: first the monitor as published a
year earlier (the waarstaatjegemeente export one year shorter, its last year provisional), then the
regions, then this year's export, in which CBS's final figures replace the provisional ones (Veilig
Thuis revised upwards by more than the signal threshold).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

import settings
from etl import gebieden, population, registry, registry_members, survey, wsjg
from etl.demo.cases import case_inputs
from etl.demo.cbs_counts import cbs_like_counts
from etl.demo.exports import comparison_inputs, survey_csv
from etl.demo.extracts import registry_inputs
from etl.demo.inhabitants import population_inputs
from etl.demo.money import finance_inputs
from etl.demo.place import (
    GEMEENTE,
    GEMEENTE_NAME,
    LAST_YEAR,
    MEMBERS,
    PEERS,
    REFERENCE_DATE,
    REGION,
    SEED,
    WIJKEN,  # noqa: F401  (the home member's wijken, as before)
    Member,
)
from etl.demo.shapes import boundaries_geojson
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import current_release


def regions_frame() -> pl.DataFrame:
    rows = [{"region_code": "NL01", "name": "Nederland", "level": "land", "parent_code": None, "gemeente_code": None}]
    rows += [{"region_code": code, "name": name, "level": "gemeente", "parent_code": "NL01", "gemeente_code": code}
             for code, name, *_ in PEERS]
    for m in MEMBERS:
        rows.append({"region_code": m.code, "name": m.name, "level": "gemeente", "parent_code": "NL01",
                     "gemeente_code": m.code})
        rows += [{"region_code": w.code, "name": w.name, "level": "wijk", "parent_code": m.code,
                  "gemeente_code": m.code} for w in m.wijken]
    rows.append({"region_code": REGION["code"], "name": REGION["name"], "level": "regio", "parent_code": "NL01",
                 "gemeente_code": None})
    return pl.DataFrame(rows).with_columns(boundary_year=pl.lit(LAST_YEAR, pl.Int32))


def region_meta(seed: int) -> dict:
    """The demo release's meta: the home member, the members and their names, the region, peers per member."""
    peers = [p[0] for p in PEERS]
    return {"demo": True, "gemeente": GEMEENTE, "gemeente_name": GEMEENTE_NAME, "members": [m.code for m in MEMBERS],
            "member_names": {m.code: m.name for m in MEMBERS}, "region": dict(REGION),
            "peers": {m.code: list(peers) for m in MEMBERS}, "seed": seed}


def member_rng(seed: int, member: Member) -> np.random.Generator:
    """The random stream of a member other than the home member (the home member draws from the main one)."""
    return np.random.default_rng([seed, 30, member.index])


def build(warehouse: Path, *, seed: int = SEED, catalogue_path: Path | None = None,
          write_inputs: Path | None = None, progress=None) -> None:
    """Build the demo in a scratch warehouse, then publish it as one release into ``warehouse``."""
    step = progress or (lambda fraction, text: print(f"[{fraction:4.0%}] {text}", file=sys.stderr))
    rng = np.random.default_rng(seed)
    cat = catalogue_mod.load(catalogue_path)
    indicators = cat.to_frame()
    scratch = Path(tempfile.mkdtemp(prefix="msd-demo-"))
    try:
        step(0.05, "Wijken en grenzen maken")
        publish(scratch, indicators=indicators, regions=regions_frame(), boundaries={"wijken": boundaries_geojson()},
                meta=region_meta(seed))
        step(0.15, "Inwoners per wijk en leeftijd laden")
        streams = {m.code: rng if m.index == 0 else member_rng(seed, m) for m in MEMBERS}
        people = {}
        for m in MEMBERS:  # the home member first: its draws from the main stream are what they were
            people[m.code] = population_inputs(streams[m.code], m.wijken)
            population.load(*people[m.code], gemeente=m.code, warehouse=scratch, catalogue_path=catalogue_path,
                            release="demo")
        persons, households = people[GEMEENTE]
        registry_files, all_postcodes = {}, None
        for i, m in enumerate(MEMBERS):
            step(0.3 + 0.15 * i, f"Registratie van {m.name} maken en laden (alleen tellingen worden bewaard)")
            extracts, postcodes = registry_inputs(streams[m.code], m)
            # Complaints and objections and the debt-help signals come with the law extracts (same load).
            registry_files[m.code] = (extracts, extracts | case_inputs(seed, postcodes, m), postcodes)
            _load_registry(registry_files[m.code][1], postcodes, scratch, catalogue_path, m)
            all_postcodes = registry_members.merge_postcodes(all_postcodes, postcodes)
        extracts, _, postcodes = registry_files[GEMEENTE]
        step(0.75, "Vergelijkingscijfers (waarstaatjegemeente.nl) laden")
        others = [(m, cbs_like_counts(registry_files[m.code][0], people[m.code][0], m)) for m in MEMBERS[1:]]
        exports = comparison_inputs(rng, cbs_like_counts(extracts, persons), others, seed)
        wsjg.load(exports.latest, warehouse=scratch, catalogue_path=catalogue_path, source_id="wsjg:demo")
        step(0.8, "Iv3-cijfers en begroting laden")
        _load_finance(seed, scratch, catalogue_path)  # needs the latest inhabitants of the peers
        survey.load([("peiling_clientervaring.csv", survey_csv())], warehouse=scratch, catalogue_path=catalogue_path,
                    source_id="survey:demo")
        if write_inputs:
            _write_inputs(Path(write_inputs), persons, households, registry_files[GEMEENTE][1], postcodes,
                          exports.latest)
            for m in MEMBERS[1:]:  # the other members' own files in a folder of their own
                _write_inputs(Path(write_inputs) / m.code, *people[m.code], registry_files[m.code][1],
                              registry_files[m.code][2], [])
        step(0.85, "De versie van een jaar eerder maken")
        wsjg.load(exports.year_before, warehouse=scratch, catalogue_path=catalogue_path, source_id="wsjg:demo")
        built = current_release(scratch)
        warehouse = Path(warehouse)
        existing = current_release(warehouse)
        # The monitor as published a year earlier is history, not part of this load: it is published at once,
        # also inside the command line's staging, so the demo's last version has one before it (revisions,
        # "Wat is er nieuw").
        publish(warehouse, indicators=indicators, observations=built.table("observations"),
                replace_sources=existing.table("sources")["source_id"].to_list() if existing else [],
                regions=built.table("regions"), sources=built.table("sources"),
                boundaries={p.stem: p.read_text(encoding="utf-8") for p in (built.path / "boundaries").glob("*.geojson")},
                files={p.name: p.read_bytes() for p in (built.path / "files").iterdir() if p.is_file()},
                meta=built.meta, stage=False)
        step(0.9, "Nieuwe cijfers van waarstaatjegemeente.nl laden")
        # Province, COROP, youth and labour-market region for the home member and its peers by position; the
        # other members are in none of them, so the demo's comparison groups stay the peers they were. The
        # three members' Regio Lindestroom memberships come with every publication (warehouse.region_totals).
        gebieden.load_demo(warehouse, catalogue_path,
                           meta=built.meta | {"members": [GEMEENTE], "peers": [p[0] for p in PEERS]})
        wsjg.load(exports.latest, warehouse=warehouse, catalogue_path=catalogue_path, source_id="wsjg:demo")
        registry.save_postcodes(warehouse, all_postcodes)  # so an uploaded demo extract finds its wijken
        step(1.0, "Klaar")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _load_registry(extracts: dict[str, bytes], postcodes: bytes, warehouse: Path, catalogue_path: Path | None,
                   member: Member) -> None:
    registry.load_demo(extracts, postcodes, gemeente=member.code, warehouse=warehouse, catalogue_path=catalogue_path,
                       reference_date=REFERENCE_DATE, first_year=member.first_year)


def _load_finance(seed: int, warehouse: Path, catalogue_path: Path | None) -> None:
    from etl import budget, iv3

    long, reports, names, budgets = finance_inputs(seed, current_release(warehouse))
    by_year = {}
    for key in reports:
        by_year.setdefault(int(key[:4]), {})[key] = reports[key]
    obs = pl.concat([iv3.shape(long.filter(pl.col("Verslagsoort").is_in(list(keys))), keys, year, iv3.load_mapping(),
                               "iv3:demo") for year, keys in sorted(by_year.items())])
    iv3.publish_iv3(warehouse, obs, names, [iv3.source_row("iv3:demo", "Iv3-gegevens (demo, verzonnen)", "", "", "demo",
                                                           "", obs.height)], catalogue_path=catalogue_path)
    for m in MEMBERS:  # the home member's source as it was; the others' their own
        budget.load(budgets[m.code], "begroting_demo.csv", gemeente=m.code, warehouse=warehouse,
                    catalogue_path=catalogue_path, source_id="budget:demo" if m.index == 0 else f"budget:{m.code}:demo")


def _write_inputs(target: Path, persons, households, extracts, postcodes, files) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "bevolking_personen.csv").write_bytes(persons)
    (target / "bevolking_huishoudens.csv").write_bytes(households)
    (target / "postcodes.csv").write_bytes(postcodes)
    for law, data in extracts.items():
        (target / f"registratie_{law}.csv").write_bytes(data)
    for name, data in files:
        (target / name).write_bytes(data)
    if files:  # the home member's: the survey is its own
        (target / "peiling_clientervaring.csv").write_bytes(survey_csv())


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="build the fictional demo municipality")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--write-inputs", type=Path, default=None,
                   help="also write the generated source files (fictional persons!) to this directory")
    p.set_defaults(func=run)


def run(args) -> int:
    wh = settings.load(args.warehouse).warehouse
    build(wh, seed=args.seed, catalogue_path=args.catalogue, write_inputs=args.write_inputs)
    print(f"Demo gebouwd in {wh}")
    return 0
