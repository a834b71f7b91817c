"""Read-only connections: the statement classifier (layer 1) and the server's read-only session (layer 2)."""

import ssl
from dataclasses import replace

import pytest

from core.db import Connection
from core.db.errors import DatabaseError
from core.db.statements import ReadOnlyViolation, first_keyword, read_only_refusal

READS = [
    "SELECT 1",
    "  select * from t where a = 'DELETE'",
    "(SELECT 1) UNION (SELECT 2)",
    "-- a comment\nSELECT 1",
    "# hash comment\nSHOW TABLES",
    "/* block */ SELECT 1",
    "SHOW CREATE TABLE t",
    "DESCRIBE t",
    "DESC t",
    "EXPLAIN SELECT * FROM t",
    "WITH x AS (SELECT 1) SELECT * FROM x",
    "USE eddy_test",
    "SET NAMES utf8mb4",
    "SET @a = 1",
    "SET SESSION sql_mode = 'ANSI'",
    "BEGIN",
    "START TRANSACTION READ ONLY",
    "COMMIT",
    "ROLLBACK",
    "HELP 'select'",
    "SELECT 1 /*!, (SELECT 2) */",  # executable comments are code: here, code that reads
    "",
    "  ;  ",
]
WRITES = [
    "INSERT INTO t VALUES (1)",
    "update t set a = 1",
    "DELETE FROM t",
    "REPLACE INTO t VALUES (1)",
    "CREATE TABLE x (i INT)",
    "ALTER TABLE t ADD c INT",
    "DROP TABLE t",
    "TRUNCATE t",
    "RENAME TABLE a TO b",
    "GRANT ALL ON *.* TO x",
    "REVOKE ALL ON *.* FROM x",
    "LOAD DATA INFILE '/x' INTO TABLE t",
    "LOCK TABLES t WRITE",
    "DO RELEASE_LOCK('x')",
    "SELECT * FROM t INTO OUTFILE '/tmp/x'",
    "SELECT 1 INTO DUMPFILE '/tmp/x'",
    "SET SESSION TRANSACTION READ WRITE",
    "SET tx_read_only = 0",
    "SET @@session.transaction_read_only = OFF",
    "SET GLOBAL read_only = 0",
    "SET PASSWORD = PASSWORD('x')",
    "SET STATEMENT max_statement_time=1 FOR DELETE FROM t",
    "START TRANSACTION READ WRITE",
    "/*!50000 DELETE FROM t */",
    "/*M!100000 DROP TABLE t */",
    "/*Mx*/ DELETE FROM t",
    "WITH x AS (SELECT 1) DELETE FROM t",
    "ANALYZE TABLE t",
    "OPTIMIZE TABLE t",
    "FLUSH PRIVILEGES",
    "KILL 1",
    "PREPARE s FROM 'DELETE FROM t'",
    "EXECUTE s",
    "HANDLER t OPEN",
    "-- comment\nDROP DATABASE x",
    "xyzzy",
    "EXPLAIN ANALYZE DELETE FROM t",
]


@pytest.mark.parametrize("sql", READS)
def test_reading_statements_pass_the_read_only_guard(sql):
    assert read_only_refusal(sql) is None


@pytest.mark.parametrize("sql", WRITES)
def test_changing_statements_are_refused_by_the_read_only_guard(sql):
    assert read_only_refusal(sql)


def test_first_keyword_skips_comments():
    assert first_keyword("/* x */ -- y\n  (select 1)") == "SELECT"


