"""Query jobs: a script run statement by statement in a worker thread, its rows streamed to a spool.

Each editor tab owns one connection (so `USE`, `SET @x`, `BEGIN` and temporary tables persist
between runs, like a terminal). A job walks the script's statements on that connection through an
unbuffered cursor: the row packets are copied off the socket, undecoded, into a RowSpool on disk
(decoded only for the windows the grid shows), so the server process's memory and CPU stay low
however large the result. The browser polls the job's state and reads windows of rows.
Stop = `KILL QUERY <thread id>` sent on another connection of the same login; the rows fetched so
far are kept.

Statements that need confirmation (safe writes, DDL) pause the job in state 'confirm' with a
preview; confirm() resumes it at that statement, cancel() ends it there.

Nothing outlives its use: a new run in a tab drops the tab's earlier result (its spool file), a
closed tab or a closed session (log out, expiry) gives back its connection (an open transaction is
rolled back) and its results at once, and a result nobody read for RESULT_IDLE_SECONDS is dropped
(asking for it then says so).
"""

import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core.db import Connection, schema
from core.db.connection import describe_columns
from core.db.driver import FIELD_TYPE
from core.db.errors import DatabaseError
from core.db.sql import Statement, first_keyword
from core.db.wire_rows import IDLE, read_wire_rows, result_converters
from core.services.connections.sessions import DatabaseSession
from core.services.jobs import CANCELLED, CONFIRM, DONE, FAILED, RUNNING
from core.services.query import safe_writes
from core.services.query.model import (
    JobBusy,
    QueryJob,
    Result,
    edit_target,
    error_line,
    pick_statements,
    result_columns,
)
from core.services.query.spool import RowSpool, spool_dir
from core.services.schema import name_cache

__all__ = [
    "CANCELLED", "CONFIRM", "DONE", "FAILED", "RUNNING", "QueryJob", "JobBusy", "Result", "QueryJobs",
    "EditorConnection", "history_recorder", "pick_statements",
]  # fmt: skip
log = logging.getLogger("eddy.query")

# A result bigger than this on disk stops fetching (like Stop) so a stray SELECT can't fill the disk.
MAX_SPOOL_BYTES = int(os.environ.get("EDDY_MAX_RESULT_BYTES", str(4 << 30)))
FLUSH_SECONDS = 0.1
MAX_JOBS_PER_SESSION = 30
RESULT_IDLE_SECONDS = 30 * 60.0  # a finished result unread this long is dropped
# A stop can land between the job's last look at its cancel flag and the statement reaching the
# server, where KILL QUERY finds nothing to end: it is sent again until the job has ended.
STOP_RETRY_SECONDS, STOP_PATIENCE_SECONDS = 0.25, 15.0
DROPPED_REMEMBERED = 1000  # ids of dropped jobs kept to explain a 410 (a bounded memory)


# Values the editor only shows: keep the server's own text instead of building Decimal/datetime
# objects and printing them again (faster, and exact: DATETIME(3), zero dates, TIME over 24 h).
TEXT_TYPES = (
    FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL, FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE,
    FIELD_TYPE.TIME,
)  # fmt: skip


def _kind_of(conn: Connection, database: str, table: str) -> str | None:
    found = schema.get_table(conn, database, table)
    return found.kind if found else None


class EditorConnection(Connection):
    """A tab's connection: like Connection, but dates and decimals arrive as the server's text."""

    text_field_types = TEXT_TYPES


