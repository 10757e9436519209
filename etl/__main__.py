"""Command line of the ETL: ``python -m etl <command> ...``.

Every module in this package that defines ``register(subparsers)`` adds its own command, so a new
source is a new module and nothing else. Bad input ends with exit code 2 and a message that says
what and where; the warehouse is then unchanged.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import etl
from etl.catalogue import CatalogueError
from etl.warehouse import WarehouseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Load data into the monitor's warehouse.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", type=Path, default=None,
                        help="warehouse directory (default: data/warehouse or $MSD_WAREHOUSE)")
    common.add_argument("--catalogue", type=Path, default=None, help="indicator catalogue (default: data/catalogue.toml)")
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
        return int(args.func(args) or 0)
    except (WarehouseError, CatalogueError, FileNotFoundError, PermissionError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        print("Het warehouse is niet veranderd.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Afgebroken. Het warehouse is niet veranderd.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
