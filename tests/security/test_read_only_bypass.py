"""Read-only means no write anywhere: tables, files on the server host, server settings, sequences.

Each attempt below runs on a read-only profile through every path that sends user SQL: the SQL
editor (its statements confirmed where it asks), the grid's raw WHERE, EXPLAIN ANALYZE, an export
of a query and a SQL-script import.
After each, the server is unchanged: table checksums, tables, sequence, global variables, and no file
in the folder the attempts try to write into.
"""

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from core.db import Connection
from core.db.errors import DatabaseError
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.sql_import import ScriptFailed, ScriptOptions, run_script
from tests.connections.conftest import memory_keyring  # noqa: F401 - a fixture used below
from tests.connections.test_profiles import connect, create
from tests.web.sql_editor import run_sql

DB = "eddy_sec_ro"
OUT = "{out}"  # replaced by the folder attempts try to write into

SETUP = [
    f"DROP DATABASE IF EXISTS {DB}",
    f"CREATE DATABASE {DB}",
    f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB",
    f"INSERT INTO {DB}.t VALUES (1, 10), (2, 20)",
    f"CREATE TABLE {DB}.log (n INT) ENGINE=InnoDB",
    f"CREATE TABLE {DB}.mem (n INT) ENGINE=MEMORY",  # no transactions: a read-only trx cannot stop it
    f"CREATE SEQUENCE {DB}.s NOCACHE",
    f"CREATE FUNCTION {DB}.f_global() RETURNS INT BEGIN SET GLOBAL max_connections = 77; RETURN 1; END",
    f"CREATE FUNCTION {DB}.f_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO mem VALUES (1); RETURN 1; END",
    f"CREATE FUNCTION {DB}.f_liar() RETURNS INT READS SQL DATA BEGIN INSERT INTO mem VALUES (2); RETURN 1; END",
    f"CREATE FUNCTION {DB}.f_liar_global() RETURNS INT READS SQL DATA "
    "BEGIN SET GLOBAL max_connections = 78; RETURN 1; END",
    f"CREATE FUNCTION {DB}.f_nested() RETURNS INT READS SQL DATA RETURN f_global()",
    f"CREATE FUNCTION {DB}.f_seq() RETURNS INT READS SQL DATA RETURN NEXTVAL(s)",
    f"CREATE FUNCTION {DB}.f_ok() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM t)",
    f"CREATE PROCEDURE {DB}.p_write() MODIFIES SQL DATA INSERT INTO mem VALUES (3)",
    f"CREATE PROCEDURE {DB}.p_global() SET GLOBAL max_connections = 79",
    f"CREATE PROCEDURE {DB}.p_ok() READS SQL DATA SELECT COUNT(*) FROM t",
    f"CREATE VIEW {DB}.v_write AS SELECT {DB}.f_global() AS x",
    f"CREATE VIEW {DB}.v_nested AS SELECT x FROM {DB}.v_write",
    f"CREATE VIEW {DB}.v_ok AS SELECT id, {DB}.f_ok() AS n FROM {DB}.t",
]


@dataclass(frozen=True)
class Attempt:
    sql: str
    where: str | None = None  # the same attempt as a grid raw WHERE, where one fits


