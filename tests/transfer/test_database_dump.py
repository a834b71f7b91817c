"""A database dump restores only where the user says: Eddy's own dumps and real mariadb-dump files.

The source database has views (one on another), a procedure, a function, a trigger, an event,
foreign keys, a generated column and awkward names; a dump restored into a new database gives
equal CHECKSUM TABLEs and equal definitions, and the source stays untouched.
"""

import re
import subprocess

import pytest

from core.db import Connection
from core.db.sql import quote_identifier as q
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.sql_import import ScriptNamesOtherDatabases, ScriptOptions, databases_named, run_script

SRC = "eddy_test dump `源` select"
DST = "eddy_test dump 目标"
OTHER = "eddy_test_dump_other"

SOURCE_SCHEMA = [
    """CREATE TABLE `order` (
        id INT PRIMARY KEY AUTO_INCREMENT,
        `my col` VARCHAR(40) CHARACTER SET latin1,
        `价格` DECIMAL(10,2) NOT NULL DEFAULT 0,
        doubled INT AS (id * 2) VIRTUAL
    ) ENGINE=InnoDB""",
    """CREATE TABLE `line item` (
        id INT PRIMARY KEY,
        `order id` INT NOT NULL,
        `back``tick` TEXT,
        CONSTRAINT `fk order` FOREIGN KEY (`order id`) REFERENCES `order` (id) ON DELETE CASCADE
    ) ENGINE=InnoDB""",
    "CREATE TABLE `zero` (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(10))",
    "CREATE SEQUENCE `ticket no` START WITH 100 INCREMENT BY 5",
    # Named so that name order would create the dependent view first.
    "CREATE VIEW `z base` AS SELECT id, `my col` FROM `order` WHERE `价格` > 0",
    "CREATE VIEW `a on base` AS SELECT b.id, COUNT(l.id) AS items FROM `z base` b "
    "LEFT JOIN `line item` l ON l.`order id` = b.id GROUP BY b.id",
    "CREATE FUNCTION `total of`(o INT) RETURNS DECIMAL(12,2) READS SQL DATA "
    "BEGIN DECLARE t DECIMAL(12,2); SELECT SUM(`价格`) INTO t FROM `order` WHERE id = o; RETURN t; END",
    "CREATE PROCEDURE `add order`(IN c VARCHAR(40)) MODIFIES SQL DATA "
    "BEGIN INSERT INTO `order` (`my col`, `价格`) VALUES (c, 1); SELECT LAST_INSERT_ID(); END",
    "CREATE TRIGGER `shout` BEFORE INSERT ON `order` FOR EACH ROW SET NEW.`my col` = UPPER(NEW.`my col`)",
    "CREATE EVENT `nightly; clean` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DISABLE "
    "DO DELETE FROM `line item` WHERE id < 0",
]


def _fill(conn: Connection) -> None:
    conn.executemany(
        "INSERT INTO `order` (id, `my col`, `价格`) VALUES (%s, %s, %s)",
        [(1, "café ünïcode", "9.99"), (2, None, "0.00"), (3, "quote ' and \\ back", "12.50")],
    )
    conn.executemany(
        "INSERT INTO `line item` VALUES (%s, %s, %s)", [(1, 1, "a`b"), (2, 1, None), (3, 3, "中文 😀\nline")]
    )
    conn.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
    conn.execute("INSERT INTO `zero` VALUES (0, 'zero id'), (5, 'five')")
    conn.query("SELECT NEXTVAL(`ticket no`) AS n")


@pytest.fixture
def source_db(mariadb):
    conn = Connection(mariadb.admin)
    for name in (SRC, DST, OTHER):
        conn.execute(f"DROP DATABASE IF EXISTS {q(name)}")
    conn.execute(f"CREATE DATABASE {q(SRC)} CHARACTER SET utf8mb4")
    conn.use(SRC)
    for statement in SOURCE_SCHEMA[:-2]:
        conn.execute(statement.replace("%", "%%"))
    _fill(conn)  # before the trigger: the rows keep their lower case, so a restore that fires it shows
    for statement in SOURCE_SCHEMA[-2:]:
        conn.execute(statement)
    conn.close()
    yield SRC
    conn = Connection(mariadb.admin)
    for name in (SRC, DST, OTHER):
        conn.execute(f"DROP DATABASE IF EXISTS {q(name)}")
    conn.close()


def _strip(ddl: str, database: str) -> str:
    ddl = re.sub(r"DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`\s*", "", ddl)
    return ddl.replace(q(database) + ".", "")


