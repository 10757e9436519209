"""Interpretation notes (duiding) next to every chart: content, review workflow, history and chart markers.

Model
    One head row per note in ``notes`` (newest revision number, status, who published) and one
    immutable row per save in ``note_revisions``. Every edit and every state change adds a revision;
    nothing is deleted, a note is only withdrawn. While a published note is being edited, readers
    without draft rights keep seeing the last published revision (``published_revision``).

Concurrency
    Optimistic locking on the revision number: a save is a conditional
    ``UPDATE notes ... WHERE note_id = ? AND revision = ?`` plus an INSERT guarded by the primary key
    ``(note_id, revision)``, both in one transaction. When another writer got there first the UPDATE
    matches no row (PostgreSQL re-checks the WHERE after the competing commit; SQLite serialises
    writers with BEGIN IMMEDIATE) and :class:`NoteConflict` says who saved the newer version and when.

Permissions
    Every method takes the caller's ``role`` and checks it with :func:`domain.roles.require` on the
    server side, whatever the UI shows or hides. With ``four_eyes`` (setting MSD_FOUR_EYES) the store
    also refuses a publication by the person who wrote the text being published: a second pair of eyes.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from domain.roles import Role, can, require
from store import audit
from store.db import Database, Transaction, integrity_errors, utcnow
from store.markdown import is_safe_url, plain_text

LAWS = ("wmo", "jeugd", "participatie", "schuldhulp", "veiligheid", "context")
STATUSES = ("draft", "review", "published", "withdrawn")
STATUS_LABELS = {"draft": "Concept", "review": "Klaar voor controle", "published": "Gepubliceerd",
                 "withdrawn": "Ingetrokken"}
LINK_KINDS = {"raadsinformatiebrief": "Raadsinformatiebrief", "programmaplan": "Programmaplan",
              "rekenkamerrapport": "Rekenkamerrapport", "other": "Ander document"}
CHANGE_LABELS = {"create": "aangemaakt", "edit": "bewerkt", "review": "klaargezet voor controle",
                 "back_to_draft": "teruggezet naar concept", "publish": "gepubliceerd", "withdraw": "ingetrokken",
                 "reopen": "heropend als concept", "import": "geïmporteerd"}
EXPORT_FORMAT = "msd-notes"
EXPORT_VERSION = 1

_YEAR_CODE = re.compile(r"^\d{4}JJ00$")
_MARKER_PERIOD = re.compile(r"^\d{4}(JJ00|HJ0[12]|KW0[1-4]|MM(0[1-9]|1[0-2]))$")
_GM = re.compile(r"^GM\d{4}$")
_WK = re.compile(r"^WK\d{6}$")
_NOTE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_SECTION = 20_000

# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


class NoteError(Exception):
    """Base class; the message is Dutch and meant for the person at the screen."""


class NoteInvalid(NoteError, ValueError):
    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("De duiding is niet opgeslagen: " + "; ".join(self.problems))


class NoteNotFound(NoteError, LookupError):
    pass


class NoteStateError(NoteError):
    """The requested step does not fit the note's status (e.g. publishing a draft that was not reviewed)."""


class ImportRefused(NoteError):
    pass


class FourEyesRefused(NoteStateError):
    """Four-eyes review is on and the publisher wrote the text that would be published."""

    def __init__(self) -> None:
        super().__init__("U heeft deze versie zelf geschreven. Een collega moet haar controleren en publiceren "
                         "(vier-ogenprincipe).")


class NoteConflict(NoteError):
    """Someone else saved a newer revision since the caller read the note."""

    def __init__(self, note_id: str, expected_revision: int, current_revision: int, saved_by: str, saved_at: str):
        self.note_id = note_id
        self.expected_revision = expected_revision
        self.current_revision = current_revision
        self.saved_by = saved_by
        self.saved_at = saved_at
        super().__init__(
            f"Iemand anders heeft deze duiding intussen opgeslagen: versie {current_revision} door {saved_by} "
            f"op {format_when(saved_at)}. U werkte aan versie {expected_revision}. Uw wijziging is niet "
            "opgeslagen. Open de nieuwste versie, neem uw wijziging over en sla opnieuw op.")


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    kind: str = "other"

    def to_dict(self) -> dict:
        return {"title": self.title, "url": self.url, "kind": self.kind}


