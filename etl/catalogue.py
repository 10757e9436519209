"""The indicator catalogue: a human-edited TOML file, checked strictly on load.

Adding an indicator is editing ``data/catalogue.toml``; this module turns it into the
``indicators`` warehouse table and tells the editor exactly which entry is wrong.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import settings

LAWS = {
    "wmo": "Wmo",
    "jeugd": "Jeugd",
    "participatie": "Participatie en inkomen",
    "schuldhulp": "Schuldhulp",
    "veiligheid": "Veiligheid en jeugdbescherming",
    "context": "Inwoners en huishoudens",
}
UNITS = {
    "count": "aantal",
    "percent": "%",
    "per_1000": "per 1.000",
    "euro": "euro",
    "euro_1000": "x 1.000 euro",
    "days": "dagen",
    "score": "rapportcijfer",
    "ratio": "gemiddeld",
    "per_km2": "per km²",
}
DIRECTIONS = {"higher_is_better", "lower_is_better", "neutral"}
LEVELS = {"land", "gemeente", "wijk", "buurt"}
REQUIRED = ("id", "title", "law", "theme", "unit", "direction", "definition", "source")


class CatalogueError(Exception):
    pass


@dataclass(frozen=True)
class Catalogue:
    path: Path
    entries: list[dict]

    @property
    def ids(self) -> set[str]:
        return {e["id"] for e in self.entries}

    def get(self, indicator_id: str) -> dict:
        for e in self.entries:
            if e["id"] == indicator_id:
                return e
        raise KeyError(indicator_id)

    def by_source(self, kind: str) -> list[dict]:
        return [e for e in self.entries if kind in e.get("source", {})]

    def to_frame(self) -> pl.DataFrame:
        """The ``indicators`` warehouse table; nested mappings are kept as JSON text."""
        rows = []
        for e in self.entries:
            goal = e.get("goal") or {}
            rows.append({
                "id": e["id"],
                "title": e["title"],
                "short_title": e.get("short_title", e["title"]),
                "law": e["law"],
                "theme": e["theme"],
                "unit": e["unit"],
                "unit_label": UNITS[e["unit"]],
                "direction": e["direction"],
                "definition": e["definition"].strip(),
                "levels": ",".join(e.get("levels", ["gemeente"])),
                "denominator_id": e.get("denominator"),
                # The CBS figure that counts (nearly) the same thing, shown beside an own-registry figure.
                "compare_with": e.get("compare_with"),
                "sensitive": bool(e.get("sensitive", False)),
                "headline": bool(e.get("headline", False)),
                "order": int(e.get("order", 999)),
                "source_label": e.get("source_label", ""),
                "source_json": json.dumps(e["source"], ensure_ascii=False, sort_keys=True),
                "series_breaks_json": json.dumps(e.get("series_breaks", []), ensure_ascii=False),
                "goal_json": json.dumps(goal, ensure_ascii=False, sort_keys=True) if goal else None,
            })
        return pl.DataFrame(rows, schema_overrides={"denominator_id": pl.String(), "compare_with": pl.String(),
                                                  "goal_json": pl.String()})


def load(path: Path | None = None) -> Catalogue:
    path = Path(path or settings.CATALOGUE_PATH)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"Catalogue file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"Catalogue {path} is not valid TOML: {exc}") from exc
    entries = doc.get("indicator", [])
    if not entries:
        raise CatalogueError(f"Catalogue {path} holds no [[indicator]] entries")
    problems: list[str] = []
    seen: set[str] = set()
    for n, e in enumerate(entries, start=1):
        where = f"entry {n} ({e.get('id', 'no id')})"
        for key in REQUIRED:
            if key not in e or e[key] in ("", None):
                problems.append(f"{where}: '{key}' is missing")
        if e.get("id") in seen:
            problems.append(f"{where}: id occurs twice")
        seen.add(e.get("id"))
        if "law" in e and e["law"] not in LAWS:
            problems.append(f"{where}: law '{e['law']}' is not one of {sorted(LAWS)}")
        if "unit" in e and e["unit"] not in UNITS:
            problems.append(f"{where}: unit '{e['unit']}' is not one of {sorted(UNITS)}")
        if "direction" in e and e["direction"] not in DIRECTIONS:
            problems.append(f"{where}: direction '{e['direction']}' is not one of {sorted(DIRECTIONS)}")
        bad_levels = set(e.get("levels", [])) - LEVELS
        if bad_levels:
            problems.append(f"{where}: unknown levels {sorted(bad_levels)}")
    ids = {e.get("id") for e in entries}
    for n, e in enumerate(entries, start=1):
        for key in ("denominator", "compare_with"):
            other = e.get(key)
            if other and other not in ids:
                problems.append(f"entry {n} ({e.get('id')}): {key} '{other}' is not an indicator")
    if problems:
        raise CatalogueError(f"Catalogue {path} has {len(problems)} problem(s):\n- " + "\n- ".join(problems))
    return Catalogue(path=path, entries=entries)
