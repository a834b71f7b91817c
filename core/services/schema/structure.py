"""A table's structure (columns, indexes, keys, triggers, partitions, options, DDL) and the
plans that change tables and databases: create/alter/truncate/drop/rename/copy."""

import functools

from core.db import Connection, schema
from core.db.flavour import Flavour
from core.db.sql import qualified, quote_identifier, quote_literal
from core.services.schema import ddl
from core.services.schema.browse import NotFound
from core.services.schema.plans import ChangeRefused, Plan


def literal_quoter(conn: Connection):
    """quote_literal bound to the session's sql_mode (NO_BACKSLASH_ESCAPES changes escaping)."""
    mode = conn.get("SELECT @@SESSION.sql_mode AS m").m or ""
    return functools.partial(quote_literal, no_backslash_escapes="NO_BACKSLASH_ESCAPES" in mode.upper())


def _default_of(raw, extra: str, mariadb: bool) -> tuple[str, str]:
    """(default_kind, default) from information_schema.COLUMNS.COLUMN_DEFAULT."""
    if raw is None:
        return "none", ""
    if mariadb:
        # MariaDB (10.2.7+) stores the default as SQL: 'text', NULL, 0, current_timestamp().
        if raw == "NULL":
            return "null", ""
        if len(raw) >= 2 and raw[0] == "'" and raw[-1] == "'":
            body = raw[1:-1].replace("''", "'")
            body = body.replace("\\\\", "\x00").replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")
            return "literal", body.replace("\\", "").replace("\x00", "\\")
        return "expression", raw
    if "DEFAULT_GENERATED" in (extra or "").upper():
        return "expression", raw
    return "literal", raw


def parse_columns(rows: list[dict], flavour: Flavour) -> list[dict]:
    """The form's columns from schema.list_columns() rows. A column is generated when it has a generation
    expression: MySQL's EXTRA says DEFAULT_GENERATED for expression defaults, which are not."""
    out = []
    for r in rows:
        extra = r["extra"] or ""
        kind, default = _default_of(r["default"], extra, flavour.is_mariadb)
        low = extra.lower()
        on_update = ""
        if "on update" in low:
            on_update = extra[low.index("on update") + len("on update") :].strip().split(" ")[0]
        generated = (r["generation_expression"] or "").strip()
        out.append(
            {
                "name": r["name"],
                "original": r["name"],
                "type": r["type"],
                "nullable": bool(r["nullable"]),
                "default_kind": kind,
                "default": default,
                "auto_increment": "auto_increment" in low,
                "on_update": on_update,
                "collation": r["collation"] or "",
                "charset": r["charset"] or "",
                "comment": r["comment"] or "",
                "generated": generated,
                "stored": bool(generated) and ("stored" in low or "persistent" in low),
                "invisible": "invisible" in low,
                "key": r["key"] or "",
                "extra": extra,
            }
        )
    return out


def read_columns(conn: Connection, database: str, table: str) -> list[dict]:
    return parse_columns(schema.list_columns(conn, database, table), conn.flavour())


def indexes_sql(flavour: Flavour) -> str:
    return f"""
        SELECT INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col, SUB_PART AS sub_part,
               INDEX_TYPE AS index_type, INDEX_COMMENT AS comment, CARDINALITY AS cardinality,
               {flavour.statistics_columns}
        FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX
    """


def parse_indexes(rows: list[dict]) -> list[dict]:
    """Indexes from indexes_sql() rows, each key part a column (name, prefix length) or, on MySQL
    8.0.13+, an expression (NULL COLUMN_NAME); descending parts and invisible indexes kept."""
    indexes: dict[str, dict] = {}
    for r in rows:
        name = r["name"]
        if name not in indexes:
            if name == "PRIMARY":
                kind = "PRIMARY"
            elif r["index_type"] in ("FULLTEXT", "SPATIAL"):
                kind = r["index_type"]
            else:
                kind = "INDEX" if int(r["non_unique"]) else "UNIQUE"
            indexes[name] = {
                "name": name,
                "kind": kind,
                "type": r["index_type"],
                "columns": [],
                "comment": r["comment"] or "",
                "cardinality": r["cardinality"],
                "visible": r.get("visible") is None or bool(int(r["visible"])),
            }
        part = {"name": r["col"], "length": r["sub_part"]}
        if r["col"] is None and r.get("expression"):
            part["expression"] = r["expression"]
        if (r.get("collation") or "").upper() == "D":
            part["descending"] = True
        indexes[name]["columns"].append(part)
    return list(indexes.values())


def read_indexes(conn: Connection, database: str, table: str) -> list[dict]:
    flavour = conn.flavour()
    return parse_indexes(conn.query(indexes_sql(flavour), database, table))


