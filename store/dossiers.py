"""Themed-session dossiers for the griffie: the store, publication against a data release, readable links.

Model and concurrency
    As every revisioned record (:mod:`store.revisioned`): a head row in ``dossiers``, one immutable row
    per save in ``dossier_revisions``, optimistic locking on the revision number (:class:`DossierConflict`).
    While a published dossier is being edited, council members keep seeing the last published revision.
    The values and their checks are in :mod:`store.dossier_content`; this module is where callers import
    all of them from.

    Publishing records the data release the griffie looked at (``release_id``) and a copy of the
    published interpretation notes that belong to the sections (``notes``), so a reader sees the same
    numbers and the same text the griffie published, also after new data or newer notes arrive. One more
    group after the sections' groups may hold the events (chart markers), listed once per dossier.

Links
    Every dossier has a short readable ``slug`` from its title (``?dossier=wmo-en-jeugd``), unique in the
    store. It follows the title until the dossier is first published and never changes after that; the
    long hex id keeps opening the dossier too.

Permissions
    Every method takes the caller's ``role`` and checks it with :func:`domain.roles.require`:
    ``edit_dossier`` to create and edit, ``publish_dossier`` to publish and withdraw,
    ``read_published`` to read a published dossier. Drafts are visible to editors only.

Municipalities
    In a region a dossier is for one member's council (``gemeente``) or for the whole region (None; every
    dossier of a single municipality's installation). Every method takes the caller's ``scope`` (the
    account's member, None for the whole installation): a griffie of a member creates, edits, publishes and
    withdraws that member's dossiers only, checked on the head row in the write's own transaction
    (:func:`domain.roles.require_scope`); of other dossiers it sees the published revision.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence

from domain.roles import Role, can, in_scope, require, require_in_scope, require_scope
from store.db import Database, Transaction, utcnow
from store.dossier_content import (
    CHANGE_LABELS,
    COMPARISONS,
    SECTION_KINDS,
    STATUS_LABELS,
    TABLE,
    Dossier,
    DossierConflict,
    DossierContent,
    DossierError,
    DossierInvalid,
    DossierNotFound,
    DossierStateError,
    NoteCopy,
    Section,
    content_fields,
    content_of,
    dossier_of,
    move_section,
    notes_of,
    remove_section,
    replace_section,
    with_sections,
)
from store.revisioned import Revision, RevisionedStore

__all__ = ["CHANGE_LABELS", "COMPARISONS", "SECTION_KINDS", "STATUS_LABELS", "Dossier", "DossierConflict",
           "DossierContent", "DossierError", "DossierInvalid", "DossierNotFound", "DossierStateError", "DossierStore",
           "NoteCopy", "Section", "move_section", "remove_section", "replace_section", "slugify", "with_sections"]

_DOSSIER_ID = re.compile(r"^[0-9a-f]{32}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 60
_RELEASE_ID = re.compile(r"^[0-9A-Za-z_-]{1,80}$")
_GEMEENTE = re.compile(r"^GM\d{4}$")


def slugify(title: str) -> str:
    """'Wmo & jeugd: één overzicht' -> 'wmo-jeugd-een-overzicht' (ASCII, at most MAX_SLUG characters)."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:MAX_SLUG].strip("-") or "dossier"
    return f"d-{slug}" if _DOSSIER_ID.match(slug) else slug  # never mistaken for a hex id


