"""``python -m etl gebieden``: in which province, COROP region, youth region and labour-market region
each municipality lies, from the CBS table "Gebieden in Nederland" (one table per year, OData v3).

The table has one row per gemeente (dimension ``RegioS``) and, per classification, a topic group
(``Provincies``, ``COROP-gebieden``, ``Jeugdregio's``, ``Arbeidsmarktregio's``) holding a ``Code_<n>``
and a ``Naam_<n>`` topic. The numbers shift between years, so topics are found through their group's
title, never by number. The load adds the regions (level provincie, corop, jeugdregio,
arbeidsmarktregio) and one membership row per gemeente and region; a new year replaces the old.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from etl.cbs_meta import read_stamp_v3, table_year
from etl.odata import DEFAULT_V3_BASE, Client, NotFound, get_all
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release, members_of

# Checked against the CBS catalogue (TableInfos) at every load; a missing id is a clear error.
TABLES = {
    2016: "83287NED", 2017: "83553NED", 2018: "83859NED", 2019: "84378NED", 2020: "84721NED",
    2021: "84929NED", 2022: "85067NED", 2023: "85385NED", 2024: "85755NED", 2025: "86059NED",
    2026: "86247NED",
}
SOURCE_ID = "cbs:gebieden"
# Topic-group title (lower case, without apostrophes) -> (level, code prefix). CBS spelled the youth
# regions "Jeugdzorgregio's" in earlier years and "Jeugdregio's" later.
GROUPS = {
    "provincies": ("provincie", "PV"),
    "corop-gebieden": ("corop", "CR"),
    "jeugdregios": ("jeugdregio", "JZ"),
    "jeugdzorgregios": ("jeugdregio", "JZ"),
    "arbeidsmarktregios": ("arbeidsmarktregio", "AM"),
}
LEVEL_NAMES = {"provincie": "provincies", "corop": "COROP-gebieden", "jeugdregio": "jeugdregio's",
               "arbeidsmarktregio": "arbeidsmarktregio's"}


@dataclass
class Loaded:
    table_id: str
    year: int
    modified: str
    regions: pl.DataFrame
    memberships: pl.DataFrame
    missing_levels: list[str] = field(default_factory=list)


def _group_key(title: str) -> str:
    return re.sub(r"['’`]", "", title or "").strip().lower()


def topic_keys(props: list[dict]) -> dict[str, tuple[str, str, str]]:
    """Level -> (code prefix, Code_<n> key, Naam_<n> key), from the topic groups of DataProperties."""
    groups = {p["ID"]: GROUPS[_group_key(p.get("Title", ""))] for p in props
              if p.get("Type") == "TopicGroup" and _group_key(p.get("Title", "")) in GROUPS}
    found: dict[str, dict[str, str]] = {}
    for p in props:
        if p.get("Type") != "Topic" or p.get("ParentID") not in groups:
            continue
        level, prefix = groups[p["ParentID"]]
        kind = "code" if re.fullmatch(r"Code_\d+", p.get("Key", "")) else (
            "name" if re.fullmatch(r"Naam_\d+", p.get("Key", "")) else None)
        if kind:
            found.setdefault(level, {"prefix": prefix})[kind] = p["Key"]
    return {lv: (k["prefix"], k["code"], k["name"]) for lv, k in found.items() if "code" in k and "name" in k}


def fetch(client: Client, base: str, table: str, year: int | None = None) -> Loaded:
    """Read one "Gebieden in Nederland" table into regions and memberships (no publication).

    Without ``year`` the year comes from the table's own period or title.
    """
    try:
        info = read_stamp_v3(client, base, table)
    except NotFound:
        raise WarehouseError(f"CBS-tabel {table} (Gebieden in Nederland {year or ''}) bestaat niet op {base}; "
                             "controleer het tabelnummer (--table)") from None
    if not str(info.get("Title") or "").lower().startswith("gebieden in nederland"):
        raise WarehouseError(f"CBS-tabel {table} is geen tabel 'Gebieden in Nederland' "
                             f"(titel: {info.get('Title') or 'onbekend'}); controleer --table")
    year = year or table_year(info.get("Period"), info.get("Title"))
    if year is None:
        raise WarehouseError(f"CBS-tabel {table}: geen jaar in de periode of de titel; geef --year")
    api = f"{base}/ODataApi/odata/{table}"
    props = get_all(client, f"{api}/DataProperties", {"$format": "json"}, f"CBS-tabel {table} (DataProperties)")
    keys = topic_keys(props)
    if not keys:
        raise WarehouseError(f"CBS-tabel {table}: geen van de indelingen {', '.join(LEVEL_NAMES.values())} gevonden")
    geo = next((p["Key"] for p in props if p.get("Type") in ("GeoDimension", "GeoDetail")), "RegioS")
    select = [geo] + [k for _, code, name in keys.values() for k in (code, name)]
    rows = get_all(client, f"{api}/TypedDataSet", {"$format": "json", "$select": ",".join(select)},
                   f"CBS-tabel {table} (TypedDataSet)")
    regions: dict[str, dict] = {}
    members = []
    for r in rows:
        gemeente = str(r.get(geo) or "").strip()
        if not re.fullmatch(r"GM\d{4}", gemeente):
            continue
        for level, (prefix, code_key, name_key) in keys.items():
            code = str(r.get(code_key) or "").strip()
            if not code:
                continue  # CBS leaves a cell empty where a gemeente is in no such region
            if not re.fullmatch(rf"{prefix}\d{{2}}", code):
                raise WarehouseError(f"CBS-tabel {table}, gemeente {gemeente}: code '{code}' past niet bij "
                                     f"{LEVEL_NAMES[level]} (verwacht {prefix} en twee cijfers)")
            regions[code] = {"region_code": code, "name": str(r.get(name_key) or code).strip(), "level": level,
                             "parent_code": "NL01", "gemeente_code": None, "boundary_year": year}
            members.append({"region_code": gemeente, "group_code": code, "level": level, "year": year})
    if not members:
        raise WarehouseError(f"CBS-tabel {table}: geen gemeenten met een indeling gevonden")
    return Loaded(table, year, str(info.get("Modified") or ""),
                  pl.DataFrame(list(regions.values())), pl.DataFrame(members),
                  [LEVEL_NAMES[lv] for lv in LEVEL_NAMES if lv not in keys])


def _source(loaded: Loaded, base: str) -> pl.DataFrame:
    return pl.DataFrame([{
        "source_id": SOURCE_ID, "kind": "cbs", "title": f"Gebieden in Nederland {loaded.year}",
        "table_id": loaded.table_id, "url": f"{base}/ODataApi/odata/{loaded.table_id}/",
        "release": loaded.modified, "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "checksum": "", "rows": loaded.memberships.height,
    }])


def table_for(year: int | None, table: str | None) -> tuple[int | None, str]:
    """(year, table id); with an explicit table the year may stay None (read from the table)."""
    if table:
        if not re.fullmatch(r"\d{5}NED", table.strip().upper()):
            raise WarehouseError(f"--table: '{table}' is geen CBS-tabelnummer (voorbeeld: 85755NED)")
        return year, table.strip().upper()
    year = year or max(TABLES)
    if year not in TABLES:
        raise WarehouseError(f"--year: voor {year} is geen tabel 'Gebieden in Nederland' bekend "
                             f"(wel {min(TABLES)}-{max(TABLES)}); geef het tabelnummer met --table")
    return year, TABLES[year]


def load(warehouse: Path, *, year: int | None = None, table: str | None = None, base_url: str = DEFAULT_V3_BASE,
         catalogue_path: Path | None = None, client: Client | None = None) -> Loaded:
    """Fetch the classification of one year and publish it (regions + memberships) in one release."""
    year, table = table_for(year, table)
    if current_release(warehouse) is None:
        raise WarehouseError("Er is nog geen warehouse: laad eerst CBS-gegevens (python -m etl cbs) of de demo")
    own = client is None
    client = client or Client()
    try:
        loaded = fetch(client, base_url, table, year)
    finally:
        if own:
            client.close()
    publish(warehouse, indicators=catalogue_mod.load(catalogue_path).to_frame(), regions=loaded.regions,
            memberships=loaded.memberships, sources=_source(loaded, base_url), replace_sources=[SOURCE_ID])
    return loaded


def loaded_table(warehouse: Path) -> tuple[str, str] | None:
    """(table id, CBS Modified) of the classification in the current release, for ``etl refresh``."""
    release = current_release(warehouse)
    if release is None:
        return None
    src = release.table("sources").filter(pl.col("source_id") == SOURCE_ID)
    return (src["table_id"][0], src["release"][0]) if src.height else None


# ---------------------------------------------------------------------------------------------
# The demo: fictional regions around the fictional municipality
# ---------------------------------------------------------------------------------------------
DEMO_GROUPS = (  # code, name, level, which peers (by position) lie in it besides the municipality
    ("PV99", "Middenland (demo)", "provincie", range(10)),
    ("CR99", "Rivierstreek (demo)", "corop", range(4)),
    ("JZ99", "Rivierstreek-Oost (demo)", "jeugdregio", (0, 2, 4, 6, 8)),
    ("AM99", "Werkregio Middenland (demo)", "arbeidsmarktregio", range(1, 6)),
)


def load_demo(warehouse: Path, catalogue_path: Path | None = None, meta: dict | None = None) -> None:
    """Give the demo's municipality (every member of a demo region) and its peers a province, COROP, youth
    and labour-market region.

    ``meta`` is the demo release's meta; without it the current release's (the command line builds the
    demo inside a staging session, where the release just built is not current yet)."""
    meta = meta if meta is not None else current_release(warehouse).meta
    own, peers = members_of(meta), meta.get("peers") or []
    if isinstance(peers, dict):  # peers chosen per member: every member's, once, in order
        peers = list(dict.fromkeys(p for ps in peers.values() for p in ps))
    peers = [p for p in peers if p not in own]
    regions, members = [], []
    for code, name, level, which in DEMO_GROUPS:
        regions.append({"region_code": code, "name": name, "level": level, "parent_code": "NL01",
                        "gemeente_code": None, "boundary_year": None})
        for g in [*own, *(peers[i] for i in which if i < len(peers))]:  # every own member lies in each group
            members.append({"region_code": g, "group_code": code, "level": level, "year": None})
    source = pl.DataFrame([{"source_id": SOURCE_ID, "kind": "demo", "title": "Gebieden (demo)", "table_id": "demo",
                            "url": "", "release": "demo", "loaded_at": datetime.now(UTC).isoformat(
                                timespec="seconds"), "checksum": "", "rows": len(members)}])
    publish(warehouse, indicators=catalogue_mod.load(catalogue_path).to_frame(), regions=pl.DataFrame(regions),
            memberships=pl.DataFrame(members), sources=source, replace_sources=[SOURCE_ID], meta={"demo": True})


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def register(sub, common) -> None:
    p = sub.add_parser("gebieden", parents=[common],
                       help="laad de indeling van gemeenten in provincies, COROP-gebieden, jeugdregio's en "
                            "arbeidsmarktregio's (CBS Gebieden in Nederland)")
    p.add_argument("--year", type=int, default=None, help=f"jaar van de indeling (standaard {max(TABLES)})")
    p.add_argument("--table", default=None, help="tabelnummer, voor een jaar dat hier nog niet bekend is")
    p.add_argument("--base-url", default=None,
                   help=f"CBS OData v3 (standaard {DEFAULT_V3_BASE} of $MSD_CBS_BASE_URL)")
    p.set_defaults(func=run)


def run(args) -> int:
    base = (args.base_url or settings.text("MSD_CBS_BASE_URL")).rstrip("/")
    loaded = load(settings.load(args.warehouse).warehouse, year=args.year, table=args.table, base_url=base,
                  catalogue_path=args.catalogue)
    counts = loaded.regions.group_by("level").len()
    parts = [f"{n} {LEVEL_NAMES[lv]}" for lv, n in zip(counts["level"], counts["len"], strict=True)]
    print(f"Gebieden in Nederland {loaded.year} ({loaded.table_id}) geladen: {', '.join(sorted(parts))}; "
          f"{loaded.memberships['region_code'].n_unique()} gemeenten.")
    for level in loaded.missing_levels:
        print(f"Let op: tabel {loaded.table_id} heeft geen {level}.", file=sys.stderr)
    return 0
