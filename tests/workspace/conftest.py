"""A server with thousands of tables (where unscoped catalog queries cost seconds) for the workspace's tests."""

import pytest

from core.db import Connection
from tests.many_tables import make_many_tables

MANY_DB = "eddy_test_many"
MANY_TABLES = 3000
FK_DB = "eddy_test_fk"


FK_SCHEMA = [
    f"DROP DATABASE IF EXISTS `{FK_DB}`",
    f"CREATE DATABASE `{FK_DB}` CHARACTER SET utf8mb4",
    f"CREATE TABLE `{FK_DB}`.`parent` (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB",
    f"""CREATE TABLE `{FK_DB}`.`child` (id INT PRIMARY KEY, parent_id INT,
        CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES `parent` (id)) ENGINE=InnoDB""",
    f"""CREATE TABLE `{FK_DB}`.`中文表` (id INT PRIMARY KEY, `名字` VARCHAR(20), `数量` INT) ENGINE=InnoDB""",
    f"CREATE VIEW `{FK_DB}`.`parent_names` AS SELECT id, name FROM `{FK_DB}`.`parent`",
    f"CREATE TRIGGER `{FK_DB}`.`child_bi` BEFORE INSERT ON `{FK_DB}`.`child` FOR EACH ROW SET NEW.id = NEW.id",
    f"CREATE FUNCTION `{FK_DB}`.`twice`(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
]


@pytest.fixture(scope="session")
def many_tables_db(mariadb) -> str:
    """eddy_test_many: MANY_TABLES small MyISAM tables t000000…, made server-side in one CALL."""
    conn = Connection(mariadb.admin)
    make_many_tables(conn, MANY_DB, MANY_TABLES)
    conn.close()
    yield MANY_DB


@pytest.fixture(scope="session")
def fk_db(mariadb) -> str:
    """eddy_test_fk: two tables joined by a foreign key, a CJK-named table, a view, a trigger, a function."""
    conn = Connection(mariadb.admin)
    for statement in FK_SCHEMA:
        conn.execute(statement)
    conn.close()
    yield FK_DB
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{FK_DB}`")
    conn.close()


class RecordingConnection(Connection):
    """A real Connection that also remembers every statement it ran (to EXPLAIN them afterwards)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements: list[tuple[str, tuple]] = []

    def query(self, sql, *params):
        self.statements.append((sql, params))
        return super().query(sql, *params)


def catalog_scans(conn: Connection, statements) -> list[str]:
    """The information_schema statements whose plan reads every database ("Scanned all databases")."""
    bad = []
    for sql, params in list(statements):
        if "information_schema" not in sql.lower():
            continue
        for row in conn.query("EXPLAIN " + sql, *params):
            if "all databases" in (row.Extra or "").lower():
                bad.append(f"{row.table}: {' '.join(sql.split())[:160]}")
    return bad
