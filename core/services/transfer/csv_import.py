"""Import a CSV/TSV file into a table: streamed, batched under max_allowed_packet, one transaction.

Rows are parsed by the csv module (core.services.transfer.formats) and sent as multi-row
INSERTs built a batch at a time (core.services.transfer.batches) rather than by PyMySQL's
executemany, with two statements in flight so the server never waits for the parser.

Failure keeps the table as it was: the import runs in one transaction (or, when asked, commits
every N rows and reports a checkpoint to resume from); cancel or any error rolls back. A bad row
(wrong column count, a value the column refuses, bad encoding) is reported with its line number,
column and reason, or skipped and written to a rejects CSV when the user chose that.
"""

import csv
import re
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from core.db import Connection, DatabaseError
from core.db.errors import ConnectionLost
from core.db.flavour import DEFAULT_FLAVOUR, Flavour
from core.db.sql import qualified, quote_identifier
from core.services.errors import ServiceError, refuses_as_bad_options
from core.services.gc_pause import fewer_collections
from core.services.jobs import Cancelled, ProgressJob
from core.services.transfer.batches import NULL_MARK, RAW_MARK, BatchBuilder
from core.services.transfer.columns import kind_of_data_type
from core.services.transfer.formats import Dialect, RecordReader, RecordTooLarge

DUPLICATES = ("error", "skip", "replace", "update")
STATEMENT_SLACK = 1024  # bytes of max_allowed_packet kept free for the statement around the values
BIG_LITERAL = 1024  # in a row too big for one statement, values longer than this go ahead in pieces
ROW_IN_MESSAGE = re.compile(r"at row (\d+)")
SURROGATES = re.compile("[\udc80-\udcff]")


class ImportFailed(ServiceError):
    """The import stopped; nothing was kept (or, in batched mode, everything before the checkpoint)."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None, checkpoint=None, outcome=None):
        super().__init__(message)
        self.line = line
        self.column = column
        self.checkpoint = checkpoint
        if outcome:  # after a lost connection: "not_saved" or "unknown", shown with the job
            self.details = {"outcome": outcome}


@dataclass
class Target:
    """Where each table column's value comes from: a file column index or a constant."""

    column: str
    source: int | None = None
    constant: str | None = None


@dataclass
class ImportOptions:
    empty: str = "null"  # unquoted empty field: "null" or "empty" (a quoted "" is always '')
    null_marker: str = ""  # e.g. \N or NULL; unquoted fields equal to it are NULL
    on_duplicate: str = "error"
    bad_rows: str = "stop"  # or "skip": rejected rows go to a CSV file
    commit_every: int = 0  # 0: one transaction; N: commit every N rows (resumable checkpoint)
    resume_from: int = 0  # data records to skip (the checkpoint of an earlier batched import)
    method: str = "insert"  # or "load_data": LOAD DATA LOCAL INFILE, the server's own loader
    batch_bytes: int = 0  # 0: from max_allowed_packet

    @classmethod
    @refuses_as_bad_options(ValueError, TypeError)
    def from_dict(cls, data: dict) -> "ImportOptions":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        opts = cls(**known)
        if opts.empty not in ("null", "empty"):
            raise ValueError("empty must be 'null' or 'empty'")
        if opts.on_duplicate not in DUPLICATES:
            raise ValueError(f"on_duplicate must be one of {', '.join(DUPLICATES)}")
        if opts.bad_rows not in ("stop", "skip"):
            raise ValueError("bad_rows must be 'stop' or 'skip'")
        if opts.method not in ("insert", "load_data"):
            raise ValueError("method must be 'insert' or 'load_data'")
        opts.commit_every = max(0, int(opts.commit_every or 0))
        opts.resume_from = max(0, int(opts.resume_from or 0))
        return opts


@dataclass
class ImportResult:
    rows: int = 0  # rows inserted (or affected)
    records: int = 0  # data records read from the file
    skipped: int = 0
    rejects_path: str | None = None
    checkpoint: int = 0
    warnings: list = field(default_factory=list)
    outcome: str = "saved"
    note: str = ""  # what a lost connection at COMMIT turned out to be

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "note": self.note,
            "rows": self.rows,
            "records": self.records,
            "skipped": self.skipped,
            "rejects_path": self.rejects_path,
            "checkpoint": self.checkpoint,
            "warnings": self.warnings,
        }


