"""A throw-away PostgreSQL server from the machine's own binaries, for tests and benchmarks.

``initdb`` into a temporary directory, ``pg_ctl start`` on a free port with the unix socket in that
directory (no TCP listener), trust authentication, stopped and removed at the end. PostgreSQL refuses
to run as root, so under root the server runs as the ``postgres`` system user (created by the Debian
package) via ``runuser``.

Use from pytest::

    from tests.pgserver import postgres_server  # noqa: F401  (session fixture)

    def test_x(postgres_server):
        url = postgres_server.create_database("t1")

or from a script: ``with PostgresServer() as pg: url = pg.create_database("bench")``.
Where no binaries exist, :func:`find_bindir` returns None and the fixture skips with a message.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

try:  # the benchmark imports this module without pytest installed
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

SKIP_MESSAGE = ("PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package 'postgresql' "
                "or set MSD_PG_BINDIR to run the PostgreSQL variants")


def find_bindir() -> Path | None:
    """MSD_PG_BINDIR, then Debian's /usr/lib/postgresql/<newest>/bin, then initdb on PATH."""
    candidates = []
    if os.environ.get("MSD_PG_BINDIR"):
        candidates.append(Path(os.environ["MSD_PG_BINDIR"]))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                      if Path(p).parent.name.isdigit() else 0, reverse=True)
    candidates += [Path(p) for p in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path | None = None, *, durable: bool = False):
        """``durable=False`` switches fsync off: fine for tests, not for measuring write throughput."""
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise RuntimeError(SKIP_MESSAGE)
        self.durable = durable
        self.root: Path | None = None
        self.port = _free_port()
        self.run_as = "postgres" if os.geteuid() == 0 else None

    # -- process handling --------------------------------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(a) for a in args]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True, cwd="/")
        if proc.returncode != 0:
            log = ""
            if self.root and (self.root / "server.log").exists():
                log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="msd-pg-"))
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        assert self.root is not None, "server not started"
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its URL (usable as MSD_STORE_URL)."""
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {name!r}")
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _postgres_server():
    """One server for the whole test session; skipped with a clear message where no binaries exist."""
    if find_bindir() is None:
        pytest.skip(SKIP_MESSAGE)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg 3 is not installed: pip install 'psycopg[binary]' to run the PostgreSQL variants")
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


if pytest is not None:
    postgres_server = pytest.fixture(scope="session", name="postgres_server")(_postgres_server)
    # Parameters of a store fixture: every store test runs on SQLite and on the real PostgreSQL server.
    BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_store_numbers = itertools.count(1)


def fresh_database(request, tmp_path: Path, backend: str, prefix: str):
    """A new, migrated user store on one backend: a file in ``tmp_path`` or a new database on the session's
    server (requested from the calling fixture, so SQLite-only runs never start PostgreSQL)."""
    from store.db import Database

    n = next(_store_numbers)
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / f'{prefix}{n}.sqlite'}")
    else:
        database = Database(request.getfixturevalue("postgres_server").create_database(f"{prefix}_{n}"))
    database.migrate()
    return database
