"""Where and how to connect: plain data, importable without the driver (the login page needs it
before PyMySQL is loaded)."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ConnectionParams:
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = field(default="", repr=False)
    database: str | None = None
    unix_socket: str | None = None
    connect_timeout: float = 5.0  # also bounds the handshake: a silent port answers in words, soon
    read_timeout: float | None = None
    ssl: dict | None = None
    # Refuse data-changing statements here (core.db.statements) and in the server's session.
    read_only: bool = False
    # Statements run on every new connection (e.g. "SET SESSION sql_safe_updates = 1").
    session_setup: tuple[str, ...] = ()
    # What label() shows instead of user@host:port (a tunnel's local end means nothing to users).
    display: str | None = None

    def without_password(self) -> dict:
        values = asdict(self)
        values.pop("password")
        return values

    def label(self) -> str:
        if self.display:
            return self.display
        where = self.unix_socket or f"{self.host}:{self.port}"
        return f"{self.user}@{where}"
