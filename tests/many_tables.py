"""A database of many small tables (t000000, t000001, …), made server-side in one CALL: for the
workspace tests and the tree benchmark (a client loop of CREATE TABLEs takes minutes)."""

from core.db import Connection
from core.db.sql import quote_identifier


def make_many_tables(conn: Connection, database: str, count: int) -> None:
    """Make `database` hold exactly `count` MyISAM tables t000000…; kept when it already does."""
    have = conn.get("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", database)
    if have and have.n == count:
        return
    db = quote_identifier(database)
    conn.execute(f"DROP DATABASE IF EXISTS {db}")
    conn.execute(f"CREATE DATABASE {db}")
    conn.execute(
        f"""CREATE PROCEDURE {db}.`make_tables`(n INT)
        BEGIN
          DECLARE i INT DEFAULT 0;
          WHILE i < n DO
            SET @s = CONCAT('CREATE TABLE {db.replace("'", "''")}.`t', LPAD(i, 6, '0'),
                            '` (id INT PRIMARY KEY, name VARCHAR(20), KEY k_name (name)) ENGINE=MyISAM');
            PREPARE st FROM @s;
            EXECUTE st;
            DEALLOCATE PREPARE st;
            SET i = i + 1;
          END WHILE;
        END"""
    )
    conn.execute(f"CALL {db}.`make_tables`(%s)", count)
