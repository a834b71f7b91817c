"""Every SQL string in core/ is scanned for aliases and bare select-list names that are reserved on
MySQL 8.4 or MariaDB (e.g. `GENERATION_EXPRESSION AS generated`: GENERATED is reserved in MySQL 8)."""

import ast
import re
from pathlib import Path

from tests.db.reserved_words import MARIADB, MYSQL_84, RESERVED

CORE = Path(__file__).resolve().parents[2] / "core"
# A string is SQL when it starts as a statement or a piece of one (messages and docstrings do not).
SQL_START = re.compile(
    r"^\s*(SELECT|SHOW|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|REPLACE|WITH|FROM|WHERE|ORDER|GROUP|SET|"
    r"KILL|CALL|EXPLAIN\s+ANALYZE|ANALYZE\s+FORMAT|AND|OR|ON|JOIN|LEFT|,)\b",
    re.I,
)
# The per-user SQLite store speaks SQLite, not MySQL.
NOT_MYSQL = {"store.py"}
# `x AS word` where word is an alias; `CAST(x AS CHAR)`/`AS CHAR(10)` name a type, `AS SELECT` a body.
ALIAS = re.compile(r"\bAS\s+([A-Za-z_][A-Za-z0-9_$]*)\b(?!\s*[()])", re.I)
# A bare name alone in a select list: `SELECT name, key FROM`.
BARE = re.compile(r"(?:\bSELECT|,)\s*([A-Za-z_][A-Za-z0-9_$]*)\s*(?=,|\bFROM\b)", re.I)
NOT_NAMES = {"SELECT", "WITH", "NULL", "TRUE", "FALSE", "DEFAULT", "CURRENT_TIMESTAMP", "CURRENT_DATE",
             "CURRENT_TIME", "CURRENT_USER", "LOCALTIME", "LOCALTIMESTAMP", "UTC_DATE", "UTC_TIME",
             "UTC_TIMESTAMP"}  # fmt: skip


def _strip(sql: str) -> str:
    """The SQL without quoted strings and `quoted` identifiers (those may be anything)."""
    return re.sub(r"`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"", " quoted_name ", sql)


def reserved_names(sql: str) -> list[str]:
    text = _strip(sql)
    found = [m.group(1) for m in ALIAS.finditer(text)] + [m.group(1) for m in BARE.finditer(text)]
    return [w for w in found if w.upper() in RESERVED and w.upper() not in NOT_NAMES]


def sql_strings(path: Path):
    """(line, text) of each string constant and f-string (its literal parts) that looks like SQL."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside_fstring = set()
    docstrings = {
        id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else " x " for v in node.values]
            inside_fstring.update(id(v) for v in node.values)
            yield node.lineno, "".join(str(p) for p in parts)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside_fstring | docstrings
        ):
            yield node.lineno, node.value


def test_the_word_lists_hold_what_broke_and_what_differs():
    assert "GENERATED" in MYSQL_84 and "GENERATED" not in MARIADB
    assert "OFFSET" in MARIADB and "OFFSET" not in MYSQL_84
    assert "ROW" in MYSQL_84 and "KEY" in MARIADB


def test_the_scan_finds_a_reserved_alias_and_a_bare_reserved_name():
    assert reserved_names("SELECT GENERATION_EXPRESSION AS generated FROM information_schema.COLUMNS") == ["generated"]
    assert reserved_names("SELECT name, key FROM t") == ["key"]
    assert reserved_names("SELECT COLUMN_KEY AS `key`, CAST(x AS CHAR) AS altered FROM t") == []
    assert reserved_names("SELECT 'a AS key' AS label FROM t") == []


def test_no_sql_string_in_core_uses_a_reserved_word_as_an_unquoted_name():
    problems = []
    scanned = 0
    for path in sorted(CORE.rglob("*.py")):
        if path.name in NOT_MYSQL:
            continue
        for line, text in sql_strings(path):
            if not SQL_START.search(text):
                continue
            scanned += 1
            for word in reserved_names(text):
                problems.append(f"{path.relative_to(CORE.parent)}:{line}: {word}")
    assert scanned > 100  # the scan sees Eddy's SQL, not nothing
    assert not problems, "reserved words used as names (quote them or rename):\n" + "\n".join(problems)
