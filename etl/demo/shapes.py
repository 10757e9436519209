"""Wijk boundaries: rings and sectors around each member's fictional centre.

One GeoJSON holds the wijken of every member of the region; each feature names its municipality in
``gemeente_code`` (queries.Warehouse.boundaries keeps a member's own wijken)."""

from __future__ import annotations

import json
import math

from etl.demo.place import HOME, MEMBERS, Member

RINGS = HOME.rings  # (inner km, outer km, wijk codes clockwise from north)
CENTER = HOME.center


def _polygon(inner: float, outer: float, a0: float, a1: float, center=CENTER) -> list[list[float]]:
    km_lon = 1 / (111.32 * math.cos(math.radians(center[1])))
    km_lat = 1 / 110.57
    steps = max(4, int((a1 - a0) / (2 * math.pi) * 48))
    angles = [a0 + (a1 - a0) * i / steps for i in range(steps + 1)]

    def pt(r: float, a: float) -> list[float]:
        # Slightly irregular edges look less like a diagram.
        wobble = 1 + 0.04 * math.sin(5 * a + r)
        return [round(center[0] + r * wobble * math.sin(a) * km_lon, 6), round(center[1] + r * wobble * math.cos(a) * km_lat, 6)]

    ring = [pt(outer, a) for a in angles]
    ring += [pt(inner, a) for a in reversed(angles)] if inner > 0 else [list(center)]
    if inner == 0 and a1 - a0 >= 2 * math.pi - 1e-9:
        ring = [pt(outer, a) for a in angles]
    ring.append(ring[0])
    return ring


def _sectors(member: Member = HOME):
    for inner, outer, codes in member.rings:
        for i, code in enumerate(codes):
            a0, a1 = 2 * math.pi * i / len(codes), 2 * math.pi * (i + 1) / len(codes)
            yield code, inner, outer, a0, a1


def _areas_km2(member: Member = HOME) -> dict[str, float]:
    areas = {code: 0.5 * (outer**2 - inner**2) * (a1 - a0) for code, inner, outer, a0, a1 in _sectors(member)}
    areas[member.code] = sum(areas.values())
    return areas


def _label_point(inner: float, outer: float, a0: float, a1: float, center=CENTER) -> list[float]:
    """Where a wijk's name goes: the middle of its sector (the outer ring: its south-west side)."""
    if a1 - a0 >= 2 * math.pi - 1e-9:
        r, a = (0.0, 0.0) if inner == 0 else ((inner + outer) / 2, 1.25 * math.pi)
    else:
        r, a = (inner + outer) / 2, (a0 + a1) / 2
    km_lon = 1 / (111.32 * math.cos(math.radians(center[1])))
    return [round(center[0] + r * math.sin(a) * km_lon, 6), round(center[1] + r * math.cos(a) / 110.57, 6)]


def boundaries_geojson(members: list[Member] = MEMBERS) -> str:
    features = []
    for member in members:
        features += _features(member)
    return json.dumps({"type": "FeatureCollection", "features": features})


def _features(member: Member) -> list[dict]:
    names, c = {w.code: w.name for w in member.wijken}, member.center
    features = []
    for code, inner, outer, a0, a1 in _sectors(member):
        full = a1 - a0 >= 2 * math.pi - 1e-9
        if full and inner == 0:  # the centre is a disc
            rings = [_polygon(0, outer, 0, 2 * math.pi, c)]
        elif full:  # the outer ring has a hole; holes run the other way round
            rings = [_polygon(0, outer, 0, 2 * math.pi, c), _polygon(0, inner, 0, 2 * math.pi, c)[::-1]]
        else:
            rings = [_polygon(inner, outer, a0, a1, c)]
        # Rings run clockwise: d3-geo, which draws the map in Vega, reads the other way round as
        # "the whole globe except this shape" (RFC 7946 suggests the opposite but does not require it).
        lon, lat = _label_point(inner, outer, a0, a1, c)
        features.append({"type": "Feature",
                         "properties": {"region_code": code, "name": names[code], "gemeente_code": member.code,
                                        "label_lon": lon, "label_lat": lat},
                         "geometry": {"type": "Polygon", "coordinates": rings}})
    return features
