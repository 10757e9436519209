"""Person-level registry extracts per law, held in memory only (the input of etl.registry)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np

from etl.demo.inhabitants import wijk_population
from etl.demo.outcomes import Outcomes, written_reason
from etl.demo.place import (
    AGE_SPANS,
    FIRST_YEAR,
    HOME,
    LAST_YEAR,
    RATE_BIJSTAND,
    RATE_DEBT,
    RATE_JEUGD,
    RATE_WMO,
    REFERENCE_DATE,
    Member,
)


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
        self.households: dict[str, list[dict]] = {code: [] for code in postcodes}
        self.counter = 0

    def _new_household(self, wijk: str) -> dict:
        self.counter += 1
        codes = self.postcodes[wijk]  # the same draw as rng.choice(codes), without its cost
        hh = {"id": f"HH{self.counter:07d}", "postcode": codes[int(self.rng.integers(0, len(codes)))], "members": []}
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


def registry_inputs(rng: np.random.Generator, member: Member = HOME) -> tuple[dict[str, bytes], bytes]:
    """Person-level extracts per law (standard profile) and the postcode -> buurt/wijk table of one member
    (its own streams: the home member's figures do not depend on the others)."""
    postcodes: dict[str, list[str]] = {}
    pc_rows = ["postcode,buurt_code,buurt_name,wijk_code,wijk_name,gemeente_code,gemeente_name"]
    factor = member.factors.get
    # Another member's extract starts a few years before its first counted year, so the stock of long
    # provisions (Wmo, bijstand) is built up; rows that ended before the year ahead of it are left out, and
    # short ones (youth care, requests solved without maatwerk) are only drawn from then on. Keeps it cheap.
    cutoff = date(member.first_year - 1, 1, 1) if member.index else None
    for i, w in enumerate(member.wijken):
        postcodes[w.code] = []
        n_buurten = 2 if w.code != "WK999011" else 1
        for b in range(n_buurten):
            buurt = f"BU{w.code[2:]}{b + 1:02d}"
            for k in range(12):
                pc = f"{member.postcode_base + i * 10 + b * 5 + k // 4}{chr(65 + k % 4)}{chr(65 + (k * 7 + b) % 26)}"
                postcodes[w.code].append(pc)
                pc_rows.append(f"{pc},{buurt},{w.name} {'Noord' if b == 0 else 'Zuid'},{w.code},{w.name},"
                               f"{member.code},{member.name}")
    people = People(rng, postcodes)
    # How provisions end, and the few extra provisions that follow from it, come from a stream of their own.
    out = Outcomes() if member.index == 0 else Outcomes([20, member.index])
    extra_people = People(out.fx, postcodes)
    extra_people.counter = 5_000_000  # household ids apart from the main stream's
    followed: set[str] = set()
    header = ("client_id,household_id,birth_date,postcode,wijk_code,request_date,decision_date,route,product_code,"
              "start_date,end_date,end_reason,delivery_form,provider,referrer,amount_paid,goal_reached")
    rows: dict[str, list[str]] = {law: [header] for law in ("wmo", "jeugd", "participatie", "schuldhulp")}

    def add(law: str, person, wijk: str, req: date, dec: date | None, route: str, product: str = "",
            start: date | None = None, end: date | None = None, end_reason: str = "", form: str = "",
            provider: str = "", referrer: str = "", amount: float | None = None, goal: str = "") -> None:
        if start and start > REFERENCE_DATE:
            return
        if cutoff and (end or dec or req) < cutoff:
            return  # ended before the member's counted years: not needed
        if end and end > REFERENCE_DATE:
            end, end_reason, goal = None, "", ""  # still running on the day of the extract
        if dec and dec > REFERENCE_DATE:
            dec = None  # not decided yet on the day of the extract
        cid, hid, birth, pc = person
        fmt = lambda d: d.isoformat() if d else ""  # noqa: E731
        rows[law].append(",".join([
            cid, hid, birth, pc, wijk, fmt(req), fmt(dec), route, product, fmt(start), fmt(end),
            written_reason(law, end_reason),
            form, provider, referrer, "" if amount is None else f"{amount:.2f}", goal,
        ]))

    def spell_cost(monthly: float, start: date, end: date | None) -> float:
        stop = min(end or REFERENCE_DATE, REFERENCE_DATE)
        return max(0.0, (stop - start).days / 30.4 * monthly * rng.uniform(0.9, 1.1))

    for w in member.wijken:
        for year in range(member.history_from, LAST_YEAR + 1):
            pop = wijk_population(w, max(year, FIRST_YEAR))
            cal = max(year, FIRST_YEAR)
            # --- Wmo: new clients this year; the stock builds up from 2011 on.
            exp_wmo = (pop * RATE_WMO).sum() * trend("wmo", cal) * (0.85 + 0.15 * w.poverty) * w.excess.get("wmo", 1) * factor("wmo", 1)
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
                    reason, goal = out.wmo(age, end.year)
                    provider = f"Zorgaanbieder {int(rng.integers(1, 14))}"
                    add("wmo", person, w.code, req, req + timedelta(days=wait), "maatwerk", product, start, end,
                        reason, form, provider, "", amount, goal)
                    if reason not in ("overleden", "wlz", "verhuisd") and (back := out.comes_back(end, 0.07)):
                        bs, be = back  # the same help again within a year
                        add("wmo", person, w.code, bs - timedelta(days=40), bs - timedelta(days=12), "maatwerk",
                            product, bs, be, "doel_bereikt", form, provider, "",
                            (min(be, REFERENCE_DATE) - bs).days / 30.4 * WMO_MONTHLY[product], "ja")
            # Requests that were solved without maatwerk.
            short = 0.0 if cutoff and year < cutoff.year else 1.0  # the home member: always 1
            for _ in range(rng.poisson(exp_wmo / 3.3 * 1.05 * short)):
                age = int(rng.integers(45, 95))
                req = _date(year, rng)
                route = rng.choice(["eigen_netwerk", "algemene_voorziening", "afgewezen"], p=[0.38, 0.5, 0.12])
                person = people.person(w.code, age, req, share_household=0.1)
                add("wmo", person, w.code, req, req + timedelta(days=_wait_days(rng, 30)), str(route))

            # --- Jeugd
            exp_j = (pop * RATE_JEUGD).sum() * trend("jeugd", cal) * (0.75 + 0.25 * w.poverty) * w.excess.get("jeugd", 1) * factor("jeugd", 1) * short
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
                    # Decision to start: about 12 days, longer from 2023 (drawn apart, so no other figure moves).
                    req = start_spell - timedelta(days=wait + out.start_gap(cal))
                    start = start_spell
                    stay = 2.2 * (RESIDENTIAL_LONGER_FROM_2024 if year >= 2024 and product in ("43", "44") else 1)
                    end = start + timedelta(days=int(30 * months * (stay if product in ("43", "44", "48") else 1)))
                    form = "PGB" if rng.random() < 0.06 else "ZIN"
                    birth = date.fromisoformat(person[2])
                    reason, goal = out.jeugd(int((end - birth).days // 365.25), end.year)
                    add("jeugd", person, w.code, req, req + timedelta(days=wait), "maatwerk", str(product), start, end,
                        reason, form, f"Jeugdhulpaanbieder {int(rng.integers(1, 20))}", referrer,
                        spell_cost(youth_tariff(str(product), cal), start, end), goal)
                    if reason != "meerderjarig" and (back := out.comes_back(end, 0.08)):
                        bs, be = back  # youth care again within a year
                        add("jeugd", person, w.code, bs - timedelta(days=35), bs - timedelta(days=10), "maatwerk",
                            str(product), bs, be, "doel_bereikt", form, "Jeugdhulpaanbieder 2", referrer,
                            (min(be, REFERENCE_DATE) - bs).days / 30.4 * youth_tariff(str(product), cal), "ja")
                    after_18 = (end - date(birth.year + 18, birth.month, min(birth.day, 28))).days
                    if -182 <= after_18 <= 365 and person[0] not in followed and (fs := out.adult_support_after(end)):
                        followed.add(person[0])  # the transition at 18: Wmo support follows for about a third
                        fe = fs + timedelta(days=int(out.fx.integers(120, 500)))
                        add("wmo", person, w.code, fs - timedelta(days=30), fs - timedelta(days=8), "maatwerk", "02",
                            fs, fe, "doel_bereikt", "ZIN", "Zorgaanbieder 3", "",
                            (min(fe, REFERENCE_DATE) - fs).days / 30.4 * WMO_MONTHLY["02"] * out.fx.uniform(0.9, 1.1))

            # --- Participatiewet: bijstand, with re-integration for some
            exp_b = (pop * RATE_BIJSTAND).sum() * trend("bijstand", cal) * w.poverty * factor("bijstand", 1)
            ages = pop * RATE_BIJSTAND
            for g in rng.choice(len(ages), size=rng.poisson(exp_b / 3.6), p=ages / ages.sum()):
                age = int(rng.integers(AGE_SPANS[g][0], AGE_SPANS[g][1] + 1))
                start = _date(year, rng)
                person = people.person(w.code, age, start, share_household=0.35)
                wait = _wait_days(rng, 28, 0.35)
                months = rng.gamma(1.3, 30.0)
                end = start + timedelta(days=int(30 * months))
                reason = out.bijstand(str(rng.choice(["werk", "verhuizing", "overig"], p=[0.45, 0.2, 0.35])))
                add("participatie", person, w.code, start - timedelta(days=wait), start, "maatwerk", "bijstand",
                    start, end, reason, "", "Gemeente", "", spell_cost(1350, start, end))
                for product, ps, pe in out.instruments(start):
                    add("participatie", person, w.code, ps - timedelta(days=20), ps - timedelta(days=5), "maatwerk",
                        product, ps, pe, out.trajectory() if product == "beschut_werk" else "doel_bereikt", "",
                        "Werkbedrijf 1", "", (min(pe, REFERENCE_DATE) - ps).days / 30.4 * (1900 if product ==
                        "beschut_werk" else 40) * out.fx.uniform(0.9, 1.1))
                if rng.random() < 0.32:
                    rs = start + timedelta(days=int(rng.integers(30, 300)))
                    re_ = rs + timedelta(days=int(rng.integers(90, 365)))
                    add("participatie", person, w.code, rs - timedelta(days=20), rs - timedelta(days=5), "maatwerk",
                        str(rng.choice(["reintegratie", "loonkostensubsidie"], p=[0.85, 0.15])), rs, re_,
                        out.trajectory(), "",
                        f"Werkbedrijf {int(rng.integers(1, 4))}", "", spell_cost(420, rs, re_))

            if year == member.history_from:  # the Wsw: employees from before 2015 only, so the group shrinks
                for age, ws, we in out.wsw_spells(w.poverty):
                    wp = extra_people.person(w.code, age, ws, share_household=0.0)
                    add("participatie", wp, w.code, ws - timedelta(days=40), ws - timedelta(days=10), "maatwerk",
                        "wsw", ws, we, "andere_uitkering", "", "Werkbedrijf 2", "",
                        (min(we, REFERENCE_DATE) - ws).days / 30.4 * 2600)

            # --- Schuldhulp: requests; part of them become a trajectory
            exp_d = (pop * RATE_DEBT).sum() * trend("debt", cal) * w.poverty * factor("debt", 1)
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
                    reason = "voortijdig_gestopt" if reason == "uitval" else reason
                    add("schuldhulp", person, w.code, req, talk, "maatwerk", product, talk, end, reason, "",
                        f"Schuldhulp {member.name}", "", spell_cost(95, talk, end))
                else:
                    route = str(rng.choice(["eigen_netwerk", "algemene_voorziening", "afgewezen"], p=[0.3, 0.6, 0.1]))
                    add("schuldhulp", person, w.code, req, talk, route)
    extracts = {law: ("\n".join(r) + "\n").encode() for law, r in rows.items()}
    return extracts, ("\n".join(pc_rows) + "\n").encode()
