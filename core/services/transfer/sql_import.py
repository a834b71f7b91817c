"""Run a .sql script (mysqldump / mariadb-dump / Eddy's own export) statement by statement, streamed.

The script is split by the SQL editor's splitter (core.db.sql.iter_statements: quotes, comments,
/*! version comments */, the client's DELIMITER command) fed in chunks, so a multi-GB dump is never
read whole.

"Import into X" runs the script with X as the default database. Before anything runs, the script
is read once for the other databases it names (USE, CREATE/DROP/ALTER DATABASE, `db`.`table`
names in object positions, `db`.`function`(...) calls); a script that names any is refused with
that list (and each name's first line) unless the user confirmed exactly those names.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.db import Connection, DatabaseError
from core.db.errors import ConnectionLost
from core.db.sql import StatementTooLarge, Token, iter_statements, qualified, quote_identifier, tokens
from core.services.errors import ServiceError, refuses_as_bad_options
from core.services.jobs import Cancelled, ProgressJob
from core.services.schema.name_cache import NAMES
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
    # Other databases the user agreed the script may use (after seeing the list).
    allow_databases: tuple[str, ...] = ()

    @classmethod
    @refuses_as_bad_options(ValueError)
    def from_dict(cls, data: dict) -> "ScriptOptions":
        data = data or {}
        database = data.get("database")
        if database is not None and (not isinstance(database, str) or not database):
            raise ValueError("Field 'database' must be a database name")
        allowed = data.get("allow_databases") or []
        if not isinstance(allowed, list) or not all(isinstance(n, str) for n in allowed):
            raise ValueError("Field 'allow_databases' must be a list of database names")
        return cls(
            stop_on_error=bool(data.get("stop_on_error", True)), database=database, allow_databases=tuple(allowed)
        )


# -- which databases a script names -----------------------------------------------------------
_EXECUTABLE = re.compile(r"""'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`|/\*M?!\d{0,6}|\*/""", re.S)
_OBJECT_WORDS = {
    "FROM", "JOIN", "INTO", "UPDATE", "TABLE", "TABLES", "VIEW", "PROCEDURE", "FUNCTION", "TRIGGER", "EVENT",
    "SEQUENCE", "CALL", "REFERENCES", "LIKE", "EXISTS", "TO", "DESCRIBE", "DESC", "HANDLER",
    "INSERT", "REPLACE", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY",
}  # fmt: skip
# FROM inside these functions' parentheses is part of the function, not a table reference.
_FROM_FUNCTIONS = {"EXTRACT", "TRIM", "SUBSTRING", "SUBSTR", "POSITION", "OVERLAY", "MID"}
_VALUES = re.compile(r"\bVALUES?\b", re.I)
# In rows of literals, only a subquery or a qualified call (`x`.f( ) can name another database.
# Both patterns start with a literal character, which re scans for quickly (a 1 MB INSERT: ~1 ms).
_SUBQUERY = re.compile(r"\([ \t\r\n]*select\b", re.I)
_QUALIFIED_CALL = re.compile(r"\.[ \t\r\n]*[A-Za-z_`][\w$`]*[ \t\r\n]*\(")


def _code_in_values(text: str, start: int) -> bool:
    return bool(_SUBQUERY.search(text, start) or _QUALIFIED_CALL.search(text, start))


def _unwrap_executable(text: str) -> str:
    """Executable comments (/*!50003 ... */, /*M! ... */) are code to the server: make them plain code."""
    if "/*" not in text:
        return text
    inside = False

    def swap(m):
        nonlocal inside
        piece = m.group()
        if piece.startswith("/*"):
            inside = True
            return " "
        if piece == "*/":
            if inside:
                inside = False
                return " "
            return piece
        return piece

    return _EXECUTABLE.sub(swap, text)


def _scan_text(text: str) -> str:
    """The part of a statement worth scanning: an INSERT's rows of literals are skipped unless they
    hold something that can name a database (a subquery, a qualified function call)."""
    head = text[:16].lstrip().upper()
    if head.startswith(("INSERT", "REPLACE")):
        m = _VALUES.search(text, 0, 65536)
        if m and not _code_in_values(text, m.end()):
            return text[: m.start()]
    return text


def _is_name(tok: Token) -> bool:
    return tok.kind in ("ident", "word") and tok.text[:1] != "@"


