"""Money: Iv3 spending per inhabitant, the year-end prognosis from the registry's monthly cost, cost per
client, and five-year scenarios against the budget. The computations are plain functions (tested on
hand-computed values); the readers below them take their figures from the warehouse, suppressed like
every figure (docs/finance-methods.md explains the methods in Dutch).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import mean

import polars as pl

from queries import Warehouse, protection
from queries import figures as q

# Per law: the registry's cost and clients, the Iv3 finance group and the budget indicator.
LAWS = {
    "wmo": {"cost": "wmo_reg_cost", "clients": "wmo_reg_clients", "group": "wmo"},
    "jeugd": {"cost": "jeugd_reg_cost", "clients": "jeugd_reg_clients", "group": "jeugd"},
    "participatie": {"cost": "bijstand_reg_cost", "clients": "participatie_reg_clients", "group": "participatie"},
    "schuldhulp": {"cost": None, "clients": "debt_reg_clients", "group": None},
}
LAW_LABELS = {"wmo": "Wmo", "jeugd": "Jeugd", "participatie": "Participatiewet", "schuldhulp": "Schuldhulp"}
GROWTH = (0.0, 2.0, 5.0)
HORIZON = 5
SEASON_YEARS = 5  # earlier complete years the seasonal pattern is learnt from


def budget_id(law: str) -> str:
    return f"fin_{law}_budget"


# ---------------------------------------------------------------------------------------------
# Computations
# ---------------------------------------------------------------------------------------------
@dataclass
class Prognosis:
    year: int
    month: int  # last month counted
    to_date: float
    expected: float
    low: float | None
    high: float | None
    shares: dict[int, float] = field(default_factory=dict)  # earlier year -> share of the year spent by `month`
    budget: float | None = None

    @property
    def over(self) -> float | None:
        return None if self.budget is None else self.expected - self.budget

    @property
    def over_pct(self) -> float | None:
        return None if not self.budget else 100 * (self.expected - self.budget) / self.budget


def cumulative_share(monthly: dict[str, float], quarterly: dict[str, float], year: int, month: int) -> float | None:
    """The share of ``year``'s spending made in months 1..``month``: from its twelve months, else from its
    four quarters (within a quarter spread evenly); None when the year is not complete."""
    full = [monthly.get(f"{year}MM{m:02d}") for m in range(1, 13)]
    if all(v is not None for v in full) and sum(full) > 0:
        return sum(full[:month]) / sum(full)
    quarters = [quarterly.get(f"{year}KW{k:02d}") for k in range(1, 5)]
    if any(v is None for v in quarters) or sum(quarters) <= 0:
        return None
    done, part = divmod(month, 3)
    spent = sum(quarters[:done]) + (quarters[done] * part / 3 if part else 0)
    return spent / sum(quarters)


def prognosis(monthly: dict[str, float], year: int, month: int, budget: float | None = None,
              quarterly: dict[str, float] | None = None) -> Prognosis | None:
    """Year-end spending from the months 1..``month`` of ``year`` (periods ``YYYYMMnn`` -> euros).

    In each earlier complete year (months, or else quarters ``YYYYKWnn``) the months 1..month held a
    share of that year's spending; the expected total is spending to date divided by the mean share,
    the interval the lowest and highest total the shares of single years give. Without an earlier
    complete year the spending to date is extended evenly (no interval). None when a month is missing."""
    so_far = [monthly.get(f"{year}MM{m:02d}") for m in range(1, month + 1)]
    if any(v is None for v in so_far):
        return None
    to_date = float(sum(so_far))
    if month == 12:
        return Prognosis(year, month, to_date, to_date, to_date, to_date, {}, budget)
    shares: dict[int, float] = {}
    for y in range(year - 1, year - 1 - SEASON_YEARS, -1):
        share = cumulative_share(monthly, quarterly or {}, y, month)
        if share:
            shares[y] = share
    if not shares:
        return Prognosis(year, month, to_date, to_date * 12 / month, None, None, {}, budget)
    totals = [to_date / s for s in shares.values()]
    return Prognosis(year, month, to_date, to_date / mean(shares.values()), min(totals), max(totals), shares, budget)


def demographic_factors(clients: dict[str, float], population_base: dict[str, float],
                        forecast: dict[int, dict[str, float]]) -> dict[int, float]:
    """Per forecast year: expected clients (the base year's use per age group times the forecast
    inhabitants of that group) divided by the clients of the base year."""
    total = sum(clients.values())
    if total <= 0:
        return {}
    rates = {g: clients[g] / population_base[g] for g in clients if population_base.get(g)}
    out = {}
    for year, pop in sorted(forecast.items()):
        if set(rates) - set(pop):
            continue  # a forecast without every age group would undercount
        out[year] = sum(rates[g] * pop[g] for g in rates) / total
    return out


def scenarios(base_year: int, base_cost: float, budgets: dict[int, float], *, growth: tuple[float, ...] = GROWTH,
              horizon: int = HORIZON, demographic: dict[int, float] | None = None) -> pl.DataFrame:
    """Cost per year for ``horizon`` years after ``base_year`` under each scenario, against the budget.

    Growth g: base cost x (1 + g/100)^(years ahead). Demographic: base cost x the factor of that year.
    A year without a budget of its own takes the last budget known (``budget_held`` says so)."""
    rows = []
    known = sorted(y for y in budgets if y <= base_year + horizon)
    for ahead in range(1, horizon + 1):
        year = base_year + ahead
        earlier = [y for y in known if y <= year]
        budget = budgets[earlier[-1]] if earlier else None
        held = bool(earlier) and earlier[-1] != year
        costs = [(f"Groei {g:g}% per jaar".replace(".", ","), base_cost * (1 + g / 100) ** ahead) for g in growth]
        if demographic and year in demographic:
            costs.append(("Bevolkingsprognose", base_cost * demographic[year]))
        for name, cost in costs:
            rows.append({"year": year, "scenario": name, "cost": cost, "budget": budget, "budget_held": held,
                         "shortfall": None if budget is None else cost - budget})
    return pl.DataFrame(rows, schema={"year": pl.Int32, "scenario": pl.String, "cost": pl.Float64,
                                      "budget": pl.Float64, "budget_held": pl.Boolean, "shortfall": pl.Float64})


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------
def _values(df: pl.DataFrame) -> dict[str, float]:
    shown = df.filter(pl.col("value").is_not_null() & (pl.col("status") != "suppressed"))
    return dict(zip(shown["period"].to_list(), shown["value"].to_list(), strict=True))


def monthly_cost(wh: Warehouse, law: str, kind: str = "MM") -> dict[str, float]:
    """The registry's cost of the law per month (``kind`` "MM") or per quarter ("KW")."""
    cost = LAWS[law]["cost"]
    if not cost:
        return {}
    return _values(q.series(wh, cost, [wh.gemeente], period_kind=kind))


