"""Expected against observed use per wijk (indirect standardisation), the second question of
:mod:`queries.comparison` (documented there; its names stay importable from there)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from queries import Warehouse
from queries import figures as q


@dataclass(frozen=True)
class UseMeasure:
    key: str
    label: str
    observed_id: str   # registry count per wijk, with an age_group breakdown for the municipality
    cbs_rate_id: str   # the CBS rate that sets the national / peer level
    cbs_base_id: str   # the population the CBS rate is per
    cbs_scale: float   # per 1,000 or per 100


USE_MEASURES = {
    "wmo": UseMeasure("wmo", "Wmo-maatwerk", "wmo_reg_clients", "wmo_clients_per_1000", "population", 1000),
    "jeugd": UseMeasure("jeugd", "Jeugdhulp", "jeugd_reg_clients", "youth_care_pct", "pop_0_17", 100),
    "participatie": UseMeasure("participatie", "Bijstand en re-integratie (Participatiewet)",
                               "participatie_reg_clients", "bijstand_per_1000", "pop_15_64", 1000),
}
STANDARDS = {"gemeente": "de eigen gemeente", "NL01": "Nederland", "peers": "vergelijkbare gemeenten"}
# Broad age groups in which CBS publishes inhabitants for every municipality and the nation.
BROAD_GROUPS = {"0-17": ["0-3", "4-11", "12-17"], "18-64": ["18-26", "27-64"], "65-74": ["65-74"],
                "75+": ["75-84", "85+"]}
Z95 = 1.959964


def byar_interval(observed: float, expected: float, z: float = Z95) -> tuple[float | None, float | None]:
    """Byar's approximation of the exact Poisson interval for observed/expected."""
    if expected is None or expected <= 0 or observed is None:
        return None, None
    o = float(observed)
    if o <= 0:
        lower = 0.0
    else:
        lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    o1 = o + 1
    upper = o1 * (1 - 1 / (9 * o1) + z / (3 * math.sqrt(o1))) ** 3
    return lower / expected, upper / expected


def group_rates(users: pl.DataFrame, population: pl.DataFrame, total_users: float | None = None) -> pl.DataFrame:
    """Rate of use per age group: users / inhabitants.

    ``users`` has age_group, value, status; hidden (suppressed) groups have no value. When a total is
    given, what the shown groups do not account for is spread over the hidden groups in proportion to
    their inhabitants, so small groups still get a rate without their number being shown anywhere.
    Groups without any user row have rate 0.
    """
    pop = population.select("age_group", pop=pl.col("value").cast(pl.Float64))
    u = users.select("age_group", users=pl.col("value").cast(pl.Float64),
                     hidden=(pl.col("status") == "suppressed") | pl.col("value").is_null())
    df = pop.join(u, on="age_group", how="left").with_columns(pl.col("hidden").fill_null(False))
    if total_users is not None and df["hidden"].any():
        rest = max(0.0, float(total_users) - float(df.filter(~pl.col("hidden"))["users"].fill_null(0).sum()))
        hidden_pop = float(df.filter(pl.col("hidden"))["pop"].sum())
        df = df.with_columns(users=pl.when(pl.col("hidden")).then(
            pl.col("pop") / hidden_pop * rest if hidden_pop else pl.lit(0.0)).otherwise(pl.col("users")))
    df = df.with_columns(pl.col("users").fill_null(0.0))
    return df.with_columns(rate=pl.when(pl.col("pop") > 0).then(pl.col("users") / pl.col("pop")).otherwise(0.0))


def expected_counts(rates: pl.DataFrame, wijk_population: pl.DataFrame, factor: float = 1.0) -> pl.DataFrame:
    """Expected users per wijk: factor x sum over age groups of inhabitants x rate (indirect standardisation)."""
    df = wijk_population.join(rates.select("age_group", "rate"), on="age_group", how="left")
    return df.group_by("region_code", maintain_order=True).agg(
        expected=(pl.col("value") * pl.col("rate").fill_null(0.0)).sum() * factor)


