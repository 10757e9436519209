"""A dossier part "signalen": the signals of its figures in the dossier's pinned release, on screen and in print."""

from __future__ import annotations

import io

from pypdf import PdfReader

from components import dossier_document, dossier_store, handout
from domain.roles import Role
from queries import Warehouse
from store.dossiers import SECTION_KINDS, DossierContent, Section
from tests.signals.conftest import stores
from tests.support.signin import fake_browser, fast_hashes  # noqa: F401  (autouse: open_page(role=...) signs in)
from tests.test_app import open_page, texts
from warehouse.releases import release_by_id

PART = Section(indicator_ids=("veilig_thuis_reports", "veilig_thuis_reports_per_1000"), region_codes=("GM9990",),
               year_from=2020, year_to=2025, kind="signalen", title="Wat valt op bij Veilig Thuis?")
REVISION = "Meldingen bij Veilig Thuis in Lindewaard (2024) was voorlopig"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def publish(warehouse, wh: Warehouse):
    notes, store = stores(warehouse)
    content = DossierContent(title="Veilig Thuis", session_date="2026-03-12", sections=(PART,))
    d = store.create(content, role=Role.GRIFFIE, user="greet")
    return dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet")


def test_a_signals_part_lists_the_signals_of_its_figures_on_the_page_and_in_the_handout(demo_app):
    assert "signalen" in SECTION_KINDS
    wh = Warehouse.open(demo_app)
    figs = dossier_document.section_figures(wh, PART)
    assert figs.signals and {s.indicator_id for s in figs.signals} <= set(PART.indicator_ids)
    assert "herziening" in {s.kind for s in figs.signals}
    p = publish(demo_app, wh)
    at = open_page("app_pages/dossiers.py", {"dossier": p.dossier_id}, role="raadslid")
    body = texts(at)
    assert "1. Wat valt op bij Veilig Thuis?" in body and REVISION in body and "(Cijfer herzien, Lindewaard, 2024)" in body
    text = pdf_text(handout.build_handout(wh, p.content, p.notes, published=dossier_document.published_line(p)))
    assert "Wat valt op bij Veilig Thuis?" in text and REVISION in text


def test_a_dossier_pinned_to_the_release_before_shows_that_release_signals(demo_app):
    previous = release_by_id(demo_app, Warehouse.open(demo_app).meta["previous"])
    old = Warehouse(previous)
    p = publish(demo_app, old)
    assert p.release_id == previous.id
    at = open_page("app_pages/dossiers.py", {"dossier": p.dossier_id}, role="raadslid")
    body = texts(at)
    # 2024 was still provisional then: no revision yet; what that release signals instead, or that there is none
    assert "1. Wat valt op bij Veilig Thuis?" in body and REVISION not in body
    expected = dossier_document.section_figures(old, PART).signals
    assert all(s.sentence in body for s in expected)
    if not expected:
        assert "geen signalen" in body
    assert REVISION not in pdf_text(handout.build_handout(old, p.content, p.notes))
