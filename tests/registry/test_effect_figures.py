"""Effect and outcome figures on small hand-computed extracts: drop-out, goals reached, return within a
year, decision to start, Wmo to Wlz, bijstand to work, re-integration instruments, legal terms, the
transition at 18 and debt help in the stapeling counts."""

from __future__ import annotations

import polars as pl
import pytest

from tests.registry.test_registry import GM, HEADER, WMO, csv, load, obs, value

H = HEADER + ",goal_reached"
Y24 = "2024JJ00"
# client, household, birth, postcode, request, decision, route, product, start, end, reason, form, provider,
# referrer, amount, goal. Person 1 ends, comes back 154 days later (a return within 12 months) and drops out.
WMO_EFFECT = [
    "100000001,H1,1950-01-01,1000AA,,2023-01-10,2023-02-01,maatwerk,01,2023-03-01,2024-03-31,doel_bereikt,ZIN,A,,,ja",
    "100000001,H1,1950-01-01,1000AA,,2024-07-01,2024-08-10,maatwerk,01,2024-09-01,2024-12-31,voortijdig_gestopt,ZIN,"
    "A,,,nee",
    "100000002,H2,1960-01-01,1000AA,,2024-01-01,2024-01-05,maatwerk,02,2024-01-15,2024-06-30,Uitval,ZIN,A,,,",
    "100000003,H3,1935-01-01,1000AA,,2023-12-01,2024-01-02,maatwerk,14,2024-02-01,2024-05-31,Instroom Wlz,ZIN,B,,,N",
    "100000004,H4,1970-01-01,1000AA,,2024-01-10,2024-01-31,maatwerk,02,2024-02-01,2024-10-31,gestopt want boos,ZIN,"
    "B,,,Ja",
    # Started before the decision (help at once, the decision written afterwards): 0 days from decision to start.
    "100000005,H5,1945-01-01,1000AA,,2024-02-01,2024-03-10,maatwerk,01,2024-03-01,,,ZIN,A,,,",
]


def test_outcomes_of_ended_wmo_provisions(tmp_path):
    report = load(tmp_path, {"wmo": csv(WMO_EFFECT, H)})
    o = obs(tmp_path)
    # Ended in 2024 with a reason: 5 (doel, drop, uitval = drop, wlz, free text = overig); 2 dropped out.
    assert value(o, "wmo_reg_dropout_share", GM, Y24) == 40.0
    assert value(o, "wmo_reg_dropout_share", "WK999001", Y24) == 40.0
    # Goal filled in for 4 of them (ja, nee, N = nee, Ja = ja): half reached.
    assert value(o, "wmo_reg_goal_reached_share", GM, Y24) == 50.0
    assert value(o, "wmo_reg_to_wlz", GM, Y24) == 1
    assert value(o, "wmo_reg_to_wlz", GM, "2023JJ00") is None  # nobody left for the Wlz in 2023
    # Decision to start of the 2024 starts: 22, 10, 30, 1 and 0 days: person 5 started 9 days before the
    # decision and counts as 0 (it used to be left out, which gave a median of 16).
    assert value(o, "wmo_reg_wait_start_median", GM, Y24) == 10.0
    assert value(o, "wmo_reg_wait_start_median", GM, "2023JJ00") == 28.0
    # Episodes ended in 2024: 5 of 4 people (person 1 twice); person 1's first came back within a year. A share
    # of people: person 1 counts once, so 1 of 4 (per episode it would be 1 of 5).
    assert value(o, "wmo_reg_return_12m", GM, Y24) == 25.0
    assert value(o, "wmo_reg_return_12m", GM, "2025JJ00") is None  # a year of follow-up has not passed yet
    # The free text is counted as "overig" and said so; it never becomes a label.
    assert report.other["wmo"] == {"end_reason": 1}
    assert "gestopt want boos" not in o["category"].to_list()


def test_dropout_and_return_are_hidden_on_a_small_base(tmp_path):
    load(tmp_path, {"wmo": csv(WMO_EFFECT, H)}, suppress=True)
    o = obs(tmp_path)
    for iid in ("wmo_reg_dropout_share", "wmo_reg_goal_reached_share", "wmo_reg_return_12m",
                "wmo_reg_wait_start_median"):
        hit = o.filter((o["indicator_id"] == iid) & (o["region_code"] == GM) & (o["period"] == Y24))
        assert hit["value"].to_list() == [None] and hit["status"].to_list() == ["suppressed"], iid
        assert hit["denominator"][0] < 50


