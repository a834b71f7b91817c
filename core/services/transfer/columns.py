"""How each column travels through a file: as a number, bits, hex bytes, a date or text."""

from dataclasses import dataclass

from core.db import Connection
from core.db.connection import is_binary_field
from core.db.driver import FIELD_TYPE
from core.db.sql import qualified, quote_identifier

BINARY_CHARSET = 63
NUMERIC = {
    FIELD_TYPE.DECIMAL,
    FIELD_TYPE.NEWDECIMAL,
    FIELD_TYPE.TINY,
    FIELD_TYPE.SHORT,
    FIELD_TYPE.LONG,
    FIELD_TYPE.LONGLONG,
    FIELD_TYPE.INT24,
    FIELD_TYPE.FLOAT,
    FIELD_TYPE.DOUBLE,
    FIELD_TYPE.YEAR,
}
TEMPORAL = {
    FIELD_TYPE.DATE,
    FIELD_TYPE.NEWDATE,
    FIELD_TYPE.TIME,
    FIELD_TYPE.DATETIME,
    FIELD_TYPE.TIMESTAMP,
}
BINARY_DATA_TYPES = {
    "binary",
    "varbinary",
    "tinyblob",
    "blob",
    "mediumblob",
    "longblob",
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
}
NUMERIC_DATA_TYPES = {
    "tinyint",
    "smallint",
    "mediumint",
    "int",
    "integer",
    "bigint",
    "decimal",
    "numeric",
    "float",
    "double",
    "real",
    "year",
}


@dataclass(frozen=True)
class ColumnKind:
    name: str
    kind: str  # "num" | "temporal" | "bit" | "binary" | "text"
    utf8mb4: bool = False  # text already in utf8mb4: no CONVERT needed on the server

    @property
    def ident(self) -> str:
        return quote_identifier(self.name)


def kind_of_field(field) -> str:
    """The kind of a result column from PyMySQL's field metadata."""
    if field.type_code in NUMERIC:
        return "num"
    if field.type_code in TEMPORAL:
        return "temporal"
    if field.type_code == FIELD_TYPE.BIT:
        return "bit"
    # JSON (type 245) comes with the binary charset from MySQL, yet is utf8mb4 text: never 0x... hex.
    if is_binary_field(field.type_code, field.charsetnr):
        return "binary"
    return "text"


def kind_of_data_type(data_type: str, column_type: str = "") -> str:
    """The kind of a table column from information_schema's DATA_TYPE."""
    t = data_type.lower()
    if t in NUMERIC_DATA_TYPES:
        return "num"
    if t in ("date", "time", "datetime", "timestamp"):
        return "temporal"
    if t == "bit":
        return "bit"
    if t in BINARY_DATA_TYPES:
        return "binary"
    return "text"


def source_sql(database: str | None, table: str | None, sql: str | None) -> str:
    """The SELECT whose rows are exported: a whole table, or the user's query as a derived table."""
    if table:
        return f"SELECT * FROM {qualified(database, table)}" if database else f"SELECT * FROM {quote_identifier(table)}"
    if not sql or not sql.strip():
        raise ValueError("Nothing to export: give a table or a SELECT query")
    return sql.strip().rstrip(";")


def describe(conn: Connection, select_sql: str) -> list[ColumnKind]:
    """Column names and kinds of a SELECT without reading its rows."""
    # source_sql(): quoted names, or the user's own query by intent.
    # With character_set_results = utf8mb4 the server reports every text column as utf8mb4 (what
    # it would convert to), hiding a latin1 column: the line expressions then mix collations
    # (TSV's CONCAT_WS fails) or send latin1 bytes into a UTF-8 file (CSV, SQL). Without
    # conversion, each column reports its own character set.
    fields = conn.describe_query(select_sql, native_charsets=True)
    utf8mb4 = _utf8mb4_collations(conn)
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"The query returns several columns named {', '.join(dupes)}: give them distinct aliases")
    return [ColumnKind(f.name, kind_of_field(f), f.charsetnr in utf8mb4) for f in fields]


_COLLATIONS: dict[str, frozenset] = {}


def _utf8mb4_collations(conn: Connection) -> frozenset:
    """Collation ids of utf8mb4 on this server (they differ between versions)."""
    key = conn.server_version()
    if key not in _COLLATIONS:
        rows = conn.query("SELECT ID AS id FROM information_schema.COLLATIONS WHERE CHARACTER_SET_NAME = 'utf8mb4'")
        _COLLATIONS[key] = frozenset(int(r.id) for r in rows if r.id is not None)
    return _COLLATIONS[key]
