"""Schema compare and sync against the private MariaDB: differences found, script applied, no
difference left; awkward names; renames only when confirmed; filters; the source never touched."""

import random

import pytest

from core.db import Connection
from core.db.schema_snapshot import Filters
from core.db.sql import quote_identifier
from core.services.compare.diff import Side, compare
from core.services.compare.script import apply_steps, build_script, script_text
from core.services.jobs import Cancelled

SRC, TGT = "eddy_test_cmp src", "eddy_test_cmp 目标"


@pytest.fixture
def conn(mariadb):
    c = Connection(mariadb.admin)
    for db in (SRC, TGT):
        c.execute(f"DROP DATABASE IF EXISTS `{db}`")
        c.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    yield c
    for db in (SRC, TGT):
        c.execute(f"DROP DATABASE IF EXISTS `{db}`")
    c.close()


def run(conn, db, statements):
    conn.use(db)
    for s in statements:
        conn.execute(s)


def sync_all(conn, renames=None):
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    steps = build_script(comparison, [d.id for d in comparison.differences], renames)
    result = apply_steps(conn, TGT, steps)
    assert result["failed"] is None, (result["failed"], script_text(steps, TGT))
    return comparison, steps


def checksum_of_source(conn):
    conn.use(SRC)
    names = conn.query("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", SRC)
    return sorted((t.name, list(conn.get(f"SHOW CREATE TABLE {quote_identifier(t.name)}").values())) for t in names)


SOURCE_SCHEMA = [
    """CREATE TABLE `order` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        `select` VARCHAR(40) NOT NULL DEFAULT 'it''s',
        `名字` VARCHAR(20) COLLATE utf8mb4_bin NULL COMMENT 'name 名',
        total DECIMAL(12,2) NOT NULL DEFAULT 0,
        doubled DECIMAL(12,2) AS (total * 2) VIRTUAL,
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        secret_note VARCHAR(20) NULL INVISIBLE COMMENT 'hidden 🙈',
        KEY `by total` (total),
        KEY `by created` (created DESC) IGNORED,
        CONSTRAINT positive CHECK (total >= 0)
    ) ENGINE=InnoDB COMMENT='orders 📦'""",
    """CREATE TABLE `line``s` (
        order_id INT NOT NULL, n INT NOT NULL, qty INT NOT NULL DEFAULT 1,
        PRIMARY KEY (order_id, n),
        CONSTRAINT `fk line order` FOREIGN KEY (order_id) REFERENCES `order` (id) ON DELETE CASCADE
    )""",
    "CREATE TABLE only_source (a INT PRIMARY KEY, b TEXT)",
    "CREATE VIEW big AS SELECT id, total FROM `order` WHERE total > 100",
    "CREATE VIEW `bigger view` AS SELECT id FROM big WHERE total > 1000",
    "CREATE PROCEDURE `count orders`(IN minimum INT) READS SQL DATA "
    "SELECT COUNT(*) FROM `order` WHERE total >= minimum",
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
    "CREATE TRIGGER `order total` BEFORE INSERT ON `order` FOR EACH ROW SET NEW.total = GREATEST(NEW.total, 0)",
    "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM only_source",
]

TARGET_SCHEMA = [
    """CREATE TABLE `order` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        `select` VARCHAR(20) NOT NULL,
        total DECIMAL(12,2) NOT NULL DEFAULT 0,
        legacy INT NULL,
        created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        KEY old_key (`select`)
    ) ENGINE=MyISAM""",
    """CREATE TABLE `line``s` (
        order_id INT NOT NULL, n INT NOT NULL, qty BIGINT NOT NULL DEFAULT 1,
        PRIMARY KEY (order_id, n)
    )""",
    "CREATE TABLE only_target (a INT PRIMARY KEY)",
    "INSERT INTO only_target VALUES (1)",
    "INSERT INTO `order` (`select`, total, legacy) VALUES ('x', 5, 1)",
    "CREATE VIEW big AS SELECT id FROM `order`",
    "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x + x",
    "CREATE PROCEDURE gone() SELECT 1",
]