def test_legal_terms_are_settings(tmp_path, monkeypatch):
    # Waits from melding to decision: 22, 5, 92 and 14 days. By law 6 + 2 weeks = 56 days: one of four too late.
    load(tmp_path / "a", {"wmo": csv(WMO)})
    assert value(obs(tmp_path / "a"), "wmo_reg_wait_over_term", GM, Y24) == 25.0
    monkeypatch.setenv("MSD_TERM_WMO_ASSESSMENT_DAYS", "7")  # 7 + 14 = 21 days: 22 and 92 are too late
    load(tmp_path / "b", {"wmo": csv(WMO)})
    assert value(obs(tmp_path / "b"), "wmo_reg_wait_over_term", GM, Y24) == 50.0


PARTICIPATIE = [
    "200000001,H21,1980-01-01,1001AA,,2022-12-01,2023-01-01,maatwerk,bijstand,2023-01-01,2024-04-30,werk,,Gemeente,,,",
    "200000002,H22,1985-01-01,1001AA,,2023-05-01,2023-06-01,maatwerk,bijstand,2023-06-01,2024-08-31,Verhuizing,,"
    "Gemeente,,,",
    "200000003,H23,1990-01-01,1001AA,,2023-12-01,2023-12-15,maatwerk,reintegratie,2024-01-01,2024-12-31,werk,,W,,"
    "1000,",
    "200000003,H23,1990-01-01,1001AA,,2023-12-01,2023-12-15,maatwerk,loonkostensubsidie,2024-01-01,2024-12-31,,,W,,"
    "3000,",
    "200000004,H24,1970-01-01,1001AA,,2009-11-01,2009-12-01,maatwerk,wsw,2010-01-01,,,,W,,,",
    "200000005,H25,1975-01-01,1001AA,,2024-02-01,2024-02-15,maatwerk,tegenprestatie,2024-03-01,2024-05-31,,,W,,,",
]


def test_outflow_to_work_and_reintegration_instruments(tmp_path):
    load(tmp_path, {"participatie": csv(PARTICIPATIE, H)})
    o = obs(tmp_path)
    assert value(o, "bijstand_reg_outflow_work", GM, Y24) == 1  # the other one moved away
    assert value(o, "bijstand_reg_outflow_work", "WK999002", Y24) == 1
    assert value(o, "loonkostensubsidie_reg_clients", GM, Y24) == 1
    assert value(o, "wsw_reg_clients", GM, Y24) == 1 and value(o, "wsw_reg_clients", GM, "2015JJ00") == 1
    assert value(o, "tegenprestatie_reg_clients", GM, Y24) == 1
    assert value(o, "tegenprestatie_reg_clients", GM, "2025JJ00") is None
    # Re-integration and wage subsidy ran all of 2024: 4.000 euro over two trajectories.
    assert value(o, "reintegratie_reg_cost_per_trajectory", GM, Y24) == pytest.approx(2000)
    base = o.filter((pl.col("indicator_id") == "reintegratie_reg_cost_per_trajectory") & (pl.col("region_code") == GM)
                    & (pl.col("period") == Y24))["denominator"].item()
    assert base == 1  # one person behind the two trajectories: the small-number rule counts people
    assert value(o, "participatie_reg_clients", GM, Y24, "product", "wsw") == 1


# Youth care ending around 18, and what follows. Y1: ends 14 days after the 18th birthday, Wmo 3.5 months
# later. Y2: ends 4 weeks before it, nothing follows. Y3: bijstand only 7 months after the end. Y4: 14 years
# old. Y5: ends 7 months after the 18th birthday while debt help is running.
JEUGD_18 = [
    "300000001,H31,2006-05-01,1000AA,,2021-12-01,2021-12-15,maatwerk,45,2022-01-01,2024-05-15,meerderjarig,ZIN,J,01,,",
    "300000002,H32,2006-03-01,1000AA,,2022-12-01,2022-12-15,maatwerk,45,2023-01-01,2024-02-01,doel_bereikt,ZIN,J,01,,",
    "300000003,H33,2006-07-01,1000AA,,2022-12-01,2022-12-15,maatwerk,54,2023-01-01,2024-06-30,,ZIN,J,02,,",
    "300000004,H34,2010-01-01,1000AA,,2022-12-01,2022-12-15,maatwerk,45,2023-01-01,2024-06-30,,ZIN,J,02,,",
    "300000005,H35,2006-01-10,1000AA,,2022-12-01,2022-12-15,maatwerk,45,2023-01-01,2024-08-01,,ZIN,J,02,,",
]
ADULT = {
    "wmo": ["300000001,H31,2006-05-01,1000AA,,2024-08-01,2024-08-20,maatwerk,02,2024-09-01,,,ZIN,A,,,",
            "400000001,H36,1960-01-01,1000AA,,2023-12-01,2023-12-20,maatwerk,01,2024-01-01,,,ZIN,A,,,"],
    "participatie": ["300000003,H33,2006-07-01,1000AA,,2025-01-15,2025-02-01,maatwerk,bijstand,2025-02-01,,,,"
                     "Gemeente,,,"],
    "schuldhulp": ["300000005,H35,2006-01-10,1000AA,,2022-12-01,2023-01-01,maatwerk,stabilisatie,2023-01-01,,,,S,,,",
                   "400000002,H36,1962-01-01,1000AA,,2024-03-01,2024-03-10,maatwerk,budgetbeheer,2024-03-10,,,,S,,,"],
}


