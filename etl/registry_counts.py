"""Counting a validated registry extract: periods, and the counts per wijk / buurt / municipality,
period and category that :mod:`etl.registry` publishes after suppression (person-level rows stay in
memory). Part of :mod:`etl.registry`; its names stay importable from there."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

import settings as settings_mod
from domain.laws import PRODUCT_GROUPS
from etl import registry_effect as effect
from etl.registry_cells import (  # noqa: F401  (Period and periods are public names of etl.registry)
    Period,
    _age_group,
    _by_region,
    _count,
    _during,
    _paid,
    _period_table,
    _person_share,
    _share,
    periods,
)
from etl.registry_read import (
    COMPLETED_REASONS,
    CORE_STAPELING_LAWS,
    INFLOW_GAP_DAYS,
    MAX_YEARS_BACK,
    STAPELING_LAWS,
)
from warehouse.releases import WarehouseError


def _episodes(prov: pl.DataFrame) -> pl.DataFrame:
    """Mark the start and end of each person's episode of care (gaps under 90 days join episodes)."""
    far = date(9999, 12, 31)
    p = prov.sort("person", "start").with_columns(end_f=pl.col("end").fill_null(far))
    p = p.with_columns(prev_end=pl.col("end_f").cum_max().shift(1).over("person"))
    p = p.with_columns(episode_start=pl.col("prev_end").is_null()
                       | (pl.col("prev_end") < pl.col("start") - timedelta(days=INFLOW_GAP_DAYS)))
    p = p.with_columns(episode=pl.col("episode_start").cast(pl.Int32).cum_sum().over("person"))
    p = p.with_columns(episode_end=pl.col("end_f").max().over("person", "episode"))
    return p.with_columns(episode_end=pl.when(pl.col("episode_end") == far).then(None).otherwise(pl.col("episode_end"))
                          ).drop("end_f", "prev_end", "episode")


def law_periods(rows: pl.DataFrame, reference: date, first_year: int | None = None) -> pl.DataFrame:
    """The periods one law's extract covers: from its first request or start (at most MAX_YEARS_BACK years back)."""
    first = rows.select(pl.min_horizontal("request", "start").min()).item() if rows.height else None
    return _period_table(first_year or max(first.year if first else reference.year, reference.year - MAX_YEARS_BACK), reference)


def stapeling_periods(rows: pl.DataFrame, reference: date, first_year: int | None = None) -> pl.DataFrame:
    """The years the stapeling figures cover: from the first provision of the laws loaded together."""
    prov = rows.filter(pl.col("start").is_not_null() & pl.col("law").is_in(list(STAPELING_LAWS)))
    first = prov["start"].min().year if prov.height else reference.year
    return _period_table(first_year or max(first, reference.year - MAX_YEARS_BACK), reference, years_only=True)


