"""Where dossiers are kept, and publishing one: the release it was made on is pinned so its link keeps
showing the same figures."""

from __future__ import annotations

import logging

import streamlit as st

import settings
from components.dossier_document import published_notes
from domain.roles import Role, require_scope
from queries import Warehouse
from store.db import shared_database
from store.dossiers import Dossier, DossierStore
from store.notes import NoteStore
from warehouse import catalogue, publication
from warehouse import releases as etl_warehouse

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> DossierStore:
    return DossierStore(shared_database(url), known_indicators=catalogue.load().ids)


def get_store() -> DossierStore:
    return _store_for(settings.load().store_url)


def release_warehouse(release_id: str | None) -> tuple[Warehouse, bool]:
    """The warehouse of the dossier's release, and whether that release could still be opened.
    When it was removed, the current release is returned with False."""
    from components.context import warehouse

    if release_id:
        try:
            wh = warehouse(release_id)
            if wh is not None:
                return wh, True
        except Exception:
            log.exception("release %s could not be opened", release_id)
    return warehouse(), False


def publish(store: DossierStore, notes: NoteStore, wh: Warehouse, dossier: Dossier, *, role, user: str,
            expected_revision: int | None = None, scope: str | None = None) -> Dossier:
    """Pin the release the griffie looked at, then publish against it with the notes as they read now.
    A previous publication's pin is released when the dossier moves to a newer release. When the store
    refuses (no right, a conflict, a wrong state), a pin made here is taken away again: only a
    publication keeps a release alive. ``scope``: the account's member (a griffie publishes its own council's
    dossiers only; the store checks it again on the head row)."""
    require_scope(role, scope, dossier.gemeente, "publish_dossier")
    warehouse_dir = wh.release.path.parent.parent
    holder = f"dossier-{dossier.dossier_id}"
    if not publication.pin_release(warehouse_dir, wh.release.id, holder):
        raise RuntimeError("De datarelease bestaat niet meer. Laad de pagina opnieuw en probeer het nog eens.")
    try:
        copies = published_notes(wh, notes, dossier.content)
        expected = dossier.head_revision if expected_revision is None else expected_revision
        published = store.publish(dossier.dossier_id, expected, release_id=wh.release.id, notes=copies,
                                  role=role, user=user, scope=scope)
    except BaseException:
        if not _published_on(store, dossier.dossier_id, wh.release.id):  # else a publication still needs it
            publication.unpin_release(warehouse_dir, wh.release.id, holder)
        raise
    for release_id, holders in etl_warehouse.pinned_releases(warehouse_dir).items():
        if release_id != wh.release.id and holder in holders:
            publication.unpin_release(warehouse_dir, release_id, holder)
    return published


def _published_on(store: DossierStore, dossier_id: str, release_id: str) -> bool:
    """Whether the dossier's published revision (an earlier one, or a colleague's that just won) uses the release."""
    try:
        return store.get(dossier_id, role=Role.RAADSLID, published=True).release_id == release_id
    except LookupError:
        return False


def dossier_warehouse(wh: Warehouse, dossier: Dossier | None) -> Warehouse:
    """The view of ``wh``'s release for the member the dossier is for (in a region); else ``wh`` itself."""
    code = dossier.gemeente if dossier is not None else None
    if code and wh.is_region and code in wh.members and code != wh.gemeente:
        return wh.for_member(code)
    return wh


def newer_release_exists(wh: Warehouse) -> bool:
    current = etl_warehouse.current_release(wh.release.path.parent.parent)
    return current is not None and current.id != wh.release.id
