"""Policy goals: per goal the indicators, the trend against the target and a status with its rule.

Goals are set by the council in the catalogue (``goal = {direction, target, target_year, baseline,
baseline_year, label}``). A policy goal on the page is a theme of a law; its indicators are the
figures of that theme that have a direction (higher or lower is better). Statuses:

The baseline is the monitor's own figure in the goal's baseline year (counted like the latest figure),
else the catalogue's baseline.

Goals with a target (a number and a year):

* **op koers** – the latest figure is on or ahead of the straight line from the baseline to the target
  (or the target is already reached);
* **aandacht** – better than the baseline but behind the line;
* **niet op koers** – not better than the baseline, or the target year has passed without reaching
  the target.

Goals with a direction only (most of Steenwijkerland's goals): without a number there is no course to
be on, so the words say only where the figure went over ``TREND_YEARS`` years:

* **de goede kant op** – it moved in the goal's direction by more than ``FLAT_PCT`` percent;
* **gelijk** – it changed less than ``FLAT_PCT`` percent (for a goal "stable" that is the goal);
* **de verkeerde kant op** – it moved against the goal's direction (for "stable": the way the figure's own
  direction calls worse, or either way for a neutral figure).

* **geen doel gesteld** – the figure belongs to the policy goal, but the council set no goal for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from domain import formatting as fmt
from queries import Warehouse
from queries import figures as q

ON_TRACK, ATTENTION, OFF_TRACK = "op koers", "aandacht", "niet op koers"            # goals with a target
GOOD_WAY, LEVEL, WRONG_WAY = "de goede kant op", "gelijk", "de verkeerde kant op"   # goals with a direction only
NO_GOAL, NO_DATA = "geen doel gesteld", "geen cijfers"
TARGET_STATUSES = [ON_TRACK, ATTENTION, OFF_TRACK]
DIRECTION_STATUSES = [GOOD_WAY, LEVEL, WRONG_WAY]
STATUSES = [*TARGET_STATUSES, *DIRECTION_STATUSES, NO_GOAL]
WORRYING = {OFF_TRACK, WRONG_WAY}  # a signal on the Signalen page
# The status in a sentence: "Het doel 'Meer uitstroom' gaat de goede kant op (2024)."
PHRASES = {ON_TRACK: "ligt op koers", ATTENTION: "vraagt aandacht", OFF_TRACK: "ligt niet op koers",
           GOOD_WAY: "gaat de goede kant op", LEVEL: "blijft gelijk", WRONG_WAY: "gaat de verkeerde kant op",
           NO_GOAL: "heeft geen doel", NO_DATA: "heeft nog geen cijfers"}
TREND_YEARS = 3
FLAT_PCT = 2.0
DIRECTION_WORDS = {"down": "omlaag", "up": "omhoog", "stable": "gelijk blijven"}


@dataclass
class GoalStatus:
    status: str
    rule: str                      # the rule used, in plain words, with the numbers filled in
    latest_year: int | None = None
    latest: float | None = None
    baseline_year: int | None = None
    baseline: float | None = None
    planned: float | None = None   # where the straight line from baseline to target is in latest_year
    extra: dict = field(default_factory=dict)


def _better(a: float, b: float, direction: str) -> bool:
    return a < b if direction == "down" else a > b


def _reached(value: float, target: float, direction: str) -> bool:
    return value <= target if direction == "down" else value >= target


def _num(v: float) -> str:
    text = f"{v:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.removesuffix(",0")


def _amount(v: float, unit: str) -> str:
    """A value in the rule's text with its unit, as a sentence says it ("€ 4.917", "38,0 per 1.000", "72,0%")."""
    return fmt.sentence_value(v, unit) if unit else _num(v)


def phrase(status: str) -> str:
    """The status as the verb part of a sentence about the goal."""
    return PHRASES.get(status, status)


