"""The local sandbox server: lifecycle, data kept between runs, failures said in words."""

import json
import os
import signal
import socket

import keyring
import pytest

from core.db import Connection
from core.services.connections.server_probe import probe_tcp
from core.services.sandbox import manager as sandbox_manager
from core.services.sandbox import server as sandbox_module
from core.services.sandbox.manager import SandboxManager
from core.services.sandbox.sample_data import SAMPLE_DATABASE, SIZES
from core.services.sandbox.server import ServerBinaryMissing


@pytest.fixture
def manager(tmp_path):
    m = SandboxManager(tmp_path / "sandbox")
    yield m
    m.delete()


def count(params, sql):
    conn = Connection(params)
    try:
        return conn.get(sql)["n"]
    finally:
        conn.close()


def test_start_sample_restart_reset_delete(manager, tmp_path):
    """The whole life of a sandbox: data survives an Eddy restart; reset empties; delete removes."""
    assert manager.status()["state"] == "absent"
    params, rows = manager.load_sample_data()
    assert rows == SIZES
    assert manager.status()["state"] == "running"
    assert params.password, "the sandbox's root has a random password"
    assert count(params, f"SELECT COUNT(*) n FROM `{SAMPLE_DATABASE}`.order_items") == 100_000

    manager.stop()  # Eddy exits
    assert manager.status()["state"] == "stopped"
    again = SandboxManager(manager.base)  # the next Eddy
    status = again.status()
    assert status["state"] == "stopped" and status["sample_loaded"]
    params = again.start()
    assert count(params, f"SELECT COUNT(*) n FROM `{SAMPLE_DATABASE}`.customers") == SIZES["customers"]
    conn = Connection(params)
    names = {r["name"] for r in conn.query(f"SELECT name FROM `{SAMPLE_DATABASE}`.customers WHERE name LIKE '%%🎉'")}
    assert names, "emoji text survives the round trip"
    assert conn.query(f"CALL `{SAMPLE_DATABASE}`.customer_orders(7)"), "the stored procedure runs"
    conn.close()

    params = again.reset()
    assert (
        count(params, f"SELECT COUNT(*) n FROM information_schema.schemata WHERE schema_name = '{SAMPLE_DATABASE}'")
        == 0
    )
    assert not again.status()["sample_loaded"]

    again.delete()
    assert not manager.base.exists()
    assert again.status()["state"] == "absent"


def test_missing_binary_gives_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.delenv("EDDY_MARIADBD", raising=False)
    monkeypatch.setattr(sandbox_module, "_which", lambda *names: None)
    m = SandboxManager(tmp_path / "sandbox")
    status = m.status()
    assert status["state"] == "unavailable"
    assert "Install MariaDB" in status["hint"] and "apt-get install mariadb-server" in status["hint"]
    with pytest.raises(ServerBinaryMissing, match="Install MariaDB"):
        m.start()

    configured = SandboxManager(tmp_path / "other", server_path=str(tmp_path / "no" / "mariadbd"))
    with pytest.raises(ServerBinaryMissing, match="no/mariadbd"):
        configured.start()


def test_port_clash_picks_another_port(manager):
    """The remembered port is taken by someone else: the sandbox starts on another one."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        manager.base.mkdir(parents=True)
        (manager.base / "sandbox.json").write_text(json.dumps({"port": taken}))
        params = manager.start()
        assert params.port != taken
        assert count(params, "SELECT 1 n") == 1
    assert json.loads((manager.base / "sandbox.json").read_text())["port"] == params.port


def test_crashed_server_is_detected_and_restartable(manager):
    manager.start()
    process = manager._server.process
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    status = manager.status()
    assert status["state"] == "crashed"
    assert status["label"] == "Stopped unexpectedly"
    params = manager.start()
    assert manager.status()["state"] == "running"
    assert count(params, "SELECT 2 n") == 2


def test_server_left_by_a_killed_eddy_is_replaced(manager):
    """Eddy was killed (no clean stop): the next Eddy stops the orphan server and starts its own."""
    manager.start()
    orphan = manager._server.process
    manager._server.process = None  # forget it, as a new process would
    try:
        params = SandboxManager(manager.base).start()
        assert orphan.wait(20) is not None
        assert count(params, "SELECT 3 n") == 3
    finally:
        if orphan.poll() is None:
            orphan.kill()
    SandboxManager(manager.base).delete()


def test_root_password_kept_in_the_keyring_when_one_exists(manager, monkeypatch):
    saved = {}
    monkeypatch.setattr(sandbox_manager, "keyring_usable", lambda: True)
    monkeypatch.setattr(keyring, "get_password", lambda service, user: saved.get((service, user)))
    monkeypatch.setattr(keyring, "set_password", lambda service, user, pw: saved.__setitem__((service, user), pw))
    monkeypatch.setattr(keyring, "delete_password", lambda service, user: saved.pop((service, user), None))
    first = manager.start()
    assert saved[("Eddy", "sandbox-root")] == first.password
    manager.stop()
    second = SandboxManager(manager.base).start()
    assert second.password == first.password
    SandboxManager(manager.base).delete()
    assert not saved, "delete forgets the password"


def test_without_keyring_each_run_gets_a_new_password(manager, monkeypatch):
    # Whatever keyring this machine (or an earlier test) has, this test is about having none.
    monkeypatch.setattr(sandbox_manager, "keyring_usable", lambda: False)
    first = manager.start()
    manager.stop()
    second = manager.start()
    assert first.password != second.password
    assert count(second, "SELECT 4 n") == 4
    assert not (manager.base / "init.sql").exists(), "the password file is removed once the server is up"


def test_probe_reads_the_server_greeting_without_logging_in(mariadb):
    found = probe_tcp("127.0.0.1", mariadb.admin.port)
    assert found is not None and "MariaDB" in found.version
    with socket.socket() as silent:  # listens but never speaks the protocol
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        assert probe_tcp("127.0.0.1", silent.getsockname()[1], timeout=0.3) is None
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert probe_tcp("127.0.0.1", port) is None


def test_deep_data_folder_gets_a_short_socket_path(tmp_path):
    """Unix sockets are limited to ~107 bytes; a deep per-user folder must still start."""
    server = sandbox_module.MariaDBServer(tmp_path / ("deep-folder-" * 8) / "sandbox")
    assert len(str(server.socket_path)) <= 100
    try:
        server.start()
        assert count(server.params(), "SELECT 5 n") == 5
    finally:
        server.delete()


def test_port_is_kept_across_restarts_after_connections(manager):
    """Closed client connections leave the server's side of them in TIME_WAIT after it stops; the
    next start must still get the same port (a saved connection points at it)."""
    params = manager.start()
    for n in range(3):
        assert count(params, f"SELECT {n} n") == n  # each close leaves a TIME_WAIT on the port
    manager.stop()
    again = SandboxManager(manager.base).start()  # a new Eddy: the port comes from sandbox.json
    try:
        assert again.port == params.port
    finally:
        SandboxManager(manager.base).stop()
