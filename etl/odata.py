"""HTTP and OData plumbing for CBS StatLine (OData v3 and v4) and PDOK (OGC API Features).

One keep-alive ``requests`` session per client (CBS serves a table in many pages; reusing the TCP/TLS
connection is most of the speed), timeouts on every call, retries with exponential backoff on 5xx,
429 and dropped connections (a ``Retry-After`` on 429/503 is honoured up to a cap), and an optional
page cache on disk so an interrupted download resumes where it stopped. Errors come out as
``WarehouseError`` with a message that says what and where; ``Unreachable`` when the server never
answered usably.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import requests
import urllib3

import settings
from warehouse.releases import WarehouseError

DEFAULT_V3_BASE = "https://opendata.cbs.nl"
DEFAULT_V4_BASE = "https://datasets.cbs.nl/odata/v1/CBS"
USER_AGENT = "monitor-sociaal-domein-etl/0.1 (+open data loader)"
RETRY_STATUS = {429, 500, 502, 503, 504}
RETRY_AFTER_STATUS = {429, 503}  # the statuses on which a server's Retry-After is honoured


class Unreachable(WarehouseError):
    """The source did not answer usably after every retry (or asked to wait longer than the cap)."""


class NotFound(WarehouseError):
    """The server answered 404: the table or collection does not exist there."""


def pad_key(code: str, width: int) -> str:
    """CBS v3 dimension keys are space padded to the dimension's width; a filter must match exactly."""
    return code.ljust(width)


@dataclass
class Client:
    """A small JSON-over-HTTP client with retries; ``requests_made`` counts real HTTP requests."""

    # Read at creation, so tests and operators can tune them through the environment.
    timeout: float = field(default_factory=lambda: settings.number("MSD_HTTP_TIMEOUT"))
    retries: int = field(default_factory=lambda: settings.integer("MSD_HTTP_RETRIES"))
    backoff: float = field(default_factory=lambda: settings.number("MSD_HTTP_BACKOFF"))
    # The longest Retry-After we wait for; a server asking for more ends the run at once instead.
    retry_after_cap: float = field(default_factory=lambda: settings.number("MSD_HTTP_RETRY_AFTER_MAX"))
    sleep: Callable[[float], None] | None = None  # None: wait for the backoff, or until cancel()
    requests_made: int = 0
    session: requests.Session = field(default_factory=requests.Session)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    def close(self) -> None:
        self.session.close()

    def cancel(self) -> None:
        """Stop retrying: a run that failed elsewhere need not wait for this client's backoff."""
        self.cancelled.set()

    def fork(self) -> Client:
        """Same settings, its own session: a ``requests`` session is not to be shared between threads."""
        other = Client(timeout=self.timeout, retries=self.retries, backoff=self.backoff, sleep=self.sleep,
                       retry_after_cap=self.retry_after_cap)
        other.session.headers.update(self.session.headers)
        other.session.proxies.update(self.session.proxies)
        other.session.verify, other.session.cert = self.session.verify, self.session.cert
        other.session.trust_env = self.session.trust_env
        return other

    def get_bytes(self, url: str, params: dict | None = None, what: str = "") -> bytes:
        """GET with retries; returns the body. 404 raises NotFound, other failures WarehouseError."""
        last: str = ""
        asked: float | None = None  # the wait the server asked for with Retry-After
        for attempt in range(self.retries + 1):
            if attempt:
                # The server's own Retry-After wins; otherwise exponential backoff, capped so a long
                # outage fails in minutes, not hours.
                delay = asked if asked is not None else min(self.backoff * 2 ** (attempt - 1), 60.0)
                (self.sleep or self.cancelled.wait)(delay)
                asked = None
            if self.cancelled.is_set():
                raise WarehouseError(f"{what or 'Download'} afgebroken: {_where(url)}")
            self.requests_made += 1
            try:
                with self.session.get(url, params=params, timeout=(min(self.timeout, 15.0), self.timeout),
                                      stream=True) as resp:
                    status = resp.status_code
                    if status == 404:
                        raise NotFound(f"Niet gevonden (404): {what or url} op {_where(url)}")
                    if status in RETRY_STATUS:
                        last = f"server gaf status {status}"
                        resp.raw.read()  # read the error page, so the connection is kept for the retry
                        if status in RETRY_AFTER_STATUS:
                            asked = retry_after_seconds(resp.headers.get("Retry-After"))
                            if asked is not None and asked > self.retry_after_cap:
                                raise Unreachable(
                                    f"{what or 'Download'}: {_where(url)} vraagt {asked:.0f} seconden te wachten "
                                    f"(status {status}), langer dan de grens van {self.retry_after_cap:.0f} seconden "
                                    "(MSD_HTTP_RETRY_AFTER_MAX). Probeer het later opnieuw.")
                        continue
                    if status >= 400:
                        raise WarehouseError(f"{what or 'Download'} mislukt: {_where(url)} gaf status {status}")
                    # One read of the whole body: requests' own .content goes in 10 KB steps, a few ms per page.
                    return resp.raw.read(decode_content=True)
            except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                    requests.exceptions.InvalidURL) as exc:
                raise WarehouseError(f"Ongeldig adres {url!r} (controleer --base-url): {_short(exc)}") from None
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    urllib3.exceptions.HTTPError) as exc:
                # A dropped connection or a timeout is worth another try; the session reconnects.
                last = f"{type(exc).__name__}: {_short(exc)}"
                continue
        raise Unreachable(
            f"Server niet bereikbaar: {what or url} op {_where(url)} ({last}; {self.retries + 1} pogingen). "
            "Controleer de internetverbinding of --base-url."
        )

    def get_json(self, url: str, params: dict | None = None, what: str = "") -> dict:
        body = self.get_bytes(url, params, what)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise WarehouseError(f"{what or url}: antwoord van {_where(url)} is geen geldige JSON ({exc})") from exc


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header in seconds: either a number of seconds or an HTTP date (RFC 9110).

    A date in the past means "now" (0); an unreadable value is ignored (None: plain backoff).
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a zone-less one is read as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _where(url: str) -> str:
    p = urllib.parse.urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path}"


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."