ATTEMPTS = [
    # files on the database host
    Attempt(f"SELECT 1 INTO OUTFILE '{OUT}/a1'"),
    Attempt(f"SELECT 1 INTO/**/OUTFILE '{OUT}/a2'"),
    Attempt(f"SELECT 1 INTO#x\nOUTFILE '{OUT}/a3'"),
    Attempt(f"SELECT 1 INTO/**/DUMPFILE '{OUT}/a4'"),
    Attempt(f"WITH c AS (SELECT 1) SELECT * FROM c INTO OUTFILE '{OUT}/a5'"),
    Attempt(f"VALUES (1) INTO OUTFILE '{OUT}/a6'"),
    Attempt(f"SELECT 1 INTO -- x\nOUTFILE '{OUT}/a7'"),
    Attempt(f"SELECT 1 /*!INTO OUTFILE '{OUT}/a8'*/"),
    Attempt(f"SELECT 1 /*M!100000 INTO OUTFILE '{OUT}/a9'*/"),
    Attempt(f"select 1 into\toutfile '{OUT}/a10'"),
    Attempt(f"SELECT 1 INTO\r\nOUTFILE '{OUT}/a11'"),
    Attempt(f"(SELECT 1) INTO OUTFILE '{OUT}/a12'"),
    Attempt(f"SELECT 1 UNION SELECT 2 INTO OUTFILE '{OUT}/a13'"),
    Attempt(f"SELECT * FROM t INTO OUTFILE '{OUT}/a14' FIELDS TERMINATED BY ','"),
    Attempt(f"TABLE t INTO OUTFILE '{OUT}/a15'"),
    Attempt(f"SELECT 1 INTO /*!OUTFILE*/ '{OUT}/a16'"),
    Attempt(f"SELECT 1 INTO\x0bOUTFILE '{OUT}/a17'"),
    Attempt(f"SELECT '\\' INTO OUTFILE '{OUT}/a18' -- '"),
    Attempt(f"SELECT 1 INTO/*!50000 DUMPFILE */'{OUT}/a19'"),
    Attempt(f"SELECT id FROM t WHERE id = 1 INTO OUTFILE '{OUT}/a20'"),
    # stored functions with side effects: globals, tables, sequences, nested, through views
    Attempt("SELECT f_global()", "f_global() = 1"),
    Attempt("SET @y = (SELECT f_global())"),
    Attempt("SELECT f_write()", "f_write() = 1"),
    Attempt("SELECT f_liar()", "f_liar() = 1"),
    Attempt("SELECT f_liar_global()", "f_liar_global() = 1"),
    Attempt("SELECT f_nested()", "f_nested() = 1"),
    Attempt("SELECT f_seq()", "f_seq() > 0"),
    Attempt("SELECT `f_global`()", "`f_global`() = 1"),
    Attempt(f"SELECT {DB}.f_global()", f"{DB}.f_global() = 1"),
    Attempt(f"SELECT `{DB}`.`f_global`()", f"`{DB}`.`f_global`() = 1"),
    Attempt("SELECT f_global /**/ ()", "f_global /**/ () = 1"),
    Attempt("SELECT * FROM t WHERE f_global() = 1", "id IN (SELECT f_global())"),
    Attempt("SELECT (SELECT f_global())", "(SELECT f_global()) = 1"),
    Attempt("SELECT * FROM v_write", "EXISTS (SELECT 1 FROM v_write)"),
    Attempt("SELECT * FROM v_nested", "EXISTS (SELECT * FROM v_nested)"),
    Attempt("WITH c AS (SELECT f_global() AS x) SELECT x FROM c"),
    Attempt("SELECT 1 FROM dual WHERE EXISTS (SELECT f_global())"),
    Attempt("SHOW TABLES WHERE f_global()"),
    Attempt("SELECT /*!f_global()*/", "/*!f_global()*/ = 1"),
    Attempt("SELECT F_GLOBAL()", "F_Global() = 1"),
    Attempt("SELECT id FROM t ORDER BY f_global()"),
    Attempt("SELECT 1 FROM t GROUP BY id HAVING f_write() > 0"),
    Attempt("CALL p_write()"),
    Attempt("CALL p_global()"),
    Attempt(f"CALL {DB}.p_global()"),
    Attempt("DO f_global()"),
    # sequences
    Attempt("SELECT NEXTVAL(s)", "NEXTVAL(s) > 0"),
    Attempt("SELECT NEXT VALUE FOR s", "NEXT VALUE FOR s > 0"),
    Attempt("SELECT SETVAL(s, 1000)", "SETVAL(s, 1000) > 0"),
    Attempt("DO NEXTVAL(s)"),
    Attempt("SELECT nextval(`s`)", "nextval(`s`) > 0"),
    Attempt("SELECT /*!NEXTVAL*/(s)"),
    # globals and the session's read-only switch
    Attempt("SET GLOBAL max_connections = 77"),
    Attempt("SET @@global.max_connections = 77"),
    Attempt("SET /*!GLOBAL*/ max_connections = 77"),
    Attempt("/*!SET GLOBAL max_connections = 77*/"),
    Attempt("SET @a = 1, GLOBAL max_connections = 77"),
    Attempt("SET STATEMENT max_statement_time = 0 FOR UPDATE t SET v = 0"),
    Attempt("SET SESSION sql_log_bin = 0"),
    Attempt("SET @@session.tx_read_only = 0"),
    Attempt("SET SESSION TRANSACTION READ WRITE"),
    Attempt("SET @@transaction_read_only = 0"),
    # prepared statements, HANDLER, LOAD, DO, locks
    Attempt("PREPARE s1 FROM 'SET GLOBAL max_connections = 77'"),
    Attempt("EXECUTE s1"),
    Attempt("HANDLER t OPEN"),
    Attempt("LOAD XML LOCAL INFILE '/etc/hostname' INTO TABLE mem"),
    Attempt("LOAD DATA INFILE '/etc/hostname' INTO TABLE mem"),
    Attempt("DO GET_LOCK('x', 0)"),
    Attempt("SELECT * FROM t FOR UPDATE", None),
    Attempt("SELECT * FROM t LOCK IN SHARE MODE"),
    # writes in disguise
    Attempt("/*!50000 DELETE FROM t */"),
    Attempt("/*M!100000 DROP TABLE t */"),
    Attempt("WITH c AS (SELECT 1) DELETE FROM t"),
    Attempt("ANALYZE TABLE t"),
    Attempt("ANALYZE UPDATE t SET v = 0"),
    Attempt("EXPLAIN ANALYZE UPDATE t SET v = 0"),
    Attempt("SELECT 1; DROP TABLE t"),
    Attempt("INSERT INTO mem VALUES (9)"),
    Attempt("REPLACE INTO mem VALUES (9)"),
    Attempt("CREATE TABLE t9 (i INT)"),
    Attempt("XA START 'x'"),
    Attempt("FLUSH TABLES"),
    Attempt("OPTIMIZE TABLE t"),
]

