"""A database for the grid's tests: a 50,000-row table, editable tables, awkward names, a keyless one."""

import pytest

from core.db import Connection

GRID_DB = "eddy_test_grid"
BIG_ROWS = 50_000
_DIGITS = "(SELECT 0 AS d UNION ALL " + " UNION ALL ".join(f"SELECT {i}" for i in range(1, 10)) + ")"


def numbers(n: int) -> str:
    """A derived table of `seq` 1..n (n < 100,000) that MySQL and TiDB run too, unlike MariaDB's
    seq_1_to_N sequence tables."""
    parts = " CROSS JOIN ".join(f"{_DIGITS} AS d{i}" for i in range(5))
    value = " + ".join(f"d{i}.d * {10**i}" for i in range(5))
    return f"(SELECT 1 + {value} AS seq FROM {parts} WHERE 1 + {value} <= {int(n)})"


SCHEMA = [
    f"DROP DATABASE IF EXISTS `{GRID_DB}`",
    f"CREATE DATABASE `{GRID_DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"""CREATE TABLE `{GRID_DB}`.`big` (
        id INT PRIMARY KEY,
        grp VARCHAR(10) NULL,
        amount DECIMAL(10,2) NOT NULL,
        created DATETIME NOT NULL,
        KEY idx_grp (grp),
        KEY idx_created (created)
    ) ENGINE=InnoDB""",
    f"""INSERT INTO `{GRID_DB}`.`big`
        SELECT seq, IF(seq % 7 = 0, NULL, ELT(1 + seq % 4, 'a', 'b', 'c', 'd')),
               (seq * 7919) % 1000 / 10, TIMESTAMP('2020-01-01') + INTERVAL (seq % 5000) HOUR
        FROM {numbers(BIG_ROWS)} AS s""",
    f"""CREATE TABLE `{GRID_DB}`.`items` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        qty INT NOT NULL DEFAULT 1,
        note TEXT NULL,
        data BLOB NULL,
        doc LONGTEXT NULL CHECK (json_valid(doc)),
        UNIQUE KEY uq_name (name),
        CONSTRAINT qty_not_negative CHECK (qty >= 0)
    ) ENGINE=InnoDB""",
    f"""CREATE TABLE `{GRID_DB}`.`order lines 表` (
        `key` INT NOT NULL,
        `back``tick` VARCHAR(50) NOT NULL,
        `名字` VARCHAR(50) NULL,
        item_id INT NULL,
        PRIMARY KEY (`key`, `back``tick`),
        CONSTRAINT fk_item FOREIGN KEY (item_id) REFERENCES `items` (id)
    ) ENGINE=InnoDB""",
    f"CREATE TABLE `{GRID_DB}`.`no_key` (a INT NULL, b VARCHAR(10) NULL) ENGINE=InnoDB",
    f"INSERT INTO `{GRID_DB}`.`no_key` VALUES (1, 'x'), (1, 'x'), (NULL, NULL)",
]

ITEMS = [
    ("plain", 1, "a note", None, None),
    ("NULL", 2, None, None, None),
    ("quote ' \" and \\ backslash", 3, "line1\nline2", None, None),
    ("emoji 🐍 表", 4, "", b"\x89PNG\r\n\x1a\n\x00", '{"a": [1, 2], "b": null}'),
    ("long", 5, "y" * 3000 + " END", b"\x00" * 2000, None),
]


def reset_grid_db(admin) -> None:
    conn = Connection(admin)
    for statement in SCHEMA:
        conn.execute(statement)
    conn.executemany(f"INSERT INTO `{GRID_DB}`.`items` (name, qty, note, data, doc) VALUES (%s, %s, %s, %s, %s)", ITEMS)
    conn.executemany(
        f"INSERT INTO `{GRID_DB}`.`order lines 表` (`key`, `back``tick`, `名字`, item_id) VALUES (%s, %s, %s, %s)",
        [(1, "a`b", "值 🙂", 1), (2, "select", None, None), (3, "x y", "", 4)],
    )
    conn.close()


@pytest.fixture(scope="module")
def grid_db(mariadb):
    """Fresh for each test module (the editing tests change it)."""
    reset_grid_db(mariadb.admin)
    yield GRID_DB
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{GRID_DB}`")
    conn.close()


@pytest.fixture
def conn(mariadb, grid_db):
    c = mariadb.connect()
    yield c
    c.close()
