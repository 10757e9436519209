"""``python -m etl cbs``: load CBS StatLine tables (OData v3 or v4) into the warehouse, driven by the catalogue.

Every catalogue entry with ``source.cbs = {tables=[...], measure="<key prefix>", filter={Dim="code"}}``
asks for one measure from each of those tables. Measure keys are ``Prefix_<n>`` in v3 and the number
shifts between yearly tables, so they are matched by prefix. The run:

1. looks every table id up first (v3 ``TableInfos``, else v4 ``Properties``; ``catalog = "dataderden"``
   in the catalogue reads the CBS third-party catalogue instead): unknown ids are named in one message;
   then reads each table's metadata (v3 ``DataProperties``/dimension collections, or v4
   ``Dimensions``/``MeasureCodes``/``<Dim>Codes``) and refuses a measure whose unit is not the
   catalogue's ``unit``;
2. skips a table whose ``Modified`` equals the release in the current warehouse (incremental refresh);
3. downloads only the needed measures and regions (v3 bulk ``ODataFeed`` with ``$select``/``$filter``,
   v4 ``Observations``), page by page into a resumable cache under ``<warehouse>/.download``;
4. publishes every table in ONE atomic release, and only when all tables are complete; rates derived
   from the counts (``etl.derive``) are computed in that publication.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

import settings
from etl import catalogue as catalogue_mod
from etl.odata import (
    DEFAULT_V3_BASE,
    DEFAULT_V4_BASE,
    Client,
    NotFound,
    PageCache,
    Progress,
    get_all,
    iter_pages,
    pad_key,
    parse_json_page,
)
from etl.warehouse import REGION_RE, WarehouseError, current_release, publish

GEO_KINDS = {"GeoDimension", "GeoDetail"}
DIM_KINDS = {"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"}
LEVEL_BY_PREFIX = {"NL": "land", "PV": "provincie", "JZ": "jeugdregio", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
FILTER_CHUNK = 40  # region keys per $filter, keeps URLs well under server limits
# The CBS third-party catalogue (Iv3 finance, RIVM health monitor): same OData v3 layout, other host.
DEFAULT_DATADERDEN_BASE = "https://dataderden.cbs.nl"
PROVISIONAL_ATTRS = {"provisional", "voorlopig", "*", "**", "nader voorlopig"}
MISSING_ATTRS = {"missing", "impossible", "confidential", "unknown", "notavailable", "valueisnotavailable", "."}


# ---------------------------------------------------------------------------------------------
# What to load
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Wanted:
    """One catalogue indicator asked from one table."""

    indicator_id: str
    measure: str  # key prefix, e.g. "AantalInwoners"
    filters: tuple[tuple[str, str], ...] = ()
    unit: str = ""  # the unit the catalogue expects CBS to state for the measure
    catalog: str = "cbs"  # cbs (StatLine) or dataderden (third-party catalogue)


@dataclass
class Scope:
    """Which regions to keep: everything, or one municipality with its wijken/buurten, NL and peers."""

    gemeente: str | None = None
    peers: tuple[str, ...] = ()

    def keep(self, code: str) -> bool:
        if self.gemeente is None:
            return True
        if code in ("NL00", "NL01") or code == self.gemeente or code in self.peers:
            return True
        return code[:2] in ("WK", "BU") and code[2:6] == self.gemeente[2:]


def plan(cat: catalogue_mod.Catalogue, tables: list[str] | None) -> dict[str, list[Wanted]]:
    """Table id -> indicators to take from it, from the catalogue (optionally only some tables)."""
    out: dict[str, list[Wanted]] = {}
    for entry in cat.by_source("cbs"):
        src = entry["source"]["cbs"]
        where = f"catalogus {cat.path}, indicator '{entry['id']}'"
        if not isinstance(src, dict) or not src.get("tables") or not src.get("measure"):
            raise WarehouseError(f"{where}: source.cbs heeft 'tables' en 'measure' nodig")
        filters = tuple(sorted((str(k), str(v)) for k, v in (src.get("filter") or {}).items()))
        catalog = str(src.get("catalog", "cbs"))
        for table in src["tables"]:
            others = {w.catalog for w in out.get(str(table), [])} - {catalog}
            if others:
                raise WarehouseError(f"{where}: tabel {table} staat bij een andere indicator in catalogus "
                                     f"'{others.pop()}', hier in '{catalog}'; een tabel woont in één catalogus")
            out.setdefault(str(table), []).append(
                Wanted(entry["id"], str(src["measure"]), filters, str(src.get("unit", "")), catalog))
    if tables:
        unknown = [t for t in tables if t not in out]
        if unknown:
            raise WarehouseError(
                f"Tabel(len) {', '.join(unknown)} staan niet in de catalogus ({cat.path}); "
                "voeg eerst een indicator met source.cbs toe"
            )
        out = {t: out[t] for t in tables}
    return out


def parse_years(text: str | None) -> set[int] | None:
    if not text:
        return None
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise WarehouseError(f"--years: '{part}' is geen jaar of reeks (voorbeeld: 2020,2022-2024)")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        years.update(range(lo, hi + 1))
    return years


def parse_codes(text: str | None, prefix: str, option: str) -> tuple[str, ...]:
    if not text:
        return ()
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    bad = [c for c in codes if not re.fullmatch(rf"{prefix}\d{{4}}", c)]
    if bad:
        raise WarehouseError(f"{option}: {', '.join(bad)} is geen gemeentecode (voorbeeld: GM0995)")
    return codes


# ---------------------------------------------------------------------------------------------
# Helpers shared by v3 and v4
# ---------------------------------------------------------------------------------------------
def camel_key(title: str) -> str:
    """The v3 key stem CBS derives from a title ("Wmo-cliënten" -> "WmoClienten", "65 jaar" -> "k_65Jaar")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_title)
    key = "".join(w[:1].upper() + w[1:] for w in words)
    return "k_" + key if key[:1].isdigit() else key


