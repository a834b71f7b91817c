"""A loopback TCP proxy in front of a MariaDB server, for tests of what goes over the wire.

It records what each client connection sends, can strip TLS from the server's greeting (the
downgrade an attacker on the path would try: clear CLIENT_SSL in the capability flags), and can cut
a connection once it has carried a given number of client bytes.
"""

import socket
import threading
from dataclasses import dataclass, field

CLIENT_SSL = 0x0800


@dataclass
class Recorded:
    client_bytes: bytearray = field(default_factory=bytearray)
    cut: bool = False


class MitmProxy:
    def __init__(self, target_port: int, strip_tls: bool = False, cut_after: int | None = None):
        self.target_port = target_port
        self.strip_tls = strip_tls
        self.cut_after = cut_after  # client bytes per connection before the proxy drops it
        self.connections: list[Recorded] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            record = Recorded()
            self.connections.append(record)
            threading.Thread(target=self._server_to_client, args=(server, client), daemon=True).start()
            threading.Thread(target=self._client_to_server, args=(client, server, record), daemon=True).start()

    def _server_to_client(self, server: socket.socket, client: socket.socket) -> None:
        first = True
        try:
            while data := server.recv(65536):
                if first and self.strip_tls:
                    data = _strip_ssl_capability(data)
                first = False
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)

    def _client_to_server(self, client: socket.socket, server: socket.socket, record: Recorded) -> None:
        try:
            while data := client.recv(65536):
                record.client_bytes += data
                if self.cut_after is not None and len(record.client_bytes) > self.cut_after:
                    record.cut = True
                    break
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(client, server)


def _close(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def _strip_ssl_capability(packet: bytes) -> bytes:
    """The greeting (protocol 10) with CLIENT_SSL cleared in its lower capability flags."""
    data = bytearray(packet)
    pos = 4 + 1  # packet header, protocol version
    pos = data.index(0, pos) + 1  # server version, NUL-terminated
    pos += 4 + 8 + 1  # connection id, auth data part 1, filler
    flags = int.from_bytes(data[pos : pos + 2], "little") & ~CLIENT_SSL
    data[pos : pos + 2] = flags.to_bytes(2, "little")
    return bytes(data)


def looks_like_tls(stream: bytes) -> bool:
    """True when, after the 36-byte SSLRequest packet, everything is TLS records (no plaintext)."""
    pos = 36
    while pos < len(stream):
        if pos + 5 > len(stream) or stream[pos] not in (0x14, 0x15, 0x16, 0x17) or stream[pos + 1] != 0x03:
            return False
        pos += 5 + int.from_bytes(stream[pos + 3 : pos + 5], "big")
    return True
