"""The built-in demo: a fictional municipality, its wijken, 15 peers and the national figure.

Nothing here writes figures into the warehouse directly. The generator produces source-format
inputs, the way a municipality receives them, and runs them through the real loaders:

- population per wijk and age (BRP counts)            -> etl.population
- a person-level registry extract per law              -> etl.registry (held in memory only: even
  fictional person rows are never written to disk unless ``--write-inputs`` asks for them)
- waarstaatjegemeente.nl exports for the municipality, its wijken, the peers and the nation, in the
  units the sources publish (benefits and CBS age bands as counts; the monitor derives the rates
  from them at publication, as for real data)       -> etl.wsjg
- wijk boundaries as GeoJSON
- Iv3 rows (lasten and baten per taakveld, as CBS serves them) for the municipality, its peers and
  the nation, and the municipality's budget file               -> etl.iv3, etl.budget

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

import io
import json
import math
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import settings
from etl import gebieden, population, wsjg
from warehouse import catalogue as catalogue_mod
from warehouse.releases import current_release, publish

GEMEENTE = "GM9990"
GEMEENTE_NAME = "Lindewaard"
FIRST_YEAR, LAST_YEAR = 2015, 2025
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
REFERENCE_DATE = date(2025, 12, 31)  # the day the registry extract was taken
SEED = 20151
CENTER = (5.52, 52.34)  # fictional place; no base map is drawn under it

# Share of inhabitants per age group (0-3, 4-11, 12-17, 18-26, 27-64, 65-74, 75-84, 85+).
AGE_GROUPS = [population.age_group_label(lo, hi) for lo, hi in population.AGE_GROUPS]
AGE_SPANS = [(lo, 100 if hi is None else hi) for lo, hi in population.AGE_GROUPS]
PROFILES = {
    "average": [4.0, 8.6, 6.6, 11.2, 50.0, 11.2, 6.3, 2.1],
    "old": [2.4, 5.8, 5.0, 8.0, 43.0, 16.5, 12.8, 6.5],
    "young_family": [6.8, 13.5, 9.2, 8.8, 49.7, 7.0, 3.7, 1.3],
    "young_adult": [4.6, 6.2, 4.3, 20.5, 51.4, 7.2, 4.0, 1.8],
    "rural": [3.2, 8.4, 7.4, 9.0, 47.0, 14.0, 8.6, 2.4],
}
HOUSEHOLD_SIZE = {"average": 2.15, "old": 1.75, "young_family": 2.75, "young_adult": 1.6, "rural": 2.4}

# CBS age bands (15-25, 25-45, 45-65) from the demo's age groups, assuming ages spread evenly within
# a group: weight of each of the eight groups in each band.
KWB_BANDS = {
    "Inwoners 15 tot 25 jaar": [0, 0, 3 / 6, 7 / 9, 0, 0, 0, 0],
    "Inwoners 25 tot 45 jaar": [0, 0, 0, 2 / 9, 18 / 38, 0, 0, 0],
    "Inwoners 45 tot 65 jaar": [0, 0, 0, 0, 20 / 38, 0, 0, 0],
}
# The base of the Kerncijfers youth-care percentage: inhabitants up to 23 (18-22 is 5 of the 9 years of 18-26).
UNDER_23 = [1, 1, 1, 5 / 9, 0, 0, 0, 0]


def cbs_round(n: float, level: str) -> int:
    """CBS publishes benefit counts in tens for a municipality and in fives for a wijk."""
    step = 5 if level == "wijk" else 10
    return int(step * round(n / step))


def ww_rate(year: int, poverty: float) -> float:
    """WW benefits per 1,000 inhabitants of 15-64 (a 2020 bump)."""
    return (24 - 0.9 * (year - FIRST_YEAR) + (4 if year == 2020 else 0)) * (0.8 + 0.2 * poverty)


def ao_rate(year: int, poverty: float) -> float:
    """Work-disability benefits per 1,000 inhabitants of 15-64."""
    return (72 + 0.4 * (year - FIRST_YEAR)) * (0.85 + 0.15 * poverty)


# Chance per year of using each law, per age group (before wijk factors and trends).
RATE_WMO = np.array([0.4, 0.9, 1.4, 1.9, 3.3, 6.2, 17.5, 41.0]) / 100 * 0.85
RATE_JEUGD = np.array([5.0, 9.4, 11.6, 0.9, 0.0, 0.0, 0.0, 0.0]) / 100
RATE_BIJSTAND = np.array([0.0, 0.0, 0.0, 3.6, 5.6, 0.7, 0.2, 0.1]) / 100
RATE_DEBT = np.array([0.0, 0.0, 0.0, 1.3, 1.5, 0.5, 0.2, 0.1]) / 100


@dataclass(frozen=True)
class Wijk:
    code: str
    name: str
    pop2015: int
    growth: float  # per year
    profile: str
    income: float  # average income per inhabitant, x 1,000 euro (2015)
    poverty: float  # 1 = municipal average; drives bijstand, debts and part of youth care
    # Use above or below what age and income explain: what "expected against observed" should find.
    excess: dict


WIJKEN = [
    Wijk("WK999001", "Centrum", 6200, 0.004, "young_adult", 27.5, 1.2, {}),
    Wijk("WK999002", "Oude Haven", 8100, 0.002, "old", 26.0, 1.1, {"wmo": 1.08}),
    Wijk("WK999003", "Molenwijk", 9300, 0.003, "average", 20.5, 2.1, {}),
    Wijk("WK999004", "De Akkers", 8700, 0.006, "young_family", 27.0, 0.9, {}),
    Wijk("WK999005", "Parkzoom", 6900, 0.002, "average", 38.0, 0.45, {"wmo": 0.7}),
    Wijk("WK999006", "Lindehof", 7600, 0.003, "average", 28.5, 0.95, {}),
    Wijk("WK999007", "Noorderveld", 7200, 0.030, "young_family", 30.0, 0.7, {}),
    Wijk("WK999008", "Beekdal", 6600, 0.001, "old", 29.5, 0.8, {}),
    Wijk("WK999009", "Stationskwartier", 7000, 0.006, "young_adult", 22.0, 1.6, {"jeugd": 1.45}),
    Wijk("WK999010", "Bosrand", 4700, 0.001, "old", 41.0, 0.4, {}),
    Wijk("WK999011", "Buitengebied", 2100, -0.002, "rural", 31.0, 0.6, {}),
]

PEERS = [  # name, inhabitants 2025, age profile mix (0 young .. 1 old), poverty, income, density
    ("GM9901", "Amberdal", 71000, 0.55, 1.00, 29.0, 1250),
    ("GM9902", "Brinkvoorde", 84000, 0.45, 1.15, 27.5, 1900),
    ("GM9903", "Dommelwaard", 66000, 0.70, 0.80, 31.5, 640),
    ("GM9904", "Elzenburg", 92000, 0.40, 1.35, 26.0, 2600),
    ("GM9905", "Gaasterveen", 58000, 0.75, 0.75, 30.5, 420),
    ("GM9906", "Hazelmeer", 77000, 0.50, 1.05, 28.5, 1450),
    ("GM9907", "IJsselvliet", 103000, 0.35, 1.30, 27.0, 2900),
    ("GM9908", "Kortewoude", 49000, 0.80, 0.70, 32.5, 350),
    ("GM9909", "Linderveld", 81000, 0.52, 0.95, 29.5, 1350),
    ("GM9910", "Mossendam", 69000, 0.60, 1.10, 28.0, 980),
    ("GM9911", "Nieuw-Haverland", 126000, 0.30, 1.45, 26.5, 3300),
    ("GM9912", "Oudewering", 62000, 0.65, 0.85, 30.0, 700),
    ("GM9913", "Rietschoten", 88000, 0.48, 1.20, 27.0, 2100),
    ("GM9914", "Stokkemeer", 74000, 0.58, 1.00, 29.0, 1150),
    ("GM9915", "Vlietbroek", 55000, 0.72, 0.65, 33.5, 520),
]


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------
def age_shares(profile: str, year: int) -> np.ndarray:
    shares = np.array(PROFILES[profile], dtype=float)
    ageing = 1.022 ** (year - FIRST_YEAR)  # the population slowly grows older
    shares[5:] *= ageing
    return shares / shares.sum()


def wijk_population(w: Wijk, year: int) -> np.ndarray:
    total = w.pop2015 * (1 + w.growth) ** (year - FIRST_YEAR)
    return np.round(total * age_shares(w.profile, year)).astype(int)


def population_inputs(rng: np.random.Generator) -> tuple[bytes, bytes]:
    """BRP counts: persons per wijk, year, age group and sex; households per type."""
    persons, households = ["region_code,period,age_from,age_to,sex,persons"], ["region_code,period,household_type,households"]
    for w in WIJKEN:
        for y in YEARS:
            counts = wijk_population(w, y)
            for (lo, hi), n in zip(population.AGE_GROUPS, counts, strict=True):
                men = int(rng.binomial(n, 0.49 if lo < 75 else 0.42))
                top = "" if hi is None else str(hi)
                persons.append(f"{w.code},{y}JJ00,{lo},{top},M,{men}")
                persons.append(f"{w.code},{y}JJ00,{lo},{top},V,{n - men}")
            n_hh = int(counts.sum() / HOUSEHOLD_SIZE[w.profile])
            single = {"old": 0.48, "young_adult": 0.55, "young_family": 0.22, "average": 0.38, "rural": 0.28}[w.profile]
            with_kids = {"old": 0.16, "young_adult": 0.20, "young_family": 0.52, "average": 0.33, "rural": 0.36}[w.profile]
            single_parent = 0.06 * w.poverty
            parts = {"eenpersoons": single, "paar_met_kinderen": with_kids - single_parent, "eenouder": single_parent,
                     "overig": 0.02}
            parts["paar_zonder_kinderen"] = 1 - sum(parts.values())
            for kind, share in parts.items():
                households.append(f"{w.code},{y}JJ00,{kind},{round(n_hh * share)}")
    return ("\n".join(persons) + "\n").encode(), ("\n".join(households) + "\n").encode()


# --------------------------------------------------------------------------------------------
# Registry extract (person level, in memory)
# --------------------------------------------------------------------------------------------
def trend(law: str, year: int) -> float:
    t = year - FIRST_YEAR
    if law == "wmo":
        return 1.0 + 0.012 * t + (0.07 if year >= 2019 else 0.0)  # abonnementstarief draws new clients
    if law == "jeugd":
        base = 1.04 ** min(t, 6)
        return base * (0.9 if year >= 2022 else 1.0) * 1.015 ** max(0, year - 2022)
    if law == "bijstand":
        f = 0.97 ** min(t, 5)
        if year >= 2020:
            f *= 1.07 * 0.975 ** (year - 2020)
        return f
    if law == "debt":
        return 1.0 if year < 2021 else 1.45 * 1.04 ** (year - 2021)
    raise KeyError(law)


def _bsn(rnd: random.Random) -> str:
    """A fictional 9-digit number that passes the 11-test, as a real BSN does."""
    while True:
        head = str(rnd.randrange(10_000_000, 100_000_000))
        check = sum(int(x) * (9 - i) for i, x in enumerate(head)) % 11
        if check < 10:
            return head + str(check)


RECENT_HOUSEHOLDS = 250


class People:
    """Fictional persons and households per wijk, so one household can use several laws."""

    def __init__(self, rng: np.random.Generator, postcodes: dict[str, list[str]]):
        self.rng = rng
        self.rnd = random.Random(int(rng.integers(0, 2**31)))
        self.postcodes = postcodes
        self.households: dict[str, list[dict]] = {w.code: [] for w in WIJKEN}
        self.counter = 0

    def _new_household(self, wijk: str) -> dict:
        self.counter += 1
        hh = {"id": f"HH{self.counter:07d}", "postcode": self.rng.choice(self.postcodes[wijk]), "members": []}
        self.households[wijk].append(hh)
        return hh

    def person(self, wijk: str, age: int, on: date, share_household: float) -> tuple[str, str, str, str]:
        """(client id, household id, birth date, postcode) for a new client of this age."""
        pool = self.households[wijk]
        hh = None
        if pool and self.rng.random() < share_household:
            # A recent household: one that is likely to still get help from another law.
            hh = pool[int(self.rng.integers(max(0, len(pool) - RECENT_HOUSEHOLDS), len(pool)))]
            # Same person again (another law) when an adult of about this age lives there.
            for m in hh["members"]:
                if abs(m["age_at"](on) - age) <= 3 and age >= 18 and self.rng.random() < 0.5:
                    return m["id"], hh["id"], m["birth"].isoformat(), hh["postcode"]
        if hh is None:
            hh = self._new_household(wijk)
        birth = on - timedelta(days=int(age * 365.25 + self.rng.integers(0, 365)))
        member = {"id": _bsn(self.rnd), "birth": birth,
                  "age_at": (lambda d, b=birth: (d - b).days // 365)}
        hh["members"].append(member)
        return member["id"], hh["id"], birth.isoformat(), hh["postcode"]


WMO_PRODUCTS_OLD = (["01", "14", "12", "13", "02", "08"], [0.42, 0.22, 0.14, 0.07, 0.10, 0.05])
WMO_PRODUCTS_YOUNG = (["02", "07", "01", "14", "08", "15", "16"], [0.42, 0.18, 0.14, 0.10, 0.08, 0.05, 0.03])
WMO_MONTHLY = {"01": 260, "02": 640, "07": 880, "14": 45, "12": 85, "13": 0, "08": 120, "15": 3100, "16": 2400}
JEUGD_PRODUCTS = (["45", "54", "51", "41", "43", "44", "48", "47", "46", "52"],
                  [0.52, 0.12, 0.08, 0.06, 0.04, 0.03, 0.06, 0.02, 0.02, 0.05])
JEUGD_MONTHLY = {"45": 720, "54": 930, "51": 480, "41": 2500, "43": 8200, "44": 5400, "48": 1750, "47": 1250,
                 "46": 6000, "52": 1400}
REFERRERS = (["01", "02", "03", "05", "06"], [0.42, 0.36, 0.09, 0.09, 0.04])
# The youth-care overspend of 2025 (the Geld page): from 2024 the GP refers more and residential stays
# last longer. Only weights and durations change, so the random stream and the other figures do not.
REFERRERS_FROM_2024 = [0.34, 0.44, 0.09, 0.09, 0.04]
RESIDENTIAL_LONGER_FROM_2024 = 1.35
# Amounts paid (the registry's cost): from 2022 tariffs follow wages and prices, and from 2024 residential
# care is bought as heavier care at a tariff that rises a fifth a year. Amounts only, so no count moves.
YOUTH_TARIFF_INDEX = 1.05
RESIDENTIAL_TARIFF_RISE = 1.2


def youth_tariff(product: str, year: int) -> float:
    """Monthly amount of a youth-care product for a provision starting in ``year``."""
    heavier = RESIDENTIAL_TARIFF_RISE ** max(0, year - 2023) if product in ("43", "44") else 1.0
    return JEUGD_MONTHLY[product] * YOUTH_TARIFF_INDEX ** max(0, year - 2021) * heavier


def _date(year: int, rng: np.random.Generator) -> date:
    return date(year, 1, 1) + timedelta(days=int(rng.integers(0, 365)))


def _wait_days(rng: np.random.Generator, median: float, spread: float = 0.45) -> int:
    return max(1, int(rng.lognormal(math.log(median), spread)))


def registry_inputs(rng: np.random.Generator) -> tuple[dict[str, bytes], bytes]:
    """Person-level extracts per law (standard profile) and the postcode -> buurt/wijk table."""
    postcodes: dict[str, list[str]] = {}
    pc_rows = ["postcode,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name"]
    for i, w in enumerate(WIJKEN):
        postcodes[w.code] = []
        n_buurten = 2 if w.code != "WK999011" else 1
        for b in range(n_buurten):
            buurt = f"BU{w.code[2:]}{b + 1:02d}"
            for k in range(12):
                pc = f"{8300 + i * 10 + b * 5 + k // 4}{chr(65 + k % 4)}{chr(65 + (k * 7 + b) % 26)}"
                postcodes[w.code].append(pc)
                pc_rows.append(f"{pc},{buurt},{w.name} {'Noord' if b == 0 else 'Zuid'},{w.code},{w.name},"
                               f"{GEMEENTE},{GEMEENTE_NAME}")
    people = People(rng, postcodes)
    header = ("client_id,household_id,birth_date,postcode,wijk_code,request_date,decision_date,route,product_code,"
              "start_date,end_date,end_reason,delivery_form,provider,referrer,amount_paid")
    rows: dict[str, list[str]] = {law: [header] for law in ("wmo", "jeugd", "participatie", "schuldhulp")}

    def add(law: str, person, wijk: str, req: date, dec: date | None, route: str, product: str = "",
            start: date | None = None, end: date | None = None, end_reason: str = "", form: str = "",
            provider: str = "", referrer: str = "", amount: float | None = None) -> None:
        if start and start > REFERENCE_DATE:
            return
        if end and end > REFERENCE_DATE:
            end = None  # still running on the day of the extract
        if dec and dec > REFERENCE_DATE:
            dec = None  # not decided yet on the day of the extract
        cid, hid, birth, pc = person
        fmt = lambda d: d.isoformat() if d else ""  # noqa: E731
        rows[law].append(",".join([
            cid, hid, birth, pc, wijk, fmt(req), fmt(dec), route, product, fmt(start), fmt(end), end_reason,
            form, provider, referrer, "" if amount is None else f"{amount:.2f}",
        ]))

    def spell_cost(monthly: float, start: date, end: date | None) -> float:
        stop = min(end or REFERENCE_DATE, REFERENCE_DATE)
        return max(0.0, (stop - start).days / 30.4 * monthly * rng.uniform(0.9, 1.1))

    for w in WIJKEN:
        for year in range(2011, LAST_YEAR + 1):
            pop = wijk_population(w, max(year, FIRST_YEAR))
            cal = max(year, FIRST_YEAR)
            # --- Wmo: new clients this year; the stock builds up from 2011 on.
            exp_wmo = (pop * RATE_WMO).sum() * trend("wmo", cal) * (0.85 + 0.15 * w.poverty) * w.excess.get("wmo", 1)
            ages = pop * RATE_WMO
            for g in rng.choice(len(ages), size=rng.poisson(exp_wmo / 3.3), p=ages / ages.sum()):
                age = int(rng.integers(AGE_SPANS[g][0], AGE_SPANS[g][1] + 1))
                start_spell = _date(year, rng)
                person = people.person(w.code, age, start_spell, share_household=0.15)
                months = rng.gamma(1.6, 18.0)
                products, weights = WMO_PRODUCTS_OLD if age >= 65 else WMO_PRODUCTS_YOUNG
                if year >= 2019 and age >= 65:  # abonnementstarief: more household help
                    weights = [weights[0] * 1.35, *weights[1:]]
                weights = np.array(weights) / sum(weights)
                for product in rng.choice(products, size=min(len(products), 1 + rng.poisson(0.45)), replace=False, p=weights):
                    wait = _wait_days(rng, 47 if cal < 2022 else 47 - 3 * (cal - 2021))
                    req = start_spell - timedelta(days=wait + 14)
                    start = start_spell + timedelta(days=int(rng.integers(0, 60)))
                    end = start + timedelta(days=int(30 * (1 if product == "13" else months)))
                    form = "PGB" if rng.random() < (0.08 if product != "02" else 0.18) else "ZIN"
                    amount = 6500 * rng.uniform(0.5, 1.8) if product == "13" else spell_cost(WMO_MONTHLY[product], start, end)
                    add("wmo", person, w.code, req, req + timedelta(days=wait), "maatwerk", product, start, end,
                        "", form, f"Zorgaanbieder {int(rng.integers(1, 14))}", "", amount)
            # Requests that were solved without maatwerk.
            for _ in range(rng.poisson(exp_wmo / 3.3 * 1.05)):
                age = int(rng.integers(45, 95))
                req = _date(year, rng)
                route = rng.choice(["eigen_netwerk", "algemene_voorziening", "afgewezen"], p=[0.38, 0.5, 0.12])
                person = people.person(w.code, age, req, share_household=0.1)
                add("wmo", person, w.code, req, req + timedelta(days=_wait_days(rng, 30)), str(route))

            # --- Jeugd
            exp_j = (pop * RATE_JEUGD).sum() * trend("jeugd", cal) * (0.75 + 0.25 * w.poverty) * w.excess.get("jeugd", 1)
            ages = pop * RATE_JEUGD
            for g in rng.choice(len(ages), size=rng.poisson(exp_j / 1.75), p=ages / ages.sum()):
                age = int(rng.integers(AGE_SPANS[g][0], min(AGE_SPANS[g][1], 22) + 1))
                start_spell = _date(year, rng)
                person = people.person(w.code, age, start_spell, share_household=0.25 * w.poverty)
                months = rng.gamma(1.4, 6.5)
                for product in rng.choice(JEUGD_PRODUCTS[0], size=min(3, 1 + rng.poisson(0.3)), replace=False,
                                          p=JEUGD_PRODUCTS[1]):
                    if year >= 2022 and product in ("43", "44") and rng.random() < 0.35:
                        continue  # woonplaatsbeginsel: residential care now paid by another municipality
                    referrer = "04" if product in ("47", "48") else str(
                        rng.choice(REFERRERS[0], p=REFERRERS_FROM_2024 if year >= 2024 else REFERRERS[1]))
                    wait = _wait_days(rng, 33)
                    req = start_spell - timedelta(days=wait + 10)
                    start = start_spell
                    stay = 2.2 * (RESIDENTIAL_LONGER_FROM_2024 if year >= 2024 and product in ("43", "44") else 1)
                    end = start + timedelta(days=int(30 * months * (stay if product in ("43", "44", "48") else 1)))
                    form = "PGB" if rng.random() < 0.06 else "ZIN"
                    add("jeugd", person, w.code, req, req + timedelta(days=wait), "maatwerk", str(product), start, end,
                        "", form, f"Jeugdhulpaanbieder {int(rng.integers(1, 20))}", referrer,
                        spell_cost(youth_tariff(str(product), cal), start, end))

            # --- Participatiewet: bijstand, with re-integration for some
            exp_b = (pop * RATE_BIJSTAND).sum() * trend("bijstand", cal) * w.poverty
            ages = pop * RATE_BIJSTAND
            for g in rng.choice(len(ages), size=rng.poisson(exp_b / 3.6), p=ages / ages.sum()):
                age = int(rng.integers(AGE_SPANS[g][0], AGE_SPANS[g][1] + 1))
                start = _date(year, rng)
                person = people.person(w.code, age, start, share_household=0.35)
                wait = _wait_days(rng, 28, 0.35)
                months = rng.gamma(1.3, 30.0)
                end = start + timedelta(days=int(30 * months))
                reason = str(rng.choice(["werk", "verhuizing", "overig"], p=[0.45, 0.2, 0.35]))
                add("participatie", person, w.code, start - timedelta(days=wait), start, "maatwerk", "bijstand",
                    start, end, reason, "", "Gemeente", "", spell_cost(1350, start, end))
                if rng.random() < 0.32:
                    rs = start + timedelta(days=int(rng.integers(30, 300)))
                    re_ = rs + timedelta(days=int(rng.integers(90, 365)))
                    add("participatie", person, w.code, rs - timedelta(days=20), rs - timedelta(days=5), "maatwerk",
                        str(rng.choice(["reintegratie", "loonkostensubsidie"], p=[0.85, 0.15])), rs, re_, "", "",
                        f"Werkbedrijf {int(rng.integers(1, 4))}", "", spell_cost(420, rs, re_))

            # --- Schuldhulp: requests; part of them become a trajectory
            exp_d = (pop * RATE_DEBT).sum() * trend("debt", cal) * w.poverty
            ages = pop * RATE_DEBT
            for g in rng.choice(len(ages), size=rng.poisson(exp_d), p=ages / ages.sum()):
                age = int(rng.integers(AGE_SPANS[g][0], AGE_SPANS[g][1] + 1))
                req = _date(year, rng)
                person = people.person(w.code, age, req, share_household=0.45)
                median_wait = 24 if cal < 2021 else max(14, 24 - 1.5 * (cal - 2020))
                talk = req + timedelta(days=_wait_days(rng, median_wait, 0.5))
                if rng.random() < 0.55:
                    product = str(rng.choice(["stabilisatie", "budgetbeheer", "schuldregeling"], p=[0.45, 0.25, 0.3]))
                    months = {"stabilisatie": 8, "budgetbeheer": 20, "schuldregeling": 36}[product]
                    end = talk + timedelta(days=int(30 * months * rng.uniform(0.5, 1.4)))
                    reason = str(rng.choice(["afgerond", "schuldregeling", "uitval"], p=[0.5, 0.25, 0.25]))
                    add("schuldhulp", person, w.code, req, talk, "maatwerk", product, talk, end, reason, "",
                        "Schuldhulp Lindewaard", "", spell_cost(95, talk, end))
                else:
                    route = str(rng.choice(["eigen_netwerk", "algemene_voorziening", "afgewezen"], p=[0.3, 0.6, 0.1]))
                    add("schuldhulp", person, w.code, req, talk, route)
    extracts = {law: ("\n".join(r) + "\n").encode() for law, r in rows.items()}
    return extracts, ("\n".join(pc_rows) + "\n").encode()


# --------------------------------------------------------------------------------------------
# waarstaatjegemeente.nl exports: the municipality, its wijken, peers and the nation
# --------------------------------------------------------------------------------------------
def _wsjg_export(indicator_name: str, rows: list[tuple[str, str, list[float | None]]], provisional_last: bool,
                 last_year: int = LAST_YEAR) -> bytes:
    """One export with the years up to ``last_year`` (that one marked provisional where CBS does)."""
    head = ["Waarstaatjegemeente.nl", f"Indicator;{indicator_name}", "Bron;CBS en anderen (demo)", "Export;demo", ""]
    years = [y for y in YEARS if y <= last_year]
    lines = head + ["Gebied;Code;" + ";".join(f"{y}*" if provisional_last and y == last_year else str(y) for y in years)]
    for name, code, values in rows:
        cells = ["-" if v is None else f"{v:.1f}".replace(".", ",") for v in values[:len(years)]]
        lines.append(f"{name};{code};" + ";".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


# Veilig Thuis completes reports months after they came in: in the export of a year earlier, CBS's
# provisional figure of that year was this share of the final one (the Signalen page shows the revision).
PROVISIONAL_SHARE = {"Meldingen Veilig Thuis": 0.92, "Meldingen Veilig Thuis per 1.000 inwoners": 0.92}


@dataclass(frozen=True)
class Exports:
    latest: list[tuple[str, bytes]]       # this year's export: LAST_YEAR provisional
    year_before: list[tuple[str, bytes]]  # the export of a year earlier: LAST_YEAR - 1 provisional, lower where CBS
    #                                       revised it upwards when it became final


def _year_before(rows: list[tuple[str, str, list[float | None]]], share: float) -> list:
    i = YEARS.index(LAST_YEAR - 1)

    def provisional(v: float | None) -> float | None:  # a count stays a whole number
        return None if v is None else round(v * share, 0 if float(v).is_integer() else 1)
    return [(name, code, [*values[:i], provisional(values[i])]) for name, code, values in rows]


def comparison_inputs(rng: np.random.Generator, extracts_summary: dict) -> Exports:
    """One export per indicator with the nation, the peers, the municipality and (where CBS has
    them) its wijken. Figures for the own municipality follow the simulated registry, as CBS counts
    them: half a year later, rounded to fives, the last year provisional. Also the same exports as
    they were a year earlier (one year shorter, that year provisional)."""
    series: dict[str, list[tuple[str, str, list[float | None]]]] = {}

    def put(name: str, region_name: str, code: str, values: list[float | None]) -> None:
        series.setdefault(name, []).append((region_name, code, values))

    nat_pop = [16.9e6 * 1.0055 ** (y - FIRST_YEAR) for y in YEARS]
    regions = [("Nederland", "NL01", 0.5, 1.0, 30.5, 520, nat_pop)]
    for code, name, pop25, oldness, poverty, income, density in PEERS:
        pops = [pop25 / (1.004 ** (LAST_YEAR - y)) for y in YEARS]
        regions.append((name, code, oldness, poverty, income, density, pops))
    for name, code, oldness, poverty, income, density, pops in regions:
        shares = lambda y, oldness=oldness: (age_shares("young_family", y) * (1 - oldness)  # noqa: E731
                                             + age_shares("old", y) * oldness)
        noise = lambda s=0.04: float(rng.normal(1, s))  # noqa: E731
        wmo_bias, jeugd_bias, bij_bias = noise(0.08), noise(0.1), noise(0.1)
        vals: dict[str, list[float | None]] = {k: [] for k in (
            "Inwoners", "Inwoners 0 tot 18 jaar", "Inwoners 18 tot 65 jaar", "Inwoners 65 jaar en ouder",
            "Aandeel 65 jaar en ouder", "Inwoners 75 jaar en ouder", "Aandeel 0 tot 18 jaar", "Huishoudens",
            "Eenpersoonshuishoudens (%)", "Huishoudens met kinderen (%)", "Wmo-cliënten", "Jongeren met jeugdhulp",
            "Meldingen Veilig Thuis", "Jongeren met jeugdbescherming", "Jongeren met jeugdreclassering",
            "Jongeren met jeugdzorg", "Jongeren met jeugdzorg (%)", "Wmo-cliënten per 1.000 inwoners", "Hulp bij het huishouden per 1.000 inwoners",
            "Jongeren met jeugdhulp (%)", "Jeugdhulp met verblijf (%)", "Personen met bijstand",
            "Personen met een WW-uitkering", "Personen met een AO-uitkering", *KWB_BANDS, "Gemiddeld inkomen per inwoner",
            "Huishoudens met een laag inkomen (%)", "Huishoudens rond sociaal minimum (%)", "Bevolkingsdichtheid",
            "Meldingen Veilig Thuis per 1.000 inwoners", "Jongeren met jeugdbescherming (%)",
            "Huishoudens met problematische schulden (%)", "Netto arbeidsparticipatie (%)",
            "Kwaliteit van leven verbeterd (% eens)", "Mantelzorgers (%)", "Voortijdig schoolverlaters (%)")}
        for i, y in enumerate(YEARS):
            s = shares(y)
            p = pops[i]
            vals["Inwoners"].append(round(p))
            vals["Inwoners 0 tot 18 jaar"].append(round(p * s[:3].sum()))
            vals["Inwoners 18 tot 65 jaar"].append(round(p * s[3:5].sum()))
            vals["Inwoners 65 jaar en ouder"].append(round(p * s[5:].sum()))
            vals["Aandeel 65 jaar en ouder"].append(100 * s[5:].sum())
            vals["Inwoners 75 jaar en ouder"].append(round(p * s[6:].sum()))
            vals["Aandeel 0 tot 18 jaar"].append(100 * s[:3].sum())
            hh_size = 2.45 - 0.6 * oldness
            vals["Huishoudens"].append(round(p / hh_size))
            vals["Eenpersoonshuishoudens (%)"].append(30 + 18 * oldness * noise(0.03))
            vals["Huishoudens met kinderen (%)"].append(40 - 16 * oldness * noise(0.03))
            vals["Wmo-cliënten per 1.000 inwoners"].append(
                1000 * (s * RATE_WMO).sum() * trend("wmo", y) * (0.85 + 0.15 * poverty) * wmo_bias)
            vals["Hulp bij het huishouden per 1.000 inwoners"].append(
                1000 * (s * RATE_WMO).sum() * 0.42 * trend("wmo", y) * (1.2 if y >= 2019 else 1) * wmo_bias)
            jeugd_pct = 100 * (s[:3] * RATE_JEUGD[:3]).sum() / s[:3].sum() * 0.92 * trend("jeugd", y) * (0.75 + 0.25 * poverty) * jeugd_bias
            vals["Jongeren met jeugdhulp (%)"].append(jeugd_pct)
            vals["Jeugdhulp met verblijf (%)"].append(jeugd_pct * 0.085 * (0.8 if y >= 2022 else 1))
            # Counts, as CBS publishes them in Kerncijfers; the monitor derives the rates per 1,000.
            bands = {k: round(p * float(np.dot(s, w))) for k, w in KWB_BANDS.items()}
            for k, v in bands.items():
                vals[k].append(cbs_round(v, "gemeente"))
            pop_15_64 = sum(bands.values())
            vals["Personen met bijstand"].append(cbs_round(
                p * (s * RATE_BIJSTAND).sum() * trend("bijstand", y) * poverty * bij_bias * 0.95, "gemeente"))
            vals["Personen met een WW-uitkering"].append(
                cbs_round(pop_15_64 * ww_rate(y, poverty) * noise(0.03) / 1000, "gemeente"))
            vals["Personen met een AO-uitkering"].append(
                cbs_round(pop_15_64 * ao_rate(y, poverty) * noise(0.03) / 1000, "gemeente"))
            vals["Gemiddeld inkomen per inwoner"].append(
                income * 1.025 ** (y - FIRST_YEAR) if y <= LAST_YEAR - 2 else None)  # CBS income lags two years
            vals["Huishoudens met een laag inkomen (%)"].append(
                8.4 * poverty * 0.985 ** (y - FIRST_YEAR) * noise(0.02) if y <= LAST_YEAR - 2 else None)
            vals["Huishoudens rond sociaal minimum (%)"].append(
                7.6 * poverty * 0.985 ** (y - FIRST_YEAR) * noise(0.02) if y <= LAST_YEAR - 2 else None)
            vals["Bevolkingsdichtheid"].append(density * (pops[i] / pops[-1]))
            vals["Meldingen Veilig Thuis per 1.000 inwoners"].append(
                5.1 * (0.8 + 0.2 * poverty) * 1.02 ** (y - 2019) * noise(0.06) if y >= 2019 else None)
            vals["Jongeren met jeugdbescherming (%)"].append(
                0.95 * (0.7 + 0.3 * poverty) * 0.985 ** (y - FIRST_YEAR) * noise(0.06) if y >= 2016 else None)
            vals["Huishoudens met problematische schulden (%)"].append(
                5.4 * (0.6 + 0.4 * poverty) * (0.985 ** (y - 2017)) * noise(0.03) if y >= 2017 and y <= LAST_YEAR - 1 else None)
            vals["Netto arbeidsparticipatie (%)"].append(
                (64.5 + 0.45 * (y - FIRST_YEAR) - (0.8 if y == 2020 else 0)) * (1.04 - 0.04 * poverty) * noise(0.006))
            vals["Kwaliteit van leven verbeterd (% eens)"].append(
                76.5 + rng.normal(0, 2.0) if y >= 2016 and y != 2020 else None)
            vals["Mantelzorgers (%)"].append(
                (17 + 6 * oldness) * noise(0.04) if y in (2016, 2020, 2024) else None)
            vals["Voortijdig schoolverlaters (%)"].append(
                2.0 * (0.7 + 0.3 * poverty) * 0.98 ** (y - FIRST_YEAR) * noise(0.05))
        for i, y in enumerate(YEARS):  # counts as CBS publishes them, rounded to fives
            young = vals["Inwoners 0 tot 18 jaar"][i]
            vals["Wmo-cliënten"].append(5 * round(vals["Wmo-cliënten per 1.000 inwoners"][i] * pops[i] / 1000 / 5))
            vals["Jongeren met jeugdhulp"].append(5 * round(vals["Jongeren met jeugdhulp (%)"][i] * young / 100 / 5))
            vt, jb = vals["Meldingen Veilig Thuis per 1.000 inwoners"][i], vals["Jongeren met jeugdbescherming (%)"][i]
            vals["Meldingen Veilig Thuis"].append(None if vt is None else round(vt * pops[i] / 1000))
            vals["Jongeren met jeugdbescherming"].append(None if jb is None else 5 * round(jb * young / 100 / 5))
            vals["Jongeren met jeugdreclassering"].append(5 * round(young * 0.0021 / 5) if y >= 2016 else None)
            # Kerncijfers: all youth care in natura (jeugdhulp, jeugdbescherming, jeugdreclassering), up to 23.
            zorg = 5 * round(sum(vals[k][i] or 0 for k in ("Jongeren met jeugdhulp", "Jongeren met jeugdbescherming",
                                                            "Jongeren met jeugdreclassering")) / 5)
            vals["Jongeren met jeugdzorg"].append(zorg)
            vals["Jongeren met jeugdzorg (%)"].append(100 * zorg / (pops[i] * float(np.dot(shares(y), UNDER_23))))
        for k, v in vals.items():
            put(k, name, code, v)

    # The own municipality and its wijken, from the same simulated people the registry holds.
    cbs = extracts_summary
    for name, code in [(GEMEENTE_NAME, GEMEENTE)] + [(w.name, w.code) for w in WIJKEN]:
        for k, key in [("Wmo-cliënten per 1.000 inwoners", "wmo_per_1000"),
                       ("Jongeren met jeugdhulp (%)", "jeugd_pct")]:
            put(k, name, code, [cbs[key].get((code, y)) for y in YEARS])
        level = "wijk" if code.startswith("WK") else "gemeente"
        put("Personen met bijstand", name, code,
            [None if cbs["bijstand:count"].get((code, y)) is None else cbs_round(cbs["bijstand:count"][(code, y)], level)
             for y in YEARS])
        for band in KWB_BANDS:
            put(band, name, code, [cbs_round(cbs[band][(code, y)], level) for y in YEARS])
        put("Wmo-cliënten", name, code, [cbs["wmo_per_1000:count"].get((code, y)) for y in YEARS])
        put("Jongeren met jeugdhulp", name, code, [cbs["jeugd_pct:count"].get((code, y)) for y in YEARS])
        put("Jongeren met jeugdzorg", name, code, [cbs["jeugd_pct:count"].get((code, y)) for y in YEARS])
        put("Jongeren met jeugdzorg (%)", name, code, [cbs["jeugdzorg_pct"].get((code, y)) for y in YEARS])
        base = next((w for w in WIJKEN if w.code == code), None)
        poverty = base.poverty if base else 1.05
        income = base.income if base else 28.3
        put("Huishoudens rond sociaal minimum (%)", name, code,
            [7.6 * poverty * 0.985 ** (y - FIRST_YEAR) if y <= LAST_YEAR - 2 else None for y in YEARS])
        pop_15_64 = [sum(cbs[band][(code, y)] for band in KWB_BANDS) for y in YEARS]
        put("Personen met een WW-uitkering", name, code,
            [cbs_round(pop_15_64[i] * ww_rate(y, poverty) / 1000, level) for i, y in enumerate(YEARS)])
        put("Personen met een AO-uitkering", name, code,
            [cbs_round(pop_15_64[i] * ao_rate(y, poverty) / 1000, level) for i, y in enumerate(YEARS)])
        put("Hulp bij het huishouden per 1.000 inwoners", name, code,
            [None if cbs["wmo_per_1000"].get((code, y)) is None
             else cbs["wmo_per_1000"][(code, y)] * 0.42 * (1.2 if y >= 2019 else 1) for y in YEARS])
        put("Gemiddeld inkomen per inwoner", name, code,
            [income * 1.025 ** (y - FIRST_YEAR) if y <= LAST_YEAR - 2 else None for y in YEARS])
        put("Huishoudens met een laag inkomen (%)", name, code,
            [8.4 * poverty * 0.985 ** (y - FIRST_YEAR) if y <= LAST_YEAR - 2 else None for y in YEARS])
        put("Huishoudens met problematische schulden (%)", name, code,
            [5.4 * (0.6 + 0.4 * poverty) * 0.985 ** (y - 2017) if 2017 <= y <= LAST_YEAR - 1 else None for y in YEARS])
        put("Bevolkingsdichtheid", name, code, [cbs["density"].get((code, y)) for y in YEARS])
        put("Jongeren met jeugdbescherming", name, code,
            [cbs["jb_pct:count"].get((code, y), 0) if y >= 2016 else None for y in YEARS])
        if base is None:  # figures CBS only publishes for the municipality as a whole
            pops = [cbs["population"][(code, y)] for y in YEARS]
            young = [cbs["pop_0_17"][(code, y)] for y in YEARS]
            vt = [5.45 * 1.02 ** (y - 2019) if y >= 2019 else None for y in YEARS]  # per 1,000 inhabitants
            put("Meldingen Veilig Thuis per 1.000 inwoners", name, code, vt)
            put("Jongeren met jeugdbescherming (%)", name, code,
                [cbs["jb_pct"].get((code, y)) if y >= 2016 else None for y in YEARS])
            put("Meldingen Veilig Thuis", name, code, [None if v is None else round(v * pops[i] / 1000) for i, v in enumerate(vt)])
            put("Jongeren met jeugdreclassering", name, code,
                [round(young[i] * 0.0021 / 5) * 5 if y >= 2016 else None for i, y in enumerate(YEARS)])
            put("Jeugdhulp met verblijf (%)", name, code,
                [None if cbs["jeugd_pct"].get((code, y)) is None else cbs["jeugd_pct"][(code, y)] * 0.09 * (0.78 if y >= 2022 else 1)
                 for y in YEARS])
            put("Netto arbeidsparticipatie (%)", name, code,
                [(64.5 + 0.45 * (y - FIRST_YEAR) - (0.8 if y == 2020 else 0)) * 0.985 for y in YEARS])
            put("Kwaliteit van leven verbeterd (% eens)", name, code,
                [None if y < 2016 or y == 2020 else 74.0 + 0.9 * (y - 2016) + float(rng.normal(0, 0.6)) for y in YEARS])
            put("Mantelzorgers (%)", name, code, [20.5 if y == 2016 else 19.0 if y == 2020 else 18.2 if y == 2024 else None
                                                  for y in YEARS])
            put("Voortijdig schoolverlaters (%)", name, code, [2.3 * 0.98 ** (y - FIRST_YEAR) for y in YEARS])
    provisional = {"Wmo-cliënten per 1.000 inwoners", "Wmo-cliënten", "Jongeren met jeugdhulp", "Hulp bij het huishouden per 1.000 inwoners",
                   "Jongeren met jeugdhulp (%)", "Jeugdhulp met verblijf (%)", "Jongeren met jeugdbescherming (%)",
                   "Jongeren met jeugdbescherming", "Jongeren met jeugdreclassering",
                   "Jongeren met jeugdzorg", "Jongeren met jeugdzorg (%)", "Personen met bijstand", "Meldingen Veilig Thuis",
                   "Meldingen Veilig Thuis per 1.000 inwoners"}
    named = [(f"wsjg_{i:02d}.csv", name, rows) for i, (name, rows) in enumerate(sorted(series.items()))]
    return Exports(
        latest=[(file, _wsjg_export(name, rows, name in provisional)) for file, name, rows in named],
        year_before=[(file, _wsjg_export(name, _year_before(rows, PROVISIONAL_SHARE.get(name, 1.0)), name in provisional,
                                         LAST_YEAR - 1)) for file, name, rows in named])


def cbs_like_counts(extracts: dict[str, bytes], pop_bytes: bytes) -> dict:
    """What CBS would publish for the municipality and its wijken, from the same people.

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
    gm_pop = wijk_pop.group_by("year").agg(pl.exclude("region_code").sum()).with_columns(region_code=pl.lit(GEMEENTE))
    pops = pl.concat([wijk_pop, gm_pop.select(wijk_pop.columns)])

    def during_year(law: str, product_filter: list[str] | None = None) -> pl.DataFrame:
        df = pl.read_csv(io.BytesIO(extracts[law]), infer_schema=False).filter(pl.col("start_date") != "")
        if product_filter:
            df = df.filter(pl.col("product_code").is_in(product_filter))
        df = df.with_columns(
            s=pl.col("start_date").str.to_date(), e=pl.col("end_date").str.to_date(strict=False).fill_null(REFERENCE_DATE))
        out = []
        for y in YEARS:
            d = df.filter((pl.col("s") <= date(y, 12, 31)) & (pl.col("e") >= date(y, 1, 1)))
            per_wijk = d.group_by("wijk_code").agg(n=pl.col("client_id").n_unique()).rename({"wijk_code": "region_code"})
            total = pl.DataFrame({"region_code": [GEMEENTE], "n": [d["client_id"].n_unique()]})
            out.append(pl.concat([per_wijk, total.cast(per_wijk.schema)]).with_columns(year=pl.lit(y, pl.Int32)))
        return pl.concat(out)

    result: dict[str, dict] = {"population": {}, "pop_0_17": {}, "density": {}, "jeugdzorg_pct": {}}
    # CBS age bands per wijk and year, from the persons per age group (spread evenly within a group).
    groups = p.with_columns(g=pl.col("age_from").replace_strict({lo: i for i, (lo, _) in enumerate(population.AGE_GROUPS)}))
    per_group = groups.group_by("region_code", "year", "g").agg(n=pl.col("persons").sum())
    per_group = pl.concat([per_group, per_group.group_by("year", "g").agg(pl.col("n").sum())
                          .with_columns(region_code=pl.lit(GEMEENTE)).select(per_group.columns)])
    for band, weights in KWB_BANDS.items():
        result[band] = {}
        for r in per_group.iter_rows(named=True):
            key = (r["region_code"], r["year"])
            result[band][key] = result[band].get(key, 0.0) + r["n"] * weights[r["g"]]
    for r in pops.iter_rows(named=True):
        result["population"][(r["region_code"], r["year"])] = r["population"]
        result["pop_0_17"][(r["region_code"], r["year"])] = r["pop_0_17"]
    areas = _areas_km2()
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



