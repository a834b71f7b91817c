"""The schema tree, the command palette's object search and autocomplete's on-demand names.

Nodes load lazily and in pages, so a database with 200,000 tables opens as fast as one with ten:
the client asks for the window of names it shows. A database's table names are listed once and
then held for a minute (name_cache): pages, counts, locate, completion and search read memory."""

import heapq

from core.db import catalog
from core.db.connection import Connection
from core.services.errors import ServiceError
from core.services.schema import name_cache
from core.services.schema.name_cache import NAMES

PAGE_LIMIT = 500  # names per request at most (the tree asks for a window around what is visible)
OBJECT_LIMIT = 5000  # routines, triggers, events, views listed at most (then: search)
SEARCH_LIMIT = 200  # matches at most per search
GROUPS = ("tables", "views", "routines", "triggers", "events")


class BadRequest(ServiceError, ValueError):
    """A request the tree cannot answer (unknown group, missing table): a 400 naming it."""


def databases(conn: Connection) -> dict:
    names = catalog.database_names(conn)
    return {"items": [{"name": n, "system": n in catalog.SYSTEM_DATABASES} for n in names]}


def database_groups(conn: Connection, database: str, refresh: bool = False) -> dict:
    """The groups under a database. No read: the table count comes with the first page of names
    (counting lists the schema's folder, 1.3 s on 200,000 tables; opening the node stays instant),
    or from the names cache when it holds them. `refresh` (the tree's Refresh) forgets them."""
    if refresh:
        NAMES.invalidate(conn, database)
        return {"database": database, "tables": None, "groups": list(GROUPS)}
    held = NAMES.peek(conn, database)
    return {"database": database, "tables": len(held) if held else None, "groups": list(GROUPS)}


def group_items(
    conn: Connection, database: str, group: str, offset: int = 0, limit: int = 500, filter_text: str = ""
) -> dict:
    if group not in GROUPS:
        raise BadRequest(f"'group' must be one of {', '.join(GROUPS)}")
    limit = max(1, min(limit, PAGE_LIMIT if group == "tables" else OBJECT_LIMIT))
    offset = max(0, offset)
    like = f"%{catalog.like_escape(filter_text)}%" if filter_text else None
    if group == "tables":
        # Every page, count and filter from memory: the first page reads again after MAX_AGE, a page
        # further down (a list the client holds) after SCROLL_AGE.
        cached = NAMES.get(conn, database, name_cache.SCROLL_AGE if offset else None)
        if cached is not None:
            names, total = cached.page(offset, limit, filter_text)
            return {"items": [{"name": n, "kind": "table"} for n in names], "offset": offset, "total": total}
        # Too many names to hold (name_cache.MAX_NAMES): a page from the server. Names only: telling
        # a view from a table means reading its definition file, which costs more per name than
        # listing them all; the client marks views from the views group.
        names = catalog.table_names(conn, database, offset, limit, like)
        # The count costs a directory read: only with the first page (the client keeps it). One
        # statement with COUNT(*) OVER () costs the same as the two (it sorts every name).
        total = catalog.count_tables(conn, database, like) if offset == 0 else None
        return {"items": [{"name": n, "kind": "table"} for n in names], "offset": offset, "total": total}
    if group == "views":
        items = [{"name": n, "kind": "view"} for n in catalog.view_names(conn, database, limit=OBJECT_LIMIT + 1)]
    elif group == "routines":
        items = [{"name": r.name, "kind": r.kind} for r in catalog.routines(conn, database, limit=OBJECT_LIMIT + 1)]
    elif group == "triggers":
        items = [
            {"name": r.name, "kind": "trigger", "detail": f"{r.detail} ON {r.table}"}
            for r in catalog.triggers(conn, database, limit=OBJECT_LIMIT + 1)
        ]
    else:
        items = [
            {"name": r.name, "kind": "event", "detail": r.detail}
            for r in catalog.events(conn, database, limit=OBJECT_LIMIT + 1)
        ]
    if like:
        needle = filter_text.lower()
        items = [i for i in items if needle in i["name"].lower()]
    more = len(items) > OBJECT_LIMIT  # the catalog read stopped there: say so, never cut silently
    return {"items": items[offset : offset + limit], "offset": offset, "total": len(items), "more": more}


def locate_table(conn: Connection, database: str, table: str) -> dict:
    """The position of a table in the tables group's name order (-1 when absent): where to scroll."""
    cached = NAMES.get(conn, database)
    if cached is not None:
        return {"index": cached.index_of(table)}
    if not catalog.table_names(conn, database, 0, 1, catalog.like_escape(table)):
        return {"index": -1}
    return {"index": catalog.count_tables_before(conn, database, table)}


