"""Browsing: the server's databases, a database's tables, a table's first rows."""

from dataclasses import dataclass

from core.db import Connection, ResultSet, schema
from core.db.errors import DatabaseError
from core.db.sql import qualified


class NotFound(DatabaseError):
    """The database or table named in the URL does not exist."""


@dataclass
class TablePage:
    database: str
    table: dict
    columns: list[dict]
    primary_key: list[str]
    result: ResultSet
    limit: int


def databases(conn: Connection) -> list[dict]:
    return schema.list_databases(conn)


def tables(conn: Connection, database: str) -> list[dict]:
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")
    return schema.list_tables(conn, database)


def table_page(conn: Connection, database: str, table: str, limit: int = 200) -> TablePage:
    """The table's metadata and its first `limit` rows."""
    info = schema.get_table(conn, database, table)
    if info is None:
        raise NotFound(f"Table '{database}.{table}' does not exist")
    limit = max(1, min(int(limit), 1000))
    result = conn.select(f"SELECT * FROM {qualified(database, table)} LIMIT %s", [limit])
    return TablePage(
        database=database,
        table=info,
        columns=schema.list_columns(conn, database, table),
        primary_key=schema.primary_key(conn, database, table),
        result=result,
        limit=limit,
    )
