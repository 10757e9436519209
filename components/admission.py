"""How many page scripts of this server compute at the same time.

Page scripts run in threads of one Python process. When fifty people open a page in the same second,
fifty threads fight over Python's interpreter lock, the event loop that sends finished charts to the
browsers gets a fiftieth of the time, and everyone waits until all fifty are done. Letting a few
scripts in at a time (one per core by default; DuckDB and Polars use the cores while a script waits
for them) serves people in turn instead: the first ones get their page at once, the last ones no later
than without the limit (benchmarks/bench_sessions.py, see the README). Set MSD_PAGE_RUNS to change
the number.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import settings

LIMIT = max(1, int(settings.text("MSD_PAGE_RUNS") or os.cpu_count() or 1))
_turns = threading.BoundedSemaphore(LIMIT)


@contextmanager
def page_turn() -> Iterator[None]:
    """Wait (asleep, not competing for the interpreter) until fewer than LIMIT pages are computing."""
    with _turns:  # released on every way out, including Streamlit's stop and rerun exceptions
        yield
