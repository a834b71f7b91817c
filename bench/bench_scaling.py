"""Scaling: export, import (batched INSERT path and LOAD DATA path) and the SQL editor's full fetch at several table
sizes (BENCH_SCALING_ROWS, default 100000,1000000,4000000), time and peak RSS beside the mariadb
CLI on the same data: time should grow linearly with the rows, memory should stay flat.

Each size is generated in its own table (eddy_bench.orders_scaling), dropped at the end.
"""

import os
import shutil
import tempfile
from pathlib import Path

from bench import bench_transfer
from bench.harness import BENCH_DB, dsn_of, generate_orders, print_table, ratio
from core.db import Connection

TABLE = "orders_scaling"
COPY = "orders_scaling_copy"


def sizes() -> list[int]:
    text = os.environ.get("BENCH_SCALING_ROWS", "100000,1000000,4000000")
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _row(size: int, what: str, tool: str, m: tuple, base: tuple) -> list:
    seconds, rss = m[0], m[1]
    return [f"{size:,}", what, tool, f"{seconds:.2f} s", f"{size / seconds / 1000:.0f}k", f"{rss:.0f} MB",
            ratio(seconds, base[0])]  # fmt: skip


def run(server, params) -> None:
    bench_transfer.SERVER_PID = server.process.pid if getattr(server, "process", None) else None
    bench_transfer.WORKER_DSN = dsn_of(params)
    cli_run, eddy_run = bench_transfer.cli_run, bench_transfer.eddy_run
    port = str(params.port)
    work = Path(tempfile.mkdtemp(prefix="eddy-bench-scaling-"))
    conn = Connection(params)
    rows = []
    try:
        for size in sizes():
            generate_orders(params, size, TABLE)
            select = f"SELECT * FROM {BENCH_DB}.{TABLE}"
            csv_path = str(work / "scaling.csv")
            cli_export = cli_run(params, select, str(work / "cli.tsv"))
            os.unlink(work / "cli.tsv")
            rows.append(_row(size, "export", "mariadb --batch --quick > file", cli_export, cli_export))
            rows.append(
                _row(size, "export", "Eddy → CSV", eddy_run("export", port, "csv", csv_path, TABLE), cli_export)
            )
            cli_fetch = cli_run(params, select)
            rows.append(_row(size, "editor fetch", "mariadb --batch --quick > /dev/null", cli_fetch, cli_fetch))
            rows.append(_row(size, "editor fetch", "Eddy SQL editor, all rows spooled", eddy_run("fetch", port, TABLE),
                             cli_fetch))  # fmt: skip
            load_sql = (
                f"LOAD DATA LOCAL INFILE '{csv_path}' INTO TABLE {BENCH_DB}.{COPY} CHARACTER SET utf8mb4 "
                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' LINES TERMINATED BY '\\r\\n' "
                "IGNORE 1 LINES (id, customer, email, amount, status, created_at, @note) SET note = NULLIF(@note, '')"
            )
            conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.{COPY}")
            conn.execute(f"CREATE TABLE {BENCH_DB}.{COPY} LIKE {BENCH_DB}.{TABLE}")
            cli_load = cli_run(params, load_sql, extra=["--local-infile=1"])
            rows.append(_row(size, "import", "mariadb LOAD DATA LOCAL INFILE", cli_load, cli_load))
            conn.execute(f"TRUNCATE TABLE {BENCH_DB}.{COPY}")
            eddy_import = eddy_run("import", port, "insert", csv_path, COPY)
            rows.append(_row(size, "import", "Eddy, batched INSERT path", eddy_import, cli_load))
            conn.execute(f"TRUNCATE TABLE {BENCH_DB}.{COPY}")
            eddy_load = eddy_run("import", port, "load_data", csv_path, COPY)
            rows.append(_row(size, "import", "Eddy, LOAD DATA path", eddy_load, cli_load))
            os.unlink(csv_path)
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.{TABLE}, {BENCH_DB}.{COPY}")
        conn.close()
        shutil.rmtree(work, ignore_errors=True)
    print_table(
        "Scaling: one run per size; peak RSS of the whole process (Python itself is ~25 MB)",
        ["rows", "operation", "tool", "time", "rows/s", "peak RSS", "vs CLI"],
        rows,
    )
