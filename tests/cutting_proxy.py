"""A loopback TCP proxy between Eddy and the test MariaDB that can cut a connection at COMMIT.

mode "pass": forward everything.
mode "after_commit": when a client sends COMMIT, forward it, wait for the server's answer (so the
    transaction is durable on the server), then close both sides without passing the answer on.
mode "before_commit": when a client sends COMMIT, close both sides without forwarding it.
A cut happens once; the proxy then passes everything (Eddy's reconnect goes through it too).
The MySQL protocol's packets are 3 bytes length + 1 byte sequence + payload; COM_QUERY is 0x03.
"""

import re
import select
import socket
import threading


class CuttingProxy:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "pass"
        self.cuts = 0
        self.cut_done = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode: str, statement: bytes = b"COMMIT") -> None:
        """Cut at the next statement starting with `statement` (COMMIT unless told)."""
        self.cut_done.clear()
        self._pattern = re.compile(rb"^\x03\s*(?:/\*.*?\*/\s*)?" + re.escape(statement) + rb"\b", re.I | re.S)
        self.mode = mode

    def close(self) -> None:
        self._closing = True
        self.listener.close()
        with self._lock:
            for s in self._sockets:
                _close(s)

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _should_cut(self, payload: bytes) -> str | None:
        if self.mode in ("after_commit", "before_commit") and self._pattern.match(payload):
            with self._lock:
                mode, self.mode = self.mode, "pass"
            return mode
        return None

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        """One thread per connection: client packets are parsed (so a COMMIT is seen whole), server
        bytes passed through; nothing else reads the server socket, so a held answer stays held."""
        buf = b""
        try:
            while True:
                readable, _, _ = select.select([client, server], [], [])
                if server in readable:
                    data = server.recv(65536)
                    if not data:
                        return
                    client.sendall(data)
                if client in readable:
                    data = client.recv(65536)
                    if not data:
                        return
                    buf += data
                    while len(buf) >= 4:
                        length = int.from_bytes(buf[:3], "little")
                        if len(buf) < 4 + length:
                            break
                        packet, buf = buf[: 4 + length], buf[4 + length :]
                        cut = self._should_cut(packet[4:])
                        if cut == "after_commit":
                            server.sendall(packet)
                            server.settimeout(10)
                            server.recv(65536)  # the server OK: the COMMIT is done there; never passed on
                        if cut:
                            self.cuts += 1
                            return
                        server.sendall(packet)
        except (OSError, ValueError):  # ValueError: select() on a socket closed by close()
            pass
        finally:
            _close(client)
            _close(server)
            if self.cuts and not self.cut_done.is_set() and self.mode == "pass":
                self.cut_done.set()


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
