"""The three pages through AppTest on the hand-made warehouse, asserting what a reader sees."""

from __future__ import annotations

from tests.test_app import open_page, texts


def _table(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_vergelijken_shows_the_similar_group_with_reasons(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/vergelijken.py", {"k": "3", "indicator": "wmo_clients_per_1000", "jaar": "2024"})
    assert not at.error
    table = _table(at, "Waarom vergelijkbaar")
    assert table["Gemeente"].to_list() == ["Buurgemeente", "Verregemeente", "Grootstad"]
    assert all(r.startswith("lijkt vooral in") for r in table["Waarom vergelijkbaar"])
    body = texts(at)
    assert "Deze groep lijkt vooral op Testgemeente in" in body
    assert "Provincie, COROP-gebied, jeugdregio en arbeidsmarktregio kunnen (nog) niet gekozen worden" in body
    # One figure against the group: Testgemeente 45,7; Nederland 48,0; group 40, 60, 70 -> median 60.
    assert "Mediaan van de 3 gemeenten in de groep: 60,0 per 1.000, van 40,0 per 1.000 tot 70,0 per 1.000" in body
    assert "De grijze band loopt van de laagste tot de hoogste van de 3 vergelijkbare gemeenten" in body
    band_table = _table(at, "Periode")
    assert {"Vergelijkbare gemeenten (laagste)", "Vergelijkbare gemeenten (hoogste)"} <= set(band_table["Gebied"])
    assert at.query_params["groep"] == ["auto"] or at.query_params["groep"] == "auto"


def test_own_choice_group_is_kept_in_the_url(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/vergelijken.py", {"groep": "eigen", "eigen": ["GM0004"], "indicator": "wmo_clients_per_1000"})
    assert at.multiselect(key="eigen").value == ["GM0004"]
    assert _table(at, "Waarom vergelijkbaar")["Gemeente"].to_list() == ["Grootstad"]
    assert "Mediaan van de 1 gemeenten in de groep: 70,0 per 1.000" in texts(at)


def test_a_law_page_uses_the_group_from_the_url(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/trends.py", {"indicator": "wmo_clients_per_1000", "peers": ["GM0003", "GM0004"]})
    body = texts(at)
    assert "Vergelijkbare gemeenten (mediaan): 55,0 per 1.000 in 2024" in body
    assert "van de 2 vergelijkbare gemeenten: in 2024 van 40,0 per 1.000 tot 70,0 per 1.000" in body


def test_verwachting_shows_ratios_intervals_and_what_it_cannot_tell(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/verwachting.py")
    assert not at.error
    table = _table(at, "Werkelijk / verwacht")
    rows = {r["Wijk"]: r for r in table.to_dict("records")}
    assert rows["Noord"]["Verwacht"] == "140" and rows["Noord"]["Werkelijk / verwacht"] == "1,40"
    assert rows["Noord"]["Oordeel"] == "hoger dan verwacht" and rows["Zuid"]["Oordeel"] == "lager dan verwacht"
    assert rows["Noord"]["Onzekerheid (95%)"] == "1,21 tot 1,61"
    body = texts(at)
    assert "**Meer gebruik dan verwacht:** Noord (1,40)." in body
    assert "**Minder gebruik dan verwacht:** Zuid (0,50)." in body
    assert "alleen rekening met leeftijd" in body and "geen voorspelling van personen" in body


def test_verwachting_against_the_nation(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/verwachting.py", {"standaard": "NL01"})
    rows = {r["Wijk"]: r for r in _table(at, "Werkelijk / verwacht").to_dict("records")}
    assert rows["Noord"]["Verwacht"] == "210" and rows["Zuid"]["Verwacht"] == "120"
    assert "50% hoger dan bij ons" in texts(at)


def test_doelen_shows_status_rule_and_notes(app_env, cmp_warehouse):
    app_env(cmp_warehouse)
    at = open_page("app_pages/doelen.py")
    assert not at.error
    body = texts(at)
    assert "Participatie en inkomen: Werk en inkomen" in body
    assert "Inwoners met bijstand per 1.000 inwoners van 15 tot 65 jaar** :orange-badge[:material/error: aandacht]" in body
    assert "staat in 2023 op 53,7 per 1.000; het cijfer is 56,0 per 1.000. Beter dan bij de start, maar achter op de lijn." in body
    assert "geen doel gesteld" in body and "Hoe we de status bepalen" in body
    assert "**Duiding**" in body
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Aandacht"] == "1"
