"""Schema compare of two databases of BENCH_COMPARE_TABLES tables each (default 2,000; one in ten
differs), beside `mariadb-dump --no-data` of both (what a diff of two dumps would start from)."""

import os
import subprocess
import time

from bench.harness import eddy_in_process, median_seconds, ms, print_table, ratio
from core.db import Connection
from core.services.compare.diff import Side, compare

SOURCE, TARGET = "eddy_bench_cmp_a", "eddy_bench_cmp_b"
REPEAT = 5


def make_databases(params, tables: int) -> None:
    conn = Connection(params)
    for db in (SOURCE, TARGET):
        conn.execute(f"DROP DATABASE IF EXISTS {db}")
        conn.execute(f"CREATE DATABASE {db} CHARACTER SET utf8mb4")
        conn.use(db)
        for i in range(tables):
            extra = ", extra INT NULL" if db == TARGET and i % 10 == 0 else ""
            fk = f", parent_id INT NULL, KEY (parent_id), FOREIGN KEY (parent_id) REFERENCES t{i // 3}(id)" if i else ""
            conn.execute(
                f"""CREATE TABLE t{i} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL DEFAULT '',
                    note TEXT NULL, amount DECIMAL(10,2) NOT NULL DEFAULT 0, created DATETIME NULL{extra}{fk})"""
            )
    conn.close()


def dump_both(params) -> None:
    for db in (SOURCE, TARGET):
        subprocess.run(
            [
                "mariadb-dump",
                "--no-defaults",
                f"--host={params.host}",
                f"--port={params.port}",
                f"--user={params.user}",
                f"--password={params.password}",
                "--no-data",
                "--routines",
                "--triggers",
                "--events",
                db,
            ],
            stdout=subprocess.DEVNULL,
            check=True,
        )


def run(server, params) -> None:
    tables = int(os.environ.get("BENCH_COMPARE_TABLES", "2000"))
    started = time.perf_counter()
    make_databases(params, tables)
    print(f"Made two databases of {tables:,} tables in {time.perf_counter() - started:.1f} s")
    conn = Connection(params)
    other = Connection(params)
    found = len(compare(Side(conn, SOURCE), Side(other, TARGET)).differences)
    service = median_seconds(lambda: compare(Side(conn, SOURCE), Side(other, TARGET)), REPEAT)
    body = {"source": {"database": SOURCE}, "target": {"database": TARGET}}
    with eddy_in_process() as eddy:
        eddy.login(params)
        eddy.post_json("/api/compare", body)
        http = median_seconds(lambda: eddy.post_json("/api/compare", body), REPEAT)
    dump = median_seconds(lambda: dump_both(params), REPEAT)
    for db in (SOURCE, TARGET):
        conn.execute(f"DROP DATABASE {db}")
    conn.close()
    other.close()
    print_table(
        f"Schema compare, {tables:,} tables a side, {found} differ (median of {REPEAT}; load {os.getloadavg()[0]:.1f})",
        ["what", "time", "vs mariadb-dump"],
        [
            ["Eddy compare (service, two connections)", ms(service), ratio(service, dump)],
            ["Eddy POST /api/compare (one session)", ms(http), ratio(http, dump)],
            ["mariadb-dump --no-data --routines --triggers --events, both databases", ms(dump), "1.00×"],
        ],
    )
