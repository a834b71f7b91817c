"""Export a table, a query result or a whole database to CSV, TSV, JSON, JSON lines, SQL or XLSX.

The server formats each row as one line (CONCAT_WS/REPLACE for CSV, JSON_OBJECT for JSON, QUOTE
for SQL) and the line comes back as raw bytes (core.db.rawstream): no Python object per field, so
a 1M-row export runs near the `mariadb` CLI's speed with flat memory. XLSX goes through
XlsxWriter's constant_memory mode. Files are written under a temporary name beside the target and
renamed at the end: a cancelled or failed export leaves no half file under the chosen name.

Value conventions shared with the importer (so a round trip gives back identical rows):
- CSV: text is always quoted, numbers/dates never; SQL NULL is the (unquoted) NULL marker, empty
  by default, so NULL, "" and "NULL" stay apart. Binary values are 0x-prefixed hex; BIT as an integer.
- TSV: MySQL's own escaped format (\\N for NULL; \\t \\n \\r \\\\ \\0 escaped), as LOAD DATA reads it.
"""

import errno
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from core.db import Connection, DatabaseError
from core.db.rawstream import stream_line_batches
from core.db.sql import qualified, quote_identifier
from core.services.errors import refuses_as_bad_options
from core.services.jobs import ProgressJob
from core.services.transfer.archive_names import member_names
from core.services.transfer.columns import ColumnKind, describe, source_sql

FORMATS = {
    "csv": ".csv",
    "tsv": ".tsv",
    "json": ".json",
    "jsonl": ".jsonl",
    "sql": ".sql",
    "xlsx": ".xlsx",
}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, minus the header row
SQL_INSERT_BYTES = 1_000_000  # one INSERT statement's size: well under any max_allowed_packet


