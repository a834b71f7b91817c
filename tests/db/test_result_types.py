"""Result column types named as the server names them, from the protocol's column definition."""

import pytest
from pymysql.constants import FIELD_TYPE as T

from core.db.connection import describe_columns
from core.db.result_types import BLOB, ENUM, UNSIGNED, sql_type_name

UTF8MB4 = 45  # utf8mb4_general_ci: 4 bytes a character
UTF8MB3 = 33
LATIN1 = 8
BINARY = 63


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ((T.VAR_STRING, 256, 0, 0, UTF8MB4), "VARCHAR(64)"),  # length is bytes: 64 × 4
        ((T.VAR_STRING, 192, 0, 0, UTF8MB3), "VARCHAR(64)"),
        ((T.VAR_STRING, 64, 0, 0, LATIN1), "VARCHAR(64)"),
        ((T.VAR_STRING, 16, 0, 0, BINARY), "VARBINARY(16)"),
        ((T.STRING, 40, 0, 0, UTF8MB4), "CHAR(10)"),
        ((T.STRING, 16, 0, 0, BINARY), "BINARY(16)"),
        ((T.STRING, 20, 0, ENUM, UTF8MB4), "ENUM"),
        ((T.LONGLONG, 20, 0, 0, BINARY), "BIGINT"),
        ((T.LONGLONG, 20, 0, UNSIGNED, BINARY), "BIGINT UNSIGNED"),
        ((T.LONG, 11, 0, 0, BINARY), "INT"),
        ((T.TINY, 4, 0, 0, BINARY), "TINYINT"),
        ((T.NEWDECIMAL, 14, 2, 0, BINARY), "DECIMAL(12,2)"),  # sign and point counted
        ((T.NEWDECIMAL, 12, 2, UNSIGNED, BINARY), "DECIMAL(11,2) UNSIGNED"),
        ((T.NEWDECIMAL, 11, 0, 0, BINARY), "DECIMAL(10,0)"),
        ((T.BLOB, 4294967295, 0, BLOB, UTF8MB4), "LONGTEXT"),
        ((T.BLOB, 262140, 0, BLOB, UTF8MB4), "TEXT"),
        ((T.BLOB, 67108860, 0, BLOB, UTF8MB4), "MEDIUMTEXT"),
        ((T.BLOB, 1020, 0, BLOB, UTF8MB4), "TINYTEXT"),
        ((T.BLOB, 65535, 0, BLOB, BINARY), "BLOB"),
        ((T.BLOB, 4294967295, 0, BLOB, BINARY), "LONGBLOB"),
        ((T.JSON, 4294967295, 0, BLOB, BINARY), "JSON"),
        ((T.DATETIME, 26, 6, 0, BINARY), "DATETIME(6)"),
        ((T.DATETIME, 19, 0, 0, BINARY), "DATETIME"),
        ((T.TIMESTAMP, 19, 0, 0, BINARY), "TIMESTAMP"),
        ((T.TIME, 10, 31, 0, BINARY), "TIME"),  # no fixed scale: not a precision
        ((T.DATE, 10, 0, 0, BINARY), "DATE"),
        ((T.DOUBLE, 22, 31, 0, BINARY), "DOUBLE"),
        ((T.BIT, 8, 0, UNSIGNED, BINARY), "BIT(8)"),
        ((T.YEAR, 4, 0, UNSIGNED, BINARY), "YEAR"),
    ],
)
def test_protocol_fields_name_sql_types(fields, name):
    assert sql_type_name(*fields) == name


def test_a_table_s_columns_read_back_with_their_declared_types_and_origin(mariadb, sample_db):
    conn = mariadb.connect(database=sample_db)
    try:
        conn.execute(
            "CREATE TABLE rt (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(64), price DECIMAL(12,2),"
            " body LONGTEXT, bin VARBINARY(16), at DATETIME(3), n INT)"
        )
        cursor = conn.open_cursor(unbuffered=True)
        cursor.execute("SELECT r.id, r.name AS label, price, body, bin, at, n, n + 1 AS expr FROM rt AS r")
        columns = describe_columns(cursor)
        cursor.fetchall()
        cursor.close()
        assert [c.sql_type for c in columns] == [
            "BIGINT UNSIGNED", "VARCHAR(64)", "DECIMAL(12,2)", "LONGTEXT", "VARBINARY(16)", "DATETIME(3)", "INT",
            "BIGINT",
        ]  # fmt: skip
        assert [c.numeric for c in columns] == [True, False, True, False, False, False, True, True]
        label = columns[1]
        assert (label.name, label.org_name, label.org_table, label.db) == ("label", "name", "rt", sample_db)
        assert columns[0].primary_key and not columns[1].primary_key
        assert columns[7].org_table == ""  # an expression comes from no table
    finally:
        conn.execute("DROP TABLE IF EXISTS rt")
        conn.close()