def value_list(doc: dict, what: str) -> list[dict]:
    if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
        raise WarehouseError(f"{what}: onverwacht antwoord, geen 'value'-lijst")
    return doc["value"]


def next_link(doc: dict) -> str | None:
    """v3 uses ``odata.nextLink``, v4 ``@odata.nextLink``."""
    return doc.get("odata.nextLink") or doc.get("@odata.nextLink")


def get_all(client: Client, url: str, params: dict | None = None, what: str = "") -> list[dict]:
    """A (small) collection with every page followed; for metadata and code lists."""
    rows: list[dict] = []
    doc = client.get_json(url, params, what)
    rows.extend(value_list(doc, what))
    while (link := next_link(doc)) is not None:
        doc = client.get_json(link, None, what)
        rows.extend(value_list(doc, what))
    return rows


@dataclass
class PageCache:
    """Pages of one download kept on disk, so a rerun after an interruption resumes.

    ``key`` identifies the exact request (URL, parameters and the table's Modified stamp): a new CBS
    release or another selection never reuses old pages.
    """

    root: Path
    key: str

    @property
    def dir(self) -> Path:
        return self.root / hashlib.sha256(self.key.encode()).hexdigest()[:24]

    def page(self, n: int) -> Path:
        return self.dir / f"page-{n:05d}.json"

    def read(self, n: int) -> bytes | None:
        p = self.page(n)
        return p.read_bytes() if p.exists() else None

    def write(self, n: int, body: bytes) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.page(n).with_suffix(".part")
        tmp.write_bytes(body)
        os.replace(tmp, self.page(n))  # a page is either whole or absent


def parse_json_page(body: bytes) -> tuple[list[dict], int, str | None]:
    doc = json.loads(body)
    rows = value_list(doc, "pagina")
    return rows, len(rows), next_link(doc)


# CBS sends the next link as the last member of a page; read from the tail, it lets the next page
# download while this one is parsed. A longer or misplaced link only means no read-ahead.
_TAIL_LINK = re.compile(rb'"@?odata\.nextLink"\s*:\s*("(?:[^"\\]|\\.)*")\s*}\s*$')


def tail_next_link(body: bytes) -> str | None:
    m = _TAIL_LINK.search(body, max(0, len(body) - 16384))
    try:
        return json.loads(m.group(1)) if m else None
    except ValueError:  # a malformed link: the parser will say so, this only skips the read-ahead
        return None


def iter_pages(
    client: Client,
    url: str,
    params: dict | None,
    what: str,
    cache: PageCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    parse: Callable[[bytes], tuple[object, int, str | None]] = parse_json_page,
    read_ahead: bool = False,
) -> Iterator[tuple[bytes, object]]:
    """Yield (raw body, parsed page) per page, following next links; cached pages are not downloaded again.

    ``parse`` turns a body into (rows, row count, next link); the default is plain JSON, the CBS loader
    passes a parser that reads straight into Polars. With ``read_ahead`` the next page downloads on a
    second connection while this one is parsed; the parsed link decides, a wrong guess is dropped.
    """
    ahead = client.fork() if read_ahead else None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") if ahead else None
    guess: tuple[str, Future] | None = None
    n = 0
    rows_seen = 0
    link: str | None = url
    try:
        while link is not None:
            body = cache.read(n) if cache else None
            downloaded = body is None
            if downloaded:
                if guess is not None and guess[0] == link:
                    body = guess[1].result()
                else:
                    body = client.get_bytes(link, params if n == 0 else None, what)
            guess = None
            if pool is not None and (next_url := tail_next_link(body)) is not None:
                # A page already on disk (resume) needs no download.
                if not (cache and cache.page(n + 1).exists()):
                    guess = (next_url, pool.submit(ahead.get_bytes, next_url, None, what))
            try:
                rows, count, link = parse(body)
            except (ValueError, WarehouseError) as exc:
                raise WarehouseError(f"{what}: pagina {n + 1} van {_where(url)} is onleesbaar ({_short(exc)})") from exc
            if downloaded and cache:
                cache.write(n, body)  # only a readable page is kept for a resume
            rows_seen += count
            if progress:
                progress(n + 1, rows_seen)
            yield body, rows
            n += 1
    finally:
        if pool is not None:
            ahead.cancel()  # only matters when the run stops early: no retries after that
            pool.shutdown(wait=True, cancel_futures=True)
            client.requests_made += ahead.requests_made
            ahead.close()


class Progress:
    """A one-line progress indicator per table on stderr (no dependency; quiet when not a terminal)."""

    def __init__(self, label: str, total: int | None = None, stream=None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.last = 0.0

    def __call__(self, pages: int, rows: int) -> None:
        now = time.monotonic()
        if not self.tty or now - self.last < 0.1:
            return
        self.last = now
        if self.total:
            pct = min(100, int(100 * rows / self.total))
            bar = "#" * (pct // 5) + "." * (20 - pct // 5)
            text = f"\r{self.label} [{bar}] {pct:3d}%  {rows} rijen, {pages} pagina's"
        else:
            text = f"\r{self.label} {rows} rijen, {pages} pagina's"
        self.stream.write(text)
        self.stream.flush()

    def done(self, rows: int, note: str = "") -> None:
        end = "\r" if self.tty else ""
        self.stream.write(f"{end}{self.label}: {rows} rijen{note}\n")
        self.stream.flush()
