"""The signal rules, one function per kind (documented in :mod:`queries.signals`)."""

from __future__ import annotations

import math

import polars as pl

from domain import formatting as fmt
from queries import Warehouse, finance, goals
from queries import comparison as cmp
from queries import figures as q
from queries.signal_rules import (
    RATE_SCALES,
    Signal,
    _num,
    _numerator,
    _pct,
    _peer_tested,
    _period_word,
    _relevance,
    benjamini_hochberg,
    change_test,
    robust_distance,
)


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
        now = goals.goal_status(goal, points, better=meta.get("direction"))
        before = goals.goal_status(goal, [p for p in points if p[0] < now.latest_year], better=meta.get("direction"))
        changed = before.status in goals.STATUSES and before.status != now.status
        if now.status not in goals.WORRYING and not changed:
            continue
        label = goal.get("label") or meta["title"]
        sentence = (f"Het doel '{label}' {goals.phrase(now.status)} ({now.latest_year})."
                    + (f" Het jaar ervoor: {before.status}." if changed else ""))
        rule = now.rule + (f" Vorig jaar: {before.status}." if changed else "")
        out.append(Signal("doel", indicator_id, meta["title"], meta["law"], wh.gemeente, name,
                          f"{now.latest_year}JJ00", sentence, rule, 1.0,
                          {"status": now.status, "vorige_status": before.status, "doel": label},
                          effect=1.0 if now.status in goals.WORRYING else 0.6, certainty=1.0,
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
