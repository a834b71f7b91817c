"""Query jobs against the real server: streaming, cancel, errors, history, safe writes."""

import threading
import time

import pymysql.cursors
import pytest

from core.db import Connection
from core.services import jobs as background
from core.services.connections.sessions import SessionRegistry
from core.services.query import jobs as qj
from core.services.query.jobs import QueryJobs, pick_statements
from core.store import Store


@pytest.fixture
def session(mariadb, sample_db):
    registry = SessionRegistry()
    from dataclasses import replace

    s = registry.open(replace(mariadb.user, database=sample_db))
    yield s
    registry.close_all()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "eddy.sqlite3")
    yield s
    s.close()


@pytest.fixture
def jobs(store):
    j = QueryJobs(record=qj.history_recorder(store))
    yield j
    j.close_all()


def wait_for(job, states=(qj.DONE, qj.FAILED, qj.CANCELLED, qj.CONFIRM), timeout=30):
    deadline = time.monotonic() + timeout
    event = threading.Event()
    while job.state not in states or (job.state == qj.RUNNING):
        event.clear()
        job.on_change(event.set)
        if job.state in states and job.state != qj.RUNNING:
            break
        if not event.wait(max(0.0, deadline - time.monotonic())):
            raise AssertionError(f"job still {job.state}")
    return job


def run(jobs, session, sql, tab="t1", **kw):
    return wait_for(jobs.start(session, tab, pick_statements(sql), None, **kw))


def test_script_results_rows_status_and_history(jobs, session, store, sample_db):
    job = run(jobs, session, "SELECT name FROM people ORDER BY id; CREATE TEMPORARY TABLE tmp (a INT);"
              " INSERT INTO tmp VALUES (1),(2); SELECT * FROM tmp")  # fmt: skip
    assert job.state == qj.DONE
    kinds = [r.kind for r in job.results]
    assert kinds == ["rows", "status", "status", "rows"]
    assert job.results[0].spool.read(0, 2) == [["Ada Lovelace"], ["NULL"]]
    assert job.results[2].affected == 2
    assert job.results[3].spool.count == 2
    history = store.history()
    assert len(history) == 4 and all(h["ok"] for h in history)
    assert history[0]["sql"] == "SELECT * FROM tmp"
    assert store.history("CREATE TEMPORARY")[0]["sql"].startswith("CREATE TEMPORARY")


def test_a_query_job_is_a_background_job_with_the_same_states(jobs, session):
    """One job model: the SQL editor's jobs and transfer's share the class and the state names."""
    job = run(jobs, session, "SELECT * FROM no_such_table")
    assert isinstance(job, background.Job)
    assert job.state == background.FAILED == "failed" and job.as_json()["state"] == "failed"
    assert (qj.RUNNING, qj.DONE, qj.CANCELLED, qj.CONFIRM) == (
        background.RUNNING,
        background.DONE,
        background.CANCELLED,
        background.CONFIRM,
    )
    assert job.finished is not None and job.elapsed() >= 0


def test_error_points_at_statement_and_line_and_stops_or_continues(jobs, session, store):
    script = "SELECT 1;\n\nSELECT *\nFROM no_such_table;\nSELECT 3"
    job = run(jobs, session, script)
    assert job.state == qj.FAILED
    error = job.results[-1]
    assert error.kind == "error" and error.error["code"] == 1146 and error.line == 3
    assert len(job.results) == 2  # stopped: SELECT 3 never ran
    job = run(jobs, session, script, stop_on_error=False)
    assert [r.kind for r in job.results] == ["rows", "error", "rows"]
    assert store.history("no_such_table")[0]["ok"] is False

    job = run(jobs, session, "SELECT 1;\nSELECT 1 +;")
    assert job.results[-1].error["code"] == 1064 and job.results[-1].line == 2


def test_tab_connection_keeps_session_state_between_runs(jobs, session):
    run(jobs, session, "SET @x = 41")
    job = run(jobs, session, "SELECT @x + 1")
    assert job.results[0].spool.read(0, 1) == [[42]]
    other = run(jobs, session, "SELECT @x", tab="t2")
    assert other.results[0].spool.read(0, 1) == [[None]]


@pytest.mark.mariadb_only
def test_big_result_is_streamed_through_an_unbuffered_cursor(jobs, session, monkeypatch):
    used = []
    real = Connection.open_cursor

    def spy(self, unbuffered=False):
        cursor = real(self, unbuffered)
        used.append(type(cursor))
        return cursor

    monkeypatch.setattr(Connection, "open_cursor", spy)
    job = run(jobs, session, "SELECT seq, REPEAT('x', 100) FROM seq_1_to_200000")
    assert used == [pymysql.cursors.SSCursor]
    result = job.results[0]
    assert result.spool.count == 200_000
    assert result.spool.read(199_998, 5) == [[199_999, "x" * 100], [200_000, "x" * 100]]
    # Rows live on disk; memory holds only a sparse index (a few entries per thousand rows).
    assert 200_000 // 1000 <= len(result.spool._starts) <= 200_000 // 32


