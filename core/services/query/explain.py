"""EXPLAIN of one statement: the classic table with full scans and filesorts flagged, plus the
server's JSON plan (MariaDB/MySQL `EXPLAIN FORMAT=JSON`) and, on request, the measured plan
(MariaDB `ANALYZE FORMAT=JSON`, MySQL `EXPLAIN ANALYZE` text, TiDB's `EXPLAIN ANALYZE` table), only
ever for read-only statements."""

import json

from core.db import Connection, ResultSet
from core.db.errors import DatabaseError
from core.db.sql import first_keyword
from core.services.grid import cells

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


def measured_plan(found: ResultSet, shape: str):
    """The measured plan as the flavour answers it: MariaDB's JSON, MySQL's one cell of text, or
    TiDB's table (one row per operator: id, estRows, actRows, task, ..., execution info, memory)."""
    if shape == "table":
        return {
            "table": True,
            "columns": [c.name for c in found.columns],
            "rows": [[cells.to_json(v) for v in row] for row in found.rows],
        }
    if not found.rows:
        return None
    return json.loads(found.rows[0][0]) if shape == "json" else found.rows[0][0]


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
            statement, shape = conn.flavour().analyze_statement(user_statement)
            try:
                found = conn.select(statement)
                measured = measured_plan(found, shape)
            except (DatabaseError, ValueError) as exc:
                notes.append(f"ANALYZE not available: {exc}")
    return {"columns": names, "rows": rows, "json": plan, "analyze": measured, "notes": notes}
