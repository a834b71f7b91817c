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

    def as_json(self, number: int) -> dict:
        return {
            "id": number,
            "index": self.index,
            "kind": self.kind,
            "statement": self.statement[:2000],
            "line": self.line,
            "columns": self.columns,
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
            raise KeyError(number)
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
