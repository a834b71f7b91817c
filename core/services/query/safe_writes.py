"""Safe writes: decide which statements need the user's confirmation, and preview data changes.

A data-changing statement is run inside a transaction (or a savepoint when the user has one open)
that is always rolled back: the user sees how many rows it would change and, for a single-table
UPDATE, a sample of rows before and after. Only tables whose engine can roll back are previewed;
DDL is never previewed (it commits implicitly) but asks for a confirmation naming its object.
"""

from dataclasses import dataclass, field

from core.db import Connection
from core.db.sql import (
    Token,
    ddl_target,
    first_keyword,
    has_top_level_word,
    qualified,
    quote_identifier,
    read_name,
    tokens,
)
from core.services.grid import cells

TRANSACTIONAL_ENGINES = {"INNODB", "ROCKSDB", "TOKUDB", "NDBCLUSTER", "XTRADB"}
PREVIEWABLE = {"UPDATE", "DELETE", "INSERT", "REPLACE"}
WRITES = PREVIEWABLE | {"LOAD", "MERGE", "CALL"}  # a procedure may change data: ask, without preview
ALWAYS_CONFIRM_DDL = {"DROP", "TRUNCATE", "ALTER", "RENAME"}
SAMPLE_ROWS = 5
# Previewing tokenises the whole statement (~100 bytes a token): a multi-MB INSERT is confirmed
# without a preview rather than costing a gigabyte.
PREVIEW_MAX_CHARS = 1 << 20


@dataclass
class Check:
    """Why a statement waits for confirmation: kind is 'ddl' or 'write'."""

    kind: str
    reason: str
    target: str | None = None
    preview: dict | None = field(default=None)


def needs_confirmation(sql: str, safe_mode: bool) -> Check | None:
    """The reason this statement must be confirmed before it runs, or None to run it directly."""
    keyword = first_keyword(sql)
    target = ddl_target(sql)
    if target is not None:
        if keyword in ALWAYS_CONFIRM_DDL or safe_mode:
            return Check("ddl", f"{target}: schema changes cannot be undone or previewed.", target=target)
        return None
    if keyword in ("UPDATE", "DELETE") and not has_top_level_word(sql, "WHERE"):
        return Check("write", f"{keyword} without WHERE changes every row of the table.")
    if safe_mode and keyword in WRITES:
        return Check("write", f"Safe mode: {keyword} is previewed before it runs.")
    return None


def _referenced_tables(toks: list[Token], current_db: str | None) -> set[tuple[str, str]]:
    """Every (db, name) the statement might name: over-inclusive on purpose (only used to check
    that all of them can roll back)."""
    names = set()
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind in ("word", "ident"):
            if i + 2 < len(toks) and toks[i + 1].kind == "dot" and toks[i + 2].kind in ("word", "ident"):
                names.add((t.name, toks[i + 2].name))
                i += 3
                continue
            if current_db:
                names.add((current_db, t.name))
        i += 1
    return names


