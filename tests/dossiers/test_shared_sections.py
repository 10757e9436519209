"""A dossier part is the same for every reader of its release: built once (when the whole council opens
the link together, one reader builds it), a new release gives its own figures, other parts their own."""

from __future__ import annotations

import polars as pl

from components import dossier_document
from store.dossiers import Section
from tests.queries.test_shared_parts import RATE, _publish, counted  # noqa: F401  (fixture)

PART = Section(indicator_ids=(RATE,), region_codes=("GM0001",), year_from=2022, year_to=2024, comparison="nederland")


def _own(figs, period: str):
    df = figs.blocks[0].df
    return df.filter((pl.col("region_code") == "GM0001") & (pl.col("period") == period))["value"].item()


def test_a_dossier_part_is_built_once_per_release(tmp_path, counted):  # noqa: F811 (the fixture)
    wh = _publish(tmp_path / "a", rate_2024=48.0)
    first = dossier_document.section_figures(wh, PART)
    asked = sum(counted.values())
    assert asked > 0 and _own(first, "2024JJ00") == 48.0
    again = dossier_document.section_figures(wh, PART)
    assert again is first and sum(counted.values()) == asked  # no query, no suppression the second time
    other = dossier_document.section_figures(wh, Section(indicator_ids=(RATE,), region_codes=("GM0001",),
                                                          year_from=2024, year_to=2024))
    assert other is not first and other.blocks[0].df["period"].unique().to_list() == ["2024JJ00"]
    newer = _publish(tmp_path / "b", rate_2024=51.0)
    assert _own(dossier_document.section_figures(newer, PART), "2024JJ00") == 51.0
