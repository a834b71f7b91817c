"""SSH tunnels for connection profiles: a small paramiko port forwarder on 127.0.0.1.

One tunnel per open profile session: a listening socket on a free loopback port; each accepted
connection becomes a `direct-tcpip` channel to the database host as seen from the SSH server.
Host keys are checked against ~/.ssh/known_hosts and Eddy's own known_hosts file; an unknown key
raises HostKeyUnknown (the UI asks the user, then calls trust_host_key); a changed key raises
HostKeyMismatch and never connects.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import selectors
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import paramiko

log = logging.getLogger("eddy.tunnels")


def _ssh():
    """paramiko, imported on first use: importing it costs every start of Eddy ~45 ms otherwise."""
    import paramiko

    return paramiko


WINDOW_SIZE = 16 * 1024 * 1024  # bytes in flight per channel: large results stream without stalls


class TunnelError(Exception):
    """The tunnel could not be opened; message is a sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class HostKeyUnknown(TunnelError):
    """First contact with this SSH server: the user must confirm its key's fingerprint."""

    def __init__(self, host: str, port: int, key: paramiko.PKey):
        self.host, self.port, self.key = host, port, key
        self.fingerprint = fingerprint(key)
        super().__init__(
            f"The SSH server {host}:{port} is not known yet. It presents a {key.get_name()} key with fingerprint "
            f"{self.fingerprint}. Check it with the server's administrator before trusting it."
        )


class HostKeyMismatch(TunnelError):
    pass


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style SHA256 fingerprint (what `ssh-keygen -lf` prints)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _host_entry(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def trust_host_key(known_hosts: Path, host: str, port: int, key: paramiko.PKey) -> None:
    """Add the key to Eddy's known_hosts file (created with mode 0600)."""
    keys = _ssh().HostKeys()
    if known_hosts.exists():
        keys.load(str(known_hosts))
    keys.add(_host_entry(host, port), key.get_name(), key)
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    known_hosts.touch(mode=0o600, exist_ok=True)
    keys.save(str(known_hosts))


class _RefuseUnknown:
    """paramiko's missing-host-key policy (duck-typed: paramiko only calls missing_host_key)."""

    def missing_host_key(self, client, hostname, key):
        host, _, port = hostname.rpartition(":") if hostname.startswith("[") else (hostname, "", "22")
        raise HostKeyUnknown(host.strip("[]"), int(port), key)


@dataclass
class SshSettings:
    host: str
    port: int = 22
    user: str = ""
    password: str | None = field(default=None, repr=False)
    key_path: str | None = None
    passphrase: str | None = field(default=None, repr=False)


class SshTunnel:
    """A running forwarder: `local_port` on 127.0.0.1 reaches remote_host:remote_port."""

    def __init__(self, ssh: SshSettings, remote_host: str, remote_port: int, known_hosts: Path, timeout: float = 10):
        self.ssh = ssh
        self.remote = (remote_host, remote_port)
        self.known_hosts = known_hosts
        self.timeout = timeout
        self.local_port: int | None = None
        self._client: paramiko.SSHClient | None = None
        self._listener: socket.socket | None = None
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        return f"<SshTunnel {self.ssh.user}@{self.ssh.host}:{self.ssh.port} -> {self.remote} on {self.local_port}>"

    def start(self) -> SshTunnel:
        client = _ssh().SSHClient()
        try:
            client.load_system_host_keys()
        except OSError:
            pass  # an unreadable ~/.ssh/known_hosts only means fewer known hosts
        if self.known_hosts.exists():
            client.load_host_keys(str(self.known_hosts))
        client.set_missing_host_key_policy(_RefuseUnknown())
        pkey = None
        if self.ssh.key_path:
            pkey = _load_key(self.ssh.key_path, self.ssh.passphrase)
        try:
            client.connect(
                self.ssh.host,
                port=self.ssh.port,
                username=self.ssh.user,
                password=self.ssh.password if pkey is None else None,
                pkey=pkey,
                look_for_keys=False,
                allow_agent=False,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
            )
        except TunnelError:
            client.close()
            raise
        except _ssh().BadHostKeyException as exc:
            client.close()
            raise HostKeyMismatch(
                f"The SSH server {self.ssh.host}:{self.ssh.port} presents a DIFFERENT key than the one known "
                f"({fingerprint(exc.key)} instead of {fingerprint(exc.expected_key)}). Refusing to connect: "
                "this may be an attack, or the server was reinstalled."
            ) from None
        except _ssh().AuthenticationException:
            client.close()
            raise TunnelError(
                f"SSH authentication failed for {self.ssh.user}@{self.ssh.host}:{self.ssh.port}."
            ) from None
        except (_ssh().SSHException, OSError) as exc:
            client.close()
            raise TunnelError(f"SSH connection to {self.ssh.host}:{self.ssh.port} failed: {exc}") from None
        self._client = client
        transport = client.get_transport()
        transport.set_keepalive(30)
        _no_delay(transport.sock)  # small request/response packets: no Nagle delay on either hop
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.5)
        self._listener = listener
        self.local_port = listener.getsockname()[1]
        self._spawn(self._accept_loop, "eddy-ssh-accept")
        return self

    def _spawn(self, target, name, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            _no_delay(sock)
            try:
                channel = self._client.get_transport().open_channel(
                    "direct-tcpip", self.remote, peer, window_size=WINDOW_SIZE, timeout=10
                )
            except (_ssh().SSHException, OSError, AttributeError) as exc:
                log.warning("SSH tunnel could not reach %s:%s: %s", *self.remote, exc)
                sock.close()
                continue
            self._spawn(self._pump, "eddy-ssh-pump", sock, channel)

    def _pump(self, sock: socket.socket, channel) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            sel.register(channel, selectors.EVENT_READ)
            try:
                while not self._closed.is_set():
                    for key, _ in sel.select(timeout=0.5):
                        if key.fileobj is sock:
                            data = sock.recv(65536)
                            if not data:
                                return
                            channel.sendall(data)
                        else:
                            data = channel.recv(65536)
                            if not data:
                                return
                            sock.sendall(data)
            except (OSError, EOFError, ValueError, _ssh().SSHException):
                return  # either side went away (or the tunnel is closing): this forwarding ends
            finally:
                _close_quietly(channel)
                _close_quietly(sock)

    @property
    def is_active(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return bool(transport and transport.is_active()) and not self._closed.is_set()

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            try:  # wakes a thread blocked in accept() at once (close() alone does not on Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
        if self._client is not None:
            self._client.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(2)


def _no_delay(sock) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass  # not a TCP socket (a proxy command): nothing to tune


def _close_quietly(thing) -> None:
    """Close a socket or channel whose other end may be gone already (closing then raises)."""
    try:
        thing.close()
    except (OSError, EOFError, _ssh().SSHException):
        pass


def _load_key(path: str, passphrase: str | None) -> paramiko.PKey:
    try:
        return _ssh().PKey.from_path(path, passphrase.encode() if passphrase else None)
    except FileNotFoundError:
        raise TunnelError(f"SSH key file not found: {path}") from None
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise TunnelError("The SSH key is protected by a passphrase: enter it.") from None
    except ValueError:
        if passphrase:
            raise TunnelError("The SSH key's passphrase is wrong (or the key file is damaged).") from None
        raise TunnelError(f"The SSH key {path} cannot be read.") from None
    except (_ssh().SSHException, OSError) as exc:
        raise TunnelError(f"The SSH key {path} cannot be read: {exc}") from None
