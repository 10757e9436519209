"""The registry views and the money sentence on a law page are built once per release (``Warehouse.part``):
the second visitor runs no query, a new release shows its own figures, each law has its own entry."""

from __future__ import annotations

from collections import Counter

import polars as pl
import pytest

from components import finance_view, registry_view
from queries import Warehouse
from queries import figures as q
from tests.conftest import obs, small_regions, source_row
from warehouse import catalogue
from warehouse.publication import publish

META = {"demo": False, "gemeente": "GM0001", "gemeente_name": "Testgemeente", "peers": []}


def _publish(path, *, inflow_2024: float = 40.0, cost: float = 100.0) -> Warehouse:
    rows = []
    for year, own, cbs, inflow, outflow in ((2023, 240, 230, 35, 30), (2024, 250, 245, inflow_2024, 25)):
        p = f"{year}JJ00"
        rows += [obs("wmo_reg_clients", "GM0001", p, own), obs("wmo_clients", "GM0001", p, cbs),
                 obs("wmo_reg_inflow", "GM0001", p, inflow), obs("wmo_reg_outflow", "GM0001", p, outflow),
                 obs("jeugd_reg_inflow", "GM0001", p, 20), obs("jeugd_reg_outflow", "GM0001", p, 15)]
    rows += [obs("jeugd_reg_cost", "GM0001", f"2025MM{m:02d}", cost) for m in range(1, 13)]
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=pl.DataFrame(rows), meta=META)
    return Warehouse.open(path)


@pytest.fixture
def counted(monkeypatch):
    calls: Counter = Counter()
    run = Warehouse.run

    def counting_run(self, name, **params):
        calls[name] += 1
        return run(self, name, **params)

    monkeypatch.setattr(Warehouse, "run", counting_run)
    return calls


def _values(fig: registry_view.RegistryFigure, name: str) -> list[float]:
    data = next(iter(fig.spec["datasets"].values()))
    return data.filter(pl.col("region_name") == name).sort("period")["value"].to_list()


def test_own_registry_beside_cbs_is_built_once_per_release_and_law(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    figs = registry_view.own_beside_cbs_parts(wh, "wmo")
    runs = dict(counted)
    assert registry_view.own_beside_cbs_parts(wh, "wmo") is figs
    assert counted == runs and runs["series"] == 2
    assert [f.indicator_id for f in figs] == ["wmo_reg_clients"]
    assert figs[0].title == "Wmo-cliënten: eigen registratie en CBS"
    assert _values(figs[0], "Eigen registratie") == [240, 250] and _values(figs[0], "CBS") == [230, 245]
    assert registry_view.own_beside_cbs_parts(wh, "jeugd") == ()  # no youth-care figures in this release
    with pytest.raises(AttributeError):
        figs[0].caption = "changed"  # frozen: one session cannot rewrite another's


def test_inflow_and_outflow_are_built_once_per_release_and_law(tmp_path, counted):
    wh = _publish(tmp_path / "wh")
    wmo = registry_view.inflow_outflow_part(wh, "wmo")
    runs = dict(counted)
    assert registry_view.inflow_outflow_part(wh, "wmo") is wmo
    assert counted == runs
    assert _values(wmo, "Instroom") == [35, 40] and _values(wmo, "Uitstroom") == [30, 25]
    jeugd = registry_view.inflow_outflow_part(wh, "jeugd")
    assert counted["series"] > runs["series"]
    assert _values(jeugd, "Instroom") == [20, 20]
    assert wmo.export.title == "Instroom en uitstroom wmo (eigen registratie)"

    newer = _publish(tmp_path / "wh", inflow_2024=55.0)
    assert newer.release.id != wh.release.id
    assert _values(registry_view.inflow_outflow_part(newer, "wmo"), "Instroom") == [35, 55]
    assert _values(registry_view.inflow_outflow_part(wh, "wmo"), "Instroom") == [35, 40]


def test_the_money_sentence_of_a_law_page_is_built_once_per_release_and_law(tmp_path, counted, monkeypatch):
    built: Counter = Counter()
    describe = finance_view.describe_prognosis
    monkeypatch.setattr(finance_view, "describe_prognosis", lambda p: built.update(["text"]) or describe(p))
    shown: list[str] = []
    monkeypatch.setattr(finance_view.st, "markdown", shown.append)
    monkeypatch.setattr(finance_view.st, "page_link", lambda *a, **k: None)
    wh = _publish(tmp_path / "wh")
    finance_view.law_summary(wh, "jeugd")
    finance_view.law_summary(wh, "jeugd")
    assert built["text"] == 1 and counted["series"] == 3  # months, the budget and quarters, once
    assert shown[0] == shown[1] == "Het jaar 2025 is compleet: er is € 1.200 uitgegeven. " \
                                   "Er is geen begroting voor dit jaar ingelezen."
    finance_view.law_summary(wh, "wmo")  # no registry cost for the Wmo: no sentence, and none cached for jeugd
    assert len(shown) == 2

    finance_view.law_summary(_publish(tmp_path / "wh", cost=200.0), "jeugd")
    assert shown[2].startswith("Het jaar 2025 is compleet: er is € 2.400 uitgegeven.")


def test_a_shared_series_keeps_its_suppression(tmp_path):
    wh = _publish(tmp_path / "wh", inflow_2024=3.0)
    fig = registry_view.inflow_outflow_part(wh, "wmo")
    assert _values(fig, "Instroom") == [35, None]  # 3 people: hidden in the shared chart as well
    assert q.series(wh, "wmo_reg_inflow", ["GM0001"])["status"].to_list()[-1] == "suppressed"
