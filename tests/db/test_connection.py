import threading
import time

import pytest

from core.db import Connection, ConnectionLost, DatabaseError
from core.db.errors import ConnectFailed
from core.services.sandbox.server import free_port


def test_query_get_execute_roundtrip(mariadb):
    conn = mariadb.connect()
    conn.execute("CREATE DATABASE IF NOT EXISTS eddy_test_conn")
    conn.execute("DROP TABLE IF EXISTS eddy_test_conn.t")
    conn.execute("CREATE TABLE eddy_test_conn.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))")
    last_id = conn.execute("INSERT INTO eddy_test_conn.t (v) VALUES (%s)", "hello")
    assert last_id == 1
    row = conn.get("SELECT id, v FROM eddy_test_conn.t WHERE id = %s", last_id)
    assert row.v == "hello" and row["id"] == 1
    assert conn.get("SELECT id FROM eddy_test_conn.t WHERE id = 999") is None
    assert [r.v for r in conn.query("SELECT v FROM eddy_test_conn.t")] == ["hello"]
    conn.execute("DROP DATABASE eddy_test_conn")


def test_get_refuses_several_rows(mariadb):
    conn = mariadb.connect()
    with pytest.raises(DatabaseError):
        conn.get("SELECT 1 UNION ALL SELECT 2")


def test_utf8mb4_emoji_and_chinese_survive(mariadb):
    conn = mariadb.connect()
    assert conn.get("SELECT %s AS v", "张伟 🐍").v == "张伟 🐍"


def test_executemany_inserts_in_batches(mariadb):
    conn = mariadb.connect()
    conn.execute("CREATE DATABASE IF NOT EXISTS eddy_test_many")
    conn.execute("DROP TABLE IF EXISTS eddy_test_many.t")
    conn.execute("CREATE TABLE eddy_test_many.t (id INT PRIMARY KEY, v TEXT)")
    rows = [(i, f"row {i} 'quoted' ✓") for i in range(5000)]
    assert conn.executemany("INSERT INTO eddy_test_many.t (id, v) VALUES (%s, %s)", rows) == 5000
    assert conn.get("SELECT COUNT(*) AS n FROM eddy_test_many.t").n == 5000
    conn.execute("DROP DATABASE eddy_test_many")


@pytest.mark.mariadb_only
def test_iter_streams_with_an_unbuffered_cursor(mariadb):
    conn = mariadb.connect()
    names, rows = conn.stream("SELECT seq, seq * 2 AS twice FROM mysql.seq_1_to_100000")
    assert names == ["seq", "twice"]
    first = next(rows)
    assert first == (1, 2)
    # The generator holds an SSCursor: nothing was buffered client-side beyond one batch.
    assert rows.gi_frame.f_locals["cursor"].__class__.__name__ == "SSCursor"
    assert sum(1 for _ in rows) == 99_999
    assert [r.seq for r in conn.iter("SELECT seq FROM mysql.seq_1_to_3")] == [1, 2, 3]


@pytest.mark.mariadb_only
def test_abandoned_stream_leaves_connection_usable(mariadb):
    conn = mariadb.connect()
    _, rows = conn.stream("SELECT seq FROM mysql.seq_1_to_50000")
    next(rows)
    rows.close()
    assert conn.get("SELECT 42 AS v").v == 42


def test_server_error_carries_code_and_message(mariadb):
    conn = mariadb.connect()
    with pytest.raises(DatabaseError) as info:
        conn.query("SELECT * FROM no_such_db.no_such_table")
    assert info.value.code == 1146 or info.value.code == 1049
    assert "no_such" in info.value.message


def test_reconnects_after_server_kills_the_connection(mariadb):
    conn = mariadb.connect()
    victim = conn.thread_id
    killer = Connection(mariadb.admin)
    killer.execute(f"KILL CONNECTION {int(victim)}")
    # A read outside a transaction is retried once on a fresh connection.
    assert conn.get("SELECT 7 AS v").v == 7
    assert conn.thread_id != victim


def test_lost_connection_during_write_is_reported_then_reestablished(mariadb):
    conn = mariadb.connect()
    victim = conn.thread_id
    Connection(mariadb.admin).execute(f"KILL CONNECTION {int(victim)}")
    with pytest.raises(ConnectionLost) as info:
        conn.execute("DO 1")
    assert "re-established" in info.value.message
    assert conn.get("SELECT 1 AS v").v == 1


def test_wrong_password_is_explained(mariadb):
    with pytest.raises(ConnectFailed) as info:
        mariadb.connect(password="wrong")
    assert info.value.code == 1045
    assert "wrong user name or password" in info.value.message


def test_refused_port_is_explained():
    from core.db import ConnectionParams

    port = free_port()
    with pytest.raises(ConnectFailed) as info:
        Connection(ConnectionParams(host="127.0.0.1", port=port, connect_timeout=2))
    assert "refused" in info.value.message.lower()


def test_unknown_host_is_explained():
    from core.db import ConnectionParams

    with pytest.raises(ConnectFailed) as info:
        Connection(ConnectionParams(host="no-such-host.invalid", port=3306, connect_timeout=2))
    assert "unknown host" in info.value.message.lower()


def test_two_connections_run_concurrently(mariadb):
    """A slow statement on one connection does not hold up another."""
    slow, fast = mariadb.connect(), mariadb.connect()
    t = threading.Thread(target=lambda: slow.query("SELECT SLEEP(1)"))
    t.start()
    time.sleep(0.1)
    started = time.perf_counter()
    fast.get("SELECT 1 AS v")
    assert time.perf_counter() - started < 0.5
    t.join()


@pytest.mark.mariadb_only
def test_server_version_has_no_compatibility_prefix(mariadb):
    """MariaDB announces itself as "5.5.5-10.x" to old clients; users should see "10.x"."""
    version = mariadb.connect().server_version()
    assert not version.startswith("5.5.5-")
    assert version.split(".")[0].isdigit()
