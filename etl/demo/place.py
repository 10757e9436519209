"""The fictional region: its three municipalities (members), years, age profiles, wijken, peers and use rates.

Lindewaard (the home member) is the demo as it was; Eikenrode (small, rural, older, more Wmo) and Kanaalstad
(larger, urban, young and poorer: more bijstand and youth care) join it in the Regio Lindestroom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from etl import population

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


# The two other members of the region. Codes: wijk WK + the gemeente's four digits + two.
EIKENRODE = [
    Wijk("WK999101", "Dorp Eikenrode", 5600, 0.003, "old", 27.0, 0.9, {}),
    Wijk("WK999102", "Eikenhorst", 4400, 0.002, "old", 31.0, 0.7, {"wmo": 1.12}),
    Wijk("WK999103", "Heidebuurt", 4900, 0.003, "rural", 29.0, 0.8, {}),
    Wijk("WK999104", "Buitengebied Eikenrode", 3600, 0.0, "rural", 30.5, 0.75, {}),
]
KANAALSTAD = [
    Wijk("WK999201", "Binnenstad", 12400, 0.006, "young_adult", 24.0, 1.5, {}),
    Wijk("WK999202", "Havenkwartier", 12800, 0.004, "young_adult", 20.0, 2.3, {"jeugd": 1.2}),
    Wijk("WK999203", "Sluiswijk", 13600, 0.003, "average", 21.5, 1.9, {}),
    Wijk("WK999204", "Kanaalzone", 12100, 0.005, "young_family", 22.5, 1.7, {}),
    Wijk("WK999205", "Oosterpark", 13300, 0.004, "young_family", 26.5, 1.1, {}),
    Wijk("WK999206", "Westerdok", 12400, 0.009, "young_adult", 23.0, 1.6, {}),
    Wijk("WK999207", "Nieuwe Dijk", 13900, 0.012, "young_family", 28.0, 0.9, {}),
    Wijk("WK999208", "Schepenbuurt", 11300, 0.002, "average", 25.0, 1.3, {}),
    Wijk("WK999209", "Zuiderhaven", 9700, 0.003, "old", 27.5, 1.0, {}),
]


@dataclass(frozen=True)
class Member:
    """One municipality of the demo region and what gives it its character."""
    code: str
    name: str
    wijken: list[Wijk]
    center: tuple[float, float]
    rings: list  # (inner km, outer km, wijk codes clockwise from north): the map (etl.demo.shapes)
    postcode_base: int  # its postcodes are numbered from here
    # Use above what age and poverty explain, per law ("wmo", "jeugd", "bijstand", "debt"), the whole municipality.
    factors: dict
    oldness: float  # 0 young .. 1 old, as for the peers (waarstaatjegemeente figures of the municipality)
    poverty: float  # as for the peers: 1 is the national level
    income: float  # x 1,000 euro per inhabitant (2015)
    history_from: int  # the registry extract holds provisions from this year (a stock builds up)
    first_year: int  # the first year the registry load counts
    index: int  # 0 for the home member; seeds the member's own random streams

    @property
    def wijk_codes(self) -> list[str]:
        return [w.code for w in self.wijken]


HOME = Member(GEMEENTE, GEMEENTE_NAME, WIJKEN, CENTER, [
    (0.0, 0.7, ["WK999001"]),
    (0.7, 1.9, ["WK999002", "WK999009", "WK999006", "WK999003"]),
    (1.9, 3.3, ["WK999004", "WK999005", "WK999007", "WK999008", "WK999010"]),
    (3.3, 4.6, ["WK999011"]),
], 8300, {}, 0.45, 1.05, 28.3, 2011, FIRST_YEAR, 0)
MEMBERS = [
    HOME,
    Member("GM9991", "Eikenrode", EIKENRODE, (5.70, 52.37), [
        (0.0, 0.9, ["WK999101"]), (0.9, 2.2, ["WK999102", "WK999103"]), (2.2, 4.0, ["WK999104"]),
    ], 8500, {"wmo": 1.3}, 0.8, 0.8, 30.0, 2012, 2017, 1),
    Member("GM9992", "Kanaalstad", KANAALSTAD, (5.30, 52.29), [
        (0.0, 1.0, ["WK999201"]), (1.0, 2.6, ["WK999202", "WK999203", "WK999204", "WK999205"]),
        (2.6, 4.4, ["WK999206", "WK999207", "WK999208", "WK999209"]),
    ], 8600, {"jeugd": 1.25, "bijstand": 1.3, "debt": 1.2}, 0.2, 1.55, 24.0, 2015, 2021, 2),
]
MEMBER_BY_CODE = {m.code: m for m in MEMBERS}
REGION = {"code": "RG0001", "name": "Regio Lindestroom"}
ALL_WIJKEN = [w for m in MEMBERS for w in m.wijken]