def databases_in_statement(sql: str) -> list[tuple[str, str]]:
    """(database, how) for each database a statement names explicitly."""
    toks = tokens(_unwrap_executable(_scan_text(sql)))
    found: list[tuple[str, str]] = []
    if not toks:
        return found
    first = toks[0].upper
    if first == "USE" and len(toks) > 1 and _is_name(toks[1]):
        return [(toks[1].name, "USE")]
    words = [t.upper for t in toks]
    if first in ("CREATE", "DROP", "ALTER") and len(toks) > 1 and words[1] in ("DATABASE", "SCHEMA"):
        i = 2
        while i < len(toks) and words[i] in ("IF", "NOT", "EXISTS"):
            i += 1
        if i < len(toks) and _is_name(toks[i]):
            return [(toks[i].name, f"{first} DATABASE")]
    is_trigger_or_index = first == "CREATE" and ("TRIGGER" in words or "INDEX" in words)
    table_list = first in ("DROP", "LOCK", "RENAME", "TRUNCATE", "CHECKSUM", "OPTIMIZE", "ANALYZE", "REPAIR")
    first_on = words.index("ON") if "ON" in words else -1
    parens: list[str] = []
    for i, tok in enumerate(toks):
        if tok.kind == "open":
            parens.append(toks[i - 1].upper if i else "")
            continue
        if tok.kind == "close":
            if parens:
                parens.pop()
            continue
        if (
            _is_name(tok)
            and i + 2 < len(toks)
            and toks[i + 1].kind == "dot"
            and toks[i + 2].text == "*"
            and first in ("GRANT", "REVOKE")
        ):
            found.append((tok.name, f"{quote_identifier(tok.name)}.*"))  # GRANT … ON db.*
            continue
        if not (_is_name(tok) and i + 2 < len(toks) and toks[i + 1].kind == "dot" and _is_name(toks[i + 2])):
            continue
        if i and toks[i - 1].kind == "dot":
            continue  # the middle or end of a name already looked at
        before = toks[i - 1] if i else None
        three_part = i + 4 < len(toks) and toks[i + 3].kind == "dot" and _is_name(toks[i + 4])
        call = i + 3 < len(toks) and toks[i + 3].kind == "open" and not three_part
        object_position = False
        if before is not None:
            word = before.upper
            if word in _OBJECT_WORDS and not (word == "FROM" and parens and parens[-1] in _FROM_FUNCTIONS):
                object_position = True
            elif word == "ON" and is_trigger_or_index and i - 1 == first_on:
                object_position = True
            elif before.text == "," and table_list and not parens:
                object_position = True
        if three_part or call or object_position:
            found.append((tok.name, qualified(tok.name, toks[i + 2].name)))
    return found


def databases_named(path: Path, job: ProgressJob | None = None) -> list[dict]:
    """Every database a script names, with the first line naming it and how, in order of appearance."""
    path = Path(path)
    with open(path, "rb") as f:
        encoding = detect_encoding(f.read(64 * 1024))
    seen: dict[str, dict] = {}
    size = path.stat().st_size
    with open(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        for n, statement in enumerate(split_statements(text)):
            if job is not None and n % 1000 == 0:
                job.progress(bytes_done=min(binary.tell(), size))
            for name, how in databases_in_statement(statement.sql):
                if name not in seen:
                    seen[name] = {"name": name, "line": statement.line, "how": how}
    return list(seen.values())


class ScriptNamesOtherDatabases(ServiceError):
    """Refused before anything ran: the script names databases other than the one chosen."""

    def __init__(self, database: str, others: list[dict]):
        listed = "; ".join(f"`{o['name']}` (line {o['line']}: {o['how']})" for o in others)
        super().__init__(
            f"Nothing was run: this script names other databases than `{database}`: {listed}. "
            f"Running it would write there, not into `{database}`. Confirm to run it anyway."
        )
        self.database = database
        self.others = others
        self.details = {"refused": True, "database": database, "other_databases": others}


class ScriptFailed(ServiceError):
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


def run_script(conn: Connection, path: Path, opts: ScriptOptions, job: ProgressJob | None = None) -> dict:
    """Run each statement in order (autocommit, as the mariadb client does); report errors by line.
    A script may create or drop anything: the server's cached names are dropped after it."""
    try:
        return _run_script(conn, path, opts, job)
    finally:
        NAMES.invalidate(conn)


def _run_script(conn: Connection, path: Path, opts: ScriptOptions, job: ProgressJob | None) -> dict:
    path = Path(path)
    with open(path, "rb") as f:
        encoding = detect_encoding(f.read(64 * 1024))
    if encoding == "gb18030":
        encoding = "gb18030"
    if opts.database:
        if job is not None:
            job.phase = "Checking the script for other databases"
        others = [o for o in databases_named(path, job) if o["name"] != opts.database]
        if any(o["name"] not in opts.allow_databases for o in others):
            raise ScriptNamesOtherDatabases(opts.database, others)
        conn.use(opts.database)
        if job is not None:
            job.phase = f"Running the script in {opts.database}"
            job.progress(done=0, bytes_done=0)
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
                try:
                    job.progress(done=done, bytes_done=min(binary.tell(), size))
                except Cancelled as exc:
                    raise Cancelled(
                        f"Cancelled after {done:,} statements: they ran and stay (a script is not one "
                        f"transaction); the statement at line {statement.line} and those after it did not run."
                    ) from exc
            try:
                sql = statement.sql.encode("utf-8", "surrogateescape")
                _execute(conn, sql)
            except ConnectionLost as exc:
                # Autocommit: the statement may have run before the answer was lost. Say so; go no further.
                raise ScriptFailed(
                    f"The connection to the server dropped while the statement at line {statement.line} ran: "
                    f"whether it took effect is unknown. {done:,} statements before it ran; none after it. "
                    "Check its effect before running the rest of the script.",
                    statement.line,
                    done,
                ) from exc
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
    return {"statements": done, "failed": failed, "errors": errors, "database": opts.database}


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
    conn.execute_script(sql)
