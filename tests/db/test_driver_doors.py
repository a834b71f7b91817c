"""Connection's public doors over PyMySQL internals give what the plain driver path gives.

Each method below relies on something PyMySQL does not offer publicly (its query() split in two
halves, a cursor's field list, its text decoder); after a driver upgrade these tests say whether
the internal still behaves as the method assumes.
"""

import pymysql

from core.db import Connection
from core.db.driver import FIELD_TYPE, escape_text

DB = "eddy_test_doors"


def _plain(mariadb) -> pymysql.connections.Connection:
    p = mariadb.user
    return pymysql.connect(
        host=p.host, port=p.port, user=p.user, password=p.password.encode("utf-8"), charset="utf8mb4"
    )


def _table(conn: Connection) -> None:
    conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    conn.execute(f"CREATE DATABASE {DB}")
    conn.execute(
        f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET latin1, d DECIMAL(6,2), b BLOB)"
    )


def test_pipelined_inserts_affect_what_plain_queries_affect(mariadb):
    conn = mariadb.connect()
    _table(conn)
    statements = [f"INSERT INTO {DB}.t (id, v) VALUES ({i}, 'x'), ({i + 100}, 'y')".encode() for i in range(5)]
    tickets = [conn.send_query(data) for data in statements]  # all sent before any result is read
    piped = [conn.read_result(ticket) for ticket in tickets]
    rows_piped = conn.query(f"SELECT id, v FROM {DB}.t ORDER BY id")
    conn.execute(f"DELETE FROM {DB}.t")

    plain = _plain(mariadb)
    with plain.cursor() as cursor:
        direct = [cursor.execute(data) for data in statements]
    plain.commit()
    plain.close()
    assert piped == direct == [2] * 5
    assert conn.query(f"SELECT id, v FROM {DB}.t ORDER BY id") == rows_piped
    assert conn.get("SELECT 1 AS ok").ok == 1  # the connection is in step afterwards
    conn.execute(f"DROP DATABASE {DB}")


def test_described_columns_match_the_plain_cursor_description(mariadb):
    conn = mariadb.connect()
    _table(conn)
    sql = f"SELECT id, v, d, b FROM {DB}.t"
    fields = conn.describe_query(sql)
    native = conn.describe_query(sql, native_charsets=True)

    plain = _plain(mariadb)
    with plain.cursor() as cursor:
        cursor.execute(sql)
        description = cursor.description
        cursor.execute("SET SESSION character_set_results = NULL")
        cursor.execute(sql)
        native_charsets = [f.charsetnr for f in cursor._result.fields]
    plain.close()
    assert [(f.name, f.type_code) for f in fields] == [(d[0], d[1]) for d in description]
    assert [f.charsetnr for f in native] == native_charsets
    assert native[1].charsetnr != fields[1].charsetnr  # latin1 shows only without conversion
    assert conn.get("SELECT @@character_set_results AS c").c == "utf8mb4"  # put back after
    conn.execute(f"DROP DATABASE {DB}")


def test_script_reads_every_result_like_the_plain_nextset_loop(mariadb):
    conn = mariadb.connect(database="")
    conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    conn.execute(f"CREATE DATABASE {DB}")
    conn.execute(f"CREATE PROCEDURE {DB}.two() BEGIN SELECT 1 AS a; SELECT 2 AS b; INSERT INTO {DB}.n VALUES (1); END")
    conn.execute(f"CREATE TABLE {DB}.n (i INT)")
    conn.execute_script(f"CALL {DB}.two()".encode())
    assert conn.get("SELECT 1 AS ok").ok == 1  # no result left unread
    assert conn.execute_raw(f"INSERT INTO {DB}.n VALUES (%s), (%s)", [2, 3]) == 2
    assert conn.execute_raw(f"DELETE FROM {DB}.n WHERE i > 1".encode()) == 2
    assert [r.i for r in conn.query(f"SELECT i FROM {DB}.n")] == [1]
    conn.execute(f"DROP DATABASE {DB}")


def test_text_field_types_arrive_as_the_servers_text(mariadb):
    class TextDecimals(Connection):
        text_field_types = (FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.DATETIME)

    values = "CAST(1.50 AS DECIMAL(6,2)), CAST('2020-01-02 03:04:05.25' AS DATETIME(2))"
    conn = TextDecimals(mariadb.user)
    ours = list(conn.select(f"SELECT {values}").rows[0])
    plain = _plain(mariadb)
    with plain.cursor() as cursor:
        cursor.execute(f"SELECT CAST(CAST(1.50 AS DECIMAL(6,2)) AS CHAR), CAST({values.split(', ')[1]} AS CHAR)")
        text = list(cursor.fetchone())
        cursor.execute(f"SELECT {values}")
        decoded = list(cursor.fetchone())
    plain.close()
    assert ours == text == ["1.50", "2020-01-02 03:04:05.25"]
    assert decoded != text  # the plain driver builds Decimal/datetime objects
    conn.connect()  # a reconnect keeps the text decoders
    assert list(conn.select(f"SELECT {values}").rows[0]) == text


def test_escaped_text_round_trips_through_the_server(mariadb):
    conn = mariadb.connect()
    for text in ["it's", 'back\\slash "q"', "nul\x00byte", "张伟 🐍\n"]:
        assert conn.get(f"SELECT '{escape_text(text)}' AS v").v == text  # noqa: S608 - the escaper under test


def test_raw_line_stream_gives_the_bytes_a_plain_unbuffered_cursor_gives(mariadb):
    """rawstream slices row packets itself (no packet object, no tuple per row): the same bytes and
    NULLs, in order, across batches, as PyMySQL's SSCursor returns for a binary column."""
    from core.db.rawstream import stream_line_batches

    conn = mariadb.connect()
    _table(conn)
    conn.execute(f"INSERT INTO {DB}.t (id, v, b) VALUES (1, 'a', x'00ff'), (2, NULL, NULL), (3, 'é', '')")
    conn.executemany(f"INSERT INTO {DB}.t (id, v) VALUES (%s, %s)", [(i, f"row {i}") for i in range(10, 310)])
    sql = f"SELECT COALESCE(b, CONCAT(id, ',', v)) FROM {DB}.t ORDER BY id"
    sql_with_null = f"SELECT b FROM {DB}.t ORDER BY id"
    plain = _plain(mariadb)
    for query in (sql, sql_with_null):
        streamed = [line for batch in stream_line_batches(conn, query, batch_rows=7) for line in batch]
        with plain.cursor(pymysql.cursors.SSCursor) as cursor:
            cursor.execute(query)
            direct = [v.encode() if isinstance(v, str) else v for (v,) in cursor]
        assert streamed == direct and len(direct) == 303
    plain.close()
    assert conn.get("SELECT 1 AS ok").ok == 1
    conn.execute(f"DROP DATABASE {DB}")