def _engines(conn: Connection, names: set[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    if not names:
        return {}
    pairs = sorted(names)
    placeholders = ", ".join(["(%s, %s)"] * len(pairs))
    flat = [x for pair in pairs for x in pair]
    rows = conn.query(
        "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine FROM information_schema.TABLES "
        f"WHERE (TABLE_SCHEMA, TABLE_NAME) IN ({placeholders})",
        *flat,
    )
    return {(r.db, r.name): r.engine for r in rows}


def _single_table_update(toks: list[Token]) -> dict | None:
    """For `UPDATE [LOW_PRIORITY] [IGNORE] t SET ... [WHERE ...] [ORDER BY ...] [LIMIT n]`:
    the table's name parts and the text offsets of its clauses; None for multi-table updates."""
    top = [t for t in toks if t.depth == 0]
    i = 1
    while i < len(top) and top[i].upper in ("LOW_PRIORITY", "IGNORE"):
        i += 1
    parts, i = read_name(top, i, stop=("SET",))
    if not parts or i >= len(top) or top[i].upper != "SET":
        return None  # an alias, a join or a comma list: several tables
    clause = {t.upper: t.start for t in top if t.upper in ("WHERE", "ORDER", "LIMIT")}
    return {"table": parts, **clause}


def _sample_select(sql: str, update: dict) -> str:
    table = qualified(*update["table"])
    where_at = update.get("WHERE")
    order_at = update.get("ORDER")
    limit_at = update.get("LIMIT")
    ends = [x for x in (order_at, limit_at) if x is not None]
    where = sql[where_at : min(ends) if ends else len(sql)] if where_at is not None else ""
    order = sql[order_at : limit_at if limit_at is not None else len(sql)] if order_at is not None else ""
    return f"SELECT * FROM {table} {where} {order} LIMIT {SAMPLE_ROWS}"


def preview_write(conn: Connection, sql: str) -> dict:
    """Run the statement in a transaction that is rolled back; how many rows it would change.

    Returns {"available": bool, "reason"?, "rows"?, "columns"?, "before"?, "after"?}. The data is
    left exactly as it was; a table that cannot roll back (MyISAM, a view) is not touched."""
    keyword = first_keyword(sql)
    if keyword not in PREVIEWABLE:
        return {"available": False, "reason": f"{keyword or 'This statement'} cannot be previewed."}
    if len(sql) > PREVIEW_MAX_CHARS:
        return {"available": False, "reason": f"Not previewed: the statement is over {PREVIEW_MAX_CHARS >> 20} MB."}
    current = conn.get("SELECT DATABASE() AS db")
    current_db = current.db if current else None
    toks = tokens(sql)
    engines = _engines(conn, _referenced_tables(toks, current_db))
    if not engines:
        return {"available": False, "reason": "No table of this statement was found to preview."}
    unsafe = sorted(f"{db}.{name} ({engine or 'view'})" for (db, name), engine in engines.items()
                    if (engine or "").upper() not in TRANSACTIONAL_ENGINES)  # fmt: skip
    if unsafe:
        return {
            "available": False,
            "reason": "Not previewed: these tables cannot roll back a change: " + ", ".join(unsafe),
        }

    update = _single_table_update(toks) if keyword == "UPDATE" else None
    savepoint = conn.in_transaction()
    conn.execute("SAVEPOINT eddy_preview" if savepoint else "START TRANSACTION")
    try:
        before = after = None
        columns: list[str] = []
        pk_cols: list[int] = []
        if update is not None:
            db = update["table"][0] if len(update["table"]) == 2 else current_db
            name = update["table"][-1]
            sample = conn.select(_sample_select(sql, update))
            columns = [c.name for c in sample.columns]
            pk = [r.name for r in conn.query(
                "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
                "AND TABLE_NAME = %s AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", db, name)]  # fmt: skip
            pk_cols = [columns.index(c) for c in pk if c in columns]
            before = sample.rows
        affected = conn.execute_rowcount(sql)
        if update is not None and before and pk_cols and len(pk_cols) == len(pk):
            keys = [tuple(row[i] for i in pk_cols) for row in before]
            quoted_columns = ", ".join(quote_identifier(c) for c in pk)
            tuple_ph = "(" + ", ".join(["%s"] * len(pk)) + ")"
            placeholders = ", ".join([tuple_ph] * len(keys))
            found = conn.select(
                f"SELECT * FROM {qualified(*update['table'])} WHERE ({quoted_columns}) IN ({placeholders})",
                [v for key in keys for v in key],
            )
            by_key = {tuple(row[i] for i in pk_cols): row for row in found.rows}
            after = [by_key.get(key) for key in keys]
    finally:
        conn.execute("ROLLBACK TO SAVEPOINT eddy_preview" if savepoint else "ROLLBACK")

    result = {"available": True, "rows": affected, "columns": columns}
    if before is not None:
        result["before"] = [[cells.to_json(v) for v in row] for row in before]
        if after is not None:
            result["after"] = [None if row is None else [cells.to_json(v) for v in row] for row in after]
        elif not pk_cols:
            result["note"] = "No primary key: rows after the change cannot be matched to the sample."
    return result
