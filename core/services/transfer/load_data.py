"""LOAD DATA LOCAL INFILE: the server's own loader, for maximum speed.

A CSV is not handed to the server as it is: LOAD DATA cannot tell a quoted "" from an empty field
(or a quoted "NULL" from the bare word). Eddy parses it with the same reader as the INSERT path
and feeds the server MySQL's escaped TSV (\\N for NULL) through a pipe, so the result is exactly
the INSERT path's, at the loader's speed; any encoding is re-encoded as UTF-8 on the way. Eddy's
own TSV is sent as it is. LOCAL makes refused values warnings: any warning rolls the load back.
"""

import os
import shutil
import threading
import time

from core.db import Connection, DatabaseError
from core.db.errors import ConnectionLost
from core.db.sql import qualified, quote_identifier
from core.db.statements import ReadOnlyViolation, check_read_only
from core.services.jobs import Cancelled
from core.services.transfer.batches import (
    B_FIELD_SEP,
    B_NULL,
    B_ROW_SEP,
    FIELD_SEP,
    NULL_MARK,
    ROW_SEP,
    SENTINEL_PREFIX,
)
from core.services.transfer.columns import kind_of_data_type
from core.services.transfer.csv_import import (
    ROW_IN_MESSAGE,
    SURROGATES,
    CsvImporter,
    ImportFailed,
    ImportResult,
    _column_of,
    _sql_mode,
    table_columns,
)
from core.services.transfer.formats import RecordReader
from core.services.transfer.load_folders import (  # noqa: F401  (LOAD_FOLDER_PREFIX: part of this module's API)
    LOAD_FOLDER_PREFIX,
    clean_leftover_load_folders,
    new_load_folder,
)

TSV_REPLACEMENTS = (
    (b"\\", b"\\\\"),
    (b"\t", b"\\t"),
    (b"\n", b"\\n"),
    (b"\r", b"\\r"),
    (b"\x00", b"\\0"),
    (B_FIELD_SEP, b"\t"),
    (B_ROW_SEP, b"\n"),
    (B_NULL, b"\\N"),
)
TSV_VALUE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0"})


# LOAD DATA LOCAL refused: 1148 (MariaDB, MySQL 5.x), 3948 (MySQL 8: local_infile is OFF by default),
# 4166 (MariaDB 10.6+ when the client did not enable it).
LOCAL_INFILE_REFUSED = (1148, 3948, 4166)


def local_infile_refusal(code: int | None, message: str) -> str | None:
    """The clear message for a server that refuses LOAD DATA LOCAL (None for any other error)."""
    if code not in LOCAL_INFILE_REFUSED:
        return None
    return (
        f"The server does not allow LOAD DATA LOCAL ({message}): use the normal import, "
        "or ask the administrator to set local_infile=ON"
    )


def tsv_lines(rows: list[list]) -> bytes:
    """Rows (str or None) as MySQL's escaped TSV, a batch at a time (UnicodeEncodeError: bad bytes)."""
    texts, nulls = [], 0
    for fields in rows:
        if None in fields:
            nulls += fields.count(None)
            fields = [NULL_MARK if v is None else v for v in fields]
        texts.append(FIELD_SEP.join(fields))
    data = ROW_SEP.join(texts).encode("utf-8")
    width = len(rows[0]) if rows else 0
    if data.count(SENTINEL_PREFIX) != len(rows) * (width - 1) + len(rows) - 1 + nulls:
        # The data holds a sentinel character: escape value by value.
        return "".join(
            "\t".join("\\N" if v is None else v.translate(TSV_VALUE) for v in fields) + "\n" for fields in rows
        ).encode("utf-8")
    for old, new in TSV_REPLACEMENTS:
        if old in data:
            data = data.replace(old, new)
    return data + b"\n"