# --------------------------------------------------------------------------------------------
# Money: Iv3-shaped tables and the municipality's budget file
# --------------------------------------------------------------------------------------------
# Lasten per inhabitant in euros, Nederland 2017, and the yearly growth (the social domain grows).
IV3_LEVELS = {"sociaal": (175, 0.035), "participatie": (430, 0.025), "wmo": (310, 0.045), "jeugd": (215, 0.06),
              "gezondheid": (52, 0.03)}
# Registry cost -> Iv3 lasten of the same law: the taakvelden also hold staff, toegang and contracts.
IV3_ON_REGISTRY = {"wmo": ("wmo_reg_cost", 1.3), "jeugd": ("jeugd_reg_cost", 1.12),
                   "participatie": ("bijstand_reg_cost", 1.15)}
IV3_FIRST, IV3_LAST_ACCOUNT, IV3_LAST_BUDGET = 2017, 2024, 2026
# How a group's lasten spread over Iv3 categories (L = lasten). 7.1 and 7.5 are reserves and internal
# charges: the loader must leave them out, so the demo has them.
IV3_CATEGORIES = {"L4.3.8": 0.62, "L1.1": 0.2, "L3.8": 0.18}
IV3_LEFT_OUT = {"L7.1": 0.08, "L7.5": 0.05}
IV3_BATEN = {"participatie": ("B4.3.1", 0.55), "wmo": ("B3.4.2", 0.04), "jeugd": ("B4.3.2", 0.02)}
# Within youth, residential care (6.73a-c) takes a growing share after 2022: the overspend in 2025.
YOUTH_RESIDENTIAL = ("6.73a", "6.73b", "6.73c")


