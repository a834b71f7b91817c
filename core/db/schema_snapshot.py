"""A database's whole schema read in a few bulk catalog queries (schema compare starts here).

Each object gets a fingerprint from its catalog rows, so two databases of thousands of tables are
compared without one query per table; only objects whose fingerprints differ are then read in full
with SHOW CREATE (read_definition). Filters (ignore comments / collations) change what a fingerprint
covers, so an object that differs only in what is ignored compares equal without a SHOW CREATE.
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from core.db.connection import Connection
from core.db.errors import DatabaseError
from core.db.sql import qualified

KINDS = ("table", "view", "procedure", "function", "trigger", "event")
SHOW_KEYWORD = {
    "table": "TABLE",
    "view": "VIEW",
    "procedure": "PROCEDURE",
    "function": "FUNCTION",
    "trigger": "TRIGGER",
    "event": "EVENT",
}
SHOW_COLUMN = {
    "table": "Create Table",
    "view": "Create View",
    "procedure": "Create Procedure",
    "function": "Create Function",
    "trigger": "SQL Original Statement",
    "event": "Create Event",
}


@dataclass(frozen=True)
class Filters:
    """What a compare leaves out. AUTO_INCREMENT counters and DEFINERs are never part of a schema."""

    ignore_comments: bool = False
    ignore_collations: bool = False

    @classmethod
    def from_dict(cls, data: dict | None) -> "Filters":
        data = data or {}
        return cls(bool(data.get("ignore_comments")), bool(data.get("ignore_collations")))


@dataclass
class SchemaSnapshot:
    database: str
    # kind -> name -> fingerprint
    objects: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KINDS})
    # table name -> column name -> (charset, collation): the effective values SHOW CREATE may omit
    column_charsets: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    table_collations: dict[str, str] = field(default_factory=dict)
    # view name -> names of the other objects of this database its definition mentions
    view_definitions: dict[str, str] = field(default_factory=dict)
    triggers_of_table: dict[str, list[str]] = field(default_factory=dict)

    def names(self, kind: str) -> set[str]:
        return set(self.objects[kind])


def _digest(rows: list) -> str:
    return hashlib.sha1(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()


def _optional_query(conn: Connection, sql: str, *args) -> list:
    """A catalog table some servers lack (CHECK_CONSTRAINTS before MySQL 8.0.16): no rows then."""
    try:
        return conn.query(sql, *args)
    except DatabaseError as exc:
        if exc.code in (1109, 1146, 1054):  # unknown table / column in information_schema
            return []
        raise


def _normalise_charset(name: str | None) -> str:
    name = name or ""
    return name.replace("utf8mb3", "utf8") if name.startswith("utf8mb3") else name


def read_snapshot(conn: Connection, database: str, filters: Filters | None = None) -> SchemaSnapshot:
    """Every table, view, routine, trigger and event of `database`, fingerprinted (10 queries)."""
    filters = filters or Filters()
    snap = SchemaSnapshot(database)
    parts: dict[str, list] = defaultdict(list)
    no_comments, no_collations = filters.ignore_comments, filters.ignore_collations

    tables = conn.query(
        "SELECT TABLE_NAME AS `name`, TABLE_TYPE AS `type`, ENGINE AS `engine`, TABLE_COLLATION AS `collation`, "
        "TABLE_COMMENT AS `comment`, CREATE_OPTIONS AS `options` "
        "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
        database,
    )
    for t in tables:
        if t.type == "VIEW":
            continue
        snap.objects["table"][t.name] = ""
        snap.table_collations[t.name] = t.collation or ""
        parts[t.name].append(
            (
                t.engine,
                "" if no_collations else _normalise_charset(t.collation),
                "" if no_comments else t.comment,
                " ".join(sorted(o for o in (t.options or "").split() if not o.lower().startswith("auto_increment"))),
            )
        )
    for c in conn.query(
        "SELECT TABLE_NAME AS `tbl`, COLUMN_NAME AS `name`, ORDINAL_POSITION AS `pos`, COLUMN_TYPE AS `type`, "
        "IS_NULLABLE AS `nullable`, COLUMN_DEFAULT AS `dflt`, EXTRA AS `extra`, CHARACTER_SET_NAME AS `charset`, "
        "COLLATION_NAME AS `collation`, COLUMN_COMMENT AS `comment`, GENERATION_EXPRESSION AS `expr` "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
        database,
    ):
        if c.tbl not in snap.objects["table"]:
            continue  # a view's columns
        charset, collation = _normalise_charset(c.charset), _normalise_charset(c.collation)
        snap.column_charsets.setdefault(c.tbl, {})[c.name] = (charset, collation)
        parts[c.tbl].append(
            (
                "col",
                c.name,
                c.pos,
                c.type,
                c.nullable,
                c.dflt,
                c.extra,
                "" if no_collations else charset,
                "" if no_collations else collation,
                "" if no_comments else c.comment,
                c.expr,
            )
        )
    for s in conn.query(
        "SELECT TABLE_NAME AS `tbl`, INDEX_NAME AS `name`, NON_UNIQUE AS `non_unique`, SEQ_IN_INDEX AS `seq`, "
        "COLUMN_NAME AS `col`, SUB_PART AS `sub_part`, INDEX_TYPE AS `type`, "
        "INDEX_COMMENT AS `comment`, COLLATION AS `dir` "
        "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        database,
    ):
        parts[s.tbl].append(
            ("idx", s.name, s.non_unique, s.seq, s.col, s.sub_part, s.type, "" if no_comments else s.comment, s.dir)
        )
    # Two scoped reads joined here: the server's own join of these two views scans far more.
    rules = {
        (r.tbl, r.name): (r.on_update, r.on_delete)
        for r in conn.query(
            "SELECT TABLE_NAME AS `tbl`, CONSTRAINT_NAME AS `name`, UPDATE_RULE AS `on_update`, "
            "DELETE_RULE AS `on_delete` FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s",
            database,
        )
    }
    for f in conn.query(
        "SELECT TABLE_NAME AS `tbl`, CONSTRAINT_NAME AS `name`, COLUMN_NAME AS `col`, ORDINAL_POSITION AS `pos`, "
        "REFERENCED_TABLE_SCHEMA AS `ref_db`, REFERENCED_TABLE_NAME AS `ref_table`, "
        "REFERENCED_COLUMN_NAME AS `ref_col` FROM information_schema.KEY_COLUMN_USAGE "
        "WHERE TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
        database,
    ):
        # A reference into the compared database itself is written without its name.
        ref_db = "" if f.ref_db == database else f.ref_db
        parts[f.tbl].append(("fk", f.name, f.col, f.pos, ref_db, f.ref_table, f.ref_col, rules.get((f.tbl, f.name))))
    for ch in _optional_query(
        conn,
        "SELECT TABLE_NAME AS `tbl`, CONSTRAINT_NAME AS `name`, CHECK_CLAUSE AS `clause` "
        "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = %s ORDER BY TABLE_NAME, CONSTRAINT_NAME",
        database,
    ):
        parts[ch.tbl].append(("check", ch.name, ch.clause))
    for name in snap.objects["table"]:
        snap.objects["table"][name] = _digest(parts[name])

    for v in conn.query(
        "SELECT TABLE_NAME AS `name`, VIEW_DEFINITION AS `definition`, CHECK_OPTION AS `check_option`, "
        "SECURITY_TYPE AS `security` FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
        database,
    ):
        text = strip_database(v.definition or "", database)
        snap.view_definitions[v.name] = text
        snap.objects["view"][v.name] = _digest([text, v.check_option, v.security])

    routine_params: dict[tuple, list] = defaultdict(list)
    for p in _optional_query(
        conn,
        "SELECT SPECIFIC_NAME AS `name`, ROUTINE_TYPE AS `kind`, ORDINAL_POSITION AS `pos`, PARAMETER_MODE AS `mode`, "
        "PARAMETER_NAME AS `pname`, DTD_IDENTIFIER AS `type` FROM information_schema.PARAMETERS "
        "WHERE SPECIFIC_SCHEMA = %s ORDER BY SPECIFIC_NAME, ORDINAL_POSITION",
        database,
    ):
        routine_params[(p.kind, p.name)].append((p.pos, p.mode, p.pname, p.type))
    for r in conn.query(
        "SELECT ROUTINE_NAME AS `name`, ROUTINE_TYPE AS `kind`, ROUTINE_DEFINITION AS `body`, "
        "DTD_IDENTIFIER AS `returns`, IS_DETERMINISTIC AS `deterministic`, SQL_DATA_ACCESS AS `access`, "
        "SECURITY_TYPE AS `security`, ROUTINE_COMMENT AS `comment`, SQL_MODE AS `mode` "
        "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s",
        database,
    ):
        kind = r.kind.lower()
        if kind not in ("procedure", "function"):
            continue  # MariaDB packages
        snap.objects[kind][r.name] = _digest(
            [
                r.body,
                r.returns,
                r.deterministic,
                r.access,
                r.security,
                "" if no_comments else r.comment,
                routine_params[(r.kind, r.name)],
            ]
        )
    for t in conn.query(
        "SELECT TRIGGER_NAME AS `name`, EVENT_MANIPULATION AS `event`, EVENT_OBJECT_TABLE AS `tbl`, "
        "ACTION_TIMING AS `timing`, ACTION_STATEMENT AS `body`, ACTION_ORDER AS `ord` "
        "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
        database,
    ):
        snap.objects["trigger"][t.name] = _digest([t.event, t.tbl, t.timing, t.body, t.ord])
        snap.triggers_of_table.setdefault(t.tbl, []).append(t.name)
    for e in conn.query(
        "SELECT EVENT_NAME AS `name`, EVENT_DEFINITION AS `body`, EVENT_TYPE AS `type`, EXECUTE_AT AS `at`, "
        "INTERVAL_VALUE AS `every`, INTERVAL_FIELD AS `unit`, STATUS AS `status`, ON_COMPLETION AS `completion`, "
        "EVENT_COMMENT AS `comment`, STARTS AS `starts`, ENDS AS `ends` "
        "FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
        database,
    ):
        snap.objects["event"][e.name] = _digest(
            [e.body, e.type, e.at, e.every, e.unit, e.status, e.completion, "" if no_comments else e.comment, e.starts]
        )
    return snap


def strip_database(text: str, database: str) -> str:
    """Drop `database`. (or bare database.) qualifiers from a definition: views name their own
    database's tables so, and triggers/routines keep whatever their author wrote."""
    text = text.replace(qualified(database) + ".", "")
    if re.fullmatch(r"[A-Za-z0-9_$]+", database):
        text = re.sub(rf"(?<![\w$`.]){re.escape(database)}\.(?=[`A-Za-z_$])", "", text)
    return text


def read_definition(conn: Connection, database: str, kind: str, name: str) -> str:
    """One object's CREATE statement as the server shows it ('' when it is gone)."""
    keyword = SHOW_KEYWORD[kind]  # from the fixed table above
    try:
        row = conn.get(f"SHOW CREATE {keyword} {qualified(database, name)}")
    except DatabaseError as exc:
        if exc.code in (1305, 1146, 1360, 1539, 1049, 1347):
            return ""
        raise
    return (row or {}).get(SHOW_COLUMN[kind]) or ""
