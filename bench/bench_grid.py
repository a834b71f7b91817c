"""The table grid on the 1M-row `orders` table: page 1, a jump to the middle, the end; ordered by the
primary key, the indexed created_at and the unindexed amount. Eddy's keyset windows (server time
reported by the API, and the HTTP round trip) beside the same SQL in the `mariadb` CLI, and beside
the OFFSET query an OFFSET-paging tool (Adminer) would send.
"""

import time
from statistics import median

from bench.harness import BENCH_DB, eddy_in_process, ms, print_table, run_cli
from core.db import Connection

WINDOW = 100
REPEAT = 5
OFFSET_REPEAT = 3  # a deep OFFSET on an unindexed order takes many seconds
THINK_SECONDS = 3.0
ORDERS = [
    ("id (PK)", None, "id"),
    ("created_at (indexed)", [{"column": "created_at"}], "created_at, id"),
    ("amount (unindexed)", [{"column": "amount"}], "amount, id"),
]


def run(server, params) -> None:
    conn = Connection(params)
    total = conn.get(f"SELECT COUNT(*) AS n FROM `{BENCH_DB}`.orders").n
    cli_floor = median([run_cli(params, "SELECT 1") for _ in range(REPEAT)])
    rows_out = []
    with eddy_in_process() as eddy:
        eddy.login(params)
        path = f"/api/db/{BENCH_DB}/table/orders/rows"
        eddy.get(f"/db/{BENCH_DB}/table/orders")  # warm: templates, pooled connection, metadata
        for label, sort, order_sql in ORDERS:
            positions = {
                "page 1": [0] * REPEAT,
                "middle": [total // 2 + i * 1237 for i in range(REPEAT)],
                "end": [total - WINDOW - i for i in range(REPEAT)],
            }
            # Cold: the first deep jump of a view builds its anchors in the request (and the exact count),
            # except in an unindexed order: one keys-first OFFSET query, the anchors in the background.
            started = time.perf_counter()
            first = eddy.post_json(path, {"start": total // 2 - 3331, "count": WINDOW, "sort": sort, "refresh": True})
            first_http = time.perf_counter() - started
            rows_out.append(
                [label, "first deep jump, cold", first["plan"], f"{first['elapsed_ms']:.1f} ms",
                 ms(first_http), "–", "–", "–"]
            )  # fmt: skip
            for where, starts in positions.items():
                server_ms, http_s, sqls = [], [], []
                for start in starts:
                    started = time.perf_counter()
                    answer = eddy.post_json(path, {"start": start, "count": WINDOW, "sort": sort})
                    http_s.append(time.perf_counter() - started)
                    server_ms.append(answer["elapsed_ms"])
                    sqls.append(answer["sql"])
                keyset_cli = median([run_cli(params, sql) for sql in sqls])
                offset_sql = (
                    f"SELECT * FROM `{BENCH_DB}`.`orders` ORDER BY {order_sql} LIMIT {WINDOW} OFFSET {starts[0]}"
                )
                offset_cli = median([run_cli(params, offset_sql) for _ in range(OFFSET_REPEAT)])
                offset_py = median([_timed(lambda sql=offset_sql: conn.select(sql)) for _ in range(OFFSET_REPEAT)])
                rows_out.append(
                    [label, f"{where} (row {starts[0]:,})", answer["plan"], f"{median(server_ms):.1f} ms",
                     ms(median(http_s)), ms(keyset_cli), ms(offset_cli), ms(offset_py)]
                )  # fmt: skip
            # As used: page 1 is shown, and an index-served view builds its anchors in the background
            # while the user looks at it; the first jump then costs what any jump costs.
            eddy.post_json(path, {"start": 0, "count": WINDOW, "sort": sort, "refresh": True})
            time.sleep(THINK_SECONDS)
            started = time.perf_counter()
            later = eddy.post_json(path, {"start": total // 2 - 7777, "count": WINDOW, "sort": sort})
            later_http = time.perf_counter() - started
            rows_out.append(
                [label, f"first deep jump {THINK_SECONDS:.0f} s after page 1", later["plan"],
                 f"{later['elapsed_ms']:.1f} ms", ms(later_http), "–", "–", "–"]
            )  # fmt: skip
    conn.close()
    print_table(
        f"Grid windows of {WINDOW} rows in {BENCH_DB}.orders ({total:,} rows), median of {REPEAT} "
        f"(OFFSET: of {OFFSET_REPEAT}); "
        f"CLI times include process start (`SELECT 1` alone: {ms(cli_floor)})",
        [
            "order",
            "where",
            "Eddy plan",
            "Eddy server",
            "Eddy HTTP",
            "same SQL, mariadb CLI",
            "OFFSET, mariadb CLI",
            "OFFSET, PyMySQL",
        ],
        rows_out,
    )


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