def state(conn: Connection, database: str) -> dict:
    """Every table's checksum and every object's definition (modulo DEFINER and database name)."""
    conn.use(database)
    out = {}
    tables = conn.query(
        "SELECT TABLE_NAME AS n, TABLE_TYPE AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", database
    )
    for r in tables:
        if r.t == "VIEW":
            out[("view", r.n)] = _strip(conn.query(f"SHOW CREATE VIEW {q(r.n)}")[0]["Create View"], database)
            out[("rows", r.n)] = conn.select(f"SELECT * FROM {q(r.n)} ORDER BY 1").rows
        else:
            out[("table", r.n)] = conn.query(f"SHOW CREATE TABLE {q(r.n)}")[0]["Create Table"]
            out[("checksum", r.n)] = conn.query(f"CHECKSUM TABLE {q(r.n)}")[0]["Checksum"]
    for kind, column in (("FUNCTION", "Create Function"), ("PROCEDURE", "Create Procedure")):
        for r in conn.query(
            "SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s AND ROUTINE_TYPE = %s",
            database,
            kind,
        ):
            row = conn.query(f"SHOW CREATE {kind} {q(r.n)}")[0]
            out[(kind, r.n)] = (_strip(row[column], database), row["sql_mode"])
    for r in conn.query(
        "SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s", database
    ):
        row = conn.query(f"SHOW CREATE TRIGGER {q(r.n)}")[0]
        out[("trigger", r.n)] = (_strip(row["SQL Original Statement"], database), row["sql_mode"])
    for r in conn.query("SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s", database):
        row = conn.query(f"SHOW CREATE EVENT {q(r.n)}")[0]
        out[("event", r.n)] = (_strip(row["Create Event"], database), row["time_zone"])
    return out


def _dump(conn, tmp_path) -> str:
    path = tmp_path / "dump.sql"
    run_export(conn, ExportSource(database=SRC, whole_database=True), ExportOptions(format="sql"), path)
    return path


def test_database_dump_restores_into_another_database_identically(mariadb, source_db, tmp_path):
    conn = mariadb.connect()
    before = state(conn, SRC)
    kinds = {k[0] for k in before}
    assert kinds >= {"view", "table", "checksum", "FUNCTION", "PROCEDURE", "trigger", "event"}
    path = _dump(conn, tmp_path)
    text = path.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    assert "USE " not in code and "源" not in code, "the dump names its source database"
    assert "DEFINER=" not in text
    assert text.index("CREATE ALGORITHM") < text.rindex("VIEW `a on base`")
    assert text.index("VIEW `z base` AS") < text.index("VIEW `a on base` AS")
    conn.execute(f"CREATE DATABASE {q(DST)} CHARACTER SET utf8mb4")
    result = run_script(conn, path, ScriptOptions(database=DST))
    assert result["failed"] == 0
    after_src = state(conn, SRC)
    assert after_src == before, "the source database changed"
    restored = state(conn, DST)
    assert restored == before
    # The trigger did not fire while rows were restored, and the function works in the new home.
    conn.use(DST)
    assert conn.get("SELECT `my col` AS c FROM `order` WHERE id = 1").c == "café ünïcode"
    assert conn.get(f"SELECT {q(DST)}.`total of`(3) AS t").t == pytest.approx(12.5)
    conn.close()


def test_dump_restored_with_the_mariadb_client_into_another_database(mariadb, source_db, tmp_path):
    conn = mariadb.connect()
    before = state(conn, SRC)
    path = _dump(conn, tmp_path)
    conn.execute(f"CREATE DATABASE {q(DST)} CHARACTER SET utf8mb4")
    p = mariadb.user
    with open(path, "rb") as f:
        subprocess.run(
            ["mariadb", "--no-defaults", f"--host={p.host}", f"--port={p.port}", f"--user={p.user}",
             f"--password={p.password}", "--default-character-set=utf8mb4", DST],
            stdin=f, check=True, capture_output=True,
        )  # fmt: skip
    assert state(conn, DST) == before
    assert state(conn, SRC) == before
    conn.close()


def _mariadb_dump(mariadb, path, *args):
    p = mariadb.user
    with open(path, "wb") as out:
        subprocess.run(
            ["/usr/bin/mariadb-dump", "--no-defaults", f"--host={p.host}", f"--port={p.port}", f"--user={p.user}",
             f"--password={p.password}", "--default-character-set=utf8mb4", "--routines", "--triggers", "--events",
             "--hex-blob", *args],
            stdout=out, check=True,
        )  # fmt: skip


def test_a_real_mariadb_dump_restores_into_the_chosen_database(mariadb, source_db, tmp_path):
    conn = mariadb.connect()
    before = state(conn, SRC)
    path = tmp_path / "real.sql"
    _mariadb_dump(mariadb, path, SRC)
    assert databases_named(path) == []
    conn.execute(f"CREATE DATABASE {q(DST)} CHARACTER SET utf8mb4")
    result = run_script(conn, path, ScriptOptions(database=DST))
    assert result["failed"] == 0
    assert state(conn, DST) == before
    assert state(conn, SRC) == before
    conn.close()


