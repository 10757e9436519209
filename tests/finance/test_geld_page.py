"""The page Geld, a law page's money sentence, and a finance part in a dossier and its handout, on the demo."""

from __future__ import annotations

import io
import os

import polars as pl
import pytest
from pypdf import PdfReader

from components import dossier_document, dossier_store, handout
from domain.roles import Role
from queries import Warehouse, finance
from store.db import Database
from store.dossiers import DossierContent, DossierStore, Section
from store.notes import NoteStore
from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: open_page(role=...) signs in)
from tests.test_app import open_page, texts
from warehouse import catalogue

FINANCE_PART = Section(indicator_ids=("jeugd_reg_cost",), kind="finance", title="Geld voor jeugdhulp")


def test_geld_shows_the_youth_overspend_per_inhabitant_cost_per_client_and_scenarios(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/geld.py", {"wet": "jeugd"})
    body = texts(at)
    assert "DEMODATA" in body and [t.value for t in at.title] == ["Geld"]
    wh = Warehouse.open(demo_warehouse)
    prog = finance.law_prognosis(wh, "jeugd")
    assert prog.year == 2025 and prog.month == 12 and prog.over > 0  # the demo's youth-care overspend
    assert "Het jaar 2025 is compleet" in body and "meer dan begroot" in body
    assert f"({str(round(prog.over_pct, 1)).replace('.', ',')}%) meer dan begroot" in body
    # Iv3 per inhabitant beside the peers' median and Nederland, and begroting against jaarrekening.
    for part in ("Lasten jeugd (jaarrekening) per inwoner", "Vergelijkbare gemeenten (mediaan)", "Nederland",
                 "Lasten jeugd: begroot en uitgegeven", "Begroot (begroting)", "Uitgegeven (jaarrekening)",
                 "CBS, Iv3-gegevens van gemeenten"):
        assert part in body, part
    # Cost per client, and where the overspend comes from: residential care and the GP's referrals.
    assert "per cliënt" in body and "Huisarts" in body
    for part in ("Uitgaven Jeugd per productcategorie", "Uitgaven Jeugd per verwijzer",
                 "stegen de uitgaven het meest bij Huisarts", "Eigen registratie Jeugd"):
        assert part in body, part
    referrers = finance.cost_change(wh, "jeugd", "referrer")
    top = referrers.row(0, named=True)
    assert top["category"] == "02" and top["change"] > 0 and top["change_pct"] > 5
    products = finance.cost_change(wh, "jeugd", "product")
    residential = products.filter(pl.col("category").is_in(["43", "44"]))
    assert residential["last"].sum() > residential["previous"].sum()
    assert products["category"][0] in ("43", "44")  # the biggest rise is residential care
    # Five years of scenarios with the shortfall, and the missing population forecast said plainly.
    assert "Scenario's Jeugd: uitgaven de komende vijf jaar" in body
    assert "Groei 5% per jaar" in body and "tekort" in body
    assert "Er is geen bevolkingsprognose geladen" in body
    assert len(at.get("download_button")) >= 8  # every figure downloads as CSV and Excel

    # An earlier month gives a prognosis with an interval from the earlier years' pattern.
    at.selectbox(key="month-jeugd").set_value(8).run()
    body = texts(at)
    assert "Tot en met augustus 2025 is" in body and "waarschijnlijk tussen" in body and "2023, 2024" in body


def test_a_law_page_says_what_the_year_costs_against_the_budget(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/jeugd.py")
    body = texts(at)
    assert "Geld" in [h.value for h in at.header]
    assert "Het jaar 2025 is compleet" in body and "meer dan begroot" in body


def test_a_finance_dossier_part_shows_on_the_dossier_page_and_in_the_handout(app_env, demo_warehouse):
    app_env(demo_warehouse)
    db = Database(os.environ["MSD_STORE_URL"])
    db.migrate()
    notes, store = NoteStore(db), DossierStore(db, known_indicators=catalogue.load().ids)
    content = DossierContent(title="Jeugdhulp en geld", session_date="2026-03-12", sections=(FINANCE_PART,))
    d = store.create(content, role=Role.GRIFFIE, user="greet")
    wh = Warehouse.open(demo_warehouse)
    p = dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet")

    figs = dossier_document.section_figures(wh, FINANCE_PART)
    assert [b.indicator["title"] for b in figs.blocks] == ["Uitgaven Jeugd 2025: tot nu toe en verwacht",
                                                          "Uitgaven Jeugd per productcategorie",
                                                          "Uitgaven Jeugd per verwijzer",
                                                          "Scenario's Jeugd: uitgaven de komende vijf jaar"]
    referrer = figs.blocks[2]
    assert "Huisarts" in set(referrer.df["region_name"]) and list(referrer.table.columns)[0] == "Verwijzer"
    at = open_page("app_pages/dossiers.py", {"dossier": p.dossier_id}, role="raadslid")
    body = texts(at)
    for part in ("1. Geld voor jeugdhulp", "Uitgaven Jeugd 2025: tot nu toe en verwacht", "meer dan begroot",
                 "Scenario's Jeugd: uitgaven de komende vijf jaar", "Groei 2% per jaar"):
        assert part in body, part

    data = handout.build_handout(wh, p.content, p.notes, published=dossier_document.published_line(p))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    for part in ("Geld voor jeugdhulp", "Uitgaven Jeugd 2025: tot nu toe en verwacht", "meer dan begroot",
                 "Scenario's Jeugd: uitgaven de komende vijf jaar", "Groei 5% per jaar", "Begroting",
                 "Na 2026 is de laatste begroting (2026) gelijk gehouden", "tekort",
                 "Uitgaven Jeugd per verwijzer", "stegen de uitgaven het meest bij Huisarts"):
        assert part in text, part


@pytest.mark.parametrize("law", ["wmo", "participatie", "schuldhulp"])
def test_geld_renders_every_law(app_env, demo_warehouse, law):
    app_env(demo_warehouse)
    at = open_page("app_pages/geld.py", {"wet": law})
    body = texts(at)
    if law == "schuldhulp":
        assert "geen maandbedragen" in body and "geen bedragen" in body
    else:
        assert "Het jaar 2025 is compleet" in body and "per inwoner" in body
        assert "per productcategorie" in body and "Alleen de jeugdhulp registreert een verwijzer" in body


def test_geld_without_money_figures_says_what_is_missing(app_env, small_warehouse):
    app_env(small_warehouse)
    at = open_page("app_pages/geld.py", {"wet": "jeugd"})
    body = texts(at)
    assert "geen maandbedragen uit de eigen registratie" in body
    assert "Er zijn geen Iv3-cijfers geladen" in body
    assert "geen startpunt voor scenario's" in body


def test_spending_against_budget_is_not_titled_as_areas(demo_warehouse):
    """The prognosis chart draws spending and budget, not areas: its legend says so."""
    from components import charts, finance_view

    wh = Warehouse.open(demo_warehouse)
    try:
        fig = finance_view.prognosis_figure(wh, "wmo")
        spec = charts.time_chart(fig.df, unit="euro", unit_label="euro", legend_title=fig.legend_title).to_dict()
        titles = {str(enc.get("color", {}).get("title")) for layer in spec.get("layer", [spec])
                  for enc in [layer.get("encoding", {})]}
        assert fig.legend_title == "Reeks" and "Reeks" in titles and "Gebied" not in titles, titles
    finally:
        wh.close()
