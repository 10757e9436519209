"""Iv3-shaped tables (lasten and baten per taakveld) and the municipality's budget file."""

from __future__ import annotations

import numpy as np
import polars as pl

from etl.demo.place import GEMEENTE, GEMEENTE_NAME, LAST_YEAR, MEMBERS, PEERS

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


def finance_inputs(seed: int, built) -> tuple[pl.DataFrame, dict[str, str], dict[str, str], dict[str, bytes]]:
    """Iv3 rows (as CBS serves them) for the members of the region, their peers and the nation, and each
    member's budget CSV (member code -> file).

    The municipality's youth and Wmo lasten follow its registry; its youth budget is last year's
    spending minus a 10% saving, which more referrals by the GP and longer residential stays (from
    2024) do not let it reach: the page Geld shows an overspend. A separate random stream keeps the other demo
    figures the same; the other members draw from a stream of their own."""
    from etl import iv3

    rng = np.random.default_rng(seed + 19)
    others_rng = np.random.default_rng([seed, 19, 1])
    members = {m.code: m for m in MEMBERS}
    obs = built.table("observations").filter((pl.col("breakdown") == "") & pl.col("period").str.ends_with("JJ00"))
    pop = {(r["region_code"], int(r["period"][:4])): r["value"]
           for r in obs.filter(pl.col("indicator_id") == "population").iter_rows(named=True)}
    costs = {(r["region_code"], r["indicator_id"], int(r["period"][:4])): r["value"]
             for r in obs.filter(pl.col("region_code").is_in(list(members))
                                 & pl.col("indicator_id").is_in([c for c, _ in IV3_ON_REGISTRY.values()]))
             .iter_rows(named=True)}
    mapping = iv3.load_mapping()
    codes = ["NL01", GEMEENTE] + [p[0] for p in PEERS] + [m.code for m in MEMBERS if m.code != GEMEENTE]
    tilt = ({p[0]: (p[3], p[4]) for p in PEERS} | {m.code: (m.oldness, m.poverty) for m in MEMBERS}
            | {GEMEENTE: (0.5, 1.0), "NL01": (0.5, 1.0)})
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
                    draw = others_rng if region in members and region != GEMEENTE else rng
                    total = per_inh * inhabitants / 1000 * draw.uniform(0.93, 1.07)  # EUR 1.000
                    reg = IV3_ON_REGISTRY.get(group)
                    if region in members and reg:
                        # The own account follows the registry; the budget is last year's account plus 1%.
                        base_year = year if kind == "Jaarrekening" else year - 1
                        cost = costs.get((region, reg[0], min(base_year, LAST_YEAR)))
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
    names = {m.code: m.name for m in MEMBERS} | {GEMEENTE: GEMEENTE_NAME} | {p[0]: p[1] for p in PEERS} | {
        "NL01": "Nederland"}
    budgets = {code: _budget_csv({(i, y): v for (r, i, y), v in costs.items() if r == code}) for code in members}
    return long, reports, names, budgets


def _budget_csv(own_cost: dict[tuple[str, int], float]) -> bytes:
    """One member's budget per law and product group, from its registry's spending."""
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
    return ("\n".join(lines) + "\n").encode()
