"""``python -m etl boundaries``: wijk and buurt boundaries from the CBS wijk- en buurtkaart (PDOK OGC API).

Features come from ``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1/collections/{wijken,buurten}/items``
filtered on ``gemeentecode``, in WGS84 (``crs=CRS84``), paged via ``next`` links. Polygons are simplified
with Douglas-Peucker per ring so a browser draws them quickly; every ring stays valid (closed, >= 4
points). Stored as GeoJSON with ``publish(boundaries=...)``; each feature carries ``region_code``
(unpadded, e.g. ``WK099501``), ``name``, ``gemeente_code`` and ``year``.
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np

import settings
from etl.odata import Client, Progress
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError

DEFAULT_BASE = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
PAGE_LIMIT = 1000  # PDOK's maximum per request
# collection -> (code property, name property)
COLLECTIONS = {"wijken": ("wijkcode", "wijknaam"), "buurten": ("buurtcode", "buurtnaam")}


def _dp_keep(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker (iterative, numpy): boolean mask of points to keep."""
    n = len(points)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        seg = points[b] - points[a]
        rel = points[a + 1:b] - points[a]
        norm = np.hypot(*seg)
        if norm == 0:
            d = np.hypot(rel[:, 0], rel[:, 1])
        else:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        i = int(np.argmax(d))
        if d[i] > tol:
            m = a + 1 + i
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return keep


def simplify_ring(ring: list, tol: float, digits: int = 6) -> list:
    """Simplify a closed ring; falls back to the original if simplification would make it degenerate."""
    pts = np.asarray(ring, dtype=float)[:, :2]
    if len(pts) and not np.array_equal(pts[0], pts[-1]):
        pts = np.vstack([pts, pts[:1]])  # close it
    if len(pts) < 4:
        raise WarehouseError(f"Ongeldige ring met {len(pts)} punten in de grenzen")
    out = pts
    if tol > 0 and len(pts) > 4:
        # Split at the point farthest from the start, so a closed ring (start == end) simplifies well.
        far = int(np.argmax(np.hypot(*(pts - pts[0]).T)))
        k1 = _dp_keep(pts[: far + 1], tol)
        k2 = _dp_keep(pts[far:], tol)
        cand = np.vstack([pts[: far + 1][k1], pts[far:][k2][1:]])
        if len(cand) >= 4:
            out = cand
    out = np.round(out, digits)
    # Rounding can merge neighbours: drop consecutive duplicates, keep it closed and >= 4 points.
    dedup = out[np.r_[True, np.any(np.diff(out, axis=0) != 0, axis=1)]]
    if len(dedup) >= 4 and np.array_equal(dedup[0], dedup[-1]):
        out = dedup
    if len(out) < 4:
        out = np.round(pts, digits)
    return out.tolist()


def simplify_geometry(geom: dict, tol: float) -> dict:
    kind = geom.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": [simplify_ring(r, tol) for r in geom["coordinates"]]}
    if kind == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[simplify_ring(r, tol) for r in poly] for poly in geom["coordinates"]]}
    raise WarehouseError(f"Onverwacht geometrietype {kind!r} in de wijk- en buurtkaart (verwacht (Multi)Polygon)")


def _check_wgs84(geom: dict, where: str) -> None:
    first = geom["coordinates"][0][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0][0]
    x, y = first[0], first[1]
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise WarehouseError(f"{where}: coördinaten ({x}, {y}) zijn geen WGS84 lengte/breedte; "
                             "de server negeerde crs=CRS84 (RD-coördinaten?)")


def fetch_collection(client: Client, base: str, coll: str, gemeente: str) -> list[dict]:
    url = f"{base}/collections/{coll}/items"
    params = {"f": "json", "gemeentecode": gemeente, "crs": CRS84, "limit": str(PAGE_LIMIT)}
    feats: list[dict] = []
    progress = Progress(f"{coll} {gemeente}")
    pages = 0
    while url:
        doc = client.get_json(url, params, f"PDOK {coll} voor {gemeente}")
        if not isinstance(doc.get("features"), list):
            raise WarehouseError(f"PDOK {coll}: antwoord van {url} is geen FeatureCollection")
        feats.extend(doc["features"])
        pages += 1
        progress(pages, len(feats))
        url = next((ln["href"] for ln in doc.get("links", []) if ln.get("rel") == "next"), None)
        params = None  # the next link carries every parameter
    progress.done(len(feats))
    return feats


