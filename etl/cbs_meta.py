"""CBS StatLine table metadata (OData v3 and v4): table stamps, dimensions, measures, units and codes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from etl.odata import Client, get_all
from warehouse.releases import WarehouseError

GEO_KINDS = {"GeoDimension", "GeoDetail"}
DIM_KINDS = {"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"}


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
    dim_titles: dict[str, str] = field(default_factory=dict)  # dimension key -> title ("Vormen van jeugdzorg")



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
    return _table_meta(
        table, "v3", key="Key", kind="Type", title=info.get("Title"), modified=info.get("Modified"),
        url=f"{base}/ODataFeed/odata/{table}/", dims=[p for p in props if p.get("Type") in DIM_KINDS],
        measures=[p for p in props if p.get("Type") == "Topic"], period=info.get("Period"),
        record_count=info.get("RecordCount"))


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
    return _table_meta(
        table, "v4", key="Identifier", kind="Kind", title=props.get("Title"), modified=props.get("Modified"),
        url=f"{root}/", dims=get_all(client, f"{root}/Dimensions", None, f"CBS-tabel {table} (Dimensions)"),
        measures=get_all(client, f"{root}/MeasureCodes", None, f"CBS-tabel {table} (MeasureCodes)"),
        period=props.get("TemporalCoverage"), record_count=props.get("ObservationCount"))


def _table_meta(table: str, protocol: str, *, key: str, kind: str, title: str | None, modified, url: str,
                dims: list[dict], measures: list[dict], period: str | None, record_count) -> TableMeta:
    """A table's metadata from its dimensions and measures, in either protocol: v3 names an item's code
    ``Key`` and its kind ``Type``, v4 ``Identifier`` and ``Kind``."""
    geo = next((d for d in dims if d.get(kind) in GEO_KINDS), None)
    time_dim = next((d for d in dims if d.get(kind) == "TimeDimension"), None)
    return TableMeta(
        table_id=table, protocol=protocol, title=title or table, modified=str(modified or ""), url=url,
        geo_dim=geo[key] if geo else None, time_dim=time_dim[key] if time_dim else None,
        other_dims=[d[key] for d in dims if d not in (geo, time_dim)],
        map_year=_int(geo.get("MapYear")) if geo else None,
        year=table_year(period, title),
        measures={m[key]: m.get("Title") or "" for m in measures},
        record_count=_int(record_count),
        units={m[key]: m.get("Unit") or "" for m in measures},
        dim_titles={d[key]: (d.get("Title") or "").strip() for d in dims},
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
