"""Views, stored procedures, functions, triggers and events: list, definition, create, drop."""

import re

from core.db import Connection, schema
from core.db.flavour import DEFAULT_FLAVOUR, Flavour
from core.db.sql import qualified
from core.services.schema.browse import NotFound
from core.services.schema.plans import ChangeRefused, Plan

KINDS = {
    # kind: (SQL keyword, SHOW CREATE column holding the definition)
    "view": ("VIEW", "Create View"),
    "procedure": ("PROCEDURE", "Create Procedure"),
    "function": ("FUNCTION", "Create Function"),
    "trigger": ("TRIGGER", "SQL Original Statement"),
    "event": ("EVENT", "Create Event"),
}

# CREATE [OR REPLACE] [ALGORITHM=..] [DEFINER=..] [SQL SECURITY ..] <KIND> [IF NOT EXISTS] name
_ACCOUNT_PART = r"(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[\w.%-]+)"
_CREATE_RE = re.compile(
    r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?"
    rf"(?:DEFINER\s*=\s*(?:CURRENT_USER(?:\(\))?|{_ACCOUNT_PART}(?:\s*@\s*{_ACCOUNT_PART})?)\s+)?"
    r"(?:SQL\s+SECURITY\s+\w+\s+)?(?:AGGREGATE\s+)?(VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT)\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?)",
    re.I | re.S,
)


def list_objects(conn: Connection, database: str) -> dict:
    """Every view, routine, trigger and event of the database, with a short description."""
    if not schema.database_exists(conn, database):
        raise NotFound(f"Database '{database}' does not exist")
    views = conn.query(
        "SELECT TABLE_NAME AS name, IS_UPDATABLE AS updatable, DEFINER AS definer, SECURITY_TYPE AS security"
        " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
        database,
    )
    routines = conn.query(
        "SELECT ROUTINE_NAME AS name, LOWER(ROUTINE_TYPE) AS kind, DTD_IDENTIFIER AS returns,"
        " DEFINER AS definer, CAST(LAST_ALTERED AS CHAR) AS altered"
        " FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
        database,
    )
    triggers = conn.query(
        "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS `table`, ACTION_TIMING AS timing,"
        " EVENT_MANIPULATION AS event FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = %s"
        " ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME",
        database,
    )
    events = conn.query(
        "SELECT EVENT_NAME AS name, STATUS AS status, EVENT_TYPE AS type, INTERVAL_VALUE AS interval_value,"
        " INTERVAL_FIELD AS interval_field, CAST(EXECUTE_AT AS CHAR) AS execute_at"
        " FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s ORDER BY EVENT_NAME",
        database,
    )
    return {
        "views": views,
        "procedures": [r for r in routines if r.kind == "procedure"],
        "functions": [r for r in routines if r.kind == "function"],
        "triggers": triggers,
        "events": events,
    }


def _kind(kind: str) -> tuple[str, str]:
    if kind not in KINDS:
        raise ChangeRefused(f"Unknown object kind '{kind}' (one of {', '.join(KINDS)})")
    return KINDS[kind]


def definition(conn: Connection, database: str, kind: str, name: str) -> str:
    """The CREATE statement of one object, as the server shows it."""
    keyword, column = _kind(kind)
    from core.db.errors import DatabaseError

    try:
        row = conn.get(f"SHOW CREATE {keyword} {qualified(database, name)}")
    except DatabaseError as exc:
        if exc.code in (1305, 1146, 1360, 1539, 1049):  # no such routine/view/trigger/event/database
            raise NotFound(f"{kind.capitalize()} '{database}.{name}' does not exist") from exc
        raise
    if row is None:
        raise NotFound(f"{kind.capitalize()} '{database}.{name}' does not exist")
    return row.get(column) or ""


def plan_drop(conn: Connection, database: str, kind: str, name: str) -> Plan:
    keyword, _ = _kind(kind)
    definition(conn, database, kind, name)  # raises NotFound for a missing object
    return Plan(
        [f"DROP {keyword} {qualified(database, name)}"],
        target=name,
        summary=f"Drop {kind} {database}.{name}",
        destructive=True,
    )


def _unquote(name: str) -> str:
    name = name.strip()
    if name.startswith("`"):
        return name[1:-1].replace("``", "`")
    return name


def plan_create(database: str, kind: str, sql: str, flavour: Flavour = DEFAULT_FLAVOUR) -> Plan:
    """Run a CREATE statement for one object; the statement's own kind and name are checked.

    CREATE OR REPLACE (what "Edit here" starts from) runs as the flavour can: one statement on
    MariaDB (and for views on MySQL), DROP ... IF EXISTS then CREATE for MySQL routines, triggers
    and events, which is not atomic and is said so."""
    keyword, _ = _kind(kind)
    if not isinstance(sql, str) or not sql.strip():
        raise ChangeRefused("The CREATE statement is required")
    text = sql.strip().rstrip(";").strip()
    match = _CREATE_RE.match(text)
    if not match or match.group(2).upper() != keyword:
        raise ChangeRefused(f"The statement must be a CREATE {keyword} statement")
    name = _unquote(re.split(r"\s*\.\s*(?=[`\w$])", match.group(3))[-1])
    if match.group(1):  # OR REPLACE: the old definition is gone once it runs
        create = text[: match.start(1)] + text[match.end(1) :]
        statements, atomic = flavour.replace_object(keyword, match.group(3), create)
        summary = f"Replace {kind} {name} in {database}"
        if not atomic:
            summary += (
                f" ({flavour.label} has no CREATE OR REPLACE {keyword}: it is dropped, then created again;"
                " not atomic: if the CREATE fails, the old definition is gone)"
            )
        return Plan(statements, target=name, summary=summary, database=database, destructive=True)
    return Plan([text], target=name, summary=f"Create {kind} {name} in {database}", database=database)


def or_replace(definition: str) -> str:
    """The definition as a CREATE OR REPLACE statement (MariaDB has it for every object kind)."""
    if re.match(r"^\s*CREATE\s+OR\s+REPLACE\b", definition, re.I):
        return definition
    return re.sub(r"^\s*CREATE\b", "CREATE OR REPLACE", definition, count=1, flags=re.I)


def template(kind: str, database: str) -> str:
    """A starting point for a new object in the SQL editor."""
    db = qualified(database, "new_" + kind)
    return {
        "view": f"CREATE VIEW {db} AS\nSELECT 1 AS one",
        "procedure": f"CREATE PROCEDURE {db}()\nBEGIN\n  SELECT 1;\nEND",
        "function": f"CREATE FUNCTION {db}(x INT) RETURNS INT\nDETERMINISTIC\nRETURN x + 1",
        "trigger": f"CREATE TRIGGER {db}\nBEFORE INSERT ON {qualified(database, 'some_table')}\n"
        "FOR EACH ROW\nSET NEW.id = NEW.id",
        "event": f"CREATE EVENT {db}\nON SCHEDULE EVERY 1 DAY\nDO\n  SELECT 1",
    }[_kind(kind)[0].lower()]
