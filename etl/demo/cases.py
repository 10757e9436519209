"""The registry extracts that are not about provisions: complaints, objections, appeals and court cases of
every law, and the debt-help early-warning signals (vroegsignalering, statutory from 2021).

Held in memory only, like the other extracts, and shaped like a real export: the case list carries the
client's number (a fictional BSN) that the load drops unread, and codes are written the way case systems
write them ("Jeugdwet", "Hoger beroep", "Deels gegrond", "Drinkwater"), which the load maps to the
monitor's codes; one signal partner outside the four of the law is counted as "overig". Drawn from a
generator of their own (seeded from the demo's seed), so adding them moves no other demo figure.

Patterns: Wmo objections rise with the 2019 abonnementstarief, objections are decided faster from 2022,
most objections and court cases are about income (Participatiewet), signals start in 2021, jump with the
2022 energy prices, and come more from the poorer wijken.
"""

from __future__ import annotations

import io
import math
import random
from datetime import date, timedelta

import numpy as np
import polars as pl

from etl.demo.extracts import _bsn
from etl.demo.inhabitants import wijk_population
from etl.demo.place import FIRST_YEAR, HOME, LAST_YEAR, REFERENCE_DATE, Member

# Per law: how the system writes the law, and cases a year for the whole municipality by kind.
CASE_RATES = {
    "wmo": ("Wmo", {"Klacht": 28, "Bezwaar": 85, "Beroep": 9, "Hoger beroep": 1.5}),
    "jeugd": ("Jeugdwet", {"Klacht": 22, "Bezwaar": 18, "Beroep": 3, "Hoger beroep": 0.5}),
    "participatie": ("Participatiewet", {"Klacht": 35, "Bezwaar": 210, "Beroep": 26, "Hoger beroep": 4}),
    "schuldhulp": ("Wgs", {"Klacht": 12, "Bezwaar": 14, "Beroep": 1.5, "Hoger beroep": 0.2}),
}
PRODUCTS = {"wmo": ["01", "02", "07", "13", "14"], "jeugd": ["45", "54", "43", "48"],
            "participatie": ["bijstand", "bijzondere_bijstand", "reintegratie"], "schuldhulp": ["schuldregeling"]}
OUTCOMES = {  # outcome -> chance, per kind
    "Klacht": {"Gegrond": 0.3, "Deels gegrond": 0.15, "Ongegrond": 0.4, "Ingetrokken": 0.15},
    "Bezwaar": {"Gegrond": 0.14, "Deels gegrond": 0.09, "Ongegrond": 0.48, "Niet-ontvankelijk": 0.12,
                "Ingetrokken": 0.17},
    "Beroep": {"Gegrond": 0.2, "Ongegrond": 0.6, "Niet-ontvankelijk": 0.1, "Ingetrokken": 0.1},
}
HANDLING_DAYS = {"Klacht": 30, "Bezwaar": 66, "Beroep": 190, "Hoger beroep": 420}  # median, before 2022
SIGNALS_PER_YEAR = {2021: 1800, 2022: 2700, 2023: 3100, 2024: 3300, 2025: 3400}
SIGNAL_KINDS = {"Zorgverzekering": 0.34, "Huur": 0.24, "Energie": 0.22, "Drinkwater": 0.15,
                "Gemeentelijke belastingen": 0.05}


def _postcodes(postcodes: bytes) -> dict[str, list[str]]:
    pc = pl.read_csv(io.BytesIO(postcodes), infer_schema=False)
    return {w: g["postcode"].to_list() for (w,), g in pc.group_by("wijk_code", maintain_order=True)}


def _days(rng: np.random.Generator, median: float, spread: float = 0.55) -> int:
    return max(1, int(rng.lognormal(math.log(median), spread)))