@dataclass(frozen=True)
class NoteContent:
    """What a writer fills in. ``indicator_id`` None means: a marker on every chart of the law."""

    law: str
    indicator_id: str | None
    region_codes: tuple[str, ...]
    period_from: str | None = None
    period_to: str | None = None
    title: str = ""
    what_we_see: str = ""
    explanation: str = ""
    next_steps: str = ""
    links: tuple[Link, ...] = ()
    marker_period: str | None = None
    marker_label: str | None = None

    @property
    def scope(self) -> str:
        return "wijk" if any(_WK.match(c) for c in self.region_codes) else "gemeente"

    @property
    def is_marker(self) -> bool:
        return bool(self.marker_period)

    def normalised(self) -> NoteContent:
        """A cleaned copy, or :class:`NoteInvalid` listing every problem at once."""
        problems: list[str] = []
        law = (self.law or "").strip().lower()
        if law not in LAWS:
            problems.append(f"kies een wet of domein ({', '.join(LAWS)})")
        indicator = (self.indicator_id or "").strip() or None
        codes = tuple(sorted({c.strip().upper() for c in self.region_codes if c and c.strip()}))
        if not codes:
            problems.append("kies de gemeente of een of meer wijken")
        elif any(not (_GM.match(c) or _WK.match(c)) for c in codes):
            problems.append("gebiedscodes moeten op GM1234 (gemeente) of WK123401 (wijk) lijken")
        elif any(_GM.match(c) for c in codes) and (len(codes) > 1):
            problems.append("kies de hele gemeente óf een of meer wijken, niet allebei")
        p_from = _year_code(self.period_from, "beginjaar", problems)
        p_to = _year_code(self.period_to, "eindjaar", problems)
        if p_from and p_to and p_from > p_to:
            problems.append("het beginjaar ligt na het eindjaar")
        marker_period = (self.marker_period or "").strip().upper() or None
        marker_label = " ".join((self.marker_label or "").split()) or None
        if marker_period and not _MARKER_PERIOD.match(marker_period):
            problems.append("de periode van de markering moet een CBS-code zijn, bijvoorbeeld 2022JJ00")
        if marker_period and not marker_label:
            problems.append("geef de markering een kort label, bijvoorbeeld '2019 abonnementstarief'")
        if marker_label and not marker_period:
            problems.append("een markering heeft een periode nodig")
        if marker_label and len(marker_label) > 60:
            problems.append("het label van de markering mag maximaal 60 tekens zijn")
        if indicator is None and not marker_period:
            problems.append("kies een cijfer; alleen een markering mag bij alle cijfers van een wet horen")
        title = " ".join((self.title or "").split())
        if len(title) > 200:
            problems.append("de titel mag maximaal 200 tekens zijn")
        sections = [(self.what_we_see or "").strip(), (self.explanation or "").strip(), (self.next_steps or "").strip()]
        if any(len(s) > _MAX_SECTION for s in sections):
            problems.append(f"een onderdeel mag maximaal {_MAX_SECTION} tekens zijn")
        if not any(sections) and not marker_period:
            problems.append("vul minstens één onderdeel in (Wat zien we, Verklaring of Wat betekent dit)")
        links: list[Link] = []
        for n, link in enumerate(self.links, start=1):
            lt = " ".join((link.title or "").split())
            url = (link.url or "").strip()
            kind = (link.kind or "other").strip().lower()
            if not lt:
                problems.append(f"link {n} heeft geen titel")
            if not is_safe_url(url) or len(url) > 2000:
                problems.append(f"link {n}: alleen webadressen die met http:// of https:// beginnen")
            if kind not in LINK_KINDS:
                problems.append(f"link {n}: onbekende soort document {kind!r}")
            links.append(Link(lt[:200], url, kind))
        if len(links) > 20:
            problems.append("maximaal 20 links")
        if problems:
            raise NoteInvalid(problems)
        return NoteContent(law=law, indicator_id=indicator, region_codes=codes, period_from=p_from, period_to=p_to,
                           title=title, what_we_see=sections[0], explanation=sections[1], next_steps=sections[2],
                           links=tuple(links), marker_period=marker_period, marker_label=marker_label)


@dataclass(frozen=True)
class Note:
    """One revision of a note as a reader sees it, with the note's publication facts."""

    note_id: str
    revision: int              # the revision shown
    head_revision: int         # the newest revision (what an edit must name as expected_revision)
    status: str                # status of the shown revision
    head_status: str
    change: str
    content: NoteContent
    written_by: str
    written_at: str
    saved_by: str
    saved_at: str
    created_by: str
    created_at: str
    published_revision: int | None = None
    published_by: str | None = None
    published_at: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def scope(self) -> str:
        return self.content.scope

    @property
    def is_marker(self) -> bool:
        return self.content.is_marker

    @property
    def period_label(self) -> str:
        return period_label(self.content.period_from, self.content.period_to)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def specificity(self) -> tuple:
        """Sort key: wijk before gemeente; one year before a range before all years; recent years first;
        the own indicator before a law-wide marker; newest text first."""
        c = self.content
        if c.period_from and c.period_from == c.period_to:
            period_rank, width = 0, 0
        elif c.period_from and c.period_to:
            period_rank, width = 1, int(c.period_to[:4]) - int(c.period_from[:4])
        elif c.period_from or c.period_to:
            period_rank, width = 1, 9999
        else:
            period_rank, width = 2, 0
        latest = -int(c.period_to[:4]) if c.period_to else -9999  # among equals, the most recent years first
        return (0 if c.scope == "wijk" else 1, period_rank, width, latest, 0 if c.indicator_id else 1,
                _neg_time(self.written_at))


