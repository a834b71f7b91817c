"""Each fast path core/db takes through PyMySQL internals, beside the plain PyMySQL way to do the
same work, as a ratio: after a driver upgrade this says whether each internal still pays.

  pipelined INSERTs   Connection.send_query/read_result (query() in two halves) vs execute() each
  raw line stream     rawstream.stream_line_batches (row packets sliced) vs SSCursor rows
  wire rows           wire_rows.read_wire_rows + decode_rows of one window vs SSCursor, all rows
  sampled rows        Connection.sample (decodes every Nth row only) vs SSCursor, all rows

Equality of each path with the plain one is tested in tests/db/test_driver_doors.py and
tests/db/test_wire_rows.py. `python -m bench.run driver_doors`.
"""

import pymysql

from bench.harness import BENCH_DB, median_seconds, ms, print_table, ratio
from core.db import Connection
from core.db.rawstream import stream_line_batches
from core.db.wire_rows import decode_rows, read_wire_rows, result_converters

REPEAT = 3
INSERT_STATEMENTS = 300  # of 50 rows each
ROWS = 200_000  # read by the streaming paths (or all of orders when it is smaller)
WINDOW = 500  # rows decoded of a spooled result, as the editor's first window
EVERY = 1000  # the grid samples one row in EVERY for its anchors


def _plain(params) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=params.host,
        port=params.port,
        user=params.user,
        password=(params.password or "").encode("utf-8"),
        charset="utf8mb4",
        database=BENCH_DB,
    )


def _insert_statements() -> list[bytes]:
    return [
        (
            "INSERT INTO doors_t (id, v) VALUES "
            + ",".join(f"({i * 50 + j}, 'row {i * 50 + j} some text')" for j in range(50))
        ).encode()
        for i in range(INSERT_STATEMENTS)
    ]


def run(server, params) -> None:
    conn = Connection(params)
    conn.use(BENCH_DB)
    plain = _plain(params)
    statements = _insert_statements()
    select_all = f"SELECT * FROM orders LIMIT {ROWS}"
    one_column = f"SELECT CONCAT_WS(',', id, customer, email, amount) FROM orders LIMIT {ROWS}"

    def reset():
        conn.execute("DROP TABLE IF EXISTS doors_t")
        conn.execute("CREATE TABLE doors_t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB")

    def inserts_plain():
        reset()
        with plain.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
        plain.commit()

    def inserts_pipelined():
        reset()
        conn.execute("START TRANSACTION")  # one transaction, as the plain connection (not autocommitted)
        in_flight = []
        for sql in statements:
            in_flight.append(conn.send_query(sql))
            if len(in_flight) >= 4:  # csv_import keeps a few statements in flight
                conn.read_result(in_flight.pop(0))
        for ticket in in_flight:
            conn.read_result(ticket)
        conn.commit()

    def sscursor_rows(sql):
        with plain.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(sql)
            return sum(1 for _ in cur)

    def raw_lines():
        return sum(len(batch) for batch in stream_line_batches(conn, one_column))

    def wire_rows():
        cursor = conn.open_cursor(unbuffered=True)
        cursor.execute(select_all)
        converters, pieces = result_converters(cursor), []
        for piece in read_wire_rows(cursor):
            if piece is not None:
                pieces.append(piece[0])
        cursor.close()
        return len(decode_rows(b"".join(pieces), converters, 0, WINDOW))

    def sampled():
        return conn.sample(select_all, None, EVERY)

    lines = [
        ("pipelined INSERTs", inserts_plain, inserts_pipelined),
        ("raw line stream", lambda: sscursor_rows(one_column), raw_lines),
        ("wire rows (spool + first window)", lambda: sscursor_rows(select_all), wire_rows),
        (f"sampled rows (1 in {EVERY})", lambda: sscursor_rows(select_all), sampled),
    ]
    rows = []
    try:
        for name, plain_way, fast_way in lines:
            plain_s = median_seconds(plain_way, REPEAT)
            fast_s = median_seconds(fast_way, REPEAT)
            rows.append([name, ms(plain_s), ms(fast_s), ratio(fast_s, plain_s)])
    finally:
        conn.execute("DROP TABLE IF EXISTS doors_t")
        plain.close()
        conn.close()
    print_table(
        "PyMySQL-internal fast paths beside the plain PyMySQL path (ratio < 1: the internal pays)",
        ["path", "plain PyMySQL", "Eddy's fast path", "ratio"],
        rows,
    )
