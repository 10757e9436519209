"""Command line of the ETL: ``python -m etl <command> ...``.

Every module in this package that defines ``register(subparsers)`` adds its own command, so a new
source is a new module and nothing else. Bad input ends with exit code 2 and a message that says
what and where; the warehouse is then unchanged.

Every load is staged (see docs/loading-safely.md): the command builds and checks a release, prints
what it would change, and publishes it only with ``--yes``; otherwise it waits for
``python -m etl confirm <id>`` (or ``discard``). ``python -m etl demo`` publishes without asking.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import etl
import settings
from warehouse import publication
from warehouse import releases as warehouse
from warehouse.catalogue import CatalogueError
from warehouse.preview import preview
from warehouse.releases import WarehouseError

# Commands whose staged release is published without asking: the fictional demo.
AUTO_CONFIRM = {"demo"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Load data into the monitor's warehouse.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", type=Path, default=None,
                        help="warehouse directory (default: data/warehouse or $MSD_WAREHOUSE)")
    common.add_argument("--catalogue", type=Path, default=None, help="indicator catalogue (default: data/catalogue.toml)")
    common.add_argument("--yes", action="store_true",
                        help="publish the checked load at once (default: stage it and wait for 'confirm')")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(etl.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"etl.{info.name}")
        if hasattr(module, "register"):
            module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        path = settings.load(args.warehouse).warehouse
        before = warehouse.current_release(path)
        with publication.staging(path) as session:
            code = int(args.func(args) or 0)
        if session.staged:
            finish_staged(path, session.staged[-1], publish_now=args.yes or args.command in AUTO_CONFIRM)
        now = warehouse.current_release(path)
        if now is not None and (before is None or now.id != before.id):
            after_publish(path)
        return code
    except (WarehouseError, CatalogueError, FileNotFoundError, PermissionError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        print("Het warehouse is niet veranderd.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Afgebroken. Het warehouse is niet veranderd.", file=sys.stderr)
        return 130


def after_publish(path: Path) -> None:
    """Compute what the app would otherwise compute at the first page view of a new release (its signals)
    and keep it with the release. A failure leaves the publication as it is: the app then computes them."""
    from queries import signals  # the entry point reaches the read side once, after publication (not a loader)

    try:
        print(f"Signalen berekend en bij de versie bewaard: {signals.after_publish(path)}.")
    except Exception as exc:  # noqa: BLE001 - the release is published; the signals are a cache of it
        print(f"Let op: de signalen zijn niet vooraf berekend ({exc}); de app berekent ze bij het eerste bezoek.",
              file=sys.stderr)


def finish_staged(path: Path, staged: warehouse.Release, *, publish_now: bool) -> None:
    """Print what the staged release changes, then publish it or say how to."""
    print(f"Klaargezet: versie {staged.id}. Wat er verandert tegenover de huidige versie:")
    for line in preview(path, staged).lines():
        print(f"  {line}")
    if publish_now:
        publication.confirm(path, staged.id)
        print(f"Gepubliceerd: versie {staged.id} is nu de huidige. Terugdraaien: python -m etl restore --yes")
        return
    print("Nog NIET gepubliceerd. Publiceren: python -m etl confirm " + staged.id
          + " (of laad opnieuw met --yes). Weggooien: python -m etl discard " + staged.id)


if __name__ == "__main__":
    sys.exit(main())
