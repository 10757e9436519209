"""Similar municipalities: z-scores and distances against hand-computed examples."""

from __future__ import annotations

import math

import polars as pl
import pytest

from queries import Warehouse
from queries import comparison as cmp

FEATURES = {"a": ("leeftijdsopbouw", False), "b": ("inkomen", False), "c": ("stedelijkheid", False)}


def matrix() -> pl.DataFrame:
    # a: mean 1, sd 1 -> z = -1, -1, 1, 1.  b: z = -1, 1, -1, 1.  c has no spread -> z = 0.
    return pl.DataFrame({"region_code": ["A", "B", "C", "D"], "region_name": ["Aa", "Bb", "Cc", "Dd"],
                         "a": [0.0, 0.0, 2.0, 2.0], "b": [0.0, 2.0, 0.0, 2.0], "c": [1.0, 1.0, 1.0, 1.0]})


def test_standardise_gives_z_scores_with_population_sd():
    z = cmp.standardise(matrix(), FEATURES)
    assert z["a"].to_list() == [-1.0, -1.0, 1.0, 1.0]
    assert z["b"].to_list() == [-1.0, 1.0, -1.0, 1.0]
    assert z["c"].to_list() == [0.0, 0.0, 0.0, 0.0]


def test_log_features_make_ten_times_bigger_an_equal_step():
    m = pl.DataFrame({"region_code": ["X", "Y", "Z"], "population": [1e4, 1e5, 1e6]})
    z = cmp.standardise(m, {"population": ("inwonertal", True)})["population"].to_list()
    assert z[1] == pytest.approx(0.0, abs=1e-12)
    assert z[0] == pytest.approx(-math.sqrt(1.5)) and z[2] == pytest.approx(math.sqrt(1.5))


def test_rank_similar_by_root_mean_square_of_z_differences():
    out = cmp.rank_similar(matrix(), "A", k=3, features=FEATURES)
    # B: differences (0, 2, 0) -> sqrt(4/3); C: (2, 0, 0) -> sqrt(4/3); D: (2, 2, 0) -> sqrt(8/3).
    assert out["region_code"].to_list() == ["B", "C", "D"]  # a tie is broken by the code
    assert out["distance"].to_list() == pytest.approx([math.sqrt(4 / 3), math.sqrt(4 / 3), math.sqrt(8 / 3)])
    assert out["rank"].to_list() == [1, 2, 3]
    assert out.row(0, named=True)["theme:inkomen"] == pytest.approx(2.0)
    assert out["reason"][0] == "lijkt vooral in leeftijdsopbouw en stedelijkheid; verschilt het meest in inkomen"
    assert out["reason"][1] == "lijkt vooral in inkomen en stedelijkheid; verschilt het meest in leeftijdsopbouw"
    assert cmp.rank_similar(matrix(), "A", k=1, features=FEATURES)["region_code"].to_list() == ["B"]


def test_missing_features_are_left_out_of_the_pair():
    m = matrix().with_columns(b=pl.Series([0.0, None, 0.0, 2.0]))
    out = cmp.rank_similar(m, "A", k=3, features=FEATURES)
    # b over A, C, D: mean 2/3, sd sqrt(8/9) -> A and C equal. B now only differs in nothing (a: 0, c: 0).
    assert out["region_code"].to_list()[0] == "B"
    assert out["distance"][0] == pytest.approx(0.0)


def test_candidates_restrict_the_group():
    out = cmp.rank_similar(matrix(), "A", k=5, features=FEATURES, candidates=["D", "C"])
    assert out["region_code"].to_list() == ["C", "D"]


def test_reason_names_only_a_real_difference():
    assert cmp.reason_text({"inkomen": 0.1, "leeftijdsopbouw": 0.2, "inwonertal": 0.3}) == \
        "lijkt vooral in inkomen en leeftijdsopbouw"
    assert cmp.reason_text({"inkomen": 0.1, "leeftijdsopbouw": 0.2, "inwonertal": 0.9}).endswith(
        "verschilt het meest in inwonertal")
    assert cmp.reason_text({}) == "geen vergelijkbare gegevens"


def test_similar_municipalities_from_the_warehouse(cmp_warehouse):
    wh = Warehouse.open(cmp_warehouse)
    sim = cmp.similar_municipalities(wh, 2024, k=2)
    # Testgemeente: 7,000 inhabitants, 14.3% 65+. Buurgemeente (30,000; 18%) is nearest on both,
    # Grootstad has the nearest share of 65+ but is a hundred times bigger.
    assert sim["region_code"].to_list() == ["GM0002", "GM0003"]
    assert sim["reason"][0].startswith("lijkt vooral in")
    group = cmp.peer_group(wh, "auto", year=2024, k=1)
    assert group.codes == ["GM0002"] and group.reason
    own = cmp.peer_group(wh, "eigen", year=2024, chosen=["GM0004", "GM9999", "GM0001"])
    assert own.codes == ["GM0004"]  # unknown codes and the municipality itself are dropped
    assert cmp.peer_group(wh, "vast", year=2024).codes == ["GM0002", "GM0003"]
    assert cmp.region_groups(wh).is_empty()  # no province or youth region in this regions table


def test_comparison_and_band_use_the_chosen_group(cmp_warehouse):
    from queries import figures as q

    wh = Warehouse.open(cmp_warehouse)
    fixed = q.comparison(wh, ["wmo_clients_per_1000"], 2024).row(0, named=True)
    assert fixed["peer_median"] == pytest.approx(50.0)  # 60 and 40
    chosen = q.comparison(wh, ["wmo_clients_per_1000"], 2024, peers=["GM0002", "GM0004"]).row(0, named=True)
    assert (chosen["peer_median"], chosen["peer_min"], chosen["peer_max"]) == pytest.approx((65.0, 60.0, 70.0))
    band = q.peer_range(wh, "wmo_clients_per_1000", ["GM0002", "GM0003", "GM0004"])
    assert band.select("low", "high", "peer_count").row(0) == (40.0, 70.0, 3)
    med = q.series_compared(wh, "wmo_clients_per_1000", ["GM0001"], peer_median=True, peers=["GM0003", "GM0004"])
    assert med.filter(pl.col("region_code") == q.PEER_CODE)["value"].to_list() == [55.0]


def test_band_chart_draws_the_lines_over_the_band():
    import re

    import vl_convert as vlc

    from components import comparison_charts

    df = pl.DataFrame({"indicator_id": ["x"] * 4, "region_code": ["GM0001", "GM0001", "NL01", "NL01"],
                       "region_name": ["Testgemeente", "Testgemeente", "Nederland", "Nederland"],
                       "period": ["2023JJ00", "2024JJ00"] * 2, "year": [2023, 2024] * 2,
                       "value": [40.0, 45.0, 50.0, 52.0], "status": ["final"] * 4, "source_id": ["t"] * 4})
    band = pl.DataFrame({"period": ["2023JJ00", "2024JJ00"], "year": [2023, 2024], "low": [35.0, 36.0],
                         "high": [60.0, 62.0], "peer_count": [3, 3]})
    spec = comparison_charts.time_chart_with_band(df, band, unit="per_1000", unit_label="per 1.000").to_dict()
    spec["width"] = 400
    svg = vlc.vegalite_to_svg(spec)
    # One area (the band) and the lines of both regions, each with a drawn path.
    assert len(re.findall(r'<path[^>]*aria-roledescription="area mark"', svg)) == 1
    line_paths = re.findall(r'<path[^>]*aria-roledescription="line mark"[^>]*d="M[^"]+"', svg)
    assert len(line_paths) >= 2
