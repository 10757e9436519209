"""A local stand-in for CBS StatLine (OData v3 + v4) and PDOK OGC API Features, for tests and the benchmark.

It answers in the JSON shapes of the real services (v3 ``{"odata.metadata", "value", "odata.nextLink"}``,
v4 ``{"@odata.context", "value", "@odata.nextLink"}``, OGC ``FeatureCollection`` with ``links``), with
exact-match ``$filter`` on padded keys (a wrong width gives an empty list, as CBS does), ``$select``,
paging, and scripted faults (a 500 or a dropped connection on chosen requests). Counts every request.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import polars as pl

EQ_RE = re.compile(r"(\w+) eq '([^']*)'")


def _filter_rows(df: pl.DataFrame, flt: str | None) -> pl.DataFrame:
    """``(A eq 'x' or A eq 'y') and (B eq 'z')``: per column an exact match against any of its values."""
    if not flt:
        return df
    wanted: dict[str, set[str]] = {}
    for col, val in EQ_RE.findall(flt):
        wanted.setdefault(col, set()).add(val)
    for col, vals in wanted.items():
        if col not in df.columns:
            return df.clear()
        df = df.filter(pl.col(col).is_in(sorted(vals)))
    return df


@dataclass
class V3Table:
    infos: dict
    data_properties: list[dict]
    dims: dict[str, list[dict]]  # dim key -> rows with Key (padded), Title, ...
    data: pl.DataFrame  # TypedDataSet, keys padded as CBS serves them
    page_size: int = 10_000


@dataclass
class V4Table:
    properties: dict
    dimensions: list[dict]
    measure_codes: list[dict]
    codes: dict[str, list[dict]]  # dim -> rows with Identifier, Title, (Status)
    observations: pl.DataFrame
    page_size: int = 10_000


@dataclass
class FakeCBS:
    v3: dict[str, V3Table] = field(default_factory=dict)
    v4: dict[str, V4Table] = field(default_factory=dict)
    # (year, collection) -> list of GeoJSON features, served per gemeentecode
    pdok: dict[tuple[int, str], list[dict]] = field(default_factory=dict)
    pdok_page_size: int = 2
    # path substring -> list of faults to play in order ("500", "drop", "partial", "hang", "html", and
    # "429 <Retry-After>" / "503 <Retry-After>", the header's value after the space); consumed as they fire
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""
    # Benchmark only: answer a repeated request from memory, so server time does not blur client time.
    cache_responses: bool = False
    # Benchmark only: a simulated network link (0 = off): time per request and bandwidth.
    latency_ms: float = 0.0
    mbit: float = 0.0
    bytes_sent: int = 0
    _cache: dict[str, bytes] = field(default_factory=dict)

    def count(self, needle: str = "") -> int:
        return sum(1 for r in self.requests if needle in r)

    def paths(self) -> Counter:
        return Counter(urllib.parse.urlsplit(r).path for r in self.requests)

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()


def _dumps(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def _page(df: pl.DataFrame, cols: list[str] | None, skip: int, top: int) -> bytes:
    part = df.slice(skip, top)
    if cols:
        part = part.select([c for c in cols if c in part.columns])
    return part.write_json().encode() if part.height else b"[]"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    fake: FakeCBS

    def log_message(self, *args) -> None:  # quiet tests
        pass

    def do_GET(self) -> None:  # noqa: N802
        fake = self.fake
        with fake.lock:
            fake.requests.append(self.path)
            fault = None
            for needle, plan in fake.faults.items():
                if needle in self.path and plan:
                    fault = plan.pop(0)
                    break
        if fault == "drop":
            # Close without a response: the client sees a dropped connection.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "hang":
            time.sleep(1.5)  # longer than the client's read timeout in the tests
        if fault == "html":  # a proxy's error page with status 200
            self._send(200, b"<html><body>Even geduld</body></html>")
            return
        if fault == "partial":
            # Headers promise the whole body, half of it arrives, then the connection drops.
            body = b'{"odata.metadata": "x", "value": [' + b'{"ID": 1}, ' * 200 + b'{"ID": 2}]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault[:3] in ("429", "503"):
            status, _, retry_after = fault.partition(" ")
            self._send(int(status), b'{"odata.error": {"message": {"value": "Too busy"}}}',
                       {"Retry-After": retry_after} if retry_after else None)
            return
        if fault == "500":
            self._send(500, b'{"odata.error": {"message": {"value": "Internal error"}}}')
            return
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        body = fake._cache.get(self.path) if fake.cache_responses else None
        if body is None:
            try:
                body = self.route(parts, q)
            except KeyError:
                body = None
            if body is not None and fake.cache_responses:
                fake._cache[self.path] = body
        if body is None:
            self._send(404, b'{"odata.error": {"message": {"value": "Resource not found"}}}')
        else:
            self._send(200, body)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        fake = self.fake
        delay = fake.latency_ms / 1000 + (len(body) * 8 / (fake.mbit * 1e6) if fake.mbit else 0.0)
        if delay:
            time.sleep(delay)
        with fake.lock:
            fake.bytes_sent += len(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # -- routing -------------------------------------------------------------------------------
    def route(self, parts: list[str], q: dict) -> bytes | None:
        fake = self.fake
        low = [p.lower() for p in parts]
        if len(parts) >= 3 and low[0] in ("odataapi", "odatafeed") and low[1] == "odata":
            t = fake.v3.get(parts[2])
            return None if t is None else self.v3(t, parts, q)
        if len(parts) >= 4 and low[:3] == ["odata", "v1", "cbs"]:
            t = fake.v4.get(parts[3])
            return None if t is None else self.v4(t, parts[3], parts[4:], q)
        if "collections" in parts and parts[-1] == "items":
            m = re.search(r"wijken-en-buurten-(\d{4})", "/".join(parts))
            if not m:
                return None
            return self.ogc(int(m.group(1)), parts[parts.index("collections") + 1], q)
        return None

    def v3(self, t: V3Table, parts: list[str], q: dict) -> bytes | None:
        table = parts[2]
        root = f"{self.fake.base}/{parts[0]}/{parts[1]}/{table}"
        if len(parts) == 3:
            names = ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups", *t.dims]
            return _dumps({"odata.metadata": f"{root}/$metadata",
                           "value": [{"name": n, "url": f"{root}/{n}"} for n in names]})
        coll = parts[3]
        meta = f"{root}/$metadata#Cbs.OData.WebAPI.{coll}"
        if coll == "TableInfos":
            return _dumps({"odata.metadata": meta, "value": [t.infos]})
        if coll == "DataProperties":
            return _dumps({"odata.metadata": meta, "value": t.data_properties})
        if coll == "CategoryGroups":
            return _dumps({"odata.metadata": meta, "value": []})
        if coll in t.dims:
            rows = t.dims[coll]
            if q.get("$select"):
                cols = [c.strip() for c in q["$select"].split(",")]
                rows = [{c: r.get(c) for c in cols} for r in rows]
            return _dumps({"odata.metadata": meta, "value": rows})
        if coll in ("TypedDataSet", "UntypedDataSet"):
            df = _filter_rows(t.data, q.get("$filter"))
            cols = [c.strip() for c in q["$select"].split(",")] if q.get("$select") else None
            skip = int(q.get("$skip", 0))
            top = min(int(q.get("$top", t.page_size)), t.page_size)
            rows = _page(df, cols, skip, top)
            head = b'{"odata.metadata":' + json.dumps(meta).encode() + b',"value":' + rows
            if skip + top < df.height:
                nq = {k: v for k, v in q.items() if k not in ("$skip", "$top")} | {"$skip": str(skip + top)}
                link = f"{root}/{coll}?{urllib.parse.urlencode(nq)}"
                return head + b',"odata.nextLink":' + json.dumps(link).encode() + b"}"
            return head + b"}"
        return None

    def v4(self, t: V4Table, table: str, rest: list[str], q: dict) -> bytes | None:
        root = f"{self.fake.base}/odata/v1/CBS/{table}"
        if not rest:
            return None
        coll = rest[0]
        ctx = f"{root}/$metadata#{coll}"
        if coll == "Properties":
            return _dumps({"@odata.context": ctx} | t.properties)
        if coll == "Dimensions":
            return _dumps({"@odata.context": ctx, "value": t.dimensions})
        if coll == "MeasureCodes":
            return _dumps({"@odata.context": ctx, "value": t.measure_codes})
        if coll.endswith("Codes") and coll[:-5] in t.codes:
            return _dumps({"@odata.context": ctx, "value": t.codes[coll[:-5]]})
        if coll == "Observations":
            df = _filter_rows(t.observations, q.get("$filter"))
            skip = int(q.get("$skip", 0))
            top = t.page_size
            rows = _page(df, None, skip, top)
            head = b'{"@odata.context":' + json.dumps(ctx).encode() + b',"value":' + rows
            if skip + top < df.height:
                nq = {k: v for k, v in q.items() if k != "$skip"} | {"$skip": str(skip + top)}
                link = f"{root}/Observations?{urllib.parse.urlencode(nq)}"
                return head + b',"@odata.nextLink":' + json.dumps(link).encode() + b"}"
            return head + b"}"
        return None

    def ogc(self, year: int, coll: str, q: dict) -> bytes | None:
        feats = self.fake.pdok.get((year, coll))
        if feats is None:
            return None
        gm = q.get("gemeentecode")
        if gm:
            feats = [f for f in feats if f["properties"].get("gemeentecode") == gm]
        off = int(q.get("offset", 0))
        limit = min(int(q.get("limit", 10)), self.fake.pdok_page_size)
        page = feats[off:off + limit]
        self_url = f"{self.fake.base}{self.path}"
        links = [{"rel": "self", "type": "application/geo+json", "href": self_url}]
        if off + limit < len(feats):
            nq = dict(q) | {"offset": str(off + limit)}
            path = urllib.parse.urlsplit(self.path).path
            links.append({"rel": "next", "type": "application/geo+json",
                          "href": f"{self.fake.base}{path}?{urllib.parse.urlencode(nq)}"})
        return _dumps({"type": "FeatureCollection", "timeStamp": "2025-01-01T00:00:00Z", "links": links,
                       "features": page, "numberReturned": len(page)})


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that hung up before the answer was written (a read-ahead dropped at the end of a
        # run) is no server error; printing it would land in the stderr that tests inspect.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Server:
    """Run a FakeCBS on 127.0.0.1 in a thread; ``with Server(fake) as url: ...``."""

    def __init__(self, fake: FakeCBS) -> None:
        handler = type("BoundHandler", (Handler,), {"fake": fake})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        fake.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# The real 84799NED extract as a v3 table (tests and benchmark; files are read, never copied)
# ---------------------------------------------------------------------------------------------
def real_84799(cbs_dir) -> V3Table:
    from pathlib import Path

    d = Path(cbs_dir) / "84799NED-v3"
    data = pl.read_parquet(d / "cbs.v3.84799NED_TypedDataSet.parquet")
    props = pl.read_parquet(d / "cbs.v3.84799NED_DataProperties.parquet").rename({"odata_type": "odata.type"})
    wb = pl.read_parquet(d / "cbs.v3.84799NED_WijkenEnBuurten.parquet")
    infos = json.loads((d / "cbs.v3.84799NED_Metadata.json").read_text(encoding="utf-8"))
    return V3Table(infos=infos, data_properties=props.to_dicts(), dims={"WijkenEnBuurten": wb.to_dicts()}, data=data)
