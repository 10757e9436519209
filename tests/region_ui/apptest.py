"""Driving the app through AppTest on the small region."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import app_path

PICKER = "_msd_member_pick"  # components/member_picker.py


def start(app_env, warehouse, **params) -> AppTest:
    app_env(warehouse)
    at = AppTest.from_file(app_path(), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str, **params) -> AppTest:
    """An address typed or shared: the page with exactly these query parameters."""
    at.query_params.clear()
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(page)
    at.run()
    return ok(at)


def via_menu(at: AppTest, page: str) -> AppTest:
    """A click in the menu: Streamlit's frontend drops the previous page's query string."""
    return open_page(at, page)


def table_with(at: AppTest, column: str):
    """The first table on the page with this column, as a Polars-friendly list of row dicts."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value.to_dict("records")
    raise AssertionError(f"no table with a column {column!r}: {[list(d.value.columns) for d in at.dataframe]}")
