"""How the demo's provisions end: the reason, whether the goal was reached, the support that follows.

Drawn from a random stream of their own (``Outcomes.fx``): the main stream of etl.demo.extracts draws
exactly what it drew before. The extra provisions (returns, support after 18, instruments) do add to the
counts of their law."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

WMO_REASONS = ["doel_bereikt", "niet_meer_nodig", "voortijdig_gestopt", "verhuisd", "andere_voorziening",
               "overleden", "wlz"]
JEUGD_REASONS = ["doel_bereikt", "voortijdig_gestopt", "verhuisd", "andere_voorziening", "niet_meer_nodig"]
# How a Wmo or youth system writes an end reason: the iStandaard number (iWmo WMO588, iJw JZ588) where the
# code list has one; the reasons it has no number for (Wlz, no longer needed, 18 years) in the system's words.
# Written without a draw, so every demo figure stays what it was; the load maps the numbers back per law.
WRITTEN_REASONS = {
    "wmo": {"doel_bereikt": "19", "voortijdig_gestopt": "21", "verhuisd": "31", "overleden": "02",
            "andere_voorziening": "39"},
    "jeugd": {"doel_bereikt": "31", "voortijdig_gestopt": "32", "verhuisd": "35", "overleden": "02",
              "andere_voorziening": "39"},
}
# The bijstand reason drawn by the main stream ("overig" in the first version) made concrete here.
BIJSTAND_OTHER = (["andere_uitkering", "opleiding", "overleden"], [0.7, 0.2, 0.1])


def written_reason(law: str, reason: str) -> str:
    """The end reason as the law's system exports it (WRITTEN_REASONS), else as it is."""
    return WRITTEN_REASONS.get(law, {}).get(reason, reason)


class Outcomes:
    def __init__(self, seed: int = 20):
        self.fx = np.random.default_rng(seed)

    def _goal(self, reason: str) -> str:
        if self.fx.random() < 0.15:
            return ""  # not filled in
        reached = 0.85 if reason in ("doel_bereikt", "niet_meer_nodig") else 0.1
        return "ja" if self.fx.random() < reached else "nee"

    def wmo(self, age: int, year: int) -> tuple[str, str]:
        """(end reason, goal reached) of an ended Wmo provision; older clients die or move to the Wlz more."""
        old = age >= 75
        weights = [0.34, 0.16, 0.09 if year < 2022 else 0.07, 0.05, 0.08, 0.16 if old else 0.05, 0.12 if old else 0.02]
        reason = str(self.fx.choice(WMO_REASONS, p=np.array(weights) / sum(weights)))
        return reason, self._goal(reason)

    def jeugd(self, age_at_end: int, year: int) -> tuple[str, str]:
        """(end reason, goal reached) of ended youth care; drop-out falls a little after 2022."""
        if age_at_end >= 18 and self.fx.random() < 0.6:
            return "meerderjarig", self._goal("meerderjarig")
        weights = [0.52, 0.17 if year < 2023 else 0.13, 0.07, 0.12, 0.08]
        reason = str(self.fx.choice(JEUGD_REASONS, p=np.array(weights) / sum(weights)))
        return reason, self._goal(reason)

    def bijstand(self, drawn: str) -> str:
        """The bijstand reason as a code: "verhuizing" is "verhuisd", "overig" one of the other reasons."""
        if drawn == "verhuizing":
            return "verhuisd"
        if drawn == "overig":
            return str(self.fx.choice(BIJSTAND_OTHER[0], p=BIJSTAND_OTHER[1]))
        return drawn

    def trajectory(self) -> str:
        return str(self.fx.choice(["doel_bereikt", "werk", "voortijdig_gestopt"], p=[0.45, 0.3, 0.25]))

    def adult_support_after(self, end: date) -> date | None:
        """Start of Wmo support for a young person whose youth care ended at 18 (about a third get it)."""
        if self.fx.random() < 0.35:
            return end + timedelta(days=int(self.fx.integers(0, 150)))
        return None

    def start_gap(self, year: int) -> int:
        """Days from the decision to the start of youth care."""
        return max(1, int(self.fx.lognormal(math.log(12 if year < 2023 else 19), 0.6)))

    def comes_back(self, end: date, chance: float) -> tuple[date, date] | None:
        """A new provision for the same person 100 to 360 days after the end (return within a year), or None."""
        if self.fx.random() >= chance:
            return None
        start = end + timedelta(days=int(self.fx.integers(100, 360)))
        return start, start + timedelta(days=int(self.fx.integers(60, 400)))

    def instruments(self, start: date) -> list[tuple[str, date, date]]:
        """Tegenprestatie and beschut werk beside a bijstand spell: (product, start, end)."""
        out = []
        if start.year >= 2015 and self.fx.random() < 0.08:
            s = start + timedelta(days=int(self.fx.integers(60, 300)))
            out.append(("tegenprestatie", s, s + timedelta(days=int(self.fx.integers(90, 365)))))
        if start.year >= 2016 and self.fx.random() < 0.05:
            s = start + timedelta(days=int(self.fx.integers(90, 400)))
            out.append(("beschut_werk", s, s + timedelta(days=int(self.fx.gamma(2.0, 500)))))
        return out

    def wsw_spells(self, poverty: float) -> list[tuple[int, date, date]]:
        """Wsw employees of a wijk: (age, start, end); nobody new since 2015, so the group shrinks."""
        out = []
        for _ in range(int(self.fx.poisson(22 * poverty))):
            start = date(int(self.fx.integers(1995, 2015)), 1, 1) + timedelta(days=int(self.fx.integers(0, 365)))
            end = start + timedelta(days=int(self.fx.gamma(3.0, 2200)))
            out.append((int(self.fx.integers(35, 60)), start, end))
        return out
