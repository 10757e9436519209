"""waarstaatjegemeente area names against the real CBS region list of 2020 (84799NED), where 27
gemeenten share their name with a wijk somewhere and "Nederland" is also a wijk in Steenwijkerland.
Skipped where the shared extract is absent; the regions list is read, never copied."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from etl import wsjg
from warehouse import catalogue

DIMS = Path(__file__).resolve().parents[1] / ".." / "shared" / "cbs" / "84799NED-v3" / \
    "cbs.v3.84799NED_WijkenEnBuurten.parquet"
LEVEL = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}


@pytest.fixture(scope="module")
def real_regions() -> pl.DataFrame:
    if not DIMS.exists():
        pytest.skip(f"real CBS extract not found at {DIMS}")
    code = pl.col("Key").str.strip_chars().replace("NL00", "NL01")
    return pl.read_parquet(DIMS).select(
        code.alias("region_code"), pl.col("Title").str.strip_chars().alias("name"),
        code.str.slice(0, 2).replace_strict(LEVEL).alias("level"),
        pl.col("Municipality").str.strip_chars().replace("", None).alias("gemeente_code"))


def test_every_gemeente_by_name_lands_on_the_gemeente(real_regions):
    gm = real_regions.filter(pl.col("level") == "gemeente")
    wk_names = set(real_regions.filter(pl.col("level") == "wijk")["name"])
    assert len(set(gm["name"]) & wk_names) == 27  # the collisions the issue names
    lines = ["Indicator;Wmo-cliënten per 1.000 inwoners", "Gebied;2020", "Nederland;131.283"]
    lines += [f"{name};{i},5" for i, name in enumerate(gm["name"])]
    lines += ["", "Bron: waarstaatjegemeente.nl"]
    parsed = wsjg.parse("\n".join(lines).encode(), "alle-gemeenten.csv", catalogue.load(), real_regions)
    assert parsed.problems == []
    got = dict(zip(parsed.observations["region_code"], parsed.observations["value"], strict=True))
    assert got["NL01"] == 131283.0 and "WK170835" not in got  # not the wijk Nederland
    expected = {code: i + 0.5 for i, code in enumerate(gm["region_code"])}
    assert {c: v for c, v in got.items() if c != "NL01"} == expected


def test_a_common_wijk_name_is_refused_with_its_candidates(real_regions):
    data = "Indicator;Wmo-cliënten per 1.000 inwoners\nNiveau: wijken\nGebied;2020\nCentrum;40\n".encode()
    parsed = wsjg.parse(data, "wijken.csv", catalogue.load(), real_regions)
    assert parsed.observations.is_empty()
    n = real_regions.filter((pl.col("level") == "wijk") & (pl.col("name") == "Centrum")).height
    assert n > 8 and f"past op {n} gebieden van niveau wijk" in parsed.problems[0]
    assert f"en {n - 8} meer" in parsed.problems[0]
