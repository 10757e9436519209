"""Effect and outcome figures from a registry extract: drop-out, goals reached, return within a year,
waiting from decision to start, provisions ended for a reason (Wlz, work), cost per re-integration
trajectory, and, across laws, the transition at 18. Part of :mod:`etl.registry` (see its privacy rules):
the person-level rows stay in memory, only counts and shares per region and period come out.

Figures that follow people after an end (return within 12 months, support after 18) are only given for
periods whose follow-up time has fully passed on the extract's date, so a recent period is not too low."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from etl.registry_cells import _by_region, _count, _during, _paid, _person_share, _share
from etl.registry_codes import DROP_OUT, counts_for_dropout
from warehouse.releases import WarehouseError

MEASURES = ("dropout_share", "goal_reached_share", "return_12m", "decision_to_start_median", "ended_with",
            "cost_per_trajectory")
RETURN_DAYS = 365       # "return within 12 months"
AFTER_18_DAYS = 183     # "followed by other support within 6 months"
# Youth care "ends at 18": its last provision ended between half a year before the 18th birthday and the 19th.
AT_18 = (-182, 365)


def _complete(df: pl.DataFrame, reference: date, days: int) -> pl.DataFrame:
    """Only periods whose follow-up of ``days`` after their last day has passed by the reference date."""
    return df.filter(pl.col("p_end") <= pl.lit(reference - timedelta(days=days)))


def measure(w: dict, prov: pl.DataFrame, base: pl.DataFrame, active: pl.DataFrame, per: pl.DataFrame,
            reference: date) -> pl.DataFrame:
    """Observations of one catalogue entry with an effect measure. ``prov`` holds the law's provisions with
    their episodes (etl.registry_counts._episodes), ``base`` those of the entry's products, ``active`` the
    entry's provisions spread over the periods they ran in."""
    m, iid = w["measure"], w["id"]
    ended = _during(base.filter(pl.col("end").is_not_null()), per, "end")
    if m == "dropout_share":
        # Administrative ends (another provider, a new allocation, a pause) are no outcome: not in the base.
        known = ended.filter(counts_for_dropout())
        return _share(known, iid, 100 * (pl.col("end_reason") == DROP_OUT).mean())
    if m == "goal_reached_share":
        known = ended.filter(pl.col("goal_reached").is_not_null())
        return _share(known, iid, 100 * (pl.col("goal_reached") == "ja").mean())
    if m == "ended_with":
        if not w.get("reason"):
            raise WarehouseError(f"Catalogus, indicator {iid}: registratiemaat ended_with heeft een reason nodig")
        return _count(ended.filter(pl.col("end_reason") == w["reason"]), "person", iid)
    if m == "decision_to_start_median":
        # Care that started before its decision (help at once, the beschikking written afterwards) waited
        # no day after the decision: it counts as 0 days, so leaving it out does not make the wait look longer.
        started = _during(base.filter(pl.col("decision").is_not_null()), per, "start")
        return _share(started, iid, (pl.col("start") - pl.col("decision")).dt.total_days().clip(lower_bound=0)
                      .median())
    if m == "return_12m":
        # A share of people: a person with two episodes ended in one period counts once, as returned when
        # either was followed by a new one within a year.
        return _person_share(_complete(_during(_returns(prov), per, "ep_end"), reference, RETURN_DAYS), iid,
                             pl.col("returned"))
    if m == "cost_per_trajectory":
        # Per trajectory, but based on the people behind it (as every amount): a few people with many
        # trajectories must not pass the small-number rule.
        return _by_region(active, [], value=_paid(reference) / pl.len(),
                          denominator=pl.col("person").n_unique().cast(pl.Float64)
                          ).with_columns(indicator_id=pl.lit(iid), breakdown=pl.lit(""), category=pl.lit(""))
    raise ValueError(m)


def _returns(prov: pl.DataFrame) -> pl.DataFrame:
    """One row per ended episode of care: did the same person start a new episode within 12 months?
    (Episodes already join gaps under 90 days, so a return is a new start 90 days to a year later.)"""
    eps = (prov.filter(pl.col("episode_start"))
           .select("person", "wijk", "buurt_code", pl.col("start").alias("ep_start"), pl.col("episode_end").alias("ep_end"))
           .sort("person", "ep_start")
           .with_columns(next_start=pl.col("ep_start").shift(-1).over("person")))
    gap = (pl.col("next_start") - pl.col("ep_end")).dt.total_days()
    return eps.filter(pl.col("ep_end").is_not_null()).with_columns(
        returned=pl.col("next_start").is_not_null() & (gap <= RETURN_DAYS))


def transition_18(rows: pl.DataFrame, per: pl.DataFrame, iid: str, reference: date) -> pl.DataFrame:
    """Young people whose youth care ended at 18, and the share of them with Wmo, Participatiewet or debt
    help running within six months after that end (the same person: ids are coded across laws)."""
    youth = rows.filter((pl.col("law") == "jeugd") & pl.col("start").is_not_null())
    # The last youth provision of each person; still running means no end yet.
    last = (youth.sort("person", pl.col("end").fill_null(date(9999, 12, 31)))
            .group_by("person", maintain_order=True).last()
            .filter(pl.col("end").is_not_null() & pl.col("end_after_18").is_between(*AT_18)))
    if last.is_empty():
        return pl.DataFrame()
    adult = rows.filter((pl.col("law") != "jeugd") & pl.col("start").is_not_null()).select(
        "person", pl.col("start").alias("a_start"), pl.col("end").alias("a_end"))
    follow = last.select("person", "end").join(adult, on="person", how="inner").filter(
        (pl.col("a_start") <= pl.col("end") + timedelta(days=AFTER_18_DAYS))
        & (pl.col("a_end").is_null() | (pl.col("a_end") >= pl.col("end"))))["person"].unique()
    flagged = last.with_columns(followed=pl.col("person").is_in(follow.implode()))
    cells = _complete(_during(flagged, per, "end"), reference, AFTER_18_DAYS)
    return _share(cells, iid, 100 * pl.col("followed").mean())
