"""An import that creates its table: the table is dropped again when the import fails before
anything is in it, and kept when it holds rows (a batched import's committed checkpoints)."""

import pytest

from core.db import Connection
from core.db.schema import table_names
from core.services.transfer.new_table import import_creating_table

DB = "eddy_test_new_table"


@pytest.fixture
def conn(mariadb):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.execute(f"CREATE DATABASE `{DB}`")
    yield conn
    conn.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    conn.close()


CREATE = f"CREATE TABLE `{DB}`.`new one` (id INT PRIMARY KEY)"


def test_the_result_names_the_created_table(conn):
    result = import_creating_table(conn, DB, CREATE, lambda table: {"rows": 0, "seen": table})
    assert result == {"rows": 0, "seen": "new one", "table": "new one"}


def test_a_failed_import_into_an_empty_new_table_drops_it(conn):
    def failing(table):
        raise RuntimeError("bad row")

    with pytest.raises(RuntimeError, match="bad row"):
        import_creating_table(conn, DB, CREATE, failing)
    assert table_names(conn, DB) == set()


def test_a_new_table_holding_committed_rows_is_kept(conn):
    def commits_then_fails(table):
        conn.execute(f"INSERT INTO `{DB}`.`{table}` VALUES (1)")
        raise RuntimeError("failed after a checkpoint")

    with pytest.raises(RuntimeError):
        import_creating_table(conn, DB, CREATE, commits_then_fails)
    assert table_names(conn, DB) == {"new one"}
