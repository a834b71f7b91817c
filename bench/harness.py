"""Shared benchmark plumbing: a private server, generated data, the mariadb CLI, Eddy over HTTP.

Benchmarks print tables of medians and ratios against the `mariadb` command-line client run on
the same data in the same run; they never assert timings.
"""

import datetime
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from core.db import Connection, ConnectionParams, DatabaseError
from core.services.sandbox.server import MariaDBServer

BENCH_DB = "eddy_bench"
ROOT = Path(__file__).resolve().parent.parent


def params_from_dsn(dsn: str) -> ConnectionParams:
    """mysql://user:password@host:port/ (user and password URL-quoted) as ConnectionParams."""
    parts = urllib.parse.urlsplit(dsn)
    if parts.scheme not in ("mysql", "mariadb"):
        raise ValueError(f"EDDY_BENCH_DSN must look like mysql://user:pw@host:port/, not {dsn!r}")
    return ConnectionParams(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=urllib.parse.unquote(parts.username or "root"),
        password=urllib.parse.unquote(parts.password or ""),
    )


def dsn_of(params: ConnectionParams) -> str:
    """The DSN a worker process connects with (password included: it travels in the environment)."""
    user = urllib.parse.quote(params.user or "", safe="")
    password = urllib.parse.quote(params.password or "", safe="")
    return f"mysql://{user}:{password}@{params.host}:{params.port}/"


class _Pid:
    def __init__(self, pid: int):
        self.pid = pid


class ExistingServer:
    """A server the user runs (EDDY_BENCH_DSN): used as it is, never started or stopped.

    `process.pid` is the server's pid when it runs on this machine and its pid file is readable
    (so its CPU time can be reported), else `process` is None."""

    def __init__(self, dsn: str):
        self._params = params_from_dsn(dsn)
        self.process = None
        if self._params.host in ("127.0.0.1", "localhost", "::1"):
            try:
                conn = Connection(self._params)
                row = conn.get("SELECT @@pid_file AS f, @@datadir AS d")
                conn.close()
                pid_file = Path(row.d) / row.f  # an absolute pid_file wins over the datadir
                self.process = _Pid(int(pid_file.read_text().split()[0]))
                os.kill(self.process.pid, 0)  # it exists and is ours to look at
            except (OSError, ValueError, IndexError, AttributeError, DatabaseError):
                self.process = None

    def params(self) -> ConnectionParams:
        return self._params


@contextmanager
def private_server():
    # EDDY_BENCH_TMP=/dev/shm puts the datadir on tmpfs: CREATE TABLE then costs no fsync, so the
    # tree bench makes 200,000 tables in minutes rather than hours (~50 tables/s on this disk).
    base = Path(tempfile.mkdtemp(prefix="eddy-bench-", dir=os.environ.get("EDDY_BENCH_TMP") or None))
    server = MariaDBServer(base, die_with_parent=True)  # an interrupted bench leaves no server
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def bench_server():
    """The server to measure on: EDDY_BENCH_DSN's (e.g. to compare Eddy with another tool on the
    same server and data; the eddy_bench database is created there), else a private MariaDB
    started in a temp folder and removed afterwards."""
    dsn = os.environ.get("EDDY_BENCH_DSN")
    if dsn:
        yield ExistingServer(dsn)
    else:
        with private_server() as server:
            yield server