class ExportFailed(OSError):
    """An export that could not be written; message says where and what is left."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ExportOptions:
    format: str = "csv"
    delimiter: str = ","
    quote: str = '"'
    null: str = ""  # CSV marker for SQL NULL (unquoted)
    header: bool = True
    bom: bool = False  # a UTF-8 BOM, so Excel reads the file as UTF-8
    line_end: str = "\r\n"
    sql_create: bool = True  # SQL: DROP/CREATE TABLE before the INSERTs

    @classmethod
    @refuses_as_bad_options(ValueError, TypeError)
    def from_dict(cls, data: dict) -> "ExportOptions":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        opts = cls(**known)
        opts.validate()
        return opts

    def validate(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"Unknown export format '{self.format}' (use one of {', '.join(FORMATS)})")
        if self.format == "csv":
            if len(self.delimiter) != 1 or len(self.quote) != 1 or self.delimiter == self.quote:
                raise ValueError("The CSV delimiter and quote must be two different single characters")
            if self.line_end not in ("\r\n", "\n"):
                raise ValueError("Line ends must be CRLF or LF")
            if self.quote in self.null or self.delimiter in self.null or "\n" in self.null:
                raise ValueError("The NULL marker cannot contain the delimiter, the quote or a line break")


@dataclass
class ExportSource:
    database: str | None = None
    table: str | None = None
    sql: str | None = None  # a SELECT: a query result or a filtered/sorted grid view
    whole_database: bool = False

    def label(self) -> str:
        if self.whole_database:
            return self.database or "database"
        return self.table or "query"


@dataclass
class ExportStats:
    rows: int = 0
    bytes: int = 0
    tables: list = field(default_factory=list)


def default_filename(source: ExportSource, opts: ExportOptions) -> str:
    name = source.label()
    many = source.whole_database and opts.format not in ("sql", "xlsx")
    ext = ".zip" if many else FORMATS[opts.format]
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in name).strip() or "export"
    return safe + ext


# -- the server-side line expressions -------------------------------------------------------
def _text(col: ColumnKind) -> str:
    # Every piece of a line must be utf8mb4, or CONCAT mixes collations (or CAST gives latin1 bytes).
    return col.ident if col.utf8mb4 else f"CONVERT({col.ident} USING utf8mb4)"


def csv_line_sql(cols: list[ColumnKind], opts: ExportOptions) -> tuple[str, list]:
    """SELECT list producing one CSV line per row; literal pieces are parameters."""
    params: list = []
    parts = []
    unsafe_plain = any(ch in "0123456789.-+:eE " for ch in opts.delimiter + opts.quote)
    for col in cols:
        kind = "text" if unsafe_plain and col.kind in ("num", "temporal") else col.kind
        if kind in ("num", "temporal"):
            parts.append(f"IFNULL({col.ident}, %s)")
            params.append(opts.null)
        elif kind == "bit":
            parts.append(f"IFNULL({col.ident} + 0, %s)")
            params.append(opts.null)
        elif kind == "binary":
            parts.append(f"IF({col.ident} IS NULL, %s, CONCAT('0x', HEX({col.ident})))")
            params.append(opts.null)
        else:
            parts.append(f"IF({col.ident} IS NULL, %s, CONCAT(%s, REPLACE({_text(col)}, %s, %s), %s))")
            params += [opts.null, opts.quote, opts.quote, opts.quote * 2, opts.quote]
    return f"CAST(CONCAT_WS(%s, {', '.join(parts)}) AS BINARY)", [opts.delimiter, *params]


def _tsv_escape(expr: str) -> str:
    # CHAR() keeps this independent of sql_mode's NO_BACKSLASH_ESCAPES.
    for raw, esc in (("92", "92,92"), ("9", "92,116"), ("10", "92,110"), ("13", "92,114"), ("0", "92,48")):
        expr = f"REPLACE({expr}, CHAR({raw} USING utf8mb4), CHAR({esc} USING utf8mb4))"
    return expr


def tsv_line_sql(cols: list[ColumnKind]) -> tuple[str, list]:
    parts = []
    for col in cols:
        null = "CHAR(92,78 USING utf8mb4)"
        if col.kind in ("num", "temporal"):
            parts.append(f"IFNULL({col.ident}, {null})")
        elif col.kind == "bit":
            parts.append(f"IFNULL({col.ident} + 0, {null})")
        elif col.kind == "binary":
            parts.append(f"IF({col.ident} IS NULL, {null}, CONCAT('0x', HEX({col.ident})))")
        else:
            parts.append(f"IF({col.ident} IS NULL, {null}, {_tsv_escape(_text(col))})")
    return f"CAST(CONCAT_WS(CHAR(9), {', '.join(parts)}) AS BINARY)", []


def json_line_sql(cols: list[ColumnKind]) -> tuple[str, list]:
    parts, params = [], []
    for col in cols:
        if col.kind == "bit":
            value = f"{col.ident} + 0"
        elif col.kind == "binary":
            value = f"IF({col.ident} IS NULL, NULL, CONCAT('0x', HEX({col.ident})))"
        elif col.kind == "temporal":
            value = f"CAST({col.ident} AS CHAR)"
        elif col.kind == "num":
            value = col.ident
        else:
            value = _text(col)
        parts.append(f"%s, {value}")
        params.append(col.name)
    return f"CAST(JSON_OBJECT({', '.join(parts)}) AS BINARY)", params


def sql_values_sql(cols: list[ColumnKind]) -> tuple[str, list]:
    parts = []
    for col in cols:
        if col.kind == "num":
            parts.append(f"IFNULL({col.ident}, 'NULL')")
        elif col.kind == "bit":
            parts.append(f"IFNULL({col.ident} + 0, 'NULL')")
        elif col.kind == "binary":
            parts.append(
                f"IF({col.ident} IS NULL, 'NULL', IF(LENGTH({col.ident}) = 0, '''''', CONCAT('0x', HEX({col.ident}))))"
            )
        else:
            # Raw CR/LF inside the literal become \r and \n: one row per line, and clients that
            # rewrite line ends (the mariadb CLI on some systems) cannot change the data.
            parts.append(
                f"REPLACE(REPLACE(QUOTE({_text(col)}), CHAR(13 USING utf8mb4), CHAR(92, 114 USING utf8mb4)), "
                "CHAR(10 USING utf8mb4), CHAR(92, 110 USING utf8mb4))"
            )
    return f"CAST(CONCAT('(', CONCAT_WS(',', {', '.join(parts)}), ')') AS BINARY)", []


# -- writers ---------------------------------------------------------------------------------
class Progress:
    """Counts rows across tables and reports to the job (which raises Cancelled when asked)."""

    def __init__(self, job: ProgressJob | None):
        self.job = job
        self.rows = 0

    def add(self, n: int, out=None) -> None:
        self.rows += n
        if self.job is not None:
            self.job.progress(done=self.rows, bytes_done=out.tell() if out is not None else None)


def _select_from(select_sql: str, is_table: bool, table_ref: str) -> str:
    return f"FROM {table_ref}" if is_table else f"FROM ({select_sql}) AS eddy_q"


def _stream(conn, expr_params, from_clause, progress, out, write_batch: Callable[[list], None]) -> None:
    expr, params = expr_params
    for batch in stream_line_batches(conn, f"SELECT {expr} {from_clause}", params):
        write_batch(batch)
        progress.add(len(batch), out)
    _refuse_cut_lines(conn)


def _refuse_cut_lines(conn) -> None:
    """The server builds each line with string functions whose result may not pass
    max_allowed_packet: past it a field becomes NULL with warning 1301 (and CONCAT_WS drops it),
    which would leave a silently broken file. Such an export fails instead (nothing is kept)."""
    cut = [w for w in conn.query("SHOW WARNINGS") if int(w.Code) == 1301]
    if cut:
        packet = int(conn.get("SELECT @@max_allowed_packet AS p").p)
        raise DatabaseError(
            f"A row is too large to export as one line: its values, written out, pass the server's "
            f"max_allowed_packet ({packet:,} bytes), so the server cut them ({cut[0].Message}). "
            "Nothing was written. Raise max_allowed_packet on the server, or export fewer columns.",
            1301,
        )


def write_csv(conn, out, cols, from_clause, opts: ExportOptions, progress: Progress) -> None:
    eol = opts.line_end.encode()
    if opts.bom:
        out.write(b"\xef\xbb\xbf")
    if opts.header:
        q = opts.quote
        out.write(opts.delimiter.join(q + c.name.replace(q, q * 2) + q for c in cols).encode() + eol)

    def write(batch):
        out.write(eol.join(batch))
        out.write(eol)

    _stream(conn, csv_line_sql(cols, opts), from_clause, progress, out, write)


def write_tsv(conn, out, cols, from_clause, opts: ExportOptions, progress: Progress) -> None:
    if opts.bom:
        out.write(b"\xef\xbb\xbf")
    if opts.header:
        out.write("\t".join(c.name for c in cols).encode() + b"\n")

    def write(batch):
        out.write(b"\n".join(batch))
        out.write(b"\n")

    _stream(conn, tsv_line_sql(cols), from_clause, progress, out, write)


def write_json(conn, out, cols, from_clause, opts: ExportOptions, progress: Progress) -> None:
    lines = opts.format == "jsonl"
    state = {"first": True}
    if not lines:
        out.write(b"[")

    def write(batch):
        if lines:
            out.write(b"\n".join(batch))
            out.write(b"\n")
        else:
            out.write(b"\n" if state["first"] else b",\n")
            out.write(b",\n".join(batch))
            state["first"] = False

    _stream(conn, json_line_sql(cols), from_clause, progress, out, write)
    if not lines:
        out.write(b"\n]\n")


def write_sql_inserts(conn, out, cols, from_clause, target: str, progress: Progress) -> None:
    head = f"INSERT INTO {target} ({', '.join(c.ident for c in cols)}) VALUES\n".encode()
    pending: list[bytes] = []
    size = 0

    def flush():
        nonlocal size
        if pending:
            out.write(head + b",\n".join(pending) + b";\n")
            pending.clear()
            size = 0

    def write(batch):
        nonlocal size
        for line in batch:
            pending.append(line)
            size += len(line) + 2
            if size >= SQL_INSERT_BYTES:
                flush()

    _stream(conn, sql_values_sql(cols), from_clause, progress, out, write)
    flush()


SQL_HEADER = (
    "-- Eddy SQL export\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
    "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
    "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE, TIME_ZONE='+00:00' */;\n\n"
)
SQL_FOOTER = (
    "\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n"
    "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
    "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
    "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
)


def _set_session_for_export(conn: Connection) -> None:
    # Timestamps come out in UTC so that the SQL file (TIME_ZONE='+00:00') restores them exactly.
    conn.execute("SET SESSION time_zone = '+00:00'")


def _xlsx_value(value):
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return float(value) if len(value.as_tuple().digits) <= 15 else str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex().upper()
    return str(value)


def write_xlsx_sheet(conn, workbook, sheet_name, cols, select_sql, opts, progress) -> None:
    sheet = workbook.add_worksheet(sheet_name[:31] or "Sheet1")
    row_no = 0
    if opts.header:
        bold = workbook.add_format({"bold": True})
        for i, c in enumerate(cols):
            sheet.write_string(0, i, c.name, bold)
        row_no = 1
    _names, rows = conn.stream(select_sql)
    count = 0
    for row in rows:
        if row_no > XLSX_MAX_ROWS:
            raise ValueError(f"An XLSX sheet holds at most {XLSX_MAX_ROWS + 1:,} rows: export to CSV instead")
        for i, value in enumerate(row):
            value = _xlsx_value(value)
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row_no, i, value)
            else:
                sheet.write_number(row_no, i, value)
        row_no += 1
        count += 1
        if count % 2000 == 0:
            progress.add(2000)
    progress.add(count % 2000)


# -- the job ---------------------------------------------------------------------------------
def _tables_of(conn: Connection, database: str) -> list[tuple[str, str]]:
    rows = conn.query(
        "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_TYPE = 'VIEW', TABLE_NAME",
        database,
    )
    return [(r.name, "view" if r.type == "VIEW" else "table") for r in rows]


def _estimate_rows(conn: Connection, database: str, tables: list[str]) -> int | None:
    if not tables:
        return None
    marks = ", ".join(["%s"] * len(tables))
    row = conn.get(
        "SELECT SUM(TABLE_ROWS) AS n FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ({marks})",
        database,
        *tables,
    )
    return int(row.n) if row and row.n is not None else None


def _write_one(conn, out, source_select, is_table, table_ref, cols, opts, progress, sql_target=None):
    from_clause = _select_from(source_select, is_table, table_ref)
    if opts.format == "csv":
        write_csv(conn, out, cols, from_clause, opts, progress)
    elif opts.format == "tsv":
        write_tsv(conn, out, cols, from_clause, opts, progress)
    elif opts.format in ("json", "jsonl"):
        write_json(conn, out, cols, from_clause, opts, progress)
    elif opts.format == "sql":
        write_sql_inserts(conn, out, cols, from_clause, sql_target, progress)


def _sql_table_block(conn, out, database, table, opts, progress) -> None:
    create = conn.query(f"SHOW CREATE TABLE {qualified(database, table)}")[0]
    ddl = list(create.values())[1]
    ident = quote_identifier(table)
    if opts.sql_create:
        out.write(f"DROP TABLE IF EXISTS {ident};\n{ddl};\n\n".encode())
    # Generated columns are computed again on restore: the server refuses values for them.
    stored = conn.query(
        "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
        "AND EXTRA NOT LIKE '%%GENERATED%%' ORDER BY ORDINAL_POSITION",
        database,
        table,
    )
    names = ", ".join(quote_identifier(r.name) for r in stored) or "*"
    select_sql = f"SELECT {names} FROM {qualified(database, table)}"
    cols = describe(conn, select_sql)
    _write_one(conn, out, select_sql, True, qualified(database, table), cols, opts, progress, sql_target=ident)
    out.write(b"\n")


def run_export(
    conn: Connection, source: ExportSource, opts: ExportOptions, path: Path, job: ProgressJob | None = None
) -> dict:
    """Write the export to `path` (atomically); return rows, bytes and seconds."""
    opts.validate()
    path = Path(path)
    progress = Progress(job)
    _set_session_for_export(conn)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb", buffering=1024 * 1024) as out:
            _export_into(conn, out, source, opts, progress, job)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ExportFailed(
                f"The disk holding {path.parent} is full: {progress.rows:,} rows were written before it ran "
                f"out. Nothing was saved as {path.name} (the partial file was removed); free some space "
                "or choose another folder."
            ) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"rows": progress.rows, "bytes": path.stat().st_size, "path": str(path), "filename": path.name}


def _export_into(
    conn, out, source: ExportSource, opts: ExportOptions, progress: Progress, job: ProgressJob | None
) -> None:
    if source.whole_database:
        tables = _tables_of(conn, source.database)
        if job is not None:
            job.total = _estimate_rows(conn, source.database, [t for t, k in tables if k == "table"])
        if opts.format == "sql":
            from core.services.transfer.dump import write_database_dump

            # A dump restores wherever it is run: no USE, no database names (see dump.py).
            write_database_dump(
                conn,
                out,
                source.database,
                lambda name: _sql_table_block(conn, out, source.database, name, opts, progress),
            )
        elif opts.format == "xlsx":
            _xlsx(conn, out, [(n, f"SELECT * FROM {qualified(source.database, n)}") for n, k in tables], opts, progress)
        else:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                members = member_names([name for name, _kind in tables], FORMATS[opts.format])
                for (name, _kind), member_name in zip(tables, members, strict=True):
                    select_sql = f"SELECT * FROM {qualified(source.database, name)}"
                    cols = describe(conn, select_sql)
                    with archive.open(member_name, "w", force_zip64=True) as member:
                        counted = _Counting(member)
                        _write_one(
                            conn, counted, select_sql, True, qualified(source.database, name), cols, opts, progress
                        )
        return

    select_sql = source_sql(source.database, source.table, source.sql)
    if source.database:
        conn.use(source.database)
    if job is not None and source.table:
        job.total = _estimate_rows(conn, source.database, [source.table])
    if opts.format == "xlsx":
        _xlsx(conn, out, [(source.label(), select_sql)], opts, progress)
        return
    is_table = bool(source.table)
    if is_table:
        cols = describe(conn, select_sql)
    else:
        select_sql, cols = _ordered_query(conn, select_sql)
    table_ref = qualified(source.database, source.table) if is_table and source.database else None
    if opts.format == "sql":
        out.write(SQL_HEADER.encode())
        if is_table and source.database:
            _sql_table_block(conn, out, source.database, source.table, opts, progress)
        else:
            target = quote_identifier(source.table or "query_result")
            _write_one(conn, out, select_sql, False, None, cols, opts, progress, sql_target=target)
        out.write(SQL_FOOTER.encode())
        return
    _write_one(conn, out, select_sql, is_table and table_ref is not None, table_ref, cols, opts, progress)


def _ordered_query(conn: Connection, select_sql: str) -> tuple[str, list[ColumnKind]]:
    """The query as a derived table that keeps its ORDER BY, and its columns.

    MariaDB drops the ORDER BY of a derived table unless it has a LIMIT; a query that has
    one already makes the added LIMIT a syntax error, and then keeps its order as written.
    """
    from core.db.errors import DatabaseError

    limited = f"{select_sql}\nLIMIT 18446744073709551615"
    try:
        return limited, describe(conn, limited)
    except DatabaseError:
        return select_sql, describe(conn, select_sql)


class _Counting(io.RawIOBase):
    """A write-only stream that knows how many bytes went through (zip members have no tell())."""

    def __init__(self, inner):
        self.inner = inner
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.inner.write(data)
        self.count += len(data)
        return len(data)

    def tell(self) -> int:
        return self.count


def _xlsx(conn, out, sheets: list[tuple[str, str]], opts: ExportOptions, progress: Progress) -> None:
    import xlsxwriter

    # constant_memory streams each row to a temp file; the workbook is zipped into `out` at close.
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        used = set()
        for name, select_sql in sheets:
            cols = describe(conn, select_sql)
            sheet_name = _unique_sheet_name(name, used)
            write_xlsx_sheet(conn, workbook, sheet_name, cols, select_sql, opts, progress)
    finally:
        workbook.close()


def _unique_sheet_name(name: str, used: set) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "Sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:26]}~{n}"
    used.add(candidate.lower())
    return candidate
