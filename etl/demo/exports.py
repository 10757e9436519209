"""waarstaatjegemeente-shaped exports for the municipality, its wijken, the peers and the nation,
and the counts CBS would publish for the same areas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.demo.extracts import trend
from etl.demo.inhabitants import age_shares
from etl.demo.place import (
    FIRST_YEAR,
    GEMEENTE,
    HOME,
    KWB_BANDS,
    LAST_YEAR,
    PEERS,
    RATE_BIJSTAND,
    RATE_JEUGD,
    RATE_WMO,
    SEED,
    UNDER_23,
    WIJKEN,
    YEARS,
    Member,
    ao_rate,
    cbs_round,
    ww_rate,
)


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


def comparison_inputs(rng: np.random.Generator, extracts_summary: dict,
                      others: list[tuple[Member, dict]] = (), seed: int = SEED) -> Exports:
    """One export per indicator with the nation, the peers, the municipality and (where CBS has
    them) its wijken, and the other members of the region (``others``: each with its cbs_like_counts). Figures for the own municipality follow the simulated registry, as CBS counts
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

    # The own municipality and its wijken, from the same simulated people the registry holds; then the
    # other members of the region, each from a stream of its own (the home member's figures stay the same).
    cbs = extracts_summary
    _own_series(put, HOME, cbs, rng)
    for member, summary in others:
        _own_series(put, member, summary, np.random.default_rng([seed, 40, member.index]))
    _social_series(put, regions, cbs, others)
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


def _own_series(put, member: Member, cbs: dict, rng: np.random.Generator) -> None:
    """A member and its wijken, from the same simulated people its registry holds (``cbs``: cbs_like_counts).
    The home member's figures are the demo's as they were; another member's lean on its poverty and age."""
    home = member.index == 0
    tilt = 1.0 if home else (0.8 + 0.2 * member.poverty) / (0.8 + 0.2 * HOME.poverty)  # Veilig Thuis, school
    work = 0.985 if home else 1.04 - 0.04 * member.poverty
    care = 1.0 if home else (17 + 6 * member.oldness) / (17 + 6 * HOME.oldness)
    for name, code in [(member.name, member.code)] + [(w.name, w.code) for w in member.wijken]:
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
        base = next((w for w in member.wijken if w.code == code), None)
        poverty = base.poverty if base else member.poverty
        income = base.income if base else member.income
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
            [cbs["jb_pct:count"].get((code, y), 0 if home else None) if y >= 2016 else None for y in YEARS])
        if base is None:  # figures CBS only publishes for the municipality as a whole
            pops = [cbs["population"][(code, y)] for y in YEARS]
            young = [cbs["pop_0_17"][(code, y)] for y in YEARS]
            vt = [5.45 * tilt * 1.02 ** (y - 2019) if y >= 2019 else None for y in YEARS]  # per 1,000 inhabitants
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
                [(64.5 + 0.45 * (y - FIRST_YEAR) - (0.8 if y == 2020 else 0)) * work for y in YEARS])
            put("Kwaliteit van leven verbeterd (% eens)", name, code,
                [None if y < 2016 or y == 2020 else 74.0 + 0.9 * (y - 2016) + float(rng.normal(0, 0.6)) for y in YEARS])
            put("Mantelzorgers (%)", name, code, [care * (20.5 if y == 2016 else 19.0 if y == 2020 else 18.2) if y in
                                                  (2016, 2020, 2024) else None for y in YEARS])
            put("Voortijdig schoolverlaters (%)", name, code, [2.3 * tilt * 0.98 ** (y - FIRST_YEAR) for y in YEARS])


# Client experience (share agreeing) per question: the national level and how much it moves.
CEO_WSJG = {
    "Cliëntervaring Wmo: wist waar te moeten zijn (% eens)": ("wmo_wist_waar", 73.0),
    "Cliëntervaring Wmo: snel geholpen (% eens)": ("wmo_snel_geholpen", 70.0),
    "Cliëntervaring Wmo: serieus genomen (% eens)": ("wmo_serieus_genomen", 84.0),
    "Cliëntervaring Wmo: samen naar oplossing gezocht (% eens)": ("wmo_samen_oplossing", 78.0),
    "Cliëntervaring Wmo: kwaliteit ondersteuning goed (% eens)": ("wmo_kwaliteit_goed", 82.0),
    "Cliëntervaring Wmo: beter dingen zelf doen (% eens)": ("wmo_beter_zelf_doen", 71.0),
    "Cliëntervaring Wmo: beter zelf redden (% eens)": ("wmo_beter_redden", 76.0),
    "Cliëntervaring Jeugd: hulp gekregen die nodig was (% eens)": ("jeugd_nodige_hulp", 74.0),
    "Cliëntervaring Jeugd: beter met problemen omgaan (% eens)": ("jeugd_beter_omgaan", 69.0),
    "Cliëntervaring Jeugd: beter thuis of op school (% eens)": ("jeugd_beter_thuis_school", 65.0),
    "Cliëntervaring Jeugd: tevreden over de hulp (% eens)": ("jeugd_tevreden", 78.0),
}
CEO_YEARS = [y for y in YEARS if y >= 2016 and y != 2020]  # no survey in the first covid year
HEALTH_YEARS = (2016, 2020, 2022, 2024)  # Gezondheidsmonitor rounds (RIVM estimates per wijk)
VM_YEARS = (2015, 2016, 2017, 2019, 2021, 2023, 2025)  # Veiligheidsmonitor rounds


