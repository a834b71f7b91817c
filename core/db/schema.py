"""Reading the catalogue: databases, tables, columns and keys from information_schema."""

from core.db.connection import Connection, Row

SYSTEM_DATABASES = {"information_schema", "mysql", "performance_schema", "sys"}


SIZES_UP_TO_TABLES = 5000  # server-wide; past this, sizes would mean opening every table on the server


def list_databases(conn: Connection) -> list[Row]:
    """Every database with its table count and, on servers of up to SIZES_UP_TO_TABLES tables, its
    total size (data + index bytes); size is None past that, where reading it opens every table."""
    counts = {
        r.db: r.n
        for r in conn.query(
            # Names only: information_schema lists the schema folders without opening a table.
            "SELECT TABLE_SCHEMA AS db, COUNT(*) AS n FROM information_schema.TABLES GROUP BY TABLE_SCHEMA"
        )
    }
    sizes: dict[str, int] = {}
    if sum(counts.values()) <= SIZES_UP_TO_TABLES:
        sizes = {
            r.db: r.size
            for r in conn.query(
                "SELECT TABLE_SCHEMA AS db, COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS size"
                " FROM information_schema.TABLES GROUP BY TABLE_SCHEMA"
            )
        }
    rows = conn.query(
        "SELECT SCHEMA_NAME AS name, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA"
        " ORDER BY SCHEMA_NAME"
    )
    for r in rows:
        r["table_count"] = counts.get(r.name, 0)
        r["size"] = sizes.get(r.name, 0) if sizes or not counts.get(r.name) else None
    return rows


def database_exists(conn: Connection, database: str) -> bool:
    """True when the server lists the database (the one place this is asked)."""
    return conn.get("SELECT 1 AS ok FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", database) is not None


def list_tables(conn: Connection, database: str) -> list[Row]:
    """Tables and views of one database: kind, engine, row estimate, size, collation, comment."""
    return conn.query(
        """
        SELECT TABLE_NAME AS name,
               IF(TABLE_TYPE = 'VIEW', 'view', 'table') AS kind,
               ENGINE AS engine,
               TABLE_ROWS AS rows_estimate,
               COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS size,
               TABLE_COLLATION AS collation,
               TABLE_COMMENT AS comment
        FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = %s
        ORDER BY TABLE_NAME
        """,
        database,
    )


def get_table(conn: Connection, database: str, table: str) -> Row | None:
    """Name, kind ('table' or 'view'), engine and row estimate of one table; None when it does not
    exist. No sizes: reading them opens the table's statistics."""
    return conn.get(
        """
        SELECT TABLE_NAME AS name, IF(TABLE_TYPE = 'VIEW', 'view', 'table') AS kind, ENGINE AS engine,
               TABLE_ROWS AS rows_estimate
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        """,
        database,
        table,
    )


def list_columns(conn: Connection, database: str, table: str) -> list[Row]:
    """Columns in ordinal order: full SQL type, data type, nullability, default, key, extra, character
    set, collation, comment and generation expression (the grid and the structure editor read these)."""
    return conn.query(
        """
        SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, DATA_TYPE AS data_type,
               IS_NULLABLE = 'YES' AS nullable, COLUMN_DEFAULT AS `default`,
               COLUMN_KEY AS `key`, EXTRA AS extra, CHARACTER_SET_NAME AS charset,
               COLLATION_NAME AS collation, COLUMN_COMMENT AS comment,
               GENERATION_EXPRESSION AS generation_expression
        FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        ORDER BY ORDINAL_POSITION
        """,
        database,
        table,
    )


def table_names(conn: Connection, database: str) -> set[str]:
    """Names of the tables and views of one database."""
    return {
        r.name
        for r in conn.query(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", database
        )
    }