@pytest.fixture
def canary(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute("CREATE DATABASE IF NOT EXISTS eddy_test_ro")
    admin.execute("DROP TABLE IF EXISTS eddy_test_ro.t")
    admin.execute("CREATE TABLE eddy_test_ro.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
    admin.execute("INSERT INTO eddy_test_ro.t VALUES (1, 10), (2, 20)")
    yield admin
    admin.execute("DROP DATABASE IF EXISTS eddy_test_ro")
    admin.close()


def test_read_only_connection_refuses_writes_before_the_server(mariadb, canary):
    conn = Connection(replace(mariadb.user, read_only=True, database="eddy_test_ro"))
    assert conn.query("SELECT v FROM t ORDER BY id") == [{"v": 10}, {"v": 20}]
    for call in (
        lambda: conn.execute("UPDATE t SET v = 0"),
        lambda: conn.select("DELETE FROM t"),
        lambda: conn.executemany("INSERT INTO t VALUES (%s, %s)", [(3, 3)]),
        lambda: conn.execute_rowcount("DROP TABLE t"),
        lambda: conn.query("SET SESSION TRANSACTION READ WRITE"),
        lambda: conn.stream("TRUNCATE t"),
    ):
        with pytest.raises(ReadOnlyViolation, match="Read-only connection"):
            call()
    assert canary.query("SELECT v FROM eddy_test_ro.t ORDER BY id") == [{"v": 10}, {"v": 20}]
    conn.close()


def test_read_only_cursors_refuse_writes_too(mariadb, canary):
    """Services that run their own statements on the connection's cursors (the SQL editor's
    unbuffered cursor, script import through _run) get the same refusal; DDL included, which
    MariaDB's read-only session alone would let through."""
    conn = Connection(replace(mariadb.user, read_only=True, database="eddy_test_ro"))
    cursor = conn.open_cursor(unbuffered=True)
    with pytest.raises(ReadOnlyViolation):
        cursor.execute("DROP TABLE t")
    with pytest.raises(ReadOnlyViolation):
        conn._run(lambda c: c.execute(b"CREATE TABLE t2 (id INT)"), retry_safe=False)
    # Reads still work on the same cursors, and the connection is fine afterwards.
    assert conn._run(lambda c: (c.execute("SELECT COUNT(*) FROM t"), c.fetchone())[1], retry_safe=True) == (2,)
    assert canary.query("SHOW TABLES FROM eddy_test_ro") == [{"Tables_in_eddy_test_ro": "t"}]
    conn.close()


@pytest.mark.mariadb_only
def test_read_only_session_is_enforced_by_the_server_too(mariadb, canary):
    """Layer 2: even a statement that slips past the classifier cannot write (MariaDB error 1792)."""
    conn = Connection(replace(mariadb.user, read_only=True, database="eddy_test_ro"))
    assert conn.get("SELECT @@tx_read_only AS ro")["ro"] == 1
    raw = conn._conn.cursor()  # even the driver's own cursor is checked now ...
    with pytest.raises(ReadOnlyViolation):
        raw.execute("UPDATE t SET v = 0")
    conn._conn.read_only_guard = False  # ... so switch layer 1 off on purpose, to test layer 2
    for sql in ("UPDATE t SET v = 0", "CREATE TABLE t2 (i INT)", "DROP TABLE t"):
        with pytest.raises(Exception) as info:
            raw.execute(sql)
        assert info.value.args[0] == 1792, info.value
    conn.close()
    assert canary.query("SELECT v FROM eddy_test_ro.t ORDER BY id") == [{"v": 10}, {"v": 20}]


@pytest.mark.mariadb_only
def test_read_only_survives_a_reconnect(mariadb, canary):
    conn = Connection(replace(mariadb.user, read_only=True))
    conn.connect()  # what a lost connection does
    assert conn.get("SELECT @@tx_read_only AS ro")["ro"] == 1
    conn.close()


def test_session_setup_runs_on_every_connection(mariadb, canary):
    """Safe mode: the server refuses an UPDATE without a key in WHERE (error 1175)."""
    conn = Connection(
        replace(mariadb.user, database="eddy_test_ro", session_setup=("SET SESSION sql_safe_updates = 1",))
    )
    with pytest.raises(DatabaseError) as info:
        conn.execute("UPDATE t SET v = 0")
    assert info.value.code == 1175
    conn.execute("UPDATE t SET v = 11 WHERE id = 1")
    assert canary.get("SELECT v FROM eddy_test_ro.t WHERE id = 1")["v"] == 11
    conn.close()


def test_default_tls_context_is_built_once(mariadb):
    """PyMySQL's opportunistic-TLS context (no CA: verifies nothing) is shared, not rebuilt per connection."""
    first, second = Connection(mariadb.user), Connection(mariadb.user)
    assert first._conn.ctx is second._conn.ctx is not None
    assert first._conn.ctx.verify_mode == ssl.CERT_NONE
    first.close()
    second.close()
