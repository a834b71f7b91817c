"""Classifying a statement before it runs: may a read-only connection send it?

One checker for every path (editor, grid filters, exports, script import, EXPLAIN): the
read-only Connection and its cursors call it before anything is sent.

It works on tokens, as the server's lexer does: comments and odd whitespace separate words but cannot
split or hide one (`INTO/**/OUTFILE`, `INTO#x⏎OUTFILE`), and executable comments (`/*! */`,
`/*M! */`) are code. Strings are read both with and without backslash escapes (the session's
NO_BACKSLASH_ESCAPES decides what the server does), and a finding in either reading refuses.

An allow-list, not a deny-list: queries (SELECT/VALUES/TABLE/WITH), SHOW/DESCRIBE/HELP/USE, EXPLAIN
of a query, harmless SETs of session and user variables, and transaction control. Anything else is
refused, and so is a query that writes a file (INTO OUTFILE/DUMPFILE), advances a sequence, locks rows
(FOR UPDATE, LOCK IN SHARE MODE) or calls a function that is not a built-in: whether a stored
function or a view only reads is decided with the server's catalog (`routine_refusal`, used by
core.db.connection), since `SELECT f()` runs whatever f does.

The second layer is the server's own read-only session (`SET SESSION TRANSACTION READ ONLY`,
MariaDB error 1792); this layer keeps it from being switched off.
"""

import re
from dataclasses import dataclass, field

from core.db.builtins import BUILTIN_FUNCTIONS
from core.db.errors import DatabaseError


class ReadOnlyViolation(DatabaseError):
    """A data- or schema-changing statement was sent on a read-only connection."""


# -- tokens ----------------------------------------------------------------------------------------
def _lexer(backslash_escapes: bool, loose_dashes: bool) -> re.Pattern:
    if backslash_escapes:
        single, double = r"'(?:[^'\\]|\\.|'')*(?:'|\Z)", r'"(?:[^"\\]|\\.|"")*(?:"|\Z)'
    else:
        single, double = r"'(?:[^']|'')*(?:'|\Z)", r'"(?:[^"]|"")*(?:"|\Z)'
    dash_end = r"[\s\x00-\x1f]" if loose_dashes else r"[ \t\r\n]"
    return re.compile(
        rf"(?P<blank>\s+|--(?={dash_end}|\Z)[^\n]*|\#[^\n]*)"
        r"|(?P<exec>/\*M?!\d*)"  # an executable comment: its content is code
        r"|(?P<comment>/\*.*?(?:\*/|\Z))"
        r"|(?P<execend>\*/)"
        rf"|(?P<string>{single}|{double})"
        r"|(?P<ident>`(?:[^`]|``)*(?:`|\Z))"
        r"|(?P<var>@@?(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|[\w$.]+)?)"
        r"|(?P<number>0x[0-9a-fA-F]+|0b[01]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
        r"|(?P<word>[^\W\d][\w$]*|\$[\w$]*)"
        r"|(?P<open>\()|(?P<close>\))|(?P<dot>\.)|(?P<semi>;)|(?P<other>.)",
        re.S,
    )


# Every reading the server might make: with/without backslash escapes (NO_BACKSLASH_ESCAPES), and
# `--` followed by any control character as a comment or only by a blank. A finding in any refuses.
READINGS = [(bs, loose) for bs in (True, False) for loose in (True, False)]
_LEXERS = {reading: _lexer(*reading) for reading in READINGS}
_ODD_DASHES = re.compile(r"--(?![ \t\r\n])[\s\x00-\x1f]")


def readings_of(sql: str) -> list[tuple[bool, bool]]:
    """The readings that can differ for this text: without a backslash the escape setting cannot
    matter, and without `--` before an unusual control character the dash rule cannot either."""
    escapes = (True, False) if "\\" in sql else (True,)
    dashes = (True, False) if _ODD_DASHES.search(sql) else (True,)
    return [(bs, loose) for bs in escapes for loose in dashes]


