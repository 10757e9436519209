"""A tiny warehouse with hand-computable answers for the comparison, expectation and goal tests.

Testgemeente GM0001 has three wijken with inhabitants in two age groups:

    wijk   27-64   75-84   Wmo clients (observed)
    Noord   2000     500   196
    Zuid    3000     100    40
    Oost    1000     400    84
    total   6000    1000   320  (of whom 120 aged 27-64 and 200 aged 75-84)

so the municipality's rates are 0.02 and 0.2 per inhabitant, and the expected numbers are
Noord 40 + 100 = 140, Zuid 60 + 20 = 80, Oost 20 + 80 = 100 (ratios 1.4, 0.5, 0.84).
Nationally, with the same age pattern, use is 1.5 times as high (see test_expected).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.conftest import obs, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

# The shared small regions plus a fourth, larger municipality to compare with.
EXTRA_GEMEENTE = ("GM0004", "Grootstad", "gemeente", "NL01", "GM0004")
AGE_POP = {"WK000101": (2000, 500), "WK000102": (3000, 100), "WK000103": (1000, 400), "GM0001": (6000, 1000)}
OBSERVED = {"WK000101": 196, "WK000102": 40, "WK000103": 84}
P = "2024JJ00"


def comparison_observations() -> pl.DataFrame:
    rows = []
    for code, (young, old) in AGE_POP.items():
        rows += [obs("population", code, P, young, breakdown="age_group", category="27-64"),
                 obs("population", code, P, old, breakdown="age_group", category="75-84"),
                 obs("population", code, P, young + old)]
    for code, n in OBSERVED.items():
        rows.append(obs("wmo_reg_clients", code, P, n))
    rows += [obs("wmo_reg_clients", "GM0001", P, 320),
             obs("wmo_reg_clients", "GM0001", P, 120, breakdown="age_group", category="27-64"),
             obs("wmo_reg_clients", "GM0001", P, 200, breakdown="age_group", category="75-84")]
    # CBS level: the municipality 320 clients on 7,000 inhabitants; the nation 48 per 1,000.
    broad = {"GM0001": (7000, 100, 6000, 1000, 1000), "NL01": (1_000_000, 200_000, 600_000, 200_000, 100_000)}
    for code, (pop, y, a, o65, o75) in broad.items():
        if code != "GM0001":
            rows.append(obs("population", code, P, pop))
        rows += [obs("pop_0_17", code, P, y), obs("pop_18_64", code, P, a), obs("pop_65plus", code, P, o65),
                 obs("pop_75plus", code, P, o75)]
    rows += [obs("wmo_clients_per_1000", "GM0001", P, 320 / 7), obs("wmo_clients_per_1000", "NL01", P, 48.0)]
    # Context for similar municipalities: inhabitants and the share of 65+.
    for code, pop, old in [("GM0002", 30_000, 18.0), ("GM0003", 50_000, 30.0), ("GM0004", 700_000, 14.0)]:
        rows += [obs("population", code, P, pop), obs("pct_65plus", code, P, old)]
    rows.append(obs("pct_65plus", "GM0001", P, 100 * 1000 / 7000))
    for code, v in [("GM0002", 60.0), ("GM0003", 40.0), ("GM0004", 70.0)]:
        rows.append(obs("wmo_clients_per_1000", code, P, v))
    # The catalogue's goal: bijstand per 1,000 from 58.6 (2019) to 50 (2026). The line is at
    # 58.6 - 8.6 x 4/7 = 53.7 in 2023; 56 is better than the start but behind it.
    rows += [obs("bijstand_per_1000", "GM0001", "2019JJ00", 58.6), obs("bijstand_per_1000", "GM0001", "2023JJ00", 56.0)]
    return pl.DataFrame(rows)


@pytest.fixture
def cmp_warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse"
    cat = catalogue.load()
    shared = small_regions()
    regions = pl.concat([shared, pl.DataFrame([EXTRA_GEMEENTE], schema=shared.schema, orient="row")])
    publish(path, indicators=cat.to_frame(), regions=regions, sources=source_row(),
            observations=comparison_observations(),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente",
                  "peers": ["GM0002", "GM0003"]},
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    return path
