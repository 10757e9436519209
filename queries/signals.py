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
* ``doel`` – a goal whose status changed against the year before, or that is *niet op koers* (a goal with
  a target) or goes *de verkeerde kant op* (a goal with a direction only);
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
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from queries import Warehouse, protection
from queries import figures as q
from queries.signal_kinds import (
    _breaks,
    _changes,
    _expectation_signals,
    _goal_signals,
    _over_budget,
    _peer_outliers,
    _revisions,
)
from queries.signal_rules import (  # noqa: F401  (part of this module's public names)
    CACHE_FILE,
    ENGINE_VERSION,
    EXACT_LIMIT,
    KINDS,
    RATE_SCALES,
    WEIGHTS,
    Signal,
    _observations,
    _peer_tested,
    _provisional,
    _unsuppressed,
    benjamini_hochberg,
    binomial_two_sided,
    change_test,
    previous_release,
    robust_distance,
)


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
    protection.protect_ahead(wh, [raw, raw_peers])
    obs, peer_obs = protection.suppressed(wh, raw), protection.suppressed(wh, raw_peers)
    found = _changes(obs, cat, s)
    found += _peer_outliers(pl.concat([obs, peer_obs]), cat, wh, s)
    found += _goal_signals(obs, cat, wh)
    found += _expectation_signals(wh, cat)
    if previous is not None:
        found += _revisions(obs, _provisional(previous, own), cat, s)
    found += _breaks(obs, cat, wh, s)
    found += _over_budget(wh, cat, s)
    return sorted(found, key=lambda x: (-x.score, x.kind, x.indicator_id, x.region_code))


def cache_file(wh: Warehouse) -> str:
    """The file in the release's directory that keeps the signals of the municipality ``wh`` is about: the
    home municipality keeps the old name (``signals.json``), another member of a region its own
    (``signals-GM1234.json``)."""
    if wh.gemeente == wh.root.gemeente:
        return CACHE_FILE
    stem, dot, ext = CACHE_FILE.rpartition(".")
    return f"{stem}-{wh.gemeente}{dot}{ext}"


def _member_of(prev: Warehouse, wh: Warehouse) -> Warehouse:
    """The previous release as seen from the member ``wh`` is about (the release itself when that member
    was not in it yet: then the home municipality's figures are no older version of this member's)."""
    return prev.for_member(wh.gemeente) if wh.gemeente in prev.members else prev


def _with_previous(wh: Warehouse) -> list[Signal]:
    prev_release = previous_release(wh)
    prev = Warehouse(prev_release, wh.settings) if prev_release else None
    try:
        if prev is not None and wh.gemeente not in prev.members:
            return compute(wh)  # a member new in this release: nothing of it to revise
        return compute(wh, previous=None if prev is None else _member_of(prev, wh))
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
        data = json.loads((wh.release.path / cache_file(wh)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("fingerprint") != _fingerprint(wh):
        return None
    return [Signal(**row) for row in data["signals"]]


def store(wh: Warehouse) -> list[Signal]:
    """Compute the signals of the release's municipality ``wh`` is about and keep them in the release's
    directory (written whole, then renamed)."""
    found = _with_previous(wh)
    target = wh.release.path / cache_file(wh)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": _fingerprint(wh), "signals": [asdict(x) for x in found]}),
                   encoding="utf-8")
    tmp.replace(target)
    return found


def _ensure_stored(wh: Warehouse) -> list[Signal]:
    found = stored(wh)
    return found if found is not None else store(wh)


# A region's members each get their signals at publication. A national installation (hundreds of members)
# would wait minutes for that: there only the home member's are stored, another member's are computed at
# its first visit and kept with the release (docs/benchmarks.md).
MEMBERS_AT_PUBLICATION = 12


def _stored_members(wh: Warehouse) -> list[str]:
    members = wh.members or [wh.gemeente]
    return members if len(members) <= MEMBERS_AT_PUBLICATION else members[:1]


def after_publish(warehouse_dir: Path) -> int:
    """The post-publication step (command line, upload page, demo build): the current release's signals,
    and those of the release before (what is new is told against them), each computed once and kept
    with its release; in a region for every member (:data:`MEMBERS_AT_PUBLICATION`). Returns how many the
    current release has (the stored members together)."""
    wh = Warehouse.open(warehouse_dir)
    if wh is None:
        return 0
    try:
        prev_release = previous_release(wh)
        if prev_release is not None:  # normally stored at its own publication; the demo builds several at once
            prev = Warehouse(prev_release, wh.settings)
            try:
                for member in _stored_members(prev):
                    _ensure_stored(prev.for_member(member))
            finally:
                prev.close()
        return sum(len(_ensure_stored(wh.for_member(member))) for member in _stored_members(wh))
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
        prev_root = Warehouse(prev_release, wh.settings)
        try:
            prev = _member_of(prev_root, wh)
            now = _observations(wh, [wh.gemeente]).filter(pl.col("value").is_not_null())
            before = _observations(prev, [wh.gemeente]).filter(pl.col("value").is_not_null())
            if prev.gemeente == wh.gemeente:
                kept = stored(prev)
                old_signals = {x.key for x in (compute(prev) if kept is None else kept)}
            else:  # a member new in this release: every signal of it is new
                old_signals = set()
        finally:
            prev_root.close()
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