# Belt and braces for the worst case (a file written on the server): these words anywhere, even in
# what one reading takes for a string or a comment, refuse.
_FILE_ANYWHERE = re.compile(r"(?<![\w$])(?:OUT|DUMP)FILE(?![\w$])", re.IGNORECASE)


class Tok:
    """One token: kind (word, ident, var, string, number, open, close, dot, semi, other), its text,
    its parenthesis depth, and for words the upper-cased text ('' for other kinds)."""

    __slots__ = ("kind", "text", "depth", "upper")

    def __init__(self, kind: str, text: str, depth: int):
        self.kind = kind
        self.text = text
        self.depth = depth
        self.upper = text.upper() if kind == "word" else ""

    @property
    def name(self) -> str:
        return self.text[1:-1].replace("``", "`") if self.kind == "ident" else self.text


def lex(sql: str, reading: tuple[bool, bool] = (True, True)) -> list[Tok]:
    """The statement's tokens (blanks and plain comments dropped), with parenthesis depth."""
    out: list[Tok] = []
    depth, in_exec = 0, False
    for m in _LEXERS[reading].finditer(sql):
        kind = m.lastgroup
        if kind in ("blank", "comment"):
            continue
        if kind == "exec":
            in_exec = True
            continue
        if kind == "execend":
            if in_exec:
                in_exec = False
                continue
            kind = "other"
        if kind == "close":
            depth = max(0, depth - 1)
        out.append(Tok(kind, m.group(), depth))
        if kind == "open":
            depth += 1
    return out


def statements_of(toks: list[Tok]) -> list[list[Tok]]:
    """Split at top-level semicolons (a multi-statement string is checked statement by statement)."""
    parts, current = [], []
    for t in toks:
        if t.kind == "semi":
            if current:
                parts.append(current)
            current = []
        else:
            current.append(t)
    if current:
        parts.append(current)
    return parts


