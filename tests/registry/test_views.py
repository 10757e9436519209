"""The registry views in the app: beside CBS, inflow and outflow, stapeling per wijk (demo)."""

from __future__ import annotations

from tests.test_app import open_page, texts


def _number(cell: str) -> int | None:
    return None if cell in ("–", "") else int(cell.replace(".", ""))


def test_stapeling_page_shows_combinations_per_wijk_without_small_numbers(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/stapeling.py")
    assert not at.error
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Gebied", "alleen Wmo", "alleen jeugdhulp"]
    assert "Wmo en jeugdhulp" in table.columns and "Wmo, jeugdhulp en Participatiewet" in table.columns
    rows = {r["Gebied"]: r for r in table.to_dict("records")}
    assert len(rows) == 12  # the municipality and its 11 wijken
    whole = rows["Lindewaard"]
    assert _number(whole["alleen Wmo"]) > 1000
    for row in rows.values():
        for col in table.columns[1:]:
            n = _number(row[col])
            assert n is None or n == 0 or n >= 5, (row["Gebied"], col, n)
    # Every wijk's single-law households add up to no more than the municipality's.
    wijk_sum = sum(_number(r["alleen Wmo"]) or 0 for g, r in rows.items() if g != "Lindewaard")
    assert wijk_sum <= _number(whole["alleen Wmo"])
    assert "Voorzieningen per huishouden" in [s.value for s in at.subheader]


def test_law_page_puts_own_registry_beside_cbs_and_shows_flows(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/wmo.py")
    subheaders = [s.value for s in at.subheader]
    assert "Instroom en uitstroom (eigen registratie)" in subheaders
    assert "Wmo-cliënten: eigen registratie en CBS" in subheaders
    body = texts(at)
    assert "Waarom verschillen de twee lijnen?" in body
    flows = [d.value for d in at.dataframe if "Instroom" in d.value.to_csv()]
    assert flows and "Uitstroom" in flows[0].to_csv()
