"""What a staged (or restored) release changes against the current one, in Dutch, before anyone confirms it.

Read only: :func:`preview` compares two releases; :mod:`warehouse.publication` confirms or restores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from domain import formatting  # Dutch numbers and periods; Streamlit-free, imports nothing of the app
from warehouse.releases import OBSERVATION_KEY, Release, current_release, empty_observations, members_of, region_of

# A figure of the home municipality that moves by more than this share is named in the preview.
PREVIEW_THRESHOLD = 0.25


@dataclass
class Change:
    """One figure of the home municipality that moves by more than the threshold (or disappears)."""

    indicator_id: str
    title: str
    unit: str
    period: str
    old: float | None
    new: float | None
    old_status: str
    new_status: str | None
    where: str = ""  # the member (or region) the figure is of, in a release of several municipalities

    def text(self) -> str:
        new = "geen cijfer meer" if self.new_status is None else formatting.value(self.new, self.unit,
                                                                                  self.new_status)
        return (f"{self.where + ': ' if self.where else ''}{self.title} {formatting.period_label(self.period)}: "
                f"{formatting.value(self.old, self.unit, self.old_status)} → {new}")


@dataclass
class Preview:
    release_id: str
    current_id: str | None
    added: int = 0
    replaced: int = 0
    dropped: int = 0
    unchanged: int = 0
    # source id -> {"added"|"replaced"|"dropped": sorted period codes}
    periods: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    more_changes: int = 0
    notes: list[str] = field(default_factory=list)
    # member name -> figures of it (and its wijken and buurten) added, replaced or dropped (several members)
    members: dict[str, int] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.replaced or self.dropped or self.notes)

    def lines(self) -> list[str]:
        """The preview in Dutch, one line per fact, for the command line and the upload page."""

        def n(x: int) -> str:
            return formatting.number(x)

        def plist(codes: list[str]) -> str:
            shown = ", ".join(formatting.period_label(c) for c in codes[:8])
            return shown + (f" en {len(codes) - 8} meer" if len(codes) > 8 else "")

        out = [f"Cijfers: {n(self.added)} nieuw, {n(self.replaced)} vervangen, {n(self.dropped)} vervallen, "
               f"{n(self.unchanged)} gelijk."]
        if self.members:
            out.append("Veranderde cijfers per gemeente: "
                       + ", ".join(f"{name} {n(k)}" for name, k in self.members.items()) + ".")
        for sid, kinds in sorted(self.periods.items()):
            parts = [f"{label} {plist(kinds[key])}" for key, label in
                     (("added", "nieuw:"), ("replaced", "vervangen:"), ("dropped", "vervallen:")) if kinds.get(key)]
            if parts:
                out.append(f"Periodes van {sid}: " + "; ".join(parts) + ".")
        if self.changes:
            out.append(f"Grote veranderingen (meer dan {PREVIEW_THRESHOLD:.0%}):")
            out += [f"- {c.text()}" for c in self.changes]
            if self.more_changes:
                out.append(f"- en nog {n(self.more_changes)} andere")
        out += self.notes
        if not self.has_changes:
            out.append("Er verandert niets.")
        return out


def preview(warehouse: Path, release: Release, *, against: Release | None = None,
            threshold: float = PREVIEW_THRESHOLD, limit: int = 15) -> Preview:
    """Compare ``release`` with the current release (or ``against``): figures added, replaced, dropped;
    per source the periods added, replaced and dropped; and the home municipality's totals that move
    by more than ``threshold`` (relative), e.g. "Wmo-cliënten 2025: 4.326 → 43"."""
    base = against if against is not None else current_release(warehouse)
    out = Preview(release_id=release.id, current_id=base.id if base else None)
    cols = [*OBSERVATION_KEY, "value", "status", "source_id"]
    new = release.table("observations").select(cols)
    old = base.table("observations").select(cols) if base else empty_observations().select(cols)
    both = old.join(new, on=OBSERVATION_KEY, how="full", coalesce=True, suffix="_new", nulls_equal=True)
    in_old, in_new = pl.col("status").is_not_null(), pl.col("status_new").is_not_null()
    same = pl.col("value").eq_missing(pl.col("value_new")) & (pl.col("status") == pl.col("status_new"))
    both = both.with_columns(kind=pl.when(in_old & in_new & same).then(pl.lit("unchanged"))
                             .when(in_old & in_new).then(pl.lit("replaced"))
                             .when(in_new).then(pl.lit("added")).otherwise(pl.lit("dropped")))
    counts = dict(both.group_by("kind").len().iter_rows())
    out.added, out.replaced = counts.get("added", 0), counts.get("replaced", 0)
    out.dropped, out.unchanged = counts.get("dropped", 0), counts.get("unchanged", 0)
    # Per source and period: new when the source had no figure for it, dropped when none is left.
    sid = pl.coalesce("source_id_new", "source_id").alias("sid")
    per = both.group_by(sid, "period").agg(old=pl.col("status").is_not_null().any(),
                                           new=pl.col("status_new").is_not_null().any(),
                                           changed=(pl.col("kind") != "unchanged").any())
    for s_id, period, was, now, changed in per.sort("sid", "period").iter_rows():
        key = "added" if now and not was else "dropped" if was and not now else "replaced" if changed else None
        if key:
            out.periods.setdefault(s_id, {}).setdefault(key, []).append(period)
    gemeente = (base.meta.get("gemeente") if base else None) or release.meta.get("gemeente")
    home = (pl.col("region_code") == gemeente) if gemeente else pl.col("region_code").str.starts_with("GM")
    names = _member_names(release, base)
    if len(names) > 1:  # several members: each one's changes, and the big moves of every member and the region
        out.members = _changed_per_member(release, both, names)
        home = pl.col("region_code").is_in(list(names))
    rel_change = ((pl.col("value_new") - pl.col("value")).abs() / pl.col("value").abs())
    big = both.filter(home & (pl.col("breakdown") == "") & (pl.col("category") == "") & in_old
                      & pl.col("value").is_not_null() & (pl.col("value") != 0)
                      & (~in_new | pl.col("value_new").is_null() | (rel_change > threshold)))
    # Years first (what a council reads), then the largest moves.
    big = big.with_columns(size=rel_change.fill_null(float("inf")), sub_year=pl.col("period").str.slice(4, 2) != "JJ")
    big = big.sort(["sub_year", "size", "indicator_id", "period"], descending=[False, True, False, False])
    ind = release.table("indicators")
    titles = dict(zip(ind["id"], ind["short_title"] if "short_title" in ind.columns else ind["title"], strict=True))
    units = dict(zip(ind["id"], ind["unit"], strict=True))
    for r in big.head(limit).iter_rows(named=True):
        out.changes.append(Change(r["indicator_id"], titles.get(r["indicator_id"], r["indicator_id"]),
                                  units.get(r["indicator_id"], ""), r["period"], r["value"], r["value_new"],
                                  r["status"], r["status_new"], names.get(r["region_code"], "") if len(names) > 1
                                  else ""))
    out.more_changes = max(0, big.height - limit)
    if base is not None and bool(base.meta.get("demo")) != bool(release.meta.get("demo")):
        out.notes.append("Let op: de nieuwe versie is " + ("de demo." if release.meta.get("demo") else
                                                           "geen demo meer."))
    return out


def _member_names(release: Release, base: Release | None) -> dict[str, str]:
    """Code -> name of the members (and the region) of ``release``, else of ``base``; one entry or none for a
    single municipality."""
    meta = release.meta if len(members_of(release.meta)) > 1 or base is None else base.meta
    names = meta.get("member_names") or {}
    out = {m: str(names.get(m) or m) for m in members_of(meta)}
    if (region := region_of(meta)) and len(out) > 1:
        out[region["code"]] = region["name"]
    return out


def _changed_per_member(release: Release, both: pl.DataFrame, names: dict[str, str]) -> dict[str, int]:
    """Member name -> figures of it, its wijken and buurten that are added, replaced or dropped."""
    regs = release.table("regions").select("region_code", "gemeente_code")
    changed = (both.filter(pl.col("kind") != "unchanged").select("region_code")
               .join(regs, on="region_code", how="left")
               .select(member=pl.coalesce("gemeente_code", "region_code")).group_by("member").len())
    counts = dict(changed.iter_rows())
    return {name: counts[code] for code, name in names.items() if counts.get(code)}
