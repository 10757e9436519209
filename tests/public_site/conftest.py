"""The demo's public edition, built once per test session, from a store holding a published note, a draft
note, a published dossier and a draft dossier (so the tests can prove drafts stay out)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from components import dossier_document
from domain.roles import Role
from publish import site
from queries import Warehouse
from store.db import Database
from store.dossiers import DossierContent, DossierStore, Section
from store.notes import NoteContent, NoteStore

PUBLISHED_TEXT = "Openbaar-duidingstekst-7319 over de wachttijd"
DRAFT_TEXT = "Conceptzin-geheim-4482 die niemand buiten mag zien"
DRAFT_DOSSIER = "Conceptdossier-geheim-5521"
PUBLISHED_DOSSIER = "Openbaar dossier ouderen thuis"
NOTED = "wmo_clients_per_1000"


@dataclass
class Built:
    wh: Warehouse
    out: Path
    root: Path
    store_url: str
    workers_used: bool  # the pages were built by worker processes (no fallback to this process)


@pytest.fixture(scope="session")
def built_site(demo_warehouse, tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("site")
    url = f"sqlite:///{base / 'store.sqlite'}"
    db = Database(url)
    db.migrate()
    notes, dossiers = NoteStore(db), DossierStore(db)
    wh = Warehouse.open(demo_warehouse)
    gm = wh.gemeente
    pub = notes.create(NoteContent(law="wmo", indicator_id=NOTED, region_codes=(gm,), title="Wachttijd",
                                   what_we_see=PUBLISHED_TEXT), role=Role.AMBTENAAR, user="ambtenaar")
    notes.submit_for_review(pub.note_id, role=Role.AMBTENAAR, user="ambtenaar")
    notes.publish(pub.note_id, role=Role.AMBTENAAR, user="ambtenaar")
    notes.create(NoteContent(law="wmo", indicator_id=NOTED, region_codes=(gm,), title="Concept",
                             what_we_see=DRAFT_TEXT, marker_period="2023JJ00", marker_label="Conceptmarker-8812"),
                 role=Role.AMBTENAAR, user="ambtenaar")
    section = Section(indicator_ids=(NOTED,), region_codes=(gm,), title="Wmo in de gemeente")
    d = dossiers.create(DossierContent(title=PUBLISHED_DOSSIER, session_date="2026-03-12", sections=(section,),
                                       questions=("Wat kost het?",)), role=Role.GRIFFIE, user="griffie")
    dossiers.publish(d.dossier_id, d.head_revision, release_id=wh.release.id,
                     notes=dossier_document.published_notes(wh, notes, d.content), role=Role.GRIFFIE, user="griffie")
    dossiers.create(DossierContent(title=DRAFT_DOSSIER, session_date="2026-04-01", sections=(section,)),
                    role=Role.GRIFFIE, user="griffie")
    out = base / "out"
    root = site.build(wh, out, store_url=url)
    return Built(wh=wh, out=out, root=root, store_url=url, workers_used=bool(site.build_stats.get("workers_used")))
