"""Exports go through the same suppressed frames: the table behind every chart (which Streamlit offers
as CSV), the dossier's value table and its PDF handout never hold a hidden value. And a load that
uses ``domain.suppression.protect`` stores nothing a reader could recompute."""

from __future__ import annotations

import glob
import io
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from components import dossier_document, handout, indicator_view
from domain import formatting as fmt
from domain import secondary, suppression
from etl import demo, registry
from queries import Warehouse
from queries import figures as q
from store.dossiers import DossierContent, Section
from tests.linear_attack import KEYS, determined_cells, relations

YEAR = 2024


def _raw(warehouse: Path) -> pl.DataFrame:
    release = sorted(glob.glob(str(warehouse / "releases" / "*")))[-1]
    return pl.read_parquet(Path(release) / "observations.parquet")


@pytest.fixture(scope="module")
def unprotected_demo(tmp_path_factory) -> Path:
    """The demo with only the small-number rule at load, as a source that does not protect at load (CBS,
    waarstaatjegemeente) leaves it: every cell hidden for protection is then the query layer's work."""
    path = tmp_path_factory.mktemp("unprotected") / "wh"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(registry, "protect", lambda obs, ind, s: suppression.suppress(obs, ind, s))
        demo.build(path, progress=lambda *_: None)
    return path


@pytest.fixture(scope="module")
def hidden_by_secondary(unprotected_demo):
    """Wijk figures of YEAR that are large enough on their own but hidden to protect others."""
    wh = Warehouse.open(unprotected_demo)
    raw = _raw(unprotected_demo).filter(pl.col("breakdown") == "", pl.col("value") >= 10)
    counts = sorted(secondary.additive_ids(q.catalogue(wh)) & set(q.wijk_indicators(wh)["id"]))
    rows = []
    for iid in counts:
        shown = q.wijk_values(wh, iid, YEAR).filter(pl.col("value").is_null(), pl.col("region_level") == "wijk")
        stored = raw.filter(pl.col("indicator_id") == iid, pl.col("period") == f"{YEAR}JJ00")
        rows.append(shown.select("indicator_id", "region_code", "region_name").join(
            stored.select("region_code", raw="value"), on="region_code"))
    found = pl.concat(rows)
    assert found.height >= 3, "the demo should hide some sizeable wijk figures to protect small ones"
    yield wh, found
    wh.close()


def test_tables_and_handout_show_no_hidden_value(hidden_by_secondary):
    wh, found = hidden_by_secondary
    picked = found.unique("indicator_id", keep="first").head(3)
    sections = tuple(Section(indicator_ids=(r["indicator_id"],), region_codes=(wh.gemeente, r["region_code"]),
                             year_from=YEAR, year_to=YEAR, title=f"Deel {i}")
                     for i, r in enumerate(picked.iter_rows(named=True), 1))
    content = DossierContent(title="Controle kleine aantallen", session_date="2026-03-12", theme="Privacy",
                             introduction="Test.", questions=("Klopt dit?",), sections=sections)
    for section, r in zip(sections, picked.iter_rows(named=True), strict=True):
        block = dossier_document.section_figures(wh, section).blocks[0]
        cell = block.df.filter(pl.col("region_code") == r["region_code"], pl.col("period") == f"{YEAR}JJ00")
        assert cell["value"].to_list() == [None] and cell["status"].to_list() == ["suppressed"]
        unit = block.indicator["unit"]
        secret = fmt.value(r["raw"], unit, "final")
        # The data-table alternative (Streamlit's CSV download) and the handout's table.
        table = indicator_view.table(block.df, unit).filter(pl.col("Gebied") == r["region_name"])
        assert table["Waarde"].to_list() == [fmt.SUPPRESSED_TEXT]
        _, rows, _ = handout.value_table(block)
        row = next(x for x in rows if x[0] == r["region_name"])
        assert row[1:] == [fmt.SUPPRESSED_TEXT] and secret not in row
    pdf = handout.build_handout(wh, content, [[] for _ in sections], published="test")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for r in picked.iter_rows(named=True):
        line = next(x for x in text.splitlines() if x.startswith(r["region_name"]))
        assert fmt.SUPPRESSED_TEXT in line and fmt.value(r["raw"], "count", "final") not in line


def test_a_load_with_protect_stores_nothing_that_can_be_recomputed(tmp_path):
    # The registry load protects with domain.suppression.protect: what is at rest is safe on its own,
    # before any query runs.
    demo.build(tmp_path / "wh", progress=lambda *_: None)
    wh = Warehouse.open(tmp_path / "wh")
    try:
        stored = _raw(tmp_path / "wh").filter(pl.col("source_id").str.starts_with("registry:"))
        regs = q.regions(wh).filter(pl.col("level").is_in(["wijk", "buurt"]))
        parents = dict(zip(regs["region_code"], regs["parent_code"], strict=True))
        additive = secondary.additive_ids(q.catalogue(wh))
        hidden = {tuple(r) for r in stored.filter(pl.col("value").is_null()).select(KEYS).iter_rows()}
        assert len(hidden) > 1000
        assert not determined_cells(hidden, relations(stored, parents, additive))
    finally:
        wh.close()
