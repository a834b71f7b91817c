"""SQL text helpers: identifier quoting (here and only here), the statement splitter, classifiers."""

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


def quote_identifier(name: str) -> str:
    """Quote a MySQL identifier with backticks, doubling any backtick inside it."""
    if not isinstance(name, str) or name == "":
        raise ValueError("An identifier must be a non-empty string")
    if "\x00" in name:
        raise ValueError("An identifier cannot contain a NUL character")
    return "`" + name.replace("`", "``") + "`"


def qualified(*parts: str) -> str:
    """`db`.`table` (or `db`.`table`.`column`), each part quoted."""
    return ".".join(quote_identifier(p) for p in parts)


def quote_literal(value: str, no_backslash_escapes: bool = False) -> str:
    """A SQL string literal for places where parameters cannot go (DDL defaults, comments).

    Mirrors PyMySQL's Connection.escape_string: backslash escaping, unless the session runs
    with NO_BACKSLASH_ESCAPES, where only quotes are doubled. Safe for utf8mb4 (no multi-byte
    sequence of UTF-8 contains an ASCII quote or backslash byte).
    """
    from pymysql.converters import escape_string

    if not isinstance(value, str):
        raise ValueError("A string literal must be built from a string")
    if no_backslash_escapes:
        return "'" + value.replace("'", "''") + "'"
    return "'" + escape_string(value) + "'"


# -- statement splitting -------------------------------------------------------------------------
# What the mysql client does: split a script at the current delimiter, never inside quotes, backtick
# identifiers or comments, and honour `DELIMITER xx` lines (procedures, triggers). Regex driven so a
# large dump splits at C speed (the import feature reuses this).

