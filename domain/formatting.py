"""Numbers, units and statuses as a Dutch reader expects them (1.234,5; 12,3%)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from domain.laws import LAWS

STATUS_LABELS = {
    "final": "definitief",
    "provisional": "voorlopig",
    "suppressed": "niet getoond (te weinig mensen)",
    "unknown": "onbekend",
}
SUPPRESSED_TEXT = "te klein"
MISSING_TEXT = "–"
UNIT_DECIMALS = {"count": 0, "percent": 1, "per_1000": 1, "euro": 0, "euro_1000": 1, "days": 0, "score": 1,
                 "ratio": 2, "per_km2": 0}


def number(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def value(v: float | None, unit: str, status: str | None = None) -> str:
    """A figure with its unit; suppressed figures never show a number."""
    if status == "suppressed":
        return SUPPRESSED_TEXT
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return MISSING_TEXT
    d = UNIT_DECIMALS.get(unit, 1)
    if unit == "percent":
        return f"{number(v, d)}%"
    if unit == "euro":
        if abs(v) >= 1_000_000:
            return f"€ {number(v / 1_000_000, 1)} mln"
        return f"€ {number(v, 0)}"
    if unit == "euro_1000":  # stored in thousands, read in whole euros or millions ("€ 20,8 mln")
        return value(v * 1000, "euro")
    return f"{number(v, d)} {UNIT_WORDS[unit]}" if unit in UNIT_WORDS else number(v, d)


# The words after a figure of these units; a printed table says them once, in its heading, so each cell
# stays one short line.
UNIT_WORDS = {"per_1000": "per 1.000", "days": "dagen", "per_km2": "per km²"}


def sentence_value(v: float | None, unit: str, status: str | None = None) -> str:
    """A figure as a sentence says it (B1: big amounts rounded); tables keep :func:`value`'s exact figure.

    Amounts of money: below € 10.000 in whole euros ("€ 4.812"), up to a million rounded to thousands
    ("€ 777.000", not "€ 776.580"), from a million on in millions with one decimal ("€ 1,2 mln", as
    :func:`value`). Every other unit reads as in a table."""
    if unit == "euro_1000" and v is not None:
        v, unit = v * 1000, "euro"
    if unit == "euro" and status != "suppressed" and v is not None and 10_000 <= abs(v) < 1_000_000:
        v = round(v, -3)
    return value(v, unit, status)



def table_value(v: float | None, unit: str, status: str | None = None) -> str:
    """A table cell: the figure without a unit that its column heading gives (see UNIT_WORDS)."""
    if unit not in UNIT_WORDS or status == "suppressed" or v is None:
        return value(v, unit, status)
    return number(v, UNIT_DECIMALS.get(unit, 1))


def change(delta: float | None, unit: str, pct: float | None = None) -> str | None:
    """The change against last year: points for percentages, a relative change otherwise."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    sign = "+" if delta > 0 else ""
    if unit == "percent":
        return f"{sign}{number(delta, 1)} procentpunt"
    if pct is not None and not (isinstance(pct, float) and math.isnan(pct)):
        return f"{sign}{number(pct, 1)}%"
    return f"{sign}{number(delta, UNIT_DECIMALS.get(unit, 1))}"


DIFFERENCE_UNITS = {"percent": "procentpunt", "per_1000": "per 1.000"}


def difference_value(own: float | None, other: float | None, unit: str) -> tuple[float | None, str]:
    """(difference, what it is in): percentage points for percentages, the rate's own difference for rates
    per 1.000 (a relative change of a rate reads as a change of the rate itself), per cent otherwise."""
    if own is None or other is None or any(isinstance(v, float) and math.isnan(v) for v in (own, other)):
        return None, ""
    if unit in DIFFERENCE_UNITS:
        return own - other, DIFFERENCE_UNITS[unit]
    if other == 0:
        return None, ""
    return (own - other) / abs(other) * 100, "%"


def difference(own: float | None, other: float | None, unit: str, *, other_label: str = "") -> str:
    """How ``own`` differs from ``other`` in words: "2,6 procentpunt lager", "3,1 per 1.000 hoger", "12% hoger"."""
    delta, what = difference_value(own, other, unit)
    if delta is None:
        return MISSING_TEXT
    decimals = 0 if what == "%" else 1
    if round(abs(delta), decimals) == 0:
        return "gelijk"
    size = number(abs(delta), decimals) + ("%" if what == "%" else f" {what}")
    suffix = f" dan {other_label}" if other_label else ""
    return f"{size} {'hoger' if delta > 0 else 'lager'}{suffix}"


