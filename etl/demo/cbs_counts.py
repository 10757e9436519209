"""The counts CBS would publish for a member of the demo region and its wijken, from its simulated people."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from etl import population
from etl.demo.place import HOME, KWB_BANDS, REFERENCE_DATE, UNDER_23, YEARS, Member
from etl.demo.shapes import _areas_km2


def cbs_like_counts(extracts: dict[str, bytes], pop_bytes: bytes, member: Member = HOME) -> dict:
    """What CBS would publish for one member and its wijken, from the same people.

    CBS counts persons with a provision during the year, rounds to fives and publishes some of them
    per 1,000 (Wmo, youth care) and others only as counts (bijstand), with its age bands as counts; it
    differs from the registry on purpose (timing, definitions), as real figures do.
    """
    p = pl.read_csv(io.BytesIO(pop_bytes))
    p = p.with_columns(year=pl.col("period").str.slice(0, 4).cast(pl.Int32))
    wijk_pop = p.group_by("region_code", "year").agg(
        population=pl.col("persons").sum(),
        pop_0_17=pl.col("persons").filter(pl.col("age_from") < 18).sum(),
        pop_0_22=pl.col("persons").filter(pl.col("age_from") < 18).sum()
        + UNDER_23[3] * pl.col("persons").filter(pl.col("age_from") == 18).sum(),
    )
    gm_pop = wijk_pop.group_by("year").agg(pl.exclude("region_code").sum()).with_columns(region_code=pl.lit(member.code))
    pops = pl.concat([wijk_pop, gm_pop.select(wijk_pop.columns)])

    def during_year(law: str, product_filter: list[str] | None = None) -> pl.DataFrame:
        df = pl.read_csv(io.BytesIO(extracts[law]), infer_schema=False).filter(pl.col("start_date") != "")
        if product_filter:
            df = df.filter(pl.col("product_code").is_in(product_filter))
        df = df.with_columns(
            s=pl.col("start_date").str.to_date(), e=pl.col("end_date").str.to_date(strict=False).fill_null(REFERENCE_DATE))
        out = []
        for y in YEARS:
            if y < member.first_year:  # before the member's extract holds a full stock
                continue
            d = df.filter((pl.col("s") <= date(y, 12, 31)) & (pl.col("e") >= date(y, 1, 1)))
            per_wijk = d.group_by("wijk_code").agg(n=pl.col("client_id").n_unique()).rename({"wijk_code": "region_code"})
            total = pl.DataFrame({"region_code": [member.code], "n": [d["client_id"].n_unique()]})
            out.append(pl.concat([per_wijk, total.cast(per_wijk.schema)]).with_columns(year=pl.lit(y, pl.Int32)))
        return pl.concat(out)

    result: dict[str, dict] = {"population": {}, "pop_0_17": {}, "density": {}, "jeugdzorg_pct": {}}
    # CBS age bands per wijk and year, from the persons per age group (spread evenly within a group).
    groups = p.with_columns(g=pl.col("age_from").replace_strict({lo: i for i, (lo, _) in enumerate(population.AGE_GROUPS)}))
    per_group = groups.group_by("region_code", "year", "g").agg(n=pl.col("persons").sum())
    per_group = pl.concat([per_group, per_group.group_by("year", "g").agg(pl.col("n").sum())
                          .with_columns(region_code=pl.lit(member.code)).select(per_group.columns)])
    for band, weights in KWB_BANDS.items():
        result[band] = {}
        for r in per_group.iter_rows(named=True):
            key = (r["region_code"], r["year"])
            result[band][key] = result[band].get(key, 0.0) + r["n"] * weights[r["g"]]
    for r in pops.iter_rows(named=True):
        result["population"][(r["region_code"], r["year"])] = r["population"]
        result["pop_0_17"][(r["region_code"], r["year"])] = r["pop_0_17"]
    areas = _areas_km2(member)
    for (code, y), n in result["population"].items():
        result["density"][(code, y)] = n / areas[code]
    for key, law, den, scale, products in [("wmo_per_1000", "wmo", "population", 1000, None),
                                           ("jeugd_pct", "jeugd", "pop_0_17", 100, None),
                                           ("bijstand", "participatie", None, None, ["bijstand"]),  # count only
                                           ("jb_pct", "jeugd", "pop_0_17", 100, ["48"])]:
        counts = during_year(law, products).join(pops, on=["region_code", "year"])
        result[key], result[key + ":count"] = {}, {}
        for r in counts.iter_rows(named=True):
            rounded = 5 * round(r["n"] * 0.97 / 5)
            if den:
                result[key][(r["region_code"], r["year"])] = scale * rounded / r[den] if r[den] else None
            result[key + ":count"][(r["region_code"], r["year"])] = rounded
            if key == "jeugd_pct":  # Kerncijfers: the same youth care in natura over inhabitants up to 23
                result["jeugdzorg_pct"][(r["region_code"], r["year"])] = 100 * rounded / r["pop_0_22"]
    return result