def generate_orders(params: ConnectionParams, rows: int, table: str = "orders") -> None:
    """The baseline `orders` table, generated server-side from a sequence (fast, repeatable)."""
    conn = Connection(params)
    conn.execute(f"CREATE DATABASE IF NOT EXISTS {BENCH_DB} CHARACTER SET utf8mb4")
    conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.{table}")
    conn.execute(
        f"""CREATE TABLE {BENCH_DB}.{table} (
            id INT PRIMARY KEY,
            customer VARCHAR(100) NOT NULL,
            email VARCHAR(120) NOT NULL,
            amount DECIMAL(12,2) NOT NULL,
            status ENUM('new','paid','shipped','cancelled') NOT NULL,
            created_at DATETIME NOT NULL,
            note TEXT NULL,
            KEY idx_created (created_at)
        ) ENGINE=InnoDB"""
    )
    conn.execute(
        f"""INSERT INTO {BENCH_DB}.{table}
        SELECT seq,
               CONCAT(ELT(1 + seq % 5, 'Ada', '张伟', 'O''Brien', 'Zoë', 'Bob'), ' #', seq),
               CONCAT('user', seq, '@example.com'),
               ROUND((seq * 7919 % 100000) / 100, 2),
               ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
               TIMESTAMP('2020-01-01') + INTERVAL (seq * 37) MINUTE,
               CASE seq % 6
                 WHEN 0 THEN NULL
                 WHEN 1 THEN 'plain note'
                 WHEN 2 THEN 'comma, \"quote\" and ''single'''
                 WHEN 3 THEN CONCAT('line1', CHAR(13), CHAR(10), 'line2')
                 WHEN 4 THEN '表情 🐍 emoji'
                 ELSE 'NULL'
               END
        FROM {BENCH_DB}.seq_1_to_{int(rows)}"""
    )
    conn.execute(f"ANALYZE TABLE {BENCH_DB}.{table}")
    conn.close()


def cli_command(params: ConnectionParams, sql: str, database: str = BENCH_DB) -> list[str]:
    return [
        "mariadb",
        "--no-defaults",
        f"--host={params.host}",
        f"--port={params.port}",
        f"--user={params.user}",
        f"--password={params.password}",
        "--default-character-set=utf8mb4",
        "--batch",
        "--quick",
        database,
        "-e",
        sql,
    ]


def run_cli(params: ConnectionParams, sql: str, database: str = BENCH_DB) -> float:
    """Seconds for the mariadb CLI to run sql and write all its output (to /dev/null)."""
    started = time.perf_counter()
    subprocess.run(cli_command(params, sql, database), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def median_seconds(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


class EddyHttp:
    """Eddy as its window uses it: launch cookie, login form, pages (blocking urllib)."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get(f"/auth?token={token}")

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base_url + path, timeout=120) as response:
            return response.read()

    def post_json(self, path: str, payload: dict, timeout: float = 600) -> dict:
        """POST a JSON body with the xsrf token, as the app's own pages do; the parsed answer."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "X-XSRFToken": self.xsrf()},
        )
        with self.opener.open(request, timeout=timeout) as response:
            return json.loads(response.read())

    def xsrf(self) -> str:
        """The request token from a page's meta tag (Eddy never puts it in a cookie)."""
        if not getattr(self, "_token", None):
            page = self.get("/login").decode()
            self._token = re.search(r'<meta name="xsrf-token" content="([^"]*)"', page).group(1)
        return self._token

    def login(self, params: ConnectionParams) -> None:
        body = urllib.parse.urlencode(
            {
                "host": params.host,
                "port": params.port,
                "user": params.user,
                "password": params.password,
                "database": "",
                "_xsrf": self.xsrf(),
            }
        ).encode()
        with self.opener.open(self.base_url + "/login", data=body, timeout=30) as response:
            response.read()


@contextmanager
def eddy_in_process(data_dir: Path | None = None):
    """An EddyApplication served from a thread, as the launcher does."""
    from core.app import EddyApplication
    from core.config import new_launch_token
    from core.server import ServerThread

    own_dir = data_dir is None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="eddy-bench-data-"))
    token = new_launch_token()
    server = ServerThread(EddyApplication(launch_token=token, data_dir=data_dir))
    base = server.start()
    try:
        yield EddyHttp(base, token)
    finally:
        server.stop()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def start_launcher(data_dir: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`launcher.py --no-window` as its own process; returns it and the launch URL it printed."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "launcher.py"), "--no-window"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**(env if env is not None else os.environ), "EDDY_DATA_DIR": data_dir},
    )
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise RuntimeError("launcher exited before printing its URL")
        if line.startswith("EDDY_URL="):
            return proc, line.strip().split("=", 1)[1]


def machine_line() -> str:
    """When and where figures were taken: date, cores, load average (1/5/15 min)."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"{now}, {os.cpu_count()} cores, load average {load}"


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\n## {title}")
    print(f"_{machine_line()}_")  # the load beside every table: a busy machine skews the times
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def bench_rows() -> int:
    return int(os.environ.get("BENCH_ROWS", "1000000"))