@pytest.mark.mariadb_only  # IGNORED indexes, INVISIBLE columns as MariaDB writes them
def test_compare_finds_every_kind_of_difference(conn):
    run(conn, SRC, SOURCE_SCHEMA)
    run(conn, TGT, TARGET_SCHEMA)
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    found = {d.id: d for d in comparison.differences}
    assert found["table:only_source"].status == "added"
    assert found["table:only_target"].status == "removed"
    assert found["view:bigger view"].status == "added"
    assert found["view:big"].status == "changed"
    assert found["function:twice"].status == "changed"
    assert found["procedure:gone"].status == "removed"
    assert found["trigger:order total"].status == "added"
    assert found["event:nightly"].status == "added"
    order_parts = {(p["part"], p["name"]): p["status"] for p in found["table:order"].parts}
    assert order_parts[("column", "名字")] == "added"
    assert order_parts[("column", "legacy")] == "removed"
    assert order_parts[("column", "select")] == "changed"
    assert order_parts[("index", "by total")] == "added"
    assert order_parts[("index", "old_key")] == "removed"
    assert order_parts[("check", "positive")] == "added"
    assert order_parts[("column", "secret_note")] == "added" and order_parts[("index", "by created")] == "added"
    assert order_parts[("option", "ENGINE")] == "changed"
    lines = {(p["part"], p["name"]): p["status"] for p in found["table:line`s"].parts}
    assert lines[("foreign key", "fk line order")] == "added"
    assert lines[("column", "qty")] == "changed"
    # The side-by-side rows mark the changed lines.
    rows = found["table:order"].as_json()["lines"]
    assert any(r["t"] != "equal" and r["l"] and "legacy" in r["l"] for r in rows)


@pytest.mark.mariadb_only
def test_applying_the_whole_script_leaves_no_difference_and_the_source_untouched(conn):
    run(conn, SRC, SOURCE_SCHEMA)
    run(conn, TGT, TARGET_SCHEMA)
    before = checksum_of_source(conn)
    _, steps = sync_all(conn)
    assert any(s.destructive and "only_target" in s.what for s in steps)
    assert any(s.destructive and "legacy" in s.what for s in steps)
    again = compare(Side(conn, SRC), Side(conn, TGT))
    assert [d.id for d in again.differences] == []
    assert checksum_of_source(conn) == before
    # Data in kept columns survived the ALTER.
    conn.use(TGT)
    assert conn.get("SELECT `select` AS s, total FROM `order`").s == "x"


@pytest.mark.mariadb_only
def test_script_text_uses_delimiters_for_bodies_and_names_no_database(conn):
    run(conn, SRC, SOURCE_SCHEMA)
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    text = script_text(build_script(comparison, [d.id for d in comparison.differences]), TGT)
    assert "DELIMITER ;;" in text
    assert SRC not in text and "USE " not in text
    assert "DEFINER=" not in text
    # Views come after the views they read.
    assert text.index("VIEW `big`") < text.index("VIEW `bigger view`")


def test_a_dropped_and_added_column_of_one_type_is_only_a_possible_rename(conn):
    run(conn, SRC, ["CREATE TABLE people (id INT PRIMARY KEY, full_name VARCHAR(50))"])
    run(
        conn,
        TGT,
        ["CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(50))", "INSERT INTO people VALUES (1, 'Ada')"],
    )
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    (diff,) = comparison.differences
    assert diff.renames == [{"from": "name", "to": "full_name", "type": "varchar(50)"}]
    # Not confirmed: drop + add (destructive, said so).
    plain = build_script(comparison, [diff.id])
    assert any(s.destructive for s in plain) and "DROP COLUMN `name`" in plain[0].sql
    # Confirmed: CHANGE COLUMN keeps the data.
    sync_all(conn, renames=[{"table": "people", "from": "name", "to": "full_name"}])
    conn.use(TGT)
    assert conn.get("SELECT full_name FROM people").full_name == "Ada"


def test_filters_ignore_comment_and_collation_only_changes(conn):
    run(conn, SRC, ["CREATE TABLE t (a VARCHAR(10) COLLATE utf8mb4_bin COMMENT 'one') COMMENT='x'"])
    run(conn, TGT, ["CREATE TABLE t (a VARCHAR(10) COLLATE utf8mb4_unicode_ci COMMENT 'two') COMMENT='y'"])
    assert [d.id for d in compare(Side(conn, SRC), Side(conn, TGT)).differences] == ["table:t"]
    ignore = Filters(ignore_comments=True, ignore_collations=True)
    assert compare(Side(conn, SRC), Side(conn, TGT), ignore).differences == []
    only_comments = compare(Side(conn, SRC), Side(conn, TGT), Filters(ignore_comments=True))
    assert [p["part"] for p in only_comments.differences[0].parts] == ["column"]


def test_a_failing_step_stops_the_run_and_lists_what_ran(conn):
    run(conn, SRC, ["CREATE TABLE a (x INT PRIMARY KEY)", "CREATE TABLE b (y INT NOT NULL UNIQUE)"])
    run(conn, TGT, ["CREATE TABLE b (y INT NULL)", "INSERT INTO b VALUES (1), (1)"])
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    steps = build_script(comparison, [d.id for d in comparison.differences])
    result = apply_steps(conn, TGT, steps)
    assert [s["what"] for s in result["applied"]] == ["create table a"]
    assert result["failed"]["code"] == 1062  # the duplicate values block the UNIQUE key
    assert result["not_run"] == 0