class TsvFeeder:
    """Writes the parsed CSV as escaped TSV into a pipe (or a temp file) that LOAD DATA reads.

    Memory does not depend on the file's size: nothing is kept per record. When the server names a
    row in an error, line_of_row() reads the file again up to that record to say its line."""

    def __init__(self, imp, width: int):
        self.imp = imp
        self.width = width
        self.folder = new_load_folder()
        self.path = self.folder / "rows.tsv"
        self.fifo = hasattr(os, "mkfifo")
        if self.fifo:
            os.mkfifo(self.path, 0o600)
        self.sent = 0  # records written so far
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="eddy-load-feed", daemon=True)

    def start(self) -> None:
        if self.fifo:
            self.thread.start()
        else:  # no named pipes (Windows): write the whole file first
            self._run()

    def _run(self) -> None:
        imp = self.imp
        try:
            with (
                open(self.path, "wb") as out,
                RecordReader(imp.path, imp.dialect, imp.opts.empty, imp.opts.null_marker) as reader,
            ):
                reader.read_header()
                batch, lines = [], []
                for line, fields in reader:
                    if len(fields) != self.width:
                        raise ImportFailed(
                            f"Bad row at line {line}: expected {self.width} fields, found {len(fields)}", line=line
                        )
                    batch.append(fields)
                    lines.append(line)
                    if len(batch) >= 2000:
                        self._write(out, batch, lines)
                        batch, lines = [], []
                        if imp.job is not None and imp.job.cancel_requested:
                            return
                if batch:
                    self._write(out, batch, lines)
        except BrokenPipeError:
            pass  # the server stopped reading: the load failed or was cancelled
        except BaseException as exc:  # reported by load_data after the statement ends
            self.error = exc

    def _write(self, out, batch, lines) -> None:
        try:
            data = tsv_lines(batch)
        except UnicodeEncodeError:
            for fields, line in zip(batch, lines):
                for t in self.imp.mapping:
                    v = fields[t.source] if t.source is not None else None
                    if v is not None and SURROGATES.search(v):
                        byte = ord(SURROGATES.search(v).group()) - 0xDC00
                        raise ImportFailed(
                            f"Bad row at line {line}, column '{t.column}': bad encoding: byte 0x{byte:02X} is not "
                            f"valid {self.imp.dialect.encoding}",
                            line=line,
                            column=t.column,
                        ) from None
            raise
        self.sent += len(batch)
        out.write(data)

    def finish(self) -> None:
        """Wait for the writer; unblock it if the server never opened (or stopped reading) the pipe.
        The writer may reach its open() only after a first unblocking, so keep offering a reader."""
        deadline = time.monotonic() + 30
        while self.fifo and self.thread.is_alive() and time.monotonic() < deadline:
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
            self.thread.join(0.05)
        if self.thread.is_alive():
            self.thread.join(max(0.0, deadline - time.monotonic()))
        shutil.rmtree(self.folder, ignore_errors=True)

    def line_of_row(self, n: int) -> int | None:
        """The file line where the n-th record sent (1-based) starts, read again from the file."""
        if not 0 < n <= self.sent:
            return None
        imp = self.imp
        with RecordReader(imp.path, imp.dialect, imp.opts.empty, imp.opts.null_marker) as reader:
            reader.read_header()
            for count, (line, _fields) in enumerate(reader, 1):
                if count == n:
                    return line
        return None


