"""Running one statement the user typed and shaping its result for the API."""

from core.db import Connection
from core.db.sql import first_keyword
from core.services.grid import cells
from core.services.schema import name_cache

MAX_ROWS = 10_000


def run_statement(conn: Connection, sql: str, database: str | None = None, max_rows: int = MAX_ROWS) -> dict:
    """Execute `sql` (optionally in `database`) and return columns, rows (JSON-safe), counts, time."""
    if not sql.strip():
        raise ValueError("Nothing to run: the statement is empty")
    if database:
        conn.use(database)
    try:
        result = conn.select(sql)
    finally:
        name_cache.after_statement(conn, first_keyword(sql))
    truncated = len(result.rows) > max_rows
    rows = result.rows[:max_rows]
    return {
        "columns": [{"name": c.name, "type": c.type, "binary": c.is_binary} for c in result.columns],
        "rows": [[cells.to_json(v) for v in row] for row in rows],
        "rowcount": result.rowcount,
        "last_insert_id": result.last_insert_id,
        "elapsed": result.elapsed,
        "truncated": truncated,
    }
