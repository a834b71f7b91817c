"""Which server Eddy talks to (MariaDB, MySQL, TiDB, Vitess, and its version), and every piece of
SQL that differs between them. Detected once per connection from VERSION() and @@version_comment;
services ask the flavour instead of checking versions themselves."""

import re
from dataclasses import dataclass

MARIADB, MYSQL, TIDB, VITESS = "mariadb", "mysql", "tidb", "vitess"
DETECT_SQL = "SELECT VERSION() AS version, @@version_comment AS comment"

# TiDB's default txn-total-size-limit: a bigger transaction is refused (error 8004).
TIDB_TRANSACTION_LIMIT = 100 * 1024 * 1024
# Object kinds MySQL cannot CREATE OR REPLACE (views it can).
_NO_OR_REPLACE_ON_MYSQL = {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"}
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def _version_tuple(text: str) -> tuple[int, int, int]:
    match = _VERSION_RE.search(text or "")
    if not match:
        return (0, 0, 0)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


@dataclass(frozen=True)
class Flavour:
    kind: str  # MARIADB | MYSQL | TIDB | VITESS
    version: tuple[int, int, int]  # the server's MySQL-compatible version (TiDB: e.g. 8.0.11)
    version_text: str = ""
    comment: str = ""

    @classmethod
    def detect(cls, version: str, comment: str | None = "") -> "Flavour":
        """The flavour from VERSION() and @@version_comment as the server returns them."""
        text = (version or "").removeprefix("5.5.5-")
        low, note = text.lower(), (comment or "").lower()
        if "tidb" in low or "tidb" in note:
            kind = TIDB
        elif "mariadb" in low or "mariadb" in note:
            kind = MARIADB
        elif "vitess" in low or "vitess" in note or "planetscale" in note:
            kind = VITESS
        else:
            kind = MYSQL
        return cls(kind=kind, version=_version_tuple(text), version_text=text, comment=comment or "")

    # -- what it is --------------------------------------------------------------------------
    @property
    def is_mariadb(self) -> bool:
        return self.kind == MARIADB

    @property
    def label(self) -> str:
        names = {MARIADB: "MariaDB", MYSQL: "MySQL", TIDB: "TiDB", VITESS: "Vitess"}
        if self.kind == TIDB:
            product = re.search(r"TiDB-(v[\d.]+)", self.version_text)
            return f"TiDB {product.group(1)}" if product else "TiDB"
        return f"{names[self.kind]} {'.'.join(map(str, self.version))}"

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "version": ".".join(map(str, self.version)),
            "formatter_dialect": self.formatter_dialect,
            "read_only_note": self.read_only_note,
            "transaction_limit": self.transaction_limit,
        }

    # -- sessions ----------------------------------------------------------------------------
    @property
    def session_read_only_statement(self) -> str | None:
        """What makes a session read-only on the server; None where the server refuses it (TiDB, 1235)."""
        return None if self.kind == TIDB else "SET SESSION TRANSACTION READ ONLY"

    @property
    def read_only_note(self) -> str:
        if self.session_read_only_statement:
            return ""
        return (
            "TiDB does not support read-only sessions (SET SESSION TRANSACTION READ ONLY, error 1235): "
            "only Eddy's own statement guard keeps this session read-only."
        )

    # -- comparing and writing values --------------------------------------------------------
    def json_equals(self, column_sql: str) -> str:
        """`column <=> parameter` for a JSON column: MySQL/TiDB compare JSON values, and a string
        parameter never equals an object, so the parameter is cast; MariaDB's JSON is LONGTEXT."""
        if self.kind == MARIADB:
            return f"{column_sql} <=> %s"
        return f"{column_sql} <=> CAST(%s AS JSON)"

    @property
    def upsert_row_alias(self) -> bool:
        """INSERT ... VALUES (...) AS new ON DUPLICATE KEY UPDATE c = new.c (MySQL 8.0.19+), where
        VALUES(c) is deprecated (8.0.20+); MariaDB and TiDB only know VALUES(c)."""
        return self.kind == MYSQL and self.version >= (8, 0, 19)

    def upsert_tail(self, quoted_columns: list[str], alias: str = "eddy_new") -> tuple[str, str]:
        """(what follows VALUES (...), the ON DUPLICATE KEY UPDATE clause) taking every column's new value."""
        if self.upsert_row_alias:
            sets = ", ".join(f"{c} = `{alias}`.{c}" for c in quoted_columns)
            return f" AS `{alias}`", f" ON DUPLICATE KEY UPDATE {sets}"
        return "", " ON DUPLICATE KEY UPDATE " + ", ".join(f"{c} = VALUES({c})" for c in quoted_columns)

    @property
    def transaction_limit(self) -> int | None:
        """Bytes one transaction may write before the server refuses it (None: no such limit)."""
        return TIDB_TRANSACTION_LIMIT if self.kind == TIDB else None

    # -- catalog -----------------------------------------------------------------------------
    @property
    def statistics_columns(self) -> str:
        """information_schema.STATISTICS columns for functional key parts (MySQL 8.0.13+: NULL
        COLUMN_NAME with an EXPRESSION), index visibility (MySQL IS_VISIBLE, MariaDB 10.6+ IGNORED)
        and key part order (COLLATION 'A'/'D'), as expression, visible, collation."""
        if self.kind == MARIADB:
            visible = "IGNORED = 'NO'" if self.version >= (10, 6, 0) else "1"
            return f"NULL AS expression, {visible} AS visible, COLLATION AS collation"
        if self.kind == MYSQL and self.version < (8, 0, 13):
            return "NULL AS expression, 1 AS visible, COLLATION AS collation"
        return "EXPRESSION AS expression, IS_VISIBLE = 'YES' AS visible, COLLATION AS collation"

    @property
    def json_is_checked_text(self) -> bool:
        """MariaDB's JSON is LONGTEXT with a json_valid() CHECK (found through CHECK_CONSTRAINTS,
        which on MySQL has no TABLE_NAME); MySQL and TiDB have a JSON type (DATA_TYPE 'json')."""
        return self.kind == MARIADB

    @property
    def invisible_index_keyword(self) -> str:
        """How an index the optimizer must not use is declared: MySQL INVISIBLE, MariaDB 10.6+ IGNORED."""
        return "IGNORED" if self.kind == MARIADB else "INVISIBLE"

    # -- objects -----------------------------------------------------------------------------
    def replace_object(self, keyword: str, name_sql: str, create_sql: str) -> tuple[list[str], bool]:
        """Statements replacing a view/routine/trigger/event by `create_sql` (a plain CREATE), and
        whether that is atomic. MySQL has no CREATE OR REPLACE for routines, triggers and events:
        there it is DROP ... IF EXISTS then CREATE, and a failing CREATE leaves the object dropped."""
        keyword = keyword.upper()
        if self.kind == MARIADB or keyword not in _NO_OR_REPLACE_ON_MYSQL:
            return [re.sub(r"^\s*CREATE\b", "CREATE OR REPLACE", create_sql, count=1, flags=re.I)], True
        return [f"DROP {keyword} IF EXISTS {name_sql}", create_sql], False

    # -- admin -------------------------------------------------------------------------------
    def kill_fallback(self, process_id: int, query_only: bool) -> str | None:
        """What to run when KILL is refused with 1095 (not your thread): Amazon RDS/Aurora give the
        master user mysql.rds_kill / mysql.rds_kill_query instead of the SUPER privilege."""
        if self.kind in (TIDB, VITESS):
            return None
        procedure = "mysql.rds_kill_query" if query_only else "mysql.rds_kill"
        return f"CALL {procedure}({int(process_id)})"

    # -- the SQL editor ----------------------------------------------------------------------
    @property
    def formatter_dialect(self) -> str:
        """sql-formatter's dialect: its `mariadb` one breaks MySQL's `->>` into `- >>`."""
        return "mariadb" if self.kind == MARIADB else "mysql"

    def analyze_statement(self, statement: str) -> tuple[str, str]:
        """(SQL running a statement and measuring its plan, shape of the answer: json | text | table)."""
        if self.kind == MARIADB:
            return f"ANALYZE FORMAT=JSON {statement}", "json"
        if self.kind == TIDB:
            return f"EXPLAIN ANALYZE {statement}", "table"  # one row per operator
        return f"EXPLAIN ANALYZE {statement}", "text"  # MySQL 8.0.18+: one cell of text

    @property
    def row_count_note(self) -> str:
        """Why information_schema row counts are estimates on this server."""
        if self.kind == MYSQL:
            return (
                "Estimate: MySQL caches table statistics for information_schema_stats_expiry seconds "
                "(default 24 h); count exactly for the true number."
            )
        return "Estimate from the storage engine's statistics; count exactly for the true number."


# When nothing else is known (pure-function defaults, tests of MariaDB paths).
DEFAULT_FLAVOUR = Flavour(kind=MARIADB, version=(10, 11, 0), version_text="10.11.0-MariaDB")