def read_foreign_keys(conn: Connection, database: str, table: str | None = None) -> list[dict]:
    """Foreign keys of one table (or of every table of the database when table is None)."""
    # Two reads, each naming its schema (and table): information_schema pushes constants, not join
    # conditions, so the former JOIN made REFERENTIAL_CONSTRAINTS read every schema on the server.
    if table is None:
        rows = conn.query(
            "SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS tbl, COLUMN_NAME AS col,"
            " REFERENCED_TABLE_SCHEMA AS ref_database, REFERENCED_TABLE_NAME AS ref_table,"
            " REFERENCED_COLUMN_NAME AS ref_col FROM information_schema.KEY_COLUMN_USAGE"
            " WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IS NOT NULL"
            " ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
            database,
        )
        rule_rows = conn.query(
            "SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS tbl, UPDATE_RULE AS on_update, DELETE_RULE AS on_delete"
            " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s",
            database,
        )
    else:
        rows = conn.query(
            "SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS tbl, COLUMN_NAME AS col,"
            " REFERENCED_TABLE_SCHEMA AS ref_database, REFERENCED_TABLE_NAME AS ref_table,"
            " REFERENCED_COLUMN_NAME AS ref_col FROM information_schema.KEY_COLUMN_USAGE"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND REFERENCED_TABLE_NAME IS NOT NULL"
            " ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION",
            database,
            table,
        )
        rule_rows = conn.query(
            "SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS tbl, UPDATE_RULE AS on_update, DELETE_RULE AS on_delete"
            " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s",
            database,
            table,
        )
    rules = {(r.tbl, r.name): r for r in rule_rows}
    fks: dict[tuple, dict] = {}
    for r in rows:
        rule = rules.get((r.tbl, r.name))
        if rule is None:
            continue  # as the former inner join: a key the server lists without its rules
        fk = fks.setdefault(
            (r.tbl, r.name),
            {
                "name": r.name,
                "table": r.tbl,
                "columns": [],
                "ref_database": r.ref_database,
                "ref_table": r.ref_table,
                "ref_columns": [],
                "on_update": rule.on_update,
                "on_delete": rule.on_delete,
            },
        )
        fk["columns"].append(r.col)
        fk["ref_columns"].append(r.ref_col)
    return list(fks.values())


def read_options(conn: Connection, database: str, table: str) -> dict:
    row = conn.get(
        """
        SELECT TABLE_TYPE AS kind, ENGINE AS engine, ROW_FORMAT AS row_format, TABLE_COLLATION AS collation,
               AUTO_INCREMENT AS auto_increment, CREATE_OPTIONS AS create_options, TABLE_COMMENT AS comment,
               TABLE_ROWS AS rows_estimate, DATA_LENGTH AS data_length, INDEX_LENGTH AS index_length,
               CREATE_TIME AS created, UPDATE_TIME AS updated
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s
        """,
        database,
        table,
    )
    if row is None:
        raise NotFound(f"Table '{database}.{table}' does not exist")
    return {k: (str(v) if k in ("created", "updated") and v is not None else v) for k, v in row.items()}


def read_triggers(conn: Connection, database: str, table: str) -> list[dict]:
    return conn.query(
        """
        SELECT TRIGGER_NAME AS name, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
               ACTION_STATEMENT AS body, DEFINER AS definer
        FROM information_schema.TRIGGERS
        WHERE EVENT_OBJECT_SCHEMA = %s AND EVENT_OBJECT_TABLE = %s ORDER BY ACTION_ORDER, TRIGGER_NAME
        """,
        database,
        table,
    )


def read_partitions(conn: Connection, database: str, table: str) -> list[dict]:
    return conn.query(
        """
        SELECT PARTITION_NAME AS name, PARTITION_METHOD AS method, PARTITION_EXPRESSION AS expression,
               PARTITION_DESCRIPTION AS description, TABLE_ROWS AS rows_estimate
        FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND PARTITION_NAME IS NOT NULL
        ORDER BY PARTITION_ORDINAL_POSITION
        """,
        database,
        table,
    )


def show_create_table(conn: Connection, database: str, table: str) -> str:
    row = conn.query(f"SHOW CREATE TABLE {qualified(database, table)}")[0]
    return list(row.values())[1]


def table_structure(conn: Connection, database: str, table: str) -> dict:
    """Everything the structure tab shows, in the shape the editing form uses."""
    options = read_options(conn, database, table)
    is_view = options["kind"] == "VIEW"
    return {
        "database": database,
        "name": table,
        "kind": "view" if is_view else "table",
        "columns": read_columns(conn, database, table),
        "indexes": [] if is_view else read_indexes(conn, database, table),
        "foreign_keys": [] if is_view else read_foreign_keys(conn, database, table),
        "triggers": [] if is_view else read_triggers(conn, database, table),
        "partitions": [] if is_view else read_partitions(conn, database, table),
        "options": {**options, "comment": options.get("comment") or ""},
        "ddl": show_create_table(conn, database, table),
    }


def engines_and_collations(conn: Connection) -> dict:
    engines = [r.Engine for r in conn.query("SHOW ENGINES") if r.Support in ("YES", "DEFAULT")]
    collations = [
        r.name
        for r in conn.query(
            "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS"
            " WHERE CHARACTER_SET_NAME IN ('utf8mb4','utf8mb3','utf8','latin1','ascii','binary') ORDER BY 1"
        )
    ]
    return {"engines": sorted(engines), "collations": collations}


