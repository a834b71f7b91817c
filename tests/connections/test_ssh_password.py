"""SSH tunnel with password authentication, against a tiny paramiko SSH server run by the test.

(The OpenSSH test uses keys: giving a real system account a password is not a test's business.)
"""

import select
import socket
import threading

import paramiko
import pytest

from core.services.connections import profiles, tunnels
from core.services.connections.profiles import Passwords, Profile
from tests import sshd

# A forwarding thread that dies with a traceback is a bug, even if the test passes.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

SSH_USER, SSH_PASSWORD = "tunnel", "tünnel-password"


class _PasswordServer(paramiko.ServerInterface):
    def __init__(self):
        self.destinations: dict[int, tuple[str, int]] = {}

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        ok = (username, password) == (SSH_USER, SSH_PASSWORD)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(self, chanid, origin, destination):
        self.destinations[chanid] = destination
        return paramiko.OPEN_SUCCEEDED


def _pump(channel, sock):
    try:
        while True:
            readable, _, _ = select.select([channel, sock], [], [], 5)
            if channel in readable:
                data = channel.recv(65536)
                if not data:
                    return
                sock.sendall(data)
            if sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                channel.sendall(data)
    except Exception:  # the test server's side of a forwarding ends however the client leaves
        return
    finally:
        for end in (channel, sock):
            try:
                end.close()
            except Exception:
                pass


@pytest.fixture(scope="module")
def password_ssh_server(tmp_path_factory):
    key_path = tmp_path_factory.mktemp("paramiko-sshd") / "host_key"
    sshd.write_private_key(key_path)
    host_key = paramiko.PKey.from_path(key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    transports = []

    def serve_one(client):
        transport = paramiko.Transport(client)
        transports.append(transport)
        transport.add_server_key(host_key)
        server = _PasswordServer()
        try:
            transport.start_server(server=server)
            while not stop.is_set() and transport.is_active():
                channel = transport.accept(0.2)
                if channel is None:
                    continue
                target = socket.create_connection(server.destinations[channel.get_id()])
                threading.Thread(target=_pump, args=(channel, target), daemon=True).start()
        except Exception:  # a client that leaves mid-handshake (an untrusted host key) is normal here
            return

    def accept_loop():
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve_one, args=(client,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    yield listener.getsockname()[1], host_key
    stop.set()
    thread.join(2)
    listener.close()
    for transport in transports:
        transport.close()


@pytest.mark.mariadb_only
def test_password_tunnel_with_first_use_prompt(password_ssh_server, mariadb, tmp_path):
    port, host_key = password_ssh_server
    known_hosts = tmp_path / "known_hosts"
    profile = Profile(
        name="pw",
        host="127.0.0.1",
        port=mariadb.user.port,
        user=mariadb.user.user,
        ssh_enabled=True,
        ssh_host="127.0.0.1",
        ssh_port=port,
        ssh_user=SSH_USER,
        ssh_auth="password",
    )
    typed = Passwords(db=mariadb.user.password, ssh=SSH_PASSWORD)
    with pytest.raises(tunnels.HostKeyUnknown) as info:
        profiles.test_connection(profile, typed, known_hosts)
    assert info.value.fingerprint == tunnels.fingerprint(host_key)
    tunnels.trust_host_key(known_hosts, "127.0.0.1", port, info.value.key)
    result = profiles.test_connection(profile, typed, known_hosts)
    assert result["tunnel"] and "MariaDB" in result["server_version"]
    with pytest.raises(tunnels.TunnelError, match="SSH authentication failed"):
        profiles.test_connection(profile, Passwords(db=mariadb.user.password, ssh="wrong"), known_hosts)


def test_test_button_offers_to_trust_a_new_host_key(password_ssh_server, mariadb, page, running_app, memory_keyring):
    from playwright.sync_api import expect

    port, host_key = password_ssh_server
    page.goto(running_app.launch_url)
    page.goto(running_app.base_url + "/connections/new")
    page.fill("input[name=name]", "Bastion")
    page.fill("input[name=host]", "127.0.0.1")
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=db_password]", mariadb.user.password)
    page.check("input[name=ssh_enabled]")
    page.fill("input[name=ssh_host]", "127.0.0.1")
    page.fill("input[name=ssh_port]", str(port))
    page.fill("input[name=ssh_user]", SSH_USER)
    page.fill("input[name=ssh_password]", SSH_PASSWORD)
    page.click("#test-connection")
    expect(page.locator("#test-result")).to_contain_text(tunnels.fingerprint(host_key))
    expect(page.locator("#trust-host-key")).to_be_visible()
    page.click("#trust-host-key")
    expect(page.locator("#test-result")).to_contain_text("through SSH")
    expect(page.locator("#trust-host-key")).to_be_hidden()