# -- what a statement may be -----------------------------------------------------------------------
QUERY_KEYWORDS = {"SELECT", "VALUES", "TABLE", "WITH"}
INFO_KEYWORDS = {"SHOW", "HELP", "USE"}
EXPLAIN_KEYWORDS = {"EXPLAIN", "DESCRIBE", "DESC"}
# Session variables a read-only user may set: they shape how results are read, never data.
SAFE_SESSION_VARIABLES = {
    "sql_mode", "time_zone", "names", "character_set_client", "character_set_connection",
    "character_set_results", "collation_connection", "lc_time_names", "lc_messages",
    "max_execution_time", "max_statement_time", "group_concat_max_len", "net_read_timeout",
    "net_write_timeout", "wait_timeout", "interactive_timeout", "sql_select_limit", "max_join_size",
    "sql_big_selects", "sql_safe_updates", "div_precision_increment", "profiling",
    "profiling_history_size", "long_query_time", "join_buffer_size", "sort_buffer_size",
    "tmp_table_size", "max_heap_table_size", "big_tables", "cte_max_recursion_depth",
    "max_recursive_iterations", "in_predicate_conversion_threshold", "eq_range_index_dive_limit",
    "innodb_lock_wait_timeout", "lock_wait_timeout", "sql_notes", "sql_warnings",
    "sql_quote_show_create", "optimizer_switch", "optimizer_search_depth", "optimizer_prune_level",
    "optimizer_use_condition_selectivity", "histogram_size", "use_stat_tables", "default_week_format",
    "autocommit", "sql_auto_is_null", "transaction_isolation", "tx_isolation", "timestamp",
    "show_create_table_verbosity", "information_schema_stats_expiry", "explicit_defaults_for_timestamp",
}  # fmt: skip
# Words before "(" that are syntax, not a function call.
_PAREN_KEYWORDS = {
    "IN", "EXISTS", "VALUES", "VALUE", "ON", "USING", "AS", "OVER", "AND", "OR", "NOT", "XOR", "FROM",
    "JOIN", "SELECT", "WHERE", "BY", "HAVING", "WHEN", "THEN", "ELSE", "CASE", "IS", "LIKE", "BETWEEN",
    "ALL", "ANY", "SOME", "DISTINCT", "UNION", "EXCEPT", "INTERSECT", "INTERVAL", "DIV", "REGEXP",
    "RLIKE", "LIMIT", "OFFSET", "LATERAL", "PARTITION", "INDEX", "KEY", "FOR", "RETURNING", "ROW",
    "TABLE", "COLUMNS", "PATH", "ESCAPE", "COLLATE", "WITH", "RECURSIVE", "WINDOW", "ROWS", "RANGE",
    "PRECEDING", "FOLLOWING", "UNBOUNDED", "CURRENT", "ORDER", "GROUP", "MATCH", "AGAINST", "MODE",
    "FORMAT", "EXPLAIN", "ANALYZE", "DESCRIBE", "DESC", "ASC", "SOUNDS", "NULL", "TRUE", "FALSE",
    "UNKNOWN", "ESCAPED", "STRAIGHT_JOIN", "NATURAL", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS",
    "FORCE", "IGNORE", "USE", "NESTED", "ORDINALITY", "EMPTY", "ERROR", "DEFAULT", "OF", "SYSTEM_TIME",
    "PERIOD", "TO", "AT", "LOCK", "SHARE", "NOWAIT", "SKIP", "LOCKED", "WAIT", "INTO", "TYPE", "SHOW",
    # routine bodies
    "WHILE", "UNTIL", "RETURN", "ELSEIF", "DO", "REPEAT", "LOOP", "LEAVE", "ITERATE", "DECLARE", "CURSOR",
    "RETURNS", "SIGNAL", "RESIGNAL", "BEGIN", "END", "SET", "OPEN", "FETCH", "CLOSE", "SQLSTATE",
}  # fmt: skip
_FILE_WORDS = {"OUTFILE", "DUMPFILE"}
_WRITE_VERBS = {"INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE"}
_SEQUENCE_FUNCTIONS = {"NEXTVAL", "SETVAL"}


@dataclass
class Analysis:
    """What a statement needs besides its own words: routines it calls and tables it reads, to be
    looked up in the catalog (each a (schema or None, name) pair)."""

    refusal: str | None = None
    calls: set[tuple[str | None, str]] = field(default_factory=set)
    relations: set[tuple[str | None, str]] = field(default_factory=set)
    procedures: set[tuple[str | None, str]] = field(default_factory=set)


def _words(toks: list[Tok]) -> list[str]:
    return [t.upper for t in toks]


def _skip_explain_options(toks: list[Tok], i: int) -> int:
    """Past EXPLAIN's options: EXTENDED, PARTITIONS, ANALYZE, FORMAT = x."""
    while i < len(toks):
        word = toks[i].upper
        if word in ("EXTENDED", "PARTITIONS", "ANALYZE", "VERBOSE"):
            i += 1
        elif word == "FORMAT" and i + 2 < len(toks) and toks[i + 1].text == "=":
            i += 3
        else:
            break
    return i


def _query_refusal(toks: list[Tok]) -> str | None:
    """What in a query (SELECT/VALUES/TABLE/WITH) writes or locks."""
    words = _words(toks)
    for i, word in enumerate(words):
        following = toks[i + 1] if i + 1 < len(toks) else None
        if word in _FILE_WORDS:
            return f"INTO {word} writes a file on the server"
        if word == "INTO" and (following is None or following.kind != "var"):
            return "SELECT ... INTO other than @variables"
        if word in _WRITE_VERBS and (following is None or following.kind != "open"):
            return f"{word} in a query"
        if word in _SEQUENCE_FUNCTIONS and following is not None and following.kind == "open":
            return f"{word}() advances or sets a sequence"
        if word == "NEXT" and words[i + 1 : i + 3] == ["VALUE", "FOR"]:
            return "NEXT VALUE FOR advances a sequence"
        if word == "FOR" and words[i + 1 : i + 2] in (["UPDATE"], ["SHARE"]):
            return f"FOR {words[i + 1]} locks rows that other sessions may want to change"
        if word == "LOCK" and words[i + 1 : i + 4] == ["IN", "SHARE", "MODE"]:
            return "LOCK IN SHARE MODE locks rows that other sessions may want to change"
    return None


