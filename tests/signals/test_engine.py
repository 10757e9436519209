"""The signal engine on constructed series with known answers."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from queries import Warehouse
from queries import signals as sg
from settings import SignalSettings
from tests.conftest import obs, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

PEERS = [f"GM{n:04d}" for n in range(2, 9)]


def regions() -> pl.DataFrame:
    extra = pl.DataFrame([(c, f"Gemeente {c[-1]}", "gemeente", "NL01", c) for c in PEERS[2:]],
                         schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")
    return pl.concat([small_regions(), extra])


def build(path, rows: list[dict]) -> Warehouse:
    publish(path, indicators=catalogue.load().to_frame(), regions=regions(), sources=source_row(),
            observations=pl.DataFrame(rows),
            meta={"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": PEERS},
            boundaries={"wijken": '{"type": "FeatureCollection", "features": []}'})
    return Warehouse.open(path)


def of_kind(found, kind):
    return [s for s in found if s.kind == kind]


def test_a_clear_jump_signals(tmp_path):
    rows = [obs("wmo_reg_clients", "GM0001", "2023JJ00", 400), obs("wmo_reg_clients", "GM0001", "2024JJ00", 560)]
    found = of_kind(sg.compute(build(tmp_path / "w", rows)), "verandering")
    assert len(found) == 1
    s = found[0]
    assert (s.indicator_id, s.region_code, s.period) == ("wmo_reg_clients", "GM0001", "2024JJ00")
    assert s.size == 40.0
    assert s.numbers["oud"] == 400 and s.numbers["nieuw"] == 560
    assert "steeg van 400 naar 560" in s.sentence and "geen toeval" in s.sentence
    assert s.q_value < 0.001
    assert "q = 0,0000" in s.rule or "q = 0,000" in s.rule


def test_a_rate_is_tested_on_its_numerator_given_the_base(tmp_path):
    # 50 -> 60 per 1.000 on 20.000 inhabitants (1.000 -> 1.200 people) is no chance; the same rates
    # on 200 inhabitants (10 -> 12 people) are.
    rows = []
    for code, pop in (("GM0001", 20000), ("WK000101", 200)):
        for year, rate in ((2023, 50.0), (2024, 60.0)):
            rows += [obs("wmo_clients_per_1000", code, f"{year}JJ00", rate), obs("population", code, f"{year}JJ00", pop)]
    found = of_kind(sg.compute(build(tmp_path / "w", rows)), "verandering")
    assert [(s.indicator_id, s.region_code) for s in found] == [("wmo_clients_per_1000", "GM0001")]
    assert "toets op de teller" in found[0].rule


def test_binomial_test_matches_known_values():
    # Exact two-sided binomial p-values (as R's binom.test gives them).
    assert sg.binomial_two_sided(7, 10, 0.5) == pytest.approx(0.34375)
    assert sg.binomial_two_sided(0, 10, 0.5) == pytest.approx(2 / 1024)
    assert sg.binomial_two_sided(15, 20, 0.3) == pytest.approx(0.0000417, rel=0.05)


def test_benjamini_hochberg_adjusts_like_the_textbook():
    # sorted .01 .03 .04 .5: .04, min(.06, .0533), .0533, .5
    assert sg.benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_a_stable_poisson_series_signals_at_most_at_the_nominal_fdr():
    """200 draws from one stable Poisson series (199 year-on-year tests), 200 times over: under no real
    change every signal is false, so the share of runs with any signal is the false-discovery rate."""
    rng = np.random.default_rng(20261201)
    fdr = 0.05
    runs_with_signal = 0
    for _ in range(200):
        draws = rng.poisson(120, size=200)
        p = [sg.change_test(a, b) for a, b in zip(draws[:-1], draws[1:], strict=True)]
        runs_with_signal += any(q <= fdr for q in sg.benjamini_hochberg(p))
    assert runs_with_signal / 200 <= fdr


def test_stable_figures_through_the_engine_give_no_signals(tmp_path):
    rng = random.Random(7)
    gen = np.random.default_rng(7)
    rows = []
    for code in ("GM0001", "WK000101", "WK000102", "WK000103"):
        for year in range(2015, 2025):
            rows.append(obs("wmo_reg_clients", code, f"{year}JJ00", int(gen.poisson(300 if code == "GM0001" else 90))))
    rng.shuffle(rows)
    found = of_kind(sg.compute(build(tmp_path / "w", rows)), "verandering")
    assert found == []


def test_a_small_count_wijk_does_not_signal_on_noise(tmp_path):
    # 6 -> 12 doubles, but with so few people that is within chance; the municipality is stable.
    rows = [obs("wmo_reg_clients", "WK000101", "2023JJ00", 6), obs("wmo_reg_clients", "WK000101", "2024JJ00", 12),
            obs("wmo_reg_clients", "WK000102", "2023JJ00", 300), obs("wmo_reg_clients", "WK000102", "2024JJ00", 305),
            obs("wmo_reg_clients", "GM0001", "2023JJ00", 306), obs("wmo_reg_clients", "GM0001", "2024JJ00", 317)]
    assert of_kind(sg.compute(build(tmp_path / "w", rows)), "verandering") == []


def test_suppressed_cells_never_appear_in_a_signal(tmp_path):
    # Zuid: 3 -> 4 is below the floor (hidden); Oost (smallest shown wijk) is hidden with it, so
    # nobody can subtract; both jump, and neither may show up anywhere.
    rows = []
    for year, (noord, zuid, oost) in {2023: (200, 3, 20), 2024: (420, 4, 60)}.items():
        p = f"{year}JJ00"
        rows += [obs("wmo_reg_clients", "WK000101", p, noord), obs("wmo_reg_clients", "WK000102", p, zuid),
                 obs("wmo_reg_clients", "WK000103", p, oost), obs("wmo_reg_clients", "GM0001", p, noord + zuid + oost)]
    rows += [obs("veilig_thuis_reports", "GM0001", "2023JJ00", 40), obs("veilig_thuis_reports", "GM0001", "2024JJ00", 8)]
    found = sg.compute(build(tmp_path / "w", rows))
    changes = of_kind(found, "verandering")
    assert {s.region_code for s in changes} == {"WK000101", "GM0001"}
    assert not any(s.region_code in ("WK000102", "WK000103") for s in found)
    assert not any(s.indicator_id == "veilig_thuis_reports" for s in found)  # 8 is below the strict floor
    text = " ".join(s.sentence + " " + s.rule for s in found)
    for hidden in ("Zuid", "Oost", " 60", " 8 "):
        assert hidden not in text


def test_outside_the_peers_range_signals_with_its_numbers(tmp_path):
    rows = []
    for code, rate in zip(["GM0001", *PEERS], [95.0, 50.0, 52.0, 55.0, 48.0, 51.0, 53.0, 49.0], strict=True):
        rows += [obs("wmo_clients_per_1000", code, "2024JJ00", rate), obs("population", code, "2024JJ00", 30000)]
    found = of_kind(sg.compute(build(tmp_path / "w", rows)), "vergelijking")
    assert [(s.region_code, s.period) for s in found] == [("GM0001", "2024JJ00")]
    s = found[0]
    assert s.numbers["laagste"] == 48.0 and s.numbers["hoogste"] == 55.0 and s.numbers["mediaan"] == 51.0
    assert s.numbers["afstand"] == pytest.approx((95 - 51) / (2 * 1.4826), rel=1e-3)
    assert "hoger dan bij alle vergelijkbare gemeenten" in s.sentence


def test_within_the_peers_range_does_not_signal(tmp_path):
    rows = []
    for code, rate in zip(["GM0001", *PEERS], [52.5, 50.0, 52.0, 55.0, 48.0, 51.0, 53.0, 49.0], strict=True):
        rows += [obs("wmo_clients_per_1000", code, "2024JJ00", rate), obs("population", code, "2024JJ00", 30000)]
    assert of_kind(sg.compute(build(tmp_path / "w", rows)), "vergelijking") == []


def test_a_goal_off_track_signals(tmp_path):
    # wmo_reg_wait_median: goal at most 30 days in 2026 from 39 in 2021; 45 days is worse than the start.
    rows = [obs("wmo_reg_wait_median", "GM0001", f"{y}JJ00", v) for y, v in ((2021, 39), (2022, 38), (2023, 36), (2024, 45))]
    found = of_kind(sg.compute(build(tmp_path / "w", rows)), "doel")
    assert len(found) == 1
    assert found[0].numbers["status"] == "niet op koers" and found[0].numbers["vorige_status"] == "aandacht"
    assert "niet op koers" in found[0].sentence and "aandacht" in found[0].sentence


def test_a_provisional_figure_revised_when_final(tmp_path):
    path = tmp_path / "w"
    first = build(path, [obs("wmo_reg_clients", "GM0001", "2024JJ00", 500, status="provisional")])
    second = build(path, [obs("wmo_reg_clients", "GM0001", "2024JJ00", 560)])
    assert sg.previous_release(second).id == first.release.id
    found = of_kind(sg.compute(second, previous=first), "herziening")
    assert len(found) == 1 and found[0].size == 12.0
    assert "was voorlopig 500 en is nu definitief 560" in found[0].sentence
    # within the revision threshold nothing signals
    loose = replace(second.settings, signals=SignalSettings(revision_pct=15.0))
    assert of_kind(sg.compute(Warehouse(second.release, loose), previous=first), "herziening") == []
    new = sg.whats_new(second)
    assert new.previous_id == first.release.id
    assert new.revised.select("old", "new").row(0) == (500.0, 560.0)
    assert [x.kind for x in new.new_signals] == ["herziening"]
    assert new.new_periods.is_empty()  # 2024 was there before, only its value changed


def test_a_recent_series_break_signals_and_its_jump_is_not_a_change(tmp_path):
    # jeugd_reg_clients has a break in 2022 (woonplaatsbeginsel).
    rows = [obs("jeugd_reg_clients", "GM0001", f"{y}JJ00", v) for y, v in ((2020, 800), (2021, 810), (2022, 1200))]
    found = sg.compute(build(tmp_path / "w", rows))
    assert [(s.kind, s.period) for s in found if s.indicator_id == "jeugd_reg_clients"] == [("trendbreuk", "2022JJ00")]


def test_signals_are_cached_with_the_warehouse_and_ranked(tmp_path):
    rows = [obs("wmo_reg_clients", "GM0001", "2023JJ00", 400), obs("wmo_reg_clients", "GM0001", "2024JJ00", 800),
            obs("wmo_reg_clients", "WK000101", "2023JJ00", 200), obs("wmo_reg_clients", "WK000101", "2024JJ00", 260)]
    wh = build(tmp_path / "w", rows)
    first = sg.signals(wh)
    assert sg.signals(wh) is first
    assert [s.score for s in first] == sorted((s.score for s in first), reverse=True)
    top = first[0]
    assert top.region_code == "GM0001"
    assert top.score == pytest.approx(50 * top.effect + 30 * top.certainty + 20 * top.relevance, abs=0.05)


def _spending(budget: float) -> list[dict]:
    months = [obs("jeugd_reg_cost", "GM0001", f"{y}MM{m:02d}", 100_000.0) for y in (2023, 2024) for m in range(1, 13)]
    return [*months, obs("fin_jeugd_budget", "GM0001", "2024JJ00", budget)]


def test_a_law_spending_more_than_its_budget_signals(tmp_path):
    found = of_kind(sg.compute(build(tmp_path / "w", _spending(1_100_000.0))), "begroting")
    assert [(s.indicator_id, s.law, s.period) for s in found] == [("jeugd_reg_cost", "jeugd", "2024JJ00")]
    s = found[0]
    assert s.numbers["verwacht"] == 1_200_000 and s.numbers["begroting"] == 1_100_000 and s.size == 9.1
    assert "meer dan begroot" in s.sentence and "+9,1%" in s.rule


def test_spending_within_the_budget_margin_does_not_signal(tmp_path):
    assert of_kind(sg.compute(build(tmp_path / "w", _spending(1_190_000.0))), "begroting") == []
