"""The parts every signal rule shares: the kinds and the Signal record, the two statistical tests,
and the suppressed inputs (split from :mod:`queries.signals`, which documents the rules)."""


from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from domain import formatting as fmt
from queries import Warehouse, protection
from warehouse.releases import Release, release_by_id

KINDS = {
    "verandering": "Verandering",
    "vergelijking": "Anders dan vergelijkbare gemeenten",
    "doel": "Doel",
    "verwachting": "Anders dan verwacht in de wijk",
    "herziening": "Cijfer herzien",
    "trendbreuk": "Trendbreuk",
    "begroting": "Boven de begroting",
}
RATE_SCALES = {"percent": 100.0, "per_1000": 1000.0}
# How much each part weighs in the score (they add up to 100).
WEIGHTS = {"effect": 50, "certainty": 30, "relevance": 20}
EXACT_LIMIT = 1000  # above this total the normal approximation of the binomial is exact enough
CACHE_FILE = "signals.json"  # in the release's directory, written after publication
ENGINE_VERSION = 2  # raise when a rule changes: stored signals of older releases are then computed again


@dataclass
class Signal:
    kind: str
    indicator_id: str
    title: str
    law: str
    region_code: str
    region_name: str
    period: str
    sentence: str
    rule: str                       # the rule, in plain words, with its numbers filled in
    size: float                     # the effect: relative change, robust distance, ratio, revision share
    numbers: dict = field(default_factory=dict)
    p_value: float | None = None
    q_value: float | None = None
    effect: float = 0.0             # 0..1 parts of the score
    certainty: float = 0.0
    relevance: float = 0.0

    @property
    def score(self) -> float:
        return round(WEIGHTS["effect"] * self.effect + WEIGHTS["certainty"] * self.certainty
                     + WEIGHTS["relevance"] * self.relevance, 1)

    @property
    def key(self) -> str:
        """Stable identity across releases: the same signal in the next release has the same key."""
        return f"{self.kind}|{self.indicator_id}|{self.region_code}|{self.period}"


# --------------------------------------------------------------------------------------------
# Statistics (no scipy: the two tests needed are a few lines each)
# --------------------------------------------------------------------------------------------

def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value: the chance of an outcome at most as likely as ``k``."""
    if n <= 0 or p <= 0 or p >= 1:
        return 1.0
    if n > EXACT_LIMIT:
        sd = math.sqrt(n * p * (1 - p))
        z = max(0.0, abs(k - n * p) - 0.5) / sd
        return min(1.0, math.erfc(z / math.sqrt(2)))
    # log pmf of 0..n by the recurrence pmf(i+1) = pmf(i) x (n-i)/(i+1) x p/(1-p): one vector, no loop
    i = np.arange(n)
    log_pmf = n * math.log1p(-p) + np.concatenate(
        ([0.0], np.cumsum(np.log((n - i) / (i + 1)) + math.log(p / (1 - p)))))
    pmf = np.exp(log_pmf)
    return float(min(1.0, pmf[log_pmf <= log_pmf[k] + 1e-7].sum()))


def change_test(old: float, new: float, old_base: float | None = None, new_base: float | None = None) -> float:
    """p-value for 'new differs from old more than chance' (counts, or numerators with their bases)."""
    x_old, x_new = round(old), round(new)
    p = 0.5 if not old_base or not new_base else new_base / (old_base + new_base)
    return binomial_two_sided(x_new, x_old + x_new, p)


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Adjusted p-values (q-values): a signal at q <= alpha keeps the false-discovery rate at alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q_values = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q_values[i] = running
    return q_values


def robust_distance(value: float, others: list[float]) -> float | None:
    """(value - median) / (1.4826 x MAD) of ``others``; None when they have no spread."""
    s = pl.Series(others, dtype=pl.Float64)
    med = s.median()
    mad = (s - med).abs().median() * 1.4826
    if not mad:
        return None
    return (value - med) / mad


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

def _observations(wh: Warehouse, region_codes: list[str], indicator_ids: set[str] | None = None) -> pl.DataFrame:
    """Suppressed totals per year and quarter: a hidden cell has no value and is never tested.
    ``indicator_ids``: only these (suppression, the costly part, is then decided for their groups only)."""
    return protection.suppressed(wh, _unsuppressed(wh, region_codes, indicator_ids))


def _unsuppressed(wh: Warehouse, region_codes: list[str], indicator_ids: set[str] | None = None, *,
                  read: list[str] | None = None) -> pl.DataFrame:
    """The rows of :func:`_observations` before suppression. ``read``: the regions to read (a superset of
    ``region_codes``), so that several calls share one scan of the observations: each scan reads the
    whole file, which is sorted by indicator, not by region."""
    df = wh.run("signal_observations", region_codes=sorted(read or region_codes))
    if read is not None:
        df = df.filter(pl.col("region_code").is_in(sorted(region_codes)))
    if indicator_ids is not None:
        df = df.filter(pl.col("indicator_id").is_in(sorted(indicator_ids)))
    return df


def _provisional(wh: Warehouse, region_codes: list[str]) -> pl.DataFrame:
    """The provisional rows of :func:`_observations` (all a revision compares with), suppressed as in
    that release. Only their figure groups are protected: whether a cell is hidden depends on its
    group and municipality alone, not on which other rows are asked for."""
    raw = _unsuppressed(wh, region_codes)
    return protection.suppressed(wh, raw.filter(pl.col("status") == "provisional"))


def _peer_tested(cat: dict[str, dict]) -> set[str]:
    """The figures the peer rule compares: rates and percentages, no context."""
    return {i for i, m in cat.items() if m["unit"] not in ("count", "euro") and m["law"] != "context"}


def _numerator(value: float, base: float | None, unit: str) -> float | None:
    scale = RATE_SCALES.get(unit)
    if scale is None or not base:
        return None
    return value * base / scale


def _relevance(row: dict) -> float:
    if row.get("goal_json"):
        return 1.0
    return 0.6 if row.get("headline") else 0.3


def _num(v: float, unit: str) -> str:
    return fmt.value(v, unit)


def _pct(pct: float) -> str:
    return ("+" if pct > 0 else "") + fmt.number(pct, 1) + "%"


def _period_word(period: str) -> str:
    return fmt.period_label(period)


def previous_release(wh: Warehouse) -> Release | None:
    """The release this one was built on (release.json ``previous``); None for the first or a removed one."""
    previous = wh.meta.get("previous")
    return release_by_id(wh.release.path.parent.parent, previous) if previous else None