def _social_series(put, regions: list, cbs: dict, others: list[tuple[Member, dict]] = ()) -> None:
    """Client experience (nation and peers; the municipality has its own survey, see ``survey_csv``),
    Veilig Thuis by who reported, the social base per wijk and the 110% and 120% income thresholds.
    A generator of its own, so the figures above stay what they were."""
    rng = np.random.default_rng(SEED + 20)
    noise = lambda s: float(rng.normal(1, s))  # noqa: E731
    own = [(HOME.name, GEMEENTE, 0.45, 1.05, [cbs["population"][(GEMEENTE, y)] for y in YEARS])]
    own += [(w.name, w.code, {"old": 0.9, "rural": 0.6}.get(w.profile, 0.3), w.poverty, None) for w in WIJKEN]
    for m, summary in others:  # after the home member's: its draws stay what they were
        own.append((m.name, m.code, m.oldness, m.poverty, [summary["population"][(m.code, y)] for y in YEARS]))
        own += [(w.name, w.code, {"old": 0.9, "rural": 0.6}.get(w.profile, 0.3), w.poverty, None) for w in m.wijken]
    areas = [(name, code, oldness, poverty, pops) for name, code, oldness, poverty, _, _, pops in regions] + own
    for name, code, oldness, poverty, pops in areas:
        if not code.startswith("WK") and code != GEMEENTE:
            for label, (_, level) in CEO_WSJG.items():
                put(label, name, code, [min(97.0, level * noise(0.03) + 0.3 * (y - 2016)) if y in CEO_YEARS else None
                                        for y in YEARS])
        if pops is not None:  # Veilig Thuis per municipality (CBS publishes no wijken), from 2019
            received = [5.4 * (0.8 + 0.2 * poverty) * 1.02 ** (y - 2019) * pops[i] / 1000 * noise(0.05)
                        for i, y in enumerate(YEARS)]
            for label, part in (("Veilig Thuis: ontvangen meldingen", 1.0), ("Veilig Thuis: gestarte adviezen", 1.12),
                                ("Veilig Thuis: meldingen van politie en justitie", 0.74),
                                ("Veilig Thuis: meldingen van professionals", 0.90),
                                ("Veilig Thuis: meldingen van niet-professionals", 0.10),
                                ("Veilig Thuis: vervolgmeldingen", 0.27)):
                put(label, name, code, [5 * round(r * part * (1 if part == 1.0 else noise(0.03)) / 5) if y >= 2019
                                        else None for r, y in zip(received, YEARS, strict=True)])
            put("Sociale cohesie (schaalscore)", name, code,
                [round((6.4 - 0.5 * poverty + 0.3 * oldness) * noise(0.01), 1) if y in VM_YEARS else None for y in YEARS])
        for label, level, by_poverty, by_age in (("Ervaren gezondheid goed of zeer goed (%)", 81.0, -4.0, -5.0),
                                                 ("Eenzaam (%)", 44.0, 5.0, 4.0), ("Mantelzorger (%)", 13.0, 0.0, 4.0),
                                                 ("Vrijwilligerswerk (%)", 30.0, -5.0, 3.0),
                                                 ("Moeite met rondkomen (%)", 17.0, 9.0, -2.0)):
            put(label, name, code, [(level + by_poverty * (poverty - 1) + by_age * (oldness - 0.5)
                                     + (2.0 if "Eenzaam" in label and y >= 2020 else 0)) * noise(0.02)
                                    if y in HEALTH_YEARS else None for y in YEARS])
        for label, factor in (("Huishoudens tot 110% van sociaal minimum (%)", 1.25),
                              ("Huishoudens tot 120% van sociaal minimum (%)", 1.7)):
            put(label, name, code, [7.6 * factor * poverty * 0.985 ** (y - FIRST_YEAR) * noise(0.01)
                                    if 2018 <= y <= LAST_YEAR - 2 else None for y in YEARS])


def survey_csv() -> bytes:
    """The municipality's own client-experience survey as the bureau delivers it (etl/survey.py):
    per question and year the share agreeing and the number who answered; one small jeugd sample."""
    rng = np.random.default_rng(SEED + 21)
    lines = ["gebied;jaar;vraag;percentage_eens;n"]
    for item, level in CEO_WSJG.values():
        youth = item.startswith("jeugd")
        for y in CEO_YEARS:
            n = int(rng.integers(70, 160) if youth else rng.integers(280, 460))
            if youth and y == 2021 and item == "jeugd_beter_thuis_school":
                n = 41  # below MSD_MIN_DENOMINATOR: the monitor stores and shows no share
            share = min(97.0, level - 1.5 + 0.5 * (y - 2016) + float(rng.normal(0, 1.5)))
            lines.append(f"{GEMEENTE};{y};{item};{share:.1f}".replace(".", ",") + f";{n}")
    return ("\n".join(lines) + "\n").encode("utf-8")