def match_measure(prefix: str, keys: list[str], titles: dict[str, str] | None = None) -> str | None:
    """The measure key for a catalogue prefix: ``Prefix_<n>`` (v3), the code itself, or the camel title (v4)."""
    pat = re.compile(re.escape(prefix) + r"_\d+")
    for k in keys:
        if pat.fullmatch(k) or k == prefix:
            return k
    for k, t in (titles or {}).items():
        if camel_key(t) == prefix:
            return k
    return None


def normalise_region(code: str) -> str:
    code = code.strip()
    return "NL01" if code == "NL00" else code  # one national series, whatever table it comes from


def total_code(codes: list[str]) -> str:
    """A dimension the catalogue does not filter on is taken at its total (CBS totals are Tnnnnnn)."""
    for c in codes:
        if re.fullmatch(r"T\d{6}", c.strip()):
            return c
    return codes[0]


def table_year(*candidates: object) -> int | None:
    for c in candidates:
        if c is None:
            continue
        m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*$", str(c).strip())
        if m:
            return int(m.group(1))
    return None


@dataclass
class TableMeta:
    table_id: str
    protocol: str  # v3 | v4
    title: str
    modified: str
    url: str
    geo_dim: str | None
    time_dim: str | None
    other_dims: list[str]
    map_year: int | None
    year: int | None  # for tables without a period dimension
    codes: dict[str, list[dict]] = field(default_factory=dict)  # dim -> [{"key","raw","title","status"}]
    measures: dict[str, str] = field(default_factory=dict)  # key -> title
    record_count: int | None = None
    units: dict[str, str] = field(default_factory=dict)  # key -> unit as CBS states it


@dataclass
class TableResult:
    meta: TableMeta
    observations: pl.DataFrame
    regions: pl.DataFrame
    checksum: str


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------
def read_stamp_v3(client: Client, base: str, table: str) -> dict:
    """TableInfos only: enough to see whether the table changed since the last load."""
    api = f"{base}/ODataApi/odata/{table}"
    infos = get_all(client, f"{api}/TableInfos", {"$format": "json"}, f"CBS-tabel {table} (TableInfos)")
    if not infos:
        raise WarehouseError(f"CBS-tabel {table}: TableInfos is leeg op {api}")
    return infos[0]


def read_meta_v3(client: Client, base: str, table: str, info: dict) -> TableMeta:
    api = f"{base}/ODataApi/odata/{table}"
    props = get_all(client, f"{api}/DataProperties", {"$format": "json"}, f"CBS-tabel {table} (DataProperties)")
    dims = [p for p in props if p.get("Type") in DIM_KINDS]
    geo = next((p for p in dims if p["Type"] in GEO_KINDS), None)
    time_dim = next((p for p in dims if p["Type"] == "TimeDimension"), None)
    meta = TableMeta(
        table_id=table, protocol="v3", title=info.get("Title") or table, modified=str(info.get("Modified") or ""),
        url=f"{base}/ODataFeed/odata/{table}/",
        geo_dim=geo["Key"] if geo else None, time_dim=time_dim["Key"] if time_dim else None,
        other_dims=[p["Key"] for p in dims if p not in (geo, time_dim)],
        map_year=_int(geo.get("MapYear")) if geo else None,
        year=table_year(info.get("Period"), info.get("Title")),
        measures={p["Key"]: p.get("Title") or "" for p in props if p.get("Type") == "Topic"},
        record_count=_int(info.get("RecordCount")),
        units={p["Key"]: p.get("Unit") or "" for p in props if p.get("Type") == "Topic"},
    )
    return meta