def yearly(wh: Warehouse, indicator_id: str, region: str | None = None) -> dict[int, float]:
    try:
        q.indicator(wh, indicator_id)
    except KeyError:
        return {}
    return {int(p[:4]): v for p, v in _values(q.series(wh, indicator_id, [region or wh.gemeente])).items()}


def budgets(wh: Warehouse, law: str) -> dict[int, float]:
    return yearly(wh, budget_id(law))


def months_available(monthly: dict[str, float]) -> tuple[int, int] | None:
    """(year, last month) of the latest year with monthly figures."""
    if not monthly:
        return None
    last = max(monthly)
    return int(last[:4]), int(last[6:8])


def law_prognosis(wh: Warehouse, law: str, month: int | None = None) -> Prognosis | None:
    """The year-end prognosis of the law's registry cost: the same for every visitor, so built once per
    release, law and month (``Warehouse.part``); each caller gets its own copy to change as it likes."""
    prog = wh.part(("law-prognosis", law, month), lambda: _law_prognosis(wh, law, month))
    return None if prog is None else replace(prog, shares=dict(prog.shares))


def _law_prognosis(wh: Warehouse, law: str, month: int | None) -> Prognosis | None:
    monthly = monthly_cost(wh, law)
    latest = months_available(monthly)
    if latest is None:
        return None
    year, last = latest
    return prognosis(monthly, year, min(month or last, last), budgets(wh, law).get(year),
                     monthly_cost(wh, law, "KW"))


def per_inhabitant(wh: Warehouse, indicator_ids: list[str], region_codes: list[str]) -> pl.DataFrame:
    """Amounts per inhabitant (euros) for the regions. Suppressed like every figure, secondary
    suppression included: a per-inhabitant figure is hidden wherever its amount is (the population is
    public, so the amount would come back by multiplying)."""
    codes = list(dict.fromkeys([*region_codes]))
    df = wh.run("finance_per_inhabitant", indicator_ids=list(indicator_ids), region_codes=codes)
    return protection.suppressed(wh, df.with_columns(denominator=pl.col("population")))


def peer_median(df: pl.DataFrame, peers: list[str]) -> pl.DataFrame:
    """Median per inhabitant of the peers per indicator and period, as one more 'region'."""
    part = df.filter(pl.col("region_code").is_in(peers) & pl.col("value").is_not_null())
    if part.is_empty():
        return df.head(0)
    med = part.group_by("indicator_id", "period", "year").agg(value=pl.col("value").median(),
                                                             source_id=pl.col("source_id").first())
    return med.with_columns(region_code=pl.lit(q.PEER_CODE), region_name=pl.lit("Vergelijkbare gemeenten (mediaan)"),
                            status=pl.lit("final"))