def _spread(taakvelden: list[str], group: str, year: int) -> dict[str, float]:
    if group == "jeugd" and year >= 2023:
        residential = 0.34 + 0.03 * (year - 2023)
        other = [t for t in taakvelden if t not in YOUTH_RESIDENTIAL]
        return {t: (residential / len(YOUTH_RESIDENTIAL) if t in YOUTH_RESIDENTIAL else (1 - residential) / len(other))
                for t in taakvelden}
    return {t: 1 / len(taakvelden) for t in taakvelden}


def finance_inputs(seed: int, built) -> tuple[pl.DataFrame, dict[str, str], dict[str, str], bytes]:
    """Iv3 rows (as CBS serves them) for the municipality, its peers and the nation, and the budget CSV.

    The municipality's youth and Wmo lasten follow its registry; its youth budget is last year's
    spending minus a 10% saving, which more referrals by the GP and longer residential stays (from
    2024) do not let it reach: the page Geld shows an overspend. A separate random stream keeps the other demo
    figures the same."""
    from etl import iv3

    rng = np.random.default_rng(seed + 19)
    obs = built.table("observations").filter((pl.col("breakdown") == "") & pl.col("period").str.ends_with("JJ00"))
    pop = {(r["region_code"], int(r["period"][:4])): r["value"]
           for r in obs.filter(pl.col("indicator_id") == "population").iter_rows(named=True)}
    own_cost = {(r["indicator_id"], int(r["period"][:4])): r["value"]
                for r in obs.filter((pl.col("region_code") == GEMEENTE)
                                    & pl.col("indicator_id").is_in([c for c, _ in IV3_ON_REGISTRY.values()]))
                .iter_rows(named=True)}
    mapping = iv3.load_mapping()
    codes = ["NL01", GEMEENTE] + [p[0] for p in PEERS]
    tilt = {p[0]: (p[3], p[4]) for p in PEERS} | {GEMEENTE: (0.5, 1.0), "NL01": (0.5, 1.0)}
    rows: list[tuple] = []
    reports: dict[str, str] = {}
    for year in range(IV3_FIRST, IV3_LAST_BUDGET + 1):
        for kind, code in (("Begroting", "X000"), ("Jaarrekening", "X005")):
            if kind == "Jaarrekening" and year > IV3_LAST_ACCOUNT:
                continue  # the annual account of a year is only there the year after
            key = f"{year}{code}"
            reports[key] = f"{kind} {year}"
            for region in codes:
                inhabitants = pop.get((region, min(year, LAST_YEAR)))
                if not inhabitants:
                    continue
                old, poverty = tilt[region]
                for group, (level, growth) in IV3_LEVELS.items():
                    per_inh = level * (1 + growth) ** (year - IV3_FIRST)
                    per_inh *= {"participatie": poverty, "wmo": 0.8 + 0.4 * old}.get(group, 1.0)
                    total = per_inh * inhabitants / 1000 * rng.uniform(0.93, 1.07)  # EUR 1.000
                    reg = IV3_ON_REGISTRY.get(group)
                    if region == GEMEENTE and reg:
                        # The own account follows the registry; the budget is last year's account plus 1%.
                        base_year = year if kind == "Jaarrekening" else year - 1
                        cost = own_cost.get((reg[0], min(base_year, LAST_YEAR)))
                        if cost:
                            total = cost * reg[1] / 1000 * (1.01 if kind == "Begroting" else 1.0)
                    elif kind == "Begroting":
                        total *= 0.97  # budgets tend to lag behind what is spent
                    taakvelden = [t for t, g in mapping.taakvelden(year).items() if g == group]
                    for tv, share in _spread(taakvelden, group, year).items():
                        for cat, part in (IV3_CATEGORIES | IV3_LEFT_OUT).items():
                            rows.append((region, tv, cat, key, round(total * share * part, 1)))
                        if group in IV3_BATEN:
                            cat, part = IV3_BATEN[group]
                            rows.append((region, tv, cat, key, round(total * share * part, 1)))
    long = pl.DataFrame(rows, schema=list(iv3.LONG_SCHEMA), orient="row")
    names = {GEMEENTE: GEMEENTE_NAME} | {p[0]: p[1] for p in PEERS} | {"NL01": "Nederland"}
    lines = ["jaar;wet;productgroep;begroting;rijksbijdrage"]
    products = {"jeugd": [("Jeugdhulp met verblijf", 0.36), ("Jeugdhulp zonder verblijf", 0.49),
                          ("Jeugdbescherming en jeugdreclassering", 0.15)],
                "wmo": [("Hulp bij het huishouden", 0.3), ("Begeleiding en dagbesteding", 0.5),
                        ("Hulpmiddelen en woonvoorzieningen", 0.2)],
                "participatie": [("Bijstand (BUIG)", 0.85), ("Re-integratie", 0.15)]}
    for year in (2023, 2024, 2025, 2026):
        for law, (cost_id, _) in IV3_ON_REGISTRY.items():
            base = own_cost.get((cost_id, year - 1))
            if not base:
                continue
            # Youth care is budgeted at last year's spending minus a 10% saving (a taakstelling) that the
            # growth in GP referrals and residential stays does not let the municipality reach.
            total = base * (0.90 if law == "jeugd" else 1.04) * (1.0 if year < 2026 else 1.02)
            rijk_share = {"jeugd": 0.0, "wmo": 0.0, "participatie": 0.85}[law]
            for name, share in products[law]:
                rijk = f"{total * share * rijk_share:.0f}" if rijk_share and name.startswith("Bijstand") else ""
                lines.append(f"{year};{law};{name};{total * share:.0f};{rijk}")
    return long, reports, names, ("\n".join(lines) + "\n").encode()

