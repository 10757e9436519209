"""Signalen: the figures that need the council's attention, each with its rule and its numbers.

Computed once per release from suppressed figures only (the query layer's frames): at publication by
:func:`after_publish` (the command line, the upload page and the demo build call it), kept as
``signals.json`` in the release's directory, and read from there by :func:`signals` (computed when the
file is missing or was made under other thresholds). The result is kept on the
:class:`~queries.Warehouse`, so every session of a release shares one result. Kinds:

* ``verandering`` – this year (or quarter) against the year before (the same quarter a year earlier),
  larger than chance: for counts an exact conditional Poisson test (given the total of both years, the
  latest count is binomial with p = 1/2), for rates the same test on the numerator given both
  denominators (p = d_new / (d_old + d_new)). All tests of a release together are corrected with
  Benjamini-Hochberg; a change must also be at least ``min_change_pct`` percent to count;
* ``vergelijking`` – the municipality or a wijk outside the range of the similar municipalities, or
  further than ``peer_mad`` robust units (MAD x 1.4826) from their median (rates only: a count of a big
  town is not comparable with that of a small one);
* ``doel`` – a goal whose status changed against the year before, or that is *niet op koers*;
* ``verwachting`` – a wijk whose observed/expected interval (Byar, 95%) lies wholly above or below 1;
* ``herziening`` – a figure that was provisional in the previous release and, now final, differs by
  more than ``revision_pct`` percent;
* ``trendbreuk`` – a series break in the latest ``break_years`` years of a figure;
* ``begroting`` – a law whose expected spending this year (the prognosis of the page Geld,
  :func:`queries.finance.law_prognosis`) is more than ``budget_pct`` percent over its budget.

Docs: docs/signals.md (methods, thresholds, what a signal does not mean).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from domain import formatting as fmt
from queries import Warehouse, finance, goals
from queries import comparison as cmp
from queries import figures as q
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
    return q._suppressed(wh, _unsuppressed(wh, region_codes, indicator_ids))


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
    return q._suppressed(wh, raw.filter(pl.col("status") == "provisional"))


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


# --------------------------------------------------------------------------------------------
# The kinds
# --------------------------------------------------------------------------------------------

def _changes(obs: pl.DataFrame, cat: dict[str, dict], s) -> list[Signal]:
    """Latest period against a year earlier, per indicator, region and kind of period."""
    shown = obs.filter(pl.col("value").is_not_null())
    latest = shown.group_by("indicator_id", "region_code", "period_kind").agg(pl.col("period").max())
    now = shown.join(latest, on=["indicator_id", "region_code", "period_kind", "period"])
    prev = shown.select("indicator_id", "region_code", period=pl.col("period"), old=pl.col("value"),
                        old_base=pl.col("denominator"))
    pairs = now.with_columns(prev_period=(pl.col("year") - 1).cast(pl.String) + pl.col("period").str.slice(4)).join(
        prev.rename({"period": "prev_period"}), on=["indicator_id", "region_code", "prev_period"])
    candidates, p_values = [], []
    for r in pairs.iter_rows(named=True):
        meta = cat.get(r["indicator_id"])
        if meta is None or meta["law"] == "context":
            continue
        unit = meta["unit"]
        breaks = {b["period"][:4] for b in meta["series_breaks"]}
        if str(r["year"]) in breaks:  # a jump at a series break is the break, not a change
            continue
        if unit == "count":
            old_x, new_x, bases = r["old"], r["value"], (None, None)
        elif unit in RATE_SCALES and r["old_base"] and r["denominator"]:
            old_x = _numerator(r["old"], r["old_base"], unit)
            new_x = _numerator(r["value"], r["denominator"], unit)
            bases = (r["old_base"], r["denominator"])
        else:
            continue  # amounts, days, averages: no counting model to test a change against
        if old_x is None or new_x is None or old_x + new_x < 1 or r["old"] == 0:
            continue
        p = change_test(old_x, new_x, *bases)
        candidates.append((r, meta, p))
        p_values.append(p)
    out = []
    for (r, meta, p), qv in zip(candidates, benjamini_hochberg(p_values), strict=True):
        unit = meta["unit"]
        pct = 100 * (r["value"] - r["old"]) / abs(r["old"])
        if qv > s.fdr or abs(pct) < s.min_change_pct:
            continue
        verb = "steeg" if pct > 0 else "daalde"
        noun = "stijging" if pct > 0 else "daling"
        what = "hetzelfde kwartaal een jaar eerder" if r["period_kind"] == "KW" else "het jaar ervoor"
        sentence = (f"{meta['title']} in {r['region_name']} {verb} van {_num(r['old'], unit)} naar "
                    f"{_num(r['value'], unit)} ({_period_word(r['period'])}); zo'n {noun} is geen toeval.")
        test = "Poisson-toets op de aantallen" if unit == "count" else "toets op de teller, gegeven de noemer"
        rule = (f"Vergeleken met {what} ({_period_word(r['prev_period'])}): {_pct(pct)} "
                f"({test}, p = {fmt.number(p, 4)}; na correctie voor {len(p_values)} toetsen q = {fmt.number(qv, 4)}). "
                f"Een signaal bij q ≤ {fmt.number(s.fdr, 2)} en minstens {fmt.number(s.min_change_pct)}% verschil.")
        out.append(Signal("verandering", r["indicator_id"], meta["title"], meta["law"], r["region_code"],
                          r["region_name"], r["period"], sentence, rule, round(pct, 1),
                          {"oud": r["old"], "nieuw": r["value"], "vorige_periode": r["prev_period"],
                           "procent": round(pct, 1)}, p, qv, effect=min(1.0, abs(pct) / 50),
                          certainty=max(0.0, 1 - qv / s.fdr), relevance=_relevance(meta)))
    return out


def _peer_outliers(obs: pl.DataFrame, cat: dict[str, dict], wh: Warehouse, s) -> list[Signal]:
    peers, tested = set(wh.peers), _peer_tested(cat)
    yearly = obs.filter((pl.col("period_kind") == "JJ") & pl.col("value").is_not_null())
    out = []
    for (indicator_id,), df in yearly.group_by("indicator_id"):
        meta = cat.get(indicator_id)
        if meta is None or indicator_id not in tested:
            continue
        own = df.filter(~pl.col("region_code").is_in(list(peers)))
        if own.is_empty():
            continue
        period = own.filter(pl.col("region_code") == wh.gemeente)["period"].max() or own["period"].max()
        peer_vals = df.filter(pl.col("region_code").is_in(list(peers)) & (pl.col("period") == period))["value"].to_list()
        if len(peer_vals) < s.min_peers:
            continue
        low, high = min(peer_vals), max(peer_vals)
        med = float(pl.Series(peer_vals).median())
        for r in own.filter(pl.col("period") == period).iter_rows(named=True):
            v = r["value"]
            dist = robust_distance(v, peer_vals)
            outside = v < low or v > high
            far = dist is not None and abs(dist) > s.peer_mad
            if not (outside or far):
                continue
            unit = meta["unit"]
            side = "hoger" if v > med else "lager"
            sentence = (f"{meta['title']} in {r['region_name']} is {_num(v, unit)} ({_period_word(period)}): "
                        f"{side} dan bij alle vergelijkbare gemeenten ({_num(low, unit)} tot {_num(high, unit)})."
                        if outside else
                        f"{meta['title']} in {r['region_name']} is {_num(v, unit)} ({_period_word(period)}): "
                        f"veel {side} dan bij vergelijkbare gemeenten (midden {_num(med, unit)}).")
            dist_text = "geen spreiding" if dist is None else fmt.number(abs(dist), 1)
            rule = (f"Vergelijkbare gemeenten ({len(peer_vals)}): van {_num(low, unit)} tot {_num(high, unit)}, "
                    f"mediaan {_num(med, unit)}. Afstand tot de mediaan: {dist_text} robuuste eenheden (MAD). "
                    f"Een signaal buiten het bereik of bij meer dan {fmt.number(s.peer_mad, 1)} eenheden.")
            size = abs(dist) if dist is not None else 0.0
            out.append(Signal("vergelijking", indicator_id, meta["title"], meta["law"], r["region_code"],
                              r["region_name"], period, sentence, rule, round(size, 1),
                              {"waarde": v, "laagste": low, "hoogste": high, "mediaan": med,
                               "afstand": None if dist is None else round(dist, 2), "aantal": len(peer_vals)},
                              effect=min(1.0, size / (2 * s.peer_mad)), certainty=1.0 if outside and far else 0.6,
                              relevance=_relevance(meta)))
    return out


def _goal_signals(obs: pl.DataFrame, cat: dict[str, dict], wh: Warehouse) -> list[Signal]:
    """Goals judged as on the Doelen page (same rules), on the figures already fetched."""
    own = obs.filter((pl.col("region_code") == wh.gemeente) & (pl.col("period_kind") == "JJ")
                     & pl.col("value").is_not_null())
    name = q.region_name(wh, wh.gemeente)
    out = []
    for indicator_id, meta in cat.items():
        goal = meta["goal"]
        if not goal or "gemeente" not in (meta.get("levels") or ""):
            continue
        rows = own.filter(pl.col("indicator_id") == indicator_id)
        points = list(zip(rows["year"].to_list(), rows["value"].to_list(), strict=True))
        if not points:
            continue
        now = goals.goal_status(goal, points)
        before = goals.goal_status(goal, [p for p in points if p[0] < now.latest_year])
        changed = before.status in goals.STATUSES and before.status != now.status
        if now.status != goals.OFF_TRACK and not changed:
            continue
        label = goal.get("label") or meta["title"]
        sentence = (f"Het doel '{label}' is {now.status} ({now.latest_year})."
                    + (f" Het jaar ervoor was het {before.status}." if changed else ""))
        rule = now.rule + (f" Vorig jaar: {before.status}." if changed else "")
        out.append(Signal("doel", indicator_id, meta["title"], meta["law"], wh.gemeente, name,
                          f"{now.latest_year}JJ00", sentence, rule, 1.0,
                          {"status": now.status, "vorige_status": before.status, "doel": label},
                          effect=1.0 if now.status == goals.OFF_TRACK else 0.6, certainty=1.0,
                          relevance=_relevance(meta)))
    return out


def _expectation_signals(wh: Warehouse, cat: dict[str, dict]) -> list[Signal]:
    out = []
    for key, m in cmp.USE_MEASURES.items():
        years = cmp.expectation_years(wh, key)
        if not years:
            continue
        exp = cmp.expected_use(wh, key, years[-1])
        if exp is None or exp.wijken.is_empty():
            continue
        meta = cat.get(m.observed_id, {})
        for r in exp.wijken.filter(pl.col("verdict").is_in(["hoger dan verwacht", "lager dan verwacht"])).iter_rows(
                named=True):
            ratio = r["ratio"]
            sentence = (f"{m.label} in {r['region_name']}: {fmt.number(r['value'])} mensen, terwijl je er "
                        f"{fmt.number(r['expected'])} zou verwachten op grond van de leeftijd van de inwoners "
                        f"({years[-1]}). Dat is {r['verdict']}.")
            rule = (f"Waargenomen / verwacht = {fmt.number(ratio, 2)}, 95%-interval {fmt.number(r['lower'], 2)} tot "
                    f"{fmt.number(r['upper'], 2)}. Een signaal als het hele interval boven of onder 1 ligt.")
            size = abs(math.log(ratio)) if ratio else 0.0
            out.append(Signal("verwachting", m.observed_id, meta.get("title", m.label), key, r["region_code"],
                              r["region_name"], f"{years[-1]}JJ00", sentence, rule, round(ratio, 2),
                              {"waargenomen": r["value"], "verwacht": round(r["expected"], 1), "ratio": round(ratio, 3),
                               "onder": round(r["lower"], 3), "boven": round(r["upper"], 3)},
                              effect=min(1.0, size / math.log(2)), certainty=1.0, relevance=_relevance(meta)))
    return out


def previous_release(wh: Warehouse) -> Release | None:
    """The release this one was built on (release.json ``previous``); None for the first or a removed one."""
    previous = wh.meta.get("previous")
    return release_by_id(wh.release.path.parent.parent, previous) if previous else None


def _revisions(obs: pl.DataFrame, prev_obs: pl.DataFrame, cat: dict[str, dict], s) -> list[Signal]:
    old = prev_obs.filter((pl.col("status") == "provisional") & pl.col("value").is_not_null()).select(
        "indicator_id", "region_code", "period", old=pl.col("value"))
    new = obs.filter((pl.col("status") == "final") & pl.col("value").is_not_null())
    out = []
    for r in new.join(old, on=["indicator_id", "region_code", "period"]).iter_rows(named=True):
        meta = cat.get(r["indicator_id"])
        if meta is None or not r["old"]:
            continue
        pct = 100 * (r["value"] - r["old"]) / abs(r["old"])
        if abs(pct) <= s.revision_pct:
            continue
        unit = meta["unit"]
        sentence = (f"{meta['title']} in {r['region_name']} ({_period_word(r['period'])}) was voorlopig "
                    f"{_num(r['old'], unit)} en is nu definitief {_num(r['value'], unit)}.")
        rule = (f"Voorlopig in de vorige release, definitief in deze: {_pct(pct)}. Een signaal bij meer dan "
                f"{fmt.number(s.revision_pct, 1)}% verschil.")
        out.append(Signal("herziening", r["indicator_id"], meta["title"], meta["law"], r["region_code"],
                          r["region_name"], r["period"], sentence, rule, round(pct, 1),
                          {"voorlopig": r["old"], "definitief": r["value"], "procent": round(pct, 1)},
                          effect=min(1.0, abs(pct) / 25), certainty=1.0, relevance=_relevance(meta)))
    return out


def _breaks(obs: pl.DataFrame, cat: dict[str, dict], wh: Warehouse, s) -> list[Signal]:
    own = obs.filter((pl.col("region_code") == wh.gemeente) & pl.col("value").is_not_null())
    last_year = dict(own.group_by("indicator_id").agg(pl.col("year").max()).iter_rows())
    name = q.region_name(wh, wh.gemeente)
    out = []
    for indicator_id, meta in cat.items():
        latest = last_year.get(indicator_id)
        for b in meta["series_breaks"]:
            year = int(b["period"][:4])
            if latest is None or not (latest - s.break_years < year <= latest):
                continue
            sentence = (f"{meta['title']}: vanaf {year} is anders geteld ({b['label']}). Vergelijk cijfers van "
                        f"voor en na {year} niet zomaar.")
            rule = (f"Trendbreuk in {year}; het laatste cijfer is van {latest}. Een trendbreuk in de laatste "
                    f"{s.break_years} jaar is een signaal.")
            out.append(Signal("trendbreuk", indicator_id, meta["title"], meta["law"], wh.gemeente, name,
                              b["period"], sentence, rule, float(latest - year), {"jaar": year, "laatste": latest},
                              effect=0.4, certainty=1.0, relevance=_relevance(meta)))
    return out


def _over_budget(wh: Warehouse, cat: dict[str, dict], s) -> list[Signal]:
    name = q.region_name(wh, wh.gemeente)
    out = []
    for law, parts in finance.LAWS.items():
        prog = finance.law_prognosis(wh, law) if parts["cost"] in cat else None
        if prog is None or prog.over_pct is None or prog.over_pct <= s.budget_pct:
            continue
        meta = cat[parts["cost"]]
        done = prog.month == 12
        sentence = (f"{meta['title']} in {name}: {'' if done else 'naar verwachting '}{_num(prog.expected, 'euro')} "
                    f"in {prog.year}, {_num(prog.over, 'euro')} meer dan begroot.")
        basis = ("de uitgaven van het hele jaar" if done else
                 f"de uitgaven tot en met {fmt.MONTHS[prog.month - 1]}, verwacht voor het hele jaar zoals op de pagina Geld")
        rule = (f"Uit de eigen registratie: {basis}, {_num(prog.expected, 'euro')}; begroting "
                f"{_num(prog.budget, 'euro')} ({_pct(prog.over_pct)}). Een signaal bij meer dan "
                f"{fmt.number(s.budget_pct, 1)}% boven de begroting.")
        out.append(Signal("begroting", parts["cost"], meta["title"], law, wh.gemeente, name, f"{prog.year}JJ00",
                          sentence, rule, round(prog.over_pct, 1),
                          {"verwacht": round(prog.expected), "begroting": round(prog.budget),
                           "procent": round(prog.over_pct, 1), "maand": prog.month},
                          effect=min(1.0, prog.over_pct / 20), certainty=1.0 if done else 0.6,
                          relevance=_relevance(meta)))
    return out


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def _catalogue(wh: Warehouse) -> dict[str, dict]:
    return {row["id"]: q.parsed(row) for row in q.catalogue(wh).iter_rows(named=True)}


def _own_regions(wh: Warehouse) -> list[str]:
    return [wh.gemeente, *q.wijken(wh)["region_code"].to_list()]


def compute(wh: Warehouse, *, previous: Warehouse | None = None) -> list[Signal]:
    """Every signal of the release, highest score first. ``previous``: the release before (for revisions)."""
    s = wh.settings.signals
    cat = _catalogue(wh)
    own = _own_regions(wh)
    # One scan for the municipality and its peers (a row's figure and base come from its own region),
    # the peers only for the figures compared with them; their suppression decided in one run.
    both = sorted(set(own) | set(wh.peers))
    raw = _unsuppressed(wh, own, read=both)
    raw_peers = _unsuppressed(wh, wh.peers, _peer_tested(cat), read=both) if wh.peers else raw.clear()
    q.protect_ahead(wh, [raw, raw_peers])
    obs, peer_obs = q._suppressed(wh, raw), q._suppressed(wh, raw_peers)
    found = _changes(obs, cat, s)
    found += _peer_outliers(pl.concat([obs, peer_obs]), cat, wh, s)
    found += _goal_signals(obs, cat, wh)
    found += _expectation_signals(wh, cat)
    if previous is not None:
        found += _revisions(obs, _provisional(previous, own), cat, s)
    found += _breaks(obs, cat, wh, s)
    found += _over_budget(wh, cat, s)
    return sorted(found, key=lambda x: (-x.score, x.kind, x.indicator_id, x.region_code))


def _with_previous(wh: Warehouse) -> list[Signal]:
    prev_release = previous_release(wh)
    prev = Warehouse(prev_release, wh.settings) if prev_release else None
    try:
        return compute(wh, previous=prev)
    finally:
        if prev is not None:
            prev.close()


def _fingerprint(wh: Warehouse) -> dict:
    """What the stored signals depend on besides the release: the engine, its thresholds, suppression."""
    s = wh.settings
    return {"engine": ENGINE_VERSION, "thresholds": asdict(s.signals), "previous": wh.meta.get("previous"),
            "suppression": [s.min_count, s.min_count_strict, s.min_denominator]}


def stored(wh: Warehouse) -> list[Signal] | None:
    """The signals kept in the release's directory at publication; None when absent or made under other
    settings (then they are computed again, never served stale)."""
    try:
        data = json.loads((wh.release.path / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("fingerprint") != _fingerprint(wh):
        return None
    return [Signal(**row) for row in data["signals"]]


def store(wh: Warehouse) -> list[Signal]:
    """Compute the release's signals and keep them in its directory (written whole, then renamed)."""
    found = _with_previous(wh)
    target = wh.release.path / CACHE_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": _fingerprint(wh), "signals": [asdict(x) for x in found]}),
                   encoding="utf-8")
    tmp.replace(target)
    return found


