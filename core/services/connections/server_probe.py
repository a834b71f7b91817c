"""Is a MySQL/MariaDB server listening here? Read its greeting (no login, nothing written).

A MySQL server speaks first: a packet header (3-byte length, sequence id) then the handshake,
protocol version 10 and the server version as a NUL-terminated string.
"""

import os
import socket
import sys
from dataclasses import asdict, dataclass

DEFAULT_SOCKETS = ("/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock", "/tmp/mysql.sock")


@dataclass
class DetectedServer:
    host: str
    port: int | None
    unix_socket: str | None
    version: str

    def to_json(self) -> dict:
        return asdict(self)


def _read_greeting(sock: socket.socket) -> str | None:
    data = b""
    while len(data) < 64:
        chunk = sock.recv(256)
        if not chunk:
            break
        data += chunk
        if len(data) > 5 and b"\0" in data[5:]:
            break
    if len(data) < 6 or data[4] != 10:  # protocol version 10; 0xff would be an error packet
        return None
    version = data[5:].split(b"\0", 1)[0].decode("ascii", "replace")
    # MariaDB prefixes "5.5.5-" for clients that only understand MySQL 5.x version numbers.
    return version.removeprefix("5.5.5-") or None


def probe_tcp(host: str = "127.0.0.1", port: int = 3306, timeout: float = 0.5) -> DetectedServer | None:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            version = _read_greeting(sock)
    except OSError:
        return None
    return DetectedServer(host=host, port=port, unix_socket=None, version=version) if version else None


def probe_socket(path: str, timeout: float = 0.5) -> DetectedServer | None:
    if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            version = _read_greeting(sock)
    except OSError:
        return None
    return DetectedServer(host="localhost", port=None, unix_socket=path, version=version) if version else None


def detect_local_servers(ports=(3306,), sockets=DEFAULT_SOCKETS) -> list[DetectedServer]:
    """Servers answering on loopback `ports` and on the usual socket paths."""
    found = [s for s in (probe_tcp("127.0.0.1", p) for p in ports) if s]
    if found:
        return found  # the usual socket is most likely the same server: offer the TCP way in
    seen = set()
    for path in sockets:
        real = os.path.realpath(path)
        if real not in seen and (server := probe_socket(path)):
            seen.add(real)
            found.append(server)
    return found
