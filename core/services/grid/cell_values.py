"""One cell's real value, read from the server on demand and in pages.

The grids receive long text and binary cut for display; anything that edits, copies or saves a
value reads it here instead, so a display stand-in can never be written back or copied. Text is
paged in characters (SUBSTRING on the server, so a 25 MB value is not sent to show 1 MB of it),
binary in bytes.

A row is found by its key; in a view or a table without a key, by its position in the grid's
view (`at`: {position, sort, filter}), and the caller checks the answer against what it showed.
"""

from core.db import Connection
from core.db.sql import qualified, quote_for_format
from core.services.errors import ServiceError
from core.services.grid import cells
from core.services.grid.filters import FilterError, compile_filter, decode_value
from core.services.grid.table_meta import TableMeta
from core.services.grid.windows import effective_order, order_by_sql, parse_sort

TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json"}
BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
PAGE_CHARS = 1_000_000  # what the side panel shows at once; a value this size or less is editable
PAGE_BYTES = 256 * 1024
MAX_PAGE = 64 * 1024 * 1024  # the most one request returns (Copy asks for whole values up to this)


class CellError(ServiceError, ValueError):
    """A bad cell request: unknown column, a row not named by its key, a row that is gone."""


def _key_where(meta: TableMeta, key) -> tuple[str, list]:
    if not meta.row_key:
        raise CellError("The row cannot be identified: the table has no primary or unique NOT NULL key")
    if not isinstance(key, dict) or set(key) != set(meta.row_key):
        raise CellError("The row must be named by its key columns: " + ", ".join(meta.row_key))
    try:
        params = [decode_value(key[c]) for c in meta.row_key]
    except FilterError as exc:
        raise CellError(str(exc)) from exc
    return " AND ".join(f"{quote_for_format(c)} <=> %s" for c in meta.row_key), params


def _position_tail(meta: TableMeta, at) -> tuple[str, list]:
    """The row at a position of the grid's view: the view's WHERE and ORDER BY, LIMIT 1 OFFSET n."""
    if not isinstance(at, dict):
        raise CellError("The row must be named by its key, or by its position in the view ('at')")
    try:
        position = int(at.get("position"))
    except (TypeError, ValueError) as exc:
        raise CellError("'at.position' must be a whole number") from exc
    if position < 0:
        raise CellError("'at.position' must be >= 0")
    filt = compile_filter(at.get("filter"), meta.column_names)
    order = effective_order(meta, parse_sort(at.get("sort"), meta.column_names))
    return f"{filt.clause()}{order_by_sql(order)} LIMIT 1 OFFSET {position}", list(filt.params)


def _select(conn: Connection, meta: TableMeta, columns_sql: str, key, column_params: tuple = (), at=None) -> tuple:
    if meta.row_key or at is None:
        where, params = _key_where(meta, key)
        tail = f" WHERE {where} LIMIT 1"
    else:
        tail, params = _position_tail(meta, at)
    table = qualified(meta.database, meta.table).replace("%", "%%")
    sql = f"SELECT {columns_sql} FROM {table}{tail}"
    params = [*column_params, *params]
    rows = (conn.select(sql, params) if params else conn.select(sql % ())).rows
    if not rows:
        raise CellError("That row no longer exists (reload the grid)")
    return rows[0]


def page_limits(offset, limit, binary: bool) -> tuple[int, int]:
    """Validated (offset, limit): whole numbers, limit at most MAX_PAGE."""
    default = PAGE_BYTES if binary else PAGE_CHARS
    try:
        offset = int(offset or 0)
        limit = int(limit or default)
    except (TypeError, ValueError) as exc:
        raise CellError("offset and limit must be whole numbers") from exc
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise CellError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    return offset, limit


def column_kind(meta: TableMeta, column) -> str:
    info = meta.column(column) if isinstance(column, str) else None
    if info is None:
        raise CellError(f"No such column: {column!r}")
    if info["data_type"] in BINARY_TYPES:
        return "binary"
    if info["data_type"] in TEXT_TYPES:
        return "text"
    return "value"