def aggregate(rows: pl.DataFrame, law: str, wanted: list[dict], reference: date,
              first_year: int | None = None, terms: settings_mod.LegalTerms | None = None) -> pl.DataFrame:
    """Observations for the catalogue entries of one law, for every region and period (from
    ``first_year``; by default the first year in the extract, at most 20 years back)."""
    prov = rows.filter(pl.col("start").is_not_null())
    prov = _episodes(prov) if prov.height else prov.with_columns(
        episode_start=pl.lit(False), episode_end=pl.lit(None, pl.Date))
    per = law_periods(rows, reference, first_year)
    is_year = pl.col("period").is_in(per.filter(pl.col("kind") == "JJ")["pid"].implode())
    active = _during(prov, per, "start", "end")  # provisions running during each period
    requests = _during(rows, per, "request")
    decisions = _during(rows, per, "decision")
    term = (terms or settings_mod.load_terms()).days(law)  # MSD_TERM_* (defaults: settings.LegalTerms)
    frames: list[pl.DataFrame] = []
    stocks: dict[tuple, pl.DataFrame] = {}
    for w in wanted:
        measure, category, iid = w["measure"], w.get("category") or "", w["id"]
        products = list(PRODUCT_GROUPS.get(category, (category,))) if category and measure != "referrer_share" else None
        act = active.filter(pl.col("product").is_in(products)) if products else active
        base = prov.filter(pl.col("product").is_in(products)) if products else prov
        if measure in ("clients", "households", "cost", "cost_per_client", "pgb_share"):
            stock = _stock(act, products, stocks, reference)
            value = {"clients": pl.col("persons"), "households": pl.col("households"), "cost": pl.col("paid"),
                     "cost_per_client": pl.col("paid") / pl.col("persons"),
                     "pgb_share": 100 * pl.col("pgb_persons") / pl.col("persons")}[measure]
            # Amounts and shares keep the clients behind them as their base, so a figure about a
            # handful of people is hidden.
            base_n = pl.lit(None, pl.Float64) if measure in ("clients", "households") else pl.col("persons")
            frames.append(stock.select("period", "region_code", value=value, denominator=base_n).with_columns(
                indicator_id=pl.lit(iid), breakdown=pl.lit(""), category=pl.lit("")))
            key = "person"
            if measure == "clients" and not category:
                years = act.filter(is_year)
                age = pl.col("age_at_reference") - (reference.year - pl.col("p_end").dt.year())
                frames.append(_count(years.with_columns(category=_age_group(age)), key, iid, "age_group"))
                frames.append(_count(years.with_columns(category=pl.col("product")), key, iid, "product"))
                frames.append(_count(years.filter(pl.col("delivery_form").is_not_null())
                                     .with_columns(category=pl.col("delivery_form")), key, iid, "delivery_form"))
                if law == "jeugd":
                    frames.append(_count(years.filter(pl.col("referrer").is_not_null())
                                         .with_columns(category=pl.col("referrer")), key, iid, "referrer"))
            elif measure == "cost" and not category:
                # Euros per product category and (youth: iJw referrer codes) per referrer, per year.
                years = act.filter(is_year)
                frames.append(_paid_by(years, "product", iid, reference))
                if law == "jeugd":
                    frames.append(_paid_by(years.filter(pl.col("referrer").is_not_null()), "referrer", iid, reference))
        elif measure == "inflow":
            frames.append(_count(_during(base.filter(pl.col("episode_start")), per, "start"), "person", iid))
        elif measure == "outflow":
            frames.append(_count(_during(base, per, "episode_end"), "person", iid))
        elif measure == "requests":
            frames.append(_count(requests, None, iid))
            frames.append(_count(requests.filter(pl.col("route").is_not_null()).with_columns(category=pl.col("route")),
                                 None, iid, "route"))
        elif measure == "maatwerk_share":
            # A share of people: someone with two maatwerk provisions is one person who got maatwerk.
            frames.append(_person_share(decisions.filter(pl.col("route").is_not_null()), iid,
                                        pl.col("route") == "maatwerk"))
        elif measure in ("wait_decision_median", "wait_over_term_share"):
            wait = (pl.col("decision") - pl.col("request")).dt.total_days()
            value = wait.median() if measure == "wait_decision_median" else 100 * (wait > term).mean()
            frames.append(_share(decisions.filter(pl.col("request").is_not_null()), iid, value))
        elif measure == "referrer_share":
            new = _during(prov.filter(pl.col("episode_start")), per, "start")
            frames.append(_person_share(new, iid, pl.col("referrer") == category))
        elif measure == "completed":
            done = prov.filter(pl.col("end_reason").is_in(list(COMPLETED_REASONS)))
            frames.append(_count(_during(done, per, "end"), None, iid))
        elif measure in effect.MEASURES:
            frames.append(effect.measure(w, prov, base, act, per, reference))
        else:
            raise WarehouseError(f"Catalogus, indicator {iid}: onbekende registratiemaat {measure!r}")
    return _finish(frames, per, rows["gemeente"][0] if rows.height else "", reference)


def _stock(act: pl.DataFrame, products: list[str] | None, cache: dict, reference: date) -> pl.DataFrame:
    """Clients, households, euros paid and clients with a PGB per region and period, for one product selection: the
    expensive distinct counts are done once and shared by the measures that need them."""
    key = tuple(products or ())
    if key not in cache:
        cache[key] = _by_region(act, [], persons=pl.col("person").n_unique().cast(pl.Float64),
                                households=pl.col("household").n_unique().cast(pl.Float64),
                                paid=_paid(reference),
                                pgb_persons=pl.col("person").filter(pl.col("delivery_form") == "PGB").n_unique()
                                .cast(pl.Float64))
    return cache[key]


def _paid_by(years: pl.DataFrame, column: str, indicator_id: str, reference: date) -> pl.DataFrame:
    """Euros paid per category of ``column`` (breakdown of the same name), per region and year; the
    clients behind each amount are its base, so an amount about a handful of people is hidden."""
    out = _by_region(years.with_columns(category=pl.col(column)), ["category"], value=_paid(reference),
                     denominator=pl.col("person").n_unique().cast(pl.Float64))
    return out.with_columns(pl.col("category").cast(pl.String), indicator_id=pl.lit(indicator_id),
                            breakdown=pl.lit(column))


