"""fast_rows.fetch_rows returns exactly what PyMySQL's SSCursor.fetchmany returns, faster."""

import pymysql.cursors
import pytest

from core.db import Connection
from core.db.fast_rows import fetch_rows

pytestmark = pytest.mark.mariadb_only  # rows come from MariaDB's seq_1_to_N sequence tables

AWKWARD = """
SELECT seq, NULL, '', 'NULL', REPEAT('é', seq * 40), REPEAT('x', 70000 * (seq = 3)), x'00ff10',
       CAST(seq AS DECIMAL(10,3)) / 7, CAST('2024-01-02 03:04:05.678' AS DATETIME(3)), 1.5e300,
       CAST(18446744073709551615 AS UNSIGNED), '表情 🐍', JSON_OBJECT('k', seq)
FROM mysql.seq_1_to_5
"""


def both(conn: Connection, sql: str):
    out = []
    for fetch in (lambda c: c.fetchmany(2), lambda c: fetch_rows(c, 2)):
        cursor = conn.open_cursor(unbuffered=True)
        assert isinstance(cursor, pymysql.cursors.SSCursor)
        cursor.execute(sql)
        rows, warnings = [], None
        while True:
            batch = fetch(cursor)
            if not batch:
                warnings = cursor.warning_count
                break
            rows.extend(batch)
        cursor.close()
        out.append((rows, warnings))
    return out


def test_same_values_as_pymysql_for_awkward_columns(mariadb):
    conn = Connection(mariadb.user)
    try:
        theirs, ours = both(conn, AWKWARD)
        assert ours == theirs
        assert len(ours[0]) == 5 and len(ours[0][2][5]) == 70000
        # Warnings counted at the end of the result, and the connection is ready for the next one.
        theirs, ours = both(conn, "SELECT CAST('1x' AS INTEGER) FROM mysql.seq_1_to_3")
        assert ours == theirs and ours[1] == 3
        assert conn.query("SELECT 1 AS one")[0].one == 1
    finally:
        conn.close()


def test_rows_over_16_mb_span_several_packets(mariadb):
    admin = Connection(mariadb.admin)
    old = admin.get("SELECT @@GLOBAL.max_allowed_packet AS v").v
    admin.execute("SET GLOBAL max_allowed_packet = 67108864")
    conn = Connection(mariadb.user)  # a new session sees the new limit
    try:
        theirs, ours = both(conn, "SELECT seq, REPEAT('y', 17000000 * (seq = 2)), 'after' FROM mysql.seq_1_to_3")
        assert ours == theirs
        assert len(ours[0][1][1]) == 17_000_000 and ours[0][2][2] == "after"
    finally:
        conn.close()
        admin.execute(f"SET GLOBAL max_allowed_packet = {int(old)}")
        admin.close()


def test_a_server_error_mid_result_is_raised_like_pymysql(mariadb):
    conn = Connection(mariadb.user)
    try:
        cursor = conn.open_cursor(unbuffered=True)
        # Fails on the 3rd row (subquery returns more than one row), after two rows were sent.
        cursor.execute("SELECT seq, (SELECT seq FROM mysql.seq_1_to_2 WHERE seq <= s.seq - 1) FROM mysql.seq_1_to_5 s")
        with pytest.raises(pymysql.err.OperationalError) as caught:
            while fetch_rows(cursor, 1):
                pass
        assert caught.value.args[0] == 1242
        cursor.close()
        assert conn.query("SELECT 2 AS two")[0].two == 2  # the connection is in sync afterwards
    finally:
        conn.close()
