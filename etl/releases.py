"""``python -m etl confirm | discard | restore | releases``: publish a staged load, drop it, go back.

A load (``python -m etl registry ...`` and every other loader) only stages its release; these commands
act on it. Restoring needs ``--yes`` too, after showing what it would change.
"""

from __future__ import annotations

import settings
from warehouse import publication
from warehouse import releases as warehouse
from warehouse.preview import preview
from warehouse.releases import WarehouseError


def register(sub, common) -> None:
    p = sub.add_parser("confirm", parents=[common], help="publish a staged load (shown by the load command)")
    p.add_argument("release", nargs="?", help="id of the staged release (default: the only one)")
    p.set_defaults(func=run_confirm)
    p = sub.add_parser("discard", parents=[common], help="throw a staged load away")
    p.add_argument("release", nargs="?", help="id of the staged release (default: the only one)")
    p.set_defaults(func=run_discard)
    p = sub.add_parser("restore", parents=[common],
                       help="make the previous release current again (shows the change; needs --yes)")
    p.add_argument("--to", dest="release", help="id of the release to restore (default: the previous one)")
    p.set_defaults(func=run_restore)
    p = sub.add_parser("releases", parents=[common], help="list published and staged releases")
    p.set_defaults(func=run_list)


def _staged(path, release_id: str | None) -> warehouse.Release:
    if release_id:
        found = warehouse.staged_release(path, release_id)
        if found is None:
            raise WarehouseError(f"Er staat geen klaargezette versie {release_id}. Zie python -m etl releases.")
        return found
    waiting = warehouse.staged_releases(path)
    if not waiting:
        raise WarehouseError("Er staat geen klaargezette versie. Laad eerst een bestand.")
    if len(waiting) > 1:
        raise WarehouseError("Er staan meer klaargezette versies; kies er een: "
                             + ", ".join(r.id for r in waiting))
    return waiting[0]


def run_confirm(args) -> int:
    path = settings.load(args.warehouse).warehouse
    staged = _staged(path, args.release)
    for line in preview(path, staged).lines():
        print(f"  {line}")
    publication.confirm(path, staged.id)
    print(f"Gepubliceerd: versie {staged.id} is nu de huidige. Terugdraaien: python -m etl restore --yes")
    return 0


def run_discard(args) -> int:
    path = settings.load(args.warehouse).warehouse
    staged = _staged(path, args.release)
    publication.discard(path, staged.id)
    print(f"Weggegooid: versie {staged.id}. De huidige versie is niet veranderd.")
    return 0


def run_restore(args) -> int:
    path = settings.load(args.warehouse).warehouse
    target = publication.restore_target(path, args.release)
    current = warehouse.current_release(path)
    print(f"Terugzetten van versie {current.id} naar {target.id} ({target.meta.get('created_at', '')}):")
    for line in preview(path, target).lines():
        print(f"  {line}")
    if not args.yes:
        print("Nog NIET teruggezet. Doe het met: python -m etl restore --yes"
              + (f" --to {args.release}" if args.release else ""))
        return 0
    publication.restore(path, target.id)
    print(f"Teruggezet: versie {target.id} is nu de huidige. Ongedaan maken: python -m etl restore --yes --to "
          f"{current.id}")
    return 0


def run_list(args) -> int:
    path = settings.load(args.warehouse).warehouse
    current = warehouse.current_release(path)
    for r in warehouse.releases_list(path):
        mark = " (huidig)" if current and r.id == current.id else ""
        print(f"{r.id}{mark}  {r.meta.get('created_at', '')}{'  demo' if r.meta.get('demo') else ''}")
    for r in warehouse.staged_releases(path):
        print(f"{r.id} (klaargezet, nog niet gepubliceerd)  {r.meta.get('created_at', '')}")
    return 0