def read_codes_v3(client: Client, base: str, meta: TableMeta, dims: list[str]) -> dict[str, list[dict]]:
    codes = {}
    for dim in dims:
        params = {"$format": "json"}
        if dim != meta.time_dim:
            # Region lists carry long descriptions we never use; Perioden keeps Status (provisional).
            params["$select"] = "Key,Title"
        rows = get_all(client, f"{base}/ODataApi/odata/{meta.table_id}/{dim}", params,
                       f"CBS-tabel {meta.table_id} (dimensie {dim})")
        codes[dim] = [{"raw": r["Key"], "key": r["Key"].strip(), "title": (r.get("Title") or "").strip(),
                       "status": r.get("Status")} for r in rows]
    return codes


def read_stamp_v4(client: Client, base: str, table: str) -> dict:
    return client.get_json(f"{base}/{table}/Properties", None, f"CBS-tabel {table} (Properties)")


def read_meta_v4(client: Client, base: str, table: str, props: dict) -> TableMeta:
    root = f"{base}/{table}"
    dims = get_all(client, f"{root}/Dimensions", None, f"CBS-tabel {table} (Dimensions)")
    measures = get_all(client, f"{root}/MeasureCodes", None, f"CBS-tabel {table} (MeasureCodes)")
    geo = next((d for d in dims if d.get("Kind") in GEO_KINDS), None)
    time_dim = next((d for d in dims if d.get("Kind") == "TimeDimension"), None)
    return TableMeta(
        table_id=table, protocol="v4", title=props.get("Title") or table, modified=str(props.get("Modified") or ""),
        url=f"{root}/",
        geo_dim=geo["Identifier"] if geo else None, time_dim=time_dim["Identifier"] if time_dim else None,
        other_dims=[d["Identifier"] for d in dims if d not in (geo, time_dim)],
        map_year=_int(geo.get("MapYear")) if geo else None,
        year=table_year(props.get("TemporalCoverage"), props.get("Title")),
        measures={m["Identifier"]: m.get("Title") or "" for m in measures},
        record_count=_int(props.get("ObservationCount")),
        units={m["Identifier"]: m.get("Unit") or "" for m in measures},
    )


def read_codes_v4(client: Client, base: str, meta: TableMeta, dims: list[str]) -> dict[str, list[dict]]:
    codes = {}
    for dim in dims:
        rows = get_all(client, f"{base}/{meta.table_id}/{dim}Codes", None, f"CBS-tabel {meta.table_id} ({dim}Codes)")
        codes[dim] = [{"raw": r["Identifier"], "key": r["Identifier"].strip(),
                       "title": (r.get("Title") or "").strip(), "status": r.get("Status")} for r in rows]
    return codes


def _int(v: object) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Selection: which measures, regions, periods and categories
# ---------------------------------------------------------------------------------------------
@dataclass
class Selection:
    measure_of: dict[str, str]  # indicator_id -> measure key
    conditions: dict[str, dict[str, str]]  # indicator_id -> {dim: stripped code}
    region_raw: list[str] | None  # padded keys to filter on, None = all
    period_raw: list[str] | None
    category_raw: dict[str, list[str]]  # other dim -> raw keys wanted
    skip_reason: str | None = None