def build(features: list[dict], coll: str, gemeente: str, year: int, tol: float) -> str:
    code_prop, name_prop = COLLECTIONS[coll]
    out = []
    for f in features:
        props = f.get("properties") or {}
        code = str(props.get(code_prop) or "").strip()
        if not re.fullmatch(r"(WK\d{6}|BU\d{8})", code):
            raise WarehouseError(f"PDOK {coll}: feature zonder geldige {code_prop} ({code!r}) voor {gemeente}")
        if f.get("geometry") is None:
            continue  # a wijk without geometry cannot be drawn; its figures still show in tables
        _check_wgs84(f["geometry"], f"PDOK {coll} {code}")
        out.append({"type": "Feature", "id": code,
                    "properties": {"region_code": code, "name": str(props.get(name_prop) or code).strip(),
                                   "gemeente_code": gemeente, "year": year},
                    "geometry": simplify_geometry(f["geometry"], tol)})
    out.sort(key=lambda f: f["id"])
    return json.dumps({"type": "FeatureCollection", "features": out}, separators=(",", ":"))


def run_boundaries(warehouse, catalogue_path, year: int, gemeente: str, base: str, tol: float,
                   client: Client | None = None) -> dict[str, int]:
    cat = catalogue_mod.load(catalogue_path)
    client = client or Client()
    texts: dict[str, str] = {}
    counts: dict[str, int] = {}
    for coll in COLLECTIONS:
        feats = fetch_collection(client, base, coll, gemeente)
        if not feats:
            raise WarehouseError(f"PDOK {coll} {year}: geen features voor gemeente {gemeente} op {base}; "
                                 "klopt de gemeentecode en bestaat de kaart van dat jaar?")
        texts[coll] = build(feats, coll, gemeente, year, tol)
        counts[coll] = len(json.loads(texts[coll])["features"])
    publish(warehouse, indicators=cat.to_frame(), boundaries=texts)
    return counts


def register(sub, common) -> None:
    p = sub.add_parser("boundaries", parents=[common],
                       help="wijk- en buurtgrenzen van de CBS wijk- en buurtkaart (PDOK) ophalen")
    p.add_argument("--year", type=int, required=True, help="jaar van de wijk- en buurtkaart, bijv. 2024")
    p.add_argument("--gemeente", required=True, help="gemeentecode, bijv. GM0995")
    p.add_argument("--base-url", default=None,
                   help=f"OGC API (default {DEFAULT_BASE} of $MSD_PDOK_BASE_URL; {{year}} wordt ingevuld)")
    p.add_argument("--tolerance", type=float, default=0.00005,
                   help="vereenvoudiging in graden (0.00005 is ongeveer 5 m; 0 = niet vereenvoudigen)")
    p.set_defaults(func=run)


def run(args) -> int:
    gemeente = args.gemeente.strip().upper()
    if not re.fullmatch(r"GM\d{4}", gemeente):
        raise WarehouseError(f"--gemeente: '{args.gemeente}' is geen gemeentecode (voorbeeld: GM0995)")
    if not 2000 <= args.year <= 2100:
        raise WarehouseError(f"--year: {args.year} is geen geldig jaar")
    base = (args.base_url or settings.text("MSD_PDOK_BASE_URL")).format(year=args.year).rstrip("/")
    counts = run_boundaries(settings.load(args.warehouse).warehouse, args.catalogue, args.year, gemeente, base,
                            args.tolerance)
    print(f"Grenzen {args.year} voor {gemeente}: {counts['wijken']} wijken, {counts['buurten']} buurten",
          file=sys.stderr)
    return 0
