"""Population per wijk and age, as the BRP counts come (the input of etl.population)."""

from __future__ import annotations

import numpy as np

from etl import population
from etl.demo.place import FIRST_YEAR, HOUSEHOLD_SIZE, PROFILES, WIJKEN, YEARS, Wijk


def age_shares(profile: str, year: int) -> np.ndarray:
    shares = np.array(PROFILES[profile], dtype=float)
    ageing = 1.022 ** (year - FIRST_YEAR)  # the population slowly grows older
    shares[5:] *= ageing
    return shares / shares.sum()


def wijk_population(w: Wijk, year: int) -> np.ndarray:
    total = w.pop2015 * (1 + w.growth) ** (year - FIRST_YEAR)
    return np.round(total * age_shares(w.profile, year)).astype(int)


def population_inputs(rng: np.random.Generator, wijken: list[Wijk] = WIJKEN) -> tuple[bytes, bytes]:
    """BRP counts: persons per wijk, year, age group and sex; households per type (of one member's wijken)."""
    persons, households = ["region_code,period,age_from,age_to,sex,persons"], ["region_code,period,household_type,households"]
    for w in wijken:
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
