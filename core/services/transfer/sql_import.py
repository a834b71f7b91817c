"""Run a .sql script (mysqldump / mariadb-dump / Eddy's own export) statement by statement, streamed.

The script is split by the SQL editor's splitter (core.db.sql.iter_statements: quotes, comments,
/*! version comments */, the client's DELIMITER command) fed in chunks, so a multi-GB dump is never
read whole.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.db import Connection, DatabaseError
from core.db.sql import StatementTooLarge, iter_statements
from core.services.jobs import Job
from core.services.transfer.formats import detect_encoding

CHUNK = 1024 * 1024


@dataclass
class Statement:
    sql: str
    line: int  # line where the statement starts (1-based)


def split_statements(source, delimiter: str = ";", max_statement_chars: int | None = None) -> Iterator[Statement]:
    """Statements of a script (a str or a text stream), with their first line numbers; comments
    before a statement (a dump's header notes) are left out of its text."""
    stream = io.StringIO(source) if isinstance(source, str) else source
    chunks = iter(lambda: stream.read(CHUNK), "")
    for statement in iter_statements(chunks, delimiter, max_statement_chars):
        yield Statement(statement.code, statement.start_line)


@dataclass
class ScriptOptions:
    stop_on_error: bool = True
    database: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "ScriptOptions":
        return cls(stop_on_error=bool((data or {}).get("stop_on_error", True)), database=(data or {}).get("database"))


class ScriptFailed(DatabaseError):
    def __init__(self, message: str, line: int, statements: int):
        super().__init__(message)
        self.line = line
        self.statements = statements


MAX_ERRORS_KEPT = 200
# The longest statement a script may hold (characters): the server's max_allowed_packet, at most
# this. Splitting holds one statement at a time (peak ~3x its size), so memory stays bounded
# whatever the file's size; a longer statement stops the import with its line number.
MAX_STATEMENT_CHARS = 64 << 20


def statement_limit(conn: Connection) -> int:
    row = conn.get("SELECT @@max_allowed_packet AS n")
    return min(int(row.n), MAX_STATEMENT_CHARS) if row and row.n else MAX_STATEMENT_CHARS


def run_script(conn: Connection, path: Path, opts: ScriptOptions, job: Job | None = None) -> dict:
    """Run each statement in order (autocommit, as the mariadb client does); report errors by line."""
    path = Path(path)
    with open(path, "rb") as f:
        encoding = detect_encoding(f.read(64 * 1024))
    if encoding == "gb18030":
        encoding = "gb18030"
    if opts.database:
        conn.use(opts.database)
    size = path.stat().st_size
    done = 0
    errors: list[dict] = []
    failed = 0
    with open(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        if job is not None:
            job.bytes_total = size
        statements = split_statements(text, max_statement_chars=statement_limit(conn))
        for statement in _stop_at_too_large(statements, lambda: done):  # noqa: B023 - the count so far
            if job is not None:
                job.progress(done=done, bytes_done=min(binary.tell(), size))
            try:
                sql = statement.sql.encode("utf-8", "surrogateescape")
                _execute(conn, sql)
            except DatabaseError as exc:
                failed += 1
                if opts.stop_on_error:
                    raise ScriptFailed(
                        f"Statement at line {statement.line} failed: {exc.message}. "
                        f"{done:,} statements before it ran (and stay: a script is not one transaction).",
                        statement.line,
                        done,
                    ) from exc
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append({"line": statement.line, "error": exc.message, "sql": statement.sql[:200]})
            done += 1
        if job is not None:
            job.progress(done=done, bytes_done=size)
    return {"statements": done, "failed": failed, "errors": errors}


def _stop_at_too_large(statements: Iterator[Statement], done) -> Iterator[Statement]:
    """The statements, ending the import with the line number when one is too long to hold."""
    try:
        yield from statements
    except StatementTooLarge as exc:
        raise ScriptFailed(
            f"{exc} {done():,} statements before it ran (and stay: a script is not one transaction).",
            exc.line,
            done(),
        ) from exc


def _execute(conn: Connection, sql: bytes) -> None:
    def run(cursor):
        cursor.execute(sql)
        while cursor.nextset():
            pass

    conn._run(run, retry_safe=False)