HARMLESS = [  # must still work on a read-only profile
    "SELECT f_ok()",
    "SELECT * FROM v_ok",
    "CALL p_ok()",
    "SELECT CONCAT('a', REPLACE('b', 'b', 'c')), ROW_NUMBER() OVER (ORDER BY id) FROM t",
    "WITH c(x) AS (SELECT 1) SELECT x FROM c",
    "SELECT 1 INTO @x",
    "SET @y = (SELECT f_ok())",
]


def snapshot(admin: Connection, out: Path) -> dict:
    """What a write would change."""
    variables = {r["Variable_name"]: r["Value"] for r in admin.query("SHOW GLOBAL VARIABLES")}
    for volatile in ("gtid_binlog_pos", "gtid_binlog_state", "gtid_current_pos", "timestamp"):
        variables.pop(volatile, None)
    return {
        "tables": sorted(
            r["TABLE_NAME"]
            for r in admin.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", DB)
        ),  # fmt: skip
        "checksums": [tuple(r.values()) for r in admin.query(f"CHECKSUM TABLE {DB}.t, {DB}.log, {DB}.mem")],
        "sequence": admin.get(f"SELECT next_not_cached_value AS n FROM {DB}.s")["n"],
        "variables": variables,
        "files": sorted(p.name for p in out.iterdir()),
    }


@pytest.fixture(scope="module")
def ro_server(mariadb, tmp_path_factory):
    out = tmp_path_factory.mktemp("outfiles")
    out.chmod(0o777)  # the server process may run as another user
    admin = Connection(replace(mariadb.admin, database=None))
    for statement in SETUP:
        admin.execute(statement)
    yield admin, out
    admin.execute("SET GLOBAL max_connections = 151")
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.close()


@pytest.fixture
def ro_tab(running_app, mariadb, memory_keyring, ro_server):  # noqa: F811
    from tests.security.client import Client

    tab = Client(running_app.base_url)
    assert tab.launch(running_app.token).status == 200
    pid = create(tab, mariadb, name="Prod (read-only)", read_only="on", database=DB)
    connect(tab, pid)
    return tab


def _fill(sql: str, out: Path) -> str:
    return sql.replace(OUT, str(out))


def via_editor(tab, sql, **_):
    return run_sql(tab, sql, DB, tab="ro")


