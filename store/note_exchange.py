"""Export and import of all notes as one JSON file (the Duiding page, ``python -m store notes-export``).

An export holds every note with every revision, drafts and withdrawn ones too. An import is idempotent
and all or nothing: a file that is malformed or contradicts the store is refused as a whole, and the
file is checked with the same rules as a save, so it is no back door around them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from domain.roles import Role, require
from store import audit
from store.db import utcnow
from store.note_content import (
    CHANGE_LABELS,
    HEAD_COLS,
    REV_COLS,
    STATUSES,
    TABLE,
    Link,
    NoteContent,
    NoteError,
    NoteInvalid,
    law_now,
)
from store.revisioned import RevisionedStore

EXPORT_FORMAT = "msd-notes"
EXPORT_VERSION = 1
_NOTE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ImportRefused(NoteError):
    pass


@dataclass
class ImportReport:
    notes_new: int = 0
    notes_updated: int = 0
    revisions_added: int = 0
    revisions_already_present: int = 0

    def summary(self) -> str:
        return (f"{self.notes_new} nieuwe duidingen, {self.notes_updated} bijgewerkt, {self.revisions_added} versies "
                f"toegevoegd, {self.revisions_already_present} versies waren er al.")


class NoteExchange(RevisionedStore):
    """The export and import half of :class:`store.notes.NoteStore`."""

    four_eyes: bool

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
        user = self._check_user(user)
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
                    tx.execute(TABLE.insert_head, [row[k] for k in HEAD_COLS])
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
                    tx.execute(TABLE.insert_revision, [row[k] for k in REV_COLS])
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
        for part in (note, *(r for r in note.get("revisions") or () if isinstance(r, dict))):
            if isinstance(part.get("law"), str):  # a file from before a figure moved to another law
                part["law"] = law_now(part["law"], part.get("indicator_id"))
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
