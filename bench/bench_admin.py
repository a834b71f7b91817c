"""Structure/admin reads on a wide schema (BENCH_SCHEMA_TABLES tables, FKs between them):
the ER diagram data + layout, one table's structure tab, the variables list, the process list,
each beside the mariadb CLI reading the same catalogue."""

import os

from bench.harness import eddy_in_process, median_seconds, ms, print_table, ratio, run_cli
from core.db import Connection

SCHEMA = "eddy_bench_schema"
REPEAT = 10


def make_schema(params, tables: int) -> None:
    conn = Connection(params)
    conn.execute(f"DROP DATABASE IF EXISTS {SCHEMA}")
    conn.execute(f"CREATE DATABASE {SCHEMA} CHARACTER SET utf8mb4")
    for i in range(tables):
        fk = f", parent_id INT NULL, KEY (parent_id), FOREIGN KEY (parent_id) REFERENCES t{i // 3}(id)" if i else ""
        conn.execute(
            f"""CREATE TABLE {SCHEMA}.t{i} (
                id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL DEFAULT '',
                note TEXT NULL, amount DECIMAL(10,2) NOT NULL DEFAULT 0, created DATETIME NULL,
                flag TINYINT(1) NOT NULL DEFAULT 0{fk}) ENGINE=InnoDB"""
        )
    conn.close()


def run(server, params) -> None:
    tables = int(os.environ.get("BENCH_SCHEMA_TABLES", "300"))
    make_schema(params, tables)
    middle = f"t{tables // 2}"
    columns_sql = (
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, COLUMN_KEY FROM information_schema.COLUMNS"
        f" WHERE TABLE_SCHEMA = '{SCHEMA}'"
    )
    rows = []
    with eddy_in_process() as eddy:
        eddy.login(params)
        cases = [
            (f"ER diagram of {tables} tables: GET /api/db/…/diagram", f"/api/db/{SCHEMA}/diagram", columns_sql),
            (
                "Structure tab of one table: GET /api/…/structure",
                f"/api/db/{SCHEMA}/table/{middle}/structure",
                f"SHOW CREATE TABLE {SCHEMA}.{middle}",
            ),
            ("Variables with defaults: GET /api/server/variables", "/api/server/variables", "SHOW GLOBAL VARIABLES"),
            ("Process list: GET /api/server/processes", "/api/server/processes", "SHOW FULL PROCESSLIST"),
        ]
        for label, path, cli_sql in cases:
            eddy.get(path)  # warm: pooled connection
            eddy_time = median_seconds(lambda p=path: eddy.get(p), REPEAT)
            cli_time = median_seconds(lambda s=cli_sql: run_cli(params, s, SCHEMA), REPEAT)
            rows.append([label, ms(eddy_time), ms(cli_time), ratio(eddy_time, cli_time)])
    conn = Connection(params)
    conn.execute(f"DROP DATABASE {SCHEMA}")
    conn.close()
    print_table(
        f"Structure/admin reads (median of {REPEAT}; CLI = the nearest mariadb CLI statement, process incl.)",
        ["what", "Eddy", "mariadb CLI", "Eddy vs CLI"],
        rows,
    )
