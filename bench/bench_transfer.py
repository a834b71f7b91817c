"""Export to CSV and import from CSV through Eddy beside the mariadb CLI, with peak RSS of each.

Export: Eddy (server-formatted lines read as raw bytes) vs `mariadb --batch --quick` (and the
server's own SELECT … INTO OUTFILE when allowed). Import: Eddy's batched-INSERT path and its
LOAD DATA path vs the CLI's LOAD DATA LOCAL INFILE, all from the same Eddy-written CSV into an
empty copy of `orders`. Eddy runs in a subprocess (bench.transfer_worker) so RSS is its own.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import BENCH_DB, ROOT, bench_rows, cli_command, dsn_of, print_table, ratio
from core.db import Connection

REPEAT = int(os.environ.get("BENCH_TRANSFER_REPEAT", "3"))
COPY = "orders_copy"
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


SERVER_PID: int | None = None
LAST_CPU: dict = {}


def server_cpu() -> float:
    """CPU seconds the private mariadbd has used so far (0 when unknown)."""
    try:
        with open(f"/proc/{SERVER_PID}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, TypeError, IndexError, ValueError):
        return 0.0


def _wait_rss(proc: subprocess.Popen) -> tuple[int, float]:
    """(exit code, peak RSS MB) of exactly this child; its CPU seconds go to LAST_CPU."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    LAST_CPU["client"] = usage.ru_utime + usage.ru_stime
    return proc.returncode, usage.ru_maxrss / 1024


def cli_run(params, sql: str, out_path: str | None = None, extra: list[str] | None = None) -> tuple[float, float]:
    cmd = cli_command(params, sql)
    if extra:
        cmd[2:2] = extra  # after --no-defaults, which must come first
    rss_file = tempfile.NamedTemporaryFile(prefix="eddy-rss-", delete=False)
    rss_file.close()
    # GNU time forks (not vforks) the CLI, so the peak RSS it reports is the CLI's alone; a child
    # spawned straight from Python would carry this process's RSS into its count.
    if GNU_TIME:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd]
    started, cpu0 = time.perf_counter(), server_cpu()
    with open(out_path or os.devnull, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out)
        code, rss = _wait_rss(proc)
    if GNU_TIME:
        rss = int(Path(rss_file.name).read_text().split()[-1]) / 1024
    os.unlink(rss_file.name)
    if code:
        raise RuntimeError(f"mariadb CLI failed ({code}) on: {sql[:80]}")
    return time.perf_counter() - started, rss, LAST_CPU["client"], server_cpu() - cpu0


WORKER_DSN: str | None = None  # how the worker connects (user and password included)


def eddy_run(*args: str) -> tuple[float, float, float, float]:
    cmd = [sys.executable, "-m", "bench.transfer_worker", *args]
    cpu0 = server_cpu()
    env = {**os.environ, "EDDY_BENCH_DSN": WORKER_DSN} if WORKER_DSN else None
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    code, _rss = _wait_rss(proc)
    if code:
        raise RuntimeError(f"transfer worker failed ({code}): {args}")
    data = json.loads(out.decode().strip().splitlines()[-1])
    return data["seconds"], data["rss_mb"], LAST_CPU["client"], server_cpu() - cpu0


def medians(samples: list[tuple]) -> tuple:
    return tuple(statistics.median(s[i] for s in samples) for i in range(4))


def cpu(m: tuple) -> str:
    return f"{m[2]:.1f} s + {m[3]:.1f} s"


def line(label: str, m: tuple, base: tuple) -> list:
    """A table row: time, ratio to the CLI, peak RSS, CPU seconds (this process + the server)."""
    return [label, f"{m[0]:.2f} s", ratio(m[0], base[0]), f"{m[1]:.0f} MB", cpu(m)]


def fresh_copy(conn: Connection) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.{COPY}")
    conn.execute(f"CREATE TABLE {BENCH_DB}.{COPY} LIKE {BENCH_DB}.orders")