def select(meta: TableMeta, wanted: list[Wanted], scope: Scope, years: set[int] | None) -> Selection:
    measure_of: dict[str, str] = {}
    conditions: dict[str, dict[str, str]] = {}
    keys = list(meta.measures)
    titles = meta.measures if meta.protocol == "v4" else None
    for w in wanted:
        key = match_measure(w.measure, keys, titles)
        if key is None:
            print(f"Let op: tabel {meta.table_id} heeft geen onderwerp '{w.measure}' (indicator {w.indicator_id}); "
                  "overgeslagen", file=sys.stderr)
            continue
        check_unit(meta, w, key)
        cond: dict[str, str] = {}
        for dim, code in w.filters:
            if dim not in meta.other_dims:
                raise WarehouseError(
                    f"Indicator {w.indicator_id}: tabel {meta.table_id} heeft geen dimensie '{dim}' "
                    f"(wel: {', '.join(meta.other_dims) or 'geen'}); pas filter aan in de catalogus")
            known = {c["key"] for c in meta.codes[dim]}
            if code not in known:
                raise WarehouseError(f"Indicator {w.indicator_id}: code '{code}' bestaat niet in dimensie {dim} "
                                     f"van tabel {meta.table_id}")
            cond[dim] = code
        for dim in meta.other_dims:
            if dim not in cond:
                cond[dim] = total_code([c["key"] for c in meta.codes[dim]])
        measure_of[w.indicator_id] = key
        conditions[w.indicator_id] = cond

    sel = Selection(measure_of, conditions, None, None, {})
    if not measure_of:
        sel.skip_reason = "geen van de gevraagde onderwerpen staat in deze tabel"
        return sel
    width = {dim: max((len(c["raw"]) for c in codes), default=0) for dim, codes in meta.codes.items()}
    if meta.geo_dim and scope.gemeente:
        # Filter on the padded key exactly as CBS holds it; a key of the wrong width matches nothing.
        sel.region_raw = [pad_key(c["key"], width[meta.geo_dim]) if meta.protocol == "v3" else c["key"]
                          for c in meta.codes[meta.geo_dim] if scope.keep(normalise_region(c["key"]))]
        if not sel.region_raw:
            sel.skip_reason = f"gemeente {scope.gemeente} komt niet voor in deze tabel"
    if years is not None:
        if meta.time_dim:
            sel.period_raw = [c["raw"] for c in meta.codes[meta.time_dim] if c["key"][:4].isdigit()
                              and int(c["key"][:4]) in years]
            if not sel.period_raw:
                sel.skip_reason = f"geen perioden in {sorted(years)}"
        elif meta.year is not None and meta.year not in years:
            sel.skip_reason = f"tabeljaar {meta.year} valt buiten --years"
    for dim in meta.other_dims:
        wanted_codes = {cond[dim] for cond in conditions.values()}
        sel.category_raw[dim] = [c["raw"] for c in meta.codes[dim] if c["key"] in wanted_codes]
    return sel


def check_unit(meta: TableMeta, w: Wanted, key: str) -> None:
    """Refuse a measure whose CBS unit is not the catalogue's: a count stored as a rate is a wrong figure."""
    published = meta.units.get(key, "")
    if not published.strip():
        print(f"Let op: tabel {meta.table_id} noemt geen eenheid voor onderwerp {key} (indicator {w.indicator_id}); "
              f"de catalogus verwacht '{w.unit}'", file=sys.stderr)
        return
    if catalogue_mod.norm_unit(published) != catalogue_mod.norm_unit(w.unit):
        raise WarehouseError(
            f"CBS-tabel {meta.table_id}, onderwerp {key}: CBS publiceert dit in eenheid '{published.strip()}', "
            f"maar de catalogus verwacht '{w.unit}' (indicator {w.indicator_id}). Er is niets geladen. "
            "Pas de eenheid in de catalogus aan, of neem het aantal over en reken het om met 'derive'.")


def _or(dim: str, values: list[str]) -> str:
    return "(" + " or ".join(f"{dim} eq '{v}'" for v in values) + ")"


def filters_for(meta: TableMeta, sel: Selection, measure_dim: str | None) -> list[str | None]:
    """One $filter per chunk of region keys (None = no filter at all)."""
    parts: list[str] = []
    if measure_dim:
        parts.append(_or(measure_dim, sorted(set(sel.measure_of.values()))))
    if sel.period_raw is not None and meta.time_dim:
        parts.append(_or(meta.time_dim, sel.period_raw))
    for dim, raw in sel.category_raw.items():
        parts.append(_or(dim, raw))
    if sel.region_raw is None or not meta.geo_dim:
        return [" and ".join(parts) or None]
    out = []
    for i in range(0, len(sel.region_raw), FILTER_CHUNK):
        chunk = sel.region_raw[i:i + FILTER_CHUNK]
        out.append(" and ".join(parts + [_or(meta.geo_dim, chunk)]))
    return out


# ---------------------------------------------------------------------------------------------
# Download and shape
# ---------------------------------------------------------------------------------------------
def _frame(rows: list[dict], str_cols: list[str], num_cols: list[str]) -> pl.DataFrame:
    """Rows to columns in Polars; numbers as Float64, keys as strings (the slow, forgiving path)."""
    data = {c: pl.Series(c, [r.get(c) for r in rows], dtype=pl.String) for c in str_cols}
    for c in num_cols:
        data[c] = pl.Series(c, [r.get(c) for r in rows], dtype=pl.Float64, strict=False)
    return pl.DataFrame(data)


def page_parser(str_cols: list[str], num_cols: list[str], link_field: str):
    """Parse a page straight into Polars (Rust JSON reader, no Python dict per row); fall back to json."""
    schema = {"value": pl.List(pl.Struct({c: pl.String for c in str_cols} | {c: pl.Float64 for c in num_cols})),
              link_field: pl.String}

    def parse(body: bytes) -> tuple[pl.DataFrame, int, str | None]:
        try:
            page = pl.read_json(io.BytesIO(body), schema=schema)
            df = page.select(pl.col("value").explode()).unnest("value").drop_nulls(str_cols[:1])
            link = page[link_field][0]
        except (pl.exceptions.PolarsError, ValueError):
            # Odd cells (a number sent as text, a "." in an untyped set): the forgiving path.
            rows, _, link = parse_json_page(body)
            df = _frame(rows, str_cols, num_cols)
        # Keys arrive space padded ('GM0363    '); strip once, on the wide frame.
        return df.with_columns(pl.col(c).str.strip_chars() for c in str_cols), df.height, link

    return parse


