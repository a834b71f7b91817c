"""Run a .sql script (mysqldump / mariadb-dump / Eddy's own export) statement by statement, streamed.

`split_statements` reads a text stream in chunks, so a multi-GB dump is never read whole. It
knows quoted strings ('...', "...", with backslash escapes and doubled quotes), `identifiers`,
-- and # comments, /* comments */ (kept when they are /*! version comments */), and the client's
DELIMITER command (used around triggers and routines). It is written against the interface the
SQL editor's splitter (core.db.sql.split_statements) is meant to share; the lead can unify them.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.db import Connection, DatabaseError
from core.db.statements import check_read_only
from core.services.jobs import Job
from core.services.transfer.formats import detect_encoding

CHUNK = 1024 * 1024
DELIMITER_COMMAND = re.compile(r"\s*delimiter[ \t]+(\S+)[^\n]*(?:\n|$)", re.I)


@dataclass
class Statement:
    sql: str
    line: int  # line where the statement starts (1-based)


def _token_pattern(delimiter: str) -> re.Pattern:
    first = re.escape(delimiter[0])
    return re.compile(
        rf"""
        (?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`)
        |(?P<cond>/\*!.*?\*/)
        |(?P<comment>/\*.*?\*/|--(?=[ \t\r\n]|$)[^\n]*|\#[^\n]*)
        |(?P<delim>{re.escape(delimiter)})
        |(?P<plain>[^'"`/\-\#{first}]+)
        |(?P<other>.)
        """,
        re.X | re.S,
    )


def split_statements(source, delimiter: str = ";") -> Iterator[Statement]:
    """Statements of a script (a str or a text stream), with their first line numbers."""
    stream = io.StringIO(source) if isinstance(source, str) else source
    pattern = _token_pattern(delimiter)
    buf, pos, eof = "", 0, False
    pieces: list[str] = []
    empty = True  # nothing but whitespace/comments so far in this statement
    line = 1  # line at buf[pos]
    start_line = 1
    while True:
        if not eof and len(buf) - pos < 4096:
            more = stream.read(CHUNK)
            buf = buf[pos:] + more
            pos = 0
            eof = not more
        if pos >= len(buf):
            break
        if empty:
            m = DELIMITER_COMMAND.match(buf, pos)
            if m and (m.end() < len(buf) or eof):
                delimiter = m.group(1)
                pattern = _token_pattern(delimiter)
                line += m.group().count("\n")
                pos = m.end()
                pieces.clear()
                continue
        m = pattern.match(buf, pos)
        kind, tok = m.lastgroup, m.group()
        if not eof and (m.end() >= len(buf) - len(delimiter) or (kind == "other" and tok in "'\"`/-#")):
            # The token may go on past what has been read: read more and look again.
            more = stream.read(CHUNK)
            if more:
                buf = buf[pos:] + more
                pos = 0
                continue
            eof = True
        pos = m.end()
        nl = tok.count("\n")
        if kind == "delim":
            if not empty:
                yield Statement("".join(pieces).strip(), start_line)
            pieces.clear()
            empty = True
        elif kind == "comment":
            if tok.startswith(("--", "#")):
                pass
            elif not empty:
                pieces.append(" ")
        else:
            if empty and tok.strip():
                empty = False
                start_line = line + tok[: len(tok) - len(tok.lstrip())].count("\n")
            if not empty:
                pieces.append(tok)
        line += nl
    if not empty:
        rest = "".join(pieces).strip()
        if rest:
            yield Statement(rest, start_line)


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
        for statement in split_statements(text):
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


def _execute(conn: Connection, sql: bytes) -> None:
    if conn.params.read_only:  # conn._run below skips Connection's own read-only guard
        check_read_only(sql.decode("utf-8", "replace"))

    def run(cursor):
        cursor.execute(sql)
        while cursor.nextset():
            pass

    conn._run(run, retry_safe=False)