def read_page(conn: Connection, meta: TableMeta, key, column, offset=0, limit=None, at=None) -> dict:
    """A page of one cell: {kind, size, offset, value, complete}.

    kind: "text" (size in characters), "binary" (size in bytes, value {"binary": hex}), "null",
    or "value" (any other type, always whole). complete: the page holds the entire value."""
    kind = column_kind(meta, column)
    c = quote_for_format(column)
    if kind == "value":
        (value,) = _select(conn, meta, c, key, at=at)
        if value is None:
            return {"kind": "null", "size": 0, "offset": 0, "value": None, "complete": True}
        shown = _shown(meta, column, value)
        size = value_size(shown)
        return {"kind": "value", "size": size, "offset": 0, "value": shown, "complete": True}
    offset, limit = page_limits(offset, limit, kind == "binary")
    length = "LENGTH" if kind == "binary" else "CHAR_LENGTH"
    size, part = _select(conn, meta, f"{length}({c}), SUBSTRING({c}, %s, %s)", key, (offset + 1, limit), at)
    if size is None:
        return {"kind": "null", "size": 0, "offset": 0, "value": None, "complete": True}
    if kind == "binary":
        part = bytes(part or b"")
        value = {"binary": part.hex(), "size": len(part)}
        shown = len(part)
    else:
        if isinstance(part, (bytes, bytearray)):  # a text column with a binary collation
            part = bytes(part).decode("utf-8", "replace")
        value = part or ""
        shown = len(value)
    return {
        "kind": kind,
        "size": int(size),
        "offset": offset,
        "value": value,
        "complete": offset == 0 and shown >= int(size),
    }


def _shown(meta: TableMeta, column: str, value):
    """A non-text value as the grid shows it (times with the column's fraction digits)."""
    fsp = cells.fraction_digits(meta.column(column)["type"])
    return cells.temporal_text(value, fsp) if fsp is not None else cells.to_json(value)


def value_size(shown) -> int:
    if isinstance(shown, dict):
        return int(shown.get("size", 0))
    return len(str(shown))


def read_whole(conn: Connection, meta: TableMeta, key, column, at=None, size=None) -> tuple[bytes | str | None, str]:
    """The entire value (for Download/Save) and a file suffix ("txt" or "bin"). Found by position
    (`at`), the value must have the `size` the grid showed, or the rows moved: refused."""
    column_kind(meta, column)  # refuses an unknown column before any SQL is built
    (value,) = _select(conn, meta, quote_for_format(column), key, at=at)
    if at is not None and not meta.row_key and size is not None and value is not None:
        held = len(value) if isinstance(value, (bytes, bytearray, str)) else value_size(_shown(meta, column, value))
        if str(held) != str(size):
            raise CellError("The rows changed since they were loaded: reload and try again")
    if value is None:
        return None, "txt"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), "bin"
    if isinstance(value, str):
        return value, "txt"
    shown = _shown(meta, column, value)
    return (shown if isinstance(shown, str) else cells.to_text(value)), "txt"


def page_of_json(value, offset=0, limit=None) -> dict:
    """A page of a value already held as a JSON cell (a spooled query result), shaped like read_page."""
    if value is None:
        return {"kind": "null", "size": 0, "offset": 0, "value": None, "complete": True}
    if isinstance(value, dict) and "binary" in value:
        offset, limit = page_limits(offset, limit, True)
        hex_text = value["binary"]
        size = len(hex_text) // 2
        part = hex_text[2 * offset : 2 * (offset + limit)]
        page = {"binary": part, "size": len(part) // 2}
        return {
            "kind": "binary",
            "size": size,
            "offset": offset,
            "value": page,
            "complete": offset == 0 and limit >= size,
        }
    if isinstance(value, str):
        offset, limit = page_limits(offset, limit, False)
        part = value[offset : offset + limit]
        return {
            "kind": "text",
            "size": len(value),
            "offset": offset,
            "value": part,
            "complete": offset == 0 and limit >= len(value),
        }
    return {"kind": "value", "size": len(str(value)), "offset": 0, "value": value, "complete": True}