def test_stop_kills_the_query_on_the_server_and_keeps_the_tab_session(jobs, session, mariadb):
    run(jobs, session, "SET @kept = 'yes'")
    job = jobs.start(session, "t1", pick_statements("SELECT SLEEP(30)"), None)
    deadline = time.monotonic() + 10
    while job.thread_id is None and time.monotonic() < deadline:
        time.sleep(0.01)
    admin = Connection(mariadb.admin)
    try:
        # Wait until the server is actually running it.
        running = "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = %s AND INFO LIKE 'SELECT SLEEP%%'"
        while not admin.query(running, job.thread_id):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        started = time.monotonic()
        assert jobs.cancel(session, job)
        wait_for(job)
        assert time.monotonic() - started < 5
        assert job.state == qj.CANCELLED
        assert not admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%%'")
    finally:
        admin.close()
    assert run(jobs, session, "SELECT @kept").results[0].spool.read(0, 1) == [["yes"]]


@pytest.mark.mariadb_only
def test_stop_while_fetching_keeps_the_rows_so_far(jobs, session):
    job = jobs.start(session, "t1", pick_statements("SELECT seq, SLEEP(0.001) FROM seq_1_to_100000"), None)
    deadline = time.monotonic() + 20
    while not (job.results and job.results[0].spool and job.results[0].spool.count > 0):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    jobs.cancel(session, job)
    wait_for(job)
    result = job.results[0]
    assert result.stopped and 0 < result.spool.count < 100_000
    # The tab is usable again, on the same connection.
    again = run(jobs, session, "SELECT 1")
    assert again.state == qj.DONE and again.thread_id == job.thread_id


def test_second_run_in_a_busy_tab_is_refused(jobs, session):
    job = jobs.start(session, "t1", pick_statements("SELECT SLEEP(2)"), None)
    with pytest.raises(qj.JobBusy):
        jobs.start(session, "t1", pick_statements("SELECT 1"), None)
    jobs.cancel(session, job)
    wait_for(job)


def test_warnings_are_shown(jobs, session):
    job = run(jobs, session, "SELECT CAST('12abc' AS INTEGER)")
    assert job.results[0].warnings and job.results[0].warnings[0]["code"] == 1292


@pytest.mark.mariadb_only
def test_multiple_result_sets_of_a_call(jobs, session):
    run(jobs, session, "DELIMITER //\nCREATE OR REPLACE PROCEDURE two_sets() BEGIN "
        "SELECT 1 AS a; SELECT 2 AS b, 3 AS c; END//\nDELIMITER ;")  # fmt: skip
    job = run(jobs, session, "CALL two_sets()")
    rows = [r for r in job.results if r.kind == "rows"]
    assert [r.columns[0]["name"] for r in rows] == ["a", "b"]
    assert rows[1].spool.read(0, 1) == [[2, 3]]
    drop = run(jobs, session, "DROP PROCEDURE two_sets")
    assert drop.state == qj.CONFIRM  # DROP always asks first
    jobs.confirm(session, drop)
    assert wait_for(drop).state == qj.DONE
    assert all(r.spool.closed for r in rows)  # the new run in the tab released the old result


@pytest.fixture
def accounts(mariadb, sample_db):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP TABLE IF EXISTS `{sample_db}`.accounts, `{sample_db}`.legacy")
    conn.execute(f"CREATE TABLE `{sample_db}`.accounts (id INT PRIMARY KEY, owner VARCHAR(20), "
                 "balance INT) ENGINE=InnoDB")  # fmt: skip
    conn.executemany(f"INSERT INTO `{sample_db}`.accounts VALUES (%s, %s, %s)",
                     [(i, f"o{i}", i * 10) for i in range(1, 8)])  # fmt: skip
    conn.execute(f"CREATE TABLE `{sample_db}`.legacy (id INT PRIMARY KEY, v INT) ENGINE=MyISAM")
    conn.execute(f"INSERT INTO `{sample_db}`.legacy VALUES (1, 1), (2, 2)")
    yield conn
    # The sample database is shared by other tests that count its tables: leave it as found.
    conn.execute(f"DROP TABLE IF EXISTS `{sample_db}`.accounts, `{sample_db}`.legacy")
    conn.close()


def snapshot(conn, db):
    return conn.query(f"SELECT * FROM `{db}`.accounts ORDER BY id")