def _ensure_stored(wh: Warehouse) -> list[Signal]:
    found = stored(wh)
    return found if found is not None else store(wh)


def after_publish(warehouse_dir: Path) -> int:
    """The post-publication step (command line, upload page, demo build): the current release's signals,
    and those of the release before (what is new is told against them), each computed once and kept
    with its release. Returns how many the current release has."""
    wh = Warehouse.open(warehouse_dir)
    if wh is None:
        return 0
    try:
        prev_release = previous_release(wh)
        if prev_release is not None:  # normally stored at its own publication; the demo builds several at once
            prev = Warehouse(prev_release, wh.settings)
            try:
                _ensure_stored(prev)
            finally:
                prev.close()
        return len(_ensure_stored(wh))
    finally:
        wh.close()


def signals(wh: Warehouse) -> list[Signal]:
    """The release's signals: read from its directory (computed at publication), else computed here;
    kept with the Warehouse either way, so all sessions share one result."""
    def build() -> list[Signal]:
        found = stored(wh)
        return found if found is not None else _with_previous(wh)
    return wh.memo("signals", build)


def counts(wh: Warehouse) -> dict[str, int]:
    """How many signals each figure carries (the mark on its tile and chart)."""
    def build() -> dict[str, int]:
        out: dict[str, int] = {}
        for x in signals(wh):
            out[x.indicator_id] = out.get(x.indicator_id, 0) + 1
        return out
    return wh.memo("signal_counts", build)


