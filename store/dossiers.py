"""Themed-session dossiers for the griffie: content, publication against a data release, history.

Model
    One head row per dossier in ``dossiers`` (newest revision number, status, who published) and one
    immutable row per save in ``dossier_revisions``. Every edit and every state change adds a revision;
    nothing is deleted, a dossier is only withdrawn. While a published dossier is being edited, council
    members keep seeing the last published revision (``published_revision``).

    Publishing records the data release the griffie looked at (``release_id``) and a copy of the
    published interpretation notes that belong to the sections (``notes``), so a reader sees the same
    numbers and the same text the griffie published, also after new data or newer notes arrive. One more
    group after the sections' groups may hold the events (chart markers), listed once per dossier.

Links
    Every dossier has a short readable ``slug`` from its title (``?dossier=wmo-en-jeugd``), unique in the
    store. It follows the title until the dossier is first published and never changes after that; the
    long hex id keeps opening the dossier too.

Concurrency
    Optimistic locking on the revision number, exactly as :mod:`store.notes`: a conditional
    ``UPDATE dossiers ... WHERE dossier_id = ? AND revision = ?`` plus an INSERT guarded by the primary
    key ``(dossier_id, revision)`` in one transaction; a lost race raises :class:`DossierConflict`.

Permissions
    Every method takes the caller's ``role`` and checks it with :func:`domain.roles.require`:
    ``edit_dossier`` to create and edit, ``publish_dossier`` to publish and withdraw,
    ``read_published`` to read a published dossier. Drafts are visible to editors only.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from domain.roles import Role, can, require
from store import audit
from store.db import Database, Transaction, integrity_errors, utcnow
from store.notes import format_when

STATUSES = ("draft", "published", "withdrawn")
STATUS_LABELS = {"draft": "Concept", "published": "Gepubliceerd", "withdrawn": "Ingetrokken"}
CHANGE_LABELS = {"create": "aangemaakt", "edit": "bewerkt", "publish": "gepubliceerd", "withdraw": "ingetrokken"}
COMPARISONS = {"geen": "Geen vergelijking", "nederland": "Nederland", "peers": "Vergelijkbare gemeenten (mediaan)",
               "beide": "Nederland en vergelijkbare gemeenten"}
SECTION_KINDS = {"figures": "Cijfers met grafiek en tabel", "notes": "Alleen duiding (bijvoorbeeld beleidsreactie)",
                 "finance": "Geld: verwachting en scenario's van de wet van het gekozen cijfer",
                 "signalen": "Signalen: wat opvalt bij de gekozen cijfers (uit de datarelease van het dossier)"}

MAX_SECTIONS = 40
MAX_INDICATORS_PER_SECTION = 6
MAX_REGIONS_PER_SECTION = 6
MAX_QUESTIONS = 20
_MAX_TEXT = 20_000
_INDICATOR_ID = re.compile(r"^[a-z0-9_]{1,64}$")
_REGION = re.compile(r"^(GM\d{4}|WK\d{6})$")
_BREAKDOWN = re.compile(r"^[a-z_]{1,40}$")
_DOSSIER_ID = re.compile(r"^[0-9a-f]{32}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 60
_RELEASE_ID = re.compile(r"^[0-9A-Za-z_-]{1,80}$")


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


class DossierError(Exception):
    """Base class; the message is Dutch and meant for the person at the screen."""


class DossierInvalid(DossierError, ValueError):
    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("Het dossier is niet opgeslagen: " + "; ".join(self.problems))


class DossierNotFound(DossierError, LookupError):
    pass


class DossierStateError(DossierError):
    pass


class DossierConflict(DossierError):
    """Someone else saved a newer revision since the caller read the dossier."""

    def __init__(self, dossier_id: str, expected_revision: int, current_revision: int, saved_by: str, saved_at: str):
        self.dossier_id = dossier_id
        self.expected_revision = expected_revision
        self.current_revision = current_revision
        self.saved_by = saved_by
        self.saved_at = saved_at
        super().__init__(
            f"Iemand anders heeft dit dossier intussen opgeslagen: versie {current_revision} door {saved_by} "
            f"op {format_when(saved_at)}. U werkte aan versie {expected_revision}. Uw wijziging is niet "
            "opgeslagen. Open de nieuwste versie, neem uw wijziging over en sla opnieuw op.")


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of a dossier: an indicator or a group of indicators for chosen areas and years.

    ``region_codes`` are the municipality and/or wijken; ``comparison`` adds Nederland and/or the median of
    similar municipalities; ``breakdown`` (optional) splits a municipality figure, e.g. requests by route.
    ``kind`` "notes" shows only the published interpretation (for the college's policy response); "signalen"
    lists the signals of the chosen figures, areas and years in the dossier's release.
    """

    indicator_ids: tuple[str, ...]
    region_codes: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    comparison: str = "geen"
    title: str = ""
    text: str = ""
    breakdown: str = ""
    kind: str = "figures"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["indicator_ids"] = list(self.indicator_ids)
        d["region_codes"] = list(self.region_codes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Section:
        return cls(indicator_ids=tuple(str(x) for x in d.get("indicator_ids") or ()),
                   region_codes=tuple(str(x) for x in d.get("region_codes") or ()),
                   year_from=_int_or_none(d.get("year_from")), year_to=_int_or_none(d.get("year_to")),
                   comparison=str(d.get("comparison") or "geen"), title=str(d.get("title") or ""),
                   text=str(d.get("text") or ""), breakdown=str(d.get("breakdown") or ""),
                   kind=str(d.get("kind") or "figures"))

    def normalised(self, n: int, problems: list[str], known: set[str] | None) -> Section:
        where = f"onderdeel {n}"
        ids = tuple(dict.fromkeys(i.strip() for i in self.indicator_ids if i and i.strip()))
        if not ids:
            problems.append(f"{where}: kies minstens één cijfer")
        if len(ids) > MAX_INDICATORS_PER_SECTION:
            problems.append(f"{where}: maximaal {MAX_INDICATORS_PER_SECTION} cijfers per onderdeel")
        bad = [i for i in ids if not _INDICATOR_ID.match(i) or (known is not None and i not in known)]
        if bad:
            problems.append(f"{where}: onbekend cijfer {', '.join(bad[:3])}")
        codes = tuple(dict.fromkeys(c.strip().upper() for c in self.region_codes if c and c.strip()))
        if any(not _REGION.match(c) for c in codes):
            problems.append(f"{where}: gebiedscodes moeten op GM1234 (gemeente) of WK123401 (wijk) lijken")
        if len(codes) > MAX_REGIONS_PER_SECTION:
            problems.append(f"{where}: maximaal {MAX_REGIONS_PER_SECTION} gebieden per onderdeel")
        y_from, y_to = self.year_from, self.year_to
        for y in (y_from, y_to):
            if y is not None and not 1990 <= y <= 2100:
                problems.append(f"{where}: een jaar moet tussen 1990 en 2100 liggen")
        if y_from is not None and y_to is not None and y_from > y_to:
            problems.append(f"{where}: het beginjaar ligt na het eindjaar")
        if self.comparison not in COMPARISONS:
            problems.append(f"{where}: onbekende vergelijking {self.comparison!r}")
        if self.kind not in SECTION_KINDS:
            problems.append(f"{where}: onbekende soort onderdeel {self.kind!r}")
        breakdown = (self.breakdown or "").strip()
        if breakdown and not _BREAKDOWN.match(breakdown):
            problems.append(f"{where}: onbekende uitsplitsing")
        title = " ".join((self.title or "").split())
        if len(title) > 200:
            problems.append(f"{where}: de titel mag maximaal 200 tekens zijn")
        text = (self.text or "").strip()
        if len(text) > _MAX_TEXT:
            problems.append(f"{where}: de toelichting mag maximaal {_MAX_TEXT} tekens zijn")
        return Section(indicator_ids=ids, region_codes=codes, year_from=y_from, year_to=y_to,
                       comparison=self.comparison, title=title, text=text, breakdown=breakdown, kind=self.kind)


@dataclass(frozen=True)
class DossierContent:
    """What the griffie fills in."""

    title: str
    session_date: str                 # ISO date, e.g. "2026-03-12"
    theme: str = ""
    introduction: str = ""            # Markdown
    questions: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()

    def normalised(self, known_indicators: set[str] | None = None) -> DossierContent:
        """A cleaned copy, or :class:`DossierInvalid` listing every problem at once."""
        problems: list[str] = []
        title = " ".join((self.title or "").split())
        if not title:
            problems.append("geef het dossier een titel")
        elif len(title) > 200:
            problems.append("de titel mag maximaal 200 tekens zijn")
        session_date = (self.session_date or "").strip()
        try:
            session_date = date.fromisoformat(session_date).isoformat()
        except ValueError:
            problems.append("kies de datum van de bijeenkomst")
        theme = " ".join((self.theme or "").split())
        if len(theme) > 200:
            problems.append("het thema mag maximaal 200 tekens zijn")
        intro = (self.introduction or "").strip()
        if len(intro) > _MAX_TEXT:
            problems.append(f"de inleiding mag maximaal {_MAX_TEXT} tekens zijn")
        questions = tuple(q for q in (" ".join((x or "").split()) for x in self.questions) if q)
        if len(questions) > MAX_QUESTIONS:
            problems.append(f"maximaal {MAX_QUESTIONS} vragen")
        if any(len(q) > 500 for q in questions):
            problems.append("een vraag mag maximaal 500 tekens zijn")
        if len(self.sections) > MAX_SECTIONS:
            problems.append(f"maximaal {MAX_SECTIONS} onderdelen")
        sections = tuple(s.normalised(n, problems, known_indicators) for n, s in enumerate(self.sections, start=1))
        if problems:
            raise DossierInvalid(problems)
        return DossierContent(title=title, session_date=session_date, theme=theme, introduction=intro,
                              questions=questions, sections=sections)

    def to_dict(self) -> dict:
        return {"title": self.title, "session_date": self.session_date, "theme": self.theme,
                "introduction": self.introduction, "questions": list(self.questions),
                "sections": [s.to_dict() for s in self.sections]}

    @classmethod
    def from_dict(cls, d: dict) -> DossierContent:
        return cls(title=str(d.get("title") or ""), session_date=str(d.get("session_date") or ""),
                   theme=str(d.get("theme") or ""), introduction=str(d.get("introduction") or ""),
                   questions=tuple(str(q) for q in d.get("questions") or ()),
                   sections=tuple(Section.from_dict(s) for s in d.get("sections") or ()))


@dataclass(frozen=True)
class NoteCopy:
    """A published interpretation note as it was when the dossier was published."""

    note_id: str
    revision: int
    title: str
    region_label: str
    period_label: str
    what_we_see: str
    explanation: str
    next_steps: str
    published_by: str
    published_at: str
    marker_period: str = ""       # an event on the time axis (listed once per dossier), not a note
    marker_label: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NoteCopy:
        return cls(**{k: d.get(k) or ("" if k != "revision" else 0) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Dossier:
    """One revision of a dossier as the caller sees it, with the dossier's publication facts."""

    dossier_id: str
    revision: int                 # the revision shown
    head_revision: int            # the newest revision (what an edit must name as expected_revision)
    status: str                   # status of the shown revision
    head_status: str
    change: str
    content: DossierContent
    notes: tuple[tuple[NoteCopy, ...], ...]   # per section, filled on publication
    release_id: str | None
    saved_by: str
    saved_at: str
    created_by: str
    created_at: str
    published_revision: int | None = None
    published_by: str | None = None
    published_at: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: str | None = None
    slug: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def link_key(self) -> str:
        """What goes after ``?dossier=``: the readable slug, or the hex id of a dossier that has none yet."""
        return self.slug or self.dossier_id

    def notes_for(self, index: int) -> tuple[NoteCopy, ...]:
        return self.notes[index] if index < len(self.notes) else ()


def _int_or_none(v: Any) -> int | None:
    if v in (None, ""):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


HEAD_COLS = ("dossier_id", "revision", "status", "published_revision", "created_by", "created_at", "updated_by",
             "updated_at", "published_by", "published_at", "withdrawn_by", "withdrawn_at", "slug")
REV_COLS = ("dossier_id", "revision", "status", "change", "title", "session_date", "theme", "introduction",
            "questions_json", "sections_json", "notes_json", "release_id", "saved_by", "saved_at")
_SELECT_JOINED = (", ".join(f"r.{c} AS {c}" for c in REV_COLS) + ", d.revision AS head_revision, "
                  "d.status AS head_status, d.published_revision AS published_revision, d.created_by AS created_by, "
                  "d.created_at AS created_at, d.published_by AS published_by, d.published_at AS published_at, "
                  "d.withdrawn_by AS withdrawn_by, d.withdrawn_at AS withdrawn_at, d.slug AS slug")
_INSERT_REV = f"INSERT INTO dossier_revisions ({', '.join(REV_COLS)}) VALUES ({', '.join('?' for _ in REV_COLS)})"
_INSERT_HEAD = f"INSERT INTO dossiers ({', '.join(HEAD_COLS)}) VALUES ({', '.join('?' for _ in HEAD_COLS)})"


def _content_of(row: dict) -> DossierContent:
    return DossierContent(title=row["title"], session_date=row["session_date"], theme=row["theme"],
                          introduction=row["introduction"], questions=tuple(json.loads(row["questions_json"] or "[]")),
                          sections=tuple(Section.from_dict(s) for s in json.loads(row["sections_json"] or "[]")))


def _notes_of(row: dict) -> tuple[tuple[NoteCopy, ...], ...]:
    return tuple(tuple(NoteCopy.from_dict(n) for n in group) for group in json.loads(row["notes_json"] or "[]"))


def _dossier_of(row: dict) -> Dossier:
    return Dossier(dossier_id=row["dossier_id"], revision=int(row["revision"]), head_revision=int(row["head_revision"]),
                   status=row["status"], head_status=row["head_status"], change=row["change"],
                   content=_content_of(row), notes=_notes_of(row), release_id=row["release_id"],
                   saved_by=row["saved_by"], saved_at=row["saved_at"], created_by=row["created_by"],
                   created_at=row["created_at"], published_revision=row["published_revision"],
                   published_by=row["published_by"], published_at=row["published_at"],
                   withdrawn_by=row["withdrawn_by"], withdrawn_at=row["withdrawn_at"], slug=row["slug"])


def _revision_row(dossier_id: str, revision: int, status: str, change: str, c: DossierContent, *,
                  notes: Sequence[Sequence[NoteCopy]] = (), release_id: str | None = None, saved_by: str,
                  saved_at: str) -> dict:
    return {"dossier_id": dossier_id, "revision": revision, "status": status, "change": change, "title": c.title,
            "session_date": c.session_date, "theme": c.theme, "introduction": c.introduction,
            "questions_json": json.dumps(list(c.questions), ensure_ascii=False),
            "sections_json": json.dumps([s.to_dict() for s in c.sections], ensure_ascii=False, sort_keys=True),
            "notes_json": json.dumps([[n.to_dict() for n in group] for group in notes], ensure_ascii=False,
                                     sort_keys=True),
            "release_id": release_id, "saved_by": saved_by, "saved_at": saved_at}


def _check_user(user: str) -> str:
    u = (user or "").strip()
    if not u or len(u) > 200:
        raise DossierInvalid(["onbekende gebruiker"])
    return u


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


# ------------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------------


class DossierStore:
    """Dossiers on a :class:`store.db.Database` (SQLite or PostgreSQL; same behaviour on both).

    ``known_indicators`` (the catalogue's ids) makes saving refuse sections with an unknown figure.
    """

    def __init__(self, db: Database, known_indicators: set[str] | None = None):
        self.db = db
        self.known_indicators = known_indicators
        self._integrity = integrity_errors()

    def _read(self) -> contextlib.AbstractContextManager[Transaction]:
        return self.db.snapshot()

    # -- reading ---------------------------------------------------------------------------------

    def get(self, dossier_id: str, *, role: Role | str | None, published: bool = False) -> Dossier:
        """The newest revision for editors (unless ``published``); the published revision for everyone else."""
        require(role, "read_published")
        key = dossier_id or ""
        if _DOSSIER_ID.match(key):
            by = "d.dossier_id"
        elif len(key) <= MAX_SLUG + 4 and _SLUG.match(key):
            by = "d.slug"
        else:
            raise DossierNotFound("Dit dossier bestaat niet of is niet gepubliceerd.")
        newest = can(role, "edit_dossier") and not published
        join = "r.revision = d.revision" if newest else "r.revision = d.published_revision"
        with self._read() as tx:
            row = tx.one(f"SELECT {_SELECT_JOINED} FROM dossiers d JOIN dossier_revisions r "
                         f"ON r.dossier_id = d.dossier_id AND {join} WHERE {by} = ?", (key,))
        if row is None:
            raise DossierNotFound("Dit dossier bestaat niet of is niet gepubliceerd.")
        return _dossier_of(row)

    def list_dossiers(self, *, role: Role | str | None, published: bool = False) -> list[Dossier]:
        """Editors get every dossier (newest revision); everyone else, or ``published``, the published ones,
        soonest session first for readers."""
        require(role, "read_published")
        if can(role, "edit_dossier") and not published:
            sql = (f"SELECT {_SELECT_JOINED} FROM dossiers d JOIN dossier_revisions r "
                   "ON r.dossier_id = d.dossier_id AND r.revision = d.revision ORDER BY d.updated_at DESC, d.dossier_id")
        else:
            sql = (f"SELECT {_SELECT_JOINED} FROM dossiers d JOIN dossier_revisions r "
                   "ON r.dossier_id = d.dossier_id AND r.revision = d.published_revision "
                   "WHERE d.published_revision IS NOT NULL ORDER BY r.session_date DESC, d.dossier_id")
        with self._read() as tx:
            return [_dossier_of(r) for r in tx.query(sql)]

    def history(self, dossier_id: str, *, role: Role | str | None) -> list[Dossier]:
        """All revisions, newest first (editors only)."""
        require(role, "edit_dossier")
        with self._read() as tx:
            rows = tx.query(f"SELECT {_SELECT_JOINED} FROM dossiers d JOIN dossier_revisions r "
                            "ON r.dossier_id = d.dossier_id WHERE d.dossier_id = ? ORDER BY r.revision DESC",
                            (dossier_id,))
        if not rows:
            raise DossierNotFound("Dit dossier bestaat niet.")
        return [_dossier_of(r) for r in rows]

    # -- writing ---------------------------------------------------------------------------------

    def create(self, content: DossierContent, *, role: Role | str | None, user: str) -> Dossier:
        require(role, "edit_dossier")
        user = _check_user(user)
        c = content.normalised(self.known_indicators)
        dossier_id = uuid.uuid4().hex
        now = utcnow()
        head = {"dossier_id": dossier_id, "revision": 1, "status": "draft", "published_revision": None,
                "created_by": user, "created_at": now, "updated_by": user, "updated_at": now, "published_by": None,
                "published_at": None, "withdrawn_by": None, "withdrawn_at": None}
        rev = _revision_row(dossier_id, 1, "draft", "create", c, saved_by=user, saved_at=now)
        for attempt in range(5):  # a colleague may take the same slug at the same moment: the unique index says so
            try:
                with self.db.transaction() as tx:
                    head["slug"] = _free_slug(tx, c.title, dossier_id)
                    tx.execute(_INSERT_HEAD, [head[k] for k in HEAD_COLS])
                    tx.execute(_INSERT_REV, [rev[k] for k in REV_COLS])
                break
            except self._integrity:
                if attempt == 4:
                    raise
        return self.get(dossier_id, role=role)

    def update(self, dossier_id: str, expected_revision: int, content: DossierContent, *,
               role: Role | str | None, user: str) -> Dossier:
        """Save new content as a new revision. Editing a published dossier starts a new draft; council
        members keep seeing the published revision until it is published again."""
        require(role, "edit_dossier")
        c = content.normalised(self.known_indicators)
        return self._step(dossier_id, expected_revision, user=user, role=role, change="edit",
                          allowed_from=("draft", "published", "withdrawn"), new_status=lambda s: "draft", content=c)

    def publish(self, dossier_id: str, expected_revision: int, *, release_id: str,
                notes: Sequence[Sequence[NoteCopy]] = (), role: Role | str | None, user: str) -> Dossier:
        """Publish the revision the griffie read (``expected_revision``) against data release ``release_id``,
        with the published notes per section as they are now."""
        require(role, "publish_dossier")
        if not _RELEASE_ID.match(release_id or ""):
            raise DossierInvalid(["onbekende datarelease"])
        return self._step(dossier_id, expected_revision, user=user, role=role, change="publish",
                          allowed_from=("draft", "published", "withdrawn"), new_status=lambda s: "published",
                          release_id=release_id, notes=notes, need_sections=True)

    def withdraw(self, dossier_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                 user: str) -> Dossier:
        """Take a dossier out of sight. Nothing is deleted; it can be edited and published again."""
        require(role, "publish_dossier")
        return self._step(dossier_id, expected_revision, user=user, role=role, change="withdraw",
                          allowed_from=("draft", "published"), new_status=lambda s: "withdrawn")

    def _head(self, tx: Transaction, dossier_id: str) -> dict | None:
        return tx.one(f"SELECT {', '.join(HEAD_COLS)} FROM dossiers WHERE dossier_id = ?", (dossier_id,))

    def _conflict(self, dossier_id: str, expected: int, head: dict | None = None) -> DossierConflict:
        if head is None:
            with self._read() as tx:
                head = self._head(tx, dossier_id)
        if head is None:
            raise DossierNotFound("Dit dossier bestaat niet.")
        return DossierConflict(dossier_id, expected, int(head["revision"]), head["updated_by"], head["updated_at"])

    def _step(self, dossier_id: str, expected_revision: int | None, *, user: str, role, change: str,
              allowed_from: tuple[str, ...], new_status, content: DossierContent | None = None,
              release_id: str | None = None, notes: Sequence[Sequence[NoteCopy]] = (),
              need_sections: bool = False) -> Dossier:
        user = _check_user(user)
        now = utcnow()
        try:
            with self.db.transaction() as tx:
                head = self._head(tx, dossier_id)
                if head is None:
                    raise DossierNotFound("Dit dossier bestaat niet.")
                base = int(head["revision"])
                if expected_revision is not None and base != int(expected_revision):
                    raise self._conflict(dossier_id, int(expected_revision), head)
                status = head["status"]
                if status not in allowed_from:
                    raise DossierStateError(f"Dit kan niet bij een dossier met status '{STATUS_LABELS[status]}' "
                                            f"(stap: {CHANGE_LABELS[change]}).")
                current = tx.one(f"SELECT {', '.join(REV_COLS)} FROM dossier_revisions "
                                 "WHERE dossier_id = ? AND revision = ?", (dossier_id, base))
                assert current is not None, "head points at a missing revision"
                c = content if content is not None else _content_of(current)
                if need_sections and not c.sections:
                    raise DossierStateError("Een dossier zonder onderdelen kan niet worden gepubliceerd. "
                                            "Voeg eerst minstens één onderdeel toe.")
                if change == "publish":
                    c = c.normalised(self.known_indicators)  # the catalogue may have changed since the save
                    if len(notes) > len(c.sections) + 1:  # one group per section, and the events
                        raise DossierInvalid(["er zijn meer groepen duidingen dan onderdelen"])
                    rev_notes, rev_release = list(notes), release_id
                elif change == "withdraw":
                    rev_notes, rev_release = _notes_of(current), current["release_id"]
                else:
                    rev_notes, rev_release = (), None
                new_rev = base + 1
                to = new_status(status)
                slug = head["slug"]
                if slug is None or head["published_at"] is None and change == "edit":
                    slug = _free_slug(tx, c.title, dossier_id)  # follows the title until the first publication
                published_revision = head["published_revision"]
                published_by, published_at = head["published_by"], head["published_at"]
                withdrawn_by, withdrawn_at = head["withdrawn_by"], head["withdrawn_at"]
                if change == "publish":
                    published_revision, published_by, published_at = new_rev, user, now
                    withdrawn_by = withdrawn_at = None
                elif change == "withdraw":
                    published_revision, withdrawn_by, withdrawn_at = None, user, now
                moved = tx.execute(
                    "UPDATE dossiers SET revision = ?, status = ?, updated_by = ?, updated_at = ?, "
                    "published_revision = ?, published_by = ?, published_at = ?, withdrawn_by = ?, withdrawn_at = ?, "
                    "slug = ? WHERE dossier_id = ? AND revision = ?",
                    (new_rev, to, user, now, published_revision, published_by, published_at, withdrawn_by,
                     withdrawn_at, slug, dossier_id, base))
                if moved != 1:
                    raise self._conflict(dossier_id, expected_revision or base, self._head(tx, dossier_id))
                rev = _revision_row(dossier_id, new_rev, to, change, c, notes=rev_notes, release_id=rev_release,
                                    saved_by=user, saved_at=now)
                tx.execute(_INSERT_REV, [rev[k] for k in REV_COLS])
                if change in ("publish", "withdraw"):  # in the same transaction: no publication without its entry
                    detail = f"dossier {dossier_id} versie {new_rev}: {c.title}"
                    if change == "publish":
                        detail += f" (datarelease {release_id})"
                    audit.record_tx(tx, "dossier_published" if change == "publish" else "dossier_withdrawn", user,
                                    detail, role=role)
        except self._integrity as exc:  # the (dossier_id, revision) key caught a concurrent save
            raise self._conflict(dossier_id, expected_revision or 0) from exc
        return self.get(dossier_id, role=role)


def with_sections(content: DossierContent, sections: Sequence[Section]) -> DossierContent:
    return replace(content, sections=tuple(sections))


def move_section(sections: Sequence[Section], index: int, step: int) -> tuple[Section, ...]:
    """The sections with the one at ``index`` moved up (-1) or down (+1); unchanged at the edges."""
    items = list(sections)
    target = index + step
    if 0 <= index < len(items) and 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    return tuple(items)


def remove_section(sections: Sequence[Section], index: int) -> tuple[Section, ...]:
    return tuple(s for i, s in enumerate(sections) if i != index)


def replace_section(sections: Sequence[Section], index: int, section: Section) -> tuple[Section, ...]:
    """The sections with the one at ``index`` replaced by an edited one (same place in the dossier)."""
    if not 0 <= index < len(sections):
        raise DossierInvalid([f"onderdeel {index + 1} bestaat niet (meer)"])
    return tuple(section if i == index else s for i, s in enumerate(sections))