# -- property test: random schemas, synced, compare equal --------------------------------------------
TYPES = ["INT", "BIGINT UNSIGNED", "VARCHAR(30)", "DECIMAL(8,2)", "DATE", "TEXT", "DATETIME(3)", "ENUM('a','b c')"]


def random_schema(rng: random.Random, other_engine: str = "Aria") -> list[str]:
    statements = []
    tables = rng.sample(["t0", "t 1", "select", "表2", "t4", "t5"], rng.randint(1, 5))
    made = []
    for name in tables:
        cols = ["id INT NOT NULL PRIMARY KEY"]
        used = set()
        for _ in range(rng.randint(1, 5)):
            col = rng.choice(["a", "b", "c", "d", "e", "`order`"])
            if col in used:
                continue
            used.add(col)
            null = rng.choice(["NULL", "NOT NULL"])
            kind = rng.choice(TYPES)
            extra = ""
            if kind.startswith("VARCHAR"):
                extra = rng.choice(["", " COLLATE utf8mb4_bin", " DEFAULT 'it''s'", " COMMENT 'c 注'"])
            elif kind == "INT":
                extra = rng.choice(["", " DEFAULT 7", f" CHECK (`{col.strip('`')}` > 0)"])
            cols.append(f"{col} {kind} {null}{extra}")
        plain = [c.split()[0] for c in cols[1:] if "TEXT" not in c]
        if plain and rng.random() < 0.6:
            cols.append(f"{rng.choice(['KEY', 'UNIQUE KEY'])} k_{rng.randint(0, 2)} ({rng.choice(plain)})")
        innodb = [t for t, engine in made if engine == "InnoDB"]
        if innodb and rng.random() < 0.5:
            parent = rng.choice(innodb)
            cols.append("ref_id INT NULL")
            cols.append(f"CONSTRAINT `fk {name}` FOREIGN KEY (ref_id) REFERENCES `{parent}` (id)")
        engine = rng.choice(["InnoDB", "InnoDB", other_engine]) if not any("FOREIGN" in c for c in cols) else "InnoDB"
        comment = rng.choice(["", " COMMENT='t'", " COMMENT='表 t'"])
        statements.append(f"CREATE TABLE `{name}` ({', '.join(cols)}) ENGINE={engine}{comment}")
        made.append((name, engine))
    for i in range(rng.randint(0, 2)):
        statements.append(f"CREATE VIEW `v{i}` AS SELECT id FROM `{rng.choice(made)[0]}`")
    if rng.random() < 0.5:
        statements.append(f"CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC RETURN x * {rng.randint(1, 3)}")
    if rng.random() < 0.5:
        table = rng.choice(made)[0]
        statements.append(f"CREATE TRIGGER tr BEFORE INSERT ON `{table}` FOR EACH ROW SET @n = {rng.randint(1, 3)}")
    return statements


@pytest.mark.parametrize("seed", range(30))
def test_random_schemas_compare_equal_after_sync(conn, seed):
    rng = random.Random(seed)
    other_engine = "Aria" if conn.flavour().is_mariadb else "MyISAM"
    run(conn, SRC, random_schema(rng, other_engine))
    run(conn, TGT, random_schema(rng, other_engine))
    sync_all(conn)
    left = compare(Side(conn, SRC), Side(conn, TGT)).differences
    assert [(d.id, d.parts) for d in left] == []


def test_stop_between_statements_keeps_what_ran_and_says_so(conn):
    run(conn, SRC, ["CREATE TABLE a (x INT PRIMARY KEY)", "CREATE TABLE b (x INT PRIMARY KEY)"])
    comparison = compare(Side(conn, SRC), Side(conn, TGT))
    steps = build_script(comparison, [d.id for d in comparison.differences])

    def stop_at_second(i):
        if i == 1:
            raise Cancelled("Cancelled by the user")

    result = apply_steps(conn, TGT, steps, stop_at_second)
    assert result["cancelled"] and [s["what"] for s in result["applied"]] == ["create table a"]
    assert result["not_run"] == 1 and result["failed"] is None
    assert [d.id for d in compare(Side(conn, SRC), Side(conn, TGT)).differences] == ["table:b"]


@pytest.mark.mariadb_only
def test_two_connections_compare_like_one(conn, mariadb):
    run(conn, SRC, SOURCE_SCHEMA)
    run(conn, TGT, TARGET_SCHEMA)
    other = Connection(mariadb.user)
    try:
        one = [d.as_json() for d in compare(Side(conn, SRC), Side(conn, TGT)).differences]
        two = [d.as_json() for d in compare(Side(conn, SRC), Side(other, TGT)).differences]
    finally:
        other.close()
    assert one == two and len(one) > 5
