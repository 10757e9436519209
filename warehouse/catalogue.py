"""The indicator catalogue: a human-edited TOML file, checked strictly on load.

Adding an indicator is editing ``data/catalogue.toml``; this module turns it into the
``indicators`` warehouse table and tells the editor exactly which entry is wrong.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import settings
from domain.laws import LAWS

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
REQUIRED = ("id", "title", "law", "theme", "unit", "direction", "definition")
# A derived rate is numerator / denominator x scale; these are the scales a council reads.
SCALES = {100: "percent", 1000: "per_1000"}
# CBS catalogues a table can live in: StatLine itself, or the third-party catalogue (Iv3, health monitor).
CBS_CATALOGS = ("cbs", "dataderden")
# Which catalogue units a CBS unit may feed (normalised, see ``norm_unit``). A unit not listed is
# accepted as stated; a listed one that does not fit is the mistake of storing a count as a rate.
SOURCE_UNIT_FITS = {
    "aantal": {"count", "ratio"},
    "%": {"percent"},
    "per 1000 inwoners": {"per_1000"},
    "per 1000": {"per_1000"},
    "x 1000 euro": {"euro_1000"},
    "euro": {"euro"},
    "aantal inwoners per km2": {"per_km2"},
    "per km2": {"per_km2"},
}


MEMBER_CODE = re.compile(r"^(GM\d{4}|RG\d{4}|JZ\d{2})$")


class CatalogueError(Exception):
    pass


def norm_unit(text: str | None) -> str:
    """A unit as CBS writes it, made comparable: "per 1 000 inwoners", "per 1.000 inwoners" and
    "Per 1000 inwoners" are the same unit; "km²" is "km2"."""
    t = " ".join(str(text or "").lower().replace("²", "2").split())
    for thousand in ("1 000", "1.000"):
        t = t.replace(thousand, "1000")
    return t


def derivation(entry: dict) -> dict | None:
    """The entry's ``derive`` table, or None when the value is taken as published."""
    return entry.get("derive") or None


def parts(entry: dict) -> list[str]:
    """The indicators a derived value is computed from."""
    d = derivation(entry) or {}
    if "sum" in d:
        return list(d["sum"])
    return [x for x in (d.get("numerator"), d.get("denominator")) if x]


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
        rate_companions = {}
        for e in self.entries:
            d = derivation(e) or {}
            if d.get("numerator") and e["unit"] in ("per_1000", "percent"):
                rate_companions.setdefault(d["numerator"], e["id"])
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
                # A derived rate's base is its derivation's denominator (the loader checks they agree).
                "denominator_id": e.get("denominator") or (derivation(e) or {}).get("denominator"),
                # The CBS figure that counts (nearly) the same thing, shown beside an own-registry figure.
                "compare_with": e.get("compare_with"),
                "sensitive": bool(e.get("sensitive", False)),
                "headline": bool(e.get("headline", False)),
                "order": int(e.get("order", 999)),
                "source_label": e.get("source_label", ""),
                "source_json": json.dumps(e.get("source") or {}, ensure_ascii=False, sort_keys=True),
                "derive_json": json.dumps(derivation(e), ensure_ascii=False, sort_keys=True) if derivation(e) else None,
                # The rate to compare a count on: set in the catalogue, else the derivation over this count.
                "rate_companion": e.get("rate_companion") or rate_companions.get(e["id"]),
                "series_breaks_json": json.dumps(e.get("series_breaks", []), ensure_ascii=False),
                "goal_json": json.dumps(goal, ensure_ascii=False, sort_keys=True) if goal else None,
                # In a region each member council sets its own goals: member code -> goal.
                "goals_json": json.dumps(e["goals"], ensure_ascii=False, sort_keys=True) if e.get("goals") else None,
            })
        return pl.DataFrame(rows, schema_overrides={"denominator_id": pl.String(), "compare_with": pl.String(),
                                                  "goal_json": pl.String(), "derive_json": pl.String(),
                                                  "rate_companion": pl.String(), "goals_json": pl.String()})



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
        if not e.get("source") and not e.get("derive"):
            problems.append(f"{where}: needs a 'source' (taken as published) or a 'derive' (computed)")
        problems += _check_cbs_source(where, e)
        problems += _check_member_goals(where, e)
    ids = {e.get("id") for e in entries}
    by_id = {e.get("id"): e for e in entries}
    for n, e in enumerate(entries, start=1):
        where = f"entry {n} ({e.get('id')})"
        for key in ("denominator", "compare_with", "rate_companion"):
            other = e.get(key)
            if other and other not in ids:
                problems.append(f"{where}: {key} '{other}' is not an indicator")
        if e.get("derive"):
            problems += _check_derivation(where, e, by_id)
    problems += _check_cycles(entries)
    if problems:
        raise CatalogueError(f"Catalogue {path} has {len(problems)} problem(s):\n- " + "\n- ".join(problems))
    return Catalogue(path=path, entries=entries)


