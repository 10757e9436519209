"""Backups of the user content on the server: ``python -m store notes-export FILE`` / ``notes-import FILE``.

Runs as the administrator (whoever can run commands on the server is one). Uses MSD_STORE_URL or the
SQLite file beside the warehouse, like the app. A backup read back here keeps its authors and publishers;
an import on the Duiding page records the importer instead (see NoteStore.import_json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import settings
from domain.roles import Role
from store.db import Database
from store.notes import NoteError, NoteStore

USER = "beheer (opdrachtregel)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m store", description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, help="the warehouse whose store to use (default MSD_WAREHOUSE)")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("notes-export", help="write all notes with every revision as JSON").add_argument("file", type=Path)
    sub.add_parser("notes-import", help="read a notes export (idempotent; all or nothing)").add_argument(
        "file", type=Path)
    args = ap.parse_args(argv)
    db = Database(settings.load(args.warehouse).store_url)
    db.migrate()
    notes = NoteStore(db)
    try:
        if args.command == "notes-export":
            args.file.write_text(notes.export_json(role=Role.BEHEERDER, user=USER), encoding="utf-8")
            print(f"Duidingen geschreven naar {args.file}")
        else:
            if not args.file.exists():
                print(f"Fout: bestand niet gevonden: {args.file}", file=sys.stderr)
                return 2
            report = notes.import_json(args.file.read_bytes(), role=Role.BEHEERDER, user=USER, restore=True)
            print(report.summary())
    except NoteError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
