"""Browsing: the server's databases and a database's tables."""

from core.db import Connection, schema
from core.db.errors import DatabaseError


class NotFound(DatabaseError):
    """The database or table named in the URL does not exist."""


def databases(conn: Connection) -> list[dict]:
    return schema.list_databases(conn)


def require_database(conn: Connection, database: str) -> None:
    """NotFound unless the database exists (a page that needs no table list: the tree loads it)."""
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")


def tables(conn: Connection, database: str) -> list[dict]:
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")
    return schema.list_tables(conn, database)
