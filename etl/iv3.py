"""``python -m etl iv3``: what municipalities spend per law, from the Iv3 data CBS publishes.

Every municipality reports its budget (begroting) and annual account (jaarrekening) to CBS per
taakveld and economic category, in EUR 1.000 ("Gemeenten JJJJ onbewerkte Iv3-data", CBS third-party
catalogue dataderden). This loader reads one table per year through the same CBS client as
``etl.cbs``, checks each table id against its title, keeps the taakvelden of the social domain listed
per year in ``data/iv3_taakvelden.toml``, leaves out reserve mutations and internal charges, and
publishes lasten and baten per finance group (Wmo, jeugd, participatie, ...) as catalogue indicators
``fin_<group>_<lasten|baten>[_begroting]``, with the split per taakveld as breakdown ``taakveld``.
The national figure is the sum over every municipality in the table. Per-inhabitant figures are
derived at publication from ``population`` (``derive`` in the catalogue).
"""

from __future__ import annotations

import hashlib
import re
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import settings
from etl.cbs import DEFAULT_DATADERDEN_BASE, parse_codes, parse_years
from etl.cbs_meta import match_measure, read_codes_v3, read_meta_v3, read_stamp_v3
from etl.cbs_shape import Scope
from etl.odata import Client, NotFound, get_all, pad_key
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release

MAPPING_PATH = settings.DATA_DIR / "iv3_taakvelden.toml"
DIMS = {"geo": "Gemeenten", "taakveld": "TaakveldBalanspost", "categorie": "Categorie",
        "verslagsoort": "Verslagsoort"}
KINDS = {"begroting": "begroting", "jaarrekening": "realisatie", "realisatie": "realisatie"}
LONG_SCHEMA = {"Gemeenten": pl.String, "TaakveldBalanspost": pl.String, "Categorie": pl.String,
               "Verslagsoort": pl.String, "value": pl.Float64}


@dataclass(frozen=True)
class Mapping:
    measure: str
    tables: dict[int, str]
    exclude: frozenset[str]
    groups: dict[str, dict]
    periods: list[tuple[int, int | None, dict[str, str]]]

    def taakvelden(self, year: int) -> dict[str, str]:
        for lo, hi, tv in self.periods:
            if lo <= year and (hi is None or year <= hi):
                return tv
        return {}


def load_mapping(path: Path | None = None) -> Mapping:
    path = Path(path or MAPPING_PATH)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WarehouseError(f"{path}: geen geldige TOML ({exc})") from None
    groups = doc.get("groups") or {}
    periods = []
    for n, p in enumerate(doc.get("period") or [], start=1):
        where = f"{path}, [[period]] {n}"
        tv = {str(k): str(v) for k, v in (p.get("taakvelden") or {}).items()}
        unknown = sorted(set(tv.values()) - set(groups))
        if unknown:
            raise WarehouseError(f"{where}: groep {', '.join(unknown)} staat niet onder [groups]")
        for parent in tv:
            children = [c for c in tv if c != parent and c.startswith(parent) and c[len(parent):].isalpha()]
            if children:  # counting both would count the same euros twice
                raise WarehouseError(f"{where}: taakveld {parent} staat er samen met {children[0]}; "
                                     "neem het taakveld of de sub-taakvelden, niet allebei")
        if "from" not in p:
            raise WarehouseError(f"{where}: 'from' (eerste jaar) ontbreekt")
        periods.append((int(p["from"]), int(p["to"]) if p.get("to") else None, tv))
    return Mapping(measure=str(doc.get("measure") or "k_1ePlaatsing"),
                   tables={int(y): str(t) for y, t in (doc.get("tables") or {}).items()},
                   exclude=frozenset(str(c) for c in (doc.get("categories") or {}).get("exclude", [])),
                   groups=groups, periods=periods)


