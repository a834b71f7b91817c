"""The editor's result windows, decoded from the spooled wire bytes, equal PyMySQL's decoding
(through the editor's connection, shaped for JSON) for every column type."""

import json

import pytest

from core.services.query import jobs as qj
from core.services.query.spool import encode_rows
from tests.editor.test_query_jobs import jobs, run, session, store  # noqa: F401  (fixtures)

COLUMNS = """
    id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, ii INT,
    bi BIGINT, bu BIGINT UNSIGNED, de DECIMAL(30,10), fl FLOAT, db DOUBLE, d DATE, dt DATETIME(6),
    ts TIMESTAMP(3) NULL, tm TIME(4), yr YEAR, b1 BIT(1), b12 BIT(12), js JSON, bl BLOB,
    vb VARBINARY(20), bn BINARY(4), tx TEXT, vc VARCHAR(50), en ENUM('a','b'), st SET('x','y','z'),
    ch CHAR(3), pt POINT NULL
"""
VALUES = [
    "(1, -128, 255, -32768, -8388608, -2147483648, -9223372036854775808, 18446744073709551615,"
    " '-12345678901234567890.0123456789', 1.5, -2.25e-300, '2024-02-29', '2024-02-29 23:59:59.123456',"
    " '2038-01-19 03:14:07.999', '-838:59:59.9999', 2155, b'1', b'101010101010', '{\"k\": [1, \"é\"]}',"
    " x'00ff00', x'', x'01020304', 'émoji 🐍 表情', '', 'a', 'x,z', 'NUL', POINT(1, 2))",
    "(2, 0, 0, 0, 0, 0, 9007199254740993, 0, 0, 0, 0, '0000-00-00', '0000-00-00 00:00:00', NULL,"
    " '00:00:00', 0, b'0', b'0', 'null', '', NULL, NULL, 'NULL', 'NULL', 'b', '', '', NULL)",
    "(3" + ", NULL" * 27 + ")",
]


@pytest.fixture
def typed_table(mariadb, sample_db):
    from core.db import Connection

    conn = Connection(mariadb.admin)
    conn.execute("SET SESSION sql_mode = ''")
    conn.execute(f"CREATE OR REPLACE TABLE `{sample_db}`.typed ({COLUMNS})")
    conn.execute(f"INSERT INTO `{sample_db}`.typed VALUES {', '.join(VALUES)}")
    yield f"`{sample_db}`.typed"
    conn.execute(f"DROP TABLE IF EXISTS `{sample_db}`.typed")
    conn.close()


def reference_rows(mariadb, sample_db, sql):
    """What the old path stored: PyMySQL's rows on the editor's connection, JSON-encoded."""
    from dataclasses import replace

    conn = qj.EditorConnection(replace(mariadb.user, database=sample_db))
    try:
        cursor = conn.open_cursor(unbuffered=True)
        cursor.execute(sql)
        bigints = [i for i, d in enumerate(cursor.description) if d[1] == 8]
        rows = cursor.fetchall()
        cursor.close()
    finally:
        conn.close()
    return json.loads(encode_rows(rows, bigints))


def test_every_column_type_decodes_like_pymysql(jobs, session, typed_table, mariadb, sample_db):  # noqa: F811
    sql = f"SELECT * FROM {typed_table} ORDER BY id"
    expected = reference_rows(mariadb, sample_db, sql)
    result = run(jobs, session, sql).results[0]
    assert result.spool.read(0, 10) == expected
    assert [result.spool.read(i, 1)[0] for i in range(3)] == expected
    assert result.spool.read_row(2) == expected[2] and result.spool.read_row(3) is None
    row = expected[0]
    assert row[7] == "18446744073709551615" and row[6] == "-9223372036854775808"
    assert expected[1][6] == "9007199254740993"  # past 2**53: a string, not a rounded number
    assert row[22] == "émoji 🐍 表情" and row[20] == {"binary": "", "size": 0}
    assert [expected[2][i] for i in range(1, 28)] == [None] * 27
    assert expected[1][22] == "NULL" and expected[0][23] == "" and expected[2][22] is None  # NULL, '', 'NULL' apart
    assert result.spool.read_cell(0, 19) == b"\x00\xff\x00"  # one cell, as the driver decodes it


def test_windows_anywhere_in_a_large_result_match(jobs, session, mariadb, sample_db):  # noqa: F811
    sql = (
        "SELECT seq, IF(seq % 7 = 0, NULL, CONCAT('r', seq, REPEAT('ü', seq % 50))), seq * 1.5, "
        "IF(seq % 5 = 0, '', 'NULL'), UNHEX(HEX(seq)) FROM mysql.seq_1_to_30000"
    )
    expected = reference_rows(mariadb, sample_db, sql)
    spool = run(jobs, session, sql).results[0].spool
    assert spool.count == 30_000
    for start in (0, 1, 63, 64, 65, 4999, 12_345, 29_950):
        assert spool.read(start, 100) == expected[start : start + 100]
    assert [row for block in spool.iter_blocks(7000) for row in block] == expected