class QueryJobs:
    """Jobs and per-tab connections of every session; one running job per tab."""

    def __init__(self, record: Callable[..., None] | None = None):
        self._jobs: dict[str, QueryJob] = {}
        self._tab_conns: dict[tuple[str, str], Connection] = {}
        self._busy: set[tuple[str, str]] = set()
        self._last_database: dict[tuple[str, str], str | None] = {}
        self._retired: set[tuple[str, str]] = set()  # tabs closed while a job ran: released at its end
        self._dropped: OrderedDict[str, str] = OrderedDict()  # job id -> why its results are gone
        self._lock = threading.Lock()
        self.record = record  # record(session, job, result, sql) after each statement (history)

    # -- jobs ------------------------------------------------------------------------------
    def start(self, session: DatabaseSession, tab: str, statements: list[Statement], database: str | None,
              safe_mode: bool = False, stop_on_error: bool = True, line_offset: int = 0) -> QueryJob:  # fmt: skip
        key = (session.id, tab)
        with self._lock:
            if key in self._busy:
                raise JobBusy("A query is still running in this tab: stop it first.")
            self._busy.add(key)
        job = QueryJob(
            id=secrets.token_urlsafe(12),
            owner=session.id,
            tab=tab,
            statements=statements,
            database=database,
            safe_mode=safe_mode,
            stop_on_error=stop_on_error,
            line_offset=line_offset,
        )
        with self._lock:
            self._retired.discard(key)
            # The tab shows one result at a time: the one this run replaces gives back its spool now.
            replaced = [j for j in self._jobs.values() if j.owner == session.id and j.tab == tab]
            for old in replaced:
                self._forget(old, "Replaced by a newer run in the same tab.")
            self._jobs[job.id] = job
            self._prune(session.id)
        for old in replaced:
            old.close()
        self._spawn(session, job, confirmed=False)
        return job

    def get(self, session: DatabaseSession, job_id: str) -> QueryJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != session.id:
            return None
        job.last_read = time.monotonic()
        return job

    def dropped_reason(self, job_id: str) -> str | None:
        """Why a job's results are gone (replaced, tab closed, unused), or None if never known."""
        with self._lock:
            return self._dropped.get(job_id)

    def job_count(self) -> int:
        with self._lock:
            return len(self._jobs)

    def _forget(self, job: QueryJob, reason: str) -> None:
        """Unlist a job, remembering why (call with the lock held; close it after releasing)."""
        self._jobs.pop(job.id, None)
        self._dropped[job.id] = reason
        while len(self._dropped) > DROPPED_REMEMBERED:
            self._dropped.popitem(last=False)

    def confirm(self, session: DatabaseSession, job: QueryJob) -> None:
        """Run the statement waiting for confirmation for real, then the rest of the script."""
        key = (session.id, job.tab)
        with self._lock:
            if job.state != CONFIRM or key in self._busy:
                raise JobBusy("Nothing is waiting for confirmation.")
            self._busy.add(key)
        job.state, job.pending = RUNNING, None
        job.changed()
        self._spawn(session, job, confirmed=True)

    def cancel(self, session: DatabaseSession, job: QueryJob) -> bool:
        """Stop a running job (KILL QUERY on a second connection) or decline a pending one."""
        if job.state == CONFIRM:
            job.pending = None
            job.finish(CANCELLED)
            job.changed()
            return True
        if job.state != RUNNING:
            return False
        job.cancel()
        self._stop(session, job)
        job.changed()
        return True

    def _stop(self, session: DatabaseSession, job: QueryJob) -> None:
        """KILL QUERY now, and again in the background until the job has ended."""
        self._kill(session, job.thread_id)
        if job.state != RUNNING:
            return

        def until_ended() -> None:
            deadline = time.monotonic() + STOP_PATIENCE_SECONDS
            while job.state == RUNNING and time.monotonic() < deadline:
                time.sleep(STOP_RETRY_SECONDS)
                if job.state != RUNNING:
                    return
                try:
                    self._kill(session, job.thread_id)
                except DatabaseError as exc:  # the server may be gone: nothing runs there then
                    log.info("could not stop query %s: %s", job.id, exc.message)
                    return

        threading.Thread(target=until_ended, name=f"stop-{job.id}", daemon=True).start()

    @staticmethod
    def _kill(session: DatabaseSession, thread_id: int | None) -> None:
        """KILL QUERY on another connection of the same login (the busy one cannot send it)."""
        if not thread_id:
            return
        with session.connection() as other:
            try:
                other.execute(f"KILL QUERY {int(thread_id)}")
            except DatabaseError as exc:
                if exc.code != 1094:  # unknown thread: it just finished
                    raise

    def close_unused(self, live_sessions: Callable[[str], bool], session_id: str, open_tabs: set[str]) -> None:
        """Release the connections and results of logged-out sessions and of this session's closed tabs."""
        with self._lock:
            gone = {k for k in self._tab_conns if not live_sessions(k[0])}
            gone |= {(j.owner, j.tab) for j in self._jobs.values() if not live_sessions(j.owner)}
            gone |= {k for k in self._tab_conns if k[0] == session_id and k[1] not in open_tabs}
            gone |= {(j.owner, j.tab) for j in self._jobs.values() if j.owner == session_id and j.tab not in open_tabs}
        for key in gone:
            self._release_tab(key, "Its editor tab was closed.")

    def close_session(self, session: DatabaseSession) -> None:
        """Log out: stop the session's running queries, roll back and close its tabs' connections, drop
        its results. A tab whose job is still winding down is released when the job ends."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.owner == session.id and j.state == RUNNING]
            keys = {k for k in self._tab_conns if k[0] == session.id}
            keys |= {(j.owner, j.tab) for j in self._jobs.values() if j.owner == session.id}
        for job in running:
            job.cancel()
            try:
                self._stop(session, job)
            except DatabaseError as exc:  # the server may be gone: closing the connection ends it too
                log.info("could not stop query %s at log out: %s", job.id, exc.message)
        for key in keys:
            self._release_tab(key, "The connection was closed (logged out).")

    def set_aside(self, session: DatabaseSession) -> None:
        """The window switched to another connection: drop this session's results and close its tabs'
        connections, except a tab with an open transaction or a running query (kept for the way back;
        the others reopen on demand)."""
        with self._lock:
            keys = {k for k in self._tab_conns if k[0] == session.id}
            keys |= {(j.owner, j.tab) for j in self._jobs.values() if j.owner == session.id}
            keep = {
                k for k in keys if k in self._busy or (k in self._tab_conns and self._tab_conns[k].in_transaction())
            }
            keep |= {(j.owner, j.tab) for j in self._jobs.values() if j.owner == session.id and j.state == CONFIRM}
        for key in keys - keep:
            self._release_tab(key, "The window switched to another connection.")

    def open_transactions(self, session: DatabaseSession) -> list[dict]:
        """The session's editor tabs that would lose work if closed now: an open transaction or a
        running query (a flag the driver keeps from the server's last answer: no round trip)."""
        with self._lock:
            conns = [(k[1], c) for k, c in self._tab_conns.items() if k[0] == session.id]
            busy = {k[1] for k in self._busy if k[0] == session.id}
        found = {tab: {"tab": tab, "transaction": False, "running": True} for tab in busy}
        for tab, conn in conns:
            if conn.in_transaction():
                found.setdefault(tab, {"tab": tab, "transaction": True, "running": False})["transaction"] = True
        return sorted(found.values(), key=lambda t: t["tab"])

    def expire(self, idle_seconds: float = RESULT_IDLE_SECONDS) -> int:
        """Drop finished results nobody read for idle_seconds; how many jobs were dropped."""
        limit = time.monotonic() - idle_seconds
        with self._lock:
            stale = [j for j in self._jobs.values() if j.state not in (RUNNING, CONFIRM) and j.last_read <= limit]
            for job in stale:
                self._forget(job, f"Dropped after {idle_seconds / 60:.0f} minutes unused: run the query again.")
        for job in stale:
            job.close()
        return len(stale)

    def _release_tab(self, key: tuple[str, str], reason: str) -> None:
        """Close a tab's connection (rolling back what it left open) and its results; if its job is
        still running, mark it so the worker does that when it ends."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if (j.owner, j.tab) == key]
            if key in self._busy:
                self._retired.add(key)
                for job in jobs:
                    job.cancel()
                return
            for job in jobs:
                self._forget(job, reason)
            conn = self._tab_conns.pop(key, None)
            self._last_database.pop(key, None)
            self._retired.discard(key)
        for job in jobs:
            job.close()
        if conn is not None:
            _rollback_and_close(conn)

    def tab_connection_count(self) -> int:
        with self._lock:
            return len(self._tab_conns)

    def close_all(self) -> None:
        with self._lock:
            conns, self._tab_conns = list(self._tab_conns.values()), {}
            jobs, self._jobs = list(self._jobs.values()), {}
        for job in jobs:
            job.cancel()
            job.close()
        for conn in conns:
            _rollback_and_close(conn)

    def _prune(self, session_id: str) -> None:
        mine = [j for j in self._jobs.values() if j.owner == session_id and j.state != RUNNING]
        for job in sorted(mine, key=lambda j: j.started)[:-MAX_JOBS_PER_SESSION]:
            self._forget(job, "Dropped: too many results were kept for this connection.")
            job.close()

    # -- the worker ------------------------------------------------------------------------
    def _spawn(self, session: DatabaseSession, job: QueryJob, confirmed: bool) -> None:
        thread = threading.Thread(
            target=self._run, args=(session, job, confirmed), name=f"eddy-query-{job.id}", daemon=True
        )
        thread.start()

    def _tab_connection(self, session: DatabaseSession, tab: str) -> Connection:
        key = (session.id, tab)
        with self._lock:
            conn = self._tab_conns.get(key)
        if conn is None:
            conn = EditorConnection(session.params, flavour=session.flavour)
            with self._lock:
                self._tab_conns[key] = conn
        return conn

    def _drop_tab_connection(self, session: DatabaseSession, tab: str) -> None:
        with self._lock:
            conn = self._tab_conns.pop((session.id, tab), None)
        if conn is not None:
            conn.close()

    def _run(self, session: DatabaseSession, job: QueryJob, confirmed: bool) -> None:
        key = (session.id, job.tab)
        outcome = RUNNING  # published only once the tab is free again
        try:
            conn = self._tab_connection(session, job.tab)
            job.thread_id = conn.thread_id
            if job.database and job.position == 0 and not confirmed:
                conn.use(job.database)
            while job.position < len(job.statements):
                if job.cancel_requested:
                    outcome = CANCELLED
                    break
                statement = job.statements[job.position]
                if not confirmed:
                    check = safe_writes.needs_confirmation(statement.text, job.safe_mode)
                    if check is not None:
                        self._pause(conn, job, statement, check)
                        outcome = CANCELLED if job.cancel_requested else CONFIRM
                        return
                confirmed = False
                ok = self._run_statement(session, conn, job, statement)
                job.position += 1
                job.changed()
                if job.cancel_requested:
                    outcome = CANCELLED
                    break
                if not ok and job.stop_on_error:
                    outcome = FAILED
                    break
            else:
                outcome = FAILED if any(r.kind == "error" for r in job.results) else DONE
        except DatabaseError as exc:
            job.results.append(Result(job.position, "error", "", 0, error={"code": exc.code, "message": exc.message}))
            outcome = CANCELLED if job.cancel_requested else FAILED
        except Exception as exc:  # a bug must still end the job, visibly
            log.exception("query job %s failed", job.id)
            job.results.append(Result(job.position, "error", "", 0, error={"code": 0, "message": repr(exc)}))
            outcome = FAILED
        finally:
            # KILL QUERY ends the statement, not the session: the tab keeps its variables, temporary
            # tables and open transaction. A connection that does not answer is replaced.
            switched = any(first_keyword(st.text) == "USE" for st in job.statements[: job.position + 1])
            if not (job.cancel_requested or switched or outcome == FAILED):
                # Nothing can have changed the current database: skip a round trip.
                job.current_database = job.database or self._last_database.get(key)
            for attempt in range(2 if job.current_database is None or job.cancel_requested or switched else 0):
                try:
                    row = self._tab_connection(session, job.tab).get("SELECT DATABASE() AS db")
                    job.current_database = row.db if row else None
                    break
                except DatabaseError as exc:
                    # A kill that landed after its statement ended may interrupt this one instead.
                    if attempt or exc.code != 1317:
                        self._drop_tab_connection(session, job.tab)
                        break
            with self._lock:
                self._busy.discard(key)
                self._last_database[key] = job.current_database
                retired = key in self._retired
            outcome = FAILED if outcome == RUNNING else outcome
            if outcome == CONFIRM:
                job.state = CONFIRM
            else:
                job.finish(outcome)
            job.changed()
            if retired:  # its tab or session was closed while it ran
                self._release_tab(key, "The editor tab or its connection was closed.")

    def _pause(self, conn: Connection, job: QueryJob, statement: Statement, check) -> None:
        pending = {
            "index": job.position,
            "line": statement.start_line + job.line_offset,
            "statement": statement.text[:2000],
            "kind": check.kind,
            "reason": check.reason,
            "target": check.target,
        }
        if check.kind == "write":
            try:
                pending["preview"] = safe_writes.preview_write(conn, statement.text)
            except DatabaseError as exc:
                pending["preview"] = {"available": False, "reason": f"Preview failed: {exc}"}
        job.pending = pending

    def _run_statement(self, session: DatabaseSession, conn: Connection, job: QueryJob, statement: Statement) -> bool:
        line = statement.start_line + job.line_offset
        started = time.perf_counter()
        produced: list[Result] = []
        total_rows = 0
        cursor = conn.open_cursor(unbuffered=True)
        try:
            cursor.execute(statement.text)
            while True:
                if cursor.description:
                    result = Result(
                        job.position,
                        "rows",
                        statement.text,
                        line,
                        spool=RowSpool(spool_dir(), result_converters(cursor)),
                    )
                    result.columns = result_columns(describe_columns(cursor))
                    result.fetching = True
                    job.results.append(result)
                    produced.append(result)
                    job.changed()
                    self._fetch(session, cursor, job, result, started)
                    total_rows += result.spool.count
                    if job.cancel_requested:
                        break
                else:
                    result = Result(job.position, "status", statement.text, line)
                    result.affected = cursor.rowcount if cursor.rowcount >= 0 else None
                    result.last_insert_id = cursor.lastrowid or None
                    result.elapsed = time.perf_counter() - started
                    # A CALL ends with a status packet after its row sets: show it only when alone.
                    if not produced:
                        job.results.append(result)
                        produced.append(result)
                if not cursor.nextset():
                    break
            warnings = cursor.warning_count
            cursor.close()
            for r in produced:
                if r.kind == "rows":
                    r.edit = edit_target(r.columns, lambda db, table: _kind_of(conn, db, table))
            if warnings and produced:
                produced[-1].warnings = [
                    {"level": r.Level, "code": r.Code, "message": r.Message} for r in conn.query("SHOW WARNINGS")
                ]
            ok, error = True, None
        except Exception as exc:
            err = conn.handle_error(exc)
            last = produced[-1] if produced else None
            stopped_while_fetching = last is not None and last.kind == "rows" and (job.cancel_requested or last.note)
            if stopped_while_fetching:
                produced[-1].stopped = True
                ok, error = True, None
            else:
                ok = False
                message = err.message
                error = {"code": err.code, "message": message, "line": error_line(message, line)}
                if job.cancel_requested:
                    error["message"] = f"Stopped by the user ({message})"
                failed = Result(job.position, "error", statement.text, line, error=error)
                job.results.append(failed)
                produced.append(failed)
        finally:
            name_cache.after_statement(conn, first_keyword(statement.text))
            for r in produced:
                if r.fetching:
                    r.fetching = False
                if r.kind == "rows" and r.edit is None:
                    r.edit = {"reason": "read-only: the result was not read whole"}
                r.elapsed = r.elapsed or time.perf_counter() - started
        elapsed = time.perf_counter() - started
        if self.record:
            affected = next((r.affected for r in produced if r.affected is not None), None)
            try:
                self.record(session, job, statement.text, elapsed, total_rows or affected, ok,
                            None if ok else f"({error['code']}) {error['message']}")  # fmt: skip
            except Exception:  # history is a convenience: never fail the query for it
                log.exception("could not record history")
        return ok

    def _fetch(self, session: DatabaseSession, cursor, job: QueryJob, result: Result, started: float) -> None:
        """Copy the result's row packets off the socket into the spool, undecoded (the grid decodes
        the windows it shows). Rows are published when a block is full, when the server makes us
        wait (a slow query shows each row soon), and at least every FLUSH_SECONDS; the first row
        at once."""
        spool = result.spool
        last_flush = last_notify = time.monotonic()
        over_limit = False

        def publish(now: float) -> None:
            nonlocal last_flush, last_notify
            first_rows = not spool.count
            spool.flush()
            last_flush = now
            if result.first_row_after is None and spool.count:
                result.first_row_after = time.perf_counter() - started
            # Wake the pollers for the first rows, then at most every FLUSH_SECONDS: each wake
            # costs a response, and the rows are read by window anyway.
            if first_rows or now - last_notify > FLUSH_SECONDS:
                last_notify = now
                job.changed()

        try:
            for piece in read_wire_rows(cursor):
                if over_limit:
                    continue  # drain what is in flight until KILL QUERY ends it, keep none
                if piece is IDLE:
                    if spool.pending_rows:
                        publish(time.monotonic())
                    continue
                spool.write(*piece)
                now = time.monotonic()
                if not spool.count or now - last_flush > FLUSH_SECONDS:
                    publish(now)
                if spool.bytes > MAX_SPOOL_BYTES and result.note is None:
                    publish(time.monotonic())
                    over_limit = True
                    result.note = (
                        f"Stopped fetching at {spool.count:,} rows: the result passed {MAX_SPOOL_BYTES >> 20:,} MB."
                    )
                    self._kill(session, job.thread_id)
        finally:
            if not over_limit:
                publish(time.monotonic())
        result.fetching = False
        result.elapsed = time.perf_counter() - started


def _rollback_and_close(conn: Connection) -> None:
    """Close a tab's connection; an open transaction is rolled back first, explicitly."""
    try:
        if conn.in_transaction():
            conn.rollback()
    except DatabaseError as exc:  # a dead connection: closing it ends the transaction on the server
        log.info("rollback before close failed: %s", exc.message)
    finally:
        conn.close()


HISTORY_SQL_CHARS = 100_000  # a 10 MB statement is kept in the history by its head, not whole


def history_recorder(store) -> Callable[..., None]:
    """record() for QueryJobs that writes each statement to the per-user store's history."""

    def record(session: DatabaseSession, job: QueryJob, sql: str, elapsed: float, rows, ok: bool, error):
        from core.store import StoreWriteFailed

        if len(sql) > HISTORY_SQL_CHARS:
            sql = sql[:HISTORY_SQL_CHARS] + f"\n-- … cut: the statement had {len(sql):,} characters"
        try:
            store.add_history(
                session.params.label(), job.current_database or job.database, sql, elapsed, rows, ok, error
            )
        except StoreWriteFailed as exc:  # the query itself ran: a full disk only costs its history line
            log.warning("%s", exc.message)

    return record