@dataclass
class ImportReport:
    notes_new: int = 0
    notes_updated: int = 0
    revisions_added: int = 0
    revisions_already_present: int = 0

    def summary(self) -> str:
        return (f"{self.notes_new} nieuwe duidingen, {self.notes_updated} bijgewerkt, {self.revisions_added} versies "
                f"toegevoegd, {self.revisions_already_present} versies waren er al.")


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _year_code(value: str | None, what: str, problems: list[str]) -> str | None:
    v = (value or "").strip().upper()
    if not v:
        return None
    if re.fullmatch(r"\d{4}", v):
        v += "JJ00"
    if not _YEAR_CODE.match(v):
        problems.append(f"het {what} moet een jaartal zijn, bijvoorbeeld 2024")
        return None
    return v


def year_code(period: str | None) -> str | None:
    """The CBS year code of any period code (``2024KW02`` -> ``2024JJ00``)."""
    if not period:
        return None
    p = period.strip().upper()
    if not re.match(r"^\d{4}", p):
        raise ValueError(f"Onbekende periodecode {period!r}")
    return p[:4] + "JJ00"


def parse_period_spec(spec: str | None) -> tuple[str | None, str | None]:
    """'' / 'alle' -> all years; '2024' -> one year; '2019-2022' -> a range; '2019-' -> from 2019 on."""
    s = (spec or "").strip().lower()
    if s in ("", "alle", "all", "alle jaren"):
        return None, None
    m = re.fullmatch(r"(\d{4})(?:jj00)?\s*(?:(-|t/m|tot en met)\s*(?:(\d{4})(?:jj00)?)?)?", s)
    if not m:
        raise NoteInvalid([f"periode {spec!r} niet herkend; schrijf bijvoorbeeld 2024, 2019-2022 of alle"])
    start = f"{m.group(1)}JJ00"
    if m.group(2) is None:
        return start, start
    end = f"{m.group(3)}JJ00" if m.group(3) else None
    return start, end


def period_label(period_from: str | None, period_to: str | None) -> str:
    a = period_from[:4] if period_from else None
    b = period_to[:4] if period_to else None
    if a and b:
        return a if a == b else f"{a} t/m {b}"
    if a:
        return f"vanaf {a}"
    if b:
        return f"tot en met {b}"
    return "alle jaren"


def gemeente_of(region_code: str) -> str | None:
    """CBS wijk codes carry their municipality: WK099001 -> GM0990."""
    return f"GM{region_code[2:6]}" if _WK.match(region_code) else None


_MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"]


def format_when(iso: str | None) -> str:
    """An ISO timestamp as a Dutch reader expects it, in Dutch local time."""
    if not iso:
        return "onbekend moment"
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    try:
        from zoneinfo import ZoneInfo

        t = t.astimezone(ZoneInfo("Europe/Amsterdam"))
    except Exception:  # no tz database on this machine: show UTC rather than fail
        pass
    return f"{t.day} {_MONTHS[t.month - 1]} {t.year} om {t:%H:%M}"


def _neg_time(iso: str) -> float:
    try:
        return -datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def _links_json(links: Sequence[Link]) -> str:
    return json.dumps([link.to_dict() for link in links], ensure_ascii=False, sort_keys=True)


HEAD_COLS = ("note_id", "revision", "status", "law", "indicator_id", "published_revision", "created_by",
             "created_at", "updated_by", "updated_at", "published_by", "published_at", "withdrawn_by",
             "withdrawn_at")
REV_COLS = ("note_id", "revision", "status", "change", "law", "indicator_id", "scope", "region_codes",
            "period_from", "period_to", "title", "what_we_see", "explanation", "next_steps", "links_json",
            "marker_period", "marker_label", "written_by", "written_at", "saved_by", "saved_at")
_SELECT_JOINED = (", ".join(f"r.{c} AS {c}" for c in REV_COLS) + ", n.revision AS head_revision, n.status AS head_status, "
                  "n.published_revision AS published_revision, n.created_by AS created_by, n.created_at AS created_at, "
                  "n.published_by AS published_by, n.published_at AS published_at, n.withdrawn_by AS withdrawn_by, "
                  "n.withdrawn_at AS withdrawn_at")
_INSERT_REV = (f"INSERT INTO note_revisions ({', '.join(REV_COLS)}) VALUES ({', '.join('?' for _ in REV_COLS)})")
_INSERT_HEAD = (f"INSERT INTO notes ({', '.join(HEAD_COLS)}) VALUES ({', '.join('?' for _ in HEAD_COLS)})")


def _content_of(row: dict) -> NoteContent:
    links = tuple(Link(x["title"], x["url"], x.get("kind", "other")) for x in json.loads(row["links_json"] or "[]"))
    return NoteContent(law=row["law"], indicator_id=row["indicator_id"],
                       region_codes=tuple(row["region_codes"].split()), period_from=row["period_from"],
                       period_to=row["period_to"], title=row["title"], what_we_see=row["what_we_see"],
                       explanation=row["explanation"], next_steps=row["next_steps"], links=links,
                       marker_period=row["marker_period"], marker_label=row["marker_label"])


def _note_of(row: dict) -> Note:
    return Note(note_id=row["note_id"], revision=int(row["revision"]), head_revision=int(row["head_revision"]),
                status=row["status"], head_status=row["head_status"], change=row["change"], content=_content_of(row),
                written_by=row["written_by"], written_at=row["written_at"], saved_by=row["saved_by"],
                saved_at=row["saved_at"], created_by=row["created_by"], created_at=row["created_at"],
                published_revision=row["published_revision"], published_by=row["published_by"],
                published_at=row["published_at"], withdrawn_by=row["withdrawn_by"], withdrawn_at=row["withdrawn_at"])


