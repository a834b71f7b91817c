"""Open database sessions: one per login, each with a small pool of connections.

A pool lets one slow statement (a 10 s SELECT) hold one connection while other requests of the
same session use another. Passwords live only in memory, inside ConnectionParams.

Nothing is held longer than it is used: a pooled connection unused for POOL_IDLE_SECONDS is closed
(a new one is opened on demand), a session without a request for SESSION_IDLE_SECONDS is logged
out, and closing a session tells its listeners (the editor's tab connections, transfer files) so
they let go of what belongs to it at once.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.db import ConnectionParams
from core.db.flavour import DEFAULT_FLAVOUR, Flavour

if TYPE_CHECKING:
    from core.db import Connection

log = logging.getLogger("eddy.sessions")

POOL_IDLE_SECONDS = 300.0  # a pooled connection unused this long is closed
SESSION_IDLE_SECONDS = 12 * 3600.0  # a session without any request this long is logged out


@dataclass
class DatabaseSession:
    id: str
    params: ConnectionParams
    server_version: str
    created: float = field(default_factory=time.time)
    last_used: float = field(default_factory=time.monotonic)  # the last request that asked for it
    _idle: list[Connection] = field(default_factory=list, repr=False)
    _idle_since: dict[int, float] = field(default_factory=dict, repr=False)  # id(conn) -> monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    max_idle: int = 4
    # Saved-profile sessions: its name and colour tag (shown in the topbar), its SSH tunnel.
    name: str | None = None
    color: str | None = None
    tunnel: object | None = field(default=None, repr=False)
    cipher: str = ""  # the TLS cipher of the session ('' when not encrypted)
    flavour: Flavour = DEFAULT_FLAVOUR  # detected once at login; every pooled connection shares it
    # A read-only profile: "server" when the account's grants only read, else "eddy" (Eddy's check).
    read_only_enforced_by: str | None = None
    closed: bool = False  # a request still running at log out gives its connection back to nobody

    @property
    def encrypted(self) -> bool:
        return bool(self.cipher)

    @property
    def read_only(self) -> bool:
        return self.params.read_only

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """Borrow a connection for one unit of work (call from a worker thread)."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
            if conn is not None:
                self._idle_since.pop(id(conn), None)
        if conn is None:
            from core.db import Connection  # the driver loads with the first connection, after the first page

            conn = Connection(self.params, flavour=self.flavour)
        try:
            yield conn
        except BaseException:
            # After an error mid-transaction the connection's state is unknown: do not reuse it.
            conn.close()
            raise
        else:
            with self._lock:
                if not self.closed and len(self._idle) < self.max_idle:
                    self._idle.append(conn)
                    self._idle_since[id(conn)] = time.monotonic()
                    conn = None
            if conn is not None:
                conn.close()

    def close_idle_connections(self, older_than: float) -> int:
        """Close pooled connections unused for `older_than` seconds; how many were closed."""
        limit = time.monotonic() - older_than
        with self._lock:
            stale = [c for c in self._idle if self._idle_since.get(id(c), 0.0) <= limit]
            self._idle = [c for c in self._idle if c not in stale]
            for conn in stale:
                self._idle_since.pop(id(conn), None)
        for conn in stale:
            conn.close()
        return len(stale)

    def idle_connection_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            idle, self._idle = self._idle, []
            self._idle_since.clear()
        for conn in idle:
            conn.close()
        tunnel, self.tunnel = self.tunnel, None
        if tunnel is not None:
            tunnel.close()


def ssl_cipher(conn: Connection) -> str:
    """The session's TLS cipher as the server reports it ('' for an unencrypted session)."""
    row = conn.get("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    return (row and row.get("Value")) or ""


class SessionRegistry:
    """All open sessions of this process, keyed by an unguessable id."""

    def __init__(self):
        self._sessions: dict[str, DatabaseSession] = {}
        self._lock = threading.Lock()
        self._on_close: list[Callable[[DatabaseSession], None]] = []

    def on_close(self, release: Callable[[DatabaseSession], None]) -> None:
        """Call release(session) (from a worker thread) whenever a session closes, before its own
        connections are closed: what else holds resources for it lets go of them there."""
        self._on_close.append(release)

    def open(self, params: ConnectionParams, name=None, color=None, tunnel=None) -> DatabaseSession:
        """Connect (raising ConnectFailed with a readable message) and register a session.

        A given tunnel belongs to the session from here on: it is closed with it (or now, on failure)."""
        from core.db import Connection  # the driver loads with the first connection, after the first page
        from core.db.grants import read_only_enforcement

        try:
            conn = Connection(params)
            cipher = ssl_cipher(conn)
            enforced_by = read_only_enforcement(conn) if params.read_only else None
        except BaseException:
            if tunnel is not None:
                tunnel.close()
            raise
        session = DatabaseSession(
            id=secrets.token_urlsafe(24),
            params=params,
            server_version=conn.server_version(),
            name=name,
            color=color,
            tunnel=tunnel,
            cipher=cipher,
            flavour=conn.flavour(),
            read_only_enforced_by=enforced_by,
        )
        session._idle.append(conn)
        session._idle_since[id(conn)] = time.monotonic()
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> DatabaseSession | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        if session is not None:
            session.last_used = time.monotonic()
        return session

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)

    def close(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            self._release(session)

    def close_all(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            self._release(session)

    def expire(self, session_idle: float = SESSION_IDLE_SECONDS, pool_idle: float = POOL_IDLE_SECONDS) -> list[str]:
        """Log out sessions idle for `session_idle` seconds and close pooled connections idle for
        `pool_idle`; the ids of the sessions closed. Call periodically from a worker thread."""
        limit = time.monotonic() - session_idle
        with self._lock:
            expired = [s for s in self._sessions.values() if s.last_used <= limit]
            for session in expired:
                self._sessions.pop(session.id, None)
            alive = list(self._sessions.values())
        for session in expired:
            log.info("session %s expired after %.0f s without a request", session.id[:6], session_idle)
            self._release(session)
        for session in alive:
            session.close_idle_connections(pool_idle)
        return [s.id for s in expired]

    def _release(self, session: DatabaseSession) -> None:
        for release in self._on_close:
            try:
                release(session)
            except Exception:  # one listener's failure must not keep the session's connections open
                log.exception("releasing session %s", session.id[:6])
        session.close()
