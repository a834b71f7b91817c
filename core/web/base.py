"""BaseHandler: the launch secret, Host/Origin checks, security headers, sessions, errors.

Every request must carry the launch cookie (obtained once through /auth?token=...), come with a
loopback Host for our own port (DNS rebinding), and, when it says where it comes from, come from
our own origin. xsrf is enforced by Tornado itself (`xsrf_cookies=True`).
"""

import functools
import json
import logging
import traceback
from urllib.parse import urlsplit

import tornado.web
from tornado.ioloop import IOLoop

from core.db.errors import ConnectFailed, ConnectionLost, DatabaseError
from core.db.statements import ReadOnlyViolation
from core.services.browse import NotFound
from core.services.sessions import DatabaseSession

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
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
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


def error_for(exc: DatabaseError) -> UserError:
    if isinstance(exc, NotFound):
        return UserError(404, exc.message)
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
    """A declared Origin/Referer must be our own. "null" carries no claim (Referrer-Policy
    no-referrer makes browsers send it on our own form posts); cookies + xsrf still apply."""
    own = f"http://{request.host}"
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin != own:
        return False
    referer = request.headers.get("Referer")
    if referer and not (referer == own or referer.startswith(own + "/")):
        return False
    return True


class BaseHandler(tornado.web.RequestHandler):
    """Checks run before any handler method; helpers to run blocking work off the IOLoop."""

    requires_launch_cookie = True

    def set_default_headers(self) -> None:
        apply_security_headers(self)
        self.set_header("Cache-Control", "no-store")

    def prepare(self):
        if not host_is_allowed(self.request, _server_port(self.request)):
            raise UserError(403, "Forbidden: unexpected Host header")
        if not origin_is_allowed(self.request):
            raise UserError(403, "Forbidden: cross-origin request")
        if self.requires_launch_cookie and not self.has_launch_cookie():
            raise UserError(403, "Forbidden: open Eddy from its own window or launch URL")

    def get_template_namespace(self) -> dict:
        namespace = super().get_template_namespace()
        # login.html lists saved connections; any handler may render it (LoginHandler fills these).
        namespace.update(saved_profiles=[], ready_ids=set())
        return namespace

    def check_xsrf_cookie(self) -> None:
        try:
            super().check_xsrf_cookie()
        except tornado.web.HTTPError as exc:
            raise UserError(403, "Forbidden: missing or invalid xsrf token") from exc

    def has_launch_cookie(self) -> bool:
        value = self.get_signed_cookie(LAUNCH_COOKIE)
        return value is not None and value.decode() == self.application.launch_id

    # -- sessions --------------------------------------------------------------------------
    # The session cookie holds every open connection of this window ("active|id1,id2,...");
    # the active one is what pages and APIs use, the others are a click away in the topbar.
    def session_ids(self) -> tuple[str | None, list[str]]:
        """(active id, all ids) from the cookie, keeping only sessions that are still open."""
        raw = self.get_signed_cookie(SESSION_COOKIE)
        if not raw:
            return None, []
        active, _, rest = raw.decode().partition("|")
        ids = [i for i in (rest.split(",") if rest else [active]) if self.application.sessions.get(i)]
        return (active if active in ids else (ids[0] if ids else None)), ids

    def set_session_ids(self, active: str | None, ids: list[str]) -> None:
        if not ids:
            self.clear_cookie(SESSION_COOKIE)
            return
        if active not in ids:
            active = ids[0]
        self.set_signed_cookie(SESSION_COOKIE, f"{active}|{','.join(ids)}", **SESSION_COOKIE_OPTIONS)

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
        except DatabaseError as exc:
            raise error_for(exc) from exc

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
        if isinstance(value, UserError):
            log.warning("%d %s %s: %s", value.status_code, self.request.method, self.request.path, value.message)
        else:
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "message", None) or self._reason
        if self.settings.get("debug") and exc is not None and not isinstance(exc, UserError):
            log.debug("".join(traceback.format_exception(*kwargs["exc_info"])))
        if self.wants_json():
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.finish(json.dumps({"error": message, "status": status_code}))
        else:
            self.render("error.html", status_code=status_code, message=message)

    def read_json(self) -> dict:
        try:
            body = json.loads(self.request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserError(400, f"Request body is not valid JSON: {exc}") from exc
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


class NotFoundHandler(BaseHandler):
    """Unknown paths: the same checks and headers as every page, then a 404 (never Tornado's bare one)."""

    def prepare(self):
        super().prepare()
        raise UserError(404, "There is no such page.")


class SecureStaticFileHandler(tornado.web.StaticFileHandler):
    """Static assets carry the same security headers (they need no launch cookie)."""

    def set_default_headers(self) -> None:
        apply_security_headers(self)
