"""The demo's published dossier carries the civil servants' interpretation: published notes with every
part filled in, so its handout shows what a council member gets (it had none)."""

from __future__ import annotations

from components import demo_content, handout
from domain.roles import Role
from queries import Warehouse
from store.db import Database
from store.dossiers import DossierStore
from store.notes import NoteStore
from tests.ux import print_checks as pc


def test_the_published_demo_dossier_holds_published_notes_with_every_part_answered(demo_warehouse, tmp_path):
    wh = Warehouse.open(demo_warehouse)
    db = Database(f"sqlite:///{tmp_path / 'store.sqlite'}")
    db.migrate()
    notes, dossiers = NoteStore(db), DossierStore(db)
    assert demo_content.seed(wh, notes, dossiers) > 0
    assert demo_content.seed(wh, notes, dossiers) == 0  # once only
    (dossier,) = dossiers.list_dossiers(role=Role.RAADSLID, published=True)
    copies = [n for group in dossier.notes[:len(dossier.content.sections)] for n in group]
    assert len(copies) >= 3
    assert all(n.title and n.what_we_see and n.explanation and n.next_steps and n.published_at for n in copies)
    text = " ".join(pc.page_texts(handout.build_handout(wh, dossier.content, dossier.notes)))
    assert text.count("Duiding gepubliceerd door") == len(copies)
    assert "Meer Wmo-maatwerk, maar minder dan elders" in text
