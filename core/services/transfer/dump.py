"""A whole database as one SQL script, like `mariadb-dump --routines --triggers --events`, that
restores into whichever database it is run in.

What it holds, in the order a restore needs: tables (DROP + CREATE, then their rows), sequences,
stored functions and procedures, views (a view built on another view after it), triggers (after
the rows, so restoring data does not fire them), events. Foreign-key checks are off while it runs.

What it leaves out, on purpose:
- `USE` and database-qualified names: the script never says which database it came from, so
  "Import into X" (or `mariadb X < file.sql`) restores into X and cannot touch the source.
  Names of *other* databases that the user wrote into a view or routine body stay as written.
- DEFINER clauses: every object is created by, and (SQL SECURITY DEFINER) runs with the rights of,
  the user who imports the file. The original definer is noted in a comment above each object.
"""

import re
from datetime import UTC, datetime

from core.db import Connection, DatabaseError
from core.db.sql import qualified, quote_identifier, quote_literal, tokens

DUMP_SQL_MODE = "NO_AUTO_VALUE_ON_ZERO"
_DELIMITERS = (";;", "$$", "//", "@@eddy@@")
_NAME = r"(?:`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'|[^\s@`']+)"
_DEFINER = re.compile(rf"\bDEFINER\s*=\s*({_NAME}(?:\s*@\s*{_NAME})?)\s*", re.I)


def strip_definer(ddl: str) -> tuple[str, str | None]:
    """The CREATE statement without its DEFINER clause, and the definer it named.

    Only the clause in the statement's head (before the object's body) is removed."""
    match = _DEFINER.search(ddl)
    if match is None or match.start() > 200:
        return ddl, None
    return ddl[: match.start()] + ddl[match.end() :], match.group(1)


def _delimiter_for(body: str) -> str:
    return next(d for d in _DELIMITERS if d not in body)


def _compound(ddl: str, sql_mode: str | None = None, time_zone: str | None = None) -> str:
    """A routine/trigger/event CREATE under its own DELIMITER, sql_mode and time zone."""
    text, definer = strip_definer(ddl)
    out = []
    if definer:
        out.append(f"-- (definer on the source server: {definer})\n")
    if sql_mode is not None:
        out.append(f"SET SESSION sql_mode = {quote_literal(sql_mode, no_backslash_escapes=True)};\n")
    if time_zone is not None:
        out.append(f"SET SESSION time_zone = {quote_literal(time_zone, no_backslash_escapes=True)};\n")
    delimiter = _delimiter_for(text)
    out.append(f"DELIMITER {delimiter}\n{text}\n{delimiter}\nDELIMITER ;\n")
    if sql_mode is not None:
        out.append(f"SET SESSION sql_mode = '{DUMP_SQL_MODE}';\n")
    if time_zone is not None:
        out.append("SET SESSION time_zone = '+00:00';\n")
    return "".join(out) + "\n"


def _objects(conn: Connection, database: str) -> dict[str, list[str]]:
    tables = conn.query(
        "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
        database,
    )
    routines = conn.query(
        "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = %s AND ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE') ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
        database,
    )
    triggers = conn.query(
        "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        database,
    )
    events = conn.query(
        "SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s ORDER BY EVENT_NAME",
        database,
    )
    return {
        "table": [r.name for r in tables if r.type not in ("VIEW", "SEQUENCE")],
        "sequence": [r.name for r in tables if r.type == "SEQUENCE"],
        "view": [r.name for r in tables if r.type == "VIEW"],
        "function": [r.name for r in routines if r.type == "FUNCTION"],
        "procedure": [r.name for r in routines if r.type == "PROCEDURE"],
        "trigger": [r.name for r in triggers],
        "event": [r.name for r in events],
    }


def views_in_dependency_order(definitions: dict[str, str]) -> list[str]:
    """View names ordered so that each comes after the views its definition names."""
    names = set(definitions)
    needs = {
        name: {t.name for t in tokens(ddl.split(" AS ", 1)[-1]) if t.kind in ("ident", "word") and t.name in names}
        - {name}
        for name, ddl in definitions.items()
    }
    ordered, placed = [], set()
    while len(ordered) < len(names):
        ready = sorted(n for n in names - placed if needs[n] <= placed)
        if not ready:  # a cycle cannot exist between views; a name that only looks like one can
            ready = sorted(names - placed)[:1]
        for name in ready:
            ordered.append(name)
            placed.add(name)
    return ordered