def report_kind(title: str, table_year: int | None) -> tuple[str, int] | None:
    """('begroting' | 'realisatie', year) from a Verslagsoort title such as 'Begroting 2025'; None for
    other reports (quarterly figures)."""
    m = re.match(r"\s*(begroting|jaarrekening|realisatie)\b\D*((?:19|20)\d{2})?", title, re.IGNORECASE)
    if not m:
        return None
    year = int(m.group(2)) if m.group(2) else table_year
    return (KINDS[m.group(1).lower()], year) if year else None


def shape(long: pl.DataFrame, report_titles: dict[str, str], table_year: int | None, mapping: Mapping,
          source_id: str, *, national: bool = True) -> pl.DataFrame:
    """Iv3 rows [Gemeenten, TaakveldBalanspost, Categorie, Verslagsoort, value] -> observations.

    The national figure (NL01) is the sum of every municipality in the rows, unless they hold an NL01
    row themselves (the demo, which has no whole country to add up).

    Categorie codes carry L (lasten) or B (baten) before the Iv3 category ("L4.3.8"). A taakveld
    counts in the year of the report; only the taakvelden mapped for that year are kept."""
    kinds = {k.strip(): report_kind(t, table_year) for k, t in report_titles.items()}
    kinds = {k: v for k, v in kinds.items() if v}
    df = long.select([pl.col(c).cast(pl.String).str.strip_chars() for c in LONG_SCHEMA if c != "value"]
                     + [pl.col("value").cast(pl.Float64)])
    df = df.filter(pl.col("Verslagsoort").is_in(list(kinds)) & pl.col("value").is_not_null())
    df = df.with_columns(
        kind=pl.col("Verslagsoort").replace_strict({k: v[0] for k, v in kinds.items()}, return_dtype=pl.String),
        year=pl.col("Verslagsoort").replace_strict({k: v[1] for k, v in kinds.items()}, return_dtype=pl.Int32),
        side=pl.col("Categorie").str.slice(0, 1).replace_strict({"L": "lasten", "B": "baten"}, default=None,
                                                                return_dtype=pl.String),
        cat=pl.col("Categorie").str.slice(1),
    ).filter(pl.col("side").is_not_null() & ~pl.col("cat").is_in(sorted(mapping.exclude)))
    maps = pl.DataFrame([{"year": y, "TaakveldBalanspost": tv, "group": g}
                         for y in df["year"].unique().to_list() for tv, g in mapping.taakvelden(y).items()],
                        schema={"year": pl.Int32, "TaakveldBalanspost": pl.String, "group": pl.String})
    df = df.join(maps, on=["year", "TaakveldBalanspost"], how="inner")
    df = df.filter(pl.col("Gemeenten").str.contains(r"^(GM\d{4}|NL01)$"))
    if national and not (df["Gemeenten"] == "NL01").any():  # a table with a national row keeps its own
        df = pl.concat([df, df.filter(pl.col("Gemeenten") != "NL01").with_columns(Gemeenten=pl.lit("NL01"))])
    keys = ["Gemeenten", "year", "kind", "side", "group"]
    total = df.group_by(keys).agg(value=pl.col("value").sum()).with_columns(
        breakdown=pl.lit(""), category=pl.lit(""))
    detail = df.group_by([*keys, "TaakveldBalanspost"]).agg(value=pl.col("value").sum()).with_columns(
        breakdown=pl.lit("taakveld"), category=pl.col("TaakveldBalanspost")).drop("TaakveldBalanspost")
    out = pl.concat([total, detail.select(total.columns)])
    ids = pl.concat_str([pl.lit("fin_"), pl.col("group"), pl.lit("_"), pl.col("side"),
                         pl.when(pl.col("kind") == "begroting").then(pl.lit("_begroting")).otherwise(pl.lit(""))])
    return out.select(indicator_id=ids, region_code=pl.col("Gemeenten"),
                      period=pl.col("year").cast(pl.String) + "JJ00", breakdown="breakdown", category="category",
                      value="value", denominator=pl.lit(None, pl.Float64), status=pl.lit("final"),
                      source_id=pl.lit(source_id)).sort("indicator_id", "region_code", "period", "breakdown",
                                                         "category")


