"""The demo's case list and signals, built through the real load, on the law pages and through the upload."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from etl import demo, registry
from etl.demo.cases import case_inputs
from tests.auth.conftest import fake_browser, fast_hashes, open_url, run, signed_in_app  # noqa: F401  (autouse fixtures)
from tests.registry.test_cases import cases
from tests.registry.test_registry import GM, obs, value
from tests.registry.test_upload_app import button, registry_app  # noqa: F401  (the upload page's fixture)
from tests.test_app import open_page, texts

DGM = demo.GEMEENTE


def yearly(o: pl.DataFrame, indicator: str, region: str = DGM) -> dict[int, float | None]:
    hit = o.filter((pl.col("indicator_id") == indicator) & (pl.col("region_code") == region)
                   & (pl.col("breakdown") == "") & pl.col("period").str.ends_with("JJ00"))
    return {int(p[:4]): v for p, v in hit.select("period", "value").iter_rows()}


def test_the_demo_has_plausible_complaints_objections_and_court_cases(demo_warehouse):
    o = obs(demo_warehouse)
    objections = {law: yearly(o, f"{law}_objections")[2024] for law in ("wmo", "participatie")}
    assert 60 <= objections["wmo"] <= 160 and objections["participatie"] > objections["wmo"]
    assert sorted(yearly(o, "wmo_objections")) == list(range(2015, 2026))
    assert 10 <= yearly(o, "wmo_objections_upheld")[2024] <= 50
    assert 30 <= yearly(o, "participatie_objection_days")[2024] <= 120
    court = {law: sum(v or 0 for v in yearly(o, f"{law}_court_cases").values()) for law in ("wmo", "participatie")}
    assert court["participatie"] > court["wmo"] > 0
    # Complaints per 1.000 clients are the complaints over the registry clients of the same year.
    rate, n, clients = (yearly(o, i)[2024] for i in ("wmo_complaints_per_1000", "wmo_complaints", "wmo_reg_clients"))
    assert rate == 1000 * n / clients
    # Some participatie objections were still open past their 6 + 6 weeks at a year's end (the running backlog),
    # and they are far fewer than the objections received.
    late = yearly(o, "participatie_objections_open_late")
    assert 5 <= max(v or 0 for v in late.values()) < objections["participatie"] / 2
    # Jeugd has fewer than 50 decided objections a year: its upheld share stays hidden, as in a real municipality.
    assert all(v is None for v in yearly(o, "jeugd_objections_upheld").values())


def test_the_demo_signals_start_in_2021_jump_with_energy_in_2022_and_come_from_the_poor_wijk(demo_warehouse):
    o = obs(demo_warehouse)
    signals = yearly(o, "debt_signals")
    assert min(signals) == 2021 and signals[2021] < signals[2024]
    energy = o.filter((pl.col("indicator_id") == "debt_signals") & (pl.col("region_code") == DGM)
                      & (pl.col("category") == "energie"))
    by_year = dict(energy.select(pl.col("period").str.slice(0, 4).cast(int), "value").iter_rows())
    assert by_year[2022] > 1.3 * by_year[2021]
    assert 60 <= yearly(o, "debt_signals_contact_in_term")[2024] <= 100
    wijken = {w.code: (yearly(o, "debt_signals", w.code)[2024] or 0) / yearly(o, "population", w.code)[2024]
              for w in demo.WIJKEN}
    assert max(wijken, key=wijken.get) == "WK999003"  # Molenwijk, the poor wijk
    last = o.filter((pl.col("indicator_id") == "debt_signals") & (pl.col("region_code") == DGM)
                    & (pl.col("period") == "2025JJ00") & (pl.col("breakdown") == ""))
    assert last["status"].to_list() == ["provisional"]  # the year of the export


def test_the_demo_case_list_carries_client_numbers_and_none_reach_the_warehouse(demo_warehouse):
    postcodes = registry.stored_postcodes(demo_warehouse)
    inputs = case_inputs(demo.SEED, postcodes)
    bsns = set(pl.read_csv(io.BytesIO(inputs["cases"]), infer_schema=False)["client_id"].to_list())
    assert len(bsns) > 1000
    for path in demo_warehouse.rglob("*.parquet"):
        table = pl.read_parquet(path)
        for col in table.columns:
            assert not set(table[col].cast(pl.String).drop_nulls().to_list()) & bsns, (path.name, col)


def test_the_new_figures_have_chart_table_and_note_panel_on_their_law_pages(app_env, demo_warehouse):
    app_env(demo_warehouse)
    for page, indicator, title in [
        ("app_pages/wmo.py", "wmo_objections_upheld", "Bezwaren die (deels) gegrond zijn (Wmo)"),
        ("app_pages/participatie.py", "participatie_objections_open_late", "Bezwaren die te lang open staan (participatie)"),
        ("app_pages/schuldhulp.py", "debt_signals_contact_in_term", "Signalen met binnen vier weken een aanbod voor hulp"),
        ("app_pages/participatie.py", "participatie_complaints_per_1000",
         "Klachten per 1.000 inwoners met bijstand of re-integratie"),
    ]:
        at = open_page(page, {"indicator": indicator, "jaar": "2024"})
        assert title in [s.value for s in at.subheader], page
        assert at.get("vega_lite_chart"), page
        table = next(df.value for df in at.dataframe if "Periode" in df.value.columns)
        assert ("Lindewaard", "2024") in {(r["Gebied"], r["Periode"]) for r in table.to_dict("records")}
        body = texts(at)
        assert "**Duiding**" in body  # the note panel beside the chart


def test_the_upload_page_checks_and_publishes_a_case_list(registry_app):  # noqa: F811
    at = signed_in_app("ambtenaar")
    open_url(at, "registratie")
    next(u for u in at.file_uploader if u.label == "Bestand Klachten, bezwaren en beroepen").upload(
        "zaken.csv", cases(), "text/csv")
    at.date_input[0].set_value(date(2025, 12, 31))
    button(at, "Controleren").click()
    run(at)
    body = "\n".join(str(m.value) for m in at.markdown)
    assert "**Klachten, bezwaren en beroepen**: 11 rijen gelezen, 0 overgeslagen" in body
    button(at, "Publiceren").click()
    run(at)
    assert value(obs(registry_app), "wmo_objections", GM, "2024JJ00") == 5
    assert value(obs(registry_app), "wmo_reg_clients", GM, "2024JJ00") == 60  # the Wmo series is kept