# --------------------------------------------------------------------------------------------
# Boundaries: rings and sectors around a fictional centre
# --------------------------------------------------------------------------------------------
RINGS = [  # (inner km, outer km, wijk codes clockwise from north)
    (0.0, 0.7, ["WK999001"]),
    (0.7, 1.9, ["WK999002", "WK999009", "WK999006", "WK999003"]),
    (1.9, 3.3, ["WK999004", "WK999005", "WK999007", "WK999008", "WK999010"]),
    (3.3, 4.6, ["WK999011"]),
]


def _polygon(inner: float, outer: float, a0: float, a1: float) -> list[list[float]]:
    km_lon = 1 / (111.32 * math.cos(math.radians(CENTER[1])))
    km_lat = 1 / 110.57
    steps = max(4, int((a1 - a0) / (2 * math.pi) * 48))
    angles = [a0 + (a1 - a0) * i / steps for i in range(steps + 1)]

    def pt(r: float, a: float) -> list[float]:
        # Slightly irregular edges look less like a diagram.
        wobble = 1 + 0.04 * math.sin(5 * a + r)
        return [round(CENTER[0] + r * wobble * math.sin(a) * km_lon, 6), round(CENTER[1] + r * wobble * math.cos(a) * km_lat, 6)]

    ring = [pt(outer, a) for a in angles]
    ring += [pt(inner, a) for a in reversed(angles)] if inner > 0 else [list(CENTER)]
    if inner == 0 and a1 - a0 >= 2 * math.pi - 1e-9:
        ring = [pt(outer, a) for a in angles]
    ring.append(ring[0])
    return ring


