"""Vergelijken with region membership loaded: a province and a youth region are choices, and the
chosen region is the group the figure is set against."""

from __future__ import annotations

import polars as pl

from tests.test_app import open_page, texts
from warehouse import catalogue
from warehouse.publication import publish


def with_regions(path):
    regions = pl.DataFrame([("PV24", "Testprovincie", "provincie", "NL01", None),
                            ("JZ07", "Testregio", "jeugdregio", "NL01", None)],
                           schema=["region_code", "name", "level", "parent_code", "gemeente_code"], orient="row")
    members = pl.DataFrame([("GM0001", "PV24", "provincie"), ("GM0002", "PV24", "provincie"),
                            ("GM0004", "PV24", "provincie"), ("GM0001", "JZ07", "jeugdregio"),
                            ("GM0003", "JZ07", "jeugdregio")],
                           schema=["region_code", "group_code", "level"], orient="row")
    publish(path, indicators=catalogue.load().to_frame(), regions=regions, memberships=members)
    return path


def test_a_province_is_a_choice_and_sets_the_group(app_env, cmp_warehouse):
    app_env(with_regions(cmp_warehouse))
    at = open_page("app_pages/vergelijken.py", {"groep": "PV24", "indicator": "wmo_clients_per_1000", "jaar": "2024"})
    assert not at.error
    picker = at.selectbox(key="groep")
    assert picker.options[-2:] == ["Provincie Testprovincie", "Jeugdregio Testregio"]
    assert picker.value == "PV24"
    body = texts(at)
    assert "kunnen (nog) niet gekozen worden" not in body
    # Buurgemeente 60 and Grootstad 70 lie in the province: median 65.
    assert "Mediaan van de 2 gemeenten in de groep: 65,0 per 1.000, van 60,0 per 1.000 tot 70,0 per 1.000" in body
