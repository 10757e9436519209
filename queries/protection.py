"""Which cells a page may not show: small-number rules, then secondary suppression, decided per
(group of linked indicators, protection unit) over every figure of the unit and kept with the release.

A unit is a municipality with its wijken and buurten, or, in a region, the region with all its members and
their areas (so a hidden member cannot be worked out as the region total minus the others). The goals in
the catalogue play no part here, so the release's own catalogue is read, not a member's view of it.
"""

from __future__ import annotations

import threading
import weakref

import polars as pl

from domain import secondary
from domain.suppression import protect, protection_units, suppress
from queries import Warehouse


def suppressed(wh: Warehouse, df: pl.DataFrame) -> pl.DataFrame:
    """Small-number rules, then every cell that secondary suppression hides (see domain/secondary.py).
    Which cells are hidden is decided over all figures of the municipality, or of a region and its members
    (every area level, period and breakdown), so pages that each show a part can never be combined to recompute a hidden cell."""
    df = suppress(df, wh.run("indicators"), wh.settings)
    if df.is_empty():
        return df
    hidden = _hidden_cells(wh, df)
    on = [k for k in secondary.KEYS if k in df.columns]
    if "breakdown" not in df.columns:  # frames of totals only
        hidden = hidden.filter(pl.col("breakdown") == "")
    hit = pl.col("_hidden").fill_null(False)
    out = df.join(hidden.select(*on, "_hidden").unique(on), on=on, how="left", maintain_order="left")
    # The base behind a figure goes with a hidden figure; behind a count or amount it is a count of
    # people of another indicator (clients behind euros) that may be hidden there, so it never leaves.
    no_base = hit | pl.col("value").is_null() | pl.col("indicator_id").is_in(sorted(_secondary_meta(wh)["additive"]))
    return out.with_columns(
        value=pl.when(hit).then(None).otherwise(pl.col("value")),
        status=pl.when(hit).then(pl.lit("suppressed")).otherwise(pl.col("status")),
        denominator=pl.when(no_base).then(None).otherwise(pl.col("denominator")),
    ).drop("_hidden")


def _secondary_meta(wh: Warehouse) -> dict:
    """What secondary suppression reads from the catalogue (additive figures, rates' counts and bases,
    links between indicators), worked out once per release instead of on every query."""
    def build() -> dict:
        cat = wh.run("indicators")
        return {"additive": secondary.additive_ids(cat), "numerators": secondary.numerators(cat),
                "links": secondary.links(cat), "dens": dict(zip(cat["id"], cat["denominator_id"], strict=True))}
    return wh.root.memo("secondary_meta", build)  # the same for every member


def _units(wh: Warehouse) -> tuple[pl.DataFrame | None, dict[str, str]]:
    """The memberships (None before they existed) and the unit of a region's codes (its members and itself)."""
    mem = wh.run("memberships") if (wh.release.path / "memberships.parquet").exists() else None
    return mem, wh.root.memo("protection_units", lambda: protection_units(mem))


def _needs(wh: Warehouse, df: pl.DataFrame) -> tuple[list[tuple[frozenset[str], str]], dict[str, list[str]]]:
    """What deciding the hidden cells of ``df`` takes: the (indicator group, unit: a municipality, or a region
    with its members) pairs protected together, and per rate in ``df`` the counts (own count, base) it goes with."""
    meta = _secondary_meta(wh)
    additive, numerators, dens = meta["additive"], meta["numerators"], meta["dens"]
    wanted = set(df["indicator_id"])
    bases = {i: [b for b in (numerators.get(i), dens.get(i)) if b in additive] for i in wanted - additive}
    needed = (wanted & additive) | {b for bs in bases.values() for b in bs}
    regs = wh.run("regions").filter(pl.col("region_code").is_in(df["region_code"].unique().implode()))
    units = _units(wh)[1]  # the region's own row has no gemeente_code: mapped to its unit here
    codes = {*regs["gemeente_code"].drop_nulls(), *(set(regs["region_code"]) & set(units))}
    gemeenten = sorted({units.get(c, c) for c in codes})
    groups = [frozenset(g) for g in secondary.groups(needed, meta["links"])]
    return [(g, gm) for g in groups for gm in gemeenten], bases


