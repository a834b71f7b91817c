"""BaseHandler: the launch secret, Host/Origin/Sec-Fetch checks, request tokens, security headers,
sessions, errors.

Every request must carry the launch cookie (obtained once through /auth?token=...) and come with a
loopback Host for our own port (DNS rebinding). In browser mode every other server on 127.0.0.1 is
*same-site*: it gets our cookies and can set cookies we receive (ports do not separate cookies). So a
state-changing request must also (1) come from our own origin (Origin "null", a foreign Origin, or a
Sec-Fetch-Site other than same-origin is refused), (2) carry the request token in the X-XSRFToken
header or the `_xsrf` form field: an HMAC of the browser's launch key under a secret that lives only
in this process's memory, rendered into our pages and never put in a cookie, so another origin can
neither read nor set it, and (3) on /api/, have a JSON body (the types a form can send cross-site
are refused). Cookie names carry our port, so a cookie tossed by another local server cannot shadow
ours.
"""

import functools
import hashlib
import hmac
import json
import logging
import secrets
import traceback
from urllib.parse import urlsplit

import tornado.web
from tornado.ioloop import IOLoop

from core.db.errors import ConnectFailed, ConnectionLost, DatabaseError
from core.services.connections.sessions import DatabaseSession
from core.services.errors import ServiceError
from core.store import StoreWriteFailed

log = logging.getLogger("eddy.web")

LAUNCH_COOKIE = "eddy_launch"
SESSION_COOKIE = "eddy_session"
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
SESSION_COOKIE_OPTIONS = {"httponly": True, "samesite": "Strict", "expires_days": None}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",  # the workspace shell (/workspace) hosts pages in tabs
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # the workspace's tabs frame our own pages
    # Not no-referrer: under it browsers send "Origin: null" on our own POSTs, which made a
    # foreign page's null-origin POST indistinguishable from ours. same-origin keeps the real Origin
    # on our requests and still tells other sites nothing.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


access_log = logging.getLogger("tornado.access")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log line, without query strings (the launch token travels in one)."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if not access_log.isEnabledFor(level):
        return
    request = handler.request
    elapsed = 1000.0 * request.request_time()
    access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, request.path, request.remote_ip, elapsed)


class UserError(tornado.web.HTTPError):
    """An error whose message is meant for the user (shown on the page or as JSON)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(status_code)
        self.message = message


def as_int(value, name: str) -> int:
    """An integer field or argument, or a 400 naming it (the one parser of numbers sent to handlers)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UserError(400, f"'{name}' must be an integer") from None


def error_for(exc: DatabaseError | ServiceError) -> UserError:
    """The one exception -> HTTP mapping: a service's refusal answers with its own status
    (NotFound 404, JobBusy 409, else 400); database errors by kind."""
    from core.db.statements import ReadOnlyViolation  # here: the first page needs no statement checks

    if isinstance(exc, ServiceError):
        return UserError(exc.status, exc.message)
    if isinstance(exc, ConnectionLost):
        return UserError(503, exc.message)
    if isinstance(exc, ConnectFailed):
        return UserError(502, exc.message)
    if isinstance(exc, ReadOnlyViolation):
        return UserError(403, exc.message)
    return UserError(400, str(exc))


def apply_security_headers(handler: tornado.web.RequestHandler) -> None:
    for name, value in SECURITY_HEADERS.items():
        handler.set_header(name, value)


def _server_port(request) -> int | None:
    try:
        return request.connection.stream.socket.getsockname()[1]
    except (AttributeError, OSError):
        return None


def host_is_allowed(request, expected_port: int | None) -> bool:
    """Host must name loopback and our own port: a rebinding page sends its own hostname."""
    host = request.host or ""
    parts = urlsplit("//" + host)
    try:
        port = parts.port
    except ValueError:
        return False
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[: host.find("]") + 1]
    if name.lower() not in LOOPBACK_NAMES:
        return False
    return expected_port is None or port == expected_port


def origin_is_allowed(request) -> bool:
    """A declared Origin/Referer must be our own; "null" (sandboxed frames, redirects, no-referrer
    pages, file: URLs) is a claim we cannot check, so it is refused like a foreign origin."""
    own = f"http://{request.host}"
    origin = request.headers.get("Origin")
    if origin is not None and origin != own:
        return False
    referer = request.headers.get("Referer")
    if referer and not (referer == own or referer.startswith(own + "/")):
        return False
    return True


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
JSON_TYPE = "application/json"


def fetch_metadata_refusal(request) -> str | None:
    """Why the browser's Sec-Fetch-* headers say the request was made by another site's page.

    State-changing requests must be same-origin (a page on another port is same-site, not
    same-origin). Reads from another site are allowed only as a top-level navigation (a link),
    never as a fetch, image or script another page embeds."""
    site = request.headers.get("Sec-Fetch-Site")
    if request.method not in SAFE_METHODS:
        if site is not None and site != "same-origin":
            return f"a {site} request may not change anything"
        return None
    if site in ("same-site", "cross-site") and request.headers.get("Sec-Fetch-Mode") != "navigate":
        return f"a {site} page may not load Eddy's data"
    return None


