"""What a query job is: its statements, its results (row sets in spools, statuses, errors) and
its state, shaped as the API returns them. The running lives in core.services.query.jobs."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.db.sql import Statement, split_statements, statement_at
from core.services.errors import ServiceError
from core.services.jobs import Job
from core.services.query.spool import RowSpool


class JobBusy(ServiceError):
    """A query is already running in this tab."""

    status = 409


class NoSuchResult(ServiceError, KeyError):
    """A result number the job does not have: a 400 (still a KeyError, for callers that catch one)."""


@dataclass
class Result:
    """What one statement produced: a row set (kind 'rows') or a status (kind 'status'/'error')."""

    index: int  # statement index in the job
    kind: str
    statement: str
    line: int
    columns: list[dict] = field(default_factory=list)
    spool: RowSpool | None = None
    fetching: bool = False
    stopped: bool = False
    affected: int | None = None
    last_insert_id: int | None = None
    warnings: list[dict] = field(default_factory=list)
    elapsed: float = 0.0
    first_row_after: float | None = None
    error: dict | None = None
    note: str | None = None
    head: list | None = field(default=None, repr=False)  # the first rows, once they can't change
    edit: dict | None = None  # {db, table} the rows can be edited in, or {reason}; None until known

    def as_json(self, number: int) -> dict:
        return {
            "id": number,
            "index": self.index,
            "kind": self.kind,
            "statement": self.statement[:2000],
            "line": self.line,
            "columns": self.columns,
            "edit": self.edit,
            "row_count": self.spool.count if self.spool else 0,
            "fetching": self.fetching,
            "stopped": self.stopped,
            "affected": self.affected,
            "last_insert_id": self.last_insert_id,
            "warnings": self.warnings,
            "elapsed": self.elapsed,
            "first_row_after": self.first_row_after,
            "error": self.error,
            "note": self.note,
        }


def result_columns(columns) -> list[dict]:
    """core.db Columns as the API shows them: the server's SQL type, and where each comes from."""
    return [
        {
            "name": c.name,
            "type": c.sql_type or c.type,
            "numeric": c.numeric,
            "binary": c.is_binary,
            "origin": {"db": c.db, "table": c.org_table, "column": c.org_name, "key": c.primary_key or c.unique_key}
            if c.org_table and c.org_name
            else None,
        }
        for c in columns
    ]


def edit_target(columns: list[dict], kind_of=None) -> dict:
    """The one table a result's rows could be edited in ({db, table}), or why they cannot
    ({reason}), from the columns' origins. kind_of(db, table) -> 'table' | 'view' | None tells a
    base table from a derived one (which the server names like a table). Whether the result holds
    the table's whole key is checked against its metadata when the result is shown."""
    tables = {(c["origin"]["db"], c["origin"]["table"]) for c in columns if c.get("origin")}
    if not tables:
        return {"reason": "read-only: no column comes from a table"}
    if len(tables) > 1:
        return {"reason": f"read-only: joins {len(tables)} tables"}
    ((db, table),) = tables
    if not db:
        return {"reason": "read-only: the server did not say which database the table is in"}
    names = [c["origin"]["column"] for c in columns if c.get("origin")]
    if len(set(names)) != len(names):
        return {"reason": "read-only: a column appears twice"}
    # The server flags the columns of a primary or unique key; that the whole key is there is
    # checked against the table's metadata when the result is shown.
    if not any(c["origin"].get("key") for c in columns if c.get("origin")):
        return {"reason": f"read-only: no primary key of {table} in the result"}
    if kind_of is not None and kind_of(db, table) != "table":
        return {"reason": f"read-only: {table} is not a table of {db}"}
    return {"db": db, "table": table}


@dataclass(kw_only=True)
class QueryJob(Job):
    """A run of the SQL editor in one tab (owner: the session): its statements and their results."""

    tab: str
    statements: list[Statement]
    database: str | None
    safe_mode: bool
    stop_on_error: bool
    line_offset: int = 0  # lines before the text that was sent (a selection)
    position: int = 0  # next statement to run
    results: list[Result] = field(default_factory=list)
    pending: dict | None = None  # what the user must confirm
    current_database: str | None = None
    thread_id: int | None = None
    last_read: float = field(default_factory=time.monotonic)  # the last time the browser asked for it
    version: int = 0
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def changed(self) -> None:
        with self._lock:
            self.version += 1
            listeners, self._listeners = self._listeners, []
        for notify in listeners:
            notify()

    def on_change(self, notify: Callable[[], None]) -> None:
        """Call notify (once, from the worker thread) at the next change."""
        with self._lock:
            self._listeners.append(notify)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "tab": self.tab,
            "state": self.state,
            "version": self.version,
            "statements": len(self.statements),
            "position": self.position,
            "results": [r.as_json(i) for i, r in enumerate(self.results)],
            "pending": self.pending,
            "database": self.current_database,
            "elapsed": self.elapsed(),
        }

    def result(self, number: int) -> Result:
        if not 0 <= number < len(self.results):
            raise NoSuchResult("Bad result number")
        return self.results[number]

    def close(self) -> None:
        for r in self.results:
            if r.spool:
                r.spool.close()


def pick_statements(sql: str, mode: str = "all", cursor: int | None = None) -> list[Statement]:
    """The statements to run: all of them, or the one under the cursor."""
    if mode == "current":
        statement = statement_at(sql, cursor or 0)
        return [statement] if statement else []
    return split_statements(sql)


def error_line(message: str, statement_line: int) -> int:
    """The script line of a syntax error: MySQL says 'at line N' relative to the statement."""
    marker = " at line "
    at = message.rfind(marker)
    if at >= 0:
        digits = "".join(ch for ch in message[at + len(marker) :] if ch.isdigit())
        if digits:
            return statement_line + int(digits) - 1
    return statement_line
