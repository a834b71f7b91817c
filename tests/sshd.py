"""A private OpenSSH server on 127.0.0.1 for tunnel tests and benchmarks (Debian openssh-server, root)."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from core.services.sandbox.server import free_port

SSHD = shutil.which("sshd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]))


@dataclass
class SshServer:
    port: int
    host_key: paramiko.PKey
    client_key_path: Path
    passphrase: str
    user: str = "root"


def write_private_key(path: Path, passphrase: str | None = None) -> ed25519.Ed25519PrivateKey:
    key = ed25519.Ed25519PrivateKey.generate()
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption))
    path.chmod(0o600)
    return key


def _public_line(key: ed25519.Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _wait_for_banner(port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    """sshd is ready when it sends its SSH-2.0 banner."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("sshd did not answer in time")


def problem() -> str | None:
    """Why a private sshd cannot run here, or None."""
    if SSHD is None:
        return "OpenSSH server not found: run 'make test' (installs openssh-server) or apt-get install openssh-server"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the private sshd needs root (it logs a user in)"
    return None


@contextmanager
def private_sshd(folder: Path, passphrase: str):
    """Key-only sshd on a free loopback port; the client key (with passphrase) is authorised for root."""
    folder.mkdir(parents=True, exist_ok=True)
    host_key_path = folder / "host_key"
    write_private_key(host_key_path)
    client_key_path = folder / "client_key"
    (folder / "authorized_keys").write_text(_public_line(write_private_key(client_key_path, passphrase)) + "\n")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key_path}
PidFile {folder / "sshd.pid"}
AuthorizedKeysFile {folder / "authorized_keys"}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers root
AllowTcpForwarding yes
PermitOpen any
X11Forwarding no
LogLevel ERROR
"""
    )
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_banner(port, proc)
        yield SshServer(port, paramiko.PKey.from_path(host_key_path), client_key_path, passphrase)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
