"""Saved connection profiles: validation, connection parameters, test, open, import.

Settings live in the per-user SQLite (core.store); passwords only in the OS keyring
(core.services.connections.secrets). A profile's TLS settings become PyMySQL's ssl dict; its SSH settings
open a tunnel (core.services.connections.tunnels) that belongs to the session and closes with it.
"""

import re
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from core.db import ConnectionParams
from core.db.errors import ConnectFailed
from core.services.connections import secrets, tunnels
from core.services.connections.sessions import DatabaseSession, SessionRegistry, ssl_cipher

TLS_MODES = {
    "off": "Off (plain, or TLS if the server offers it)",
    "require": "Require (encrypted, server not verified)",
    "verify_ca": "Verify CA (encrypted, certificate signed by the CA)",
    "verify_identity": "Verify identity (CA + host name matches the certificate)",
}
# Colour tags by name: the page shows them with CSS classes (CSP forbids inline styles).
COLORS = {"": "None", "blue": "Blue", "green": "Green", "yellow": "Yellow", "orange": "Orange", "red": "Red",
          "purple": "Purple", "grey": "Grey"}  # fmt: skip
SAFE_MODE_SETUP = ("SET SESSION sql_safe_updates = 1",)


class ProfileError(ValueError):
    """A profile's settings are invalid; message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Profile:
    name: str = ""
    color: str = ""
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    database: str = ""
    socket: str = ""
    tls_mode: str = "off"
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    ssh_enabled: bool = False
    ssh_host: str = ""
    ssh_port: int = 22
    ssh_user: str = ""
    ssh_auth: str = "password"  # or "key"
    ssh_key_path: str = ""
    read_only: bool = False
    safe_mode: bool = False
    # The app's local sandbox: its port and root password are the sandbox's own (they may change
    # between runs), so connecting asks the sandbox manager, which starts the server if needed.
    sandbox: bool = False
    # Which secrets are in the keyring (so listing profiles never reads the keyring: on macOS each
    # read of an item can prompt the user).
    db_password_saved: bool = False
    ssh_password_saved: bool = False
    id: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def settings(self) -> dict:
        values = asdict(self)
        values.pop("id")
        values.pop("name")
        return values

    def label(self) -> str:
        if self.sandbox:
            return "root@local sandbox"
        where = self.socket or f"{self.host}:{self.port}"
        via = f" via {self.ssh_user}@{self.ssh_host}" if self.ssh_enabled else ""
        return f"{self.user}@{where}{via}"


def _port(value, what: str) -> int:
    try:
        port = int(str(value).strip() or 0)
    except ValueError:
        raise ProfileError(f"{what} must be a number, not '{value}'.") from None
    if not 0 < port < 65536:
        raise ProfileError(f"{what} must be between 1 and 65535, not {port}.")
    return port


def profile_from_form(form: dict) -> Profile:
    """Validate the edit form's fields (strings/booleans) into a Profile."""

    def text(key: str) -> str:
        return str(form.get(key) or "").strip()

    def flag(key: str) -> bool:
        return str(form.get(key, "")).lower() in ("1", "on", "true", "yes")

    profile = Profile(
        name=text("name"),
        color=text("color"),
        host=text("host") or "127.0.0.1",
        port=_port(text("port") or 3306, "Port"),
        user=text("user"),
        database=text("database"),
        socket=text("socket"),
        tls_mode=text("tls_mode") or "off",
        tls_ca=text("tls_ca"),
        tls_cert=text("tls_cert"),
        tls_key=text("tls_key"),
        ssh_enabled=flag("ssh_enabled"),
        ssh_host=text("ssh_host"),
        ssh_port=_port(text("ssh_port") or 22, "SSH port"),
        ssh_user=text("ssh_user"),
        ssh_auth=text("ssh_auth") or "password",
        ssh_key_path=text("ssh_key_path"),
        read_only=flag("read_only"),
        safe_mode=flag("safe_mode"),
    )
    if not profile.name:
        raise ProfileError("A connection needs a name.")
    if len(profile.name) > 100:
        raise ProfileError("The name is too long (100 characters at most).")
    if not profile.user:
        raise ProfileError("User name is required.")
    if profile.color not in COLORS:
        raise ProfileError("Pick one of the offered colours.")
    if profile.tls_mode not in TLS_MODES:
        raise ProfileError("Unknown TLS mode.")
    if profile.tls_mode in ("verify_ca", "verify_identity") and not profile.tls_ca:
        raise ProfileError("Verifying the server needs a CA certificate file.")
    if bool(profile.tls_cert) != bool(profile.tls_key):
        raise ProfileError("A client certificate needs its key file too (and the other way round).")
    for label, path in (("CA", profile.tls_ca), ("client certificate", profile.tls_cert), ("key", profile.tls_key)):
        if path and not Path(path).expanduser().is_file():
            raise ProfileError(f"The {label} file does not exist: {path}")
    if profile.ssh_enabled:
        if not profile.ssh_host or not profile.ssh_user:
            raise ProfileError("An SSH tunnel needs the SSH host and user.")
        if profile.ssh_auth not in ("password", "key"):
            raise ProfileError("SSH authentication is a password or a key.")
        if profile.ssh_auth == "key" and not profile.ssh_key_path:
            raise ProfileError("SSH key authentication needs the private key file.")
        if profile.tls_mode == "verify_identity":
            # Through the tunnel the driver reaches 127.0.0.1, so the certificate's name cannot match.
            raise ProfileError("Verify identity cannot work through an SSH tunnel: use Verify CA.")
    return profile


