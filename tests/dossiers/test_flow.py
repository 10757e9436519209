"""The whole way: the griffie builds a three-part dossier and publishes it, a council member opens its link,
newer figures arrive, and the handout PDF holds titles, values, notes and sources."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from components import dossier_document, dossier_store, handout
from domain.roles import Role
from queries import Warehouse
from store.db import Database
from store.dossiers import Dossier, DossierStore
from store.notes import NoteStore
from tests.conftest import app_path, obs, small_observations, small_regions, source_row
from tests.dossiers.conftest import content
from tests.notes.conftest import content as note_content
from tests.support.signin import fake_browser, fast_hashes, open_url, sign_in_as  # noqa: F401  (autouse fixtures)
from warehouse import catalogue
from warehouse.publication import publish
from warehouse.releases import pinned_releases

NOTE_TEXT = "Meer ouderen vragen hulp bij het huishouden."


def _stores() -> tuple[Database, NoteStore, DossierStore]:
    db = Database(os.environ["MSD_STORE_URL"])
    db.migrate()
    return db, NoteStore(db), DossierStore(db, known_indicators=catalogue.load().ids)


def _published_note(notes: NoteStore) -> None:
    n = notes.create(note_content(what_we_see=NOTE_TEXT, title="Meer vraag naar Wmo"), role=Role.AMBTENAAR,
                     user="anna")
    n = notes.submit_for_review(n.note_id, n.head_revision, role=Role.AMBTENAAR, user="anna")
    notes.publish(n.note_id, n.head_revision, role=Role.AMBTENAAR, user="bram")


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(page: str, role: str, query: dict | None = None) -> AppTest:
    at = sign_in_as(AppTest.from_file(app_path(), default_timeout=90), role)
    at.switch_page(page)
    if query:
        at.query_params.update(query)
    return _run(at)


def _editing_a_draft(app_env, warehouse: Path) -> tuple[DossierStore, Dossier, AppTest]:
    """The griffie's new draft dossier (three parts), chosen on Dossier maken: its store, the draft, the page."""
    app_env(warehouse)
    _, _notes, store = _stores()
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    at = _open("app_pages/dossier_maken.py", "griffie")
    at.selectbox(key="dossier_kies").set_value(d.dossier_id)
    return store, d, _run(at)


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader] + [t.value for t in at.title]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def _newer_release(path: Path) -> None:
    rows = small_observations().filter(
        ~((small_observations()["indicator_id"] == "wmo_clients_per_1000")
          & (small_observations()["region_code"] == "GM0001") & (small_observations()["period"] == "2024JJ00")))
    import polars as pl

    rows = pl.concat([rows, pl.DataFrame([obs("wmo_clients_per_1000", "GM0001", "2024JJ00", 51.5)])],
                     how="diagonal_relaxed")
    publish(path, indicators=catalogue.load().to_frame(), regions=small_regions(), sources=source_row(),
            observations=rows, replace_sources=["test"])


@pytest.fixture
def published(app_env, small_warehouse):
    """A dossier with three parts, published by the griffie against the small warehouse's release."""
    app_env(small_warehouse)
    _, notes, store = _stores()
    _published_note(notes)
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    wh = Warehouse.open(small_warehouse)
    p = dossier_store.publish(store, notes, wh, d, role=Role.GRIFFIE, user="greet")
    return p, store, small_warehouse


def test_council_member_opens_the_published_dossier_by_its_link(published):
    p, _store, warehouse = published
    assert p.release_id and pinned_releases(warehouse) == {p.release_id: [f"dossier-{p.dossier_id}"]}
    assert [n.what_we_see for n in p.notes[0]] == [NOTE_TEXT]
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.dossier_id})
    body = _text(at)
    assert [t.value for t in at.title] == ["Ouderen zelfstandig thuis"]
    for part in ("1. Wmo-maatwerk in de gemeente", "2. Cliënten per wijk", "3. Veilig Thuis", NOTE_TEXT,
                 "Vragen voor de raad", "Wat doen we nu en wat kost dat?", "Bijeenkomst op 12 maart 2026",
                 "48,0 per 1.000", f"release {p.release_id}"):
        assert part in body, part
    assert "nieuwere cijfers" not in body
    # Small numbers stay hidden in a dossier too: Veilig Thuis had 8 reports in 2024 (floor 10).
    assert "te klein" in body

    # The list of dossiers links to it.
    at = _open("app_pages/dossiers.py", "raadslid")
    assert "Ouderen zelfstandig thuis" in _text(at)


def test_newer_figures_do_not_change_the_dossier_but_the_reader_is_told(published):
    p, _store, warehouse = published
    _newer_release(warehouse)
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.dossier_id})
    body = _text(at)
    assert "nieuwere cijfers" in body
    assert "48,0 per 1.000" in body and "51,5 per 1.000" not in body
    # A new reader of the trends page sees the new figure: the dossier is fixed, the monitor is not.
    wh_now = Warehouse.open(warehouse)
    assert wh_now.release.id != p.release_id