def _revision_row(note_id: str, revision: int, status: str, change: str, c: NoteContent, *, written_by: str,
                  written_at: str, saved_by: str, saved_at: str) -> dict:
    return {"note_id": note_id, "revision": revision, "status": status, "change": change, "law": c.law,
            "indicator_id": c.indicator_id, "scope": c.scope, "region_codes": " ".join(c.region_codes),
            "period_from": c.period_from, "period_to": c.period_to, "title": c.title, "what_we_see": c.what_we_see,
            "explanation": c.explanation, "next_steps": c.next_steps, "links_json": _links_json(c.links),
            "marker_period": c.marker_period, "marker_label": c.marker_label, "written_by": written_by,
            "written_at": written_at, "saved_by": saved_by, "saved_at": saved_at}


def _check_user(user: str) -> str:
    u = (user or "").strip()
    if not u or len(u) > 200:
        raise NoteInvalid(["onbekende gebruiker"])
    return u


MARKER_SCHEMA = {"period": pl.String, "year": pl.Int64, "label": pl.String, "text": pl.String, "note_id": pl.String}


# ------------------------------------------------------------------------------------------------
# The store
# ------------------------------------------------------------------------------------------------


class NoteStore:
    """Notes on a :class:`store.db.Database` (SQLite or PostgreSQL; same behaviour on both)."""

    def __init__(self, db: Database, *, four_eyes: bool = False):
        self.db = db
        self.four_eyes = four_eyes
        self._integrity = integrity_errors()

    # -- reading ---------------------------------------------------------------------------------

    def _read(self) -> contextlib.AbstractContextManager[Transaction]:
        return self.db.snapshot()

    def get(self, note_id: str, *, role: Role | str | None) -> Note:
        """The newest revision for writers; the published revision for everyone else."""
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        join = "r.revision = n.revision" if drafts else "r.revision = n.published_revision"
        with self._read() as tx:
            row = tx.one(f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r "
                         f"ON r.note_id = n.note_id AND {join} WHERE n.note_id = ?", (note_id,))
        if row is None:
            raise NoteNotFound("Deze duiding bestaat niet of is niet gepubliceerd.")
        return _note_of(row)

    def history(self, note_id: str, *, role: Role | str | None) -> list[Note]:
        """All revisions, newest first. Readers without draft rights see only revisions that were published."""
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        extra = "" if drafts else " AND r.status = 'published' AND n.published_revision IS NOT NULL"
        with self._read() as tx:
            rows = tx.query(f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r ON r.note_id = n.note_id "
                            f"WHERE n.note_id = ?{extra} ORDER BY r.revision DESC", (note_id,))
        if not rows:
            raise NoteNotFound("Deze duiding bestaat niet of is niet gepubliceerd.")
        return [_note_of(r) for r in rows]

    def list_notes(self, *, role: Role | str | None, law: str | None = None, indicator_id: str | None = None,
                   status: str | None = None) -> list[Note]:
        """Notes for the writers' overview (newest change first); non-writers get published notes only."""
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        where, params = [], []
        if drafts:
            join = "r.revision = n.revision"
        else:
            join = "r.revision = n.published_revision"
            where.append("n.published_revision IS NOT NULL")
        if law:
            where.append("n.law = ?")
            params.append(law)
        if indicator_id:
            where.append("n.indicator_id = ?")
            params.append(indicator_id)
        if status:
            where.append("n.status = ?")
            params.append(status)
        sql = f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r ON r.note_id = n.note_id AND {join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY n.updated_at DESC, n.note_id"
        with self._read() as tx:
            return [_note_of(r) for r in tx.query(sql, params)]

    def _visible_for_indicator(self, indicator_id: str | None, law: str, role, period: str | None,
                               markers_only: bool = False) -> list[Note]:
        require(role, "read_published")
        drafts = can(role, "read_drafts")
        if drafts:
            sql = (f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r "
                   "ON r.note_id = n.note_id AND r.revision = n.revision WHERE n.status <> 'withdrawn'")
        else:
            sql = (f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r "
                   "ON r.note_id = n.note_id AND r.revision = n.published_revision "
                   "WHERE n.published_revision IS NOT NULL")
        sql += " AND (n.indicator_id = ? OR (n.indicator_id IS NULL AND n.law = ?))"
        params: list[Any] = [indicator_id or "", law]
        year = year_code(period)
        if year:
            sql += " AND (r.period_from IS NULL OR r.period_from <= ?) AND (r.period_to IS NULL OR r.period_to >= ?)"
            params += [year, year]
        if markers_only:
            sql += " AND r.marker_period IS NOT NULL"
        with self._read() as tx:
            return [_note_of(r) for r in tx.query(sql, params)]

    def notes_for(self, indicator_id: str, law: str, region_codes: Sequence[str], period: str | None, *,
                  role: Role | str | None) -> list[Note]:
        """The notes that belong next to a chart, most specific first.

        A gemeente-wide note also shows next to a chart of one of its wijken; a wijk note only next to
        a chart of that wijk. ``period`` None means the chart shows all years.
        """
        wanted = {c.strip().upper() for c in region_codes if c}
        wanted |= {g for g in (gemeente_of(c) for c in wanted) if g}
        # Markers are events on the time axis (and in the list of events), not notes beside the chart.
        found = [n for n in self._visible_for_indicator(indicator_id, law, role, period) if not n.is_marker]
        if wanted:
            found = [n for n in found if wanted & set(n.content.region_codes)]
        return sorted(found, key=Note.specificity)

    def pending_review(self, *, role: Role | str | None) -> list[Note]:
        """Notes waiting for a colleague's review, longest waiting first, with who set them ready and when."""
        require(role, "read_drafts")
        with self._read() as tx:
            rows = tx.query(f"SELECT {_SELECT_JOINED} FROM notes n JOIN note_revisions r "
                            "ON r.note_id = n.note_id AND r.revision = n.revision WHERE n.status = 'review' "
                            "ORDER BY n.updated_at, n.note_id")
        return [_note_of(r) for r in rows]

    def may_publish(self, note: Note, user: str) -> bool:
        """Whether ``user`` passes the four-eyes rule for the shown revision (the UI hides the button; the store
        checks again in :meth:`publish`)."""
        return not self.four_eyes or note.written_by.strip() != (user or "").strip()

    def markers_of(self, indicator_id: str, law: str, *, role: Role | str | None) -> list[Note]:
        """The marker notes (events) of an indicator, its own and its law's, as the role may see them."""
        return sorted(self._visible_for_indicator(indicator_id, law, role, None, markers_only=True),
                      key=lambda n: (n.content.marker_period, n.content.marker_label or ""))

    def markers_for(self, indicator_id: str, law: str, *, role: Role | str | None) -> pl.DataFrame:
        """Events for the time axis of every chart of the indicator: period, year, label, text, note_id."""
        rows = []
        for n in self.markers_of(indicator_id, law, role=role):
            c = n.content
            label = c.marker_label or ""
            if n.status != "published":
                label += " (concept)"
            text = plain_text(c.explanation or c.what_we_see or c.next_steps, limit=240) or label
            rows.append({"period": c.marker_period, "year": int(c.marker_period[:4]), "label": label, "text": text,
                         "note_id": n.note_id})
        return pl.DataFrame(rows, schema=MARKER_SCHEMA).sort("period", "label")

    # -- writing ---------------------------------------------------------------------------------

    def create(self, content: NoteContent, *, role: Role | str | None, user: str) -> Note:
        require(role, "write_note")
        user = _check_user(user)
        c = content.normalised()
        note_id = uuid.uuid4().hex
        now = utcnow()
        head = {"note_id": note_id, "revision": 1, "status": "draft", "law": c.law, "indicator_id": c.indicator_id,
                "published_revision": None, "created_by": user, "created_at": now, "updated_by": user,
                "updated_at": now, "published_by": None, "published_at": None, "withdrawn_by": None,
                "withdrawn_at": None}
        rev = _revision_row(note_id, 1, "draft", "create", c, written_by=user, written_at=now, saved_by=user,
                            saved_at=now)
        with self.db.transaction() as tx:
            tx.execute(_INSERT_HEAD, [head[k] for k in HEAD_COLS])
            tx.execute(_INSERT_REV, [rev[k] for k in REV_COLS])
        return self.get(note_id, role=role)

    def update(self, note_id: str, expected_revision: int, content: NoteContent, *, role: Role | str | None,
               user: str) -> Note:
        """Save new text as a new revision. Editing a published note starts a new draft; readers keep
        seeing the published revision until it is published again."""
        require(role, "write_note")
        c = content.normalised()
        return self._step(note_id, expected_revision, user=user, role=role, change="edit",
                          allowed_from=("draft", "review", "published"),
                          new_status=lambda s: "draft" if s == "published" else s, content=c)

    def submit_for_review(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                          user: str) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, change="review", allowed_from=("draft",),
                          new_status=lambda s: "review")

    def back_to_draft(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                      user: str) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, change="back_to_draft",
                          allowed_from=("review",), new_status=lambda s: "draft")

    def publish(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                user: str) -> Note:
        """Publish the reviewed revision. Naming ``expected_revision`` guarantees you publish what you read."""
        require(role, "publish_note")
        return self._step(note_id, expected_revision, user=user, role=role, change="publish",
                          allowed_from=("review",), new_status=lambda s: "published")

    def withdraw(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
                 user: str) -> Note:
        """Take a note out of sight (any status). Nothing is deleted; it can be reopened as a draft."""
        require(role, "publish_note")
        return self._step(note_id, expected_revision, user=user, role=role, change="withdraw",
                          allowed_from=("draft", "review", "published"), new_status=lambda s: "withdrawn")

    def reopen(self, note_id: str, expected_revision: int | None = None, *, role: Role | str | None,
               user: str) -> Note:
        require(role, "write_note")
        return self._step(note_id, expected_revision, user=user, role=role, change="reopen",
                          allowed_from=("withdrawn",), new_status=lambda s: "draft")

    def _head(self, tx: Transaction, note_id: str) -> dict | None:
        return tx.one(f"SELECT {', '.join(HEAD_COLS)} FROM notes WHERE note_id = ?", (note_id,))

    def _conflict(self, note_id: str, expected: int, head: dict | None = None) -> NoteConflict:
        if head is None:
            with self._read() as tx:
                head = self._head(tx, note_id)
        if head is None:
            raise NoteNotFound("Deze duiding bestaat niet.")
        return NoteConflict(note_id, expected, int(head["revision"]), head["updated_by"], head["updated_at"])

    def _step(self, note_id: str, expected_revision: int | None, *, user: str, role, change: str,
              allowed_from: tuple[str, ...], new_status, content: NoteContent | None = None) -> Note:
        user = _check_user(user)
        now = utcnow()
        try:
            with self.db.transaction() as tx:
                head = self._head(tx, note_id)
                if head is None:
                    raise NoteNotFound("Deze duiding bestaat niet.")
                base = int(head["revision"])
                if expected_revision is not None and base != int(expected_revision):
                    raise self._conflict(note_id, int(expected_revision), head)
                status = head["status"]
                if status not in allowed_from:
                    raise NoteStateError(
                        f"Dit kan niet bij een duiding met status '{STATUS_LABELS[status]}' "
                        f"(stap: {CHANGE_LABELS[change]}).")
                current = tx.one(f"SELECT {', '.join(REV_COLS)} FROM note_revisions WHERE note_id = ? AND revision = ?",
                                 (note_id, base))
                assert current is not None, "head points at a missing revision"
                if change == "publish" and self.four_eyes and current["written_by"] == user:
                    raise FourEyesRefused()
                new_rev = base + 1
                to = new_status(status)
                if content is None:  # a state change: same text, same author
                    c = _content_of(current)
                    written_by, written_at = current["written_by"], current["written_at"]
                else:
                    c, written_by, written_at = content, user, now
                published_revision = head["published_revision"]
                published_by, published_at = head["published_by"], head["published_at"]
                withdrawn_by, withdrawn_at = head["withdrawn_by"], head["withdrawn_at"]
                if change == "publish":
                    published_revision, published_by, published_at = new_rev, user, now
                elif change == "withdraw":
                    published_revision, withdrawn_by, withdrawn_at = None, user, now
                # The atomic guard: only one writer can move the head from `base` to `base + 1`.
                moved = tx.execute(
                    "UPDATE notes SET revision = ?, status = ?, updated_by = ?, updated_at = ?, "
                    "published_revision = ?, published_by = ?, published_at = ?, withdrawn_by = ?, withdrawn_at = ? "
                    "WHERE note_id = ? AND revision = ?",
                    (new_rev, to, user, now, published_revision, published_by, published_at, withdrawn_by,
                     withdrawn_at, note_id, base))
                if moved != 1:
                    raise self._conflict(note_id, expected_revision or base, self._head(tx, note_id))
                rev = _revision_row(note_id, new_rev, to, change, c, written_by=written_by, written_at=written_at,
                                    saved_by=user, saved_at=now)
                tx.execute(_INSERT_REV, [rev[k] for k in REV_COLS])
                if change in ("publish", "withdraw"):  # in the same transaction: no publication without its entry
                    what = f"{c.law}, {c.indicator_id or 'alle cijfers'}"
                    audit.record_tx(tx, "note_published" if change == "publish" else "note_withdrawn", user,
                                    f"duiding {note_id} versie {new_rev} ({what}): {c.title}", role=role)
        except self._integrity as exc:  # the (note_id, revision) key caught a concurrent save
            raise self._conflict(note_id, expected_revision or 0) from exc
        return self.get(note_id, role=role)

    # -- export and import -----------------------------------------------------------------------

    def export_data(self, *, role: Role | str | None, user: str = "") -> dict:
        """All notes with all revisions (drafts and withdrawn ones too), from one consistent snapshot."""
        require(role, "read_drafts")
        with self._read() as tx:
            heads = tx.query(f"SELECT {', '.join(HEAD_COLS)} FROM notes ORDER BY created_at, note_id")
            revs = tx.query(f"SELECT {', '.join(REV_COLS)} FROM note_revisions ORDER BY note_id, revision")
        by_note: dict[str, list[dict]] = {}
        for r in revs:
            item = {k: r[k] for k in REV_COLS if k not in ("note_id", "links_json")}
            item["links"] = json.loads(r["links_json"] or "[]")
            item["region_codes"] = r["region_codes"].split()
            by_note.setdefault(r["note_id"], []).append(item)
        notes = []
        for h in heads:
            item = {k: h[k] for k in HEAD_COLS}
            item["revisions"] = by_note.get(h["note_id"], [])
            notes.append(item)
        return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": utcnow(), "exported_by": user,
                "notes": notes}

    def export_json(self, *, role: Role | str | None, user: str = "") -> str:
        return json.dumps(self.export_data(role=role, user=user), ensure_ascii=False, indent=1)

    def import_json(self, data: str | bytes | dict, *, role: Role | str | None, user: str,
                    restore: bool = False) -> ImportReport:
        """Load an export. Idempotent: revisions already present (and identical) are skipped. A file that
        is malformed or contradicts the store is refused as a whole; the store is left untouched.

        Who wrote, saved or published a note is not taken from the file: anyone can type another
        person's name into a JSON file. Every revision and publication the import adds is recorded with
        the importer as its actor (the times stay as in the file), and the audit log says who imported.
        ``restore``: keep the file's names, for a backup read back on the server's command line (whoever
        runs that holds the store itself; the app never passes it)."""
        require(role, "write_note")
        require(role, "publish_note")  # a file may bring published notes
        user = _check_user(user)
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ImportRefused(f"Het bestand is geen geldig JSON-bestand ({exc}).") from exc
        notes = _validate_export(data)
        report = ImportReport()
        with self.db.transaction() as tx:
            for note in notes:
                note_id = note["note_id"]
                head = self._head(tx, note_id)
                existing = {int(r["revision"]): r for r in tx.query(
                    f"SELECT {', '.join(REV_COLS)} FROM note_revisions WHERE note_id = ?", (note_id,))}
                if head is None:
                    row = note if restore else _imported_head(note, None, user)
                    tx.execute(_INSERT_HEAD, [row[k] for k in HEAD_COLS])
                    report.notes_new += 1
                for rev in note["revisions"]:
                    row = _revision_from_export(note_id, rev, None if restore else user)
                    have = existing.get(row["revision"])
                    if have is not None:
                        if any(have[k] != row[k] for k in REV_COLS if k not in _REV_ACTORS):
                            raise ImportRefused(
                                f"Versie {row['revision']} van duiding {note_id} in het bestand verschilt van de "
                                "versie in de opslag. Er is niets ingelezen. Exporteer eerst de huidige duidingen "
                                "als reservekopie en vraag de beheerder om hulp.")
                        report.revisions_already_present += 1
                        continue
                    if self.four_eyes and not restore and row["change"] == "publish":
                        # The importer becomes author and publisher: that would bypass the second pair of eyes.
                        raise ImportRefused(
                            f"Duiding {note_id} brengt een nieuwe publicatie mee (versie {row['revision']}). Met het "
                            "vier-ogenprincipe kan een import niets publiceren. Er is niets ingelezen. Lees het "
                            "bestand in zonder publicaties, of laat de beheerder een reservekopie terugzetten.")
                    tx.execute(_INSERT_REV, [row[k] for k in REV_COLS])
                    report.revisions_added += 1
                if head is not None and int(note["revision"]) > int(head["revision"]):
                    missing = [r for r in range(1, int(note["revision"]) + 1)
                               if r not in existing and r not in {int(x["revision"]) for x in note["revisions"]}]
                    if missing:
                        raise ImportRefused(f"Duiding {note_id}: versies {missing} ontbreken.")
                    new_head = note if restore else _imported_head(note, head, user)
                    tx.execute(f"UPDATE notes SET {', '.join(f'{k} = ?' for k in HEAD_COLS[1:])} WHERE note_id = ?",
                               [new_head[k] for k in HEAD_COLS[1:]] + [note_id])
                    report.notes_updated += 1
            audit.record_tx(tx, "notes_imported", user, report.summary(), role=role)
        return report

    # -- statistics for tests and the load benchmark ----------------------------------------------

    def count_revisions(self) -> dict[str, int]:
        with self._read() as tx:
            rows = tx.query("SELECT note_id, COUNT(*) AS n, MAX(revision) AS top FROM note_revisions GROUP BY note_id")
        return {r["note_id"]: int(r["n"]) for r in rows}


