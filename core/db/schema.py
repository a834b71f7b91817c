"""Reading the catalogue: databases, tables, columns and keys from information_schema."""

from core.db.connection import Connection, Row

SYSTEM_DATABASES = {"information_schema", "mysql", "performance_schema", "sys"}


def list_databases(conn: Connection) -> list[Row]:
    """Every database with its table count and total size (data + index bytes)."""
    return conn.query(
        """
        SELECT s.SCHEMA_NAME AS name,
               s.DEFAULT_COLLATION_NAME AS collation,
               COUNT(t.TABLE_NAME) AS table_count,
               COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0) AS size
        FROM information_schema.SCHEMATA s
        LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
        GROUP BY s.SCHEMA_NAME, s.DEFAULT_COLLATION_NAME
        ORDER BY s.SCHEMA_NAME
        """
    )


def database_exists(conn: Connection, database: str) -> bool:
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
    return conn.get(
        """
        SELECT TABLE_NAME AS name, IF(TABLE_TYPE = 'VIEW', 'view', 'table') AS kind,
               ENGINE AS engine, TABLE_ROWS AS rows_estimate,
               COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS size,
               TABLE_COLLATION AS collation, TABLE_COMMENT AS comment
        FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        """,
        database,
        table,
    )


def list_columns(conn: Connection, database: str, table: str) -> list[Row]:
    """Columns in ordinal order with their full SQL type, nullability, default, key and extra."""
    return conn.query(
        """
        SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, DATA_TYPE AS data_type,
               IS_NULLABLE = 'YES' AS nullable, COLUMN_DEFAULT AS `default`,
               COLUMN_KEY AS `key`, EXTRA AS extra, COLLATION_NAME AS collation,
               COLUMN_COMMENT AS comment
        FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        ORDER BY ORDINAL_POSITION
        """,
        database,
        table,
    )


def primary_key(conn: Connection, database: str, table: str) -> list[str]:
    """Column names of the primary key, in key order ([] when there is none)."""
    rows = conn.query(
        """
        SELECT COLUMN_NAME AS name
        FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY'
        ORDER BY SEQ_IN_INDEX
        """,
        database,
        table,
    )
    return [r.name for r in rows]