def as_frame(found: list[Signal]) -> pl.DataFrame:
    """One row per signal, with the score and its parts (for tables and exports)."""
    schema = {"key": pl.String, "kind": pl.String, "indicator_id": pl.String, "title": pl.String, "law": pl.String,
              "region_code": pl.String, "region_name": pl.String, "period": pl.String, "sentence": pl.String,
              "rule": pl.String, "size": pl.Float64, "score": pl.Float64, "effect": pl.Float64,
              "certainty": pl.Float64, "relevance": pl.Float64}
    rows = [{**{k: v for k, v in asdict(x).items() if k in schema}, "key": x.key, "score": x.score} for x in found]
    return pl.DataFrame(rows, schema=schema)


@dataclass
class WhatsNew:
    previous_id: str | None
    new_periods: pl.DataFrame     # indicator_id, title, period: periods this release has and the previous had not
    revised: pl.DataFrame         # indicator_id, title, region_name, period, old, new
    new_signals: list[Signal]


def whats_new(wh: Warehouse) -> WhatsNew:
    """What changed since the previous release: new periods, revised figures of the municipality, new signals."""
    def build() -> WhatsNew:
        prev_release = previous_release(wh)
        cat = {i: m["title"] for i, m in _catalogue(wh).items()}
        empty_periods = pl.DataFrame(schema={"indicator_id": pl.String, "title": pl.String, "period": pl.String})
        empty_rev = pl.DataFrame(schema={"indicator_id": pl.String, "title": pl.String, "region_name": pl.String,
                                         "period": pl.String, "old": pl.Float64, "new": pl.Float64})
        if prev_release is None:
            return WhatsNew(None, empty_periods, empty_rev, [])
        prev = Warehouse(prev_release, wh.settings)
        try:
            now = _observations(wh, [wh.gemeente]).filter(pl.col("value").is_not_null())
            before = _observations(prev, [wh.gemeente]).filter(pl.col("value").is_not_null())
            kept = stored(prev)
            old_signals = {x.key for x in (compute(prev) if kept is None else kept)}
        finally:
            prev.close()
        keys = ["indicator_id", "region_code", "period"]
        titles = pl.DataFrame({"indicator_id": list(cat), "title": list(cat.values())})
        periods = (now.select("indicator_id", "period").unique()
                   .join(before.select("indicator_id", "period").unique(), on=["indicator_id", "period"], how="anti")
                   .join(titles, on="indicator_id").select("indicator_id", "title", "period").sort("period", "title"))
        revised = now.join(before.select(*keys, old=pl.col("value")), on=keys).filter(
            (pl.col("value") - pl.col("old")).abs() > 1e-9).join(titles, on="indicator_id").select(
            "indicator_id", "title", "region_name", "period", "old", new=pl.col("value")).sort("title", "period")
        fresh = [x for x in signals(wh) if x.key not in old_signals]
        return WhatsNew(prev_release.id, periods, revised, fresh)
    return wh.memo("whats_new", build)
