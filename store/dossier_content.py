"""A themed-session dossier as values: what the griffie fills in, how it is checked, how a revision reads.

The store itself is :mod:`store.dossiers` (which re-exports these names); what dossiers share with
notes is in :mod:`store.revisioned`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from store.revisioned import RevisionConflict, ShownRevision, Table, revision_facts

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


class DossierConflict(RevisionConflict, DossierError):
    """Someone else saved a newer revision since the caller read the dossier."""

    what = "dit dossier"


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


@dataclass(frozen=True, kw_only=True)
class Dossier(ShownRevision):
    """One revision of a dossier as the caller sees it, with the dossier's publication facts."""

    dossier_id: str
    content: DossierContent
    notes: tuple[tuple[NoteCopy, ...], ...]   # per section, filled on publication
    release_id: str | None
    slug: str | None = None
    gemeente: str | None = None  # in a region: the member whose council it is for; None = the region (or single)

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
             "updated_at", "published_by", "published_at", "withdrawn_by", "withdrawn_at", "slug", "gemeente")
REV_COLS = ("dossier_id", "revision", "status", "change", "title", "session_date", "theme", "introduction",
            "questions_json", "sections_json", "notes_json", "release_id", "saved_by", "saved_at")
TABLE = Table(head="dossiers", revisions="dossier_revisions", key="dossier_id", alias="d", head_cols=HEAD_COLS,
              rev_cols=REV_COLS, head_extra=("slug", "gemeente"))


def content_of(row: dict) -> DossierContent:
    return DossierContent(title=row["title"], session_date=row["session_date"], theme=row["theme"],
                          introduction=row["introduction"], questions=tuple(json.loads(row["questions_json"] or "[]")),
                          sections=tuple(Section.from_dict(s) for s in json.loads(row["sections_json"] or "[]")))


def notes_of(row: dict) -> tuple[tuple[NoteCopy, ...], ...]:
    return tuple(tuple(NoteCopy.from_dict(n) for n in group) for group in json.loads(row["notes_json"] or "[]"))


def dossier_of(row: dict) -> Dossier:
    """A joined row (:meth:`store.revisioned.Table.select`) as a :class:`Dossier`."""
    return Dossier(dossier_id=row["dossier_id"], content=content_of(row), notes=notes_of(row),
                   release_id=row["release_id"], slug=row["slug"], gemeente=row.get("gemeente") or None,
                   **revision_facts(row))


def content_fields(c: DossierContent, *, notes: Sequence[Sequence[NoteCopy]] = (),
                   release_id: str | None = None) -> dict:
    """The columns of a revision that hold its content (the shared ones come from :mod:`store.revisioned`)."""
    return {"title": c.title, "session_date": c.session_date, "theme": c.theme, "introduction": c.introduction,
            "questions_json": json.dumps(list(c.questions), ensure_ascii=False),
            "sections_json": json.dumps([s.to_dict() for s in c.sections], ensure_ascii=False, sort_keys=True),
            "notes_json": json.dumps([[n.to_dict() for n in group] for group in notes], ensure_ascii=False,
                                     sort_keys=True),
            "release_id": release_id}


# ------------------------------------------------------------------------------------------------
# Editing the list of sections
# ------------------------------------------------------------------------------------------------


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
