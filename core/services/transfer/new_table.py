"""The table an import creates from a (user-edited) CREATE TABLE, and its undo."""

from core.db import Connection
from core.db.schema import table_names
from core.db.sql import qualified


def create_table(conn: Connection, database: str, create_sql: str) -> str:
    """Run the (user-edited) CREATE TABLE and return the new table's name."""
    conn.use(database)
    before = table_names(conn, database)
    if not create_sql.lstrip().upper().startswith("CREATE TABLE"):
        raise ValueError("The table definition must be one CREATE TABLE statement")
    conn.execute(create_sql)
    new = sorted(table_names(conn, database) - before)
    if len(new) != 1:
        raise ValueError(f"The CREATE TABLE must make one new table in '{database}'")
    return new[0]


def drop_if_empty(conn: Connection, database: str, table: str) -> None:
    """Undo a table the import created, only while it is empty: a batched import's checkpoints stay."""
    if conn.get(f"SELECT 1 AS kept FROM {qualified(database, table)} LIMIT 1") is None:
        conn.execute(f"DROP TABLE IF EXISTS {qualified(database, table)}")