def _sectors():
    for inner, outer, codes in RINGS:
        for i, code in enumerate(codes):
            a0, a1 = 2 * math.pi * i / len(codes), 2 * math.pi * (i + 1) / len(codes)
            yield code, inner, outer, a0, a1


def _areas_km2() -> dict[str, float]:
    areas = {code: 0.5 * (outer**2 - inner**2) * (a1 - a0) for code, inner, outer, a0, a1 in _sectors()}
    areas[GEMEENTE] = sum(areas.values())
    return areas


def _label_point(inner: float, outer: float, a0: float, a1: float) -> list[float]:
    """Where a wijk's name goes: the middle of its sector (the outer ring: its south-west side)."""
    if a1 - a0 >= 2 * math.pi - 1e-9:
        r, a = (0.0, 0.0) if inner == 0 else ((inner + outer) / 2, 1.25 * math.pi)
    else:
        r, a = (inner + outer) / 2, (a0 + a1) / 2
    km_lon = 1 / (111.32 * math.cos(math.radians(CENTER[1])))
    return [round(CENTER[0] + r * math.sin(a) * km_lon, 6), round(CENTER[1] + r * math.cos(a) / 110.57, 6)]


def boundaries_geojson() -> str:
    names = {w.code: w.name for w in WIJKEN}
    features = []
    for code, inner, outer, a0, a1 in _sectors():
        full = a1 - a0 >= 2 * math.pi - 1e-9
        if full and inner == 0:  # the centre is a disc
            rings = [_polygon(0, outer, 0, 2 * math.pi)]
        elif full:  # the outer ring has a hole; holes run the other way round
            rings = [_polygon(0, outer, 0, 2 * math.pi), _polygon(0, inner, 0, 2 * math.pi)[::-1]]
        else:
            rings = [_polygon(inner, outer, a0, a1)]
        # Rings run clockwise: d3-geo, which draws the map in Vega, reads the other way round as
        # "the whole globe except this shape" (RFC 7946 suggests the opposite but does not require it).
        lon, lat = _label_point(inner, outer, a0, a1)
        features.append({"type": "Feature",
                         "properties": {"region_code": code, "name": names[code], "label_lon": lon, "label_lat": lat},
                         "geometry": {"type": "Polygon", "coordinates": rings}})
    return json.dumps({"type": "FeatureCollection", "features": features})


