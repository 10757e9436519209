"""Publishing a small test release through the real publication step."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.conftest import small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

NO_WIJK_SHAPES = {"wijken": '{"type": "FeatureCollection", "features": []}'}


def publish_small(path: Path, observations: pl.DataFrame | list[dict], *, peers: list[str] | tuple = (),
                  demo: bool = False) -> Path:
    """Publish a release of the test municipality GM0001 at ``path``: the real catalogue, the regions and
    source of tests/conftest.py, no wijk shapes, and ``observations`` (rows made with ``obs`` or a frame).
    Publishing again at the same path makes a newer release beside the first."""
    frame = observations if isinstance(observations, pl.DataFrame) else pl.DataFrame(observations)
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=frame,
            meta={"demo": demo, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": list(peers)},
            boundaries=NO_WIJK_SHAPES)
    return path
