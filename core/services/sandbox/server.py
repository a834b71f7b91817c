"""A private MariaDB/MySQL server process in a folder of its own.

The test suite's fixture and the app's "local sandbox" use this one implementation: initialise a
data folder, start `mariadbd --no-defaults` on a free loopback port, wait until it answers, stop it.
"""

import functools
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.appdata import write_atomic
from core.db import ConnectionParams
from core.db.driver import send_shutdown, server_answers
from core.services.errors import ServiceError

INSTALL_HINTS = {
    "linux": "Install MariaDB: 'sudo apt-get install mariadb-server' (Debian/Ubuntu) "
    "or 'sudo dnf install mariadb-server' (Fedora).",
    "darwin": "Install MariaDB: 'brew install mariadb'.",
    "win32": "Install MariaDB from the MariaDB Foundation's Windows MSI package, then restart Eddy.",
}


class SandboxError(ServiceError):
    """The sandbox server could not be found, initialised or started: a 500 with this sentence."""

    status = 500


class ServerBinaryMissing(SandboxError):
    """No server binary to run (the message says how to install one): a 424, Failed Dependency."""

    status = 424


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


def find_server_binaries(server_path: str | None = None) -> tuple[str, str | None]:
    """(server, install tool) paths, or ServerBinaryMissing with an install hint.

    The server is `server_path` (a configured path), $EDDY_MARIADBD, or mariadbd/mysqld on PATH.
    The install tool is mariadb-install-db for MariaDB; None for MySQL (mysqld initialises itself).
    """
    server = server_path or os.environ.get("EDDY_MARIADBD") or _which("mariadbd", "mysqld")
    if server and not os.path.isfile(server) and shutil.which(server):
        server = shutil.which(server)
    if not server or not os.path.isfile(server):
        where = f"at {server}" if server else "on PATH"
        raise ServerBinaryMissing(f"No MariaDB or MySQL server binary found {where}. {install_hint()}")
    if not is_mariadb(server):
        return server, None
    folder = os.path.dirname(server)
    install = _which("mariadb-install-db", "mysql_install_db")
    for name in ("mariadb-install-db", "mysql_install_db"):
        beside = os.path.join(folder, name)
        if not install and os.path.isfile(beside):
            install = beside
    if not install:
        raise ServerBinaryMissing(f"Found {server} but not mariadb-install-db beside it. {install_hint()}")
    return server, install


