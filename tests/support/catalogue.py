"""Catalogue entries for tests that write their own small catalogue file."""

from __future__ import annotations

import json


def indicator(id: str, source: str, *, title: str = "T", law: str = "context", theme: str = "x",
              unit: str = "count", definition: str = "d", levels: list[str] | None = None) -> str:
    """One ``[[indicator]]`` block with the fields every entry needs (direction neutral) and ``source``: the
    entry's own lines, written as given (``source = {...}``, dotted ``source.cbs.*`` lines, a ``derive``)."""
    lines = ["[[indicator]]", f"id = {_quoted(id)}", f"title = {_quoted(title)}", f"law = {_quoted(law)}",
             f"theme = {_quoted(theme)}", f"unit = {_quoted(unit)}", 'direction = "neutral"',
             f"definition = {_quoted(definition)}"]
    if levels is not None:
        lines.append(f"levels = {json.dumps(levels)}")
    return "\n".join([*lines, source.strip("\n"), "", ""])


def cbs_source(tables: str | list[str], measure: str, unit: str, *, filter: str = "", catalog: str = "") -> str:
    """The ``source`` line of an entry read from CBS; ``filter`` is the inside of its filter table."""
    tables = [tables] if isinstance(tables, str) else tables
    more = (f", filter = {{ {filter} }}" if filter else "") + (f", catalog = {_quoted(catalog)}" if catalog else "")
    return (f"source = {{ cbs = {{ tables = {json.dumps(tables)}, measure = {_quoted(measure)}, unit = {_quoted(unit)}"
            f"{more} }} }}")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string