def download(client: Client, meta: TableMeta, sel: Selection, cache_root: Path, progress: Progress
             ) -> tuple[pl.DataFrame, str]:
    """The long frame [geo, time?, other dims..., Measure, Value, Attr] and a checksum of the pages."""
    digest = hashlib.sha256()
    frames: list[pl.DataFrame] = []
    dims = [d for d in (meta.geo_dim, meta.time_dim) if d] + meta.other_dims
    measure_keys = sorted(set(sel.measure_of.values()))
    if meta.protocol == "v3":
        url = f"{meta.url}TypedDataSet"
        base_params = {"$format": "json", "$select": ",".join(dims + measure_keys)}
        filters = filters_for(meta, sel, None)
        parse = page_parser(dims, measure_keys, "odata.nextLink")
    else:
        url = f"{meta.url}Observations"
        base_params = {}
        filters = filters_for(meta, sel, "Measure")
        parse = page_parser(dims + ["Measure", "ValueAttribute"], ["Value"], "@odata.nextLink")
    for flt in filters:
        params = dict(base_params)
        if flt:
            params["$filter"] = flt
        cache = PageCache(cache_root, repr((url, sorted(params.items()), meta.modified)))
        for body, page in iter_pages(client, url, params, f"CBS-tabel {meta.table_id}", cache, progress, parse,
                                     read_ahead=True):
            digest.update(body)
            if not page.height:
                continue
            if meta.protocol == "v3":
                frames.append(page.unpivot(on=measure_keys, index=dims, variable_name="Measure", value_name="Value")
                              .with_columns(pl.lit(None, dtype=pl.String).alias("Attr")))
            else:
                frames.append(page.rename({"ValueAttribute": "Attr"}).select(dims + ["Measure", "Value", "Attr"]))
    if not frames:
        schema = {d: pl.String for d in dims} | {"Measure": pl.String, "Value": pl.Float64, "Attr": pl.String}
        return pl.DataFrame(schema=schema), digest.hexdigest()
    return pl.concat(frames), digest.hexdigest()


