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


def import_creating_table(conn: Connection, database: str, create_sql: str, run_import) -> dict:
    """Create the table, then run_import(table) into it; a failed or cancelled import drops the table
    again while it is still empty (the import's result names the table)."""
    table = create_table(conn, database, create_sql)
    try:
        result = run_import(table)
    except BaseException:
        drop_if_empty(conn, database, table)
        raise
    return {**result, "table": table}
