"""Nothing accumulates: 200 cycles of connect, queries (one leaving a transaction open), log out, in
an Eddy limited to 256 descriptors, leave no server connection, no open transaction, and no more
descriptors than after the first cycle."""

from dataclasses import replace

import pytest

from core.db import Connection
from tests.security.client import Client

CYCLE_USER = "eddy_cycles"
CYCLE_PASSWORD = "cycle-pw"
CYCLES = 200
FD_TOLERANCE = 6


@pytest.fixture
def cycle_user(mariadb):
    """A user of its own, so its connections on the server are this test's and nobody else's."""
    admin = Connection(mariadb.admin)
    admin.execute(f"CREATE USER IF NOT EXISTS '{CYCLE_USER}'@'%%' IDENTIFIED BY %s", CYCLE_PASSWORD)
    admin.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{CYCLE_USER}'@'%'")
    admin.execute("CREATE DATABASE IF NOT EXISTS eddy_cycles")
    admin.execute("CREATE TABLE IF NOT EXISTS eddy_cycles.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=InnoDB")
    yield replace(mariadb.user, user=CYCLE_USER, password=CYCLE_PASSWORD)
    # Whatever a failed run left open would hold a metadata lock on the table: end it first.
    for row in admin.query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = %s", CYCLE_USER):
        admin.execute(f"KILL {int(row.id)}")
    admin.execute("DROP DATABASE IF EXISTS eddy_cycles")
    admin.execute(f"DROP USER IF EXISTS '{CYCLE_USER}'@'%'")
    admin.close()


def server_side(admin_params) -> tuple[int, int]:
    """(connections of the cycle user, open transactions of the cycle user) on the server."""
    admin = Connection(admin_params)
    try:
        conns = admin.get("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = %s", CYCLE_USER).n
        trx = admin.get(
            "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
            "ON p.ID = t.trx_mysql_thread_id WHERE p.USER = %s",
            CYCLE_USER,
        ).n
    finally:
        admin.close()
    return conns, trx


def run_query(client: Client, sql: str, tab: str, cycle: int) -> dict:
    """Start a query in an editor tab and follow it (long polls) to its end."""
    response = client.post_json("/api/query", {"sql": sql, "tab": tab, "wait": 1})
    assert response.status == 200, f"cycle {cycle}: {response.text}"
    job = response.json()
    while job["state"] == "running":
        response = client.get(f"/api/query/{job['id']}?after={job['version']}")
        assert response.status == 200, response.text
        job = response.json()
    return job


def one_cycle(client: Client, params, cycle: int) -> None:
    assert client.login(params).status == 302
    for tab, sql in (
        ("t1", "SELECT 1 AS a UNION ALL SELECT 2"),
        ("t1", "SELECT * FROM eddy_cycles.t LIMIT 5"),
        ("t2", "BEGIN; INSERT INTO eddy_cycles.t (v) VALUES (1)"),  # left open: rolled back at log out
        ("t3", "SELECT SLEEP(0)"),
        ("t3", "SHOW DATABASES"),
    ):
        job = run_query(client, sql, tab, cycle)
        assert job["state"] == "done", f"cycle {cycle}: {job}"
    open_work = client.get("/api/editor/open-work").json()
    assert [t["tab"] for t in open_work["tabs"]] == ["t2"]
    assert client.post_form("/logout", {}).status == 302


def test_log_out_cycles_leave_no_connections_descriptors_or_transactions(child_eddy_factory, mariadb, cycle_user):
    eddy = child_eddy_factory(nofile=256)
    client = Client(eddy.url)
    assert client.launch(eddy.token).status == 200
    one_cycle(client, cycle_user, 0)
    baseline = eddy.fd_count()
    for cycle in range(1, CYCLES):
        one_cycle(client, cycle_user, cycle)
    assert client.get("/login").status == 200  # still serving pages
    after = eddy.fd_count()
    print(
        f"descriptors: {baseline} after the first cycle, {after} after {CYCLES}; server: {server_side(mariadb.admin)}"
    )
    assert server_side(mariadb.admin) == (0, 0), "connections or transactions left on the server"
    assert after <= baseline + FD_TOLERANCE, (baseline, after)
    admin = Connection(mariadb.admin)
    assert admin.get("SELECT COUNT(*) AS n FROM eddy_cycles.t").n == 0  # every open INSERT was rolled back
    admin.close()
