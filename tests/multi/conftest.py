"""Two app servers behind HAProxy, started by the documented command (scripts/serve.sh), on one PostgreSQL
store and one copy of the demo warehouse; and browser visitors pinned to one of the servers.

A visitor is pinned the way HAProxy itself pins: with its stickiness cookie (MSDSRV=app1). HAProxy sends
a new cookie when it routes a request elsewhere, so the cookie a visitor ends with says which server
answered it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.multi.cluster import STICKY_COOKIE, Cluster, haproxy_path, start_cluster, stop_cluster
from tests.pgserver import postgres_server  # noqa: F401  (fixture re-exported)


@pytest.fixture(scope="module")
def cluster(postgres_server, demo_warehouse, tmp_path_factory) -> Iterator[Cluster]:  # noqa: F811
    if haproxy_path() is None:
        pytest.skip("HAProxy not found: install Debian's package `haproxy` (apt-get install haproxy; "
                    "scripts/test.sh does this as root)")
    root = tmp_path_factory.mktemp("multi")
    warehouse = root / "warehouse"  # the ETL of one test publishes here: a copy, never the shared demo
    shutil.copytree(demo_warehouse, warehouse, symlinks=True)
    found = start_cluster(warehouse, postgres_server.create_database("multi"), root, servers=2)
    yield found
    stop_cluster(found)


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
