"""The effect figures on their law pages in the demo: each with its chart (carrying the demo's figures),
its table, its definition and the note panel."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.test_app import open_page, texts

NEW = {
    "app_pages/wmo.py": ["wmo_reg_dropout_share", "wmo_reg_goal_reached_share", "wmo_reg_return_12m",
                         "wmo_reg_wait_start_median", "wmo_reg_to_wlz"],
    "app_pages/jeugd.py": ["jeugd_reg_wait_over_term", "jeugd_reg_wait_start_median", "jeugd_reg_dropout_share",
                           "jeugd_reg_goal_reached_share", "jeugd_reg_return_12m", "jeugd_transition_18_share"],
    "app_pages/participatie.py": ["bijstand_reg_outflow_work", "loonkostensubsidie_reg_clients",
                                  "beschut_werk_reg_clients", "wsw_reg_clients", "tegenprestatie_reg_clients",
                                  "reintegratie_reg_cost_per_trajectory"],
    "app_pages/schuldhulp.py": ["stapeling_households_debt"],
}


@pytest.mark.parametrize(("page", "indicator"), [(p, i) for p, ids in NEW.items() for i in ids])
def test_each_effect_figure_is_on_its_law_page(app_env, demo_warehouse, page, indicator):
    from queries import Warehouse
    from queries import figures as q

    app_env(demo_warehouse)
    ind = q.indicator(Warehouse.open(demo_warehouse), indicator)
    at = open_page(page, {"indicator": indicator})
    body = texts(at)
    assert ind["title"] in [h.value for h in at.subheader]
    assert "**Duiding**" in [m.value for m in at.markdown]  # the note panel beside the chart
    assert ind["definition"] in [m.value for m in at.markdown]  # "Wat meet dit cijfer?"
    charts = [el.proto for el in at.get("vega_lite_chart")]
    rows = [row for c in charts for ds in c.datasets
            for row in pa.ipc.open_stream(ds.data.data).read_all().to_pylist()]
    shown = [r for r in rows if r.get("region_name") == "Lindewaard" and r.get("value") is not None]
    assert len({r["year"] for r in shown}) >= 4, indicator  # a series of several years, not one point
    assert "DEMODATA" in body
