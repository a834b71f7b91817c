"""Classifying a statement before it runs: may a read-only connection send it?

An allow-list, not a deny-list: only statements that read are let through; anything unknown is
refused. This is the first of two layers; the second is the server's own read-only session
(`SET SESSION TRANSACTION READ ONLY`, MariaDB error 1792), which this layer also protects from
being switched off (`SET SESSION TRANSACTION READ WRITE`, `SET tx_read_only = 0`).
"""

import re

from core.db.errors import DatabaseError

# Leading whitespace, `-- ` / `#` line comments and plain /* */ block comments (not executable
# /*! */ or /*M! */ ones, which MySQL/MariaDB run as code).
_LEADING_NOISE = re.compile(r"\A(?:\s+|--[ \t][^\n]*(?:\n|\Z)|--(?:\n|\Z)|#[^\n]*(?:\n|\Z)|/\*(?!!|M!)(?:.|\n)*?\*/)+")
_EXECUTABLE_COMMENT = re.compile(r"/\*M?!")
_WORD = re.compile(r"[A-Za-z_]+")

READ_KEYWORDS = {"SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "HELP", "USE", "VALUES", "TABLE"}
TRANSACTION_KEYWORDS = {"BEGIN", "COMMIT", "ROLLBACK"}
# SET is allowed for session variables that only shape reading; never these.
_FORBIDDEN_SET = re.compile(
    r"\b(?:TRANSACTION|tx_read_only|transaction_read_only|read_only|GLOBAL|PERSIST|PERSIST_ONLY|PASSWORD|ROLE|"
    r"DEFAULT\s+ROLE|sql_log_bin|@@global|@@persist|STATEMENT)\b",
    re.IGNORECASE,
)
_INTO_FILE = re.compile(r"\bINTO\s+(?:OUT|DUMP)FILE\b", re.IGNORECASE)
_CTE_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_START_TRANSACTION = re.compile(r"\ASTART\s+TRANSACTION\s*(?:READ\s+ONLY\s*)?;?\s*\Z", re.IGNORECASE)
_ROLLBACK_OK = re.compile(r"\A(?:COMMIT|ROLLBACK|BEGIN)(?:\s+WORK)?\s*;?\s*\Z", re.IGNORECASE)


class ReadOnlyViolation(DatabaseError):
    """A data- or schema-changing statement was sent on a read-only connection."""


def first_keyword(sql: str) -> str:
    """The statement's first word in upper case, after comments and whitespace ('' if none)."""
    body = _LEADING_NOISE.sub("", sql, count=1).lstrip("(").lstrip()
    match = _WORD.match(body)
    return match.group(0).upper() if match else ""


def read_only_refusal(sql: str) -> str | None:
    """Why `sql` may not run on a read-only connection, or None when it only reads."""
    if _EXECUTABLE_COMMENT.search(sql):
        return "executable comments (/*! ... */) are not allowed on a read-only connection"
    body = _LEADING_NOISE.sub("", sql, count=1).strip()
    if not body.strip(" \t\r\n;"):
        return None  # empty: nothing will run
    keyword = first_keyword(body)
    if keyword in READ_KEYWORDS:
        if keyword == "SELECT" and _INTO_FILE.search(body):
            return "SELECT ... INTO OUTFILE/DUMPFILE writes a file"
        if keyword == "EXPLAIN" and re.match(r"EXPLAIN\s+ANALYZE\b", body, re.IGNORECASE):
            return "EXPLAIN ANALYZE runs the statement"
        return None
    if keyword == "WITH":
        return "WITH that changes data" if _CTE_WRITE.search(body) else None
    if keyword in TRANSACTION_KEYWORDS:
        return None if _ROLLBACK_OK.match(body) else f"{keyword} with options"
    if keyword == "START":
        return None if _START_TRANSACTION.match(body) else "START other than START TRANSACTION [READ ONLY]"
    if keyword == "SET":
        return "this SET statement" if _FORBIDDEN_SET.search(body) else None
    return f"{keyword} statement" if keyword else "unrecognised statement"


def check_read_only(sql: str) -> None:
    """Raise ReadOnlyViolation when `sql` would change data on a read-only connection."""
    reason = read_only_refusal(sql)
    if reason:
        raise ReadOnlyViolation(f"Read-only connection: refused ({reason}). Nothing was sent to the server.")