# Quoted text as an "unrolled loop" with possessive repeats: the regex engine keeps no backtracking
# state per character (the plain `(?:[^']|\\.|'')*` cost ~120 bytes a character: 2 GB for a 16 MB
# string), so a scan costs no memory whatever the length of a string, identifier or comment run.
_SQ = r"""'[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+(?:'|\Z)"""
_DQ = r""""[^"\\]*+(?:(?:\\.|"")[^"\\]*+)*+(?:"|\Z)"""
_BQ = r"""`[^`]*+(?:``[^`]*+)*+(?:`|\Z)"""
_QUOTED = rf"{_SQ}|{_DQ}|{_BQ}"
# MySQL needs whitespace (or the end) after `--` for it to start a comment: `1--1` is arithmetic.
_COMMENT = r"""--(?=[ \t\r\n]|\Z)[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z)"""
# Executable comments (`/*! ... */`, MariaDB's `/*M! ... */`) are code to the server, not blanks.
_PLAIN_COMMENT = r"""--(?=[ \t\r\n]|\Z)[^\n]*|\#[^\n]*|/\*(?!!|M!).*?(?:\*/|\Z)"""
_SKIPPABLE = re.compile(rf"(?:\s+|{_PLAIN_COMMENT})*+", re.S)
_DELIMITER_COMMAND = re.compile(r"delimiter[ \t]+(\S+)[^\n]*(?:\n|\Z)", re.I)
_SCANNERS: dict[str, re.Pattern] = {}


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text (no delimiter, trimmed) and where it sits in the script."""

    text: str
    start_line: int  # 1-based line of the first non-blank character
    end_line: int
    start: int  # character offsets of text in the script
    end: int
    delimiter: str = ";"

    @property
    def code(self) -> str:
        """The text without the blanks and comments before its first code (a dump's header notes)."""
        return self.text[_SKIPPABLE.match(self.text).end() :]


def _scanner(delimiter: str) -> re.Pattern:
    if delimiter not in _SCANNERS:
        _SCANNERS[delimiter] = re.compile(rf"{_QUOTED}|{_COMMENT}|(?P<delim>{re.escape(delimiter)})", re.S)
    return _SCANNERS[delimiter]


def _has_code(text: str) -> bool:
    """False for text that is only whitespace and comments (mysql skips those). match, not fullmatch:
    fullmatch let a /* comment */ stretch to the end and swallow the statement after it."""
    return _SKIPPABLE.match(text).end() < len(text)


class StatementTooLarge(ValueError):
    """A statement of a script is longer than the splitter may hold (its first line is given)."""

    def __init__(self, line: int, limit: int):
        super().__init__(f"The statement starting at line {line:,} is longer than {limit:,} characters: not run.")
        self.line = line
        self.limit = limit


def iter_statements(
    chunks: Iterable[str], delimiter: str = ";", max_statement_chars: int | None = None
) -> Iterator[Statement]:
    """Split a script given as pieces of text (a str is one piece; a file can be read in chunks, so a
    multi-GB dump is never held whole) into statements, as the mysql client does.

    Memory is the size of one statement (plus a chunk): with max_statement_chars, a statement that
    grows past it raises StatementTooLarge (naming its line) instead of being held whole.

    The same regexes scan the text; wherever a match could go on in the next piece (a quote, comment
    or DELIMITER line cut at the end of what has been read), more text is read and the scan resumes
    from the last complete token, so the result never depends on where the pieces are cut."""
    if isinstance(chunks, str):  # all there is: nothing can be cut
        pieces, buf, eof = iter(()), chunks, True
    else:
        pieces, buf, eof = iter(chunks), "", False
    base = 0  # offset of buf[0] in the script
    pos = 0  # where the current statement starts in buf
    resume = None  # where the scan of the current statement goes on after more text was read
    line, line_pos = 1, 0  # line number at buf[line_pos] (counted lazily)

    while True:
        length = len(buf)
        need_more = False
        if pos >= length:
            need_more = True
        else:
            # A statement starts after blanks and comments; DELIMITER is only a command there.
            code_at = _SKIPPABLE.match(buf, pos).end()
            if not eof and (code_at == length or _may_be_cut_command(buf, code_at)):
                need_more = True
            else:
                command = _DELIMITER_COMMAND.match(buf, code_at)
                if command:
                    delimiter = command.group(1)
                    pos = command.end()
                    continue
                search = _scanner(delimiter).search
                cursor, end, next_pos = code_at if resume is None else resume, length, length
                cut = -1 if eof else length  # a token ending there may go on in the next piece
                while True:
                    match = search(buf, cursor)
                    if match is None:
                        need_more = not eof
                        break
                    after = match.end()
                    if after == cut:
                        need_more = True
                        break
                    if match.lastgroup == "delim":
                        end, next_pos = match.start(), after
                        break
                    cursor = after
                if not need_more:
                    raw = buf[pos:end]
                    text = raw.strip()
                    if text and _has_code(text):
                        start = pos + (len(raw) - len(raw.lstrip()))
                        stop = start + len(text)
                        first_at = code_at if code_at <= end else start
                        line += buf.count("\n", line_pos, first_at)
                        first = line
                        line += buf.count("\n", first_at, stop)
                        line_pos = stop
                        yield Statement(text, first, line, base + start, base + stop, delimiter)
                    pos, resume = next_pos, None
                    continue
                resume = cursor if cursor > code_at else None
        if eof:
            return
        # Read more: keep the unfinished statement, at least double what is held (so a huge statement
        # costs linear time), and never stop on a backslash (it may escape the next piece's quote).
        held = length - pos
        if max_statement_chars is not None and held > max_statement_chars:
            start_at = _SKIPPABLE.match(buf, pos).end()
            raise StatementTooLarge(line + buf.count("\n", line_pos, start_at), max_statement_chars)
        parts, got = [buf[pos:]], 0
        while True:
            more = next(pieces, None)
            if more is None:
                eof = True
                break
            if more:
                parts.append(more)
                got += len(more)
                if got >= held and not more.endswith("\\"):
                    break
        if got:
            line += buf.count("\n", line_pos, pos)
            line_pos = 0
            base += pos
            if resume is not None:
                resume -= pos
            buf, pos = "".join(parts), 0


def _may_be_cut_command(text: str, at: int) -> bool:
    """True when a DELIMITER command may start at `at` but its line is not all read yet."""
    head = text[at : at + 9].lower()
    return "delimiter".startswith(head) and text.find("\n", at) < 0


def split_statements(script: str, delimiter: str = ";") -> list[Statement]:
    """Split a script into statements as the mysql client does (quotes, comments, DELIMITER)."""
    return list(iter_statements(script, delimiter))


def statement_at(script: str, offset: int) -> Statement | None:
    """The statement under the cursor: the last one starting at or before offset (so a cursor just
    after a delimiter still means that statement), else the first one."""
    statements = split_statements(script)
    chosen = statements[0] if statements else None
    for statement in statements:
        if statement.start > offset:
            break
        chosen = statement
    return chosen


# -- classifying a statement (for safe mode and EXPLAIN) -------------------------------------------
_TOKEN = re.compile(
    rf"(?P<skip>{_COMMENT}|{_SQ}|{_DQ})"
    rf"|(?P<ident>{_BQ})|(?P<word>[A-Za-z_$@][\w$@]*)|(?P<open>\()|(?P<close>\))"
    r"|(?P<dot>\.)|(?P<other>[^\s])",
    re.S,
)

DDL_HEAD_TOKENS = 256
DDL_KEYWORDS = {"CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"}
DML_KEYWORDS = {"INSERT", "UPDATE", "DELETE", "REPLACE", "LOAD", "MERGE"}
_OBJECT_KINDS = {
    "TABLE", "VIEW", "DATABASE", "SCHEMA", "INDEX", "PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "USER",
    "SEQUENCE", "ROLE", "SERVER", "TABLESPACE",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, ident (backticked), open, close, dot, other
    text: str
    depth: int  # parenthesis depth
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier it names (backticks removed)."""
        if self.kind == "ident":
            return self.text[1:-1].replace("``", "`")
        return self.text


def iter_tokens(text: str) -> Iterator[Token]:
    """Words, identifiers and punctuation outside strings and comments, with paren depth, one at a
    time: callers that need the first few never build a list for a 10 MB statement."""
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "skip":
            continue
        if kind == "close":
            depth = max(0, depth - 1)
        yield Token(kind, m.group(), depth, m.start())
        if kind == "open":
            depth += 1


def tokens(text: str) -> list[Token]:
    """All of iter_tokens as a list (for short statements: it costs ~100 bytes a token)."""
    return list(iter_tokens(text))


def first_keyword(text: str) -> str:
    """The statement's leading keyword, upper case ('' when there is none)."""
    for token in iter_tokens(text):
        if token.kind == "open":
            continue
        return token.upper
    return ""


def has_top_level_word(text: str, word: str) -> bool:
    """True when `word` appears as a keyword outside parentheses, strings and comments."""
    word = word.upper()
    return any(t.depth == 0 and t.upper == word for t in iter_tokens(text))


def read_name(toks: list[Token], i: int, stop: tuple[str, ...] = ()) -> tuple[list[str], int]:
    """A possibly qualified name starting at toks[i]: (['db', 't'], index after it). A word in
    `stop` (upper case, e.g. SET) ends the name there."""
    parts = []
    while i < len(toks) and toks[i].kind in ("word", "ident") and toks[i].upper not in stop:
        parts.append(toks[i].name)
        if i + 1 < len(toks) and toks[i + 1].kind == "dot":
            i += 2
            continue
        i += 1
        break
    return parts, i


def ddl_target(text: str) -> str | None:
    """'DROP TABLE `db`.`t`'-style description of what a DDL statement acts on, None if not DDL."""
    top = (t for t in iter_tokens(text) if t.depth == 0)
    first = next(top, None)
    if first is None or first.upper not in DDL_KEYWORDS:
        return None
    # The object kind and its name come first: a bounded head, whatever the statement's size.
    toks = [first, *itertools.islice(top, DDL_HEAD_TOKENS)]
    verb = toks[0].upper
    i = 1
    while i < len(toks) and toks[i].upper not in _OBJECT_KINDS:
        i += 1
    if i >= len(toks):
        if verb == "TRUNCATE" and len(toks) > 1:  # TRUNCATE t (TABLE is optional)
            parts, _ = read_name(toks, 1)
            return f"TRUNCATE TABLE {qualified(*parts)}" if parts else "TRUNCATE"
        return verb
    kind = toks[i].upper
    i += 1
    while i < len(toks) and toks[i].upper in ("IF", "NOT", "EXISTS"):
        i += 1
    parts, _ = read_name(toks, i)
    name = qualified(*parts) if parts and all(parts) else "?"
    return f"{verb} {kind} {name}"


def render_sql(sql: str, params=None) -> str:
    """The statement with its parameters inlined as literals: for showing, never for running.

    `sql` is in PyMySQL's format: %s placeholders, %% for a literal percent sign."""
    import pymysql.converters

    return sql % tuple(pymysql.converters.escape_item(p, "utf8mb4") for p in (params or ()))


def quote_for_format(name: str) -> str:
    """quote_identifier, with % doubled: for statements run with %s parameters."""
    return quote_identifier(name).replace("%", "%%")