def _show_create(conn: Connection, keyword: str, name: str, column: str) -> dict:
    """SHOW CREATE <keyword> for keyword one of FUNCTION, PROCEDURE, VIEW, TRIGGER, EVENT (fixed here)."""
    row = conn.query(f"SHOW CREATE {keyword} {quote_identifier(name)}")[0]
    if row.get(column) is None:
        raise DatabaseError(
            f"The definition of {keyword.lower()} {quote_identifier(name)} cannot be read by this account "
            "(it needs SHOW CREATE ROUTINE or SELECT on mysql.proc, or to be its definer): the dump would miss it."
        )
    return row


def header(conn: Connection, database: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"-- Eddy database dump of {quote_identifier(database)}, {now}, server {conn.server_version()}\n"
        "-- Tables with their rows, sequences, functions, procedures, views, triggers and events.\n"
        "-- It names no database: it restores into the database it is run in\n"
        "--   (Eddy: Import into <database>; the client: mariadb <database> < this-file.sql).\n"
        "-- DEFINER clauses are left out: objects are created by the importing user and run with that\n"
        "--   user's rights; each object's original definer is noted above it.\n"
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
        "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
        f"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='{DUMP_SQL_MODE}' */;\n"
        "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE, TIME_ZONE='+00:00' */;\n\n"
    )


def write_database_dump(conn: Connection, out, database: str, table_block) -> dict:
    """Write the dump of `database` to the binary stream `out`; `table_block(name)` writes one
    table's DROP/CREATE and rows. Returns the counts of each kind of object written."""
    from core.services.transfer.export import SQL_FOOTER

    conn.use(database)  # SHOW CREATE VIEW names the tables of the current database unqualified
    objects = _objects(conn, database)
    out.write(header(conn, database).encode())
    for name in objects["table"]:
        table_block(name)
    for name in objects["sequence"]:
        ddl = list(conn.query(f"SHOW CREATE SEQUENCE {quote_identifier(name)}")[0].values())[1]
        following = conn.get(f"SELECT next_not_cached_value AS n FROM {qualified(database, name)}").n
        ident = quote_identifier(name)
        out.write(f"DROP SEQUENCE IF EXISTS {ident};\n{ddl};\nDO SETVAL({ident}, {int(following)}, 0);\n\n".encode())
    for kind, column in (("FUNCTION", "Create Function"), ("PROCEDURE", "Create Procedure")):
        for name in objects[kind.lower()]:
            row = _show_create(conn, kind, name, column)
            out.write(f"DROP {kind} IF EXISTS {quote_identifier(name)};\n".encode())
            out.write(_compound(row[column], row["sql_mode"]).encode())
    views = {name: _show_create(conn, "VIEW", name, "Create View")["Create View"] for name in objects["view"]}
    for name in views_in_dependency_order(views):
        text, definer = strip_definer(views[name])
        note = f"-- (definer on the source server: {definer})\n" if definer else ""
        out.write(f"DROP VIEW IF EXISTS {quote_identifier(name)};\n{note}{text};\n\n".encode())
    for name in objects["trigger"]:
        row = _show_create(conn, "TRIGGER", name, "SQL Original Statement")
        out.write(f"DROP TRIGGER IF EXISTS {quote_identifier(name)};\n".encode())
        out.write(_compound(row["SQL Original Statement"], row["sql_mode"]).encode())
    for name in objects["event"]:
        row = _show_create(conn, "EVENT", name, "Create Event")
        out.write(f"DROP EVENT IF EXISTS {quote_identifier(name)};\n".encode())
        out.write(_compound(row["Create Event"], row["sql_mode"], row["time_zone"]).encode())
    out.write(SQL_FOOTER.encode())
    return {kind: len(names) for kind, names in objects.items()}
