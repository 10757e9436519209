"""Command line: ``python -m publish site OUT/`` writes the public edition of the current release."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import settings
from publish import site
from queries import Warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish", description="Publiceer de openbare editie.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("site", help="schrijf de openbare website (statische bestanden) naar een map")
    p.add_argument("out", type=Path, help="de map voor de website; elke release krijgt er een eigen map in")
    p.add_argument("--warehouse", type=Path, default=None, help="map van het warehouse (standaard uit de instellingen)")
    p.add_argument("--release", default=None, help="een oudere release publiceren in plaats van de huidige")
    p.add_argument("--store-url", default=None, help="de opslag met duidingen en dossiers (standaard uit de instellingen)")
    p.add_argument("--gemeente", default=None,
                   help="in een regio: de gemeente waarvan de site is (standaard de eerste); geef elke gemeente een eigen map")
    args = parser.parse_args(argv)

    conf = settings.load()
    wh = Warehouse.open(args.warehouse or conf.warehouse, args.release)
    if wh is None:
        print("Er is nog geen data geladen: laad eerst data met python -m etl.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        if args.gemeente:
            if args.gemeente not in wh.members:
                print(f"Gemeente {args.gemeente} hoort niet bij deze monitor (wel: {', '.join(wh.members)}).",
                      file=sys.stderr)
                return 2
            wh = wh.for_member(args.gemeente)
        folder = site.build(wh, args.out, store_url=args.store_url or conf.store_url)
    finally:
        wh.close()
    print(f"Openbare editie geschreven naar {folder} in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
