"""Catalogue reads for the schema tree, the command palette and autocomplete: names, paged and searched.

Every read here must stay cheap on a server with 200,000 tables. information_schema only skips work
when a query names TABLE_SCHEMA (and TABLE_NAME) as constants, and only skips opening table files when
it selects names alone ("Skip_open_table" in EXPLAIN); tests/workspace checks the plans.
"""

from core.db.connection import Connection, Row

SYSTEM_DATABASES = {"information_schema", "mysql", "performance_schema", "sys"}


def like_escape(text: str) -> str:
    """Text matched literally inside a LIKE pattern (backslash is LIKE's default escape)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fuzzy_pattern(text: str) -> str:
    """'ordit' -> '%o%r%d%i%t%': the characters in order, anything between (a LIKE pattern)."""
    return "%" + "".join(like_escape(ch) + "%" for ch in text)


def database_names(conn: Connection) -> list[str]:
    return [r.name for r in conn.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY 1")]


def count_tables(conn: Connection, database: str, like: str | None = None) -> int:
    sql = "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
    params: list = [database]
    if like:
        sql += " AND TABLE_NAME LIKE %s"
        params.append(like)
    return int(conn.get(sql, *params).n)


def count_tables_before(conn: Connection, database: str, table: str) -> int:
    """How many names sort before `table` (its index in table_names order)."""
    row = conn.get(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME < %s",
        database,
        table,
    )
    return int(row.n)


def table_names(
    conn: Connection, database: str, offset: int = 0, limit: int = 500, like: str | None = None
) -> list[str]:
    """One page of a database's table and view names, in name order (no table file is opened)."""
    sql = "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
    params: list = [database]
    if like:
        sql += " AND TABLE_NAME LIKE %s"
        params.append(like)
    sql += " ORDER BY TABLE_NAME LIMIT %s OFFSET %s"
    params += [limit, offset]
    return [r.name for r in conn.query(sql, *params)]


def view_names(conn: Connection, database: str, limit: int = 5000) -> list[str]:
    """Views of a database, in name order (reads every table definition of that schema)."""
    return [
        r.name
        for r in conn.query(
            "SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s"
            " ORDER BY TABLE_NAME LIMIT %s",
            database,
            limit,
        )
    ]


def routines(conn: Connection, database: str, limit: int = 5000) -> list[Row]:
    return conn.query(
        "SELECT ROUTINE_NAME AS name, LOWER(ROUTINE_TYPE) AS kind FROM information_schema.ROUTINES"
        " WHERE ROUTINE_SCHEMA = %s ORDER BY ROUTINE_NAME LIMIT %s",
        database,
        limit,
    )


def triggers(conn: Connection, database: str, limit: int = 5000) -> list[Row]:
    return conn.query(
        "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS `table`,"
        " CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION) AS detail FROM information_schema.TRIGGERS"
        " WHERE EVENT_OBJECT_SCHEMA = %s ORDER BY TRIGGER_NAME LIMIT %s",
        database,
        limit,
    )


def events(conn: Connection, database: str, limit: int = 5000) -> list[Row]:
    return conn.query(
        "SELECT EVENT_NAME AS name, STATUS AS detail FROM information_schema.EVENTS"
        " WHERE EVENT_SCHEMA = %s ORDER BY EVENT_NAME LIMIT %s",
        database,
        limit,
    )


def table_columns(conn: Connection, database: str, table: str) -> list[Row]:
    """Columns with type and key marks (PRI/UNI/MUL), plus whether a foreign key starts there."""
    columns = conn.query(
        "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, COLUMN_KEY AS `key`, IS_NULLABLE = 'YES' AS nullable"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
        database,
        table,
    )
    fk_columns = {
        r.name
        for r in conn.query(
            "SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND REFERENCED_TABLE_NAME IS NOT NULL",
            database,
            table,
        )
    }
    for c in columns:
        c["fk"] = c.name in fk_columns
        c["nullable"] = bool(c.nullable)
    return columns


def table_indexes(conn: Connection, database: str, table: str) -> list[dict]:
    rows = conn.query(
        "SELECT INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
        database,
        table,
    )
    indexes: dict[str, dict] = {}
    for r in rows:
        index = indexes.setdefault(r.name, {"name": r.name, "unique": not r.non_unique, "columns": []})
        index["columns"].append(r.col)
    return list(indexes.values())


def columns_of(conn: Connection, database: str, tables: list[str]) -> dict[str, list[str]]:
    """Column names of the given tables of one database (autocomplete loads them on demand)."""
    if not tables:
        return {}
    marks = ", ".join(["%s"] * len(tables))
    rows = conn.query(
        "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
        f" AND TABLE_NAME IN ({marks}) ORDER BY TABLE_NAME, ORDINAL_POSITION",
        database,
        *tables,
    )
    found: dict[str, list[str]] = {t: [] for t in tables}
    for r in rows:
        found.setdefault(r.t, []).append(r.c)
    return found


def search_tables(conn: Connection, pattern: str, limit: int, database: str | None = None) -> list[Row]:
    """(db, name) of tables/views whose name matches a LIKE pattern, in any database or one."""
    sql = "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_NAME LIKE %s"
    params: list = [pattern]
    if database:
        sql += " AND TABLE_SCHEMA = %s"
        params.append(database)
    sql += " LIMIT %s"
    params.append(limit)
    return conn.query(sql, *params)


# One lookup per name, each with TABLE_SCHEMA and TABLE_NAME equal to constants: the server reads
# that one definition, never a directory listing or another schema.
_TABLE_KIND = (
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s"
)


def table_kinds(conn: Connection, names: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(db, name): "table" or "view"} for a few named tables (one definition read each)."""
    kinds: dict[tuple[str, str], str] = {}
    for start in range(0, len(names), 100):
        chunk = names[start : start + 100]
        params = [value for pair in chunk for value in pair]
        for r in conn.query(" UNION ALL ".join([_TABLE_KIND] * len(chunk)), *params):
            kinds[(r.db, r.name)] = "view" if "VIEW" in (r.type or "") else "table"
    return kinds


def search_routines(conn: Connection, pattern: str, limit: int, database: str | None = None) -> list[Row]:
    sql = (
        "SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, LOWER(ROUTINE_TYPE) AS kind"
        " FROM information_schema.ROUTINES WHERE ROUTINE_NAME LIKE %s"
    )
    params: list = [pattern]
    if database:
        sql += " AND ROUTINE_SCHEMA = %s"
        params.append(database)
    sql += " LIMIT %s"
    params.append(limit)
    return conn.query(sql, *params)


def all_table_names(conn: Connection, database: str, limit: int) -> list[str]:
    """Every table and view name of a database, unsorted, at most `limit` (one folder listing; no
    table file is opened). The names cache sorts them itself."""
    return [
        r.name
        for r in conn.query(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s LIMIT %s",
            database,
            limit,
        )
    ]
