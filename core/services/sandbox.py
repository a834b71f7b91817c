"""A private MariaDB/MySQL server process in a folder of its own.

The test suite's fixture and the app's "local sandbox" use this one implementation: initialise a
data folder, start `mariadbd --no-defaults` on a free loopback port, wait until it answers, stop it.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from core.db import ConnectionParams

INSTALL_HINTS = {
    "linux": "Install MariaDB: 'sudo apt-get install mariadb-server' (Debian/Ubuntu) "
    "or 'sudo dnf install mariadb-server' (Fedora).",
    "darwin": "Install MariaDB: 'brew install mariadb'.",
    "win32": "Install MariaDB from the MariaDB Foundation's Windows MSI package, then restart Eddy.",
}


class SandboxError(Exception):
    """The sandbox server could not be found, initialised or started."""


class ServerBinaryMissing(SandboxError):
    pass


def install_hint() -> str:
    return INSTALL_HINTS.get(sys.platform, INSTALL_HINTS["linux"])


def _which(*names: str) -> str | None:
    extra = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin", "/opt/homebrew/bin"]
    path = os.pathsep.join([os.environ.get("PATH", ""), *extra])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def find_server_binaries() -> tuple[str, str]:
    """(mariadbd, mariadb-install-db) paths, or ServerBinaryMissing with an install hint."""
    server = os.environ.get("EDDY_MARIADBD") or _which("mariadbd", "mysqld")
    install = _which("mariadb-install-db", "mysql_install_db")
    if not server or not install:
        raise ServerBinaryMissing(f"No MariaDB server binary found on PATH. {install_hint()}")
    return server, install


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_flag() -> list[str]:
    # mariadbd refuses to run as root unless told to; as anyone else it runs as that user.
    return ["--user=root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@dataclass
class MariaDBServer:
    """One private server: `base` holds data/, the socket and the log."""

    base: Path
    port: int | None = None
    process: subprocess.Popen | None = None
    extra_args: list[str] = field(default_factory=list)  # e.g. --ssl-ca/--ssl-cert/--ssl-key

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket_path(self) -> Path:
        return self.base / "mysqld.sock"

    @property
    def log_path(self) -> Path:
        return self.base / "server.log"

    def params(self, user: str = "root", password: str = "", database: str | None = None) -> ConnectionParams:
        return ConnectionParams(host="127.0.0.1", port=self.port, user=user, password=password, database=database)

    def initialize(self) -> None:
        """Create the system tables once; an existing data folder is kept."""
        if (self.datadir / "mysql").is_dir():
            return
        _, install = find_server_binaries()
        self.base.mkdir(parents=True, exist_ok=True)
        cmd = [
            install,
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *_user_flag(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SandboxError(f"mariadb-install-db failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self, timeout: float = 30.0, attempts: int = 3) -> None:
        """Start on the configured port, or on free ports (another one if the first is taken)."""
        server, _ = find_server_binaries()
        self.initialize()
        wanted = self.port
        last_error = ""
        for _ in range(attempts):
            self.port = wanted or free_port()
            cmd = [
                server,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket_path}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--log-error={self.log_path}",
                f"--pid-file={self.base / 'mysqld.pid'}",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=64M",
                "--local-infile=1",
                # Its own temp folder: on-disk temp tables in a shared /tmp can collide or be swept.
                f"--tmpdir={self.base}",
                *_user_flag(),
                *self.extra_args,
            ]
            self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._wait_ready(timeout):
                return
            last_error = self._log_tail()
            self.stop()
            if wanted:
                break
        raise SandboxError(f"MariaDB did not start: {last_error}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                pymysql.connect(unix_socket=str(self.socket_path), user="root", connect_timeout=1).close()
                return True
            except pymysql.err.OperationalError as exc:
                if exc.args and exc.args[0] == 1045:  # a password is set: the server is up
                    return True
                time.sleep(0.05)
        return False

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-3:])
        except OSError:
            return "(no log)"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def delete(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