# How a change is drawn beside a figure (Streamlit's st.metric): the arrow points the way the figure
# moved, its colour says whether that is good. Neutral figures and no change are grey, and a change that
# reads as zero ("0,0%") has no arrow at all. Judged on the text shown, as Streamlit draws the arrow from it.
def delta_style(shown: str | None, direction: str | None) -> dict:
    """Keyword arguments for ``st.metric`` beside ``delta=shown``: ``delta_color`` and ``delta_arrow``."""
    if not shown or not any(ch in "123456789" for ch in shown):
        return {"delta_color": "off", "delta_arrow": "off"}
    colour = {"higher_is_better": "normal", "lower_is_better": "inverse"}.get(direction or "", "off")
    return {"delta_color": colour, "delta_arrow": "auto"}


def delta_colour(shown: str | None, direction: str | None) -> str:
    """The colour a reader sees for a change: green (good), red (bad) or grey (neutral or no change)."""
    colour = delta_style(shown, direction)["delta_color"]
    if colour == "off":
        return "grey"
    rising = not shown.lstrip().startswith(("-", "−"))
    return "green" if rising == (colour == "normal") else "red"


MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")


def local_datetime(iso: str | None) -> str:
    """An ISO time stamp (UTC or with an offset) as Dutch local time: "1 december 2026, 23:36"."""
    if not iso:
        return MISSING_TEXT
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:  # the warehouse writes UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TIME)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def period_label(period: str) -> str:
    """CBS period code in words: 2024JJ00 -> 2024, 2024KW02 -> 2024 kwartaal 2, 2024MM03 -> maart 2024."""
    year, kind, n = period[:4], period[4:6], int(period[6:8])
    if kind == "JJ":
        return year
    if kind in PERIOD_PARTS:
        return f"{year} {PERIOD_PARTS[kind]} {n}"
    if kind == "MM":
        return f"{MONTHS[n - 1]} {year}"
    return period


PERIOD_PARTS = {"KW": "kwartaal", "HJ": "halfjaar"}


def break_sentence(series_break: dict) -> str:
    """A trend break of the catalogue as a sentence under its chart: "Trendbreuk in 2022: ... wonen."."""
    label = (series_break.get("label") or "").strip()
    if label and label[-1] not in ".!?":
        label += "."
    return f"Trendbreuk in {period_label(series_break['period'])}: {label}".strip()