def test_a_mariadb_dump_with_databases_is_refused_before_anything_runs(mariadb, source_db, tmp_path):
    conn = mariadb.connect()
    before = state(conn, SRC)
    path = tmp_path / "real-databases.sql"
    _mariadb_dump(mariadb, path, "--databases", SRC)
    conn.execute(f"CREATE DATABASE {q(DST)} CHARACTER SET utf8mb4")
    conn.execute(f"CREATE TABLE {q(DST)}.`keep` (id INT)")
    with pytest.raises(ScriptNamesOtherDatabases) as refused:
        run_script(conn, path, ScriptOptions(database=DST))
    assert [o["name"] for o in refused.value.others] == [SRC]
    assert refused.value.others[0]["how"] == "CREATE DATABASE"
    assert "Nothing was run" in refused.value.message
    assert state(conn, SRC) == before
    assert [
        r.n for r in conn.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", DST)
    ] == ["keep"]
    conn.close()


def test_confirmed_other_database_script_runs_where_it_says(mariadb, source_db, tmp_path):
    conn = mariadb.connect()
    conn.execute(f"CREATE DATABASE {q(OTHER)}")
    conn.execute(f"CREATE TABLE {q(OTHER)}.t (id INT PRIMARY KEY, v VARCHAR(10))")
    conn.execute(f"INSERT INTO {q(OTHER)}.t VALUES (1, 'x')")
    before = state(conn, OTHER)
    path = tmp_path / "other.sql"
    _mariadb_dump(mariadb, path, "--databases", OTHER)
    conn.execute(f"DROP DATABASE {q(OTHER)}")
    conn.execute(f"CREATE DATABASE {q(DST)}")
    with pytest.raises(ScriptNamesOtherDatabases):
        run_script(conn, path, ScriptOptions(database=DST, allow_databases=("something else",)))
    run_script(conn, path, ScriptOptions(database=DST, allow_databases=(OTHER,)))
    assert state(conn, OTHER) == before
    conn.close()


@pytest.mark.parametrize(
    "script, named",
    [
        ("CREATE TABLE t (id INT);\nUSE `other db`;\nDROP TABLE t;\n", [("other db", 2, "USE")]),
        ("INSERT INTO `x`.`t` VALUES (1, 'a.b');\n", [("x", 1, "`x`.`t`")]),
        ("CREATE DATABASE IF NOT EXISTS y;\n", [("y", 1, "CREATE DATABASE")]),
        ("DROP TABLE IF EXISTS a, z.b;\n", [("z", 1, "`z`.`b`")]),
        ("SELECT x.f(1);\nSELECT EXTRACT(YEAR FROM t.d), t.c FROM t JOIN u ON t.a = u.a;\n", [("x", 1, "`x`.`f`")]),
        (
            "/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON w.t FOR EACH ROW SET @a = 1 */;\n",
            [("w", 1, "`w`.`t`")],
        ),
        ("INSERT INTO t VALUES (1, (SELECT v FROM k.t LIMIT 1));\n", [("k", 1, "`k`.`t`")]),
        ("INSERT INTO t VALUES (1.5, 'USE other; o.t'), (2, 'x');\nSELECT a.b FROM t a;\n", []),
        ("INSERT IGNORE q.t VALUES (1);\n", [("q", 1, "`q`.`t`")]),
        ("GRANT SELECT ON g.* TO someone;\n", [("g", 1, "`g`.*")]),
        ("ALTER TABLE h.t ADD COLUMN c INT;\n", [("h", 1, "`h`.`t`")]),
        ("UPDATE t JOIN u ON t.id = u.id SET t.a = u.a WHERE u.b IN (SELECT b FROM j.v);\n", [("j", 1, "`j`.`v`")]),
    ],
)
def test_the_databases_a_script_names_are_found(tmp_path, script, named):
    path = tmp_path / "s.sql"
    path.write_text(script, encoding="utf-8")
    assert [(o["name"], o["line"], o["how"]) for o in databases_named(path)] == named


def test_a_script_naming_another_database_runs_nothing(mariadb, tmp_path):
    conn = mariadb.connect()
    conn.execute(f"DROP DATABASE IF EXISTS {q(DST)}")
    conn.execute(f"CREATE DATABASE {q(DST)}")
    path = tmp_path / "s.sql"
    path.write_text("CREATE TABLE first_one (id INT);\nINSERT INTO elsewhere.t VALUES (1);\n", encoding="utf-8")
    try:
        with pytest.raises(ScriptNamesOtherDatabases) as refused:
            run_script(conn, path, ScriptOptions(database=DST))
        assert refused.value.others == [{"name": "elsewhere", "line": 2, "how": "`elsewhere`.`t`"}]
        assert conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", DST) == []
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS {q(DST)}")
        conn.close()
