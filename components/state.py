"""Pickers whose value lives in the URL, so every view can be shared as a link.

Streamlit's own ``bind="query-params"`` writes the *displayed* label into the URL; we want stable
codes there (indicator ids, region codes, years), so this small helper does the round trip itself:
the widget writes its value to the URL on every run, and a URL value that differs from what this page
wrote last (a shared link, a link from another page, the browser's back button) sets the widget.

Pages share parameter names ("indicator", "jaar"), so what a picker remembers is kept per page: a page
opened from the menu shows its own last choice or its own default, never the previous page's value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

# Streamlit's own placeholders are English ("Choose an option", "Choose options"); every selectbox and
# multiselect of the monitor passes one of these.
PICK_ONE, PICK_MANY = "Kies een waarde", "Kies een of meer"

_MEMORY = "_url_memory"  # {(page, key): the encoded value this page last wrote to the URL}
_OWNER = "_url_owner"  # {key: the page whose widget last used that widget key}


def _page() -> str:
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx else ""


def _memory() -> dict[tuple[str, str], list[str] | None]:
    return st.session_state.setdefault(_MEMORY, {})


def _from_url(key: str) -> list[str] | None:
    """The URL's value(s) for key when they changed since this page last wrote them, else None."""
    values = st.query_params.get_all(key)
    if values and values != _memory().get((_page(), key)):
        return values
    return None


def _remembered(key: str) -> list[str] | None:
    """What this page chose last time, when the widget key was used by another page since."""
    owners = st.session_state.setdefault(_OWNER, {})
    if owners.get(key) == _page() and key in st.session_state:
        return None  # the widget is live on this page: its own value (perhaps just changed) counts
    owners[key] = _page()
    st.session_state.pop(key, None)  # another page's value for a widget with the same key
    return _memory().get((_page(), key))


def _write(key: str, encoded: list[str] | None) -> None:
    _memory()[(_page(), key)] = encoded
    if not encoded:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get_all(key) != encoded:
        st.query_params[key] = encoded if len(encoded) > 1 else encoded[0]


def url_select(label: str, options: Sequence[Any], key: str, *, default: Any = None,
               format_func: Callable[[Any], str] = str, container=None, help: str | None = None,
               default_in_url: bool = True) -> Any:
    """A selectbox bound to query parameter ``key``; unknown URL values fall back to the default.
    ``default_in_url=False`` keeps an untouched default out of the URL (a record picked for the reader, not by
    them: writing it would add a browser history entry, so Back would not leave the page)."""
    if not options:
        return None
    by_code = {str(o): o for o in options}
    if default not in options:
        default = options[0]
    url = _from_url(key)
    remembered = _remembered(key)
    if url and url[0] in by_code:
        st.session_state[key] = by_code[url[0]]
    elif remembered and remembered[0] in by_code:
        st.session_state[key] = by_code[remembered[0]]
    elif key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default
    value = (container or st).selectbox(label, options, key=key, format_func=format_func, help=help,
                                        placeholder=PICK_ONE)
    # Defaults are written too: a shared link must not change meaning when newer data arrives.
    if default_in_url or value != default or _from_url(key):
        _write(key, [str(value)])
    return value


def url_multiselect(label: str, options: Sequence[Any], key: str, *, default: Sequence[Any] = (),
                    format_func: Callable[[Any], str] = str, container=None, help: str | None = None,
                    max_selections: int | None = None) -> list:
    by_code = {str(o): o for o in options}
    default = [d for d in default if d in options]
    url = _from_url(key)
    remembered = _remembered(key)
    if url or remembered:
        st.session_state[key] = [by_code[c] for c in (url or remembered) if c in by_code][: max_selections or None]
    elif key not in st.session_state:
        st.session_state[key] = list(default)
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    values = (container or st).multiselect(label, options, key=key, format_func=format_func, help=help,
                                           max_selections=max_selections, placeholder=PICK_MANY,
                                           select_all=False)  # no English "Select all"
    _write(key, [str(v) for v in values] or ["geen"])
    return list(values)


def url_tabs(tabs: dict[str, str], key: str, *, default: str | None = None) -> list:
    """Tabs whose choice lives in the URL as a stable code (``tabs`` maps code to label). The first tab is
    the default and stays out of the URL: a page with a tab set per chart keeps a short link. ``default``
    (a code) is the tab a first visit opens when the URL names none, e.g. a link that starts a new note.
    A callback may choose the tab for the next run by setting ``st.session_state[key]`` to its label."""
    codes = list(tabs)
    url = _from_url(key)
    remembered = _remembered(key)
    chosen = (url or remembered or [None])[0]
    if chosen in tabs:
        st.session_state[key] = tabs[chosen]
    elif st.session_state.get(key) not in tabs.values():
        st.session_state[key] = tabs[default if default in tabs else codes[0]]
    containers = st.tabs(list(tabs.values()), key=key, on_change="rerun")
    code = next(c for c in codes if tabs[c] == st.session_state[key])
    _write(key, None if code == codes[0] else [code])
    return containers


CHART_TABS = {"grafiek": "Grafiek", "tabel": "Tabel"}
WIJK_TABS = {"kaart": "Kaart", "ranglijst": "Ranglijst", "tabel": "Tabel"}