def via_explain_analyze(tab, sql, **_):
    return tab.post_json("/api/explain", {"sql": sql, "database": DB, "analyze": True})


def via_grid_where(tab, sql, where=None, **_):
    if where is None:
        return None
    return tab.post_json(f"/api/db/{DB}/table/t/rows", {"start": 0, "count": 10, "filter": {"raw": where}})


def via_export(tab, sql, conn=None, out=None, **_):
    try:
        return run_export(conn, ExportSource(database=DB, sql=sql), ExportOptions(format="csv"), out.parent / "x.csv")
    except DatabaseError as exc:
        return exc


def via_script_import(tab, sql, conn=None, out=None, **_):
    script = out.parent / "script.sql"
    script.write_text(sql + ";\n")
    try:
        return run_script(conn, script, ScriptOptions(database=DB))
    except (DatabaseError, ScriptFailed) as exc:  # a refused statement stops the script: ScriptFailed
        return exc


PATHS = [via_editor, via_explain_analyze, via_grid_where, via_export, via_script_import]


def test_the_table_of_attempts_is_large_enough():
    assert len(ATTEMPTS) >= 60


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: re.sub(r"\s+", " ", a.sql)[:60])
def test_read_only_profile_changes_nothing_through_any_path(ro_tab, ro_server, mariadb, attempt):
    admin, out = ro_server
    before = snapshot(admin, out)
    conn = Connection(replace(mariadb.user, read_only=True, database=DB))
    try:
        for path in PATHS:
            sql = _fill(attempt.sql, out)
            where = _fill(attempt.where, out) if attempt.where else None
            path(ro_tab, sql, where=where, conn=conn, out=out)
            after = snapshot(admin, out)
            assert after == before, f"{path.__name__} changed the server: {_diff(before, after)}"
    finally:
        conn.close()
        # Put back what a bypass changed, so one failure cannot hide the next.
        admin.execute("SET GLOBAL max_connections = %s", int(before["variables"]["max_connections"]))
        admin.execute(f"DELETE FROM {DB}.mem")
        for name in set(snapshot(admin, out)["files"]):
            (out / name).unlink()


def _diff(before: dict, after: dict) -> str:
    changed = [k for k in before if before[k] != after[k]]
    if "variables" in changed:
        keys = [k for k in before["variables"] if before["variables"][k] != after["variables"].get(k)]
        return f"variables {keys}"
    return ", ".join(f"{k}: {before[k]} -> {after[k]}" for k in changed)


@pytest.mark.parametrize("sql", HARMLESS)
def test_reads_still_work_on_a_read_only_profile(ro_tab, ro_server, sql):
    ran = via_editor(ro_tab, sql)
    assert ran.status == 200 and ran.error is None, ran.error


def test_refusal_says_why(ro_tab, ro_server):
    error = via_editor(ro_tab, "SELECT f_global()").error
    assert "Read-only connection" in error and "f_global" in error and "CONTAINS SQL" in error
    error = via_editor(ro_tab, "SELECT f_liar()").error
    assert "f_liar" in error and "INSERT" in error
    error = via_editor(ro_tab, "SELECT 1 INTO/**/OUTFILE '/tmp/x'").error
    assert "OUTFILE" in error and "Nothing was sent" in error


def test_grants_say_who_enforces_read_only(mariadb, ro_server):
    from core.db.grants import read_only_enforcement

    admin, _ = ro_server
    admin.execute("CREATE USER IF NOT EXISTS 'eddy_reader'@'%' IDENTIFIED BY 'r3ader'")
    admin.execute(f"GRANT SELECT, SHOW VIEW ON {DB}.* TO 'eddy_reader'@'%'")
    try:
        reader = Connection(replace(mariadb.user, user="eddy_reader", password="r3ader", read_only=True))
        assert read_only_enforcement(reader) == "server"
        reader.close()
        writer = Connection(replace(mariadb.user, read_only=True))
        assert read_only_enforcement(writer) == "eddy"
        writer.close()
    finally:
        admin.execute("DROP USER IF EXISTS 'eddy_reader'@'%'")


def test_profile_page_shows_who_enforces_read_only(ro_tab):
    home = ro_tab.get("/").text
    assert "enforced by Eddy" in home and "use an account without write privileges" in home