def _check_cbs_source(where: str, e: dict) -> list[str]:
    cbs = (e.get("source") or {}).get("cbs")
    if cbs is None:
        return []
    if not isinstance(cbs, dict):
        return [f"{where}: source.cbs must be a table {{ tables = [...], measure = ..., unit = ... }}"]
    out = []
    if not cbs.get("unit"):
        out.append(f"{where}: source.cbs needs the unit CBS publishes the measure in (e.g. unit = \"aantal\")")
    else:
        fits = SOURCE_UNIT_FITS.get(norm_unit(cbs["unit"]))
        if fits is not None and e.get("unit") in UNITS and e["unit"] not in fits:
            out.append(f"{where}: CBS publishes '{cbs.get('measure', '?')}' in "
                       f"'{cbs['unit']}', which cannot be stored as unit '{e['unit']}'; take the count as "
                       "published and derive the rate (derive = { numerator, denominator, scale })")
    if cbs.get("catalog", "cbs") not in CBS_CATALOGS:
        out.append(f"{where}: source.cbs.catalog '{cbs['catalog']}' is not one of {list(CBS_CATALOGS)}")
    return out


def _check_member_goals(where: str, e: dict) -> list[str]:
    goals = e.get("goals")
    if goals is None:
        return []
    if not isinstance(goals, dict) or not all(isinstance(g, dict) for g in goals.values()):
        return [f"{where}: goals must be a table per municipality, e.g. goals = {{ GM1234 = {{ direction = \"down\" }} }}"]
    return [f"{where}: goals names '{code}', which is not a municipality (GM1234) or region code (RG0001, JZ12)"
            for code in goals if not MEMBER_CODE.match(code)]


def _check_derivation(where: str, e: dict, by_id: dict[str, dict]) -> list[str]:
    d = e["derive"]
    if not isinstance(d, dict):
        return [f"{where}: derive must be a table, e.g. {{ numerator = \"a\", denominator = \"b\", scale = 1000 }}"]
    if "cbs" in (e.get("source") or {}):
        return [f"{where}: a derived figure cannot also take a CBS measure; map the count and derive from it"]
    out = []
    if "sum" in d:
        if set(d) != {"sum"} or not isinstance(d["sum"], list) or len(d["sum"]) < 2:
            return [f"{where}: derive.sum must be a list of at least two indicator ids, and nothing else"]
        if e.get("unit") != "count":
            out.append(f"{where}: a sum of counts has unit 'count', not '{e.get('unit')}'")
        for p in d["sum"]:
            if p not in by_id:
                out.append(f"{where}: derive.sum names '{p}', which is not an indicator")
            elif by_id[p].get("unit") != "count":
                out.append(f"{where}: derive.sum part '{p}' is not a count")
        return out
    if set(d) - {"numerator", "denominator", "scale"} or not d.get("numerator") or not d.get("denominator"):
        return [f"{where}: derive needs numerator, denominator and scale (100 or 1000), or sum = [...]"]
    for key in ("numerator", "denominator"):
        other = d[key]
        if other not in by_id:
            out.append(f"{where}: derive.{key} '{other}' is not an indicator")
        elif by_id[other].get("unit") != "count":
            out.append(f"{where}: derive.{key} '{other}' must be a count, not '{by_id[other].get('unit')}'")
    if d.get("scale") not in SCALES:
        out.append(f"{where}: derive.scale must be 100 or 1000, not {d.get('scale')!r}")
    elif e.get("unit") != SCALES[d["scale"]]:
        out.append(f"{where}: a derivation times {d['scale']} has unit '{SCALES[d['scale']]}', not '{e.get('unit')}'")
    if e.get("denominator") and e["denominator"] != d["denominator"]:
        out.append(f"{where}: denominator '{e['denominator']}' differs from derive.denominator '{d['denominator']}'")
    return out


def _check_cycles(entries: list[dict]) -> list[str]:
    graph = {e.get("id"): parts(e) for e in entries if isinstance(e.get("derive"), dict)}
    out = []
    for start in graph:
        stack, seen = list(graph[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                out.append(f"indicator '{start}' is derived from itself (via {' / '.join(sorted(seen)) or start})")
                break
            if node in seen:
                continue
            seen.add(node)
            stack.extend(graph.get(node, []))
    return out
