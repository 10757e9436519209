"""What the monitor adds to Streamlit's web server (``st.App`` in ``app.py``): the session cookie.

- ``/_msd/sessie?code=...``: redeems a sign-in grant made by the page (``components.session``) and
  sets the new HttpOnly session cookie; a new token at every sign-in.
- :class:`SessionCookieMiddleware`: gives a browser without a cookie an anonymous one on its first
  page load, so a grant can be bound to that browser (a code copied from a log is useless elsewhere);
  and guards the upload route: a file is only accepted from a signed-in person whose role may upload
  (checked before a byte of the body is read), and kept in memory (no temp file on disk).

See docs/security-sessions.md.
"""

from __future__ import annotations

from typing import Any

from auth import oidc
from domain.roles import Role, can
from store import session_token

UPLOAD_SEGMENT = "/_stcore/upload_file/"
GRANT_FAILED = ("inloggen", "mislukt")  # the query parameter the Inloggen page explains


def _settings():
    import settings

    return settings.load_auth()


def _demo_release() -> bool:
    """Whether the warehouse the app serves holds the demo (release.json); no warehouse counts as demo."""
    import json

    import settings

    meta = settings.load().warehouse / "current" / "release.json"
    return not meta.exists() or bool(json.loads(meta.read_text(encoding="utf-8")).get("demo"))


def store() -> session_token.SessionStore:
    return session_token.default_store()


def grant_url(code: str) -> str:
    """Where the page sends the browser after a good password: the grant is redeemed there."""
    return f"{with_base(session_token.GRANT_PATH)}?code={code}"


def cookie_header(value: str, *, secure: bool, max_age: int | None) -> str:
    """HttpOnly (no script in the page reads it), SameSite=Lax (sent when someone follows a link to the
    monitor, not with requests other sites make), Secure over HTTPS."""
    parts = [f"{session_token.COOKIE_NAME}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _is_https(scope: dict) -> bool:
    return scope.get("scheme") in ("https", "wss") or session_token.load_settings().https


def _cookies(scope: dict) -> dict[str, str]:
    """The request's cookies, parsed leniently the way Starlette parses them for Streamlit's own routes."""
    from starlette.requests import cookie_parser

    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies


def upload_role(cookies: dict[str, str], origin: str | None) -> Role | None:
    """The role of whoever sends this request: from the session cookie, or from Streamlit's OIDC cookie."""
    found = store().lookup(cookies.get(session_token.COOKIE_NAME))
    if found is not None and found.ended is None:
        # A demo account may not upload once real data is loaded: the page would end its session at the
        # next click, but an upload can arrive before that.
        return None if found.is_demo and not _demo_release() else found.role
    conf = _settings()
    if oidc.enabled(conf) and origin:
        # The same signed cookie Streamlit reads when a websocket connects (st.user).
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import (
            _get_signed_cookie_with_chunks,
            _parse_decoded_user_cookie,
        )

        raw = _get_signed_cookie_with_chunks(cookies, USER_COOKIE_NAME)
        claims = _parse_decoded_user_cookie(raw, origin) if raw else {}
        if claims.get("is_logged_in"):
            ident = oidc.identity({k: v for k, v in claims.items() if k != "tokens"}, conf)
            if ident is not None and not oidc.too_old(ident, conf) and not oidc.signed_out_since_issued(ident):
                return ident.role
    return None


async def _plain(send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class SessionCookieMiddleware:
    """Pure ASGI middleware (it must not buffer request bodies: uploads stream through it)."""

    def __init__(self, app: Any):
        self.app = app
        _keep_uploads_in_memory()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        scope = _with_browser_header(scope, cookies)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        # PUT stores a file and DELETE removes one: both only for those who may upload (a session id, which
        # sits in the upload URL, is not enough).
        if UPLOAD_SEGMENT in scope["path"] and scope["method"] in ("PUT", "DELETE"):
            from starlette.concurrency import run_in_threadpool

            origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
            role = await run_in_threadpool(upload_role, cookies, origin)
            if not can(role, "upload_registry"):
                await _plain(send, 403, "Alleen ingelogde medewerkers met de rol ambtenaar of beheerder mogen "
                                        "bestanden laden.")
                return
        if scope["method"] != "GET" or session_token.valid_cookie(cookies.get(session_token.COOKIE_NAME)):
            await self.app(scope, receive, send)
            return

        header = cookie_header(session_token.new_cookie_value(), secure=_is_https(scope), max_age=None).encode()

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):  # the page itself, not its scripts and images
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", header)]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


BROWSER_HEADER = b"x-msd-browser"


def _with_browser_header(scope: dict, cookies: dict[str, str]) -> dict:
    """Streamlit hands a session to any websocket that names its id, unless the two connections' user info
    differs (``server.trustedUserHeaders`` in .streamlit/config.toml maps this header into it). So the
    header carries a keyed hash of the browser's cookie: another browser naming the id gets a new session.
    A header of that name sent by the client itself is dropped first."""
    headers = [(k, v) for k, v in scope.get("headers", []) if k != BROWSER_HEADER]
    cookie = session_token.valid_cookie(cookies.get(session_token.COOKIE_NAME))
    if cookie:
        headers.append((BROWSER_HEADER, session_token.fingerprint(cookie).encode()))
    return {**scope, "headers": headers}


def _keep_uploads_in_memory() -> None:
    """Starlette spools a multipart part over 1 MiB to a temporary file on disk; an uploaded extract holds
    person-level data, so it may never touch the disk. Spool only past the upload limit (which Streamlit's
    upload route refuses anyway): the file stays in memory, where Streamlit keeps it afterwards too."""
    from starlette.formparsers import MultiPartParser
    from streamlit import config

    limit = int(config.get_option("server.maxUploadSize")) * 1024 * 1024
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, 2 * limit)


async def redeem_grant(request) -> Any:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    code = request.query_params.get("code", "")
    browser = session_token.valid_cookie(request.cookies.get(session_token.COOKIE_NAME))
    result = await run_in_threadpool(store().redeem, code, browser)
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if result is None:
        # Too late, used before, or from another browser: sign in again.
        return RedirectResponse(with_base("/inloggen?{}={}".format(*GRANT_FAILED)), status_code=303,
                                headers=headers)
    cookie, next_path = result
    response = RedirectResponse(next_path, status_code=303, headers=headers)
    response.headers.append("set-cookie", cookie_header(cookie, secure=_is_https(request.scope),
                                                       max_age=_settings().session_max_hours * 3600))
    return response


def with_base(path: str) -> str:
    """``path`` under ``server.baseUrlPath`` (when the monitor is served below a path of a shared host)."""
    from streamlit import config
    from streamlit.url_util import make_url_path

    return make_url_path(config.get_option("server.baseUrlPath") or "", path)


def routes() -> list:
    from starlette.routing import Route

    return [Route(with_base(session_token.GRANT_PATH), redeem_grant, methods=["GET"])]


def middleware() -> list:
    from starlette.middleware import Middleware

    return [Middleware(SessionCookieMiddleware)]
