"""Open database sessions: one per login, each with a small pool of connections.

A pool lets one slow statement (a 10 s SELECT) hold one connection while other requests of the
same session use another. Passwords live only in memory, inside ConnectionParams.
"""

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from core.db import Connection, ConnectionParams
from core.db.flavour import DEFAULT_FLAVOUR, Flavour
from core.db.grants import read_only_enforcement


@dataclass
class DatabaseSession:
    id: str
    params: ConnectionParams
    server_version: str
    created: float = field(default_factory=time.time)
    _idle: list[Connection] = field(default_factory=list, repr=False)
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
        if conn is None:
            conn = Connection(self.params, flavour=self.flavour)
        try:
            yield conn
        except BaseException:
            # After an error mid-transaction the connection's state is unknown: do not reuse it.
            conn.close()
            raise
        else:
            with self._lock:
                if len(self._idle) < self.max_idle:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
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

    def open(self, params: ConnectionParams, name=None, color=None, tunnel=None) -> DatabaseSession:
        """Connect (raising ConnectFailed with a readable message) and register a session.

        A given tunnel belongs to the session from here on: it is closed with it (or now, on failure)."""
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
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> DatabaseSession | None:
        if not session_id:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    def close(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is not None:
            session.close()

    def close_all(self) -> None:
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()