def test_update_without_where_is_previewed_and_leaves_data_unchanged(jobs, session, accounts, sample_db):
    before = snapshot(accounts, sample_db)
    job = run(jobs, session, "SELECT 1; UPDATE accounts SET balance = balance + 1; SELECT 2")
    assert job.state == qj.CONFIRM
    pending = job.pending
    assert pending["index"] == 1 and pending["kind"] == "write"
    preview = pending["preview"]
    assert preview["available"] and preview["rows"] == 7
    assert preview["before"][0] == [1, "o1", 10] and preview["after"][0] == [1, "o1", 11]
    assert snapshot(accounts, sample_db) == before  # rolled back
    assert len(job.results) == 1  # SELECT 1 ran, the rest waits

    jobs.confirm(session, job)
    wait_for(job)
    assert job.state == qj.DONE and [r.kind for r in job.results] == ["rows", "status", "rows"]
    assert snapshot(accounts, sample_db)[0].balance == 11


def test_safe_mode_previews_any_write_and_decline_runs_nothing(jobs, session, accounts, sample_db):
    before = snapshot(accounts, sample_db)
    job = run(jobs, session, "DELETE FROM accounts WHERE id > 3", safe_mode=True)
    assert job.state == qj.CONFIRM and job.pending["preview"]["rows"] == 4
    jobs.cancel(session, job)
    assert job.state == qj.CANCELLED
    assert snapshot(accounts, sample_db) == before
    # Without safe mode a DELETE with WHERE just runs.
    job = run(jobs, session, "DELETE FROM accounts WHERE id > 6")
    assert job.state == qj.DONE and job.results[0].affected == 1


def test_preview_inside_users_transaction_uses_a_savepoint(jobs, session, accounts, sample_db):
    job = run(jobs, session, "BEGIN; UPDATE accounts SET owner = 'mine' WHERE id = 1; DELETE FROM accounts")
    assert job.state == qj.CONFIRM and job.pending["preview"]["rows"] == 7
    jobs.cancel(session, job)
    job = run(jobs, session, "SELECT owner FROM accounts WHERE id = 1; ROLLBACK")
    assert job.results[0].spool.read(0, 1) == [["mine"]]  # the user's own change survived the preview
    assert snapshot(accounts, sample_db)[0].owner == "o1"


def test_non_transactional_table_is_never_dry_run(jobs, session, accounts, sample_db):
    job = run(jobs, session, "DELETE FROM legacy")
    preview = job.pending["preview"]
    assert not preview["available"] and "MyISAM" in preview["reason"]
    assert accounts.get(f"SELECT COUNT(*) AS n FROM `{sample_db}`.legacy").n == 2
    jobs.cancel(session, job)


def test_ddl_asks_for_confirmation_naming_the_object(jobs, session, accounts, sample_db):
    job = run(jobs, session, "DROP TABLE IF EXISTS legacy")
    assert job.state == qj.CONFIRM and job.pending["kind"] == "ddl"
    assert job.pending["target"] == "DROP TABLE `legacy`"
    assert "preview" not in job.pending
    jobs.cancel(session, job)
    assert accounts.get(f"SELECT COUNT(*) AS n FROM `{sample_db}`.legacy").n == 2


def test_dates_decimals_and_times_are_shown_as_the_server_writes_them(jobs, session):
    sql = ("SELECT CAST('2024-02-29 10:11:12.345' AS DATETIME(3)), 12.50, CAST('-838:59:59' AS TIME), "
           "DATE'2024-01-02', CAST(18446744073709551615 AS UNSIGNED), x'00ff'")  # fmt: skip
    job = run(jobs, session, sql)
    assert job.results[0].spool.read(0, 1) == [
        ["2024-02-29 10:11:12.345", "12.50", "-838:59:59", "2024-01-02", "18446744073709551615",
         {"binary": "00ff", "size": 2}]
    ]  # fmt: skip


@pytest.mark.mariadb_only
def test_a_result_over_the_disk_limit_stops_fetching_and_the_script_goes_on(jobs, session, monkeypatch):
    monkeypatch.setattr(qj, "MAX_SPOOL_BYTES", 200_000)
    job = run(jobs, session, "SELECT seq, REPEAT('x', 50) FROM seq_1_to_2000000; SELECT 'next'")
    big = job.results[0]
    assert big.stopped and "Stopped fetching" in big.note
    assert big.spool.bytes < 2_000_000 and big.spool.count < 100_000
    assert job.state == qj.DONE and job.results[1].spool.read(0, 1) == [["next"]]