def publish_iv3(warehouse: Path, obs: pl.DataFrame, region_names: dict[str, str], sources: list[dict], *,
                catalogue_path: Path | None = None, meta: dict | None = None):
    """Publish shaped Iv3 observations (the CLI load and the demo both end here)."""
    cat = catalogue_mod.load(catalogue_path)
    known = set(cat.to_frame()["id"].to_list())
    missing = sorted(set(obs["indicator_id"].unique().to_list()) - known)
    if missing:
        raise WarehouseError(f"Iv3: de catalogus ({cat.path}) mist de indicatoren {', '.join(missing[:6])}; "
                             "voeg ze toe of pas de groepen in data/iv3_taakvelden.toml aan")
    current = current_release(warehouse)
    # Regions a release already holds keep their row (names and boundary year from CBS or the demo).
    have = set(current.table("regions")["region_code"].to_list()) if current else set()
    codes = sorted(set(obs["region_code"].to_list()) - have)
    regions = pl.DataFrame([{"region_code": c, "name": "Nederland" if c == "NL01" else region_names.get(c, c),
                             "level": "land" if c == "NL01" else "gemeente",
                             "parent_code": None if c == "NL01" else "NL01",
                             "gemeente_code": None if c == "NL01" else c} for c in codes],
                           schema={"region_code": pl.String, "name": pl.String, "level": pl.String,
                                   "parent_code": pl.String, "gemeente_code": pl.String})
    return publish(warehouse, indicators=cat.to_frame(), observations=obs,
                   replace_sources=[s["source_id"] for s in sources], regions=regions,
                   sources=pl.DataFrame(sources), meta=meta)