def same_rows(conn: Connection) -> str:
    a = conn.query(f"CHECKSUM TABLE {BENCH_DB}.orders, {BENCH_DB}.{COPY}")
    return "identical" if a[0]["Checksum"] == a[1]["Checksum"] else "DIFFERENT"


def run(server, params) -> None:
    global SERVER_PID, WORKER_DSN
    SERVER_PID = server.process.pid if getattr(server, "process", None) else None
    WORKER_DSN = dsn_of(params)
    rows = bench_rows()
    work = Path(tempfile.mkdtemp(prefix="eddy-bench-transfer-"))
    conn = Connection(params)
    try:
        csv_path = str(work / "orders.csv")
        select = f"SELECT * FROM {BENCH_DB}.orders"

        # -- export ------------------------------------------------------------------------
        cli = medians([cli_run(params, select, str(work / "cli.tsv")) for _ in range(REPEAT)])
        eddy = [eddy_run("export", str(params.port), "csv", csv_path) for _ in range(REPEAT)]
        eddy_m = medians(eddy)
        eddy_t, eddy_rss = eddy_m[:2]
        outfile = None
        try:
            conn.execute("SELECT 1")
            samples = []
            for i in range(REPEAT):
                target = str(work / f"outfile{i}.csv")
                started = time.perf_counter()
                conn.execute(
                    f"{select} INTO OUTFILE %s FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' "
                    "LINES TERMINATED BY '\\r\\n'",
                    target,
                )
                samples.append(time.perf_counter() - started)
            outfile = statistics.median(samples)
        except Exception as exc:  # secure_file_priv or a remote server: not available here
            print(f"(SELECT … INTO OUTFILE skipped: {exc})")
        size_mb = os.path.getsize(csv_path) / 1024**2
        export_rows = [
            line("mariadb --batch --quick > file (the CLI)", cli, cli),
            line("Eddy export → CSV (RFC 4180, NULL ≠ '' ≠ 'NULL')", eddy_m, cli),
        ]
        if outfile is not None:
            export_rows.append(
                ["SELECT … INTO OUTFILE (server side)", f"{outfile:.2f} s", ratio(outfile, cli[0]), "–", "–"]
            )
        print_table(
            f"Export {rows:,} rows of {BENCH_DB}.orders to CSV ({size_mb:.0f} MB), median of {REPEAT}",
            ["what", "time", "vs CLI", "peak RSS", "CPU client + server"],
            export_rows,
        )

        # -- import ------------------------------------------------------------------------
        load_sql = (
            f"LOAD DATA LOCAL INFILE '{csv_path}' INTO TABLE {BENCH_DB}.{COPY} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\r\\n' "
            "IGNORE 1 LINES (id, customer, email, amount, status, created_at, @note) SET note = NULLIF(@note, '')"
        )
        cli_samples, checks = [], {}
        for _ in range(REPEAT):
            fresh_copy(conn)
            cli_samples.append(cli_run(params, load_sql, extra=["--local-infile=1"]))
        checks["cli"] = same_rows(conn)
        cli_load = medians(cli_samples)
        results = {}
        for method in ("insert", "load_data"):
            samples = []
            for _ in range(REPEAT):
                fresh_copy(conn)
                samples.append(eddy_run("import", str(params.port), method, csv_path, COPY))
            checks[method] = same_rows(conn)
            results[method] = medians(samples)
        print_table(
            f"Import the {size_mb:.0f} MB CSV ({rows:,} rows) into an empty copy of orders, median of {REPEAT}",
            ["what", "time", "vs CLI LOAD DATA", "peak RSS", "CPU client + server", "rows vs source"],
            [
                line("mariadb --local-infile=1: LOAD DATA LOCAL INFILE", cli_load, cli_load) + [checks["cli"]],
                line("Eddy import, batched INSERT path (one transaction)", results["insert"], cli_load)
                + [checks["insert"]],
                line("Eddy import, LOAD DATA path (maximum speed)", results["load_data"], cli_load)
                + [checks["load_data"]],
            ],
        )
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.{COPY}")
        conn.close()
        shutil.rmtree(work, ignore_errors=True)
