"""Latency of the table page (the grid page, then its first 200 rows) beside the same query elsewhere."""

from bench.harness import BENCH_DB, eddy_in_process, median_seconds, ms, print_table, ratio, run_cli
from core.db import Connection

QUERY = f"SELECT * FROM `{BENCH_DB}`.`orders` LIMIT 200"
REPEAT = 20


def run(server, params) -> None:
    conn = Connection(params)
    pymysql_time = median_seconds(lambda: conn.select(QUERY), REPEAT)
    cli_time = median_seconds(lambda: run_cli(params, QUERY), REPEAT)

    def open_table(eddy):
        # What the user waits for: the grid page, then its first window of rows from the grid API.
        eddy.get(f"/db/{BENCH_DB}/table/orders")
        eddy.post_json(f"/api/db/{BENCH_DB}/table/orders/rows", {"start": 0, "count": 200})

    with eddy_in_process() as eddy:
        eddy.login(params)
        open_table(eddy)  # warm: templates compiled, connection pooled
        page_time = median_seconds(lambda: open_table(eddy), REPEAT)
    print_table(
        f"Table page: first 200 rows of {BENCH_DB}.orders (median of {REPEAT})",
        ["what", "time", "vs mariadb CLI"],
        [
            ["Eddy: grid page + first 200 rows (GET page, POST rows)", ms(page_time), ratio(page_time, cli_time)],
            ["mariadb CLI --batch --quick (process incl.)", ms(cli_time), "1.00×"],
            ["PyMySQL select() alone, same query", ms(pymysql_time), ratio(pymysql_time, cli_time)],
        ],
    )
