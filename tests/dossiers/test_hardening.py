"""Dossier hardening: a refused publication leaves no pin, names and titles are not Markdown on the pages,
and the handout prints inline code with € and curly quotes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from components import dossier_document, dossier_store, handout
from domain.roles import PermissionDenied, Role
from queries import Warehouse
from store.dossiers import DossierConflict, DossierContent, DossierStateError, NoteCopy
from tests.conftest import app_path
from tests.dossiers.conftest import content
from tests.dossiers.test_flow import _stores
from tests.support.signin import fake_browser, fast_hashes, sign_in_as  # noqa: F401  (autouse fixtures)
from warehouse.releases import pinned_releases

EVIL = "[klik](https://evil.example) **baas**"


@pytest.fixture
def env(app_env, small_warehouse):
    app_env(small_warehouse)
    _, notes, store = _stores()
    return notes, store, Warehouse.open(small_warehouse), small_warehouse


def test_a_refused_publication_writes_no_pin(env):
    notes, store, wh, path = env
    empty = store.create(DossierContent(title="Leeg", session_date="2026-03-12"), role=Role.GRIFFIE, user="greet")
    with pytest.raises(DossierStateError):
        dossier_store.publish(store, notes, wh, empty, role=Role.GRIFFIE, user="greet")
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    with pytest.raises(DossierConflict):
        dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet", expected_revision=d.head_revision + 5)
    with pytest.raises(PermissionDenied):
        dossier_store.publish(store, notes, wh, d, role=Role.RAADSLID, user="rik")
    assert pinned_releases(path) == {}


def test_a_refused_republication_keeps_the_pin_of_the_earlier_one(env):
    notes, store, wh, path = env
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    p = dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet")
    with pytest.raises(DossierConflict):
        dossier_store.publish(store, notes, wh, p, role=Role.GRIFFIE, user="greet", expected_revision=1)
    assert pinned_releases(path) == {wh.release.id: [f"dossier-{d.dossier_id}"]}


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_publishers_name_on_the_reader_page_is_not_markdown(env):
    notes, store, wh, _ = env
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    p = dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user=EVIL)
    at = sign_in_as(AppTest.from_file(app_path(), default_timeout=90), "raadslid")
    at.switch_page("app_pages/dossiers.py")
    at.query_params["dossier"] = p.dossier_id
    _run(at)
    line = next(c.value for c in at.caption if "Gepubliceerd door" in c.value)
    assert r"\[klik\](https://evil.example) \*\*baas\*\*" in line and "[klik](" not in line


def test_the_dossier_title_in_the_page_link_is_not_markdown(env):
    notes, store, wh, _ = env
    d = store.create(content(title=EVIL), role=Role.GRIFFIE, user="greet")
    dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet")
    at = sign_in_as(AppTest.from_file(app_path(), default_timeout=90), "griffie")
    at.session_state["_dossier_current"] = d.dossier_id
    at.switch_page("app_pages/dossier_maken.py")
    _run(at)
    labels = [link.proto.label for link in at.get("page_link") if "Dossiers ›" in link.proto.label]
    assert labels == [r"Dossiers › \[klik\](https://evil.example) \*\*baas\*\*"]


def test_the_handout_prints_inline_code_with_euro_and_curly_quotes(env):
    _, _, wh, _ = env
    intro = "Het budget is `€ 1.200 “per jaar”` en ‘nu’ — zie `x ≥ 5`.\n\n```\n„blok” met €\n```"
    note = NoteCopy(note_id="n1", revision=1, title="Duiding", region_label="Testgemeente", period_label="2024",
                    what_we_see="Kosten `€ 300`", explanation="", next_steps="", published_by="anna",
                    published_at="2026-03-01T10:00:00+00:00")
    c = content(introduction=intro)
    data = handout.build_handout(wh, c, [(note,)])
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    for part in ("€ 1.200 “per jaar”", "‘nu’", "x ≥ 5", "„blok” met €", "Kosten € 300"):
        assert part in text, part


def test_every_dossier_block_downloads_with_numbers_and_marked_small_cells(env):
    from domain.export import to_csv

    _, _, wh, _ = env
    tables = [dossier_document.block_export(block, wh.release.id) for section in content().sections
              for block in dossier_document.section_figures(wh, section).blocks]
    assert len(tables) == 4
    by_title = {t.title: t for t in tables}
    vt = next(t for title, t in by_title.items() if "Veilig Thuis" in title)
    rows = {r[1]: r for r in vt.full_rows()}  # year -> row
    assert rows[2024][2] is None and rows[2024][3] == "afgeschermd"  # 8 reports, below the floor of 10
    assert rows[2023][2] == 14 and rows[2024][-1] == wh.release.id
    for t in tables:
        assert to_csv(t).decode("utf-8-sig").splitlines()[0].startswith("Gebied;Jaar;Waarde (")


def test_a_publication_late_in_the_evening_is_dated_by_the_dutch_calendar():
    from domain.formatting import date_label

    # 23:30 UTC on 31 December is already New Year's Day in Amsterdam (UTC+1 in winter).
    assert date_label("2026-12-31T23:30:00+00:00") == "1 januari 2027"
    assert date_label("2026-06-30T21:30:00") == "30 juni 2026"  # 23:30 summer time, naive UTC as stored
    assert date_label("2026-03-12") == "12 maart 2026"