# ------------------------------------------------------------------------------------------------
# Import validation
# ------------------------------------------------------------------------------------------------


_REV_ACTORS = ("written_by", "saved_by")


def _imported_head(note: dict, head: dict | None, importer: str) -> dict:
    """The head row from the file with the importer as actor. Facts the store already holds (who created
    the note, who made a publication that the file does not change) are kept."""
    row = {k: note[k] for k in HEAD_COLS}
    row["updated_by"] = importer
    row["created_by"] = head["created_by"] if head else importer
    for who, same in (("published_by", "published_revision"), ("withdrawn_by", "withdrawn_at")):
        if row[who] is not None:
            row[who] = head[who] if head and head[same] == row[same] and head[who] else importer
    return row


def _revision_from_export(note_id: str, rev: dict, importer: str | None) -> dict:
    row = {k: rev.get(k) for k in REV_COLS if k not in ("note_id", "links_json", "region_codes")}
    if importer:
        row.update(dict.fromkeys(_REV_ACTORS, importer))  # the file's names are claims, not facts
    row["note_id"] = note_id
    row["revision"] = int(rev["revision"])
    row["region_codes"] = " ".join(rev["region_codes"])
    row["links_json"] = json.dumps(rev["links"], ensure_ascii=False, sort_keys=True)
    return row


