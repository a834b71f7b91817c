"""Applying the grid's pending edits: UPDATE/INSERT/DELETE in one transaction, each row named by its
key and guarded by the values it had when loaded, so a row changed by someone else is refused.

A change, as the browser sends it:
    {"id": "client id", "op": "update", "key": {...}, "original": {...}, "values": {col: new}}
    {"id": ..., "op": "insert", "values": {col: value}}      (omitted columns: DEFAULT / AUTO_INCREMENT)
    {"id": ..., "op": "delete", "key": {...}, "original": {...}}
Values are JSON cells (null, text, numbers, {"binary": hex}). An original that was cut for display
({"truncated": true, ...}) is compared through its length instead of its value.
"""

from dataclasses import dataclass, field

from core.db import Connection
from core.db.errors import ConnectionLost, DatabaseError
from core.db.sql import qualified, quote_for_format, quote_identifier, render_sql
from core.services.filters import FilterError, decode_value
from core.services.table_meta import TableMeta

DISPLAY_CHARACTERS = 1_000  # of a long value in the Apply preview (a 25 MB literal would hang the page)


def _display_param(value):
    if isinstance(value, str) and len(value) > DISPLAY_CHARACTERS:
        return f"{value[:DISPLAY_CHARACTERS]}…[{len(value):,} characters in all, shown cut]"
    if isinstance(value, (bytes, bytearray)) and len(value) > DISPLAY_CHARACTERS // 2:
        return f"0x{bytes(value[: DISPLAY_CHARACTERS // 2]).hex()}…[{len(value):,} bytes in all, shown cut]"
    return value


class EditError(ValueError):
    """A change that cannot even be built (read-only table, unknown column, missing key)."""


@dataclass
class Statement:
    change_id: str
    op: str
    sql: str
    params: list
    guard: tuple[str, list] | None = None  # SELECT that tells "unchanged" from "changed since loaded"

    def display(self) -> str:
        """The statement for review (the Apply preview): long values cut and their size said."""
        return render_sql(self.sql, [_display_param(p) for p in self.params])


@dataclass
class ApplyResult:
    ok: bool
    statements: list[str]
    errors: list[dict] = field(default_factory=list)  # {"id", "message", "code"}
    affected: int = 0
    inserted_ids: dict = field(default_factory=dict)


def _value(meta: TableMeta, column: str, raw):
    if meta.column(column) is None:
        raise EditError(f"No such column: {column!r}")
    if isinstance(raw, dict) and raw.get("truncated"):
        raise EditError(f"Column {column!r}: a value cut for display cannot be written back")
    try:
        return decode_value(raw)
    except FilterError as exc:
        raise EditError(f"Column {column!r}: {exc}") from exc


def _guard(meta: TableMeta, change: dict) -> tuple[str, list]:
    """WHERE on the row key plus every original value (NULL-safe), so concurrent changes refuse."""
    key, original = change.get("key") or {}, change.get("original") or {}
    if set(key) != set(meta.row_key):
        raise EditError("Each row must be named by its key: " + ", ".join(meta.row_key))
    terms, params = [], []
    for column in meta.row_key:
        terms.append(f"{quote_for_format(column)} <=> %s")
        params.append(_value(meta, column, key[column]))
    for column, raw in original.items():
        info = meta.column(column)
        if info is None:
            raise EditError(f"No such column: {column!r}")
        if column in meta.row_key or info["approximate"] or info["generated"]:
            continue  # floats do not round-trip exactly through text; generated columns follow the rest
        c = quote_for_format(column)
        if isinstance(raw, dict) and raw.get("truncated"):
            # Only a prefix was loaded: compare the prefix and the length.
            if "binary" in raw:
                prefix = bytes.fromhex(raw["binary"])
                terms.append(f"LEFT({c}, %s) = %s AND LENGTH({c}) = %s")
                params += [len(prefix), prefix, raw["size"]]
            else:
                terms.append(f"LEFT({c}, %s) = %s AND CHAR_LENGTH({c}) = %s")
                params += [len(raw["text"]), raw["text"], raw["length"]]
            continue
        terms.append(f"{c} <=> %s")
        params.append(_value(meta, column, raw))
    return " AND ".join(terms), params


