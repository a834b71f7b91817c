"""Browsing: the server's databases and a database's tables."""

from core.db import Connection, catalog, schema
from core.services.errors import ServiceError
from core.services.schema.name_cache import NAMES


class NotFound(ServiceError):
    """The database or table named in the URL does not exist."""

    status = 404


def databases(conn: Connection) -> list[dict]:
    return schema.list_databases(conn)


def require_database(conn: Connection, database: str) -> None:
    """NotFound unless the database exists (a page that needs no table list: the tree loads it)."""
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")


DATABASE_PAGE_TABLES = 1000  # tables listed on a database's page; past this, the tree and search


def tables_page(conn: Connection, database: str, limit: int = DATABASE_PAGE_TABLES) -> dict:
    """The first `limit` tables of a database with their details, and how many there are in all."""
    require_database(conn, database)
    held = NAMES.peek(conn, database)
    if held is not None and len(held) > limit:  # the tree listed them lately: no listing twice
        names, total = held.page(0, limit)
        return {"tables": [_name_only(n) for n in names], "total": total}
    total = catalog.count_tables(conn, database)
    if total <= limit:
        return {"tables": schema.list_tables(conn, database), "total": total}
    # Names only past the limit: sizes and engines would open every table of the schema.
    names = catalog.table_names(conn, database, 0, limit)
    return {"tables": [_name_only(n) for n in names], "total": total}


def _name_only(name: str) -> dict:
    return {
        "name": name,
        "kind": "",
        "rows_estimate": None,
        "engine": None,
        "size": None,
        "collation": None,
        "comment": None,
    }


def tables(conn: Connection, database: str) -> list[dict]:
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")
    return schema.list_tables(conn, database)
