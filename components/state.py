"""Pickers whose value lives in the URL, so every view can be shared as a link.

Streamlit's own ``bind="query-params"`` writes the *displayed* label into the URL; we want stable
codes there (indicator ids, region codes, years), so this small helper does the round trip itself:
the widget writes its value to the URL on every run, and a URL value that differs from what we
wrote last (a shared link, a link from another page, the browser's back button) sets the widget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


def _last_key(key: str) -> str:
    return f"_url_written_{key}"


def _from_url(key: str) -> list[str] | None:
    """The URL's value(s) for key when they changed since we last wrote them, else None."""
    values = st.query_params.get_all(key)
    if values and values != st.session_state.get(_last_key(key)):
        return values
    return None


def _write(key: str, encoded: list[str] | None) -> None:
    st.session_state[_last_key(key)] = encoded
    if not encoded:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get_all(key) != encoded:
        st.query_params[key] = encoded if len(encoded) > 1 else encoded[0]


def url_select(label: str, options: Sequence[Any], key: str, *, default: Any = None,
               format_func: Callable[[Any], str] = str, container=None, help: str | None = None) -> Any:
    """A selectbox bound to query parameter ``key``; unknown URL values fall back to the default."""
    if not options:
        return None
    by_code = {str(o): o for o in options}
    if default not in options:
        default = options[0]
    url = _from_url(key)
    if url and url[0] in by_code:
        st.session_state[key] = by_code[url[0]]
    elif key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default
    value = (container or st).selectbox(label, options, key=key, format_func=format_func, help=help)
    # Defaults are written too: a shared link must not change meaning when newer data arrives.
    _write(key, [str(value)])
    return value


def url_multiselect(label: str, options: Sequence[Any], key: str, *, default: Sequence[Any] = (),
                    format_func: Callable[[Any], str] = str, container=None, help: str | None = None,
                    max_selections: int | None = None) -> list:
    by_code = {str(o): o for o in options}
    default = [d for d in default if d in options]
    url = _from_url(key)
    if url:
        st.session_state[key] = [by_code[c] for c in url if c in by_code][: max_selections or None]
    elif key not in st.session_state:
        st.session_state[key] = list(default)
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    values = (container or st).multiselect(label, options, key=key, format_func=format_func, help=help,
                                           max_selections=max_selections)
    _write(key, [str(v) for v in values] or ["geen"])
    return list(values)