def build_statements(meta: TableMeta, changes: list[dict]) -> list[Statement]:
    if meta.read_only_reason:
        raise EditError(meta.read_only_reason)
    if not isinstance(changes, list) or not changes:
        raise EditError("Nothing to apply")
    table = qualified(meta.database, meta.table).replace("%", "%%")
    statements = []
    for n, change in enumerate(changes):
        if not isinstance(change, dict):
            raise EditError("Each change must be an object")
        change_id = str(change.get("id", n))
        op = change.get("op")
        values = change.get("values") or {}
        if op == "update":
            if not values:
                continue
            sets, params = [], []
            for column, raw in values.items():
                params.append(_value(meta, column, raw))  # first: refuses an unknown column (a 400)
                sets.append(f"{quote_for_format(column)} = %s")
            where, where_params = _guard(meta, change)
            sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {where} LIMIT 1"
            statements.append(Statement(change_id, op, sql, params + where_params, (where, where_params)))
        elif op == "insert":
            columns = [c for c in values]
            params = [_value(meta, c, values[c]) for c in columns]
            names = ", ".join(quote_for_format(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            statements.append(Statement(change_id, op, f"INSERT INTO {table} ({names}) VALUES ({marks})", params))
        elif op == "delete":
            where, where_params = _guard(meta, change)
            sql = f"DELETE FROM {table} WHERE {where} LIMIT 1"
            statements.append(Statement(change_id, op, sql, where_params, (where, where_params)))
        else:
            raise EditError(f"Unknown change: {op!r}")
    return statements


def _execute(conn: Connection, sql: str, params: list) -> tuple[int, int | None]:
    sql = sql if params else sql % ()
    if sql.startswith("INSERT"):
        return 1, conn.execute(sql, *params) or None
    return conn.execute_rowcount(sql, *params), None


def _refusal(conn: Connection, meta: TableMeta, statement: Statement) -> str | None:
    """Why an UPDATE/DELETE touched no row: None when the row is there unchanged (a no-op update)."""
    guard_where, params = statement.guard  # quoted identifiers and %s placeholders only
    quoted_table = qualified(meta.database, meta.table).replace("%", "%%")
    if conn.get(f"SELECT 1 AS found FROM {quoted_table} WHERE {guard_where} LIMIT 1", *params):
        return None
    quoted_key_terms = " AND ".join(f"{quote_for_format(c)} <=> %s" for c in meta.row_key)
    key_params = params[: len(meta.row_key)]
    if conn.get(f"SELECT 1 AS found FROM {quoted_table} WHERE {quoted_key_terms} LIMIT 1", *key_params):
        return "Refused: the row was changed on the server since it was loaded. Reload to see the new values."
    return "Refused: the row no longer exists on the server (deleted since it was loaded)."


def apply_changes(conn: Connection, meta: TableMeta, changes: list[dict], preview: bool = False) -> ApplyResult:
    """Run every change in one transaction; any failure rolls all back and names each failing row.

    Each statement runs under a savepoint so one failure does not hide the next: the user sees
    every row that needs fixing at once. With preview=True nothing runs; the SQL is returned."""
    statements = build_statements(meta, changes)
    shown = [s.display() for s in statements]
    if preview:
        return ApplyResult(ok=True, statements=shown)
    result = ApplyResult(ok=True, statements=shown)
    conn.begin()
    try:
        for i, statement in enumerate(statements):
            conn.execute(f"SAVEPOINT {quote_identifier(f'eddy_{i}')}")
            try:
                rows, last_id = _execute(conn, statement.sql, statement.params)
            except ConnectionLost:
                raise
            except DatabaseError as exc:
                conn.execute(f"ROLLBACK TO SAVEPOINT {quote_identifier(f'eddy_{i}')}")
                result.errors.append({"id": statement.change_id, "message": str(exc), "code": exc.code})
                continue
            if statement.guard and rows == 0:
                reason = _refusal(conn, meta, statement)
                if reason:
                    result.errors.append({"id": statement.change_id, "message": reason, "code": 0})
                    continue
            result.affected += rows
            if statement.op == "insert" and last_id:
                result.inserted_ids[statement.change_id] = last_id
        if result.errors:
            conn.rollback()
            result.ok, result.affected, result.inserted_ids = False, 0, {}
        else:
            conn.commit()
    except ConnectionLost as exc:
        # The server rolled the transaction back when the connection died: nothing was written.
        conn.rollback()
        failing = statements[min(len(statements) - 1, i)].change_id if statements else None
        result.ok, result.affected, result.inserted_ids = False, 0, {}
        result.errors.append({"id": failing, "message": f"{exc.message} Nothing was saved.", "code": exc.code})
    except BaseException:
        conn.rollback()
        raise
    return result
