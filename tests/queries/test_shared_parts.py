"""Figures that are the same for every visitor are built once per release (``Warehouse.part``): the second
call runs no query and no suppression, a new release answers with its own figures, other parameters get
their own entry, and a caller who changes its copy changes nobody else's."""

from __future__ import annotations

from collections import Counter

import polars as pl
import pytest

from queries import Warehouse, finance, protection
from queries import figures as q
from tests.conftest import obs, small_observations
from tests.support.warehouse import publish_small

META = {"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": ["GM0002", "GM0003"]}
RATE = "wmo_clients_per_1000"


def _money_rows(cost: float) -> list[dict]:
    rows = [obs("jeugd_reg_cost", "GM0001", f"2025MM{m:02d}", cost) for m in range(1, 7)]
    rows += [obs("jeugd_reg_cost", "GM0001", f"2024KW{k:02d}", 300.0) for k in range(1, 5)]
    return rows + [obs("fin_jeugd_budget", "GM0001", "2025JJ00", 1000.0)]


def _publish(path, *, rate_2024: float = 48.0, cost: float = 100.0) -> Warehouse:
    base = small_observations().with_columns(
        value=pl.when((pl.col("indicator_id") == RATE) & (pl.col("region_code") == "GM0001")
                      & (pl.col("period") == "2024JJ00")).then(rate_2024).otherwise(pl.col("value")))
    rows = pl.concat([base, pl.DataFrame(_money_rows(cost)).cast(base.schema)])
    publish_small(path, rows, peers=META["peers"])
    return Warehouse.open(path)


@pytest.fixture
def counted(monkeypatch):
    """Counts of warehouse queries (by SQL name) and of suppression runs, over every Warehouse."""
    calls: Counter = Counter()
    run, suppressed = Warehouse.run, protection.suppressed

    def counting_run(self, name, **params):
        calls[name] += 1
        return run(self, name, **params)

    def counting_suppressed(wh, df):
        calls["suppressed"] += 1
        return suppressed(wh, df)

    monkeypatch.setattr(Warehouse, "run", counting_run)
    monkeypatch.setattr(protection, "suppressed", counting_suppressed)
    return calls


def _value(df: pl.DataFrame, region: str, period: str):
    return df.filter((pl.col("region_code") == region) & (pl.col("period") == period))["value"].item()


def test_a_series_is_queried_and_suppressed_once_per_release(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    first = q.series(wh, RATE, ["GM0001", "WK000102"])
    runs = dict(counted)
    again = q.series(wh, RATE, ["GM0001", "WK000102"])
    assert counted == runs and runs["series"] == 1 and runs["suppressed"] == 1
    assert again.equals(first)
    assert _value(again, "WK000102", "2024JJ00") is None  # still suppressed (a base of 40 people)

    newer = _publish(tmp_path / "wh", rate_2024=51.0)
    assert newer.release.id != wh.release.id
    assert _value(q.series(newer, RATE, ["GM0001"]), "GM0001", "2024JJ00") == 51.0
    assert _value(q.series(wh, RATE, ["GM0001"]), "GM0001", "2024JJ00") == 48.0


def test_other_parameters_of_a_series_get_their_own_entry(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    own = q.series(wh, RATE, ["GM0001"])
    peers = q.series(wh, RATE, ["GM0002", "GM0003"])
    assert counted["series"] == 2
    assert set(own["region_code"]) == {"GM0001"} and set(peers["region_code"]) == {"GM0002", "GM0003"}
    quarters = q.series(wh, "jeugd_reg_cost", ["GM0001"], period_kind="KW")
    months = q.series(wh, "jeugd_reg_cost", ["GM0001"], period_kind="MM")
    assert counted["series"] == 4
    assert quarters.height == 4 and months.height == 6


def test_a_caller_changing_its_series_does_not_change_the_next_callers(tmp_path):
    wh = _publish(tmp_path / "wh")
    mine = q.series(wh, RATE, ["GM0001"])
    mine.drop_in_place("value")
    mine.insert_column(0, pl.Series("extra", [1] * mine.height))
    theirs = q.series(wh, RATE, ["GM0001"])
    assert "value" in theirs.columns and "extra" not in theirs.columns
    assert _value(theirs, "GM0001", "2024JJ00") == 48.0


def test_headline_figures_are_built_once_per_release_law_and_year(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    tiles = q.headline(wh, "wmo", 2024)
    runs = dict(counted)
    assert q.headline(wh, "wmo", 2024).equals(tiles)
    assert counted == runs and runs["figures_for_year"] == 1
    last_year = q.headline(wh, "wmo", 2023)
    assert counted["figures_for_year"] == 2
    assert _row(tiles, RATE)["value"] == 48.0 and _row(last_year, RATE)["value"] == 48.0
    assert _row(tiles, RATE)["national"] == 56.5 and _row(last_year, RATE)["national"] == 55.5

    newer = _publish(tmp_path / "wh", rate_2024=51.0)
    assert _row(q.headline(newer, "wmo", 2024), RATE)["value"] == 51.0


def _row(df: pl.DataFrame, indicator_id: str) -> dict:
    return df.filter(pl.col("id") == indicator_id).row(0, named=True)


def test_wijk_values_are_built_once_per_indicator_and_year(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    a = q.wijk_values(wh, "wmo_reg_clients", 2024)
    q.wijk_values(wh, "wmo_reg_clients", 2024)
    assert counted["wijk_values"] == 1
    b = q.wijk_values(wh, "wmo_reg_clients", 2023)
    assert counted["wijk_values"] == 2
    assert _value(a, "WK000101", "2024JJ00") == 130 and _value(b, "WK000101", "2023JJ00") == 120
    assert _value(a, "WK000102", "2024JJ00") is None  # 3 people: hidden, also when shared


def test_the_law_prognosis_is_worked_out_once_per_release_law_and_month(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    prog = finance.law_prognosis(wh, "jeugd")
    runs = dict(counted)
    assert finance.law_prognosis(wh, "jeugd") == prog
    assert counted == runs
    # 600 spent by June; last year's quarters say half the year: 1200 expected against a budget of 1000.
    assert (prog.to_date, prog.expected, prog.budget) == (600.0, pytest.approx(1200.0), 1000.0)
    march = finance.law_prognosis(wh, "jeugd", month=3)
    assert march.month == 3 and march.to_date == 300.0
    assert finance.law_prognosis(wh, "wmo") is None  # no registry cost for the Wmo here

    prog.shares.clear()  # a caller's copy is its own
    assert finance.law_prognosis(wh, "jeugd").shares == {2024: 0.5}

    newer = _publish(tmp_path / "wh", cost=200.0)
    assert finance.law_prognosis(newer, "jeugd").to_date == 1200.0
    assert finance.law_prognosis(wh, "jeugd").to_date == 600.0
