"""Differences of percentages in percentage points, and arrows coloured by the figure's direction."""

from __future__ import annotations

import polars as pl
import pytest

from components import wijk_view
from domain import formatting as fmt


@pytest.mark.parametrize(("own", "other", "unit", "expected"), [
    (53.4, 56.0, "percent", "2,6 procentpunt lager"),
    (56.0, 53.4, "percent", "2,6 procentpunt hoger"),
    (38.1, 35.0, "per_1000", "3,1 per 1.000 hoger"),
    (12.0, 12.04, "percent", "gelijk"),
    (1100.0, 1000.0, "euro", "10% hoger"),
    (None, 12.0, "percent", fmt.MISSING_TEXT),
    (5.0, 0.0, "euro", fmt.MISSING_TEXT),
])
def test_difference_in_words(own, other, unit, expected):
    assert fmt.difference(own, other, unit) == expected


def test_difference_names_what_it_compares_with():
    assert fmt.difference(53.4, 56.0, "percent", other_label="de gemeente") == "2,6 procentpunt lager dan de gemeente"


@pytest.mark.parametrize(("shown", "direction", "colour", "arrow"), [
    ("+1,2%", "higher_is_better", "green", "auto"),
    ("-1,2%", "higher_is_better", "red", "auto"),
    ("+1,2%", "lower_is_better", "red", "auto"),
    ("-1,2%", "lower_is_better", "green", "auto"),
    ("+1,2%", "neutral", "grey", "auto"),
    ("0,0%", "lower_is_better", "grey", "off"),   # the finding: a red arrow on "0,0%"
    ("0,0 procentpunt", "higher_is_better", "grey", "off"),
    (None, "higher_is_better", "grey", "off"),
])
def test_arrows_follow_the_figures_direction_and_no_change_has_none(shown, direction, colour, arrow):
    assert fmt.delta_colour(shown, direction) == colour
    assert fmt.delta_style(shown, direction)["delta_arrow"] == arrow


def test_the_wijk_profile_says_the_law_in_dutch_and_compares_percentages_in_points():
    df = pl.DataFrame({"title": ["Aandeel met Wmo", "Cliënten per 1.000", "Inwoners"], "law": ["wmo", "jeugd", "context"],
                       "unit": ["percent", "per_1000", "count"], "unit_label": ["%", "per 1.000", "personen"],
                       "wijk": [53.4, 40.0, 1200.0], "gemeente": [56.0, 38.5, 20000.0],
                       "status": ["final", "final", "final"], "difference_pct": [-4.6, 3.9, None]})
    table = wijk_view.profile_table(df, "Centrum")
    assert table["Onderwerp"].to_list() == ["Wmo", "Jeugd", "Inwoners en huishoudens"]
    assert table["Verschil met de gemeente"].to_list() == ["2,6 procentpunt lager", "1,5 per 1.000 hoger",
                                                            fmt.MISSING_TEXT]
    assert table["Centrum"].to_list() == ["53,4%", "40,0 per 1.000", "1.200"]
    out = wijk_view.profile_export(df, "Centrum")
    assert out["Verschil met de gemeente"].to_list() == [-2.6, 1.5, None]
    assert out["Verschil in"].to_list() == ["procentpunt", "per 1.000", None]
    assert out["Onderwerp"][0] == "Wmo"


def test_a_suppressed_wijk_figure_has_no_difference():
    df = pl.DataFrame({"title": ["Aandeel"], "law": ["wmo"], "unit": ["percent"], "unit_label": ["%"],
                       "wijk": [None], "gemeente": [56.0], "status": ["suppressed"], "difference_pct": [None]},
                      schema_overrides={"wijk": pl.Float64, "difference_pct": pl.Float64})
    table = wijk_view.profile_table(df, "Centrum")
    assert table.row(0) == ("Aandeel", "te klein", "56,0%", fmt.MISSING_TEXT, "Wmo")


def test_table_columns_are_wide_enough_for_their_longest_text():
    from components import indicator_view

    # Source Sans Pro at 14 px: a digit is 7,1 px wide, an "i" much narrower than an "M".
    assert indicator_view.text_px("0") == pytest.approx(7.1, abs=0.2)
    assert indicator_view.text_px("iiii") < indicator_view.text_px("MMMM") / 2
    assert indicator_view.text_px("Gemeente", bold=True) > indicator_view.text_px("Gemeente")
    df = pl.DataFrame({"Cijfer": ["Kort"], "Vergelijkbare gemeenten": ["62,9 per 1.000"]})
    config = indicator_view.fitted_columns(df)
    header = indicator_view.text_px("Vergelijkbare gemeenten", bold=True)
    assert header + 24 < config["Vergelijkbare gemeenten"]["width"] < header * 1.2 + 24
    long = pl.DataFrame({"Gemeente": ["62,9 per 1.000 (voorlopig)"]})
    assert indicator_view.fitted_columns(long)["Gemeente"]["width"] > indicator_view.text_px(
        "62,9 per 1.000 (voorlopig)") + 24