def _collect_names(toks: list[Tok], analysis: Analysis) -> str | None:
    """Function calls that are not built-ins, and names read after FROM/JOIN (views run code too)."""
    clause = ""
    for i, t in enumerate(toks):
        if t.kind == "word" and t.upper in ("FROM", "JOIN", "STRAIGHT_JOIN", "TABLE", "UPDATE"):
            clause = t.upper
            if t.upper == "TABLE" and i > 0:
                clause = ""
            if t.upper == "TABLE" and i == 0:
                clause = "FROM"
            continue
        if t.kind == "word" and t.upper in ("WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "ON", "USING", "SELECT",
                                            "UNION", "EXCEPT", "INTERSECT", "WINDOW", "FOR", "INTO"):  # fmt: skip
            clause = ""
        if t.kind not in ("word", "ident"):
            continue
        if i > 0 and toks[i - 1].kind == "dot":
            continue  # the second part of a qualified name, seen with its first part
        parts = [t.name]
        j = i + 1
        while j + 1 < len(toks) and toks[j].kind == "dot" and toks[j + 1].kind in ("word", "ident"):
            parts.append(toks[j + 1].name)
            j += 2
        nxt = toks[j] if j < len(toks) else None
        if nxt is not None and nxt.kind == "open":
            if len(parts) == 1 and t.kind == "word" and (t.upper in BUILTIN_FUNCTIONS or t.upper in _PAREN_KEYWORDS):
                continue
            if len(parts) == 1 and _is_cte_columns(toks, j):
                continue
            if len(parts) > 2:
                return f"cannot tell what {'.'.join(parts)}() is"
            analysis.calls.add((parts[0], parts[1]) if len(parts) == 2 else (None, parts[0]))
            continue
        if clause in ("FROM", "JOIN", "STRAIGHT_JOIN") and len(parts) <= 2:
            prev = toks[i - 1] if i > 0 else None
            after_clause = prev is not None and (
                prev.upper in ("FROM", "JOIN", "STRAIGHT_JOIN", "TABLE") or prev.text in (",", "(")
            )
            if after_clause:
                analysis.relations.add((parts[0], parts[1]) if len(parts) == 2 else (None, parts[0]))
    return None


def _is_cte_columns(toks: list[Tok], open_at: int) -> bool:
    """`name (a, b) AS (` in a WITH list: a column list, not a call."""
    depth = toks[open_at].depth
    for k in range(open_at + 1, len(toks)):
        if toks[k].kind == "close" and toks[k].depth == depth:
            return k + 2 < len(toks) and toks[k + 1].upper == "AS" and toks[k + 2].kind == "open"
    return False