def observed_expected(observed: pl.DataFrame, expected: pl.DataFrame) -> pl.DataFrame:
    """Ratio observed/expected with a 95% Byar interval and a plain verdict per wijk.

    ``observed``: region_code, region_name, value, status (suppressed rows stay without a ratio).
    """
    df = observed.join(expected, on="region_code", how="left")
    rows = []
    for r in df.iter_rows(named=True):
        o, e = r["value"], r["expected"]
        shown = r["status"] != "suppressed" and o is not None and e is not None and e > 0
        lo, hi = byar_interval(o, e) if shown else (None, None)
        rows.append({"ratio": o / e if shown else None, "lower": lo, "upper": hi,
                     "verdict": verdict(lo, hi) if shown else "niet te zeggen"})
    extra = pl.DataFrame(rows, schema={"ratio": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
                                       "verdict": pl.String})
    return pl.concat([df, extra], how="horizontal")


def verdict(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return "niet te zeggen"
    if lower > 1:
        return "hoger dan verwacht"
    if upper < 1:
        return "lager dan verwacht"
    return "zoals verwacht"


def standard_factor(broad_rates: dict[str, float], own: dict[str, float], reference: dict[str, float]) -> float | None:
    """How much higher the reference's use is than ours, after taking out age differences.

    ``own`` and ``reference`` hold the CBS count ("cbs") and inhabitants per broad age group. With our
    rates per broad group, E = sum of rate x inhabitants is what each would have if it used care like
    us; the factor is (CBS count / E) of the reference divided by the same for us.
    """
    def level(d: dict[str, float]) -> float | None:
        e = sum(broad_rates[b] * d.get(b, 0.0) for b in BROAD_GROUPS)
        return d["cbs"] / e if e > 0 and d.get("cbs") is not None else None

    a, b = level(reference), level(own)
    return a / b if a is not None and b else None


def _cbs_levels(wh: Warehouse, m: UseMeasure, codes: list[str], year: int) -> dict[str, dict[str, float]]:
    """Per region: the CBS count implied by the rate, and inhabitants per broad age group (latest year up to ``year``)."""
    ids = [m.cbs_rate_id, m.cbs_base_id, "population", "pop_0_17", "pop_18_64", "pop_65plus", "pop_75plus"]
    out: dict[str, dict[str, float]] = {}
    for y in (year, year - 1, year - 2):
        df = q.figures(wh, ids, codes, y).filter((pl.col("year") == y) & pl.col("value").is_not_null())
        for code in codes:
            if code in out:
                continue
            v = dict(zip(df.filter(pl.col("region_code") == code)["indicator_id"],
                         df.filter(pl.col("region_code") == code)["value"], strict=True))
            if all(i in v for i in ids):
                out[code] = {"cbs": v[m.cbs_rate_id] * v[m.cbs_base_id] / m.cbs_scale,
                             "0-17": v["pop_0_17"], "18-64": v["pop_18_64"],
                             "65-74": v["pop_65plus"] - v["pop_75plus"], "75+": v["pop_75plus"]}
    return out


@dataclass
class Expectation:
    measure: UseMeasure
    year: int
    standard: str
    factor: float | None
    wijken: pl.DataFrame     # region_code, region_name, value, status, expected, ratio, lower, upper, verdict
    rates: pl.DataFrame      # age_group, pop, users, hidden, rate (of the municipality)
    note: str                # how the standard was made, in plain words


def expected_use(wh: Warehouse, key: str, year: int, standard: str = "gemeente",
                 peers: list[str] | None = None) -> Expectation | None:
    """Observed against expected use per wijk for one law in one year; None when the data are missing."""
    m = USE_MEASURES[key]
    pop = wh.run("age_group_population", indicator_id="population", period=f"{year}JJ00", gemeente=wh.gemeente)
    gm_pop = pop.filter(pl.col("region_code") == wh.gemeente)
    users = q.series(wh, m.observed_id, [wh.gemeente], breakdown="age_group").filter(pl.col("year") == year)
    totals = q.series(wh, m.observed_id, [wh.gemeente]).filter(pl.col("year") == year)
    if gm_pop.is_empty() or users.is_empty() or totals.is_empty():
        return None
    total = totals["value"][0]
    rates = group_rates(users.select(pl.col("category").alias("age_group"), "value", "status"), gm_pop, total)
    factor, note = 1.0, ("Verwacht = voor elke leeftijdsgroep het gebruik in heel de gemeente, toegepast op de "
                         "inwoners van de wijk. Alle wijken samen komen dan uit op het echte totaal.")
    if standard != "gemeente":
        ref_codes = ["NL01"] if standard == "NL01" else list(peers if peers is not None else wh.peers)
        levels = _cbs_levels(wh, m, [wh.gemeente, *ref_codes], year)
        refs = [levels[c] for c in ref_codes if c in levels]
        broad_rates = {}
        for b, groups in BROAD_GROUPS.items():
            sub = rates.filter(pl.col("age_group").is_in(groups))
            broad_rates[b] = float(sub["users"].sum() / sub["pop"].sum()) if sub["pop"].sum() else 0.0
        if wh.gemeente in levels and refs:
            pooled = {k: sum(r[k] for r in refs) for k in ("cbs", *BROAD_GROUPS)}
            factor = standard_factor(broad_rates, levels[wh.gemeente], pooled)
        else:
            factor = None
        if factor is None:
            return Expectation(m, year, standard, None, pl.DataFrame(), rates,
                               f"Voor {STANDARDS[standard]} zijn geen CBS-cijfers van {year} of kort daarvoor.")
        note = (f"Verwacht = het gebruik per leeftijdsgroep zoals in de eigen gemeente, maar op het niveau van "
                f"{STANDARDS[standard]}: dat ligt, na correctie voor leeftijd, {q_factor_text(factor)}. "
                "Per leeftijdsgroep zijn er geen landelijke cijfers in de monitor; daarom gebruiken we de "
                "leeftijdsverdeling van de eigen registratie en het CBS-cijfer voor het niveau.")
    wijk_pop = pop.filter(pl.col("region_level") == "wijk")
    exp = expected_counts(rates, wijk_pop, factor)
    observed = q.wijk_values(wh, m.observed_id, year).filter(pl.col("region_level") == "wijk").select(
        "region_code", "region_name", "value", "status")
    result = observed_expected(observed, exp).sort("region_name")
    return Expectation(m, year, standard, factor, result, rates, note)


def q_factor_text(factor: float) -> str:
    pct = (factor - 1) * 100
    if abs(pct) < 0.5:
        return "even hoog als bij ons"
    return f"{abs(pct):.0f}% {'hoger' if pct > 0 else 'lager'} dan bij ons".replace(".", ",")


def expectation_years(wh: Warehouse, key: str) -> list[int]:
    """Years with both the registry count and population per age group."""
    m = USE_MEASURES[key]
    have = set(q.years(wh, [m.observed_id], [wh.gemeente]))
    return [y for y in q.years(wh, ["population"], [wh.gemeente]) if y in have]


def wijk_income(wh: Warehouse, year: int) -> pl.DataFrame:
    """Share of low-income households per wijk (latest up to ``year``): shown beside the ratio,
    because income is not in the expected number."""
    for y in range(year, year - 4, -1):
        df = q.wijk_values(wh, "pct_low_income_households", y).filter(pl.col("region_level") == "wijk")
        if df.filter(pl.col("value").is_not_null()).height:
            return df.select("region_code", low_income=pl.col("value"), low_income_year=pl.lit(y))
    return pl.DataFrame(schema={"region_code": pl.String, "low_income": pl.Float64, "low_income_year": pl.Int32})
