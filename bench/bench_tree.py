"""The schema tree and the command palette on a database with many tables (BENCH_TABLES, default
20,000) beside the mariadb CLI's SHOW TABLES LIKE (the tree's rows with the names held, as after the first
read, and two without: the first read's listing); also a table's foreign-key read, scoped vs the
former unscoped query. `python -m bench.run tree`."""

import os
import time

from bench.harness import eddy_in_process, median_seconds, ms, print_table, ratio, run_cli
from core.db import Connection
from core.services.grid.table_meta import load_table_meta
from core.services.schema.name_cache import NAMES
from tests.many_tables import make_many_tables

MANY = "eddy_bench_tables"
REPEAT = 7


# What a table page ran before: one KEY_COLUMN_USAGE read with an OR over referenced names.
UNSCOPED_FK = """
    SELECT CONSTRAINT_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
    WHERE REFERENCED_TABLE_NAME IS NOT NULL
      AND ((TABLE_SCHEMA = %s AND TABLE_NAME = %s) OR (REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s))
"""


def make_tables(params, count: int) -> float:
    conn = Connection(params)
    started = time.perf_counter()
    make_many_tables(conn, MANY, count)
    conn.close()
    return time.perf_counter() - started


def run(server, params) -> None:
    count = int(os.environ.get("BENCH_TABLES", "20000"))
    made = make_tables(params, count)
    print(f"{count:,} MyISAM tables in {MANY} (made in {made:.1f} s)")
    middle = f"t{count // 2:06d}"
    prefix = middle[:-1]  # ten matches
    cli_like = median_seconds(lambda: run_cli(params, f"SHOW TABLES LIKE '{prefix}%'", MANY), REPEAT)
    cli_all = median_seconds(lambda: run_cli(params, "SHOW TABLES", MANY), REPEAT)
    conn = Connection(params)
    # The former unscoped read opens every table on the server: past 50,000 tables one run takes
    # minutes (still running after 80 s on 200,000), so it is measured on smaller counts only.
    unscoped = (
        median_seconds(lambda: conn.query(UNSCOPED_FK, MANY, middle, MANY, middle), 3) if count <= 50_000 else None
    )
    scoped = median_seconds(lambda: load_table_meta(conn, MANY, middle), REPEAT)
    with eddy_in_process() as eddy:
        eddy.login(params)
        cases = [
            ("tree: open the database node (groups + count)", f"/api/tree?db={MANY}"),
            ("tree: first page of 500 table names", f"/api/tree?db={MANY}&group=tables&offset=0&limit=500"),
            (
                "tree: a page in the middle (scrolled)",
                f"/api/tree?db={MANY}&group=tables&offset={count // 2}&limit=100",
            ),
            ("tree: locate a table (reveal/scroll to it)", f"/api/tree?db={MANY}&locate={middle}"),
            ("tree search / palette: prefix, all databases", f"/api/tree/search?q={prefix}"),
            ("palette: fuzzy name (t…N in order)", f"/api/tree/search?q=t{count // 2 % 10000:04d}"),
            ("table page (HTML, grid meta inlined)", f"/db/{MANY}/table/{middle}"),
            ("database page (first 1,000 names past 1,000 tables)", f"/db/{MANY}"),
            ("autocomplete: table names up front", f"/api/editor/schema?database={MANY}"),
        ]
        rows = []
        # Names not yet held (the first read of a database, or a minute after the last): one listing.
        cold = [
            ("tree: first page, names not held yet (one listing)", cases[1][1]),
            ("palette: prefix search, names not held yet", cases[4][1]),
        ]
        for label, path in cold:
            seconds = median_seconds(lambda path=path: (NAMES.clear(), eddy.get(path)), 3)
            rows.append([label, ms(seconds), ratio(seconds, cli_like)])
        NAMES.clear()
        for label, path in cases:
            eddy.get(path)  # warm
            seconds = median_seconds(lambda path=path: eddy.get(path), REPEAT)
            rows.append([label, ms(seconds), ratio(seconds, cli_like)])
        columns = median_seconds(lambda: eddy.post_json("/api/editor/columns", {"tables": [[MANY, middle]]}), REPEAT)
        rows.append(["autocomplete: columns of one named table", ms(columns), ratio(columns, cli_like)])
        rows.append(["names cache: listings made in all (held pages read none)", str(NAMES.listings), ""])
    rows += [
        [f"mariadb CLI: SHOW TABLES LIKE '{prefix}%' (process incl.)", ms(cli_like), "1.00×"],
        ["mariadb CLI: SHOW TABLES (all names)", ms(cli_all), ratio(cli_all, cli_like)],
        ["table meta, scoped foreign-key reads (load_table_meta)", ms(scoped), ratio(scoped, cli_like)],
    ]
    if unscoped is not None:
        rows.append(["former unscoped KEY_COLUMN_USAGE read alone", ms(unscoped), ratio(unscoped, cli_like)])
    print_table(
        f"Schema tree and palette on {count:,} tables (median of {REPEAT})",
        ["what", "time", "vs CLI SHOW TABLES LIKE"],
        rows,
    )
