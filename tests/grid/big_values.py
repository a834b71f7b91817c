"""A database holding large values (a 25 MB LONGTEXT, a 1 MB BLOB) and fractional-second times,
shared by the grid's, the editor's and the transfer's big-value tests."""

import contextlib

from core.db import Connection

BIG_DB = "eddy_test_bigvals"
BIG_TEXT_CHARS = 25_000_003  # REPEAT('0123456789', 2.5M) then 'END'
BIG_BLOB_BYTES = 1_000_000
PACKET = 64 * 1024 * 1024

SCHEMA = [
    f"DROP DATABASE IF EXISTS `{BIG_DB}`",
    f"CREATE DATABASE `{BIG_DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"""CREATE TABLE `{BIG_DB}`.`docs` (
        id INT PRIMARY KEY,
        name VARCHAR(20) NOT NULL,
        body LONGTEXT NULL,
        bin LONGBLOB NULL,
        t3 TIME(3) NULL,
        dt6 DATETIME(6) NULL
    ) ENGINE=InnoDB""",
    f"""INSERT INTO `{BIG_DB}`.`docs` VALUES
        (1, 'big', CONCAT(REPEAT('0123456789', 2500000), 'END'), UNHEX(REPEAT('00FF', 500000)),
         '12:00:00.000', '2024-01-02 03:04:05.000000'),
        (2, 'small', 'hello', NULL, '01:02:03.500', '2024-01-02 03:04:05.120000')""",
    # A view has no row key: its cells are found by their position in the (sorted, filtered) view.
    f"CREATE VIEW `{BIG_DB}`.`docs_view` AS SELECT name, body FROM `{BIG_DB}`.`docs`",
]


@contextlib.contextmanager
def big_packet(admin_params, size: int = PACKET):
    """max_allowed_packet raised for sessions opened inside the block (25 MB values need it)."""
    admin = Connection(admin_params)
    old = int(admin.get("SELECT @@GLOBAL.max_allowed_packet AS v").v)
    admin.execute(f"SET GLOBAL max_allowed_packet = {int(size)}")
    try:
        yield
    finally:
        admin.execute(f"SET GLOBAL max_allowed_packet = {old}")
        admin.close()


def create_big_db(admin_params) -> None:
    conn = Connection(admin_params)  # opened after big_packet(): sees the raised limit
    try:
        for statement in SCHEMA:
            conn.execute(statement)
    finally:
        conn.close()


def drop_big_db(admin_params) -> None:
    conn = Connection(admin_params)
    try:
        conn.execute(f"DROP DATABASE IF EXISTS `{BIG_DB}`")
    finally:
        conn.close()
