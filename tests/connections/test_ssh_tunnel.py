"""SSH tunnels against a private OpenSSH server on loopback, started (as root) by the test."""

import socket
from pathlib import Path

import paramiko
import pytest

from core.db import Connection
from core.services.connections import profiles, tunnels
from core.services.connections.profiles import Passwords, Profile
from core.services.connections.sessions import SessionRegistry
from tests import sshd
from tests.security.client import error_text
from tests.web.sql_editor import run_sql

# A forwarding thread that dies with a traceback is a bug, even if the test passes.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

PASSPHRASE = "key-pässphrase"


@pytest.fixture(scope="module")
def ssh_server(tmp_path_factory):
    why = sshd.problem()
    if why and "root" in why:
        pytest.skip(why)
    if why:
        pytest.fail(why)
    with sshd.private_sshd(tmp_path_factory.mktemp("sshd"), PASSPHRASE) as server:
        yield server


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


@pytest.mark.mariadb_only
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
    sshd.write_private_key(path)
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
    assert "via root@127.0.0.1" in home, "the label names the SSH hop, not the tunnel's local port"
    assert run_sql(user, "SELECT 40 + 2").rows == [[42]]