def shape(meta: TableMeta, sel: Selection, long: pl.DataFrame, scope: Scope) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Long CBS rows -> warehouse observations and regions."""
    source_id = f"cbs:{meta.table_id}"
    # One join maps (measure, category codes) to indicators; a measure may feed several indicators.
    mapping = pl.DataFrame([{"indicator_id": ind, "Measure": key, **sel.conditions[ind]}
                            for ind, key in sel.measure_of.items()],
                           schema={"indicator_id": pl.String, "Measure": pl.String}
                           | {d: pl.String for d in meta.other_dims})
    obs = long.join(mapping, on=["Measure", *meta.other_dims], how="inner")

    if meta.geo_dim:
        region = pl.col(meta.geo_dim).replace("NL00", "NL01")
    else:
        region = pl.lit("NL01")
    if meta.time_dim:
        period = pl.col(meta.time_dim)
        prov_periods = [c["key"] for c in meta.codes[meta.time_dim]
                        if "*" in c["title"] or str(c.get("status") or "").strip().lower() == "voorlopig"]
    else:
        if meta.year is None:
            raise WarehouseError(f"CBS-tabel {meta.table_id}: geen periodedimensie en geen jaar in de titel; "
                                 "kan de periode niet bepalen")
        period = pl.lit(f"{meta.year}JJ00")
        prov_periods = []
    # Cell attributes (v4 ValueAttribute) take a handful of values: classify those, not every row.
    attrs = [a for a in long["Attr"].unique().to_list() if a is not None]
    value_missing = pl.col("Value").is_null()
    provisional = pl.col("period").is_in(prov_periods)
    if missing := [a for a in attrs if a.strip().lower() in MISSING_ATTRS]:
        value_missing = value_missing | pl.col("Attr").is_in(missing).fill_null(False)
    if marked := [a for a in attrs if a.strip().lower() in PROVISIONAL_ATTRS]:
        provisional = provisional | pl.col("Attr").is_in(marked).fill_null(False)
    status = (pl.when(value_missing).then(pl.lit("suppressed"))
              .when(provisional).then(pl.lit("provisional"))
              .otherwise(pl.lit("final")))
    obs = (obs.with_columns(region.alias("region_code"), period.alias("period"))
           .with_columns(status.alias("status"),
                         pl.when(value_missing).then(None).otherwise(pl.col("Value")).alias("value"))
           .select("indicator_id", "region_code", "period",
                   pl.lit("").alias("breakdown"), pl.lit("").alias("category"), "value",
                   pl.lit(None, dtype=pl.Float64).alias("denominator"), "status",
                   pl.lit(source_id).alias("source_id")))
    # Keep the regions the monitor knows (NL, provincie, jeugdregio, gemeente, wijk, buurt) and the scope.
    codes = obs.select(pl.col("region_code").unique())
    code = pl.col("region_code")
    level = (pl.when(code.str.contains(REGION_RE.pattern))
             .then(code.str.slice(0, 2).replace_strict(LEVEL_BY_PREFIX, default=None, return_dtype=pl.String)))
    in_scope = pl.lit(True)
    if scope.gemeente:
        in_scope = (code.is_in(["NL00", "NL01", scope.gemeente, *scope.peers])
                    | (code.str.slice(0, 2).is_in(["WK", "BU"]) & (code.str.slice(2, 4) == scope.gemeente[2:])))
    geo_codes = meta.codes.get(meta.geo_dim or "", [])
    titles = (pl.DataFrame({"region_code": [c["key"] for c in geo_codes], "title": [c["title"] for c in geo_codes]},
                           schema={"region_code": pl.String, "title": pl.String})
              .with_columns(pl.col("region_code").replace("NL00", "NL01")).unique("region_code"))
    gm = pl.when(pl.col("level") == "gemeente").then(code).when(pl.col("level").is_in(["wijk", "buurt"])) \
        .then(pl.lit("GM") + code.str.slice(2, 4))
    regions = (codes.with_columns(level.alias("level")).filter(pl.col("level").is_not_null() & in_scope)
               .join(titles, on="region_code", how="left")
               .with_columns(gm.alias("gemeente_code"))
               .select("region_code",
                       pl.coalesce(pl.col("title").replace("", None),
                                   pl.when(pl.col("level") == "land").then(pl.lit("Nederland")), code).alias("name"),
                       "level",
                       pl.when(pl.col("level") == "buurt").then(pl.lit("WK") + code.str.slice(2, 6))
                       .when(pl.col("level") == "wijk").then(pl.col("gemeente_code")).alias("parent_code"),
                       "gemeente_code",
                       pl.lit(meta.map_year, dtype=pl.Int32).alias("boundary_year"))
               .sort("region_code"))
    obs = obs.join(regions.select("region_code"), on="region_code", how="semi")
    # A measure that is empty for every region is not published yet (e.g. income in a new
    # Kerncijfers table): skip it instead of storing thousands of "suppressed" cells.
    empty = obs.group_by("indicator_id").agg(pl.col("value").is_not_null().any().alias("any")).filter(~pl.col("any"))
    for ind in empty["indicator_id"].to_list():
        print(f"Let op: tabel {meta.table_id} heeft nog geen cijfers voor {ind}; overgeslagen.", file=sys.stderr)
    obs = obs.join(empty.select("indicator_id"), on="indicator_id", how="anti")
    return obs, regions


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
@dataclass
class Options:
    warehouse: Path
    catalogue: Path | None = None
    gemeente: str | None = None
    peers: tuple[str, ...] = ()
    tables: list[str] | None = None
    years: set[int] | None = None
    base_url: str = DEFAULT_V3_BASE
    v4_base_url: str = DEFAULT_V4_BASE
    dataderden_base_url: str = DEFAULT_DATADERDEN_BASE
    protocol: str = "auto"
    force: bool = False


@dataclass
class RunReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    observations: int = 0
    requests: int = 0
    release: str | None = None
    fetch_seconds: float = 0.0  # metadata + download + reshape
    publish_seconds: float = 0.0


class UnknownTable(WarehouseError):
    """A table id the CBS catalogue does not know."""


def v3_base(opts: Options, catalog: str) -> str:
    return opts.dataderden_base_url if catalog == "dataderden" else opts.base_url


def read_stamp(client: Client, opts: Options, table: str, catalog: str = "cbs") -> tuple[str, dict]:
    """(protocol, TableInfos/Properties); v3 first, v4 when the table is not (or no longer) in v3.

    The third-party catalogue (dataderden) only speaks v3."""
    if catalog == "dataderden":
        try:
            return "v3", read_stamp_v3(client, opts.dataderden_base_url, table)
        except NotFound:
            raise UnknownTable(f"{table} (catalogus dataderden, {opts.dataderden_base_url})") from None
    if opts.protocol in ("auto", "v3"):
        try:
            return "v3", read_stamp_v3(client, opts.base_url, table)
        except NotFound:
            if opts.protocol == "v3":
                raise UnknownTable(f"{table} (OData v3 op {opts.base_url})") from None
    try:
        return "v4", read_stamp_v4(client, opts.v4_base_url, table)
    except NotFound:
        raise UnknownTable(f"{table} (niet op {opts.base_url} en niet op {opts.v4_base_url})") from None


def read_stamps(client: Client, opts: Options, todo: dict[str, list[Wanted]], cat_path: Path
                ) -> dict[str, tuple[str, dict]]:
    """Every table's stamp, before anything is downloaded: one message names every unknown id."""
    stamps, unknown = {}, []
    for table, wanted in todo.items():
        try:
            stamps[table] = read_stamp(client, opts, table, wanted[0].catalog)
        except UnknownTable as exc:
            unknown.append(f"{exc} voor {', '.join(sorted({w.indicator_id for w in wanted}))}")
    if unknown:
        raise WarehouseError(
            f"Deze tabelnummers kent CBS niet: {'; '.join(unknown)}. Er is niets geladen. Controleer de "
            f"tabelnummers in de catalogus ({cat_path}) tegen de CBS-catalogus; een oude tabel kan vervangen zijn.")
    return stamps


