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
from core.db.flavour import DEFAULT_FLAVOUR, Flavour
from core.db.sql import qualified, quote_for_format, quote_identifier, render_sql
from core.services.errors import ServiceError
from core.services.grid.filters import FilterError, decode_value
from core.services.grid.table_meta import TableMeta

DISPLAY_CHARACTERS = 1_000  # of a long value in the Apply preview (a 25 MB literal would hang the page)


def _display_param(value):
    if isinstance(value, str) and len(value) > DISPLAY_CHARACTERS:
        return f"{value[:DISPLAY_CHARACTERS]}…[{len(value):,} characters in all, shown cut]"
    if isinstance(value, (bytes, bytearray)) and len(value) > DISPLAY_CHARACTERS // 2:
        return f"0x{bytes(value[: DISPLAY_CHARACTERS // 2]).hex()}…[{len(value):,} bytes in all, shown cut]"
    return value


class EditError(ServiceError, ValueError):
    """A change that cannot even be built (read-only table, unknown column, missing key): a 400."""


@dataclass
class Statement:
    change_id: str
    op: str
    sql: str
    params: list
    guard: tuple[str, list] | None = None  # SELECT that tells "unchanged" from "changed since loaded"
    # WHERE true when this change is on the server (after a lost connection); an insert of an
    # AUTO_INCREMENT row learns its key once it ran (see _verify).
    landed: tuple[str, list] | None = None
    values: dict = field(default_factory=dict)  # decoded new values by column
    key: dict = field(default_factory=dict)  # the row's key (decoded), when known
    unchanged: tuple[str, list] | None = None  # WHERE true while an updated row is exactly as loaded

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
    # "saved" | "not_saved" | "unknown" after the connection dropped (checked on a new connection);
    # "saved"/"not_saved" otherwise. The UI clears pending edits only on "saved".
    outcome: str = "saved"
    message: str = ""


def _value(meta: TableMeta, column: str, raw):
    if meta.column(column) is None:
        raise EditError(f"No such column: {column!r}")
    if isinstance(raw, dict) and raw.get("truncated"):
        raise EditError(f"Column {column!r}: a value cut for display cannot be written back")
    try:
        return decode_value(raw)
    except FilterError as exc:
        raise EditError(f"Column {column!r}: {exc}") from exc


def _guard(meta: TableMeta, change: dict, flavour: Flavour = DEFAULT_FLAVOUR) -> tuple[str, list]:
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
        # A JSON column on MySQL/TiDB never equals a string: the flavour compares it as JSON.
        terms.append(flavour.json_equals(c) if info["json"] else f"{c} <=> %s")
        params.append(_value(meta, column, raw))
    return " AND ".join(terms), params


def _key_values(meta: TableMeta, change: dict) -> dict:
    key = change.get("key") or {}
    return {c: _value(meta, c, key[c]) for c in meta.row_key if c in key}


_TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json"}


def _same(meta: TableMeta, column: str) -> str:
    """`column` <=> %s, exactly: text compares byte for byte ('ONE' is not 'one' here, whatever the
    column's collation says), so a verification can tell an applied change from the old value."""
    c = quote_for_format(column)
    if meta.column(column)["data_type"] in _TEXT_TYPES:
        return f"CONVERT({c} USING utf8mb4) COLLATE utf8mb4_bin <=> CONVERT(%s USING utf8mb4) COLLATE utf8mb4_bin"
    return f"{c} <=> %s"


def _landed(meta: TableMeta, key: dict, values: dict) -> tuple[str, list] | None:
    """WHERE naming the row by its key and holding exactly `values` (None without the whole key)."""
    if any(c not in key for c in meta.row_key):
        return None
    terms, params = [], []
    for column in meta.row_key:
        terms.append(_same(meta, column))
        params.append(key[column])
    for column, value in values.items():
        info = meta.column(column)
        if column in meta.row_key or info["approximate"] or info["generated"]:
            continue
        terms.append(_same(meta, column))
        params.append(value)
    return " AND ".join(terms), params


def _unchanged(meta: TableMeta, change: dict, columns) -> tuple[str, list] | None:
    """WHERE true while the row still holds exactly its original values in `columns` (the ones an
    update sets); None when an original was cut for display (then the guard decides)."""
    original = change.get("original") or {}
    if any(isinstance(original.get(c), dict) and original[c].get("truncated") for c in columns):
        return None
    if any(c not in original for c in columns):
        return None
    return _landed(meta, _key_values(meta, change), {c: _value(meta, c, original[c]) for c in columns})


