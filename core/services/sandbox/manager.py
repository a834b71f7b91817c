"""The app's local sandbox: one private server in the per-user data folder, kept between runs.

Wraps core.services.sandbox.server.MariaDBServer (the same code the test suite's server fixture uses)
with what the app needs: a remembered port, a root password kept in the OS keyring (or a new one
each run where there is none), a status the UI can show (including a server that died on its
own), and reset/delete. Thread-safe: handlers call it from worker threads.
"""

import json
import logging
import secrets
import shutil
import threading
from pathlib import Path

import keyring
import keyring.errors

from core.appdata import write_atomic
from core.db import Connection, ConnectionParams
from core.services.connections import secrets as keyring_store
from core.services.sandbox import sample_data
from core.services.sandbox.server import (
    MariaDBServer,
    SandboxError,
    ServerBinaryMissing,
    find_server_binaries,
    install_hint,
)

log = logging.getLogger("eddy.sandbox")

KEYRING_SERVICE = "Eddy"
KEYRING_USER = "sandbox-root"

STATE_LABELS = {
    "absent": "No sandbox yet",
    "stopped": "Stopped",
    "running": "Running",
    "crashed": "Stopped unexpectedly",
    "unavailable": "No server binary",
}


# -- the root password in the OS keyring ---------------------------------------------------------
def keyring_usable() -> bool:
    """The same test as saved connection passwords: no fail/null/plain-text backend."""
    return keyring_store.available()


def load_sandbox_password() -> str | None:
    if not keyring_usable():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except keyring.errors.KeyringError as exc:
        log.warning("Reading the sandbox password from the keyring failed: %s", type(exc).__name__)
        return None


def save_sandbox_password(password: str) -> bool:
    """True when the password is now in the keyring (kept for the next run)."""
    if not keyring_usable():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, password)
        return True
    except keyring.errors.KeyringError as exc:
        log.warning("Saving the sandbox password in the keyring failed: %s", type(exc).__name__)
        return False


def forget_sandbox_password() -> None:
    if not keyring_usable():
        return
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    except keyring.errors.KeyringError:
        pass  # nothing saved


class SandboxManager:
    """The per-user sandbox at `base` (config.user_data_dir()/sandbox)."""

    def __init__(self, base: Path, server_path: str | None = None):
        self.base = Path(base)
        self.server_path = server_path
        self._server: MariaDBServer | None = None
        self._lock = threading.RLock()
        self.password_in_keyring = False

    # -- state kept between runs --------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        return self.base / "sandbox.json"

    def _read_state(self) -> dict:
        try:
            return json.loads(self._state_path.read_text())
        except (OSError, ValueError):
            return {}

    def _write_state(self, **changes) -> None:
        state = {**self._read_state(), **changes}
        self.base.mkdir(parents=True, exist_ok=True)
        write_atomic(self._state_path, json.dumps(state).encode())

    def _make_server(self) -> MariaDBServer:
        if self._server is None:
            port = self._read_state().get("port")
            self._server = MariaDBServer(self.base, port=port, server_path=self.server_path)
        return self._server

    # -- what the UI shows ----------------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            server = self._make_server()
            if server.state != "stopped":
                state = server.state
            elif server.initialized:
                state = "stopped"
            else:
                state = "absent"
            info = {"state": state, "label": STATE_LABELS[state], "port": server.port, "folder": str(self.base)}
            if state in ("absent", "stopped"):
                try:
                    info["binary"] = find_server_binaries(self.server_path)[0]
                except ServerBinaryMissing as exc:
                    if state == "absent":
                        info.update(state="unavailable", label=STATE_LABELS["unavailable"])
                    info["hint"] = str(exc)
            elif state == "crashed":
                info["hint"] = f"The sandbox server exited on its own: {server.log_tail()}"
            info["sample_loaded"] = bool(self._read_state().get("sample_loaded"))
            return info

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    # -- verbs ------------------------------------------------------------------------------------
    def start(self) -> ConnectionParams:
        """Start (initialising on first use) and return root's connection parameters.

        A running sandbox is reused; a crashed one is restarted. Raises ServerBinaryMissing (its
        message says how to install a server) or SandboxError."""
        with self._lock:
            server = self._make_server()
            if server.running:
                return server.params()
            if server.state == "crashed":
                log.warning("The sandbox server had stopped unexpectedly; restarting it")
                server.stop()
            password = load_sandbox_password()
            if not password:
                password = secrets.token_urlsafe(24)
                self.password_in_keyring = save_sandbox_password(password)
            else:
                self.password_in_keyring = True
            server.root_password = password
            server.start()
            self._write_state(port=server.port)
            log.info("Sandbox server running on 127.0.0.1:%s (data in %s)", server.port, server.datadir)
            return server.params()

    def params(self) -> ConnectionParams | None:
        with self._lock:
            return self._server.params() if self.running else None

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()

    def delete(self) -> None:
        """Stop and remove every file of the sandbox (its databases too)."""
        with self._lock:
            server = self._make_server()
            server.stop()
            server.stop_leftover()
            shutil.rmtree(self.base, ignore_errors=True)
            forget_sandbox_password()
            self._server = None

    def reset(self) -> ConnectionParams:
        """Delete and start a fresh, empty sandbox."""
        with self._lock:
            self.delete()
            return self.start()

    def use_server_binary(self, path: str | None) -> str | None:
        """Use this server binary (None: find one on PATH); raises ServerBinaryMissing when it is not
        one. Returns the path to remember. Takes effect at the next start."""
        with self._lock:
            if path:
                path = find_server_binaries(path.strip())[0]
            self.server_path = path or None
            if self._server is not None and not self._server.running:
                self._server = None
            return self.server_path

    def load_sample_data(self) -> tuple[ConnectionParams, dict[str, int]]:
        """Start if needed and (re)create the sample shop database; (root params, rows per table)."""
        params = self.start()
        conn = Connection(params)
        try:
            counts = sample_data.create_sample_database(conn)
        finally:
            conn.close()
        self._write_state(sample_loaded=True)
        return params, counts


__all__ = ["SandboxManager", "SandboxError", "ServerBinaryMissing", "install_hint", "keyring_usable"]