def table_columns(conn: Connection, database: str, table: str) -> list[dict]:
    rows = conn.query(
        "SELECT COLUMN_NAME AS name, DATA_TYPE AS data_type, COLUMN_TYPE AS type, IS_NULLABLE = 'YES' AS nullable, "
        "EXTRA AS extra, COLUMN_KEY AS `key`, GENERATION_EXPRESSION AS generation_expression "
        "FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
        database,
        table,
    )
    if not rows:
        raise ImportFailed(f"Table '{database}.{table}' does not exist")
    return [dict(r) for r in rows]


def default_mapping(header: list[str] | None, width: int, columns: list[dict]) -> list[Target]:
    """By name when the file has a header (case-insensitive), else by position; generated columns skipped."""
    # Generated = a generation expression (MySQL's EXTRA DEFAULT_GENERATED is an expression default).
    names = [c["name"] for c in columns if not (c.get("generation_expression") or "").strip()]
    if header:
        index = {h.strip().lower(): i for i, h in enumerate(header)}
        return [Target(n, source=index[n.lower()]) for n in names if n.lower() in index]
    return [Target(n, source=i) for i, n in enumerate(names[:width])]


@refuses_as_bad_options(ValueError, TypeError)
def mapping_from_list(items: list[dict]) -> list[Target]:
    targets = []
    if not isinstance(items, list):
        raise ValueError("The mapping must be a list of {column, source} objects")
    for item in items or []:
        if not isinstance(item, dict):
            raise ValueError("Each mapping item must be a {column, source} object")
        if not item.get("column"):
            continue
        if item.get("constant") is not None:
            targets.append(Target(item["column"], constant=str(item["constant"])))
        elif item.get("source") is not None and item.get("source") != "":
            targets.append(Target(item["column"], source=int(item["source"])))
    return targets


def _insert_head(
    database: str, table: str, targets: list[Target], on_duplicate: str, flavour: Flavour = DEFAULT_FLAVOUR
) -> tuple[str, str]:
    cols = ", ".join(quote_identifier(t.column) for t in targets)
    verb = "REPLACE" if on_duplicate == "replace" else "INSERT"
    head = f"{verb} INTO {qualified(database, table)} ({cols}) VALUES "
    tail = ""
    if on_duplicate == "skip":
        # Not INSERT IGNORE: that would also turn refused values into silent warnings.
        first = quote_identifier(targets[0].column)
        tail = f" ON DUPLICATE KEY UPDATE {first} = {first}"
    elif on_duplicate == "update":
        # VALUES(col) is deprecated on MySQL 8.0.20+: the flavour uses a row alias there.
        alias, update = flavour.upsert_tail([quote_identifier(t.column) for t in targets])
        tail = alias + update
    return head, tail