def build_statements(meta: TableMeta, changes: list[dict], flavour: Flavour = DEFAULT_FLAVOUR) -> list[Statement]:
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
            where, where_params = _guard(meta, change, flavour)
            sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {where} LIMIT 1"
            new_values = dict(zip(values, params))
            statements.append(
                Statement(
                    change_id, op, sql, params + where_params, (where, where_params),
                    _landed(meta, {**_key_values(meta, change), **new_values}, new_values), new_values,
                    _key_values(meta, change), _unchanged(meta, change, list(values)),
                )
            )  # fmt: skip
        elif op == "insert":
            columns = [c for c in values]
            params = [_value(meta, c, values[c]) for c in columns]
            names = ", ".join(quote_for_format(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            new_values = dict(zip(columns, params))
            statements.append(
                Statement(
                    change_id, op, f"INSERT INTO {table} ({names}) VALUES ({marks})", params,
                    landed=_landed(meta, new_values, new_values), values=new_values,
                    key={c: new_values[c] for c in meta.row_key if c in new_values},
                )
            )  # fmt: skip
        elif op == "delete":
            where, where_params = _guard(meta, change, flavour)
            sql = f"DELETE FROM {table} WHERE {where} LIMIT 1"
            key = _key_values(meta, change)
            statements.append(
                Statement(change_id, op, sql, where_params, (where, where_params), _landed(meta, key, {}), {}, key)
            )
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
    every row that needs fixing at once. With preview=True nothing runs; the SQL is returned.
    When the connection drops (even during COMMIT, when the server may have committed), the rows are
    read again on a new connection and the outcome is said as it is: saved, not saved or unknown."""
    statements = build_statements(meta, changes, conn.flavour())
    shown = [s.display() for s in statements]
    if preview:
        return ApplyResult(ok=True, statements=shown)
    result = ApplyResult(ok=True, statements=shown)
    phase, i = "statements", 0
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
                if statement.landed is None and len(meta.row_key) == 1:
                    statement.key = {meta.row_key[0]: last_id}
                    statement.landed = _landed(meta, statement.key, statement.values)
        if result.errors:
            phase = "rollback"
            conn.rollback()
            result.ok, result.affected, result.inserted_ids = False, 0, {}
            result.outcome = "not_saved"
        else:
            phase = "commit"
            conn.commit()
    except ConnectionLost as exc:
        conn.rollback()  # only forgets the transaction here: the server ended it with the connection
        failing = statements[min(len(statements) - 1, i)].change_id if statements else None
        _after_loss(conn, meta, statements, result, exc, phase, failing)
    except BaseException:
        conn.rollback()
        raise
    return result


def _after_loss(conn, meta, statements, result, exc: ConnectionLost, phase: str, failing) -> None:
    """Say what a dropped connection left on the server, after reading the rows again."""
    where = "while COMMIT was on its way" if phase == "commit" else "before COMMIT was sent"
    lost = f"The connection to the server dropped {where} ({exc.message.split(' (')[0]})."
    try:
        outcome, unclear = _verify(conn, meta, statements, committed_possible=phase == "commit")
    except DatabaseError as again:
        outcome, unclear = "unknown", [f"the server could not be asked ({again.message})"]
    n = len(statements)
    if outcome == "saved":
        result.ok, result.outcome = True, "saved"
        result.affected = result.affected or n
        result.message = f"{lost} Eddy reconnected and checked: all {n} change(s) are on the server (saved, verified)."
        return
    result.ok, result.affected, result.inserted_ids = False, 0, {}
    if outcome == "not_saved":
        result.outcome = "not_saved"
        result.message = (
            f"{lost} Eddy reconnected and checked: the rows hold their old values (not saved, verified). "
            "Your edits are still pending: Apply again."
        )
    else:
        result.outcome = "unknown"
        result.message = (
            f"{lost} Eddy reconnected but cannot tell whether the changes were saved: "
            + "; ".join(unclear)
            + ". Reload the table and check these rows before applying again (an insert applied twice is a"
            " duplicate)."
        )
    result.errors.append({"id": failing, "message": result.message, "code": exc.code})


def _exists(conn: Connection, meta: TableMeta, where: tuple[str, list]) -> bool:
    guard_where, params = where  # quoted identifiers and %s placeholders only
    quoted_table = qualified(meta.database, meta.table).replace("%", "%%")
    return conn.get(f"SELECT 1 AS found FROM {quoted_table} WHERE {guard_where} LIMIT 1", *params) is not None


def _describe_row(meta: TableMeta, statement: Statement) -> str:
    key = ", ".join(f"{c} = {statement.key[c]!r}" for c in meta.row_key if c in statement.key)
    if statement.op == "insert":
        return f"the new row ({key})" if key else "a new row whose key is not known (look for it by its values)"
    return f"the row {key}"


def _verify(conn: Connection, meta: TableMeta, statements: list[Statement], committed_possible: bool):
    """("saved" | "not_saved" | "unknown", [rows that cannot be told]) from the rows as they are now.

    A transaction lands whole or not at all, so every change must agree: all on the server (saved),
    or all as before (not saved). Anything else (someone changed the rows meanwhile) is unknown."""
    saved_all, unsaved_all, unclear = True, True, []
    for statement in statements:
        if statement.op == "insert" and statement.landed is None:
            saved, unsaved = False, True  # cannot be looked up; only "not committed" settles it
            if committed_possible:
                unclear.append(_describe_row(meta, statement))
                continue
        elif statement.op == "insert":
            saved = _exists(conn, meta, statement.landed)
            unsaved = not saved
        elif statement.op == "update":
            saved = statement.landed is not None and _exists(conn, meta, statement.landed)
            unsaved = _exists(conn, meta, statement.unchanged or statement.guard)
        else:  # delete: gone, or still there as it was
            saved = statement.landed is not None and not _exists(conn, meta, statement.landed)
            unsaved = _exists(conn, meta, statement.guard)
        if not saved and not unsaved:
            unclear.append(f"{_describe_row(meta, statement)} holds neither the old nor the new values")
        saved_all &= saved
        unsaved_all &= unsaved
    if unclear:
        return "unknown", unclear
    if unsaved_all:
        return "not_saved", []
    if saved_all and committed_possible:
        return "saved", []
    return "unknown", [
        f"only part of the changes are on the server ({', '.join(_describe_row(meta, s) for s in statements)})"
    ]