@pytest.mark.mariadb_only
def test_rows_of_a_slow_query_appear_while_it_still_runs(jobs, session):
    # Rows over the server's 16 KB net buffer, so the server sends each as soon as it is made.
    sql = "SELECT seq, REPEAT('x', 20000), SLEEP(0.1) FROM seq_1_to_30"
    job = jobs.start(session, "t1", pick_statements(sql), None)
    deadline = time.monotonic() + 10

    def has_rows():
        return bool(job.results and job.results[0].spool and job.results[0].spool.count)

    while not has_rows():
        changed = threading.Event()
        job.on_change(changed.set)
        if not has_rows():
            assert changed.wait(max(0.0, deadline - time.monotonic())), "no rows arrived"
    result = job.results[0]
    assert result.fetching and 0 < result.spool.count < 30  # shown before the statement ended
    jobs.cancel(session, job)
    wait_for(job)


def test_safe_mode_asks_before_a_call_without_pretending_to_preview_it(jobs, session):
    job = run(jobs, session, "CALL no_such_procedure()", safe_mode=True)
    assert job.state == qj.CONFIRM and not job.pending["preview"]["available"]
    jobs.cancel(session, job)


def test_stop_mid_fetch_keeps_every_row_read_so_far_in_order(jobs, session):
    """Stop during a big result: the server's error packet ends the stream, the rows before it
    (including those not yet written to disk) stay readable and complete, and the tab goes on."""
    job = jobs.start(session, "t1", pick_statements("SELECT seq, REPEAT('x', 100) FROM seq_1_to_50000000"), None)
    deadline = time.monotonic() + 30

    def has_rows():
        return bool(job.results and job.results[0].spool and job.results[0].spool.count > 1000)

    while not has_rows():
        changed = threading.Event()
        job.on_change(changed.set)
        if not has_rows():
            assert changed.wait(max(0.0, deadline - time.monotonic())), "no rows arrived"
    jobs.cancel(session, job)
    wait_for(job)
    result = job.results[0]
    count = result.spool.count
    assert result.stopped and 1000 < count < 50_000_000
    assert result.spool.read(0, 2) == [[1, "x" * 100], [2, "x" * 100]]
    assert result.spool.read(count - 3, 10) == [[n, "x" * 100] for n in range(count - 2, count + 1)]
    assert run(jobs, session, "SELECT 'after'").results[0].spool.read(0, 1) == [["after"]]


def test_results_name_sql_types_and_say_which_table_they_could_be_edited_in(jobs, session, sample_db):
    job = run(
        jobs,
        session,
        "SELECT p.id, p.name AS who, p.score, p.note FROM people p ORDER BY id;"
        " SELECT p.id, o.`select` FROM people p JOIN `order items 表` o ON o.`select` = p.id;"
        " SELECT 1 + 1 AS two; SELECT name FROM people; SELECT * FROM (SELECT id, name FROM people) AS d",
    )
    single, joined, expr, keyless, derived = (r.as_json(i) for i, r in enumerate(job.results))
    assert [c["type"] for c in single["columns"]] == ["INT", "VARCHAR(100)", "DECIMAL(10,2)", "TEXT"]
    assert [c["numeric"] for c in single["columns"]] == [True, False, True, False]
    assert single["columns"][1]["origin"] == {"db": sample_db, "table": "people", "column": "name", "key": False}
    assert single["edit"] == {"db": sample_db, "table": "people"}
    assert joined["edit"] == {"reason": "read-only: joins 2 tables"}
    assert expr["edit"] == {"reason": "read-only: no column comes from a table"}
    assert keyless["edit"] == {"reason": "read-only: no primary key of people in the result"}
    assert derived["edit"] == {"reason": f"read-only: d is not a table of {sample_db}"}


class SlowToFree:
    """A spool file whose close() waits, as freeing ~100 MB of disk blocks on ext4 does (~10 ms)."""

    def __init__(self, file):
        self.file = file
        self.release = threading.Event()
        self.closing = threading.Event()
        self.closed_on = None

    def __getattr__(self, name):
        return getattr(self.file, name)

    def close(self):
        self.closed_on = threading.current_thread().name
        self.closing.set()
        self.release.wait(20)
        self.file.close()


def test_a_new_run_does_not_wait_for_the_replaced_result_to_be_freed(jobs, session):
    # Re-running a query closed the old result's spool inside jobs.start(), on the IOLoop thread:
    # a 1M-row result delayed the next run's first row (and every other request) by ~12 ms.
    first = wait_for(run(jobs, session, "SELECT 1 AS a"))
    slow = first.results[0].spool._file = SlowToFree(first.results[0].spool._file)
    started = threading.Event()
    caller = threading.Thread(target=lambda: (run(jobs, session, "SELECT 2 AS a"), started.set()))
    caller.start()
    try:
        assert started.wait(10), "starting the next run waited for the old result's file to be freed"
    finally:
        slow.release.set()
        caller.join(20)
    # Freed in the background, after whatever other results were waiting to be freed.
    assert slow.closing.wait(20) and slow.closed_on != caller.name
