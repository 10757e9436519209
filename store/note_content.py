"""A note (duiding) as values: what a writer fills in, how it is checked, how a revision reads.

The store itself is :mod:`store.notes` (which re-exports these names); export and import are in
:mod:`store.note_exchange`; what notes share with dossiers is in :mod:`store.revisioned`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from store.markdown import is_safe_url
from store.revisioned import RevisionConflict, ShownRevision, Table, revision_facts

LAWS = ("wmo", "jeugd", "participatie", "schuldhulp", "context")
# Figures that moved to another law (migration notes_002): an export made before reads as a note of today.
MOVED_FIGURES = {"veilig_thuis_reports": "wmo", "veilig_thuis_reports_per_1000": "wmo",
                 **dict.fromkeys(("early_school_leavers_pct", "ww_per_1000", "ww_persons", "ao_per_1000", "ao_persons"),
                                 "context")}


def law_now(law: str, indicator_id: str | None) -> str:
    """The law a note of ``indicator_id`` filed under ``law`` has today; the removed law "veiligheid" went to
    Jeugd (three of its five figures), as the migration moved stored notes."""
    return MOVED_FIGURES.get(indicator_id or "", "jeugd" if law == "veiligheid" else law)
STATUSES = ("draft", "review", "published", "withdrawn")
STATUS_LABELS = {"draft": "Concept", "review": "Klaar voor controle", "published": "Gepubliceerd",
                 "withdrawn": "Ingetrokken"}
LINK_KINDS = {"raadsinformatiebrief": "Raadsinformatiebrief", "programmaplan": "Programmaplan",
              "rekenkamerrapport": "Rekenkamerrapport", "other": "Ander document"}
CHANGE_LABELS = {"create": "aangemaakt", "edit": "bewerkt", "review": "klaargezet voor controle",
                 "back_to_draft": "teruggezet naar concept", "publish": "gepubliceerd", "withdraw": "ingetrokken",
                 "reopen": "heropend als concept", "import": "geïmporteerd"}

_YEAR_CODE = re.compile(r"^\d{4}JJ00$")
_MARKER_PERIOD = re.compile(r"^\d{4}(JJ00|HJ0[12]|KW0[1-4]|MM(0[1-9]|1[0-2]))$")
_GM = re.compile(r"^(GM|RG)\d{4}$")  # a municipality, or a region of several (RGnnnn)
_WK = re.compile(r"^WK\d{6}$")
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


class FourEyesRefused(NoteStateError):
    """Four-eyes review is on and the publisher wrote the text that would be published."""

    def __init__(self) -> None:
        super().__init__("U heeft deze versie zelf geschreven. Een collega moet haar controleren en publiceren "
                         "(vier-ogenprincipe).")


class NoteConflict(RevisionConflict, NoteError):
    """Someone else saved a newer revision since the caller read the note."""

    what = "deze duiding"


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


@dataclass(frozen=True, kw_only=True)
class Note(ShownRevision):
    """One revision of a note as a reader sees it, with the note's publication facts."""

    note_id: str
    content: NoteContent
    written_by: str
    written_at: str

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
TABLE = Table(head="notes", revisions="note_revisions", key="note_id", alias="n", head_cols=HEAD_COLS,
              rev_cols=REV_COLS)


def content_of(row: dict) -> NoteContent:
    links = tuple(Link(x["title"], x["url"], x.get("kind", "other")) for x in json.loads(row["links_json"] or "[]"))
    return NoteContent(law=row["law"], indicator_id=row["indicator_id"],
                       region_codes=tuple(row["region_codes"].split()), period_from=row["period_from"],
                       period_to=row["period_to"], title=row["title"], what_we_see=row["what_we_see"],
                       explanation=row["explanation"], next_steps=row["next_steps"], links=links,
                       marker_period=row["marker_period"], marker_label=row["marker_label"])


def note_of(row: dict) -> Note:
    """A joined row (:meth:`store.revisioned.Table.select`) as a :class:`Note`."""
    return Note(note_id=row["note_id"], content=content_of(row), written_by=row["written_by"],
                written_at=row["written_at"], **revision_facts(row))


def content_fields(c: NoteContent, *, written_by: str, written_at: str) -> dict:
    """The columns of a revision that hold its text (the shared ones come from :mod:`store.revisioned`)."""
    return {"law": c.law, "indicator_id": c.indicator_id, "scope": c.scope, "region_codes": " ".join(c.region_codes),
            "period_from": c.period_from, "period_to": c.period_to, "title": c.title, "what_we_see": c.what_we_see,
            "explanation": c.explanation, "next_steps": c.next_steps, "links_json": _links_json(c.links),
            "marker_period": c.marker_period, "marker_label": c.marker_label, "written_by": written_by,
            "written_at": written_at}