def source_row(source_id: str, title: str, table_id: str, url: str, release: str, checksum: str, rows: int) -> dict:
    return {"source_id": source_id, "kind": "cbs", "title": title, "table_id": table_id, "url": url,
            "release": release, "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "checksum": checksum, "rows": rows}


# ---------------------------------------------------------------------------------------------
# Reading CBS
# ---------------------------------------------------------------------------------------------
def read_table(client: Client, base: str, table: str, year: int, mapping: Mapping
               ) -> tuple[pl.DataFrame, dict[str, str], dict[str, str], dict]:
    """(long rows, Verslagsoort titles, municipality names, TableInfos) of one Iv3 table."""
    try:
        info = read_stamp_v3(client, base, table)
    except NotFound:
        raise WarehouseError(f"Iv3 {year}: tabel {table} bestaat niet in de CBS-catalogus dataderden ({base}); "
                             "controleer [tables] in data/iv3_taakvelden.toml") from None
    title = str(info.get("Title") or "")
    if not re.search(rf"gemeenten\s+{year}\s+onbewerkte\s+iv3", title, re.IGNORECASE):
        raise WarehouseError(f"Iv3 {year}: tabel {table} heet '{title.strip()}', verwacht "
                             f"'Gemeenten {year} onbewerkte Iv3-data'; controleer [tables] in data/iv3_taakvelden.toml")
    meta = read_meta_v3(client, base, table, info)
    dims = set(meta.other_dims) | {d for d in (meta.geo_dim, meta.time_dim) if d}
    absent = [d for d in DIMS.values() if d not in dims]
    if absent:
        raise WarehouseError(f"Iv3 {year}: tabel {table} heeft geen dimensie {', '.join(absent)} "
                             f"(wel: {', '.join(sorted(dims))})")
    key = match_measure(mapping.measure, list(meta.measures))
    if key is None:
        raise WarehouseError(f"Iv3 {year}: tabel {table} heeft geen onderwerp '{mapping.measure}' "
                             f"(wel: {', '.join(meta.measures)})")
    codes = read_codes_v3(client, base, meta, list(DIMS.values()))
    width = max(len(c["raw"]) for c in codes["TaakveldBalanspost"])
    wanted = [pad_key(tv, width) for tv in mapping.taakvelden(year)
              if tv in {c["key"] for c in codes["TaakveldBalanspost"]}]
    if not wanted:
        raise WarehouseError(f"Iv3 {year}: tabel {table} kent geen van de taakvelden uit data/iv3_taakvelden.toml")
    rows = get_all(client, f"{base}/ODataFeed/odata/{table}/TypedDataSet",
                   {"$format": "json", "$select": ",".join([*DIMS.values(), key]),
                    "$filter": "(" + " or ".join(f"TaakveldBalanspost eq '{t}'" for t in wanted) + ")"},
                   f"CBS-tabel {table} (Iv3 {year})")
    long = pl.DataFrame({**{d: [r.get(d) for r in rows] for d in DIMS.values()},
                         "value": [r.get(key) for r in rows]}, schema=LONG_SCHEMA, strict=False)
    reports = {c["key"]: c["title"] for c in codes["Verslagsoort"]}
    names = {c["key"]: c["title"] for c in codes["Gemeenten"]}
    return long, reports, names, info


def run_load(warehouse: Path, *, base: str = DEFAULT_DATADERDEN_BASE, years: set[int] | None = None,
             scope: Scope | None = None, catalogue_path: Path | None = None, mapping_path: Path | None = None,
             client: Client | None = None) -> tuple[str, int]:
    mapping = load_mapping(mapping_path)
    todo = {y: t for y, t in sorted(mapping.tables.items()) if years is None or y in years}
    if not todo:
        raise WarehouseError(f"Iv3: geen tabel voor de jaren {sorted(years or [])} in data/iv3_taakvelden.toml")
    own = client is None
    client = client or Client()
    frames, names, sources = [], {}, []
    try:
        for year, table in todo.items():
            long, reports, table_names, info = read_table(client, base, table, year, mapping)
            sid = f"cbs:{table}"
            obs = shape(long, reports, year, mapping, sid)
            frames.append(obs)
            names.update(table_names)
            checksum = hashlib.sha256(long.write_csv().encode()).hexdigest()[:16]
            sources.append(source_row(sid, str(info.get("Title") or table).strip(), table,
                                      f"{base}/ODataFeed/odata/{table}/", str(info.get("Modified") or ""),
                                      checksum, obs.height))
            print(f"Iv3 {year} ({table}): {obs.height} cijfers", file=sys.stderr)
    finally:
        if own:
            client.close()
    obs = pl.concat(frames)
    if scope and scope.gemeente:  # the nation was summed over every municipality before this
        obs = obs.filter(pl.col("region_code").is_in(["NL01", *scope.own, *scope.peers]))
    release = publish_iv3(warehouse, obs, names, sources, catalogue_path=catalogue_path)
    return release.id, obs.height


def register(sub, common) -> None:
    p = sub.add_parser("iv3", parents=[common],
                       help="laad lasten en baten per taakveld (Iv3, CBS dataderden) voor het sociaal domein")
    p.add_argument("--gemeente", help="gemeentecode(s), bijv. GM0995 of in een regio GM0226,GM0221: alleen die "
                   "gemeenten, de peers en Nederland")
    p.add_argument("--peers", help="vergelijkbare gemeenten, komma-gescheiden")
    p.add_argument("--years", help="alleen deze Iv3-jaren, bijv. 2023-2025")
    p.add_argument("--mapping", type=Path, default=None, help="taakvelden per wet (default data/iv3_taakvelden.toml)")
    p.add_argument("--dataderden-base-url", default=None,
                   help=f"CBS-catalogus dataderden (default {DEFAULT_DATADERDEN_BASE} of $MSD_CBS_DATADERDEN_BASE_URL)")
    p.set_defaults(func=run)


def run(args) -> int:
    gemeente = parse_codes(args.gemeente, "GM", "--gemeente")
    base = (args.dataderden_base_url or settings.text("MSD_CBS_DATADERDEN_BASE_URL")).rstrip("/")
    scope = Scope(gemeente[0] if gemeente else None, parse_codes(args.peers, "GM", "--peers"), members=tuple(gemeente[1:]))
    release, n = run_load(settings.load(args.warehouse).warehouse, base=base, years=parse_years(args.years),
                          scope=scope, catalogue_path=args.catalogue, mapping_path=args.mapping)
    print(f"Iv3 geladen: {n} cijfers in versie {release}")
    return 0