def regions_frame() -> pl.DataFrame:
    rows = [{"region_code": "NL01", "name": "Nederland", "level": "land", "parent_code": None, "gemeente_code": None}]
    rows += [{"region_code": code, "name": name, "level": "gemeente", "parent_code": "NL01", "gemeente_code": code}
             for code, name, *_ in PEERS]
    rows.append({"region_code": GEMEENTE, "name": GEMEENTE_NAME, "level": "gemeente", "parent_code": "NL01",
                 "gemeente_code": GEMEENTE})
    rows += [{"region_code": w.code, "name": w.name, "level": "wijk", "parent_code": GEMEENTE, "gemeente_code": GEMEENTE}
             for w in WIJKEN]
    return pl.DataFrame(rows).with_columns(boundary_year=pl.lit(LAST_YEAR, pl.Int32))


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
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
                meta={"demo": True, "gemeente": GEMEENTE, "gemeente_name": GEMEENTE_NAME,
                      "peers": [p[0] for p in PEERS], "seed": seed})
        step(0.15, "Inwoners per wijk en leeftijd laden")
        persons, households = population_inputs(rng)
        population.load(persons, households, gemeente=GEMEENTE, warehouse=scratch, catalogue_path=catalogue_path,
                        release="demo")
        step(0.3, "Registratie van Wmo, jeugd, Participatiewet en schuldhulp maken")
        extracts, postcodes = registry_inputs(rng)
        step(0.5, "Registratie laden (alleen tellingen worden bewaard)")
        _load_registry(extracts, postcodes, scratch, catalogue_path)
        step(0.75, "Vergelijkingscijfers (waarstaatjegemeente.nl) laden")
        exports = comparison_inputs(rng, cbs_like_counts(extracts, persons))
        wsjg.load(exports.latest, warehouse=scratch, catalogue_path=catalogue_path, source_id="wsjg:demo")
        step(0.8, "Iv3-cijfers en begroting laden")
        _load_finance(seed, scratch, catalogue_path)  # needs the latest inhabitants of the peers
        if write_inputs:
            _write_inputs(Path(write_inputs), persons, households, extracts, postcodes, exports.latest)
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
                meta=built.meta, stage=False)
        step(0.9, "Nieuwe cijfers van waarstaatjegemeente.nl laden")
        gebieden.load_demo(warehouse, catalogue_path, meta=built.meta)  # province, COROP, youth and labour-market region
        wsjg.load(exports.latest, warehouse=warehouse, catalogue_path=catalogue_path, source_id="wsjg:demo")
        from etl import registry

        registry.save_postcodes(warehouse, postcodes)  # so an uploaded demo extract finds its wijken
        step(1.0, "Klaar")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _load_registry(extracts: dict[str, bytes], postcodes: bytes, warehouse: Path, catalogue_path: Path | None) -> None:
    from etl import registry

    registry.load_demo(extracts, postcodes, gemeente=GEMEENTE, warehouse=warehouse, catalogue_path=catalogue_path,
                       reference_date=REFERENCE_DATE, first_year=FIRST_YEAR)


