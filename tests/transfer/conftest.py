"""Fixtures for import/export: a scratch database and a table holding every MySQL type."""

import pytest

from core.db import Connection

DB = "eddy_test_transfer"

ALL_TYPES_DDL = """
CREATE TABLE `{db}`.`{table}` (
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, bi BIGINT, bu BIGINT UNSIGNED,
  de DECIMAL(30,10), fl FLOAT, dbl DOUBLE,
  d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME(2), yr YEAR,
  b BIT(10), e ENUM('a','b,c','d"e'), s SET('x','y','z'),
  j JSON, bl BLOB, vb VARBINARY(20), bn BINARY(4),
  txt TEXT, vc VARCHAR(100), ch CHAR(5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
"""

TRICKY_TEXT = [
    "plain",
    "",
    None,
    "NULL",
    "\\N",
    "comma, and \"quotes\" and 'single'",
    "line1\r\nline2\nline3\rline4",
    "tab\there",
    "back\\slash\\",
    "nul\x00byte",
    "中文 😀 emoji",
    "  spaces  ",
    "0x41",
    '"',
    "\x1a ctrl-z",
]


def all_type_rows():
    rows = []
    for i, text in enumerate(TRICKY_TEXT):
        rows.append(
            (
                i + 1,
                -128 if i % 2 else 127,
                255,
                -32768,
                8388607,
                -9223372036854775808 if i % 2 else 9223372036854775807,
                18446744073709551615,
                "-12345678901234567890.0123456789" if i % 3 == 0 else "0.0000000001",
                0.5,
                0.1 if i % 2 else 1.7976931348623157e308,
                "2024-02-29",
                "2024-02-29 23:59:59.123456",
                "2038-01-19 03:14:07.999" if i % 2 else None,
                "-838:59:59.00" if i % 2 else "12:34:56.78",
                2155 if i % 2 else 1901,
                0b1010101010 if i % 2 else 0,
                ["a", "b,c", 'd"e'][i % 3],
                ["x,z", "", "y"][i % 3],
                '{"a": [1, "x,y"], "b": null, "c": "中"}' if i % 2 else None,
                bytes(range(256)) if i % 3 == 0 else (b"" if i % 3 == 1 else None),
                b'\x00\x01,"\n\\' if i % 2 else b"",
                b"\x00\xff" if i % 2 else None,
                text,
                text if text is None or len(text) <= 100 else text[:100],
                (text or "")[:5] if text is not None else None,
            )
        )
    return rows


def create_all_types(conn: Connection, table: str, fill: bool = True) -> None:
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.`{table}`")
    conn.execute(ALL_TYPES_DDL.format(db=DB, table=table))
    if fill:
        marks = ", ".join(["%s"] * 25)
        conn.executemany(f"INSERT INTO `{DB}`.`{table}` VALUES ({marks})", all_type_rows())


@pytest.fixture(scope="module")
def transfer_db(mariadb):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.execute(f"CREATE DATABASE `{DB}` CHARACTER SET utf8mb4")
    conn.close()
    yield DB
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.close()


@pytest.fixture
def conn(mariadb, transfer_db):
    c = mariadb.connect()
    c.execute("SET SESSION time_zone = '+00:00'")
    yield c
    c.close()


def table_rows(conn: Connection, table: str) -> list[tuple]:
    return conn.select(f"SELECT * FROM `{DB}`.`{table}` ORDER BY id").rows


def checksum(conn: Connection, table: str) -> int:
    return conn.query(f"CHECKSUM TABLE `{DB}`.`{table}`")[0]["Checksum"]