def _weights(year: int, power: float, wijken) -> np.ndarray:
    """Share of each wijk: its inhabitants, weighted by how poor it is."""
    w = np.array([wijk_population(wk, max(year, FIRST_YEAR)).sum() * wk.poverty ** power for wk in wijken], float)
    return w / w.sum()


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _scale(member: Member) -> tuple[float, float]:
    """How many cases and signals a member has against the home member: (cases, signals), by inhabitants and
    (for objections about income and the signals) by how poor it is."""
    size = sum(w.pop2015 for w in member.wijken) / sum(w.pop2015 for w in HOME.wijken)
    poorer = member.poverty / HOME.poverty
    return size, size * poorer


def case_inputs(seed: int, postcodes: bytes, member: Member = HOME) -> dict[str, bytes]:
    """The case list (``cases``) and the signal list (``signals``) in the standard profile's columns, for one
    member of the region (each from streams of its own)."""
    rng = np.random.default_rng([seed, 20] if member.index == 0 else [seed, 20, member.index])
    rnd = random.Random(seed + 20 + 1000 * member.index)
    pcs = _postcodes(postcodes)
    wijken = member.wijken
    size, signal_size = _scale(member)
    cases = ["case_id,client_id,received_date,decision_date,law,product_code,kind,outcome,postcode,wijk_code"]
    n = 0
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        weights = _weights(year, 0.6, wijken)
        for law, (written, rates) in CASE_RATES.items():
            for kind, rate in rates.items():
                rate *= 1.15 if law == "wmo" and year >= 2019 else 1.0  # the abonnementstarief
                rate *= size * member.factors.get("bijstand" if law == "participatie" else law, 1.0)
                for _ in range(rng.poisson(rate)):
                    n += 1
                    received = date(year, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
                    if received > REFERENCE_DATE:
                        continue
                    faster = 0.97 ** max(0, year - 2021) if kind == "Bezwaar" else 1.0
                    decided = received + timedelta(days=_days(rng, HANDLING_DAYS[kind] * faster))
                    chances = OUTCOMES["Beroep" if kind == "Hoger beroep" else kind]
                    outcome = str(rng.choice(list(chances), p=list(chances.values())))
                    if decided > REFERENCE_DATE:
                        decided, outcome = None, ""  # still running on the day of the export
                    wijk = wijken[int(rng.choice(len(wijken), p=weights))].code
                    postcode = str(rng.choice(pcs[wijk])) if rng.random() < 0.85 else ""
                    product = str(rng.choice(PRODUCTS[law])) if rng.random() < 0.8 else ""
                    cases.append(",".join([f"Z{year}-{n:05d}", _bsn(rnd), _iso(received), _iso(decided), written,
                                           product, kind, outcome, postcode, ""]))
    signals = ["signal_id,signal_date,signal_kind,contact_date,help_accepted,children,postcode"]
    n = 0
    for year, total in SIGNALS_PER_YEAR.items():
        weights = _weights(year, 1.3, wijken)
        kinds = dict(SIGNAL_KINDS)
        if year == 2022:
            kinds["Energie"] *= 1.5  # the energy prices of 2022
        p = np.array(list(kinds.values())) / sum(kinds.values())
        for _ in range(rng.poisson(total * signal_size)):
            n += 1
            signalled = date(year, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
            w = wijken[int(rng.choice(len(wijken), p=weights))]
            contact = None
            if rng.random() < 0.9:
                contact = signalled + timedelta(days=_days(rng, 12 * 0.93 ** (year - 2021), 0.7))
            if contact and contact > REFERENCE_DATE:
                contact = None
            accepted = "" if contact is None else ("ja" if rng.random() < 0.22 else "nee")
            children = "" if rng.random() < 0.03 else ("ja" if rng.random() < (0.45 if w.profile == "young_family"
                                                                               else 0.32) else "nee")
            signals.append(",".join([f"VS{n:06d}", _iso(signalled), str(rng.choice(list(kinds), p=p)), _iso(contact),
                                     accepted, children, str(rng.choice(pcs[w.code]))]))
    return {"cases": ("\n".join(cases) + "\n").encode(), "signals": ("\n".join(signals) + "\n").encode()}
