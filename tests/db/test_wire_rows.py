"""wire_rows: row packets kept as they came off the wire decode to exactly PyMySQL's rows."""

import pymysql
import pymysql.cursors
import pytest

from core.db import Connection
from core.db.wire_rows import IDLE, decode_rows, read_wire_rows, result_converters, skip_rows

pytestmark = pytest.mark.mariadb_only  # rows come from MariaDB's seq_1_to_N sequence tables

AWKWARD = """
SELECT seq, NULL, '', 'NULL', REPEAT('é', seq * 40), REPEAT('x', 70000 * (seq = 3)), x'00ff10',
       CAST(seq AS DECIMAL(10,3)) / 7, CAST('2024-01-02 03:04:05.678' AS DATETIME(3)), 1.5e300,
       CAST(18446744073709551615 AS UNSIGNED), '表情 🐍', JSON_OBJECT('k', seq)
FROM mysql.seq_1_to_5
"""


def wire_and_pymysql(conn: Connection, sql: str):
    """(rows decoded from the wire bytes, rows from SSCursor.fetchall, pieces) for one query."""
    cursor = conn.open_cursor(unbuffered=True)
    cursor.execute(sql)
    theirs = list(cursor.fetchall())
    cursor.close()
    cursor = conn.open_cursor(unbuffered=True)
    cursor.execute(sql)
    converters = result_converters(cursor)
    pieces = [p for p in read_wire_rows(cursor) if p is not IDLE]
    assert not cursor.fetchall()  # the result is finished for PyMySQL too
    cursor.close()
    data = b"".join(p[0] for p in pieces)
    assert sum(p[1] for p in pieces) == len(theirs)
    return decode_rows(data, converters), list(theirs), pieces


def test_awkward_columns_decode_like_pymysql_and_windows_start_anywhere(mariadb):
    conn = Connection(mariadb.user)
    try:
        ours, theirs, pieces = wire_and_pymysql(conn, AWKWARD)
        assert ours == theirs and len(ours) == 5
        data = b"".join(p[0] for p in pieces)
        converters = None
        cursor = conn.open_cursor(unbuffered=True)
        cursor.execute(AWKWARD)
        converters = result_converters(cursor)
        cursor.fetchall()
        cursor.close()
        for start in range(5):
            assert decode_rows(data, converters, skip_rows(data, 0, start), 2) == theirs[start : start + 2]
        assert conn.query("SELECT 1 AS one")[0].one == 1  # the connection is ready for the next one
    finally:
        conn.close()


def test_rows_over_16_mb_are_joined_from_their_packets(mariadb):
    admin = Connection(mariadb.admin)
    old = admin.get("SELECT @@GLOBAL.max_allowed_packet AS v").v
    admin.execute("SET GLOBAL max_allowed_packet = 67108864")
    conn = Connection(mariadb.user)
    try:
        sql = "SELECT seq, REPEAT('y', 17000000 * (seq = 2)), 'after' FROM mysql.seq_1_to_3"
        ours, theirs, pieces = wire_and_pymysql(conn, sql)
        assert ours == theirs and len(ours[1][1]) == 17_000_000 and ours[2][2] == "after"
        assert any(not at_start for _, _, at_start in pieces)  # the big row came in several pieces
        assert conn.sample(sql, None, 1) == (theirs, 3)  # sampling walks the big row's packets too
        assert conn.sample(sql, None, 2) == (theirs[::2], 3)
    finally:
        conn.close()
        admin.execute(f"SET GLOBAL max_allowed_packet = {int(old)}")


def test_an_error_mid_result_raises_after_the_rows_before_it(mariadb):
    conn = Connection(mariadb.user)
    try:
        cursor = conn.open_cursor(unbuffered=True)
        cursor.execute("SELECT seq, IF(seq = 3000, (SELECT 1 UNION SELECT 2), seq) FROM mysql.seq_1_to_5000")
        rows = 0
        with pytest.raises(pymysql.err.OperationalError) as caught:
            for piece in read_wire_rows(cursor):
                if piece is not IDLE:
                    rows += piece[1]
        assert caught.value.args[0] == 1242 and 0 < rows < 3000
        cursor.close()
        assert conn.query("SELECT 2 AS two")[0].two == 2
    finally:
        conn.close()


def test_sample_keeps_every_nth_row_decoded_and_counts_them_all(mariadb):
    conn = Connection(mariadb.user)
    try:
        sql = (
            "SELECT IF(seq % 3 = 0, NULL, CONCAT('é', seq)), seq * 1.5, seq FROM mysql.seq_1_to_10000 ORDER BY seq DESC"
        )
        every_row = conn.select(sql).rows
        samples, total = conn.sample(sql, None, 700)
        assert total == 10_000 and samples == [tuple(r) for r in every_row[::700]]
        assert conn.sample("SELECT 1 FROM mysql.seq_1_to_5 WHERE seq > %s", [9], 10) == ([], 0)
        assert conn.query("SELECT 3 AS three")[0].three == 3
    finally:
        conn.close()
