"""A small region for the UI tests: two member municipalities, the region total written by hand.

Testgemeente (GM0001, the home member, wijken Noord, Zuid and Oost) and Buurgemeente (GM0002, wijken Haven
and Dorp) form "Regio Proef" (RG0001); Verregemeente (GM0003) is both members' peer. The region's figures
are written here as the ETL writes them at publication: from the members' counts and bases.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tests.conftest import obs, small_observations, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

HOME, MEMBER, REGION = "GM0001", "GM0002", "RG0001"
NAMES = {HOME: "Testgemeente", MEMBER: "Buurgemeente"}
REGION_NAME = "Regio Proef"
# Wmo clients (registry) per year: home, member; the region's count is their sum.
CLIENTS = {2023: (240, 300), 2024: (178, 410)}
POPULATION = {HOME: 3540, MEMBER: 30000}  # as tests/conftest.py small_observations has them
# Veilig Thuis reports in 2024: both members below the floor of 10 (sensitive), the region's 14 is shown.
VT_2024 = {HOME: 8, MEMBER: 6}


def regions() -> pl.DataFrame:
    extra = pl.DataFrame([("WK000201", "Haven", "wijk", MEMBER, MEMBER), ("WK000202", "Dorp", "wijk", MEMBER, MEMBER),
                          (REGION, REGION_NAME, "regio", "NL01", None)],
                         schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")
    return pl.concat([small_regions(), extra])


def observations() -> pl.DataFrame:
    rows = []
    for year, (home, member) in CLIENTS.items():
        p = f"{year}JJ00"
        rows += [obs("wmo_reg_clients", MEMBER, p, member), obs("wmo_reg_clients", REGION, p, home + member),
                 obs("wmo_reg_clients", "WK000201", p, member - 100), obs("wmo_reg_clients", "WK000202", p, 100),
                 obs("population", "WK000201", p, 20000), obs("population", "WK000202", p, 10000),
                 obs("population", REGION, p, POPULATION[HOME] + POPULATION[MEMBER]),
                 obs("wmo_clients_per_1000", "WK000201", p, 45.0), obs("wmo_clients_per_1000", "WK000202", p, 30.0),
                 # 48.0 per 1.000 of 3.540 and 40.0 of 30.000: (169.92 + 1200) / 33.540 inhabitants.
                 obs("wmo_clients_per_1000", REGION, p, round(1000 * (48.0 * 3.54 + 40.0 * 30) / 33540, 1))]
        rows.append(obs("veilig_thuis_reports", MEMBER, p, VT_2024[MEMBER] if year == 2024 else 20))
        rows.append(obs("veilig_thuis_reports", REGION, p, sum(VT_2024.values()) if year == 2024 else 34))
    own = small_observations().filter(~((pl.col("indicator_id") == "wmo_reg_clients")
                                        & (pl.col("region_code") == HOME)))
    home_clients = pl.DataFrame([obs("wmo_reg_clients", HOME, f"{y}JJ00", c[0]) for y, c in CLIENTS.items()])
    return pl.concat([own, home_clients, pl.DataFrame(rows)], how="diagonal_relaxed")


def square(code: str, name: str, x: float) -> dict:
    ring = [[x, 52.0], [x + 0.01, 52.0], [x + 0.01, 52.01], [x, 52.01], [x, 52.0]]
    return {"type": "Feature", "properties": {"region_code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


WIJK_SHAPES = [("WK000101", "Noord"), ("WK000102", "Zuid"), ("WK000103", "Oost"), ("WK000201", "Haven"),
               ("WK000202", "Dorp")]


def publish_region(path: Path, frame: pl.DataFrame | None = None) -> Path:
    """Publish the region at ``path`` (``frame``: other observations than :func:`observations`); publishing
    again makes a newer release on top of the first."""
    memberships = pl.DataFrame({"region_code": [HOME, MEMBER], "group_code": [REGION, REGION],
                                "level": ["regio", "regio"]})
    geo = {"type": "FeatureCollection", "features": [square(c, n, 5 + 0.02 * i) for i, (c, n) in enumerate(WIJK_SHAPES)]}
    publish(path, indicators=catalogue.load().to_frame(), regions=regions(), sources=source_row(),
            observations=observations() if frame is None else frame, replace_sources=["test"],
            memberships=memberships,
            meta={"demo": False, "gemeente": HOME, "gemeente_name": NAMES[HOME], "members": [HOME, MEMBER],
                  "member_names": NAMES, "region": {"code": REGION, "name": REGION_NAME},
                  "peers": {HOME: ["GM0003"], MEMBER: ["GM0003"]}},
            boundaries={"wijken": json.dumps(geo)})
    return path