def run_load(opts: Options, client: Client | None = None) -> RunReport:
    cat = catalogue_mod.load(opts.catalogue)
    todo = plan(cat, opts.tables)
    scope = Scope(opts.gemeente, opts.peers)
    own_client = client is None
    client = client or Client()
    report = RunReport()
    warehouse = Path(opts.warehouse)
    cache_root = warehouse / ".download" / "cbs"

    prev = current_release(warehouse)
    prev_release: dict[str, str] = {}
    prev_ids: dict[str, set[str]] = {}
    if prev is not None:
        src = prev.table("sources")
        prev_release = dict(zip(src["source_id"].to_list(), src["release"].to_list()))
        have = prev.table("observations").select("source_id", "indicator_id").unique()
        for sid, ind in have.iter_rows():
            prev_ids.setdefault(sid, set()).add(ind)

    results: list[TableResult] = []
    t0 = time.perf_counter()
    side_client = client.fork()
    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cbs-codes")
    try:
        stamps = read_stamps(client, opts, todo, cat.path)
        for table, wanted in todo.items():
            protocol, stamp = stamps[table]
            catalog = wanted[0].catalog
            modified = str(stamp.get("Modified") or "")
            sid = f"cbs:{table}"
            meta = (read_meta_v3(client, v3_base(opts, catalog), table, stamp) if protocol == "v3"
                    else read_meta_v4(client, opts.v4_base_url, table, stamp))
            # Unchanged = same CBS release and every indicator this table can give is already loaded
            # (a catalogue entry added since the last run still triggers a load).
            titles = meta.measures if meta.protocol == "v4" else None
            available = {w.indicator_id for w in wanted if match_measure(w.measure, list(meta.measures), titles)}
            if (not opts.force and modified and prev_release.get(sid) == modified
                    and available <= prev_ids.get(sid, set())):
                report.unchanged.append(table)
                print(f"{table}: ongewijzigd sinds {modified}, niet opnieuw geladen", file=sys.stderr)
                continue
            base_url = v3_base(opts, catalog) if meta.protocol == "v3" else opts.v4_base_url
            read_codes = read_codes_v3 if meta.protocol == "v3" else read_codes_v4
            dims = [d for d in (meta.geo_dim, meta.time_dim) if d] + meta.other_dims
            # Without a municipality the region list (17,000 codes in Kerncijfers) only gives names:
            # fetch it while the figures download instead of before.
            later = [meta.geo_dim] if meta.geo_dim and not scope.gemeente else []
            meta.codes.update(read_codes(client, base_url, meta, [d for d in dims if d not in later]))
            sel = select(meta, wanted, scope, opts.years)
            if sel.skip_reason:
                report.skipped[table] = sel.skip_reason
                print(f"{table}: overgeslagen, {sel.skip_reason}", file=sys.stderr)
                continue
            region_codes = side.submit(read_codes, side_client, base_url, meta, later) if later else None
            total = meta.record_count if sel.region_raw is None and meta.protocol == "v3" else None
            progress = Progress(f"{table} ({meta.protocol})", total)
            long, checksum = download(client, meta, sel, cache_root, progress)
            if region_codes is not None:
                meta.codes.update(region_codes.result())
            obs, regions = shape(meta, sel, long, scope)
            progress.done(obs.height, f" -> {obs.height} cijfers")
            results.append(TableResult(meta, obs, regions, checksum))
    finally:
        side_client.cancel()  # after a failure the region list is not retried; it was read already otherwise
        side.shutdown(wait=True)  # no thread outlives the run
        report.requests = client.requests_made + side_client.requests_made
        side_client.close()
        if own_client:
            client.close()

    report.fetch_seconds = time.perf_counter() - t0
    if not results:
        return report
    t1 = time.perf_counter()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    observations = pl.concat([r.observations for r in results])
    regions = (pl.concat([r.regions for r in results])
               .sort("boundary_year", nulls_last=False)
               .unique("region_code", keep="last", maintain_order=True))
    sources = pl.DataFrame([{
        "source_id": f"cbs:{r.meta.table_id}", "kind": "cbs", "title": r.meta.title, "table_id": r.meta.table_id,
        "url": r.meta.url, "release": r.meta.modified, "loaded_at": now, "checksum": r.checksum,
        "rows": r.observations.height,
    } for r in results])
    meta = None
    if scope.gemeente:  # the app reads its home municipality and peers from the release
        names = regions.filter(pl.col("region_code") == scope.gemeente)["name"]
        meta = {"demo": False, "gemeente": scope.gemeente, "peers": list(scope.peers),
                "gemeente_name": names[0] if names.len() else scope.gemeente}
    release = publish(warehouse, indicators=cat.to_frame(), observations=observations,
                      replace_sources=[f"cbs:{r.meta.table_id}" for r in results], regions=regions, sources=sources,
                      meta=meta)
    # Pages are only kept to resume an interrupted run; after a publication they are stale.
    shutil.rmtree(cache_root, ignore_errors=True)
    report.loaded = [r.meta.table_id for r in results]
    report.observations = observations.height
    report.release = release.id
    report.publish_seconds = time.perf_counter() - t1
    return report


