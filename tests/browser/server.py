"""Start and stop a real Streamlit server of the monitor (used by the browser tests and
benchmarks/bench_sessions.py). No Playwright here, so it imports anywhere."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AppServer:
    url: str
    process: subprocess.Popen
    store_url: str

    def page_url(self, path: str = "") -> str:
        return self.url + path.lstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(warehouse: Path, store_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the app under test: only our settings, none inherited from the developer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSD_", "STREAMLIT_"))}
    env.update(MSD_WAREHOUSE=str(warehouse), MSD_STORE_URL=store_url, MSD_NO_DEMO="1", MSD_PUBLIC="1",
               MSD_PASSWORD_LOGIN="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def start_server(warehouse: Path, store_url: str, log_path: Path, *, timeout: float = 90.0,
                 extra_env: dict[str, str] | None = None) -> AppServer:
    """``streamlit run app.py`` on a free port; returns when /_stcore/health answers."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process in stop_server
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(warehouse, store_url, extra_env), stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until_answers(proc, url + "_stcore/health", lambda resp: resp.status == 200, name="streamlit",
                       log_path=log_path, timeout=timeout)
    return AppServer(url, proc, store_url)


def wait_until_answers(proc: subprocess.Popen, url: str, ready, *, name: str, log_path: Path,
                       timeout: float) -> None:
    """Wait until ``url`` answers and ``ready(response)`` is true. When the process stops first, or
    nothing answers within ``timeout`` seconds (then the process is stopped), raise with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} stopped with code {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if ready(resp):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"{name} did not answer on {url} within {timeout:.0f} s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