def _finish(frames: list[pl.DataFrame], per: pl.DataFrame, gemeente: str, reference: date) -> pl.DataFrame:
    cols = ["indicator_id", "region_code", "period", "breakdown", "category", "value", "denominator"]
    frames = [f.select(cols) for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(cols[:5], pl.String) | {"value": pl.Float64, "denominator": pl.Float64,
                                                                      "status": pl.String})
    obs = pl.concat(frames, how="diagonal_relaxed").join(
        per.select(pl.col("pid").alias("period"), "code", "p_end"), on="period", how="left")
    status = pl.when(pl.col("p_end") >= pl.lit(reference)).then(pl.lit("provisional")).otherwise(pl.lit("final"))
    return obs.with_columns(status=status, region_code=pl.col("region_code").fill_null(gemeente),
                            category=pl.col("category").cast(pl.String)).drop("p_end", "period").rename(
        {"code": "period"}).select(*cols, "status")


def stapeling(rows: pl.DataFrame, wanted: list[dict], reference: date, first_year: int | None = None) -> pl.DataFrame:
    """Households (and their decisions) per combination of Wmo, youth care and Participatiewet; households
    combining debt help with those laws; young people moving from youth care to adult support at 18."""
    prov = rows.filter(pl.col("start").is_not_null() & pl.col("law").is_in(list(STAPELING_LAWS)))
    per = stapeling_periods(rows, reference, first_year)
    with_debt = _during(prov, per, "start", "end")
    active = with_debt.filter(pl.col("law").is_in(list(CORE_STAPELING_LAWS)))
    order = {law: i for i, law in enumerate(STAPELING_LAWS)}
    combo = (pl.col("laws").list.eval(pl.element().replace_strict(order, return_dtype=pl.Int32)).list.sort()
             .list.eval(pl.element().replace_strict({v: k for k, v in order.items()}, return_dtype=pl.String))
             .list.join("+"))
    frames = [effect.transition_18(rows, per, w["id"], reference) for w in wanted if w["measure"] == "transition_18"]
    # A household is counted in the wijk (and buurt) of each of its provisions, so group per level.
    for level in (None, "wijk", "buurt_code"):
        keys = ["period", "household"] + ([level] if level else [])
        hhs = [frame.group_by(keys).agg(laws=pl.col("law").unique(), decisions=pl.len()).with_columns(
            combo=combo, n_laws=pl.col("laws").list.len(),
            region_code=pl.col(level).cast(pl.String) if level else pl.lit(None, pl.String))
            for frame in (active, with_debt)]
        hh, hh_debt = (h.filter(pl.col("region_code").is_not_null()) if level else h for h in hhs)
        for w in wanted:
            m, iid = w["measure"], w["id"]
            if m == "transition_18":
                continue
            if m == "households_debt_multi":  # debt help and at least one other law, per combination
                debt = hh_debt.filter(pl.col("laws").list.contains("schuldhulp") & (pl.col("n_laws") >= 2))
                frames.append(_level_count(debt, iid, ""))
                frames.append(_level_count(debt.with_columns(category=pl.col("combo")), iid, "laws"))
            elif m == "households":
                frames.append(_level_count(hh, iid, ""))
                frames.append(_level_count(hh.with_columns(category=pl.col("combo")), iid, "laws"))
            elif m == "households_multi":
                frames.append(_level_count(hh.filter(pl.col("n_laws") >= 2), iid, ""))
            elif m == "beschikkingen_per_household":
                frames.append(hh.group_by("period", "region_code").agg(
                    value=pl.col("decisions").mean(), denominator=pl.len().cast(pl.Float64)).with_columns(
                    indicator_id=pl.lit(iid), breakdown=pl.lit(""), category=pl.lit("")))
            else:
                raise WarehouseError(f"Catalogus, indicator {iid}: onbekende stapelingsmaat {m!r}")
    return _finish(frames, per, rows["gemeente"][0] if rows.height else "", reference)


def _level_count(hh: pl.DataFrame, indicator_id: str, breakdown: str) -> pl.DataFrame:
    keys = ["period", "region_code"] + (["category"] if breakdown else [])
    return hh.group_by(keys).agg(value=pl.len().cast(pl.Float64)).with_columns(
        indicator_id=pl.lit(indicator_id), breakdown=pl.lit(breakdown), denominator=pl.lit(None, pl.Float64),
        **({} if breakdown else {"category": pl.lit("")}))