def _free_slug(tx: Transaction, title: str, dossier_id: str) -> str:
    """The title's slug, with -2, -3, ... when another dossier has it already."""
    base = slugify(title)
    taken = {r["slug"] for r in tx.query("SELECT slug FROM dossiers WHERE (slug = ? OR slug LIKE ?) "
                                         "AND dossier_id <> ?", (base, f"{base}-%", dossier_id))}
    n, slug = 1, base
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class DossierStore(RevisionedStore):
    """Dossiers on a :class:`store.db.Database` (SQLite or PostgreSQL; same behaviour on both).

    ``known_indicators`` (the catalogue's ids) makes saving refuse sections with an unknown figure.
    """

    table = TABLE
    audit_kind = "dossier"
    record = "een dossier"
    missing = "Dit dossier bestaat niet."
    status_labels = STATUS_LABELS
    change_labels = CHANGE_LABELS
    Invalid = DossierInvalid
    NotFound = DossierNotFound
    StateError = DossierStateError
    Conflict = DossierConflict

    def __init__(self, db: Database, known_indicators: set[str] | None = None):
        super().__init__(db)
        self.known_indicators = known_indicators

    # -- reading ---------------------------------------------------------------------------------

    def get(self, dossier_id: str, *, role: Role | str | None, published: bool = False,
            scope: str | None = None) -> Dossier:
        """The newest revision for editors (of their own member's dossiers, with a ``scope``) unless
        ``published``; the published revision for everyone else."""
        require(role, "read_published")
        key = dossier_id or ""
        if _DOSSIER_ID.match(key):
            by = "d.dossier_id"
        elif len(key) <= MAX_SLUG + 4 and _SLUG.match(key):
            by = "d.slug"
        else:
            raise DossierNotFound("Dit dossier bestaat niet of is niet gepubliceerd.")
        newest = can(role, "edit_dossier") and not published
        with self._read() as tx:
            row = tx.one(TABLE.select("revision" if newest else "published_revision") + f" WHERE {by} = ?", (key,))
            if row is not None and newest and not in_scope(scope, row["gemeente"]):
                row = tx.one(TABLE.select("published_revision") + f" WHERE {by} = ?", (key,))
        if row is None:
            raise DossierNotFound("Dit dossier bestaat niet of is niet gepubliceerd.")
        return dossier_of(row)

    def list_dossiers(self, *, role: Role | str | None, published: bool = False, scope: str | None = None,
                      member: str | None = None) -> list[Dossier]:
        """Editors get every dossier (newest revision; with a ``scope`` only their own member's); everyone
        else, or ``published``, the published ones, soonest session first for readers. ``member`` (in a
        region: the municipality looked at) keeps that member's dossiers and the region's."""
        require(role, "read_published")
        if can(role, "edit_dossier") and not published:
            sql = TABLE.select("revision") + " ORDER BY d.updated_at DESC, d.dossier_id"
        else:
            sql = (TABLE.select("published_revision") + " WHERE d.published_revision IS NOT NULL "
                   "ORDER BY r.session_date DESC, d.dossier_id")
            scope = None  # published dossiers: what a reader of the member may see (``member`` filters)
        with self._read() as tx:
            found = [dossier_of(r) for r in tx.query(sql)]
        if scope is not None:
            found = [d for d in found if in_scope(scope, d.gemeente)]
        if member is not None:
            found = [d for d in found if d.gemeente in (None, member)]
        return found

    def history(self, dossier_id: str, *, role: Role | str | None, scope: str | None = None) -> list[Dossier]:
        """All revisions, newest first (editors only, of their own member's dossiers)."""
        require(role, "edit_dossier")
        with self._read() as tx:
            rows = tx.query(TABLE.select(None) + " WHERE d.dossier_id = ? ORDER BY r.revision DESC", (dossier_id,))
        if not rows:
            raise DossierNotFound("Dit dossier bestaat niet.")
        require_in_scope(scope, rows[0]["gemeente"], "edit_dossier")
        return [dossier_of(r) for r in rows]

    # -- writing ---------------------------------------------------------------------------------

    def create(self, content: DossierContent, *, role: Role | str | None, user: str, scope: str | None = None,
               gemeente: str | None = None) -> Dossier:
        """A new draft for the council of member ``gemeente`` (None: the region, or a single municipality)."""
        member = (gemeente or "").strip().upper() or None
        if member is not None and not _GEMEENTE.match(member):
            raise DossierInvalid([f"de gemeentecode {member[:20]} klopt niet: een gemeentecode ziet eruit als GM1234"])
        require_scope(role, scope, member, "edit_dossier")
        user = self._check_user(user)
        c = content.normalised(self.known_indicators)
        dossier_id = uuid.uuid4().hex
        now = utcnow()
        for attempt in range(5):  # a colleague may take the same slug at the same moment: the unique index says so
            try:
                with self.db.transaction() as tx:
                    self._insert_new(tx, dossier_id, user=user, now=now, fields=content_fields(c),
                                     head={"slug": _free_slug(tx, c.title, dossier_id), "gemeente": member})
                break
            except self._integrity:
                if attempt == 4:
                    raise
        return self.get(dossier_id, role=role)

    def update(self, dossier_id: str, expected_revision: int, content: DossierContent, *,
               role: Role | str | None, user: str, scope: str | None = None) -> Dossier:
        """Save new content as a new revision. Editing a published dossier starts a new draft; council
        members keep seeing the published revision until it is published again."""
        require(role, "edit_dossier")
        c = content.normalised(self.known_indicators)
        return self._step(dossier_id, expected_revision, user=user, role=role, scope=scope, action="edit_dossier",
                          change="edit",
                          allowed_from=("draft", "published", "withdrawn"), new_status=lambda s: "draft", content=c)

    def publish(self, dossier_id: str, expected_revision: int, *, release_id: str,
                notes: Sequence[Sequence[NoteCopy]] = (), role: Role | str | None, user: str,
                scope: str | None = None) -> Dossier:
        """Publish the revision the griffie read (``expected_revision``) against data release ``release_id``,
        with the published notes per section as they are now."""
        require(role, "publish_dossier")
        if not _RELEASE_ID.match(release_id or ""):
            raise DossierInvalid(["onbekende datarelease"])
        return self._step(dossier_id, expected_revision, user=user, role=role, scope=scope, action="publish_dossier",
                          change="publish",
                          allowed_from=("draft", "published", "withdrawn"), new_status=lambda s: "published",
                          release_id=release_id, notes=notes, need_sections=True)

    def withdraw(self, dossier_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                 user: str, scope: str | None = None) -> Dossier:
        """Take a dossier out of sight. Nothing is deleted; it can be edited and published again."""
        require(role, "publish_dossier")
        return self._step(dossier_id, expected_revision, user=user, role=role, scope=scope, action="publish_dossier",
                          change="withdraw",
                          allowed_from=("draft", "published"), new_status=lambda s: "withdrawn")

    def _revise(self, tx: Transaction, head: dict, current: dict, *, change: str, user: str, now: str,
                revision: int, content: DossierContent | None = None, release_id: str | None = None,
                notes: Sequence[Sequence[NoteCopy]] = (), need_sections: bool = False, scope: str | None = None,
                action: str = "edit_dossier") -> Revision:
        require_in_scope(scope, head.get("gemeente"), action)  # the head as read in this transaction
        c = content if content is not None else content_of(current)
        if need_sections and not c.sections:
            raise DossierStateError("Een dossier zonder onderdelen kan niet worden gepubliceerd. "
                                    "Voeg eerst minstens één onderdeel toe.")
        if change == "publish":
            c = c.normalised(self.known_indicators)  # the catalogue may have changed since the save
            if len(notes) > len(c.sections) + 1:  # one group per section, and the events
                raise DossierInvalid(["er zijn meer groepen duidingen dan onderdelen"])
            rev_notes, rev_release = list(notes), release_id
        elif change == "withdraw":
            rev_notes, rev_release = notes_of(current), current["release_id"]
        else:
            rev_notes, rev_release = (), None
        slug = head["slug"]
        if slug is None or head["published_at"] is None and change == "edit":
            slug = _free_slug(tx, c.title, head["dossier_id"])  # follows the title until the first publication
        detail = f"dossier {head['dossier_id']} versie {revision}: {c.title}"
        if change == "publish":
            detail += f" (datarelease {release_id})"
        return Revision(fields=content_fields(c, notes=rev_notes, release_id=rev_release), head={"slug": slug},
                        detail=detail)