def ssl_options(profile: Profile) -> dict | None:
    """PyMySQL's ssl dict for the profile's TLS mode (None: PyMySQL's default, TLS if offered)."""
    if profile.tls_mode == "off":
        return None
    options: dict = {"verify_mode": "none", "check_hostname": False}
    if profile.tls_mode in ("verify_ca", "verify_identity"):
        options = {
            "ca": str(Path(profile.tls_ca).expanduser()),
            "verify_mode": "required",
            "check_hostname": profile.tls_mode == "verify_identity",
        }
    if profile.tls_cert:
        options["cert"] = str(Path(profile.tls_cert).expanduser())
        options["key"] = str(Path(profile.tls_key).expanduser())
    return options


def connection_params(profile: Profile, password: str, host: str | None = None, port: int | None = None):
    return ConnectionParams(
        host=host or profile.host,
        port=port or profile.port,
        user=profile.user,
        password=password or "",
        database=profile.database or None,
        unix_socket=(profile.socket or None) if not profile.ssh_enabled else None,
        ssl=ssl_options(profile),
        read_only=profile.read_only,
        session_setup=SAFE_MODE_SETUP if profile.safe_mode else (),
        display=profile.label() if profile.ssh_enabled else None,
    )


@dataclass
class Passwords:
    """What the user typed now; empty fields fall back to the keyring."""

    db: str = ""
    ssh: str = ""  # SSH password, or the key's passphrase

    def __repr__(self) -> str:  # never in a log or a traceback
        return "Passwords(***)"


def ready_to_connect(profile: Profile) -> bool:
    """True when every password the profile needs is saved (Connect needs no questions)."""
    if profile.sandbox:
        return True
    needs_ssh = profile.ssh_enabled and profile.ssh_auth == "password"
    return profile.db_password_saved and (not needs_ssh or profile.ssh_password_saved)


def load_profiles(store) -> tuple[list[Profile], set[int]]:
    """All saved profiles and the ids of those whose passwords are all saved."""
    items = [Profile.from_dict(p) for p in store.list_profiles()]
    return items, {p.id for p in items if ready_to_connect(p)}


def resolve_passwords(profile: Profile, typed: Passwords) -> Passwords:
    if profile.id is None:
        return typed
    return Passwords(
        db=typed.db or (secrets.load(profile.id, "db") if profile.db_password_saved else "") or "",
        ssh=typed.ssh or (secrets.load(profile.id, "ssh") if profile.ssh_password_saved else "") or "",
    )


def open_tunnel(profile: Profile, passwords: Passwords, known_hosts: Path):
    ssh = tunnels.SshSettings(
        host=profile.ssh_host,
        port=profile.ssh_port,
        user=profile.ssh_user,
        password=passwords.ssh if profile.ssh_auth == "password" else None,
        key_path=str(Path(profile.ssh_key_path).expanduser()) if profile.ssh_auth == "key" else None,
        passphrase=passwords.ssh if profile.ssh_auth == "key" else None,
    )
    return tunnels.SshTunnel(ssh, profile.host, profile.port, known_hosts).start()


def _params_and_tunnel(profile: Profile, passwords: Passwords, known_hosts: Path, sandbox=None):
    if profile.sandbox:
        if sandbox is None:
            raise ProfileError("The local sandbox is not available here.")
        params = sandbox.start()  # started if needed: wherever it listens now, this finds it
        return replace(params, database=profile.database or None), None
    if not profile.ssh_enabled:
        return connection_params(profile, passwords.db), None
    tunnel = open_tunnel(profile, passwords, known_hosts)
    # The server sees us coming from the SSH host; TLS still runs end to end through the tunnel.
    return connection_params(profile, passwords.db, host="127.0.0.1", port=tunnel.local_port), tunnel