def _hidden_cells(wh: Warehouse, df: pl.DataFrame) -> pl.DataFrame:
    """Keys of the hidden cells of ``df``'s indicators in its regions' units; a rate is hidden where its count is."""
    pairs, bases = _needs(wh, df)
    frames = _protected_many(wh, pairs)
    hidden = pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(secondary.KEYS, pl.String))
    # Rates: hidden wherever their count or base is hidden in the same region and period.
    rates = [hidden.filter(pl.col("indicator_id") == b, pl.col("breakdown") == "").with_columns(indicator_id=pl.lit(r))
             for r, bs in bases.items() for b in bs]
    return pl.concat([hidden, *rates]).with_columns(_hidden=pl.lit(True))


def protect_ahead(wh: Warehouse, frames: list[pl.DataFrame]) -> None:
    """Decide at once the hidden cells that suppressing each of ``frames`` (query results, before
    :func:`suppressed`) will need: one query and one protection run instead of one per frame. Only
    speed changes; the cells hidden are the same."""
    pairs = [p for df in frames if not df.is_empty() for p in _needs(wh, df)[0]]
    _protected_many(wh, list(dict.fromkeys(pairs)))


_PROTECTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PROTECTED_LOCK = threading.Lock()


def _protected(wh: Warehouse, group: frozenset[str], unit: str) -> pl.DataFrame:
    return _protected_many(wh, [(group, unit)])[0]  # one group in one unit, computed once per release


def _protected_many(wh: Warehouse, pairs: list[tuple[frozenset[str], str]]) -> list[pl.DataFrame]:
    """The hidden cells of each (group of indicators, unit) pair, each computed once per release. The pairs
    not yet known are computed together (one query, one protection run). No sum crosses two pairs (a group
    holds every indicator linked to its own, a unit's areas add up within it), so each is as if run alone."""
    s = wh.settings
    def key(pair):
        return (*pair, s.min_count, s.min_count_strict, s.min_denominator)
    with _PROTECTED_LOCK:
        known = _PROTECTED.setdefault(wh.root, {})
        missing = [p for p in dict.fromkeys(pairs) if key(p) not in known]
    if missing:
        found = _protect_pairs(wh, missing)
        with _PROTECTED_LOCK:
            known = _PROTECTED.setdefault(wh.root, {})
            for pair, frame in found.items():
                known.setdefault(key(pair), frame)
    with _PROTECTED_LOCK:
        known = _PROTECTED.setdefault(wh.root, {})
        return [known[key(p)] for p in pairs]


def _protect_pairs(wh: Warehouse, pairs: list[tuple[frozenset[str], str]]) -> dict:
    """(group, unit) -> its hidden cells (secondary.KEYS), for all ``pairs`` in one run."""
    flat = [(n, gm, i) for n, (g, gm) in enumerate(pairs) for i in sorted(g)]
    mem, units = _units(wh)
    unit_of = units | {gm: gm for _, gm, _ in flat}  # a code asked as a unit of its own stays one
    cells = wh.run("protection_cells", pair_ids=[n for n, _, _ in flat], pair_units=[gm for _, gm, _ in flat],
                   pair_indicators=[i for _, _, i in flat], indicator_ids=sorted({i for _, _, i in flat}),
                   unit_codes=sorted(unit_of), unit_of=[unit_of[c] for c in sorted(unit_of)])
    # Each pair protected on its own (``partition``), all of them in one run; a region's members add up to it.
    out = protect(cells, wh.run("indicators"), wh.settings, wh.run("regions"), partition="pair", memberships=mem)
    # Hidden cells only: a figure the source lacks (status unknown) is no secret; it says "no figure".
    out = out.filter(pl.col("status") == "suppressed")
    parts = out.partition_by("pair", as_dict=True)
    empty = out.clear().select(secondary.KEYS)
    return {pair: parts[(n,)].select(secondary.KEYS) if (n,) in parts else empty for n, pair in enumerate(pairs)}
