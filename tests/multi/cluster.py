"""Start and stop several app servers behind HAProxy with the documented command, ``scripts/serve.sh``
(used by tests/multi and benchmarks/bench_sessions.py --servers). No pytest or Playwright here."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.browser.server import server_env

ROOT = Path(__file__).resolve().parents[2]
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
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class Cluster:
    url: str  # HAProxy
    servers: int
    port: int
    warehouse: Path
    run_dir: Path
    process: subprocess.Popen  # scripts/serve.sh

    @property
    def names(self) -> list[str]:
        return [f"app{i}" for i in range(1, self.servers + 1)]

    def server_url(self, name: str) -> str:
        """An app server's own address, bypassing HAProxy."""
        return f"http://127.0.0.1:{self.port + self.names.index(name) + 1}/"

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text())

    def stop_server(self, name: str, timeout: float = 30) -> None:
        """Stop one app server (as an operator or a crash would) and wait until it is gone."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                         for p in sorted(self.run_dir.parent.glob("*.log")) + sorted(self.run_dir.glob("*.log")))


def start_cluster(warehouse: Path, store_url: str, work_dir: Path, *, servers: int = 2, timeout: float = 240,
                  extra_env: dict[str, str] | None = None) -> Cluster:
    """``scripts/serve.sh --servers N`` on free ports; returns when it says the monitor is ready."""
    port = free_ports(servers + 1)
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "serve.log"
    with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve.sh"), "--servers", str(servers), "--port",
                                 str(port), "--run-dir", str(work_dir / "run")], cwd=ROOT,
                                env=server_env(warehouse, store_url, extra_env), stdout=log, stderr=subprocess.STDOUT)
    cluster = Cluster(f"http://127.0.0.1:{port}/", servers, port, warehouse, work_dir / "run", proc)
    deadline = time.monotonic() + timeout
    while "is ready" not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_cluster(cluster)
            raise RuntimeError(f"scripts/serve.sh did not start:\n{cluster.logs()}")
        time.sleep(0.5)
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    """Stop serve.sh, which stops HAProxy and every app server it started."""
    cluster.process.terminate()
    try:
        cluster.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        cluster.process.kill()
        cluster.process.wait(timeout=5)