# -- plans -----------------------------------------------------------------------------------
def plan_create_table(conn: Connection, database: str, form: dict) -> Plan:
    sql = ddl.create_table(database, form, literal_quoter(conn), conn.flavour())
    name = form["name"].strip()
    return Plan([sql], target=name, summary=f"Create table {name} in {database}")


def plan_alter_table(conn: Connection, database: str, table: str, form: dict) -> Plan:
    current = table_structure(conn, database, table)
    if current["kind"] == "view":
        raise ChangeRefused(f"'{table}' is a view: edit its definition instead")
    statements = ddl.alter_table(database, table, current, form, literal_quoter(conn), conn.flavour())
    if not statements:
        raise ChangeRefused("Nothing to change: the form matches the table")
    return Plan(statements, target=table, summary=f"Alter table {database}.{table}")


def _require_table(conn: Connection, database: str, table: str) -> dict:
    options = read_options(conn, database, table)
    return options


def plan_truncate_table(conn: Connection, database: str, table: str) -> Plan:
    _require_table(conn, database, table)
    return Plan(
        [f"TRUNCATE TABLE {qualified(database, table)}"],
        target=table,
        summary=f"Delete every row of {database}.{table}",
        destructive=True,
    )


def plan_drop_table(conn: Connection, database: str, table: str) -> Plan:
    kind = _require_table(conn, database, table)["kind"]
    what = "VIEW" if kind == "VIEW" else "TABLE"
    return Plan(
        [f"DROP {what} {qualified(database, table)}"],
        target=table,
        summary=f"Drop {what.lower()} {database}.{table} and everything in it",
        destructive=True,
    )


def plan_rename_table(conn: Connection, database: str, table: str, new_name: str) -> Plan:
    _require_table(conn, database, table)
    new_name = (new_name or "").strip()
    if not new_name:
        raise ChangeRefused("The new name is required")
    return Plan(
        [f"RENAME TABLE {qualified(database, table)} TO {qualified(database, new_name)}"],
        target=table,
        summary=f"Rename {database}.{table} to {new_name}",
    )


def plan_copy_table(conn: Connection, database: str, table: str, new_name: str, with_data: bool = True) -> Plan:
    if _require_table(conn, database, table)["kind"] == "VIEW":
        raise ChangeRefused("A view cannot be copied as a table")
    new_name = (new_name or "").strip()
    if not new_name:
        raise ChangeRefused("The copy's name is required")
    statements = [f"CREATE TABLE {qualified(database, new_name)} LIKE {qualified(database, table)}"]
    if with_data:
        statements.append(f"INSERT INTO {qualified(database, new_name)} SELECT * FROM {qualified(database, table)}")
    return Plan(statements, target=table, summary=f"Copy {database}.{table} to {new_name}")


def plan_create_database(conn: Connection, name: str, collation: str = "") -> Plan:
    name = (name or "").strip()
    if not name:
        raise ChangeRefused("The database name is required")
    sql = f"CREATE DATABASE {quote_identifier(name)}"
    if collation:
        collation = ddl.name_token(collation, "Collation")
        sql += f" CHARACTER SET {collation.split('_')[0]} COLLATE {collation}"
    return Plan([sql], target=name, summary=f"Create database {name}")


def _database_exists(conn: Connection, database: str) -> None:
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")


def plan_drop_database(conn: Connection, database: str) -> Plan:
    _database_exists(conn, database)
    return Plan(
        [f"DROP DATABASE {quote_identifier(database)}"],
        target=database,
        summary=f"Drop database {database} with all its tables, views and routines",
        destructive=True,
    )


def plan_rename_database(conn: Connection, database: str, new_name: str) -> Plan:
    """There is no RENAME DATABASE: create the new one, move every table, drop the old one.

    Views, routines, triggers and events cannot move that way; with any of them present the
    rename is refused (saying which), rather than half done."""
    _database_exists(conn, database)
    new_name = (new_name or "").strip()
    if not new_name:
        raise ChangeRefused("The new name is required")
    blockers = conn.get(
        """
        SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s) AS views,
               (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s) AS routines,
               (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = %s) AS triggers,
               (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s) AS events
        """,
        database,
        database,
        database,
        database,
    )
    present = [f"{n} {k}" for k, n in blockers.items() if n]
    if present:
        raise ChangeRefused(
            f"Cannot rename '{database}': it has {', '.join(present)}, which cannot be moved by RENAME TABLE. "
            "Move or drop them first."
        )
    charset = conn.get(
        "SELECT DEFAULT_COLLATION_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", database
    ).c
    tables = [
        r.name
        for r in conn.query(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1", database
        )
    ]
    statements = [plan_create_database(conn, new_name, charset).statements[0]]
    if tables:
        statements.append(
            "RENAME TABLE " + ", ".join(f"{qualified(database, t)} TO {qualified(new_name, t)}" for t in tables)
        )
    statements.append(f"DROP DATABASE {quote_identifier(database)}")
    return Plan(statements, target=database, summary=f"Rename database {database} to {new_name}", destructive=True)