def test_transition_at_18_and_debt_help_in_stapeling(tmp_path):
    load(tmp_path, {"jeugd": csv(JEUGD_18, H), **{law: csv(rows, H) for law, rows in ADULT.items()}})
    o = obs(tmp_path)
    # Four young people left youth care around 18 in 2024 (not Y4); Y1 (Wmo) and Y5 (debt help) got support.
    assert value(o, "jeugd_transition_18_share", GM, Y24) == 50.0
    assert value(o, "jeugd_transition_18_share", "WK999001", Y24) == 50.0
    assert value(o, "jeugd_transition_18_share", GM, "2025JJ00") is None  # six months have not passed
    # Debt help with another law in 2024: H35 (youth care) and H36 (Wmo).
    assert value(o, "stapeling_households_debt", GM, Y24) == 2
    assert value(o, "stapeling_households_debt", GM, Y24, "laws", "jeugd+schuldhulp") == 1
    assert value(o, "stapeling_households_debt", GM, Y24, "laws", "wmo+schuldhulp") == 1
    # The counts over Wmo, youth care and Participatiewet do not change meaning: debt help is not one of them.
    assert value(o, "stapeling_households_multi", GM, Y24) == 1  # H31: youth care and Wmo
    assert value(o, "stapeling_households", GM, Y24, "laws", "wmo") == 1  # H36, its debt help left out


def test_a_load_of_one_law_with_debt_help_keeps_the_households_over_the_core_laws(tmp_path):
    """Wmo with debt help alone gives the debt figure, not a new count of households per combination of Wmo,
    youth care and Participatiewet (which would read "only Wmo"); a load of the core laws leaves the debt
    figure as it was."""
    load(tmp_path, {"jeugd": csv(JEUGD_18, H), **{law: csv(rows, H) for law, rows in ADULT.items()}})
    load(tmp_path, {"wmo": csv(ADULT["wmo"], H), "schuldhulp": csv(ADULT["schuldhulp"], H)})
    o = obs(tmp_path)
    assert value(o, "stapeling_households_multi", GM, Y24) == 1  # H31, from the first load
    assert value(o, "stapeling_households", GM, Y24, "laws", "wmo") == 1
    assert value(o, "stapeling_households_debt", GM, Y24, "laws", "wmo+schuldhulp") == 1  # H36, from this load
    assert value(o, "stapeling_households_debt", GM, Y24, "laws", "jeugd+schuldhulp") is None  # no youth care now
    assert value(o, "jeugd_transition_18_share", GM, Y24) == 50.0  # kept: this load has no youth care
    load(tmp_path, {"jeugd": csv(JEUGD_18, H), "wmo": csv(ADULT["wmo"], H)})
    o = obs(tmp_path)
    assert value(o, "stapeling_households_debt", GM, Y24, "laws", "wmo+schuldhulp") == 1  # kept: no debt help now
    assert value(o, "jeugd_transition_18_share", GM, Y24) == 25.0  # Y5's debt help is not in this load


def test_shares_of_people_have_people_as_their_base(tmp_path):
    """One person with two provisions (or two episodes) is one person in a share of people; a share of
    provisions (drop-out) keeps its provisions, as its definition says."""
    load(tmp_path, {"wmo": csv(WMO, HEADER)})
    o = obs(tmp_path)

    def base(iid: str) -> float:
        return o.filter((pl.col("indicator_id") == iid) & (pl.col("region_code") == GM)
                        & (pl.col("period") == Y24))["denominator"].item()

    assert base("wmo_reg_maatwerk_share") == 3  # persons 1 (two provisions), 2 and 3; four decisions
    assert base("wmo_reg_pgb_share") == 2  # persons 1 and 2 among three provisions
    load(tmp_path / "effect", {"wmo": csv(WMO_EFFECT, H)})
    o = obs(tmp_path / "effect")
    assert base("wmo_reg_return_12m") == 4  # five episodes ended in 2024, person 1 had two
    assert base("wmo_reg_dropout_share") == 5  # five ended provisions: a share of provisions