def goal_status(goal: dict | None, points: list[tuple[int, float]], unit: str = "",
                better: str | None = None) -> GoalStatus:
    """The status of one indicator's goal from its yearly values ``[(year, value), ...]``. ``better`` is the
    figure's own direction (``higher_is_better``, ...): it says which way is worse for a goal "stable"."""
    points = sorted((y, v) for y, v in points if v is not None)
    if not goal:
        last = points[-1] if points else (None, None)
        return GoalStatus(NO_GOAL, "De gemeenteraad heeft voor dit cijfer geen doel vastgesteld.", *last)
    if not points:
        return GoalStatus(NO_DATA, "Er zijn (nog) geen cijfers om het doel aan te toetsen.")
    direction = goal.get("direction", "down")
    year, value = points[-1]
    target, target_year = goal.get("target"), goal.get("target_year")
    if target is not None and target_year is not None and direction in ("up", "down"):
        by = goal.get("baseline_year") or points[0][0]
        # The monitor's own figure for the baseline year comes first: it is counted the same way as the
        # latest figure. The catalogue's baseline is used when the series does not reach back that far.
        base = dict(points).get(by)
        if base is None:
            base = goal.get("baseline") if goal.get("baseline") is not None else points[0][1]
        word = "hoogstens" if direction == "down" else "minstens"
        if _reached(value, target, direction):
            return GoalStatus(ON_TRACK, f"Het doel ({word} {_amount(target, unit)} in {target_year}) is in {year} al gehaald: "
                              f"{_amount(value, unit)}.", year, value, by, base, target)
        if year >= target_year:
            return GoalStatus(OFF_TRACK, f"Het doeljaar {target_year} is bereikt, maar het doel ({word} {_amount(target, unit)}) "
                              f"niet: {_amount(value, unit)} in {year}.", year, value, by, base, target)
        share = min(1.0, max(0.0, (year - by) / (target_year - by))) if target_year != by else 1.0
        planned = base + (target - base) * share
        line = (f"De rechte lijn van {_amount(base, unit)} ({by}) naar {_amount(target, unit)} ({target_year}) staat in {year} op "
                f"{_amount(planned, unit)}; het cijfer is {_amount(value, unit)}.")
        if not _better(planned, value, direction):  # on the line or ahead of it
            return GoalStatus(ON_TRACK, line + " Dat is op of voor de lijn.", year, value, by, base, planned)
        if _better(value, base, direction):
            return GoalStatus(ATTENTION, line + " Beter dan bij de start, maar achter op de lijn.", year, value, by,
                              base, planned)
        return GoalStatus(OFF_TRACK, line + f" Niet beter dan bij de start ({_amount(base, unit)}).", year, value, by, base,
                          planned)
    # A direction without a number: compare with TREND_YEARS years earlier.
    earlier = [(y, v) for y, v in points if y <= year - TREND_YEARS] or points[:1]
    y0, v0 = earlier[-1]
    if y0 == year or v0 == 0:
        return GoalStatus(NO_DATA, "Er zijn te weinig jaren om de richting te zien.", year, value)
    change = 100 * (value - v0) / abs(v0)
    text = (f"Doel: {DIRECTION_WORDS.get(direction, direction)}, zonder streefwaarde. Van {_amount(v0, unit)} in {y0} naar "
            f"{_amount(value, unit)} in {year} ({'+' if change > 0 else ''}{_num(change)}%). Minder dan {_num(FLAT_PCT)}% verschil "
            "telt als gelijk gebleven. Zonder streefwaarde zeggen we alleen welke kant het cijfer op gaat, niet of het doel "
            "op koers ligt.")
    if abs(change) < FLAT_PCT:
        status = LEVEL
    elif direction == "stable":  # moved: good only when the figure's own direction calls that way better
        status = GOOD_WAY if {"higher_is_better": change > 0, "lower_is_better": change < 0}.get(better or "") \
            else WRONG_WAY
    else:
        status = GOOD_WAY if (change < 0) == (direction == "down") else WRONG_WAY
    return GoalStatus(status, text, year, value, y0, v0)


def goal_themes(wh: Warehouse) -> pl.DataFrame:
    """Policy goals (law, theme) that hold at least one goal, with their indicators in page order."""
    cat = q.catalogue(wh).filter(pl.col("levels").str.contains("gemeente"))
    themes = cat.filter(pl.col("goal_json").is_not_null()).select("law", "theme").unique()
    members = cat.join(themes, on=["law", "theme"]).filter(
        pl.col("goal_json").is_not_null() | (pl.col("direction") != "neutral"))
    law_rank = {law: i for i, law in enumerate(q.LAW_ORDER)}
    return members.with_columns(
        law_rank=pl.col("law").replace_strict(law_rank, default=99),
        has_goal=pl.col("goal_json").is_not_null(),
    ).sort("law_rank", "theme", pl.col("has_goal").not_(), "order").drop("law_rank")


def goal_overview(wh: Warehouse) -> pl.DataFrame:
    """Per indicator of a policy goal: the goal, the latest figure and the status with its rule."""
    rows = []
    for r in goal_themes(wh).iter_rows(named=True):
        ind = q.indicator(wh, r["id"])
        s = q.series(wh, r["id"], [wh.gemeente]).filter(pl.col("value").is_not_null())
        st = goal_status(ind["goal"], list(zip(s["year"].to_list(), s["value"].to_list(), strict=True)), ind["unit"],
                         ind["direction"])
        latest_status = s.filter(pl.col("year") == st.latest_year)["status"] if st.latest_year else pl.Series([])
        goal = ind["goal"] or {}
        rows.append({
            "indicator_id": r["id"], "title": r["title"], "law": r["law"], "theme": r["theme"], "unit": r["unit"],
            "goal_label": goal.get("label"), "direction": goal.get("direction"), "target": goal.get("target"),
            "target_year": goal.get("target_year"), "status": st.status, "rule": st.rule,
            "latest_year": st.latest_year, "latest": st.latest, "latest_provisional":
                bool(latest_status.len() and latest_status[0] == "provisional"),
            "baseline_year": st.baseline_year, "baseline": st.baseline, "planned": st.planned,
        })
    schema = {"indicator_id": pl.String, "title": pl.String, "law": pl.String, "theme": pl.String, "unit": pl.String,
              "goal_label": pl.String, "direction": pl.String, "target": pl.Float64, "target_year": pl.Int64,
              "status": pl.String, "rule": pl.String, "latest_year": pl.Int64, "latest": pl.Float64,
              "latest_provisional": pl.Boolean, "baseline_year": pl.Int64, "baseline": pl.Float64,
              "planned": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def goal_path(goal: dict | None, baseline_year: int | None, baseline: float | None) -> pl.DataFrame:
    """The straight line from baseline to target, for drawing under the trend."""
    if not goal or goal.get("target") is None or baseline is None or baseline_year is None:
        return pl.DataFrame(schema={"year": pl.Int64, "value": pl.Float64})
    return pl.DataFrame({"year": [baseline_year, goal["target_year"]], "value": [float(baseline), float(goal["target"])]})
