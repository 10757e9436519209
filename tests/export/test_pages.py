"""Every figure table on the demo's pages has its downloads, and every download builds: numbers in number
columns, suppressed figures empty with status "afgeschermd", source and release on every row."""

from __future__ import annotations

import io

import openpyxl
import pytest
import streamlit as st

from components import export
from domain.export import NUMBER, to_csv, to_xlsx
from tests.test_app import open_page

PAGES = ["app_pages/overzicht.py", "app_pages/wmo.py", "app_pages/jeugd.py", "app_pages/participatie.py",
         "app_pages/wijken.py", "app_pages/trends.py", "app_pages/stapeling.py",
         "app_pages/vergelijken.py", "app_pages/verwachting.py", "app_pages/doelen.py"]
# Tables that describe the comparison group (names, distances, context features), not a figure.
NOT_FIGURES = ("similar-", "profile-auto", "profile-vast", "profile-eigen")


@pytest.fixture
def spy(monkeypatch) -> dict[str, list]:
    seen: dict[str, list] = {"tables": [], "exports": []}
    original = st.dataframe

    def dataframe(data=None, *args, key=None, **kwargs):
        seen["tables"].append(key)
        return original(data, *args, key=key, **kwargs)

    def buttons(table, *, key):
        seen["exports"].append((key, table))

    monkeypatch.setattr(st, "dataframe", dataframe)
    monkeypatch.setattr(export, "download_buttons", buttons)
    return seen


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_table_has_a_download_that_builds(app_env, demo_warehouse, spy, page):
    app_env(demo_warehouse)
    open_page(page)
    keys = {k for k, _ in spy["exports"]}
    # A table shown in parts (the wijkprofiel per subject: "profile-WK..-Wmo") shares the one download of
    # the whole table ("profile-WK..") below its parts.
    missing = [k for k in spy["tables"] if k and not k.startswith(NOT_FIGURES) and k not in keys
               and not any(k.startswith(f"{e}-") for e in keys)]
    assert not missing, f"tables without downloads on {page}: {missing}"
    for key, table in spy["exports"]:
        assert table.release and table.source, key
        csv_text = to_csv(table).decode("utf-8-sig")
        assert csv_text.splitlines()[0].endswith("Bron;Datarelease"), key
        wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(table)))
        ws = wb["Cijfers"]
        headers = [c.value for c in ws[1]]
        status_col = headers.index("Status") if "Status" in headers else None
        for i, col in enumerate(table.full_columns()):
            if col.kind != NUMBER:
                continue
            cells = [ws.cell(r, i + 1) for r in range(2, ws.max_row + 1)]
            assert all(c.value is None or c.data_type == "n" for c in cells), (key, col.header)
            if status_col is not None and col.header.startswith(("Waarde", "Gemeente", "Werkelijk")):
                hidden = [c.value for c in cells if ws.cell(c.row, status_col + 1).value == "afgeschermd"]
                assert all(v is None for v in hidden), (key, col.header)
    statuses = {row[-3] for _, t in spy["exports"] if t.columns[-1].header == "Status" for row in t.full_rows()}
    if page.endswith("stapeling.py"):
        assert "afgeschermd" in statuses  # the demo has small cells there: the files say which