def transaction_limit_note(flavour: Flavour, file_bytes: int, commit_every: int, refuse: bool = False) -> str | None:
    """What to say when a one-transaction import may pass the server's transaction size limit
    (TiDB: 100 MiB by default): a warning from half the limit on, a refusal (refuse=True) past it."""
    limit = flavour.transaction_limit
    if not limit or commit_every or file_bytes < (limit if refuse else limit // 2):
        return None
    mib = limit // (1024 * 1024)
    return (
        f"{flavour.label} refuses a transaction over {mib} MiB (txn-total-size-limit) and this file is "
        f"{file_bytes / (1024 * 1024):.0f} MiB: import in batches (commit every N rows) instead of one transaction."
    )


def _sql_mode(conn: Connection) -> str:
    mode = conn.get("SELECT @@SESSION.sql_mode AS m").m or ""
    parts = [p for p in mode.split(",") if p and p != "NO_BACKSLASH_ESCAPES"]
    if "STRICT_ALL_TABLES" not in parts:
        parts.append("STRICT_ALL_TABLES")
    return ",".join(parts)


def max_packet(conn: Connection) -> int:
    return int(conn.get("SELECT @@max_allowed_packet AS p").p)


def _column_of(message: str) -> str | None:
    """The column a server error names: `db`.`table`.`col`, `col` or 'col'."""
    m = re.search(r"column\s+((?:`[^`]*`\.?)+)", message)
    if m:
        return re.findall(r"`([^`]*)`", m.group(1))[-1]
    m = re.search(r"column\s+'([^']+)'", message)
    return m.group(1).split(".")[-1] if m else None


def too_large(exc: RecordTooLarge, header: list[str] | None, checkpoint: int = 0) -> ImportFailed:
    """A record over the reader's limit as an import failure naming its line and column."""
    column = None
    if exc.column is not None:
        column = header[exc.column] if header and exc.column < len(header) else f"column {exc.column + 1}"
    message = str(exc) + (f" Column: '{column}'." if column else "") + " Nothing was imported."
    return ImportFailed(message, line=exc.line, column=column, checkpoint=checkpoint)


def record_limit(packet: int, columns: int) -> int:
    """The most characters one record may hold: every mapped column as large as the server accepts."""
    return packet * max(1, columns) + 64 * 1024


class CsvImporter:
    def __init__(
        self,
        conn: Connection,
        database: str,
        table: str,
        path: Path,
        dialect: Dialect,
        opts: ImportOptions,
        mapping: list[Target] | None = None,
        job: ProgressJob | None = None,
        rejects_dir: Path | None = None,
    ):
        self.conn = conn
        self.database = database
        self.table = table
        self.path = Path(path)
        self.dialect = dialect
        self.opts = opts
        self.mapping = mapping
        self.job = job
        self.rejects_dir = rejects_dir
        self.result = ImportResult()
        self._rejects = None
        self._rejects_writer = None

    # -- rejects ----------------------------------------------------------------------------
    def _reject(self, line: int, fields: list, reason: str, header: list[str] | None, column: str | None = None):
        if self.opts.bad_rows != "skip":
            where = f"line {line}" + (f", column '{column}'" if column else "")
            raise ImportFailed(
                f"Bad row at {where}: {reason}", line=line, column=column, checkpoint=self.result.checkpoint
            )
        if self._rejects is None:
            f = tempfile.NamedTemporaryFile(
                "w",
                encoding="utf-8",
                newline="",
                suffix="-rejected.csv",
                prefix="eddy-",
                delete=False,
                dir=self.rejects_dir,
            )
            self._rejects = f
            self.result.rejects_path = f.name
            self._rejects_writer = csv.writer(f)
            self._rejects_writer.writerow(["line", "column", "reason", *(header or [])])
        safe = ["" if v is None else v.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for v in fields]
        self._rejects_writer.writerow([line, column or "", reason, *safe])
        self.result.skipped += 1

    # -- main loop --------------------------------------------------------------------------
    def run(self) -> ImportResult:
        with fewer_collections():
            return self._run()

    def _run(self) -> ImportResult:
        columns = table_columns(self.conn, self.database, self.table)
        by_name = {c["name"]: c for c in columns}
        conn = self.conn
        too_big = transaction_limit_note(conn.flavour(), Path(self.path).stat().st_size, self.opts.commit_every, True)
        if too_big and self.opts.method == "insert":
            raise ImportFailed(too_big)
        conn.execute("SET SESSION sql_mode = %s", _sql_mode(conn))
        conn.execute("SET SESSION time_zone = '+00:00'")
        packet = self.packet = max_packet(conn)
        budget = self.opts.batch_bytes or max(16 * 1024, min(packet // 4, 1024 * 1024))
        reader = RecordReader(self.path, self.dialect, self.opts.empty, self.opts.null_marker, limit=packet)
        header = None
        try:
            try:
                header = reader.read_header()
                width = len(header) if header else None
                if self.mapping is None and width is None:
                    first = next(iter(reader), None)
                    width = len(first[1]) if first else 0
                    reader.close()
                    reader = RecordReader(self.path, self.dialect, self.opts.empty, self.opts.null_marker, limit=packet)
            except RecordTooLarge as exc:
                raise too_large(exc, header) from None
            if self.mapping is None:
                self.mapping = default_mapping(header, width, columns)
            if not self.mapping:
                raise ImportFailed("No file column matches a table column: map the columns by hand")
            for t in self.mapping:
                if t.column not in by_name:
                    raise ImportFailed(f"Table '{self.table}' has no column '{t.column}'")
            reader.limit = record_limit(packet, len(self.mapping))
            if self.opts.method == "load_data":
                return self._load_data(header, width)
            if self.opts.commit_every:
                self._check_field_sizes(header, packet)
            self._insert_loop(reader, header, width, columns, by_name, budget, packet)
        finally:
            reader.close()
            if self._rejects is not None:
                self._rejects.close()
        return self.result

    def _insert_loop(self, reader, header, width, columns, by_name, budget, packet):
        """Keep two statements in flight: while the server inserts batch N, batch N+1 already waits in
        its socket and N+2 is being parsed here, so neither side waits for the other's turn."""
        opts, conn, job = self.opts, self.conn, self.job
        needed = max((t.source for t in self.mapping if t.source is not None), default=-1) + 1
        width = width or needed
        kinds = [kind_of_data_type(by_name[t.column]["data_type"]) for t in self.mapping]
        builder = BatchBuilder(self.mapping, kinds, width)
        # The builder puts constant columns last: the column list follows the same order.
        head, tail = _insert_head(self.database, self.table, builder.order, opts.on_duplicate, self.conn.flavour())
        since_commit = 0
        pending: deque = deque()

        def finish_oldest() -> int:
            sent = pending.popleft()  # popped first: a failure leaves nothing of it to drain
            return self._finish(sent, builder, head, tail, packet, header)

        conn.begin()
        self.count_before()
        try:
            records_before = 0  # records of the items before the current one
            for item in self._batches(reader, builder, width, budget, head, tail):
                for line, fields, reason in item["bad"]:
                    self._reject(line, fields, reason, header)
                if job is not None:
                    job.progress(done=self.result.rows, bytes_done=item["bytes_read"])
                if opts.commit_every and since_commit >= opts.commit_every:
                    while pending:
                        since_commit += finish_oldest()
                    self.result.records = records_before
                    self._commit()
                    self.result.checkpoint = self.result.records
                    since_commit = 0
                    conn.begin()
                if not item["texts"]:
                    if not pending:
                        self.result.records = item["records"]
                    records_before = item["records"]
                    continue
                data = item["data"]
                if data is None or len(data) > packet - 1024:
                    # Bad bytes or an oversized batch: the careful, synchronous path.
                    while pending:
                        since_commit += finish_oldest()
                    self._flush(
                        builder,
                        head,
                        tail,
                        item["texts"],
                        item["lines"],
                        item["fields"],
                        item["nulls"],
                        item["raws"],
                        packet,
                        header,
                    )
                    since_commit += len(item["texts"])
                    self.result.records = records_before = item["records"]
                    continue
                item["seq"] = self._send(data)
                pending.append(item)
                while len(pending) > 1:
                    since_commit += finish_oldest()
                records_before = item["records"]
            while pending:
                finish_oldest()
            self.result.records = records_before
            if job is not None:
                job.progress(done=self.result.rows, bytes_done=reader.bytes_read())
            self._commit()
            self.result.checkpoint = self.result.records
        except BaseException as exc:
            if isinstance(exc, ConnectionLost):
                pending.clear()  # their answers died with the old connection: nothing to read
            while pending:
                self._drain(pending.popleft())
            try:
                conn.rollback()
            except DatabaseError:
                pass
            if isinstance(exc, ConnectionLost):
                raise self.after_loss(exc, committing=False) from exc
            if isinstance(exc, Cancelled) and self._rows_committed:
                raise Cancelled(
                    f"Cancelled: the {self._rows_committed:,} rows committed at checkpoints (the first "
                    f"{self.result.checkpoint:,} records) stay; nothing after them was kept. "
                    f"Resume from record {self.result.checkpoint:,}."
                ) from exc
            if isinstance(exc, ImportFailed) and not getattr(exc, "details", None):
                exc.checkpoint = self.result.checkpoint
                if opts.commit_every and self.result.checkpoint:
                    exc.message += (
                        f" Rows of the first {self.result.checkpoint:,} records were committed; "
                        f"resume from record {self.result.checkpoint:,}."
                    )
                    exc.args = (exc.message,)
            raise

    # -- a lost connection: what is on the server? --------------------------------------------
    def _count(self) -> int:
        return int(self.conn.get(f"SELECT COUNT(*) AS n FROM {qualified(self.database, self.table)}").n)

    def _commit(self) -> None:
        """COMMIT; when the connection drops on the way, count the table again and say what landed."""
        try:
            self.conn.commit()
        except ConnectionLost as exc:
            failed = self.after_loss(exc, committing=True)
            if failed is not None:
                raise failed from exc
        self._rows_committed = self.result.rows

    def count_before(self) -> None:
        """The table's rows before this import (in its snapshot): after a lost connection, a count
        tells whether the import's rows were committed. Only where the count is predictable."""
        self._base = self._count() if self.opts.on_duplicate in ("error", "skip") else None
        self._rows_committed = 0

    def after_loss(self, exc: ConnectionLost, committing: bool) -> "ImportFailed | None":
        """None when the rows are verified committed (result notes it); else the ImportFailed to raise."""
        where = "while COMMIT was on its way" if committing else "before COMMIT was sent"
        lost = f"The connection to the server dropped {where} ({exc.message.split(' (')[0]})."
        table = f"{self.database}.{self.table}"
        kept = self._rows_committed
        kept_note = f" The {kept:,} rows committed at earlier checkpoints stay." if kept else ""
        expected_saved = None if self._base is None else self._base + self.result.rows
        expected_unsaved = None if self._base is None else self._base + kept
        try:
            now = self._count() if self._base is not None else None
        except DatabaseError as again:
            now, lost = None, f"{lost} Reconnecting to check failed ({again.message})."
        if now is not None and committing and now == expected_saved and now != expected_unsaved:
            self.result.outcome = "saved"
            self.result.note = (
                f"{lost} Eddy reconnected and counted {table}: {now:,} rows, the import's rows included "
                "(saved, verified)."
            )
            return None
        if now is not None and now == expected_unsaved and (now != expected_saved or not committing):
            return ImportFailed(
                f"{lost} Eddy reconnected and counted {table}: {now:,} rows, as before this import's "
                f"last rows (not saved, verified).{kept_note} Import again"
                + (f" resuming from record {self.result.checkpoint:,}." if kept else "."),
                outcome="not_saved",
                checkpoint=self.result.checkpoint,
            )
        counted = f"{table} now holds {now:,} rows" if now is not None else f"{table} could not be counted"
        before = f"; before the import it held {self._base:,}" if self._base is not None else ""
        return ImportFailed(
            f"{lost} Whether the import's last {self.result.rows - kept:,} rows were saved is unknown: "
            f"{counted}{before}, and the import sent {self.result.rows:,}.{kept_note} Check the table "
            "(someone else may be writing to it) before importing again.",
            outcome="unknown",
            checkpoint=self.result.checkpoint,
        )

    # The statement is sent now and its result read later (Connection.send_query/read_result).
    def _send(self, data: bytes) -> int:
        return self.conn.send_query(data)

    def _receive(self, seq: int) -> int:
        return self.conn.read_result(seq)

    def _drain(self, item) -> None:
        try:
            self._receive(item["seq"])
        except DatabaseError:  # the statement's own error is not the one being reported
            pass

    def _finish(self, item, builder, head, tail, packet, header) -> int:
        """Read a sent batch's result; on a refused row, report it or retry row by row."""
        try:
            affected = self._receive(item["seq"])
            self.result.rows += len(item["texts"]) if self.opts.on_duplicate in ("replace", "update") else affected
        except DatabaseError as exc:
            self._batch_failed(exc, builder, head, tail, item["texts"], item["lines"], item["fields"], header)
        self.result.records = item["records"]
        return len(item["texts"])

    def _batches(self, reader, builder, width, budget, head, tail):
        def item(texts, lines, fields_of, nulls, raws, bad, records):
            try:
                data = builder.statement(head, tail, texts, nulls, raws, fields_of) if texts else None
            except UnicodeEncodeError:
                data = None  # _flush finds the row with bad bytes
            return {
                "data": data,
                "texts": texts,
                "lines": lines,
                "fields": fields_of,
                "nulls": nulls,
                "raws": raws,
                "bad": bad,
                "records": records,
                "bytes_read": reader.bytes_read(),
            }

        skip = self.opts.resume_from
        try:
            yield from self._collect(reader, builder, width, budget, item, skip)
        except RecordTooLarge as exc:
            raise too_large(exc, reader.header, self.result.checkpoint) from None

    def _collect(self, reader, builder, width, budget, item, skip):
        texts, lines, fields_of, bad = [], [], [], []
        size = nulls = raws = records = 0
        texts_of = builder.texts_of
        # Rows are turned into text a chunk at a time (no call per row); the chunk size follows the
        # rows' average size so that a batch overshoots its budget by a few rows at most. The first
        # chunk is one row, so rows of many MB never pile up before their size is known.
        done, step = 0, 1  # fields_of[done:] have no text yet
        for line, fields in reader:
            records += 1
            if skip:
                skip -= 1
                continue
            if len(fields) != width:
                bad.append((line, fields, f"expected {width} fields, found {len(fields)}"))
                continue
            lines.append(line)
            fields_of.append(fields)
            if len(fields_of) - done < step:
                continue
            chunk, n, r = texts_of(fields_of[done:])
            texts += chunk
            nulls += n
            raws += r
            size += sum(map(len, chunk))
            done = len(fields_of)
            if size >= budget or len(bad) > 1000:
                yield item(texts, lines, fields_of, nulls, raws, bad, records)
                texts, lines, fields_of, bad = [], [], [], []
                size = nulls = raws = done = 0
            else:
                step = max(1, min(512, (budget - size) * len(texts) // size))
        chunk, n, r = texts_of(fields_of[done:])
        yield item(texts + chunk, lines, fields_of, nulls + n, raws + r, bad, records)

    def _flush(self, builder, head, tail, texts, lines, fields_of, nulls, raws, packet, header, data=None):
        try:
            if data is None:
                data = builder.statement(head, tail, texts, nulls, raws, fields_of)
        except UnicodeEncodeError:
            return self._one_by_one(builder, head, tail, texts, lines, fields_of, header)
        if len(data) > packet - STATEMENT_SLACK and len(texts) == 1:
            return self._insert_big_row(builder, head, tail, lines[0], fields_of[0], header)
        if len(data) > packet - STATEMENT_SLACK and len(texts) > 1:
            half = len(texts) // 2
            for part in (slice(0, half), slice(half, None)):
                sub = texts[part]
                self._flush(
                    builder,
                    head,
                    tail,
                    sub,
                    lines[part],
                    fields_of[part],
                    sum(t.count(NULL_MARK) for t in sub),
                    sum(t.count(RAW_MARK) for t in sub) // 2,
                    packet,
                    header,
                )
            return
        try:
            self.result.rows += self._execute(data, len(texts))
        except DatabaseError as exc:
            self._batch_failed(exc, builder, head, tail, texts, lines, fields_of, header)

    def _batch_failed(self, exc, builder, head, tail, texts, lines, fields_of, header) -> None:
        if getattr(exc, "code", 0) in (2006, 2013):
            raise exc
        m = ROW_IN_MESSAGE.search(exc.message)
        if self.opts.bad_rows == "stop" and m and 0 < int(m.group(1)) <= len(texts):
            row = int(m.group(1)) - 1
            column = _column_of(exc.message)
            raise ImportFailed(
                f"Bad row at line {lines[row]}" + (f", column '{column}'" if column else "") + f": {exc.message}",
                line=lines[row],
                column=column,
            ) from exc
        self._one_by_one(builder, head, tail, texts, lines, fields_of, header)

    def _execute(self, data: bytes, n: int) -> int:
        affected = self.conn.execute_raw(data)
        return n if self.opts.on_duplicate in ("replace", "update") else affected

    def _one_by_one(self, builder, head, tail, texts, lines, fields_of, header):
        """Find the rows the server (or the encoder) refuses: each is reported or rejected."""
        for text, line, fields in zip(texts, lines, fields_of):
            if SURROGATES.search(text):
                col = next(
                    (
                        t.column
                        for t, v in zip(self.mapping, self._mapped(fields))
                        if v is not None and SURROGATES.search(v)
                    ),
                    None,
                )
                bad = SURROGATES.search(text).group()
                byte = ord(bad) - 0xDC00
                self._reject(
                    line, fields, f"bad encoding: byte 0x{byte:02X} is not valid {self.dialect.encoding}", header, col
                )
                continue
            data = (head + builder.values_of(fields) + tail).encode("utf-8")
            if len(data) > self.packet - STATEMENT_SLACK:
                self._insert_big_row(builder, head, tail, line, fields, header)
                continue
            try:
                self.result.rows += self._execute(data, 1)
            except DatabaseError as exc:
                if getattr(exc, "code", 0) in (2006, 2013):
                    raise
                self._reject(line, fields, exc.message, header, _column_of(exc.message))

    def _insert_big_row(self, builder, head, tail, line, fields, header) -> None:
        """A row whose INSERT would pass max_allowed_packet: its long values go ahead in pieces into
        session variables (each statement under the limit), then the INSERT names the variables.
        A value larger than max_allowed_packet itself cannot be stored: reported by line and column
        before any of it is sent."""
        packet = self.packet
        literals = builder.literals(fields)
        big = [i for i, lit in enumerate(literals) if len(lit) > BIG_LITERAL]
        for i in big:
            size = self._literal_bytes(literals[i])
            if size > packet:
                reason = (
                    f"the value is {size:,} bytes, more than the server accepts (max_allowed_packet = {packet:,} bytes)"
                )
                self._reject(line, fields, reason, header, builder.order[i].column)
                return
        piece = max(BIG_LITERAL, (packet - STATEMENT_SLACK) // 8)  # characters: 4 bytes each, escaped twice
        names = {}
        try:
            for n, i in enumerate(big):
                name = names[i] = f"@eddy_import_{n}"
                lit = literals[i]
                if lit.startswith("0x"):  # a binary literal: hex pieces
                    hex_text = lit[2:]
                    step = piece * 2
                    parts = [("UNHEX(%s)", hex_text[k : k + step]) for k in range(0, len(hex_text), step)]
                else:
                    text = self._raw_value(builder, fields, i)
                    parts = [("%s", text[k : k + piece]) for k in range(0, len(text), piece)] or [("%s", "")]
                for k, (expr, part) in enumerate(parts):
                    value = expr if k == 0 else f"CONCAT({name}, {expr})"
                    self._run_statement(f"SET {name} = {value}", [part])
            values = "(" + ",".join(names.get(i, lit) for i, lit in enumerate(literals)) + ")"
            try:
                self.result.rows += self._execute((head + values + tail).encode("utf-8"), 1)
            except DatabaseError as exc:
                if getattr(exc, "code", 0) in (2006, 2013):
                    raise
                self._reject(line, fields, exc.message, header, _column_of(exc.message))
        finally:
            for name in names.values():
                self._run_statement(f"SET {name} = NULL", [])

    @staticmethod
    def _literal_bytes(literal: str) -> int:
        if literal.startswith("0x"):
            return (len(literal) - 2) // 2
        return len(literal[1:-1].encode("utf-8", "surrogateescape"))  # escaped: an upper bound

    @staticmethod
    def _raw_value(builder, fields, i):
        vals = fields if builder.identity else [fields[j] for j in builder.picked]
        return vals[i] if i < len(vals) else builder.order[i].constant

    def _run_statement(self, sql: str, params: list) -> None:
        self.conn.execute_raw(sql, params)

    def _check_field_sizes(self, header, packet) -> None:
        """Batched imports commit as they go: a value the server cannot accept is found before the
        first row is written (one-transaction imports find it on the way and roll back)."""
        if self.path.stat().st_size <= packet - STATEMENT_SLACK:
            return
        limit = record_limit(packet, len(self.mapping))
        with RecordReader(self.path, self.dialect, self.opts.empty, self.opts.null_marker, limit=limit) as reader:
            try:
                reader.read_header()
                for line, fields in reader:
                    for t in self.mapping:
                        v = fields[t.source] if t.source is not None and t.source < len(fields) else None
                        if v is not None and len(v) > packet // 4:
                            size = len(v.encode("utf-8", "surrogateescape"))
                            if size > packet:
                                raise ImportFailed(
                                    f"Bad row at line {line}, column '{t.column}': the value is {size:,} bytes, "
                                    f"more than the server accepts (max_allowed_packet = {packet:,} bytes). "
                                    "Nothing was imported.",
                                    line=line,
                                    column=t.column,
                                )
            except RecordTooLarge as exc:
                raise too_large(exc, header) from None

    def _mapped(self, fields):
        return [fields[t.source] if t.source is not None and t.source < len(fields) else None for t in self.mapping]

    # -- LOAD DATA LOCAL INFILE ---------------------------------------------------------------
    def _load_data(self, header, width) -> ImportResult:
        from core.services.transfer.load_data import load_data

        return load_data(self, header, width)


def run_import(conn, database, table, path, dialect, opts, mapping=None, job=None, rejects_dir=None) -> dict:
    importer = CsvImporter(conn, database, table, path, dialect, opts, mapping, job, rejects_dir)
    return importer.run().as_dict()
