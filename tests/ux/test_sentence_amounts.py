"""Amounts of money in sentences are rounded the B1 way (one rule, domain.formatting.sentence_value);
tables keep the exact figure."""

from __future__ import annotations

import polars as pl
import pytest

from components import finance_view, indicator_view
from domain import formatting as fmt


@pytest.mark.parametrize(("v", "unit", "expected"), [
    (776_580.0, "euro", "€ 777.000"),
    (4_812.4, "euro", "€ 4.812"),
    (9_999.0, "euro", "€ 9.999"),
    (10_499.0, "euro", "€ 10.000"),
    (999_600.0, "euro", "€ 1,0 mln"),
    (1_234_567.0, "euro", "€ 1,2 mln"),
    (-776_580.0, "euro", "€ -777.000"),
    (776.58, "euro_1000", "€ 777.000"),
    (20_812.0, "euro_1000", "€ 20,8 mln"),
    (776_580.0, "count", "776.580"),
    (53.44, "percent", "53,4%"),
    (12.0, "euro", "€ 12"),
    (None, "euro", fmt.MISSING_TEXT),
])
def test_sentence_value_rounds_big_amounts(v, unit, expected):
    assert fmt.sentence_value(v, unit) == expected


def test_a_hidden_amount_never_shows_a_number_in_a_sentence():
    assert fmt.sentence_value(776_580.0, "euro", "suppressed") == fmt.SUPPRESSED_TEXT


def test_table_keeps_the_exact_amount():
    assert fmt.value(776_580.0, "euro") == "€ 776.580"


def _series(values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"region_name": ["Lindewaard"] * len(values),
                         "period": [f"{2020 + i}JJ00" for i in range(len(values))],
                         "value": values, "status": ["final"] * len(values)})


def test_the_describing_sentence_rounds_and_the_table_does_not():
    df = _series([612_340.0, 776_580.0])
    assert indicator_view.describe_series(df, "euro") == "Lindewaard: van € 612.000 in 2020 naar € 777.000 in 2021."
    assert indicator_view.table(df, "euro")["Waarde"].to_list() == ["€ 612.340", "€ 776.580"]


def test_finance_sentences_use_the_same_rule():
    assert finance_view.euro(776_580.0) == "€ 777.000"
    table = pl.DataFrame({"year": [2026], "scenario": ["Gelijk"], "cost": [776_580.0], "budget": [700_000.0],
                          "shortfall": [76_580.0]})
    row = finance_view.shortfall_table(table).row(0, named=True)
    assert (row["Uitgaven"], row["Tekort of over"]) == ("€ 776.580", "tekort € 76.580")


@pytest.mark.parametrize(("label", "expected"), [
    ("Woonplaatsbeginsel gewijzigd: jongeren tellen mee waar zij wonen",
     "Trendbreuk in 2022: Woonplaatsbeginsel gewijzigd: jongeren tellen mee waar zij wonen."),
    ("Nieuwe telling.", "Trendbreuk in 2022: Nieuwe telling."),
    ("", "Trendbreuk in 2022:"),
])
def test_a_trend_break_reads_as_a_sentence(label, expected):
    assert fmt.break_sentence({"period": "2022JJ00", "label": label}) == expected


def test_a_release_is_named_by_its_day_not_by_its_id():
    assert fmt.release_day("20261203T142253-cee307") == "3 december 2026"
    assert fmt.release_day("demo") == "demo"