def load_data(imp: CsvImporter, header, width) -> ImportResult:
    """LOAD DATA LOCAL INFILE of the file (Eddy's TSV) or of its exact TSV transcoding (a CSV)."""
    d, opts = imp.dialect, imp.opts
    if opts.on_duplicate == "update":
        raise ImportFailed("LOAD DATA cannot update duplicates: use the normal import for that")
    if opts.resume_from:
        raise ImportFailed("LOAD DATA cannot resume from a checkpoint: use the normal import for that")
    transcode = not d.escapes
    charset = (
        "utf8mb4"
        if transcode
        else {"utf-8": "utf8mb4", "utf-8-sig": "utf8mb4", "latin-1": "latin1", "gb18030": "gbk"}[d.encoding]
    )
    # One door: the same session set-up as every connection (TLS refusal before the login, timeouts,
    # read-only session and statement checks, which refuse LOAD DATA on a read-only profile).
    width = width or (max((t.source for t in imp.mapping if t.source is not None), default=-1) + 1)
    kinds = {c["name"]: kind_of_data_type(c["data_type"]) for c in table_columns(imp.conn, imp.database, imp.table)}
    sql_mode = _sql_mode(imp.conn)
    raw = imp.conn.local_infile_session(imp.database)
    feeder = None
    stop = threading.Event()
    job = imp.job

    def watch_cancel():
        # LOAD DATA is one statement: cancelling means KILL QUERY from a second connection.
        while not stop.wait(0.2):
            if job is not None and job.cancel_requested:
                try:
                    imp.conn.execute(f"KILL QUERY {int(raw.thread_id)}")
                except DatabaseError:
                    pass
                return

    watcher = threading.Thread(target=watch_cancel, daemon=True)
    try:
        raw.execute("SET SESSION sql_mode = %s", sql_mode)
        raw.execute("SET SESSION time_zone = '+00:00'")
        sql = _load_statement(imp, raw, kinds, width, charset, transcode)
        if raw.params.read_only:
            check_read_only(sql)  # refused before a pipe and its writer exist (the connection refuses too)
        feeder = TsvFeeder(imp, width) if transcode else None
        infile = str(feeder.path if feeder else imp.path)
        sql = sql.replace("{infile}", raw.literal(infile).replace("%", "%%"))
        raw.offer_local_file(infile)  # the only file the server may ask this connection for
        imp.count_before()  # after a lost connection, a count tells what was committed
        raw.begin()
        watcher.start()
        if feeder:
            feeder.start()
        try:
            imp.result.rows = raw.execute_rowcount(sql)
            warnings = raw.warnings()
        finally:
            stop.set()
            if feeder:
                feeder.finish()
        if feeder and feeder.error is not None:
            raise feeder.error
        if job is not None:
            job.check_cancelled()
        problems = [w for w in warnings if w[0] in ("Warning", "Error")]
        if problems:
            # LOCAL turns refused values into warnings (the server cannot stop the upload): undo.
            level, code, message = problems[0][:3]
            raise DatabaseError(f"{message} ({len(problems)} problem(s) in all)", code)
        try:
            raw.commit()
        except ConnectionLost as exc:  # the server may have committed: count and say what landed
            failed = imp.after_loss(exc, committing=True)
            if failed is not None:
                raise failed from exc
        imp.result.records = imp.result.rows
        imp.result.warnings = [f"{w[0]} {w[1]}: {w[2]}" for w in warnings[:20]]
        if job is not None:
            job.progress(done=imp.result.rows, bytes_done=imp.path.stat().st_size)
    except ConnectionLost as exc:  # before COMMIT: the server rolled the load back; count to be sure
        raise imp.after_loss(exc, committing=False) from exc
    except ReadOnlyViolation:
        raise  # "Read-only connection ..."
    except ImportFailed:
        _rollback(raw)
        raise
    except DatabaseError as exc:
        _rollback(raw)
        if job is not None and job.cancel_requested:
            raise Cancelled("Cancelled by the user") from exc
        message = exc.message
        refused = local_infile_refusal(exc.code, message)
        if refused:
            raise ImportFailed(refused) from exc
        m = ROW_IN_MESSAGE.search(message)
        line = None
        if m and feeder:
            line = feeder.line_of_row(int(m.group(1)))
        elif m:
            line = int(m.group(1)) + (1 if d.header else 0)
        raise ImportFailed(
            f"LOAD DATA failed{f' at line {line}' if line else ''}: {message}", line=line, column=_column_of(message)
        ) from exc
    except BaseException:
        _rollback(raw)
        raise
    finally:
        stop.set()
        if feeder is not None:
            feeder.finish()
        raw.close()
    return imp.result


def _rollback(conn: Connection) -> None:
    try:
        conn.rollback()
    except DatabaseError:
        pass  # the connection is gone: nothing was committed


def _load_statement(imp, raw: Connection, kinds: dict, width: int, charset: str, transcode: bool) -> str:
    """The LOAD DATA statement ({infile} left to fill in), with literals escaped for the session."""
    d, opts = imp.dialect, imp.opts
    variables = [f"@c{i}" for i in range(width)]
    sets = []
    for t in imp.mapping:
        ident = quote_identifier(t.column)
        if t.source is None:
            sets.append(f"{ident} = {raw.literal(t.constant)}")
            continue
        v = value = f"@c{int(t.source)}"  # NULLs arrive as \\N: the feeder resolved them exactly
        kind = kinds.get(t.column)
        if kind == "binary":  # Eddy writes bytes as 0x-hex
            value = f"IF({v} REGEXP '^0[xX][0-9a-fA-F]*$', UNHEX(SUBSTRING({v}, 3)), CAST({value} AS BINARY))"
        elif kind == "bit":
            value = f"CAST({value} AS UNSIGNED)"
        sets.append(f"{ident} = {value}")
    verb = {"skip": "IGNORE", "replace": "REPLACE"}.get(opts.on_duplicate, "")
    delimiter = "\t" if transcode else d.delimiter
    line_end = "\n" if transcode else d.line_end
    skip_lines = 0 if transcode else (1 if d.header else 0)
    statement = (
        f"LOAD DATA LOCAL INFILE {{infile}} {verb} INTO TABLE {qualified(imp.database, imp.table)} "
        f"CHARACTER SET {charset} FIELDS TERMINATED BY {raw.literal(delimiter)} ESCAPED BY {raw.literal(chr(92))} "
        f"LINES TERMINATED BY {raw.literal(line_end)} IGNORE {skip_lines} LINES "
        f"({', '.join(variables)}) SET {', '.join(sets)}"
    )
    return statement.replace("%", "%%")  # run with execute_rowcount (PyMySQL %-formatting, no parameters)