def table_children(conn: Connection, database: str, table: str) -> dict:
    return {
        "columns": [dict(c) for c in catalog.table_columns(conn, database, table)],
        "indexes": catalog.table_indexes(conn, database, table),
    }


def _rank(name: str, query: str) -> tuple:
    low, q = name.lower(), query.lower()
    if low == q:
        grade = 0
    elif low.startswith(q):
        grade = 1
    elif q in low:
        grade = 2
    else:
        grade = 3  # the characters in order, with gaps
    return (grade, len(name), low)


def search(conn: Connection, query: str, database: str | None = None, limit: int = 50) -> dict:
    """Tables, views, routines and databases whose name matches: exact, prefix, substring, then in order."""
    query = query.strip()
    if not query:
        return {"items": [], "more": False}
    limit = max(1, min(limit, SEARCH_LIMIT))
    substring = f"%{catalog.like_escape(query)}%"
    all_databases = catalog.database_names(conn)
    scope = [database] if database else all_databases
    held = NAMES.get_many(conn, scope)
    found: dict[tuple, dict] = {}
    for fuzzy in (False, True):
        pattern = catalog.fuzzy_pattern(query) if fuzzy else substring
        for db, names in held.items():
            if names is None:  # too many names to hold: the server matches them
                for r in catalog.search_tables(conn, pattern, SEARCH_LIMIT + 1, db):
                    found.setdefault((r.db, r.name, "table"), {"db": r.db, "name": r.name, "kind": "table"})
                continue
            for i in names.best(query, limit + 1, fuzzy):  # the best few of each database
                name = names.names[i]
                found.setdefault((db, name, "table"), {"db": db, "name": name, "kind": "table"})
        for r in catalog.search_routines(conn, pattern, SEARCH_LIMIT + 1, database):
            found.setdefault((r.db, r.name, r.kind), {"db": r.db, "name": r.name, "kind": r.kind})
        if len(found) > limit:
            break  # enough substring matches: the looser pattern would only rank below them
    if not database:
        needle = query.lower()
        for name in all_databases:
            if needle in name.lower():
                found.setdefault((name, name, "database"), {"db": name, "name": name, "kind": "database"})
    ranked = heapq.nsmallest(limit + 1, found.values(), key=lambda i: _rank(i["name"], query))
    shown = ranked[:limit]
    # The names carry no kind (telling a view costs a definition read): read the few shown, once.
    tables = [i for i in shown if i["kind"] == "table"]
    unknown = [(i["db"], i["name"]) for i in tables if not _known_kind(held.get(i["db"]), i["name"])]
    kinds = catalog.table_kinds(conn, unknown) if unknown else {}
    for item in tables:
        names = held.get(item["db"])
        kind = _known_kind(names, item["name"]) or kinds.get((item["db"], item["name"]), "table")
        if names is not None:
            names.kinds[item["name"]] = kind
        item["kind"] = kind
    return {"items": shown, "more": len(ranked) > limit}


def _known_kind(names, name: str) -> str | None:
    return names.kinds.get(name) if names is not None else None


COMPLETION_TABLES = 5000  # names sent up front; past this the editor asks by prefix (completion_tables)


def completion_schema(conn: Connection, database: str | None) -> dict:
    """Database names and the current database's table names (no table is opened). Columns and
    other databases' tables are loaded on demand, for the tables a statement names."""
    tables: list[str] = []
    if database:
        cached = NAMES.get(conn, database)
        if cached is not None:
            tables = cached.names[: COMPLETION_TABLES + 1]
        else:
            tables = catalog.table_names(conn, database, 0, COMPLETION_TABLES + 1)
    return {
        "databases": catalog.database_names(conn),
        "database": database,
        "tables": tables[:COMPLETION_TABLES],
        "tables_more": len(tables) > COMPLETION_TABLES,
    }


def completion_tables(conn: Connection, database: str, prefix: str = "", limit: int = 1000) -> dict:
    """Table names of one database starting with prefix, for `db.` completion; `more` when cut."""
    cached = NAMES.get(conn, database)
    if cached is not None:
        names = cached.starting(prefix, limit + 1)
    else:
        names = catalog.table_names(conn, database, 0, limit + 1, catalog.like_escape(prefix) + "%")
    return {"database": database, "tables": names[:limit], "more": len(names) > limit}


def completion_columns(conn: Connection, refs: list[tuple[str, str]]) -> list[dict]:
    """Column names of the (database, table) pairs a statement names, read per database."""
    by_db: dict[str, list[str]] = {}
    for db, table in refs:
        by_db.setdefault(db, [])
        if table not in by_db[db]:
            by_db[db].append(table)
    out = []
    for db, tables in by_db.items():
        for table, columns in catalog.columns_of(conn, db, tables).items():
            out.append({"database": db, "table": table, "columns": columns})
    return out
