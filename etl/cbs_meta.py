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
        dim_titles={p["Key"]: (p.get("Title") or "").strip() for p in dims},
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
        dim_titles={d["Identifier"]: (d.get("Title") or "").strip() for d in dims},
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