def _load_finance(seed: int, warehouse: Path, catalogue_path: Path | None) -> None:
    from etl import budget, iv3

    long, reports, names, budget_csv = finance_inputs(seed, current_release(warehouse))
    by_year = {}
    for key in reports:
        by_year.setdefault(int(key[:4]), {})[key] = reports[key]
    obs = pl.concat([iv3.shape(long.filter(pl.col("Verslagsoort").is_in(list(keys))), keys, year, iv3.load_mapping(),
                               "iv3:demo") for year, keys in sorted(by_year.items())])
    iv3.publish_iv3(warehouse, obs, names, [iv3.source_row("iv3:demo", "Iv3-gegevens (demo, verzonnen)", "", "", "demo",
                                                           "", obs.height)], catalogue_path=catalogue_path)
    budget.load(budget_csv, "begroting_demo.csv", gemeente=GEMEENTE, warehouse=warehouse,
                catalogue_path=catalogue_path, source_id="budget:demo")


def _write_inputs(target: Path, persons, households, extracts, postcodes, files) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "bevolking_personen.csv").write_bytes(persons)
    (target / "bevolking_huishoudens.csv").write_bytes(households)
    (target / "postcodes.csv").write_bytes(postcodes)
    for law, data in extracts.items():
        (target / f"registratie_{law}.csv").write_bytes(data)
    for name, data in files:
        (target / name).write_bytes(data)


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