def _set_refusal(toks: list[Tok]) -> str | None:
    """SET of user variables and of harmless session variables only."""
    words = _words(toks)
    if len(words) > 1 and words[1] in ("NAMES", "CHARACTER", "CHARSET"):
        return None
    if len(words) > 1 and words[1] in ("STATEMENT", "TRANSACTION", "PASSWORD", "ROLE", "DEFAULT", "GLOBAL",
                                       "PERSIST", "PERSIST_ONLY"):  # fmt: skip
        return f"SET {words[1]}"
    # Assignments: target = expression, separated by top-level commas.
    i, expect_target = 1, True
    while i < len(toks):
        t = toks[i]
        if expect_target:
            scope = ""
            if t.upper in ("SESSION", "LOCAL"):
                i += 1
                t = toks[i] if i < len(toks) else t
            elif t.upper in ("GLOBAL", "PERSIST", "PERSIST_ONLY"):
                return f"SET {t.upper} changes the server for everyone"
            if t.kind == "var":
                name = t.text.lstrip("@")
                if t.text.startswith("@@"):
                    scope, _, var = name.rpartition(".")
                    if scope.lower() not in ("", "session", "local"):
                        return f"SET {t.text} changes the server for everyone"
                    if var.strip("`").lower() not in SAFE_SESSION_VARIABLES:
                        return f"SET of the session variable {var}"
            elif t.kind in ("word", "ident"):
                if t.name.lower() not in SAFE_SESSION_VARIABLES:
                    return f"SET of the variable {t.name}"
            else:
                return "this SET statement"
            expect_target = False
        elif t.text == "," and t.depth == 0:
            expect_target = True
        i += 1
    return None


def analyse(sql: str) -> Analysis:
    """The static verdict on `sql` for a read-only connection, plus the names to look up."""
    analysis = Analysis()
    if _FILE_ANYWHERE.search(sql):
        analysis.refusal = "INTO OUTFILE/DUMPFILE writes a file on the server"
        return analysis
    for reading in readings_of(sql):
        for toks in statements_of(lex(sql, reading)):
            reason = _statement_refusal(toks, analysis)
            if reason:
                analysis.refusal = reason
                return analysis
    return analysis


def _statement_refusal(toks: list[Tok], analysis: Analysis) -> str | None:
    start = 0
    while start < len(toks) and toks[start].kind == "open":
        start += 1
    if start >= len(toks):
        return None if not toks else "unrecognised statement"
    keyword = toks[start].upper
    if not keyword:
        return "unrecognised statement"
    if keyword in QUERY_KEYWORDS:
        return _query_refusal(toks) or _collect_names(toks, analysis)
    if keyword in EXPLAIN_KEYWORDS or keyword == "ANALYZE":
        rest = toks[_skip_explain_options(toks, start + 1) :]
        j = 0
        while j < len(rest) and rest[j].kind == "open":
            j += 1
        inner = rest[j].upper if j < len(rest) else ""
        if keyword != "ANALYZE" and (
            not rest or inner == "FOR" or (j == 0 and inner not in QUERY_KEYWORDS | _WRITE_VERBS)
        ):
            return _collect_names(toks, analysis)  # DESCRIBE t / EXPLAIN t / EXPLAIN FOR CONNECTION n
        allowed = QUERY_KEYWORDS - {"TABLE"} if keyword == "ANALYZE" else QUERY_KEYWORDS  # ANALYZE TABLE writes
        if inner not in allowed:
            return f"{keyword} of a statement that is not a query"
        return _query_refusal(rest) or _collect_names(rest, analysis)
    if keyword in INFO_KEYWORDS:
        return _collect_names(toks, analysis)
    if keyword == "CHECKSUM":
        return None if _words(toks)[start + 1 : start + 2] == ["TABLE"] else "CHECKSUM"
    if keyword == "SET":
        return _set_refusal(toks) or _collect_names(toks, analysis)
    words = _words(toks)
    if keyword in ("BEGIN", "COMMIT", "ROLLBACK"):
        rest = words[start + 1 :]
        return None if rest in ([], ["WORK"]) else f"{keyword} with options"
    if keyword == "START":
        rest = words[start + 1 :]
        return (
            None
            if rest in (["TRANSACTION"], ["TRANSACTION", "READ", "ONLY"])
            else "START other than START TRANSACTION [READ ONLY]"
        )
    if keyword == "CALL":
        parts = [t.name for t in toks[start + 1 :] if t.kind in ("word", "ident")][:2]
        dotted = len(toks) > start + 2 and toks[start + 2].kind == "dot"
        if not parts:
            return "CALL of nothing"
        analysis.procedures.add((parts[0], parts[1]) if dotted and len(parts) == 2 else (None, parts[0]))
        args = toks[start + 1 :]
        return _query_refusal(args) or _collect_names(args[(3 if dotted else 1) :], analysis)
    return f"{keyword} statement"