def cost_per_client(wh: Warehouse, law: str) -> pl.DataFrame:
    """Cost per client of the law in the last two years of the registry and the change (empty without cost)."""
    ids = LAWS[law]
    if not ids["cost"]:
        return pl.DataFrame()
    cost, clients = yearly(wh, ids["cost"]), yearly(wh, ids["clients"])
    years = sorted(set(cost) & set(clients))[-2:]
    rows = [{"year": y, "cost": cost[y], "clients": clients[y],
             "per_client": cost[y] / clients[y] if clients[y] else None} for y in years]
    return pl.DataFrame(rows, schema={"year": pl.Int32, "cost": pl.Float64, "clients": pl.Float64,
                                      "per_client": pl.Float64})


def cost_change(wh: Warehouse, law: str, breakdown: str) -> pl.DataFrame:
    """The registry's cost of the law (euros) per category of ``breakdown`` ("product", "referrer") in
    the last two years: category, previous, last (null when hidden, with
    previous_status / last_status "suppressed"), change and change_pct (null when either year is
    hidden), previous_year, last_year; biggest rise first. Empty without two years of figures.
    A category missing in a year had no clients or euros that year: zero."""
    iid = LAWS[law]["cost"]
    if not iid:
        return pl.DataFrame()
    df = q.series(wh, iid, [wh.gemeente], breakdown=breakdown).filter(pl.col("category") != "")
    years = sorted(df["year"].unique().to_list())[-2:]
    if len(years) < 2:
        return pl.DataFrame()
    prev, last = years

    def one(year: int, name: str) -> pl.DataFrame:
        return df.filter(pl.col("year") == year).select("category", pl.col("value").alias(name),
                                                         pl.col("status").alias(f"{name}_status"))

    both = one(prev, "previous").join(one(last, "last"), on="category", how="full", coalesce=True)
    for name in ("previous", "last"):
        absent = pl.col(f"{name}_status").is_null()
        both = both.with_columns(pl.when(absent).then(0.0).otherwise(pl.col(name)).alias(name),
                                 pl.when(absent).then(pl.lit("final")).otherwise(pl.col(f"{name}_status"))
                                 .alias(f"{name}_status"))
    change = pl.col("last") - pl.col("previous")
    return both.with_columns(
        change=change, change_pct=pl.when(pl.col("previous") > 0).then(100 * change / pl.col("previous")),
        previous_year=pl.lit(prev), last_year=pl.lit(last)).sort("change", "category", descending=[True, False],
                                                                 nulls_last=True)


def age_groups(wh: Warehouse, law: str, year: int) -> tuple[dict[str, float], dict[str, float]]:
    """(clients per age group, inhabitants per age group) of the municipality in ``year``."""
    clients = q.series(wh, LAWS[law]["clients"], [wh.gemeente], breakdown="age_group")
    clients = _by_category(clients.filter(pl.col("year") == year))
    pop = wh.run("finance_population_forecast", region_code=wh.gemeente, base_year=year).filter(pl.col("year") == year)
    return clients, dict(zip(pop["age_group"].to_list(), pop["value"].to_list(), strict=True))


def _by_category(df: pl.DataFrame) -> dict[str, float]:
    shown = df.filter(pl.col("value").is_not_null() & (pl.col("category") != ""))
    return dict(zip(shown["category"].to_list(), shown["value"].to_list(), strict=True))


def population_forecast(wh: Warehouse, base_year: int) -> dict[int, dict[str, float]]:
    """Inhabitants per age group for years after ``base_year`` (empty when no forecast is loaded)."""
    df = wh.run("finance_population_forecast", region_code=wh.gemeente, base_year=base_year + 1)
    out: dict[int, dict[str, float]] = {}
    for r in df.iter_rows(named=True):
        out.setdefault(r["year"], {})[r["age_group"]] = r["value"]
    return out


def law_scenarios(wh: Warehouse, law: str) -> tuple[pl.DataFrame, Prognosis | None, bool]:
    """(scenarios, the prognosis they start from, whether a population forecast was used)."""
    prog = law_prognosis(wh, law)
    if prog is None:
        return scenarios(0, 0, {}).head(0), None, False
    forecast = population_forecast(wh, prog.year)
    demographic = None
    if forecast:
        clients, pop = age_groups(wh, law, prog.year)
        demographic = demographic_factors(clients, pop, forecast) or None
    return (scenarios(prog.year, prog.expected, budgets(wh, law), demographic=demographic), prog,
            demographic is not None)
