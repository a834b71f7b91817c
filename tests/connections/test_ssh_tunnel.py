"""SSH tunnels against a private OpenSSH server on loopback, started (as root) by the test."""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from core.db import Connection
from core.services import profiles, tunnels
from core.services.profiles import Passwords, Profile
from core.services.sandbox import free_port
from core.services.sessions import SessionRegistry
from tests.security.client import error_text

SSHD = shutil.which("sshd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"]))
PASSPHRASE = "key-pässphrase"


@dataclass
class SshServer:
    port: int
    host_key: paramiko.PKey
    client_key_path: Path
    user: str


def _write_private_key(path: Path, passphrase: str | None = None) -> ed25519.Ed25519PrivateKey:
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


@pytest.fixture(scope="module")
def ssh_server(tmp_path_factory):
    if SSHD is None:
        pytest.fail("OpenSSH server not found: run 'make test' (installs openssh-server) or apt-get install it")
    if os.geteuid() != 0:
        pytest.skip("the private sshd needs root (it logs a user in)")
    folder = tmp_path_factory.mktemp("sshd")
    host_key_path = folder / "host_key"
    _write_private_key(host_key_path)
    client_key_path = folder / "client_key"
    client_key = _write_private_key(client_key_path, PASSPHRASE)
    (folder / "authorized_keys").write_text(_public_line(client_key) + "\n")
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
        yield SshServer(port, paramiko.PKey.from_path(host_key_path), client_key_path, "root")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ssh_profile(ssh_server, mariadb, **overrides) -> Profile:
    values = dict(
        name="via ssh",
        host="127.0.0.1",  # the database as seen from the SSH server
        port=mariadb.user.port,
        user=mariadb.user.user,
        ssh_enabled=True,
        ssh_host="127.0.0.1",
        ssh_port=ssh_server.port,
        ssh_user=ssh_server.user,
        ssh_auth="key",
        ssh_key_path=str(ssh_server.client_key_path),
    )
    values.update(overrides)
    return Profile(**values)


def test_unknown_host_key_is_shown_then_trusted(ssh_server, mariadb, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    profile = ssh_profile(ssh_server, mariadb)
    typed = Passwords(db=mariadb.user.password, ssh=PASSPHRASE)
    with pytest.raises(tunnels.HostKeyUnknown) as info:
        profiles.test_connection(profile, typed, known_hosts)
    assert info.value.fingerprint == tunnels.fingerprint(ssh_server.host_key)
    tunnels.trust_host_key(known_hosts, info.value.host, info.value.port, info.value.key)
    assert oct(known_hosts.stat().st_mode & 0o777) == "0o600"
    result = profiles.test_connection(profile, typed, known_hosts)
    assert result["tunnel"] and "MariaDB" in result["server_version"]


def test_changed_host_key_is_refused(ssh_server, mariadb, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    impostor = paramiko.Ed25519Key.from_path(_keyfile(tmp_path))
    tunnels.trust_host_key(known_hosts, "127.0.0.1", ssh_server.port, impostor)
    with pytest.raises(tunnels.HostKeyMismatch, match="DIFFERENT key"):
        profiles.test_connection(
            ssh_profile(ssh_server, mariadb), Passwords(mariadb.user.password, PASSPHRASE), known_hosts
        )


def _keyfile(folder: Path) -> Path:
    path = folder / "impostor"
    _write_private_key(path)
    return path


def _trusted(ssh_server, tmp_path) -> Path:
    known_hosts = tmp_path / "known_hosts"
    tunnels.trust_host_key(known_hosts, "127.0.0.1", ssh_server.port, ssh_server.host_key)
    return known_hosts


def test_wrong_or_missing_passphrase_is_reported(ssh_server, mariadb, tmp_path):
    known_hosts = _trusted(ssh_server, tmp_path)
    profile = ssh_profile(ssh_server, mariadb)
    with pytest.raises(tunnels.TunnelError, match="passphrase"):
        profiles.test_connection(profile, Passwords(mariadb.user.password, ""), known_hosts)
    with pytest.raises(tunnels.TunnelError, match="passphrase is wrong"):
        profiles.test_connection(profile, Passwords(mariadb.user.password, "nope"), known_hosts)


def test_session_through_the_tunnel_and_tunnel_closed_on_disconnect(ssh_server, mariadb, tmp_path):
    known_hosts = _trusted(ssh_server, tmp_path)
    registry = SessionRegistry()
    session = profiles.open_session(
        registry, ssh_profile(ssh_server, mariadb), Passwords(mariadb.user.password, PASSPHRASE), known_hosts
    )
    local_port = session.tunnel.local_port
    assert session.params.host == "127.0.0.1" and session.params.port == local_port != mariadb.user.port
    with session.connection() as conn:
        assert conn.get("SELECT 1 + 1 AS two")["two"] == 2
    # A second pooled connection goes through the same tunnel.
    other = Connection(session.params)
    assert other.get("SELECT CURRENT_USER() AS u")["u"].startswith(mariadb.user.user)
    other.close()
    registry.close(session.id)
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", local_port)) != 0, "the tunnel's port must be closed with the session"


def test_connect_page_asks_to_trust_then_connects_through_ssh(ssh_server, mariadb, user, memory_keyring):
    form = {
        "name": "Through SSH",
        "color": "purple",
        "host": "127.0.0.1",
        "port": str(mariadb.user.port),
        "user": mariadb.user.user,
        "db_password": mariadb.user.password,
        "tls_mode": "off",
        "ssh_enabled": "on",
        "ssh_host": "127.0.0.1",
        "ssh_port": str(ssh_server.port),
        "ssh_user": ssh_server.user,
        "ssh_auth": "key",
        "ssh_key_path": str(ssh_server.client_key_path),
        "ssh_password": PASSPHRASE,
        "remember": "on",
    }
    # The test button meets the unknown key first and offers to trust it.
    response = user.post_json("/api/connections/test", form)
    assert response.status == 409 and response.json()["host_key"]["fingerprint"].startswith("SHA256:")
    assert user.post_form("/connections/new", form).status == 302
    pid = user.get("/connections").text.split('data-profile-id="')[1].split('"')[0]
    response = user.post_form(f"/connections/{pid}/connect", {})
    assert response.status == 409
    assert tunnels.fingerprint(ssh_server.host_key) in response.text and "not known yet" in error_text(response)
    token = response.text.split('name="token" value="')[1].split('"')[0]
    assert user.post_form("/connections/trust", {"token": token, "next": f"/connections/{pid}/connect"}).status == 302
    assert user.post_form("/connections/trust", {"token": token}).status == 400, "a trust token is one-time"
    response = user.post_form(f"/connections/{pid}/connect", {})
    assert response.status == 302, error_text(response)
    home = user.get("/").text
    assert "<strong>Through SSH</strong>" in home and ">SSH<" in home
    rows = user.post_json("/api/sql", {"sql": "SELECT 40 + 2"}).json()["rows"]
    assert rows == [[42]]
