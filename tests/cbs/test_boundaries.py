"""``python -m etl boundaries`` against a fake PDOK OGC API Features server."""

from __future__ import annotations

import json
import math

import pytest

from etl.__main__ import main
from etl.boundaries import simplify_ring
from tests.cbs.fakecbs import FakeCBS, Server
from warehouse.releases import current_release


def square(x0: float, y0: float, size: float, per_side: int = 50) -> list[list[float]]:
    """A closed square ring with many (almost) collinear points, as a detailed map would have."""
    pts = []
    corners = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)]
    for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True):
        for i in range(per_side):
            t = i / per_side
            wobble = 1e-7 * math.sin(i)  # far below the tolerance
            pts.append([ax + (bx - ax) * t + wobble, ay + (by - ay) * t - wobble])
    pts.append(pts[0])
    return pts


def feature(code_prop, code, name_prop, name, gm, geom):
    return {"type": "Feature", "id": f"{code}-id",
            "properties": {code_prop: code, name_prop: name, "gemeentecode": gm, "gemeentenaam": "Lelystad",
                           "jrstatcode": f"2024{code}"},
            "geometry": geom}


@pytest.fixture
def pdok():
    f = FakeCBS()
    f.pdok[(2024, "wijken")] = [
        feature("wijkcode", "WK099501", "wijknaam", "Lelystad-Haven", "GM0995",
                {"type": "Polygon", "coordinates": [square(5.40, 52.50, 0.01)]}),
        feature("wijkcode", "WK099502", "wijknaam", "Atolwijk", "GM0995",
                {"type": "MultiPolygon", "coordinates": [[square(5.42, 52.50, 0.01)],
                                                         [square(5.44, 52.50, 0.00002, per_side=2)]]}),
        feature("wijkcode", "WK099503", "wijknaam", "Boswijk", "GM0995",
                {"type": "Polygon", "coordinates": [square(5.46, 52.50, 0.01), square(5.462, 52.502, 0.002)]}),
        feature("wijkcode", "WK003401", "wijknaam", "Almere Stad", "GM0034",
                {"type": "Polygon", "coordinates": [square(5.20, 52.37, 0.01)]}),
    ]
    f.pdok[(2024, "buurten")] = [
        feature("buurtcode", "BU09950101", "buurtnaam", "Oude Haven", "GM0995",
                {"type": "Polygon", "coordinates": [square(5.40, 52.50, 0.005)]}),
    ]
    with Server(f):
        yield f


def test_simplify_keeps_valid_rings():
    ring = square(5.0, 52.0, 0.01)
    out = simplify_ring(ring, 0.00005)
    assert len(out) == 5 and out[0] == out[-1]
    assert sorted(map(tuple, out[:-1])) == sorted([(5.0, 52.0), (5.01, 52.0), (5.01, 52.01), (5.0, 52.01)])
    tiny = square(5.0, 52.0, 0.000002, per_side=1)  # smaller than the tolerance: must not collapse
    out = simplify_ring(tiny, 0.00005)
    assert len(out) >= 4 and out[0] == out[-1]


def test_boundaries_cli(pdok, tmp_path, capsys):
    wh = tmp_path / "wh"
    base = f"{pdok.base}/cbs/wijken-en-buurten-{{year}}/ogc/v1"
    assert main(["boundaries", "--warehouse", str(wh), "--year", "2024", "--gemeente", "GM0995",
                 "--base-url", base, "--yes"]) == 0
    rel = current_release(wh)
    wijken = json.loads((rel.path / "boundaries" / "wijken.geojson").read_text())
    buurten = json.loads((rel.path / "boundaries" / "buurten.geojson").read_text())
    assert [f["properties"]["region_code"] for f in wijken["features"]] == ["WK099501", "WK099502", "WK099503"]
    assert [f["properties"]["name"] for f in wijken["features"]] == ["Lelystad-Haven", "Atolwijk", "Boswijk"]
    assert buurten["features"][0]["properties"] == {"region_code": "BU09950101", "name": "Oude Haven",
                                                    "gemeente_code": "GM0995", "year": 2024}
    # Simplified: a 201-point square becomes its 4 corners (+ closing point); holes and parts kept.
    ring = wijken["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    multi = wijken["features"][1]["geometry"]
    assert multi["type"] == "MultiPolygon" and len(multi["coordinates"]) == 2
    assert all(len(r) >= 4 and r[0] == r[-1] for poly in multi["coordinates"] for r in poly)
    assert len(wijken["features"][2]["geometry"]["coordinates"]) == 2  # outer ring + hole
    for f in wijken["features"]:
        for x, y in f["geometry"]["coordinates"][0] if f["geometry"]["type"] == "Polygon" else []:
            assert 3 < x < 8 and 50 < y < 54  # WGS84 lon/lat in the Netherlands
    # Paged via next links (page size 2 -> 2 pages for 3 wijken) and asked in CRS84.
    wijk_reqs = [r for r in pdok.requests if "/collections/wijken/" in r]
    assert len(wijk_reqs) == 2
    assert "crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FOGC%2F1.3%2FCRS84" in wijk_reqs[0]
    assert "gemeentecode=GM0995" in wijk_reqs[0]


def test_boundaries_rd_coordinates_refused(pdok, tmp_path, capsys):
    pdok.pdok[(2024, "wijken")][0]["geometry"] = {"type": "Polygon", "coordinates": [square(155000, 463000, 100)]}
    wh = tmp_path / "wh"
    code = main(["boundaries", "--warehouse", str(wh), "--year", "2024", "--gemeente", "GM0995",
                 "--base-url", f"{pdok.base}/cbs/wijken-en-buurten-2024/ogc/v1"])
    assert code == 2
    assert "WGS84" in capsys.readouterr().err
    assert current_release(wh) is None


def test_boundaries_unknown_gemeente(pdok, tmp_path, capsys):
    code = main(["boundaries", "--warehouse", str(tmp_path / "wh"), "--year", "2024", "--gemeente", "GM9999",
                 "--base-url", f"{pdok.base}/cbs/wijken-en-buurten-2024/ogc/v1"])
    assert code == 2
    assert "GM9999" in capsys.readouterr().err