BREAKDOWN_LABELS = {
    "product": "productcategorie",
    "age_group": "leeftijdsgroep",
    "delivery_form": "leveringsvorm",
    "referrer": "verwijzer",
    "route": "manier van afhandelen",
    "laws": "combinatie van wetten",
}
CATEGORY_LABELS = {
    "product": {
        "01": "Hulp bij het huishouden", "02": "Begeleiding", "03": "Persoonlijke verzorging", "04": "Kortdurend verblijf",
        "05": "Woondiensten", "06": "Overige ondersteuning", "07": "Dagbesteding", "08": "Vervoerdiensten",
        "09": "Overige groepsgerichte ondersteuning", "10": "Overige maatwerkarrangementen", "11": "Rolstoelen",
        "12": "Vervoervoorzieningen", "13": "Woonvoorzieningen", "14": "Overige hulpmiddelen", "15": "Beschermd wonen",
        "16": "Opvang", "17": "Spoedopvang", "18": "Overige beschermd wonen en opvang",
        "40": "Persoonlijke verzorging", "41": "Dagbehandeling", "42": "Vervoer", "43": "Verblijf incl. behandeling",
        "44": "Verblijf excl. behandeling", "45": "Ambulante jeugdhulp", "46": "Crisis", "47": "Jeugdreclassering",
        "48": "Jeugdbescherming", "49": "Preventief justitieel", "50": "Maatwerkarrangementen",
        "51": "Generalistische basis-ggz", "52": "Specialistische ggz", "53": "Kindergeneeskunde", "54": "Jeugd-ggz",
        "55": "Landelijk ingekochte zorg",
        "bijstand": "Bijstand", "reintegratie": "Re-integratie", "loonkostensubsidie": "Loonkostensubsidie",
        "beschut_werk": "Beschut werk", "bijzondere_bijstand": "Bijzondere bijstand",
        "stabilisatie": "Stabilisatie", "budgetbeheer": "Budgetbeheer", "schuldregeling": "Schuldregeling",
        "nazorg": "Nazorg", "wsw": "Sociale werkvoorziening (Wsw)", "tegenprestatie": "Tegenprestatie",
    },
    "referrer": {"01": "Gemeente (wijkteam)", "02": "Huisarts", "03": "Jeugdarts", "04": "Gecertificeerde instelling",
                 "05": "Medisch specialist", "06": "Zelf", "08": "Rechter of officier van justitie"},
    "route": {"eigen_netwerk": "Eigen kracht of netwerk", "algemene_voorziening": "Algemene voorziening",
              "maatwerk": "Maatwerk", "afgewezen": "Afgewezen"},
    "delivery_form": {"ZIN": "Zorg in natura", "PGB": "Persoonsgebonden budget"},
    "laws": {"wmo": "Alleen Wmo", "jeugd": "Alleen jeugdhulp", "participatie": "Alleen Participatiewet",
             "wmo+jeugd": "Wmo en jeugdhulp", "wmo+participatie": "Wmo en Participatiewet",
             "jeugd+participatie": "Jeugdhulp en Participatiewet",
             "jeugd+wmo": "Wmo en jeugdhulp", "participatie+wmo": "Wmo en Participatiewet",
             "jeugd+participatie+wmo": "Alle drie", "wmo+jeugd+participatie": "Alle drie",
             # Debt help with other laws (stapeling_households_debt), in the order of etl STAPELING_LAWS.
             "wmo+schuldhulp": "Schuldhulp en Wmo", "jeugd+schuldhulp": "Schuldhulp en jeugdhulp",
             "participatie+schuldhulp": "Schuldhulp en Participatiewet",
             "wmo+jeugd+schuldhulp": "Schuldhulp, Wmo en jeugdhulp",
             "wmo+participatie+schuldhulp": "Schuldhulp, Wmo en Participatiewet",
             "jeugd+participatie+schuldhulp": "Schuldhulp, jeugdhulp en Participatiewet",
             "wmo+jeugd+participatie+schuldhulp": "Schuldhulp en de drie andere wetten"},
}


def category_label(breakdown: str, category: str) -> str:
    return CATEGORY_LABELS.get(breakdown, {}).get(category, category)


_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")


def category_order(labels: list[str]) -> list[str]:
    """Categories in their real order: ranges such as age groups by their first number (0-3, 4-11,
    12-17, 85+), not as text (0-3, 12-17, 4-11); known categories in the order of CATEGORY_LABELS (eigen
    kracht, algemene voorziening, maatwerk, afgewezen); anything else in the order it came in."""
    def first_number(label: str) -> float | None:
        m = _LEADING_NUMBER.match(label)
        return float(m.group(1).replace(",", ".")) if m else None

    if labels and all(first_number(lab) is not None for lab in labels):
        return sorted(labels, key=first_number)
    for known in CATEGORY_LABELS.values():
        order = list(dict.fromkeys(known.values()))
        if labels and all(lab in order for lab in labels):
            return sorted(labels, key=order.index)
    return list(labels)


def law_label(law: str | None) -> str:
    """The law's name as the menu shows it (domain.laws.LAWS); "stapeling" is a view across the laws."""
    return {**LAWS, "stapeling": "Stapeling"}.get(law or "", (law or "").capitalize())


def mapped(df: pl.DataFrame, fn, *columns: str) -> pl.Series:
    """``fn`` applied to each row's ``columns`` in plain Python, as a string column of ``df``.

    Not ``map_elements``: Polars runs that callback on its own worker threads, which then wait for
    Python's lock; with many concurrent sessions the server deadlocked (see bench_sessions.py)."""
    return pl.Series([fn(*row) for row in zip(*(df[c].to_list() for c in columns), strict=True)], dtype=pl.String)


def date_label(iso: str | None) -> str:
    """2026-03-12 -> 12 maart 2026 (also for timestamps)."""
    if not iso:
        return ""
    try:
        if "T" in iso:  # a moment (stored in UTC): the day it was in the Netherlands
            moment = datetime.fromisoformat(iso)
            d = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(LOCAL_TIME).date()
        else:
            d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def release_day(release_id: str) -> str:
    """The day a data release was made, from its id (20261203T142253-cee307 -> 3 december 2026)."""
    made = release_id[:8]
    return date_label(f"{made[:4]}-{made[4:6]}-{made[6:8]}") if made.isdigit() and len(made) == 8 else release_id
