"""EXPLAIN of one statement: the classic table with full scans and filesorts flagged, plus the
server's JSON plan (MariaDB/MySQL `EXPLAIN FORMAT=JSON`) and, on request, the measured plan
(MariaDB `ANALYZE FORMAT=JSON`, MySQL `EXPLAIN ANALYZE`), only ever for read-only statements."""

import json

from core.db import Connection
from core.db.errors import DatabaseError
from core.db.sql import first_keyword
from core.services import cells

EXPLAINABLE = {"SELECT", "WITH", "UPDATE", "DELETE", "INSERT", "REPLACE", "TABLE", "VALUES"}
READ_ONLY = {"SELECT", "WITH", "TABLE", "VALUES"}


def _flags(row: dict) -> list[str]:
    flags = []
    if str(row.get("type") or "").upper() == "ALL":
        flags.append("full scan")
    extra = str(row.get("Extra") or "")
    if "filesort" in extra.lower():
        flags.append("filesort")
    if "temporary" in extra.lower():
        flags.append("temporary table")
    return flags


def explain(conn: Connection, sql: str, database: str | None = None, analyze: bool = False) -> dict:
    """{"columns", "rows" (each with "flags"), "json" (plan or None), "analyze" (or None), "notes"}."""
    keyword = first_keyword(sql)
    if keyword not in EXPLAINABLE:
        raise DatabaseError(f"EXPLAIN works on SELECT, UPDATE, DELETE, INSERT and REPLACE, not {keyword or 'this'}.")
    if database:
        conn.use(database)
    user_statement = sql  # the user's own statement, explained at their explicit request
    result = conn.select(f"EXPLAIN {user_statement}")
    names = [c.name for c in result.columns]
    rows = []
    for raw in result.rows:
        row = dict(zip(names, raw))
        rows.append({"cells": [cells.to_json(v) for v in raw], "flags": _flags(row)})
    notes = []
    plan = None
    try:
        found = conn.select(f"EXPLAIN FORMAT=JSON {user_statement}")
        plan = json.loads(found.rows[0][0]) if found.rows else None
    except (DatabaseError, ValueError) as exc:
        notes.append(f"No JSON plan: {exc}")
    measured = None
    if analyze:
        if keyword not in READ_ONLY:
            notes.append("ANALYZE runs the statement, so it is only offered for read-only statements.")
        else:
            is_mariadb = "mariadb" in conn.server_version().lower()
            try:
                if is_mariadb:
                    found = conn.select(f"ANALYZE FORMAT=JSON {user_statement}")
                    measured = json.loads(found.rows[0][0]) if found.rows else None
                else:
                    found = conn.select(f"EXPLAIN ANALYZE {user_statement}")
                    measured = found.rows[0][0] if found.rows else None
            except (DatabaseError, ValueError) as exc:
                notes.append(f"ANALYZE not available: {exc}")
    return {"columns": names, "rows": rows, "json": plan, "analyze": measured, "notes": notes}