def has_body(request) -> bool:
    length = request.headers.get("Content-Length")
    return bool(request.body) or "Transfer-Encoding" in request.headers or (length not in (None, "", "0"))


def media_type(request) -> str:
    return request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class BaseHandler(tornado.web.RequestHandler):
    """Checks run before any handler method; helpers to run blocking work off the IOLoop."""

    requires_launch_cookie = True
    # Body types an /api/ handler accepts besides JSON (never one a plain HTML form can send).
    body_media_types: tuple[str, ...] = ()

    def set_default_headers(self) -> None:
        apply_security_headers(self)
        self.set_header("Cache-Control", "no-store")

    def prepare(self):
        if not host_is_allowed(self.request, _server_port(self.request)):
            raise UserError(403, "Forbidden: unexpected Host header")
        if not origin_is_allowed(self.request):
            raise UserError(403, "Forbidden: cross-origin request")
        refusal = fetch_metadata_refusal(self.request)
        if refusal:
            raise UserError(403, f"Forbidden: {refusal}")
        if self.requires_launch_cookie and not self.has_launch_cookie():
            raise UserError(403, "Forbidden: open Eddy from its own window or launch URL")
        if self.request.method not in SAFE_METHODS and self.wants_json() and has_body(self.request):
            kind = media_type(self.request)
            if kind != JSON_TYPE and kind not in self.body_media_types:
                raise UserError(415, f"Unsupported body type '{kind or 'none'}': send {JSON_TYPE}")

    # -- cookies and the request token ---------------------------------------------------------
    def cookie_name(self, base: str) -> str:
        """`base` with our port: another server on 127.0.0.1 cannot shadow or clear our cookies by name."""
        port = _server_port(self.request)
        return f"{base}_{port}" if port else base

    def our_signed_cookie(self, base: str) -> bytes | None:
        """The value of our signed cookie `base`, even when another server on 127.0.0.1 tossed more
        cookies of the same name (the browser sends them all; a dict would keep only the last)."""
        name = self.cookie_name(base)
        for header in self.request.headers.get_list("Cookie"):
            for chunk in header.split(";"):
                key, _, value = chunk.partition("=")
                if key.strip() == name:
                    decoded = self.get_signed_cookie(name, value=value.strip().strip('"'))
                    if decoded is not None:
                        return decoded
        return None

    def launch_key(self) -> str | None:
        """This browser's key from a valid launch cookie (None without one)."""
        raw = self.our_signed_cookie(LAUNCH_COOKIE)
        if raw is None:
            return None
        launch_id, _, key = raw.decode().partition("|")
        if not key or not secrets.compare_digest(launch_id, self.application.launch_id):
            return None
        return key

    def set_launch_cookie(self) -> None:
        """The launch cookie: this start's id plus a fresh key for this browser."""
        value = f"{self.application.launch_id}|{secrets.token_urlsafe(24)}"
        self.set_signed_cookie(self.cookie_name(LAUNCH_COOKIE), value, **SESSION_COOKIE_OPTIONS)

    @property
    def xsrf_token(self) -> bytes:
        """The request token our pages carry (meta tag, form fields): derived from the launch key
        with a secret held only in memory, so a page of another origin can neither read nor set it."""
        key = self.launch_key()
        if key is None:
            return b""
        return hmac.new(self.application.request_key, key.encode(), hashlib.sha256).hexdigest().encode()

    def check_xsrf_cookie(self) -> None:
        """Called by Tornado before every POST/PUT/DELETE/PATCH (xsrf_cookies=True)."""
        expected = self.xsrf_token
        sent = self.request.headers.get("X-Xsrftoken") or self.request.headers.get("X-Csrftoken")
        if not sent and media_type(self.request) in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = self.get_body_argument("_xsrf", None)  # the form field; never the query string
        if not expected or not sent or not hmac.compare_digest(sent.encode(), expected):
            raise UserError(403, "Forbidden: missing or invalid xsrf token")

    def has_launch_cookie(self) -> bool:
        return self.launch_key() is not None

    def get_template_namespace(self) -> dict:
        namespace = super().get_template_namespace()
        # login.html lists saved connections; any handler may render it (LoginHandler fills these).
        namespace.update(saved_profiles=[], ready_ids=set())
        return namespace

    # -- sessions --------------------------------------------------------------------------
    # The session cookie holds every open connection of this window ("active|id1,id2,...");
    # the active one is what pages and APIs use, the others are a click away in the topbar.
    def session_ids(self) -> tuple[str | None, list[str]]:
        """(active id, all ids) from the cookie, keeping only sessions that are still open."""
        raw = self.our_signed_cookie(SESSION_COOKIE)
        if not raw:
            return None, []
        active, _, rest = raw.decode().partition("|")
        ids = [i for i in (rest.split(",") if rest else [active]) if self.application.sessions.get(i)]
        return (active if active in ids else (ids[0] if ids else None)), ids

    def set_session_ids(self, active: str | None, ids: list[str]) -> None:
        if not ids:
            self.clear_cookie(self.cookie_name(SESSION_COOKIE))
            return
        if active not in ids:
            active = ids[0]
        self.set_signed_cookie(self.cookie_name(SESSION_COOKIE), f"{active}|{','.join(ids)}", **SESSION_COOKIE_OPTIONS)

    def add_session(self, session_id: str) -> None:
        """Make a newly opened session the active one, keeping the others open."""
        _, ids = self.session_ids()
        self.set_session_ids(session_id, [*ids, session_id])

    def open_sessions(self) -> list[DatabaseSession]:
        _, ids = self.session_ids()
        return [s for s in (self.application.sessions.get(i) for i in ids) if s is not None]

    def get_current_user(self) -> DatabaseSession | None:
        active, _ = self.session_ids()
        return self.application.sessions.get(active)

    @property
    def db_session(self) -> DatabaseSession:
        session = self.current_user
        if session is None:
            raise UserError(401, "Not connected to a database server")
        return session

    # -- blocking work ---------------------------------------------------------------------
    async def run_blocking(self, fn, *args, **kwargs):
        """Run fn in the app's worker pool; database errors become UserErrors."""
        call = functools.partial(fn, *args, **kwargs)
        try:
            return await IOLoop.current().run_in_executor(self.application.executor, call)
        except (DatabaseError, ServiceError) as exc:
            raise error_for(exc) from exc
        except StoreWriteFailed as exc:  # a full disk: say so, not a 500
            raise UserError(507, exc.message) from exc

    async def with_connection(self, fn, *args, **kwargs):
        """Borrow a connection of the current session in a worker thread and call fn(conn, ...)."""
        session = self.db_session

        def work():
            with session.connection() as conn:
                return fn(conn, *args, **kwargs)

        return await self.run_blocking(work)

    # -- errors ----------------------------------------------------------------------------
    def wants_json(self) -> bool:
        return self.request.path.startswith("/api/")

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, (DatabaseError, ServiceError)):
            value = error_for(value)  # logged as the answer it becomes (write_error maps it alike)
        if isinstance(value, UserError):
            log.warning("%d %s %s: %s", value.status_code, self.request.method, self.request.path, value.message)
        else:
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, (DatabaseError, ServiceError)):  # raised outside run_blocking: the same mapping
            exc = error_for(exc)
            status_code = exc.status_code
            self.set_status(status_code)
        message = getattr(exc, "message", None) or self._reason
        if self.settings.get("debug") and exc is not None and not isinstance(exc, UserError):
            log.debug("".join(traceback.format_exception(*kwargs["exc_info"])))
        if self.wants_json():
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.finish(json.dumps({"error": message, "status": status_code}))
        else:
            self.render("error.html", status_code=status_code, message=message)

    def write_json(self, data, ensure_ascii: bool = True) -> None:
        """The one way a handler answers JSON. Values JSON has no type for (dates, Decimals) go as
        their text. ensure_ascii=False (large editor results) is smaller, but a lone surrogate in
        the data then cannot be sent: keep the default for anything holding client-sent text."""
        self.write(json.dumps(data, default=str, ensure_ascii=ensure_ascii))

    def read_json(self) -> dict:
        """The JSON body, checked against this handler's declared schema (core.web.bodies): every
        declared field has its declared type; anything wrong is a 400 naming the field."""
        from core.web.bodies import BodyError, parse_body, schema_for  # msgspec: after the first page

        try:
            body = parse_body(self.request.body, schema_for(type(self)))
        except BodyError as exc:
            raise UserError(400, str(exc)) from None
        if not isinstance(body, dict):
            raise UserError(400, "Request body must be a JSON object")
        return body


class ApiHandler(BaseHandler):
    """JSON endpoints: 401 instead of a redirect when not connected."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Type", "application/json; charset=UTF-8")

    def prepare(self):
        super().prepare()
        if self.current_user is None:
            raise UserError(401, "Not connected to a database server")

    def native_dialogs(self, links: str = "link"):
        """The native window's file dialogs (app.file_dialogs, set by the launcher when a pywebview
        window exists); without a window, a 409 pointing at the page's download link(s)."""
        dialogs = getattr(self.application, "file_dialogs", None)
        if dialogs is None:
            raise UserError(409, f"No native window: use the download {links} instead")
        return dialogs


class NotFoundHandler(BaseHandler):
    """Unknown paths: the same checks and headers as every page, then a 404 (never Tornado's bare one)."""

    def prepare(self):
        super().prepare()
        raise UserError(404, "There is no such page.")


class SecureStaticFileHandler(tornado.web.StaticFileHandler):
    """Static assets carry the same security headers (they need no launch cookie)."""

    def set_default_headers(self) -> None:
        apply_security_headers(self)
