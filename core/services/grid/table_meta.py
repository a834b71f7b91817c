"""What the grid needs to know about a table: columns, the key that identifies a row, indexes that
can serve an order, foreign keys both ways, and why a table is read-only when it is."""

from dataclasses import asdict, dataclass, field

from core.db import Connection, schema
from core.db.errors import DatabaseError
from core.services.schema.browse import NotFound
from core.services.schema.structure import read_indexes

APPROXIMATE_TYPES = {"float", "double", "real"}


@dataclass
class TableMeta:
    database: str
    table: str
    kind: str
    engine: str | None
    rows_estimate: int | None
    columns: list[dict]
    primary_key: list[str]
    row_key: list[str]  # primary key, else a unique key of NOT NULL columns; [] means read-only
    row_key_name: str | None
    indexes: list[dict]  # {"name", "columns", "unique"}
    foreign_keys: list[dict] = field(default_factory=list)  # {"name", "columns", "ref_db", "ref_table", "ref_columns"}
    referenced_by: list[dict] = field(default_factory=list)  # {"name", "db", "table", "columns", "ref_columns"}
    read_only_reason: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def column(self, name: str) -> dict | None:
        return next((c for c in self.columns if c["name"] == name), None)

    def to_json(self) -> dict:
        data = asdict(self)
        data["editable"] = self.read_only_reason is None
        return data


def _indexes(conn: Connection, database: str, table: str) -> list[dict]:
    """The structure editor's indexes (primary first), as the grid needs them: column names, whether
    the index is unique (PRIMARY or UNIQUE: NON_UNIQUE = 0) and whether a column is only a prefix."""
    return [
        {
            "name": index["name"],
            "columns": [c["name"] for c in index["columns"]],
            "unique": index["kind"] in ("PRIMARY", "UNIQUE"),
            # A prefix or an expression (MySQL functional key part) does not identify a row.
            "prefix": any(c["length"] is not None or c["name"] is None for c in index["columns"]),
        }
        for index in read_indexes(conn, database, table)
    ]


# InnoDB's own foreign-key dictionary (MariaDB, then MySQL 8 names): reading it opens no table.
# InnoDB names tables 'db/table' in the server's filename encoding: the server encodes and decodes.
# Two literals, not one template: tests/security/test_sql_building.py checks SQL text as written.
_REFERENCING = {
    "INNODB_SYS_FOREIGN": """
        SELECT DISTINCT CONVERT(CONVERT(SUBSTRING_INDEX(FOR_NAME, '/', 1) USING binary) USING filename) AS db,
               CONVERT(CONVERT(SUBSTRING(FOR_NAME, LOCATE('/', FOR_NAME) + 1) USING binary) USING filename) AS tbl
        FROM information_schema.INNODB_SYS_FOREIGN
        WHERE REF_NAME = CONCAT(CAST(CONVERT(%s USING filename) AS BINARY), '/',
                                CAST(CONVERT(%s USING filename) AS BINARY))
    """,
    "INNODB_FOREIGN": """
        SELECT DISTINCT CONVERT(CONVERT(SUBSTRING_INDEX(FOR_NAME, '/', 1) USING binary) USING filename) AS db,
               CONVERT(CONVERT(SUBSTRING(FOR_NAME, LOCATE('/', FOR_NAME) + 1) USING binary) USING filename) AS tbl
        FROM information_schema.INNODB_FOREIGN
        WHERE REF_NAME = CONCAT(CAST(CONVERT(%s USING filename) AS BINARY), '/',
                                CAST(CONVERT(%s USING filename) AS BINARY))
    """,
}


def _referencing_tables(conn: Connection, database: str, table: str) -> list[tuple[str, str]] | None:
    """(schema, table) of every InnoDB table with a foreign key to this one; None when InnoDB's
    dictionary cannot be read (no PROCESS privilege)."""
    for sql in _REFERENCING.values():
        try:
            rows = conn.query(sql, database, table)
        except DatabaseError:
            continue
        return [(r.db, r.tbl) for r in rows]
    return None