def read_only_refusal(sql: str) -> str | None:
    """Why `sql` may not run on a read-only connection judging by its text alone, or None."""
    return analyse(sql).refusal


def refuse(reason: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(f"Read-only connection: refused ({reason}). Nothing was sent to the server.")


def check_read_only(sql: str) -> Analysis:
    """Raise ReadOnlyViolation when the text of `sql` alone shows it may change something; else the
    routines and relations it uses (routine_refusal decides about those with the catalog)."""
    analysis = analyse(sql)
    if analysis.refusal:
        raise refuse(analysis.refusal)
    return analysis


def first_keyword(sql: str) -> str:
    """The statement's first word in upper case, after comments and whitespace ('' if none)."""
    for t in lex(sql):
        if t.kind == "open":
            continue
        return t.upper
    return ""


# -- the catalog's part: stored routines and views ---------------------------------------------------
SAFE_DATA_ACCESS = {"READS SQL DATA", "NO SQL"}
MAX_ROUTINE_DEPTH = 4


def body_refusal(body: str) -> str | None:
    """Why a routine's or view's body may change something, judged by its words (its declaration
    is not enforced by MariaDB: a READS SQL DATA function may still write)."""
    for reading in readings_of(body):
        toks = lex(body, reading)
        words = _words(toks)
        for i, word in enumerate(words):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if word in _FILE_WORDS or word in ("CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE",
                                               "LOAD", "PREPARE", "EXECUTE", "FLUSH", "KILL", "SHUTDOWN", "INSTALL",
                                               "UNINSTALL", "PURGE", "RESET", "LOCK", "UNLOCK", "CALL", "XA",
                                               "COMMIT", "ROLLBACK", "OPTIMIZE", "REPAIR"):  # fmt: skip
                return f"its body contains {word}"
            if word in _WRITE_VERBS and (nxt is None or nxt.kind != "open"):
                return f"its body contains {word}"
            if word in _SEQUENCE_FUNCTIONS or (word == "NEXT" and words[i + 1 : i + 2] == ["VALUE"]):
                return "its body changes a sequence"
            if word == "HANDLER" and (i == 0 or words[i - 1] not in ("CONTINUE", "EXIT", "UNDO")):
                return "its body contains HANDLER"
            if word == "SET":
                reason = _body_set_refusal(toks[i + 1 : i + 4])
                if reason:
                    return reason
            if word == "INTO" and nxt is not None and nxt.kind == "word" and nxt.upper in _FILE_WORDS:
                return "its body writes a file"
    return None


def _body_set_refusal(after: list[Tok]) -> str | None:
    """Inside a routine, SET assigns local variables; refuse global/persisted or unsafe session ones."""
    if not after:
        return None
    t = after[0]
    if t.upper in ("GLOBAL", "PERSIST", "PERSIST_ONLY", "PASSWORD", "ROLE", "TRANSACTION", "STATEMENT"):
        return f"its body runs SET {t.upper}"
    if t.kind == "var" and t.text.startswith("@@"):
        scope, _, var = t.text[2:].rpartition(".")
        if scope.lower() not in ("", "session", "local") or var.lower() not in SAFE_SESSION_VARIABLES:
            return f"its body runs SET {t.text}"
    if t.upper in ("SESSION", "LOCAL") and len(after) > 1 and after[1].name.lower() not in SAFE_SESSION_VARIABLES:
        return f"its body sets the session variable {after[1].name}"
    return None


def names_in_body(body: str) -> Analysis:
    """Calls and relations inside a routine or view body (to look up in turn)."""
    analysis = Analysis()
    _collect_names(lex(body), analysis)
    return analysis