def test_an_unknown_or_withdrawn_dossier_link_says_so(published):
    p, store, _ = published
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": "0" * 32})
    assert "bestaat niet of is (nog) niet gepubliceerd" in _text(at)
    store.withdraw(p.dossier_id, p.head_revision, role=Role.GRIFFIE, user="greet")
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.dossier_id})
    assert "bestaat niet of is (nog) niet gepubliceerd" in _text(at)


def test_the_handout_pdf_holds_titles_values_notes_and_sources(published):
    p, store, warehouse = published
    d = store.get(p.dossier_id, role=Role.RAADSLID)
    wh = Warehouse.open(warehouse, d.release_id)
    data = handout.build_handout(wh, d.content, d.notes, published=dossier_document.published_line(d))
    assert data.startswith(b"%PDF")
    pages, text = _pdf_text(data)
    # Cover, contents, then the introduction, the three parts and the questions following each other
    # (each chart block kept on one page; a part on a page of its own left pages nearly empty).
    assert pages == 1 + 1 + 3
    for part in ("Ouderen zelfstandig thuis", "Inhoud", "1. Wmo-maatwerk in de gemeente", "2. Cliënten per wijk",
                 "3. Veilig Thuis", "Inwoners met Wmo-maatwerk per 1.000 inwoners", "48,0 per 1.000",
                 "56,5 per 1.000", "Vergelijkbare gemeenten (mediaan)", NOTE_TEXT, "Meer vraag naar Wmo",
                 "Bron: CBS Monitor Wmo-maatwerkvoorzieningen", f"release {d.release_id}", "te klein",
                 "Vragen voor de raad", "Aan welke knoppen kan de raad draaien?", "12 maart 2026",
                 f"Pagina {pages} van {pages}", "kleine"):
        assert part in text, part
    # The chart is vector graphics with its labels as text (axis title and legend come from the SVG).
    assert "Per 1.000" in text and "Gebied" in text
    reader = PdfReader(io.BytesIO(data))
    assert not reader.pages[4].images  # no bitmap of the chart
    assert abs(float(reader.pages[0].mediabox.width) - 595.28) < 1  # A4


def test_a_removed_release_falls_back_to_current_figures_with_a_warning(published, monkeypatch):
    p, _store, warehouse = published
    _newer_release(warehouse)
    import shutil

    shutil.rmtree(warehouse / "releases" / p.release_id)
    at = _open("app_pages/dossiers.py", "raadslid", {"dossier": p.dossier_id})
    body = _text(at)
    assert "niet meer beschikbaar" in body and "51,5 per 1.000" in body


def test_the_griffie_builds_and_publishes_on_the_page(app_env, small_warehouse):
    app_env(small_warehouse)
    _, _notes, store = _stores()
    at = _open("app_pages/dossier_maken.py", "griffie")
    assert not at.error
    next(b for b in at.button if b.label == "Dossier aanmaken").click()
    _run(at)
    [d] = store.list_dossiers(role=Role.GRIFFIE)
    assert d.title == "Nieuw dossier"
    for ids, title in ((["wmo_clients_per_1000"], "Eerste"), (["wmo_reg_clients", "population"], "Tweede"),
                       (["veilig_thuis_reports"], "Derde")):
        at.multiselect(key="o_cijfers").set_value(ids)
        at.text_input(key="o_kop").input(title)
        next(b for b in at.button if b.label == "Onderdeel toevoegen").click()
        _run(at)
    d = store.get(d.dossier_id, role=Role.GRIFFIE)
    assert [s.title for s in d.content.sections] == ["Eerste", "Tweede", "Derde"]
    at.button(key="sec-op-2").click()  # move "Derde" up
    _run(at)
    at.button(key="sec-weg-0").click()  # remove "Eerste"
    _run(at)
    d = store.get(d.dossier_id, role=Role.GRIFFIE)
    assert [s.title for s in d.content.sections] == ["Derde", "Tweede"]
    assert "2. Tweede" in _text(at)  # the preview shows the new order
    at.button(key="publiceren").click()
    _run(at)
    published = store.get(d.dossier_id, role=Role.RAADSLID)
    assert published.release_id == Warehouse.open(small_warehouse).release.id
    assert any("Gepubliceerd" in s.value for s in at.success)


def test_a_stale_page_gets_a_conflict_message_not_an_overwrite(app_env, small_warehouse):
    store, d, at = _editing_a_draft(app_env, small_warehouse)
    store.update(d.dossier_id, 1, content(theme="Door een collega"), role=Role.GRIFFIE, user="piet")
    at.button(key="sec-weg-0").click()
    _run(at)
    assert any("Iemand anders heeft dit dossier intussen opgeslagen" in e.value for e in at.error)
    assert len(store.get(d.dossier_id, role=Role.GRIFFIE).content.sections) == 3


@pytest.mark.parametrize("role", ["raadslid", "ambtenaar"])
def test_roles_without_dossier_rights_cannot_open_the_builder(app_env, small_warehouse, role):
    app_env(small_warehouse)
    at = sign_in_as(AppTest.from_file(app_path(), default_timeout=90), role)
    open_url(at, "dossier-maken")
    body = _text(at)
    assert "U heeft geen toegang tot deze pagina" in body
    assert not at.tabs and not at.multiselect
