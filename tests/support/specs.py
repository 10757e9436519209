"""Reading the Vega-Lite specifications that charts and the public site carry."""

from __future__ import annotations

from collections.abc import Iterator


def walk(node) -> Iterator[dict]:
    """Every object in a spec, depth first: the spec itself, its layers, encodings, datasets and their rows."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)
