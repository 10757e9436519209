"""``python -m etl check``: validate the catalogue and report what the current warehouse holds."""

from __future__ import annotations

import settings
from warehouse import catalogue
from warehouse.releases import current_release


def register(sub, common) -> None:
    p = sub.add_parser("check", parents=[common], help="check the catalogue and show the current release")
    p.set_defaults(func=run)


def run(args) -> int:
    cat = catalogue.load(args.catalogue)
    print(f"Catalogus in orde: {len(cat.entries)} indicatoren ({cat.path})")
    release = current_release(settings.load(args.warehouse).warehouse)
    if release is None:
        print("Nog geen warehouse geladen.")
        return 0
    obs = release.table("observations")
    print(f"Release {release.id}: {obs.height} cijfers, {obs['indicator_id'].n_unique()} indicatoren")
    return 0
