"""What is released when: idle pooled connections and sessions expire, a closed tab gives back its
connection and results, log out stops a running query, and a dropped result says why (410)."""

import json
import time

import pytest

from core.db import Connection
from tests.resources.test_session_cycles import run_query
from tests.security.client import Client


@pytest.fixture
def client(running_app, mariadb, sample_db):
    client = Client(running_app.base_url)
    assert client.launch(running_app.token).status == 200
    assert client.login(mariadb.user).status == 302
    return client


def only_session(app):
    (session,) = list(app.sessions._sessions.values())
    return session


def test_idle_pooled_connections_close_and_the_session_stays(running_app, client):
    app = running_app.app
    session = only_session(app)
    assert session.idle_connection_count() >= 1
    app.sessions.expire(pool_idle=0)
    assert session.idle_connection_count() == 0
    assert client.get("/").status == 200  # a new connection is opened on demand


def test_an_idle_session_expires_and_gives_back_its_tabs(running_app, client):
    app = running_app.app
    job = run_query(client, "SELECT 1", "t1", 0)
    spool = app.query_jobs.get(only_session(app), job["id"]).results[0].spool
    assert app.query_jobs.tab_connection_count() == 1
    assert app.sessions.expire(session_idle=0)
    assert app.sessions.count() == 0
    assert app.query_jobs.tab_connection_count() == 0 and app.query_jobs.job_count() == 0
    assert spool.closed
    assert client.get("/api/editor/open-work").status == 401


def test_closing_a_tab_drops_its_results_and_says_so(client):
    kept = run_query(client, "SELECT 1", "t1", 0)
    closed = run_query(client, "SELECT 2", "t2", 0)
    tabs = {"tabs": [{"id": "t1", "title": "Query 1", "sql": "SELECT 1", "database": None}]}
    headers = {"X-XSRFToken": client.xsrf(), "Content-Type": "application/json"}
    assert client.request("PUT", "/api/editor/tabs", body=json.dumps(tabs), headers=headers).status == 200
    assert client.get(f"/api/query/{kept['id']}/rows").status == 200
    gone = client.get(f"/api/query/{closed['id']}/rows")
    assert gone.status == 410 and "tab was closed" in gone.json()["error"]


def test_a_new_run_replaces_the_tabs_result_and_the_old_one_says_so(client):
    first = run_query(client, "SELECT 1", "t1", 0)
    run_query(client, "SELECT 2", "t1", 0)
    gone = client.get(f"/api/query/{first['id']}/rows")
    assert gone.status == 410 and "Replaced" in gone.json()["error"]


def sleeps_left(mariadb, seconds: float = 10) -> int:
    """How many `SELECT SLEEP(60)` still run on the server once they are gone or `seconds` passed."""
    admin = Connection(mariadb.admin)
    try:
        deadline = time.monotonic() + seconds
        while True:
            sleeping = admin.get(
                "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(60)'"
            ).n
            if not sleeping or time.monotonic() >= deadline:
                return sleeping
            time.sleep(0.1)
    finally:
        admin.close()


def test_log_out_stops_a_running_query(running_app, client, mariadb):
    started = client.post_json("/api/query", {"sql": "SELECT SLEEP(60)", "tab": "t1"}).json()
    assert started["state"] == "running"
    began = time.monotonic()
    assert client.post_form("/logout", {}).status == 302
    assert time.monotonic() - began < 10
    assert sleeps_left(mariadb) == 0
    assert running_app.app.query_jobs.tab_connection_count() == 0


def test_switching_connections_gives_back_what_the_previous_one_held_except_open_transactions(
    running_app, client, mariadb
):
    app = running_app.app
    (first,) = list(app.sessions._sessions)
    assert client.login(mariadb.user).status == 302  # a second connection, now the active one
    run_query(client, "SELECT 1", "t1", 0)
    run_query(client, "BEGIN; SELECT 1", "t2", 0)
    second = next(s for s in app.sessions._sessions.values() if s.id != first)
    assert app.query_jobs.tab_connection_count() == 2 and second.idle_connection_count() >= 1
    assert client.post_form("/connections/switch", {"session": first}).status == 302
    assert app.query_jobs.tab_connection_count() == 1  # t2 keeps its open transaction
    assert [t["tab"] for t in app.query_jobs.open_transactions(second)] == ["t2"]
    assert second.idle_connection_count() == 0


def test_a_connection_returned_after_log_out_is_closed_not_pooled(running_app, client):
    app = running_app.app
    session = only_session(app)
    with session.connection() as conn:  # a request still running while the user logs out
        assert client.post_form("/logout", {}).status == 302
    assert not conn.is_open and session.idle_connection_count() == 0


def test_a_query_sent_just_after_the_stop_is_still_stopped(running_app, client, mariadb, monkeypatch):
    """Log out (or Stop) can come between the job's last look at its cancel flag and the statement
    reaching the server: a KILL QUERY sent then finds nothing running, and the statement would run
    its course (60 s here). The stop keeps killing until the job has ended."""
    from core.services.query.jobs import QueryJobs

    original = QueryJobs._run_statement

    def late_send(self, session, conn, job, statement):
        time.sleep(0.5)  # the window between the cancel check and the send, made wide
        return original(self, session, conn, job, statement)

    monkeypatch.setattr(QueryJobs, "_run_statement", late_send)
    started = client.post_json("/api/query", {"sql": "SELECT SLEEP(60)", "tab": "t1", "wait": 0}).json()
    assert started["state"] == "running"
    assert client.post_form("/logout", {}).status == 302
    time.sleep(1.5)  # past the late send
    assert sleeps_left(mariadb) == 0, "the statement sent after the stop ran on"