def _foreign_keys(conn: Connection, database: str, table: str) -> tuple[list[dict], list[dict]]:
    # Every KEY_COLUMN_USAGE read names TABLE_SCHEMA and TABLE_NAME, so information_schema opens one
    # table; the former "... OR (REFERENCED_TABLE_SCHEMA = ...)" opened every table on the server.
    out_rows = conn.query(
        """
        SELECT CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_SCHEMA AS ref_db,
               REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_col
        FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND REFERENCED_TABLE_NAME IS NOT NULL
        ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION
        """,
        database,
        table,
    )
    referencing = _referencing_tables(conn, database, table)
    if referencing is None:  # no dictionary access: this schema only (keys across schemas are rare)
        in_rows = conn.query(
            """
            SELECT CONSTRAINT_NAME AS name, TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col,
                   REFERENCED_COLUMN_NAME AS ref_col
            FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s
            ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
            """,
            database,
            database,
            table,
        )
    else:
        in_rows = []
        for child_db, child in sorted(referencing):
            in_rows += conn.query(
                """
                SELECT CONSTRAINT_NAME AS name, TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col,
                       REFERENCED_COLUMN_NAME AS ref_col
                FROM information_schema.KEY_COLUMN_USAGE
                WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
                  AND REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s
                ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION
                """,
                child_db,
                child,
                database,
                table,
            )
    outgoing: dict[tuple, dict] = {}
    incoming: dict[tuple, dict] = {}
    for r in out_rows:
        fk = outgoing.setdefault(
            (r.name,),
            {"name": r.name, "columns": [], "ref_db": r.ref_db, "ref_table": r.ref_table, "ref_columns": []},
        )
        fk["columns"].append(r.col)
        fk["ref_columns"].append(r.ref_col)
    for r in in_rows:
        fk = incoming.setdefault(
            (r.db, r.tbl, r.name),
            {"name": r.name, "db": r.db, "table": r.tbl, "columns": [], "ref_columns": []},
        )
        fk["columns"].append(r.col)
        fk["ref_columns"].append(r.ref_col)
    return list(outgoing.values()), list(incoming.values())


def _json_columns(conn: Connection, database: str, table: str) -> set[str]:
    """MariaDB stores JSON as LONGTEXT with a json_valid() check; find those columns."""
    if not conn.flavour().json_is_checked_text:
        return set()  # MySQL/TiDB: DATA_TYPE says 'json' itself
    try:
        rows = conn.query(
            "SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s",
            database,
            table,
        )
    except DatabaseError:  # MySQL has no TABLE_NAME there; its JSON type says itself
        return set()
    found = set()
    for r in rows:
        clause = r.clause or ""
        if clause.lower().startswith("json_valid(`") and clause.endswith("`)"):
            found.add(clause[len("json_valid(`") : -2].replace("``", "`"))
    return found


def parse_columns(rows: list[dict], json_cols: set[str] = frozenset()) -> list[dict]:
    """The grid's columns from schema.list_columns() rows. Generated means a generation expression: MySQL's
    EXTRA says DEFAULT_GENERATED for `DEFAULT CURRENT_TIMESTAMP`, and such a column is editable."""
    cols = []
    for c in rows:
        data_type = (c["data_type"] or "").lower()
        extra = (c["extra"] or "").lower()
        cols.append(
            {
                "name": c["name"],
                "type": c["type"],
                "data_type": data_type,
                "nullable": bool(c["nullable"]),
                "default": c["default"],
                "auto_increment": "auto_increment" in extra,
                "generated": bool((c["generation_expression"] or "").strip()),
                "binary": data_type in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"),
                "json": data_type == "json" or c["name"] in json_cols,
                "approximate": data_type in APPROXIMATE_TYPES,
            }
        )
    return cols


def load_table_meta(conn: Connection, database: str, table: str) -> TableMeta:
    info = schema.get_table(conn, database, table)
    if info is None:
        raise NotFound(f"Table '{database}.{table}' does not exist")
    cols = parse_columns(schema.list_columns(conn, database, table), _json_columns(conn, database, table))
    indexes = _indexes(conn, database, table)
    primary = next((i["columns"] for i in indexes if i["name"] == "PRIMARY"), [])
    nullable = {c["name"] for c in cols if c["nullable"]}
    row_key, row_key_name = (primary, "PRIMARY") if primary else ([], None)
    if not row_key:
        for index in indexes:
            if index["unique"] and not index["prefix"] and not (set(index["columns"]) & nullable):
                row_key, row_key_name = index["columns"], index["name"]
                break
    outgoing, incoming = _foreign_keys(conn, database, table)
    reason = None
    if info.kind == "view":
        reason = "This is a view: the grid does not edit views."
    elif not row_key:
        reason = (
            "Read-only: the table has no primary key and no unique key on NOT NULL columns, "
            "so a row cannot be identified safely."
        )
    return TableMeta(
        database=database,
        table=table,
        kind=info.kind,
        engine=info.engine,
        rows_estimate=info.rows_estimate,
        columns=cols,
        primary_key=primary,
        row_key=row_key if info.kind != "view" else [],
        row_key_name=row_key_name,
        indexes=indexes,
        foreign_keys=outgoing,
        referenced_by=incoming,
        read_only_reason=reason,
    )
