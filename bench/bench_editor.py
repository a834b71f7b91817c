"""SQL editor: a 1M-row SELECT * streamed through the query API beside `mariadb --batch --quick`,
the server's peak memory during it, and SELECT 1 round trips beside raw PyMySQL.

Eddy runs as its own process (launcher.py --no-window) so its peak RSS (VmHWM) is measured alone.
"""

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from bench.harness import BENCH_DB, EddyHttp, cli_command, ms, print_table, ratio, start_launcher
from core.db import Connection

QUERY = f"SELECT * FROM `{BENCH_DB}`.`orders`"
REPEAT_BIG = 3
REPEAT_SMALL = 50


def ms3(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (stable under load, unlike wall time)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class EditorApi(EddyHttp):
    def get_json(self, path: str) -> dict:
        return json.loads(self.get(path))

    def run(self, sql: str, on_first_row=None) -> dict:
        job = self.post_json("/api/query", {"sql": sql, "tab": "bench", "wait": 0.3})
        first_seen = False
        while True:
            if not first_seen and job["results"] and job["results"][0]["row_count"] > 0:
                rows = (
                    job["results"][0].get("rows")
                    or self.get_json(f"/api/query/{job['id']}/rows?result=0&from=0&count=100")["rows"]
                )
                if rows and on_first_row:
                    on_first_row()
                first_seen = bool(rows)
            if job["state"] != "running":
                return job
            job = self.get_json(f"/api/query/{job['id']}?after={job['version']}")


def cli_first_and_total(params) -> tuple[float, float, float]:
    """(first row, all rows, CPU seconds of the CLI) for QUERY through `mariadb --batch --quick`."""
    started = time.perf_counter()
    proc = subprocess.Popen(cli_command(params, QUERY), stdout=subprocess.PIPE)
    proc.stdout.readline()  # header
    proc.stdout.readline()  # first row
    first = time.perf_counter() - started
    while proc.stdout.read(1 << 20):
        pass
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return first, time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def run(server, params) -> None:
    cli = [cli_first_and_total(params) for _ in range(REPEAT_BIG)]
    cli_first = statistics.median(c[0] for c in cli)
    cli_total = statistics.median(c[1] for c in cli)
    cli_cpu = statistics.median(c[2] for c in cli)
    conn = Connection(params)
    samples = []
    for _ in range(REPEAT_SMALL):
        t = time.perf_counter()
        conn.query("SELECT 1")
        samples.append(time.perf_counter() - t)
    pymysql_one = statistics.median(samples)
    conn.close()

    data_dir = tempfile.mkdtemp(prefix="eddy-bench-editor-")
    proc, url = start_launcher(data_dir)
    try:
        parts = urllib.parse.urlsplit(url)
        token = urllib.parse.parse_qs(parts.query)["token"][0]
        api = EditorApi(f"{parts.scheme}://{parts.netloc}", token)
        api.login(params)
        api.run("SELECT 1")  # warm: tab connection open
        rss_before = _status_kb(proc.pid, "VmRSS")
        firsts, totals, rows = [], [], 0
        cpu_before = _cpu_seconds(proc.pid)
        for _ in range(REPEAT_BIG):
            started = time.perf_counter()
            first = []
            job = api.run(QUERY, on_first_row=lambda f=first, s=started: f.append(time.perf_counter() - s))
            totals.append(time.perf_counter() - started)
            firsts.append(first[0] if first else float("nan"))
            rows = job["results"][0]["row_count"]
        cpu = (_cpu_seconds(proc.pid) - cpu_before) / REPEAT_BIG
        peak = _status_kb(proc.pid, "VmHWM")
        samples = []
        for _ in range(REPEAT_SMALL):
            t = time.perf_counter()
            api.run("SELECT 1")
            samples.append(time.perf_counter() - t)
        api_one = statistics.median(samples)
        samples = []
        for _ in range(REPEAT_SMALL):
            t = time.perf_counter()
            api.get_json("/api/editor/options")
            samples.append(time.perf_counter() - t)
        http_floor = statistics.median(samples)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    first, total = statistics.median(firsts), statistics.median(totals)
    print_table(
        f"SQL editor: {QUERY} ({rows:,} rows), median of {REPEAT_BIG}; SELECT 1 median of {REPEAT_SMALL}",
        ["what", "time", "vs reference"],
        [
            ["Eddy API: time to first row (POST /api/query → rows window)", ms(first), ratio(first, cli_first)],
            ["mariadb --batch --quick: time to first row", ms(cli_first), "1.00×"],
            ["Eddy API: all rows fetched and spooled (job done)", ms(total), ratio(total, cli_total)],
            ["mariadb --batch --quick: all rows to /dev/null", ms(cli_total), "1.00×"],
            ["Eddy server CPU (user+sys) per full fetch", ms(cpu), ratio(cpu, cli_cpu)],
            ["mariadb --batch --quick: CPU (user+sys)", ms(cli_cpu), "1.00×"],
            [
                "Eddy server peak RSS (VmHWM) / RSS before the query",
                f"{peak / 1024:.0f} MB / {rss_before / 1024:.0f} MB",
                "target < 150 MB",
            ],  # fmt: skip
            ["Eddy API: SELECT 1 round trip (one POST, rows inline)", ms3(api_one), ratio(api_one, pymysql_one)],
            ["raw PyMySQL: SELECT 1", ms3(pymysql_one), "1.00×"],
            [
                "HTTP floor: GET /api/editor/options (urllib, new TCP connection)",
                ms3(http_floor),
                ratio(http_floor, pymysql_one),
            ],  # fmt: skip
        ],
    )
