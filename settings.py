"""Runtime settings: paths and privacy thresholds.

Values come from environment variables (prefix MSD_) so the same code runs in the demo, in tests and
on a municipality's server without editing files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
CATALOGUE_PATH = DATA_DIR / "catalogue.toml"


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    store_url: str
    min_count: int
    min_count_strict: int
    min_denominator: int

    @property
    def default_store_url(self) -> str:
        return f"sqlite:///{self.warehouse.parent / 'store' / 'monitor.sqlite'}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"Setting {name} must be a whole number, got {raw!r}") from exc


def load(warehouse: str | Path | None = None) -> Settings:
    wh = Path(warehouse or os.environ.get("MSD_WAREHOUSE") or DATA_DIR / "warehouse").resolve()
    store = os.environ.get("MSD_STORE_URL") or f"sqlite:///{wh.parent / 'store' / 'monitor.sqlite'}"
    return Settings(
        warehouse=wh,
        store_url=store,
        # Counts below this are never shown (CBS / Amsterdam practice).
        min_count=_int("MSD_MIN_COUNT", 5),
        # Sensitive subjects (domestic violence, child protection) get a stricter floor.
        min_count_strict=_int("MSD_MIN_COUNT_STRICT", 10),
        # A percentage or rate needs at least this many people behind it.
        min_denominator=_int("MSD_MIN_DENOMINATOR", 50),
    )
