"""Two app servers behind HAProxy, started by the documented command (scripts/serve.sh), on one PostgreSQL
store and one copy of the demo warehouse; and browser visitors pinned to one of the servers.

A visitor is pinned the way HAProxy itself pins: with its stickiness cookie (MSDSRV=app1). HAProxy sends
a new cookie when it routes a request elsewhere, so the cookie a visitor ends with says which server
answered it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.server import server_env
from tests.pgserver import postgres_server  # noqa: F401  (fixture re-exported)

ROOT = Path(__file__).resolve().parents[2]
SERVERS = 2
STICKY_COOKIE = "MSDSRV"  # scripts/haproxy.cfg.in


def haproxy_path() -> str | None:
    found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    return found if Path(found).is_file() else None


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports (HAProxy, then one per app server)."""
    for _ in range(100):
        base = random.randrange(20_000, 60_000)
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


def running(pid: int) -> bool:
    """Whether a process runs (a zombie, stopped but not yet collected by its parent, does not)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class Cluster:
    url: str
    warehouse: Path
    store_url: str
    run_dir: Path
    process: subprocess.Popen

    def pid(self, server: str) -> int:
        return int((self.run_dir / f"{server}.pid").read_text())

    def stop(self, server: str, timeout: float = 30) -> None:
        """Stop one app server (as an operator or a crash would) and wait until it is gone."""
        pid = self.pid(server)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                         for p in sorted(self.run_dir.glob("*.log")))


@pytest.fixture(scope="module")
def cluster(postgres_server, demo_warehouse, tmp_path_factory) -> Iterator[Cluster]:  # noqa: F811
    if haproxy_path() is None:
        pytest.skip("HAProxy not found: install Debian's package `haproxy` (apt-get install haproxy; "
                    "scripts/test.sh does this as root)")
    root = tmp_path_factory.mktemp("multi")
    warehouse = root / "warehouse"  # the ETL of test (b) publishes here: a copy, never the shared demo
    shutil.copytree(demo_warehouse, warehouse, symlinks=True)
    store_url = postgres_server.create_database("multi")
    port, run_dir = free_ports(SERVERS + 1), root / "run"
    log = open(root / "serve.log", "w")  # noqa: SIM115 - closed at the end of the fixture
    proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve.sh"), "--servers", str(SERVERS), "--port",
                             str(port), "--run-dir", str(run_dir)], cwd=ROOT, env=server_env(warehouse, store_url),
                            stdout=log, stderr=subprocess.STDOUT)
    found = Cluster(f"http://127.0.0.1:{port}/", warehouse, store_url, run_dir, proc)
    try:
        deadline = time.monotonic() + 240
        while "is ready" not in (root / "serve.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/serve.sh did not start:\n{(root / 'serve.log').read_text()}\n{found.logs()}")
            time.sleep(0.5)
        yield found
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def visitor(browser, cluster):
    """Factory: a page in a fresh browser context whose requests HAProxy sends to the given app server."""
    contexts = []

    def make(server: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
        context.set_default_timeout(60_000)
        context.add_cookies([{"name": STICKY_COOKIE, "value": server, "url": cluster.url}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()