def test_connection(profile: Profile, typed: Passwords, known_hosts: Path, sandbox=None) -> dict:
    """Connect once and report server version, latency, encryption; raise on failure."""
    passwords = resolve_passwords(profile, typed)
    started = time.perf_counter()
    params, tunnel = _params_and_tunnel(profile, passwords, known_hosts, sandbox)
    from core.db import Connection  # the driver loads with the first connection, after the first page

    try:
        conn = Connection(params)
        try:
            connect_ms = (time.perf_counter() - started) * 1000
            pings = []
            for _ in range(3):
                t = time.perf_counter()
                conn.get("SELECT 1 AS one")
                pings.append((time.perf_counter() - t) * 1000)
            return {
                "ok": True,
                "server_version": conn.server_version(),
                "server": conn.flavour().label,
                "read_only_note": conn.flavour().read_only_note if params.read_only else "",
                "latency_ms": round(min(pings), 2),
                "connect_ms": round(connect_ms, 1),
                "cipher": ssl_cipher(conn),
                "tunnel": bool(tunnel),
            }
        finally:
            conn.close()
    finally:
        if tunnel is not None:
            tunnel.close()


def open_session(
    registry: SessionRegistry, profile: Profile, typed: Passwords, known_hosts: Path, sandbox=None
) -> DatabaseSession:
    """Open a session on the profile; `sandbox` (the app's SandboxManager) serves sandbox profiles."""
    passwords = resolve_passwords(profile, typed)
    params, tunnel = _params_and_tunnel(profile, passwords, known_hosts, sandbox)
    return registry.open(params, name=profile.name, color=profile.color or None, tunnel=tunnel)


def save_passwords(store, profile: Profile, typed: Passwords, remember: bool) -> str | None:
    """Store typed passwords in the keyring when asked (and mark the profile); a note for the user or None."""
    if not remember or not (typed.db or typed.ssh) or profile.id is None:
        return None
    note = None
    try:
        if typed.db:
            secrets.save(profile.id, "db", typed.db)
            profile.db_password_saved = True
        if typed.ssh:
            secrets.save(profile.id, "ssh", typed.ssh)
            profile.ssh_password_saved = True
    except secrets.SecretStoreUnavailable as exc:
        note = str(exc)
    store.save_profile(profile.name, profile.settings(), profile.id)
    return note


def forget_passwords(store, profile: Profile) -> None:
    secrets.delete(profile.id)
    profile.db_password_saved = profile.ssh_password_saved = False
    store.save_profile(profile.name, profile.settings(), profile.id)


def unique_name(existing: set[str], name: str) -> str:
    candidate, n = name, 2
    while candidate in existing:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def duplicate_name(existing: set[str], name: str) -> str:
    base = re.sub(r" \(copy(?: \d+)?\)$", "", name)
    candidate, n = f"{base} (copy)", 2
    while candidate in existing:
        candidate, n = f"{base} (copy {n})", n + 1
    return candidate


def error_message(exc: BaseException) -> str:
    """A user-facing sentence for a failed test/connect (never a password, never a traceback)."""
    if isinstance(exc, (tunnels.TunnelError, ProfileError)):
        return exc.message
    if isinstance(exc, ConnectFailed):
        return exc.message
    return str(exc)


def save_login_as_profile(store, params, password: str, name: str = "") -> str | None:
    """The plain connect form's "save as a connection": a profile named as the user chose (default
    user@host:port), made unique."""
    existing = {p["name"] for p in store.list_profiles()}
    profile = Profile(
        name=unique_name(existing, (name or "").strip()[:100] or params.label()),
        host=params.host,
        port=params.port,
        user=params.user,
        database=params.database or "",
    )
    profile.id = store.save_profile(profile.name, profile.settings())
    return save_passwords(store, profile, Passwords(db=password), remember=True)


SANDBOX_PROFILE_NAME = "Local sandbox"


def ensure_sandbox_profile(store) -> int:
    """The saved connection to the local sandbox (made once; its port is looked up at each connect)."""
    items = store.list_profiles()
    for item in items:
        if item.get("sandbox"):
            return item["id"]
    name = unique_name({p["name"] for p in items}, SANDBOX_PROFILE_NAME)
    profile = Profile(name=name, color="green", host="127.0.0.1", port=0, user="root", sandbox=True)
    return store.save_profile(profile.name, profile.settings())
