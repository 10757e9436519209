"""Browser sessions of the built-in sign-in: a signed random token in an HttpOnly cookie, checked on
every script run against the ``web_sessions`` table (see docs/security-sessions.md).

Why a cookie and not ``st.session_state``: Streamlit reattaches any websocket that names an existing
session id, and that id shows up in upload URLs (so in proxy logs). The cookie is HttpOnly (no script
in the page can read it), SameSite=Lax, Secure over HTTPS, and it is new at every sign-in. The page
sees it through ``st.context.cookies``, which holds the cookies of the websocket that is connected
now, so a stranger's websocket that names someone else's session id carries no identity.

Flow: the page checks name and password (lock-out, rate limit, audit) and makes a single-use grant
bound to the browser's current cookie; the browser is sent to ``/_msd/sessie`` (``auth.web``), which
redeems the grant, sets a fresh cookie and sends the browser back. Sign-out deletes the row, which
ends the session in every tab at its next click or reload.

This module has no Streamlit imports: the script (``components.session``) and the HTTP routes
(``auth.web``) both use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import settings
from domain.roles import Role
from store.db import Database, private_file

COOKIE_NAME = "msd_sessie"
GRANT_PATH = "/_msd/sessie"
GRANT_SECONDS = 60  # the browser redeems its grant within a second; a minute covers a slow link


@dataclass(frozen=True)
class SessionSettings:
    """Operator settings of the browser session (environment variables, see docs/security-sessions.md)."""

    secret: str = ""                 # MSD_SESSION_SECRET; empty: read or create secret_file
    secret_file: Path | None = None  # MSD_SESSION_SECRET_FILE; default: beside the SQLite store
    trusted_proxy_header: str = ""   # MSD_TRUSTED_PROXY_HEADER, e.g. X-Forwarded-For behind a proxy
    https: bool = False              # MSD_HTTPS=1: the Secure flag even when TLS ends at a proxy
    sign_ins_per_address: int = 20   # MSD_SIGNIN_PER_ADDRESS: sign-in attempts per address ...
    sign_in_window_minutes: int = 10  # ... within this many minutes (MSD_SIGNIN_WINDOW_MINUTES)


def load_settings() -> SessionSettings:
    secret_file = settings.text("MSD_SESSION_SECRET_FILE")
    return SessionSettings(
        secret=settings.text("MSD_SESSION_SECRET"),
        secret_file=Path(secret_file) if secret_file else settings.load().warehouse.parent / "store" / "session-secret",
        trusted_proxy_header=settings.text("MSD_TRUSTED_PROXY_HEADER"),
        https=settings.flag("MSD_HTTPS"),
        sign_ins_per_address=max(1, settings.integer("MSD_SIGNIN_PER_ADDRESS")),
        sign_in_window_minutes=max(1, settings.integer("MSD_SIGNIN_WINDOW_MINUTES")),
    )


# ------------------------------------------------------------------------------------------------
# The secret and the token
# ------------------------------------------------------------------------------------------------

_secrets: dict[tuple[str, str], bytes] = {}
_secret_lock = threading.Lock()


def secret(conf: SessionSettings | None = None) -> bytes:
    """The HMAC key: MSD_SESSION_SECRET, else the secret file, created (0600) with 32 random bytes if absent.
    Several app servers that share one store must share this secret too."""
    conf = conf or load_settings()
    cache_key = (conf.secret, str(conf.secret_file))
    with _secret_lock:
        if cache_key not in _secrets:
            _secrets[cache_key] = _read_secret(conf)
        return _secrets[cache_key]


def _read_secret(conf: SessionSettings) -> bytes:
    if conf.secret:
        if len(conf.secret) < 32:
            raise SystemExit("Setting MSD_SESSION_SECRET must be at least 32 characters long")
        return conf.secret.encode("utf-8")
    path = conf.secret_file
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        private_file(path)
        fresh = secrets.token_hex(32)
        # Only the process that finds the file empty writes it; a racing one reads the result.
        with open(path, "r+", encoding="ascii") as fh:
            if not fh.read().strip():
                fh.seek(0)
                fh.write(fresh)
    for _ in range(50):
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text.encode("ascii")
        time.sleep(0.01)
    raise SystemExit(f"The session secret file {path} is empty")


def _mac(purpose: str, value: str) -> str:
    return hmac.new(secret(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _signature(token: str) -> str:
    raw = hmac.new(secret(), f"cookie:{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def new_cookie_value() -> str:
    """A fresh cookie value: 256 random bits and their signature."""
    token = secrets.token_urlsafe(32)
    return f"{token}.{_signature(token)}"


def valid_cookie(value: str | None) -> str | None:
    """The cookie value when its signature is right (forged or garbled values are None)."""
    if not value or len(value) > 200 or value.count(".") != 1:
        return None
    token, sig = value.split(".")
    return value if token and hmac.compare_digest(sig, _signature(token)) else None


def _key(cookie: str) -> str:
    return _mac("session", cookie)


def fingerprint(cookie: str | None) -> str:
    """A keyed hash of a cookie, to tell whether two requests come from the same browser ("" for none)."""
    return _mac("browser", cookie) if cookie else ""


# ------------------------------------------------------------------------------------------------
# The sessions
# ------------------------------------------------------------------------------------------------


def _now() -> datetime:
    """The clock (replaced in tests of expiry)."""
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class WebSession:
    username: str
    display_name: str
    role: Role
    method: str
    signed_in_at: str
    last_seen_at: str
    ended: str | None  # why it may not be used: "idle", "max", "disabled", "password", "gone"; None = valid
    is_demo: bool
    gemeente: str | None = None  # the account's member municipality (read at every run); None = whole installation


class SessionStore:
    """The ``web_sessions`` and ``sign_in_grants`` tables of one store."""

    TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute: a click is a read, not a write

    def __init__(self, db: Database, *, idle_minutes: int, max_hours: int):
        self.db = db
        self.idle = timedelta(minutes=idle_minutes)
        self.max = timedelta(hours=max_hours)

    def grant(self, browser_cookie: str, username: str, password_changed_at: str, next_path: str) -> str:
        """A single-use code that turns into a session in the browser holding ``browser_cookie``."""
        code = secrets.token_urlsafe(32)
        now = _now()
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM sign_in_grants WHERE expires_at < ?", (_iso(now),))
            tx.execute("INSERT INTO sign_in_grants (grant_key, browser_key, username, password_changed_at, next_path, "
                       "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (_mac("grant", code), _key(browser_cookie), username, password_changed_at,
                        safe_next(next_path), _iso(now + timedelta(seconds=GRANT_SECONDS))))
        return code

    def redeem(self, code: str, browser_cookie: str | None) -> tuple[str, str] | None:
        """(new cookie value, path to go back to) for a valid grant used by the browser it was made for.
        The grant is deleted in the same statement that reads it, so it works once."""
        if not code or len(code) > 100 or not browser_cookie:
            return None
        now = _now()
        cookie = new_cookie_value()
        with self.db.transaction() as tx:
            row = tx.one("DELETE FROM sign_in_grants WHERE grant_key = ? RETURNING browser_key, username, "
                         "password_changed_at, next_path, expires_at", (_mac("grant", code),))
            if (row is None or row["expires_at"] < _iso(now)
                    or not hmac.compare_digest(row["browser_key"], _key(browser_cookie))):
                return None
            tx.execute("INSERT INTO web_sessions (session_key, username, method, password_changed_at, created_at, "
                       "last_seen_at, expires_at) VALUES (?, ?, 'password', ?, ?, ?, ?)",
                       (_key(cookie), row["username"], row["password_changed_at"], _iso(now), _iso(now),
                        _iso(now + self.max)))
        return cookie, row["next_path"]

    def lookup(self, cookie: str | None) -> WebSession | None:
        """The session behind a cookie, with ``ended`` saying whether (and why) it can no longer be used."""
        if not valid_cookie(cookie):
            return None
        assert cookie is not None
        with self.db.snapshot() as tx:
            row = tx.one("SELECT s.username, s.method, s.password_changed_at AS signed_in_password, s.created_at, "
                         "s.last_seen_at, s.expires_at, a.display_name, a.role, a.disabled, a.is_demo, "
                         "a.password_changed_at, a.gemeente FROM web_sessions s "
                         "LEFT JOIN accounts a ON a.username = s.username "
                         "WHERE s.session_key = ?", (_key(cookie),))
        if row is None:
            return None
        now = _now()
        ended = None
        if row["role"] is None or row["disabled"]:
            ended = "disabled"
        elif row["password_changed_at"] != row["signed_in_password"]:
            ended = "password"
        elif _iso(now) > row["expires_at"]:
            ended = "max"
        elif now - datetime.fromisoformat(row["last_seen_at"]) > self.idle:
            ended = "idle"
        return WebSession(username=row["username"], display_name=row["display_name"] or row["username"],
                          role=Role(row["role"] or Role.RAADSLID.value), method=row["method"],
                          signed_in_at=row["created_at"], last_seen_at=row["last_seen_at"], ended=ended,
                          is_demo=bool(row["is_demo"]), gemeente=row.get("gemeente") or None)

    def touch(self, cookie: str, session: WebSession) -> None:
        """Record activity (idle expiry), at most once per TOUCH_SECONDS so most clicks write nothing."""
        now = _now()
        stale = _iso(now - timedelta(seconds=self.TOUCH_SECONDS))
        if session.last_seen_at >= stale:
            return
        with self.db.transaction() as tx:
            tx.execute("UPDATE web_sessions SET last_seen_at = ? WHERE session_key = ? AND last_seen_at < ?",
                       (_iso(now), _key(cookie), stale))

    def revoke(self, cookie: str | None) -> None:
        """End the session of this cookie, in every tab (they check the table at every run)."""
        if valid_cookie(cookie):
            assert cookie is not None
            with self.db.transaction() as tx:
                tx.execute("DELETE FROM web_sessions WHERE session_key = ?", (_key(cookie),))
                tx.execute("DELETE FROM web_sessions WHERE expires_at < ?", (_iso(_now()),))


def default_store() -> SessionStore:
    """The sessions in the settings' store, with the settings' idle and maximum times."""
    from store.db import shared_database

    conf = settings.load_auth()
    return SessionStore(shared_database(), idle_minutes=conf.session_idle_minutes, max_hours=conf.session_max_hours)


def safe_next(path: str | None) -> str:
    """A path on this site to return to after sign-in; anything else (another site, a scheme) is "/"."""
    path = path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(ord(c) < 32 for c in path):
        return "/"
    return path[:500]


# ------------------------------------------------------------------------------------------------
# Sign-in attempts per client address
# ------------------------------------------------------------------------------------------------


def client_address(headers: Mapping[str, str], remote_ip: str | None, trusted_header: str) -> str:
    """The address a sign-in comes from. Behind a proxy, the header it sets (``MSD_TRUSTED_PROXY_HEADER``);
    for a list such as X-Forwarded-For the last entry, the one the operator's own proxy added (entries
    before it come from the client and can be made up)."""
    if trusted_header:
        value = next((v for k, v in headers.items() if k.lower() == trusted_header.lower()), "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return remote_ip or "onbekend"


class RateLimiter:
    """At most ``limit`` events per key within ``window`` seconds (in memory, per app process: nothing
    about an address is written to disk)."""

    MAX_KEYS = 100_000

    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > self.MAX_KEYS:
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
            return True


_limiters: dict[tuple[int, int], RateLimiter] = {}


def sign_in_limiter(conf: SessionSettings) -> RateLimiter:
    key = (conf.sign_ins_per_address, conf.sign_in_window_minutes)
    with _secret_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(conf.sign_ins_per_address, conf.sign_in_window_minutes * 60)
        return _limiters[key]