def _validate_export(data: Any) -> list[dict]:
    """Check the whole file before touching the store; list the first problems in plain Dutch."""
    problems: list[str] = []

    def fail() -> None:
        shown = problems[:10]
        more = f" (en nog {len(problems) - 10} andere problemen)" if len(problems) > 10 else ""
        raise ImportRefused("Het bestand is niet ingelezen: " + "; ".join(shown) + more + ".")

    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        problems.append(f"dit is geen export van duidingen (veld 'format' moet '{EXPORT_FORMAT}' zijn)")
        fail()
    if data.get("version") != EXPORT_VERSION:
        problems.append(f"onbekende versie {data.get('version')!r} van het exportformaat (verwacht {EXPORT_VERSION})")
        fail()
    notes = data.get("notes")
    if not isinstance(notes, list):
        problems.append("het veld 'notes' ontbreekt of is geen lijst")
        fail()
    seen: set[str] = set()
    text_fields = ("title", "what_we_see", "explanation", "next_steps", "written_by", "written_at", "saved_by",
                   "saved_at", "change", "status", "law", "scope")
    for i, note in enumerate(notes, start=1):
        where = f"duiding {i}"
        if not isinstance(note, dict):
            problems.append(f"{where} is geen object")
            continue
        note_id = note.get("note_id")
        if not isinstance(note_id, str) or not _NOTE_ID.match(note_id):
            problems.append(f"{where} heeft geen geldig 'note_id'")
            continue
        where = f"duiding {i} ({note_id})"
        if note_id in seen:
            problems.append(f"{where} staat twee keer in het bestand")
        seen.add(note_id)
        missing = [k for k in HEAD_COLS if k not in note]
        if missing:
            problems.append(f"{where} mist de velden {', '.join(missing)}")
            continue
        if note["status"] not in STATUSES:
            problems.append(f"{where} heeft een onbekende status {note['status']!r}")
        revs = note.get("revisions")
        if not isinstance(revs, list) or not revs:
            problems.append(f"{where} heeft geen versies")
            continue
        numbers = [r.get("revision") if isinstance(r, dict) else None for r in revs]
        if numbers != list(range(1, len(revs) + 1)):
            problems.append(f"{where}: de versies moeten 1 tot en met {len(revs)} zijn, op volgorde")
            continue
        if note["revision"] != len(revs):
            problems.append(f"{where}: 'revision' is {note['revision']!r} maar er zijn {len(revs)} versies")
        if revs[-1].get("status") != note["status"]:
            problems.append(f"{where}: de status past niet bij de laatste versie")
        pub = note["published_revision"]
        if pub is not None and (not isinstance(pub, int) or not 1 <= pub <= len(revs)
                                or revs[pub - 1].get("status") != "published"):
            problems.append(f"{where}: 'published_revision' wijst niet naar een gepubliceerde versie")
        for rev in revs:
            rw = f"{where} versie {rev.get('revision')}"
            absent = [k for k in REV_COLS if k not in ("note_id", "links_json") and k not in rev]
            if "links" not in rev:
                absent.append("links")
            if absent:
                problems.append(f"{rw} mist de velden {', '.join(absent)}")
                continue
            if any(not isinstance(rev[k], str) for k in text_fields):
                problems.append(f"{rw}: tekstvelden moeten tekst zijn")
                continue
            if rev["status"] not in STATUSES or rev["change"] not in CHANGE_LABELS:
                problems.append(f"{rw}: onbekende status of wijziging")
            if rev["law"] != note["law"] or rev["indicator_id"] != note["indicator_id"]:
                problems.append(f"{rw}: wet of cijfer wijkt af van de duiding")
            if not isinstance(rev["region_codes"], list) or not isinstance(rev["links"], list) \
                    or not all(isinstance(x, dict) for x in rev["links"]):
                problems.append(f"{rw}: 'region_codes' en 'links' moeten lijsten zijn")
                continue
            try:
                content = NoteContent(
                    law=rev["law"], indicator_id=rev["indicator_id"], region_codes=tuple(map(str, rev["region_codes"])),
                    period_from=rev["period_from"], period_to=rev["period_to"], title=rev["title"],
                    what_we_see=rev["what_we_see"], explanation=rev["explanation"], next_steps=rev["next_steps"],
                    links=tuple(Link(str(x.get("title", "")), str(x.get("url", "")), str(x.get("kind", "other")))
                                for x in rev["links"]),
                    marker_period=rev["marker_period"], marker_label=rev["marker_label"])
                normal = content.normalised()
            except NoteInvalid as exc:
                problems.append(f"{rw}: " + "; ".join(exc.problems))
                continue
            except (TypeError, AttributeError):
                problems.append(f"{rw}: velden hebben een verkeerd type")
                continue
            # Only store what our own save path would have stored: no unsanitised back door.
            if _content_key(normal) != _content_key(content) or rev["scope"] != normal.scope:
                problems.append(f"{rw}: de inhoud is niet in de vorm die de monitor opslaat")
    if problems:
        fail()
    return notes


def _content_key(c: NoteContent) -> tuple:
    return (c.law, c.indicator_id, tuple(c.region_codes), c.period_from, c.period_to, c.title, c.what_we_see,
            c.explanation, c.next_steps, tuple(c.links), c.marker_period, c.marker_label)