@functools.cache
def is_mariadb(server: str) -> bool:
    """True for MariaDB's server, False for Oracle MySQL's (they initialise differently)."""
    if "mariadb" in os.path.basename(server).lower():
        return True
    try:
        out = subprocess.run([server, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return "mariadb" in out.lower()


def port_is_free(port: int) -> bool:
    """Can a server listen on this loopback port? SO_REUSEADDR as the server itself sets it: the
    TIME_WAIT left by the last run's closed connections must not make the port look taken (the
    sandbox then moved to a new port at every start and its saved connection lost it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        if sys.platform != "win32":  # on Windows SO_REUSEADDR would also take a port in use
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_flag() -> list[str]:
    # mariadbd refuses to run as root unless told to; as anyone else it runs as that user.
    return ["--user=root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def _pid_alive(pid: int) -> bool:
    """Linux: the process exists and is not a zombie (exited, waiting for its parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _own_process_group() -> dict:
    """Ctrl+C in Eddy's terminal must not reach the server: Eddy stops it itself, cleanly."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _death_signal_setter():
    """A preexec_fn: in the child before exec, SIGTERM when the starting thread dies
    (prctl PR_SET_PDEATHSIG). libc is loaded here, in the parent: the child must not import."""
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent:  # the parent died before prctl: no signal would come
            os.kill(os.getpid(), signal.SIGTERM)

    return set_death_signal


@dataclass
class MariaDBServer:
    """One private server: `base` holds data/, the socket and the log."""

    base: Path
    port: int | None = None
    process: subprocess.Popen | None = None
    extra_args: list[str] = field(default_factory=list)  # e.g. --ssl-ca/--ssl-cert/--ssl-key
    # Linux: the server gets SIGTERM (a clean shutdown) when the thread that started it dies, even
    # by SIGKILL. For the test suite's servers, so a killed run leaves none behind; the app's sandbox
    # starts from worker threads that may end, and is stopped by the app itself.
    die_with_parent: bool = False
    # Set: every start makes root's password this (through --init-file, so it works even when the
    # old password is lost); None: root has no password (the test suite's throwaway servers).
    root_password: str | None = None
    server_path: str | None = None  # a configured server binary; default: found on PATH

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket_path(self) -> Path:
        path = self.base / "mysqld.sock"
        if len(str(path)) <= 100:
            return path
        # Unix socket paths are limited to ~107 bytes: a deep data folder gets a short one in /tmp.
        digest = hashlib.sha256(str(self.base).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"eddy-{digest}.sock"

    @property
    def log_path(self) -> Path:
        return self.base / "server.log"

    @property
    def tmpdir(self) -> Path:
        # Private: the shared /tmp saw temp-table name clashes between concurrent install-db runs.
        return self.base / "tmp"

    @property
    def pid_path(self) -> Path:
        return self.base / "mysqld.pid"

    @property
    def initialized(self) -> bool:
        return (self.datadir / "mysql").is_dir()

    def params(self, user: str = "root", password: str | None = None, database: str | None = None) -> ConnectionParams:
        if password is None:
            password = (self.root_password or "") if user == "root" else ""
        return ConnectionParams(host="127.0.0.1", port=self.port, user=user, password=password, database=database)

    def initialize(self) -> None:
        """Create the system tables once; an existing data folder is kept."""
        if self.initialized:
            return
        server, install = find_server_binaries(self.server_path)
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        if install:
            cmd = [
                install,
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                f"--tmpdir={self.tmpdir}",
                *_user_flag(),
            ]
        else:  # MySQL: root@localhost without a password; --init-file sets one at start
            cmd = [
                server,
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                f"--tmpdir={self.tmpdir}",
                *_user_flag(),
            ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(self.datadir, ignore_errors=True)  # a half-made folder would be taken as ready
            raise SandboxError(f"{os.path.basename(cmd[0])} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self, timeout: float = 30.0, attempts: int = 3) -> None:
        """Start on the remembered port, or on a free one when that is taken (or was lost in a race)."""
        server, _ = find_server_binaries(self.server_path)
        self.initialize()
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.stop_leftover()
        last_error = ""
        for attempt in range(attempts):
            if not self.port or attempt > 0 or not port_is_free(self.port):
                self.port = free_port()
            init_file = self._write_init_file()
            cmd = [
                server,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket_path}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--log-error={self.log_path}",
                f"--pid-file={self.pid_path}",
                f"--tmpdir={self.tmpdir}",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=64M",
                "--local-infile=1",
                *([f"--init-file={init_file}"] if init_file else []),
                *_user_flag(),
                *self.extra_args,
            ]
            self.process = subprocess.Popen(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_death_signal_setter()
                if self.die_with_parent and sys.platform.startswith("linux")
                else None,
                **_own_process_group(),
            )
            try:
                ready = self._wait_ready(timeout)
            finally:
                if init_file:
                    init_file.unlink(missing_ok=True)  # it holds the password in clear
            if ready:
                return
            last_error = self.log_tail()
            self.stop()
        raise SandboxError(f"The sandbox server did not start: {last_error}")

    def _write_init_file(self) -> Path | None:
        """SQL run by the server at start: give root (socket and TCP) the current password."""
        if self.root_password is None:
            return None
        if not self.root_password.replace("-", "").replace("_", "").isalnum():
            raise ValueError("the sandbox password must be URL-safe token characters")
        pw = self.root_password
        statements = [
            f"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{pw}'",
            f"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{pw}'",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION",
            f"ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY '{pw}'",
            f"ALTER USER IF EXISTS 'root'@'::1' IDENTIFIED BY '{pw}'",
        ]
        path = self.base / "init.sql"
        write_atomic(path, (";\n".join(statements) + ";\n").encode())  # 0600: it holds the password
        return path

    def stop_leftover(self, timeout: float = 20.0) -> bool:
        """Stop a server of this folder left running by an Eddy that was killed (Linux: checked
        through /proc that the pid really is a server on our data folder). True if one was stopped."""
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return False
        if self.process is not None and self.process.pid == pid:
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
        if f"--datadir={self.datadir}" not in cmdline.split("\0"):
            return False
        os.kill(pid, 15)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.05)
        return True

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            where = (
                {"host": "127.0.0.1", "port": self.port}
                if sys.platform == "win32"
                else {"unix_socket": str(self.socket_path)}
            )
            if server_answers(where, "root", self.root_password or "", timeout=1):
                return True
            time.sleep(0.05)
        return False

    def log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-3:])
        except OSError:
            return "(no log)"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def state(self) -> str:
        """ "running", "stopped" (never started or stopped by us) or "crashed" (exited on its own)."""
        if self.process is None:
            return "stopped"
        return "running" if self.process.poll() is None else "crashed"

    def stop(self, timeout: float = 20.0) -> None:
        """Shut down cleanly (SIGTERM: InnoDB flushes), kill only after `timeout`."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        if sys.platform == "win32":
            self._shutdown_statement()  # terminate() would be TerminateProcess: no clean shutdown
        else:
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _shutdown_statement(self) -> None:
        # When it cannot be asked, the wait below ends in kill().
        send_shutdown("127.0.0.1", self.port, "root", self.root_password or "", timeout=5)

    def delete(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
