"""Editable dossier parts, short readable links (slugs) and events listed once (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.roles import Role
from store.dossiers import DossierConflict, DossierInvalid, NoteCopy, replace_section, slugify, with_sections
from tests.dossiers.conftest import content


def test_slug_from_title_unique_and_readable(store):
    a = store.create(content(), role=Role.GRIFFIE, user="greet")
    b = store.create(content(), role=Role.GRIFFIE, user="piet")
    c = store.create(content(title="Wmo & jeugd: één overzicht!"), role=Role.GRIFFIE, user="greet")
    assert (a.slug, b.slug, c.slug) == ("ouderen-zelfstandig-thuis", "ouderen-zelfstandig-thuis-2",
                                        "wmo-jeugd-een-overzicht")
    assert store.get("ouderen-zelfstandig-thuis-2", role=Role.GRIFFIE).dossier_id == b.dossier_id
    assert store.get(b.dossier_id, role=Role.GRIFFIE).slug == b.slug  # the hex id still opens it


def test_slug_follows_the_title_until_published_then_stays(store):
    d = store.create(content(title="Eerste werktitel"), role=Role.GRIFFIE, user="greet")
    d = store.update(d.dossier_id, 1, content(title="Zorg in de wijk"), role=Role.GRIFFIE, user="greet")
    assert d.slug == "zorg-in-de-wijk"
    p = store.publish(d.dossier_id, d.head_revision, release_id="r1", role=Role.GRIFFIE, user="greet")
    e = store.update(p.dossier_id, p.head_revision, content(title="Een andere titel"), role=Role.GRIFFIE, user="greet")
    assert (e.slug, e.title) == ("zorg-in-de-wijk", "Een andere titel")
    assert store.get("zorg-in-de-wijk", role=Role.RAADSLID, published=True).title == "Zorg in de wijk"
    w = store.withdraw(e.dossier_id, e.head_revision, role=Role.GRIFFIE, user="greet")
    again = store.update(w.dossier_id, w.head_revision, content(title="Nog anders"), role=Role.GRIFFIE, user="greet")
    assert again.slug == "zorg-in-de-wijk"


def test_a_dossier_from_before_slugs_gets_one_on_its_next_save(store, db):
    d = store.create(content(title="Oud dossier"), role=Role.GRIFFIE, user="greet")
    with db.transaction() as tx:
        tx.execute("UPDATE dossiers SET slug = NULL WHERE dossier_id = ?", (d.dossier_id,))
    old = store.get(d.dossier_id, role=Role.GRIFFIE)
    assert (old.slug, old.link_key) == (None, d.dossier_id)
    p = store.publish(d.dossier_id, 1, release_id="r1", role=Role.GRIFFIE, user="greet")
    assert p.slug == "oud-dossier"
    assert store.get(d.dossier_id, role=Role.RAADSLID, published=True).slug == "oud-dossier"


@pytest.mark.parametrize("key", ["", "Hoofdletters", "a--b", "x" * 80, "../etc", "0" * 31])
def test_malformed_links_are_not_found(store, key):
    with pytest.raises(LookupError):
        store.get(key, role=Role.RAADSLID)


def test_slugify_never_looks_like_a_hex_id():
    assert slugify("0123456789abcdef0123456789abcdef") == "d-0123456789abcdef0123456789abcdef"
    assert slugify("!!!") == "dossier"
    assert len(slugify("woord " * 40)) <= 60


def test_editing_a_part_saves_a_new_version_with_the_new_values(store):
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    part = d.content.sections[1]
    edited = replace(part, indicator_ids=("wmo_clients_per_1000",), region_codes=("GM0001", "WK000102"),
                     year_from=2020, year_to=2023, comparison="nederland", title="Nieuwe kop", text="Nieuwe tekst")
    saved = store.update(d.dossier_id, 1, with_sections(d.content, replace_section(d.content.sections, 1, edited)),
                         role=Role.GRIFFIE, user="piet")
    assert saved.head_revision == 2 and saved.saved_by == "piet"
    s = saved.content.sections[1]
    assert (s.indicator_ids, s.region_codes, s.year_from, s.year_to, s.comparison, s.title, s.text) == (
        ("wmo_clients_per_1000",), ("GM0001", "WK000102"), 2020, 2023, "nederland", "Nieuwe kop", "Nieuwe tekst")
    assert saved.content.sections[0] == d.content.sections[0] and saved.content.sections[2] == d.content.sections[2]
    # A stale edit (made on version 1) is refused and changes nothing.
    with pytest.raises(DossierConflict, match="versie 2 door piet"):
        store.update(d.dossier_id, 1, with_sections(d.content, replace_section(
            d.content.sections, 1, replace(part, title="Te laat"))), role=Role.GRIFFIE, user="greet")
    assert store.get(d.dossier_id, role=Role.GRIFFIE).content.sections[1].title == "Nieuwe kop"


def test_an_edited_part_is_checked_like_a_new_one(store):
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    bad = replace(d.content.sections[0], year_from=2024, year_to=2020)
    with pytest.raises(DossierInvalid, match="onderdeel 1: het beginjaar ligt na het eindjaar"):
        store.update(d.dossier_id, 1, with_sections(d.content, replace_section(d.content.sections, 0, bad)),
                     role=Role.GRIFFIE, user="greet")
    with pytest.raises(DossierInvalid, match="onderdeel 9 bestaat niet"):
        replace_section(d.content.sections, 8, bad)


def test_publication_takes_one_events_group_after_the_sections(store):
    d = store.create(content(), role=Role.GRIFFIE, user="greet")
    event = NoteCopy(note_id="m1", revision=2, title="", region_label="Hele gemeente", period_label="alle jaren",
                     what_we_see="", explanation="", next_steps="", published_by="bert", published_at="",
                     marker_period="2019JJ00", marker_label="2019 abonnementstarief")
    with pytest.raises(DossierInvalid):
        store.publish(d.dossier_id, 1, release_id="r1", notes=[[], [], [], [event], []], role=Role.GRIFFIE,
                      user="greet")
    p = store.publish(d.dossier_id, 1, release_id="r1", notes=[[], [], [], [event]], role=Role.GRIFFIE, user="greet")
    assert store.get(p.dossier_id, role=Role.RAADSLID, published=True).notes[3] == (event,)
