"""Pickers whose value lives in the URL, so every view can be shared as a link.

Streamlit's own ``bind="query-params"`` writes the *displayed* label into the URL; we want stable
codes there (indicator ids, region codes, years), so this small helper does the round trip itself:
the URL seeds the widget on first render, and the widget writes its value back on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


def _encode(v: Any) -> str:
    return str(v)


def url_select(label: str, options: Sequence[Any], key: str, *, default: Any = None,
               format_func: Callable[[Any], str] = str, container=None, help: str | None = None) -> Any:
    """A selectbox bound to query parameter ``key``; unknown URL values fall back to the default."""
    if not options:
        return None
    target = container or st
    by_code = {_encode(o): o for o in options}
    if default not in options:
        default = options[0]
    if key not in st.session_state:
        st.session_state[key] = by_code.get(st.query_params.get(key, ""), default)
    elif st.session_state[key] not in options:
        st.session_state[key] = default
    value = target.selectbox(label, options, key=key, format_func=format_func, help=help)
    _write(key, _encode(value) if value != default else None)
    return value


def url_multiselect(label: str, options: Sequence[Any], key: str, *, default: Sequence[Any] = (),
                    format_func: Callable[[Any], str] = str, container=None, help: str | None = None,
                    max_selections: int | None = None) -> list:
    target = container or st
    by_code = {_encode(o): o for o in options}
    default = [d for d in default if d in options]
    if key not in st.session_state:
        from_url = [by_code[c] for c in st.query_params.get_all(key) if c in by_code]
        st.session_state[key] = from_url or list(default)
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    values = target.multiselect(label, options, key=key, format_func=format_func, help=help,
                                max_selections=max_selections)
    if list(values) == list(default):
        _write(key, None)
    else:
        st.query_params[key] = [_encode(v) for v in values]
    return list(values)


def url_toggle(label: str, key: str, *, default: bool = False, container=None, help: str | None = None) -> bool:
    target = container or st
    if key not in st.session_state:
        raw = st.query_params.get(key)
        st.session_state[key] = default if raw is None else raw == "1"
    value = target.toggle(label, key=key, help=help)
    _write(key, None if value == default else ("1" if value else "0"))
    return value


def _write(key: str, encoded: str | None) -> None:
    if encoded is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != encoded:
        st.query_params[key] = encoded