def register(sub, common) -> None:
    p = sub.add_parser("cbs", parents=[common], help="laad CBS StatLine-tabellen (OData v3/v4) volgens de catalogus")
    p.add_argument("--gemeente", help="gemeentecode, bijv. GM0995: die gemeente met wijken en buurten, plus NL")
    p.add_argument("--peers", help="vergelijkbare gemeenten, komma-gescheiden (GM0034,GM0363)")
    p.add_argument("--tables", help="alleen deze tabellen, komma-gescheiden (bijv. 84799NED)")
    p.add_argument("--years", help="alleen deze jaren, bijv. 2020,2022-2024")
    p.add_argument("--base-url", default=None,
                   help=f"CBS OData v3 (default {DEFAULT_V3_BASE} of $MSD_CBS_BASE_URL)")
    p.add_argument("--v4-base-url", default=None,
                   help=f"CBS OData v4 (default {DEFAULT_V4_BASE} of $MSD_CBS_V4_BASE_URL)")
    p.add_argument("--dataderden-base-url", default=None,
                   help=f"CBS-catalogus dataderden (default {DEFAULT_DATADERDEN_BASE} of $MSD_CBS_DATADERDEN_BASE_URL)")
    p.add_argument("--protocol", choices=("auto", "v3", "v4"), default="auto",
                   help="auto: eerst v3, anders v4")
    p.add_argument("--force", action="store_true",
                   help="ook tabellen laden die sinds de vorige keer niet zijn veranderd")
    p.set_defaults(func=run)


def run(args) -> int:
    gemeente = parse_codes(args.gemeente, "GM", "--gemeente")
    opts = Options(
        warehouse=settings.load(args.warehouse).warehouse,
        catalogue=args.catalogue,
        gemeente=gemeente[0] if gemeente else None,
        peers=parse_codes(args.peers, "GM", "--peers"),
        tables=[t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None,
        years=parse_years(args.years),
        base_url=(args.base_url or os.environ.get("MSD_CBS_BASE_URL") or DEFAULT_V3_BASE).rstrip("/"),
        v4_base_url=(args.v4_base_url or os.environ.get("MSD_CBS_V4_BASE_URL") or DEFAULT_V4_BASE).rstrip("/"),
        dataderden_base_url=(args.dataderden_base_url or os.environ.get("MSD_CBS_DATADERDEN_BASE_URL")
                             or DEFAULT_DATADERDEN_BASE).rstrip("/"),
        protocol=args.protocol,
        force=args.force,
    )
    if len(gemeente) > 1:
        raise WarehouseError("--gemeente: geef één gemeente; vergelijkingsgemeenten gaan via --peers")
    rep = run_load(opts)
    if rep.release:
        print(f"CBS geladen: {', '.join(rep.loaded)} ({rep.observations} cijfers) in release {rep.release}")
    else:
        print("Niets nieuws bij CBS: het warehouse is niet veranderd.")
    if rep.unchanged:
        print(f"Ongewijzigd: {', '.join(rep.unchanged)}")
    for t, why in rep.skipped.items():
        print(f"Overgeslagen: {t} ({why})")
    return 0
