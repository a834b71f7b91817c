"""The server flavour (MariaDB / MySQL / TiDB / Vitess) and the SQL that differs by it.

MySQL 8.0/8.4 and TiDB cannot run here: their behaviour is pinned by feeding the same parsing and
building code the catalog rows, field descriptors and answers as those servers return them. The
MariaDB path of each runs for real against the private server."""

from types import SimpleNamespace

import pytest
from pymysql.constants import FIELD_TYPE

from core.db import Column, ResultSet
from core.db.connection import describe_columns
from core.db.flavour import DEFAULT_FLAVOUR, MARIADB, MYSQL, TIDB, VITESS, Flavour
from core.services.grid.table_meta import parse_columns as grid_columns
from core.services.query.explain import measured_plan
from core.services.schema import ddl, objects
from core.services.schema.structure import parse_columns, parse_indexes
from core.services.transfer.columns import kind_of_field
from core.services.transfer.csv_import import _insert_head, default_mapping, transaction_limit_note
from core.services.transfer.load_data import local_infile_refusal

MYSQL_80 = Flavour.detect("8.0.36", "MySQL Community Server - GPL")
MYSQL_84 = Flavour.detect("8.4.3", "MySQL Community Server - GPL")
MYSQL_8018 = Flavour.detect("8.0.18", "MySQL Community Server - GPL")
TIDB_75 = Flavour.detect(
    "8.0.11-TiDB-v7.5.0", "TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible"
)
MARIADB_1011 = Flavour.detect("10.11.6-MariaDB-0+deb12u1", "Debian 12")


# -- detection -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "comment", "kind", "numbers"),
    [
        ("10.11.6-MariaDB-0+deb12u1", "Debian 12", MARIADB, (10, 11, 6)),
        ("5.5.5-10.6.16-MariaDB", "mariadb.org binary distribution", MARIADB, (10, 6, 16)),
        ("8.0.36", "MySQL Community Server - GPL", MYSQL, (8, 0, 36)),
        ("8.4.3", "MySQL Community Server - GPL", MYSQL, (8, 4, 3)),
        ("8.0.28", "Source distribution", MYSQL, (8, 0, 28)),  # Amazon Aurora MySQL 3
        (
            "8.0.11-TiDB-v7.5.0",
            "TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible",
            TIDB,
            (8, 0, 11),
        ),
        ("8.0.30-Vitess", "Version: 18.0.0 (Git revision 9a6f5262f7) branch 'HEAD'", VITESS, (8, 0, 30)),
        ("8.0.34", "PlanetScale", VITESS, (8, 0, 34)),
    ],  # fmt: skip
)
def test_flavour_is_detected_from_version_and_version_comment(version, comment, kind, numbers):
    flavour = Flavour.detect(version, comment)
    assert (flavour.kind, flavour.version) == (kind, numbers)


def test_tidb_label_names_the_tidb_release_not_the_mysql_compatibility_version():
    assert TIDB_75.label == "TiDB v7.5.0"
    assert MYSQL_84.label == "MySQL 8.4.3"


@pytest.mark.mariadb_only
def test_the_private_server_is_detected_as_mariadb_once_per_connection(mariadb):
    conn = mariadb.connect()
    try:
        flavour = conn.flavour()
        assert flavour.kind == MARIADB and flavour.version >= (10, 2, 0)
        assert conn.flavour() is flavour  # asked once, kept
    finally:
        conn.close()


@pytest.mark.mariadb_only
def test_a_session_detects_the_flavour_at_login_and_its_pool_reuses_it(mariadb):
    from core.services.connections.sessions import SessionRegistry

    registry = SessionRegistry()
    session = registry.open(mariadb.user)
    try:
        assert session.flavour.is_mariadb
        with session.connection() as a, session.connection() as b:
            assert a.flavour() is session.flavour and b.flavour() is session.flavour
    finally:
        registry.close_all()


# -- read-only sessions --------------------------------------------------------------------------
def test_read_only_session_statement_per_flavour():
    assert MARIADB_1011.session_read_only_statement == "SET SESSION TRANSACTION READ ONLY"
    assert MYSQL_84.session_read_only_statement == "SET SESSION TRANSACTION READ ONLY"
    assert TIDB_75.session_read_only_statement is None
    assert "TiDB" in TIDB_75.read_only_note and "guard" in TIDB_75.read_only_note
    assert MYSQL_84.read_only_note == ""


def test_a_read_only_profile_on_tidb_connects_without_the_server_setting_and_eddy_still_refuses_writes(mariadb):
    from dataclasses import replace

    from core.db import Connection
    from core.db.statements import ReadOnlyViolation

    params = replace(mariadb.user, read_only=True)

    def server_read_only(conn) -> bool:  # tx_read_only before MariaDB 11.1, transaction_read_only on MySQL 8
        names = "('tx_read_only', 'transaction_read_only')"
        return any(r.Value == "ON" for r in conn.query(f"SHOW SESSION VARIABLES WHERE Variable_name IN {names}"))

    conn = Connection(params, flavour=TIDB_75)  # as on TiDB: no SET SESSION TRANSACTION READ ONLY sent
    try:
        assert not server_read_only(conn)
        with pytest.raises(ReadOnlyViolation):
            conn.execute("CREATE DATABASE eddy_never_created")
    finally:
        conn.close()
    conn = Connection(params)  # MariaDB: read-only on the server too
    try:
        assert server_read_only(conn)
    finally:
        conn.close()


# -- columns as MySQL 8 returns them -------------------------------------------------------------
def _mysql_column(name, type_, extra="", default=None, generation="", data_type=None):
    """A COLUMNS row the way MySQL 8 returns it: GENERATION_EXPRESSION '' when not generated."""
    return {
        "name": name,
        "type": type_,
        "data_type": data_type or type_.split("(")[0],
        "nullable": 1,
        "default": default,
        "key": "",
        "extra": extra,
        "charset": None,
        "collation": None,
        "comment": "",
        "generation_expression": generation,
    }


MYSQL_COLUMNS = [
    _mysql_column("id", "int", extra="auto_increment"),
    _mysql_column("created", "timestamp", extra="DEFAULT_GENERATED", default="CURRENT_TIMESTAMP"),
    _mysql_column(
        "touched",
        "datetime",
        extra="DEFAULT_GENERATED on update CURRENT_TIMESTAMP",
        default="CURRENT_TIMESTAMP",
    ),
    _mysql_column("code", "varchar(10)", extra="DEFAULT_GENERATED", default="(uuid())"),
    _mysql_column("total", "int", extra="STORED GENERATED", generation="(`id` * 2)"),
    _mysql_column("half", "int", extra="VIRTUAL GENERATED", generation="(`id` / 2)"),
]


def test_mysql_default_generated_columns_are_not_generated_in_the_structure_form():
    cols = {c["name"]: c for c in parse_columns(MYSQL_COLUMNS, MYSQL_80)}
    assert cols["created"]["generated"] == "" and cols["created"]["default_kind"] == "expression"
    assert cols["touched"]["on_update"] == "CURRENT_TIMESTAMP" and cols["touched"]["generated"] == ""
    assert cols["code"]["generated"] == ""
    assert (cols["total"]["generated"], cols["total"]["stored"]) == ("(`id` * 2)", True)
    assert (cols["half"]["generated"], cols["half"]["stored"]) == ("(`id` / 2)", False)


def test_mysql_default_generated_columns_stay_editable_in_the_grid():
    cols = {c["name"]: c for c in grid_columns(MYSQL_COLUMNS)}
    assert [n for n, c in cols.items() if c["generated"]] == ["total", "half"]


def test_mysql_default_generated_columns_are_mapped_by_csv_import():
    mapping = default_mapping(["id", "created", "touched", "code", "total", "half"], 6, MYSQL_COLUMNS)
    assert [t.column for t in mapping] == ["id", "created", "touched", "code"]


def test_generated_columns_are_read_by_their_expression_on_mariadb(mariadb):
    from core.services.grid.table_meta import load_table_meta
    from core.services.schema.structure import read_columns

    conn = mariadb.connect()
    try:
        conn.execute("CREATE DATABASE IF NOT EXISTS eddy_flavour")
        conn.execute("DROP TABLE IF EXISTS eddy_flavour.gen")
        conn.execute(
            "CREATE TABLE eddy_flavour.gen (id INT PRIMARY KEY, created TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,"
            " total INT AS (id * 2) STORED, half INT AS (id / 2) VIRTUAL)"
        )
        form = {c["name"]: c for c in read_columns(conn, "eddy_flavour", "gen")}
        assert form["created"]["generated"] == "" and form["total"]["stored"] and not form["half"]["stored"]
        meta = load_table_meta(conn, "eddy_flavour", "gen")
        assert [c["name"] for c in meta.columns if c["generated"]] == ["total", "half"]
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_flavour")
        conn.close()


# -- stored generated columns: STORED, which both servers accept ---------------------------------
def test_a_stored_generated_column_is_written_stored_not_persistent():
    col = {"name": "total", "type": "INT", "generated": "(`id` * 2)", "stored": True}
    assert ddl.column_definition(col) == "`total` INT AS ((`id` * 2)) STORED"


@pytest.mark.mariadb_only  # the table is made with MariaDB's PERSISTENT on purpose
def test_changing_a_persistent_column_on_mariadb_runs_as_stored(mariadb):
    from core.services.schema.plans import run_plan
    from core.services.schema.structure import plan_alter_table, table_structure

    conn = mariadb.connect()
    try:
        conn.execute("CREATE DATABASE IF NOT EXISTS eddy_flavour")
        conn.execute("DROP TABLE IF EXISTS eddy_flavour.gen")
        conn.execute("CREATE TABLE eddy_flavour.gen (id INT PRIMARY KEY, total INT AS (id * 2) PERSISTENT)")
        form = table_structure(conn, "eddy_flavour", "gen")
        form["columns"][1]["comment"] = "twice the id"
        plan = plan_alter_table(conn, "eddy_flavour", "gen", form)
        assert "STORED COMMENT 'twice the id'" in plan.statements[0] and "PERSISTENT" not in plan.statements[0]
        run_plan(conn, plan)
        again = {c["name"]: c for c in table_structure(conn, "eddy_flavour", "gen")["columns"]}
        assert again["total"]["stored"] and again["total"]["comment"] == "twice the id"
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_flavour")
        conn.close()


# -- indexes as MySQL 8 returns them -------------------------------------------------------------
def _stat(name, col, seq_expression=None, non_unique=1, sub_part=None, visible=1, collation="A"):
    return {
        "name": name,
        "non_unique": non_unique,
        "col": col,
        "sub_part": sub_part,
        "index_type": "BTREE",
        "comment": "",
        "cardinality": 3,
        "expression": seq_expression,
        "visible": visible,
        "collation": collation,
    }


MYSQL_STATISTICS = [
    _stat("PRIMARY", "id", non_unique=0),
    # INDEX by_lower ((lower(name)), created DESC) INVISIBLE, as MySQL 8.0.13+ lists it.
    _stat("by_lower", None, "lower(`name`)", visible=0),
    _stat("by_lower", "created", visible=0, collation="D"),
]
TABLE = {
    "columns": [
        {"name": "id", "original": "id", "type": "int", "nullable": False},
        {"name": "name", "original": "name", "type": "varchar(50)", "nullable": True},
        {"name": "created", "original": "created", "type": "datetime", "nullable": True},
    ],
}


def test_mysql_functional_descending_invisible_index_parts_are_kept():
    indexes = parse_indexes(MYSQL_STATISTICS)
    by_lower = indexes[1]
    assert by_lower["visible"] is False
    assert by_lower["columns"] == [
        {"name": None, "length": None, "expression": "lower(`name`)"},
        {"name": "created", "length": None, "descending": True},
    ]
    assert (
        ddl.index_definition(by_lower, MYSQL_80, ddl.index_expressions(indexes))
        == "KEY `by_lower` ((lower(`name`)), `created` DESC) INVISIBLE"
    )


def test_the_structure_form_sends_a_functional_index_back_unchanged_and_renames_it_with_its_expression():
    indexes = parse_indexes(MYSQL_STATISTICS)
    current = {**TABLE, "indexes": indexes}
    form = {**TABLE, "indexes": [dict(i) for i in indexes]}
    assert ddl.alter_table("db", "t", current, form, flavour=MYSQL_80) == []
    form["indexes"][1]["name"] = "by_lower_name"
    [statement] = ddl.alter_table("db", "t", current, form, flavour=MYSQL_80)
    assert "DROP INDEX `by_lower`" in statement
    assert "ADD KEY `by_lower_name` ((lower(`name`)), `created` DESC) INVISIBLE" in statement


def test_an_expression_the_table_does_not_have_is_refused():
    current = {**TABLE, "indexes": parse_indexes(MYSQL_STATISTICS)}
    form = {**TABLE, "indexes": [{"name": "x", "kind": "INDEX", "columns": [{"name": None, "expression": "sleep(9)"}]}]}
    with pytest.raises(ddl.ChangeRefused, match="SQL editor"):
        ddl.alter_table("db", "t", current, form, flavour=MYSQL_80)


@pytest.mark.mariadb_only
def test_an_ignored_index_on_mariadb_is_read_and_kept_ignored(mariadb):
    from core.services.schema.structure import plan_alter_table, read_indexes

    conn = mariadb.connect()
    if conn.flavour().version < (10, 6, 0):
        pytest.fail("MariaDB 10.6+ expected for IGNORED indexes")
    try:
        conn.execute("CREATE DATABASE IF NOT EXISTS eddy_flavour")
        conn.execute("DROP TABLE IF EXISTS eddy_flavour.ix")
        index_sql = f"KEY by_name (name) {conn.flavour().invisible_index_keyword}"
        conn.execute(f"CREATE TABLE eddy_flavour.ix (id INT PRIMARY KEY, name VARCHAR(20), {index_sql})")
        [_primary, by_name] = read_indexes(conn, "eddy_flavour", "ix")
        assert by_name["visible"] is False
        from core.services.schema.structure import table_structure

        form = table_structure(conn, "eddy_flavour", "ix")
        form["indexes"][1]["name"] = "by_name2"
        plan = plan_alter_table(conn, "eddy_flavour", "ix", form)
        assert "ADD KEY `by_name2` (`name`) IGNORED" in plan.statements[0]
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_flavour")
        conn.close()


# -- grid edits of JSON columns ------------------------------------------------------------------
def _json_meta():
    from core.services.grid.table_meta import TableMeta

    columns = [
        {"name": "id", "data_type": "int", "generated": False, "approximate": False, "json": False},
        {"name": "doc", "data_type": "json", "generated": False, "approximate": False, "json": True},
    ]
    return TableMeta("db", "t", "table", "InnoDB", 1, columns, ["id"], ["id"], "PRIMARY", [])


@pytest.mark.parametrize(
    ("flavour", "where"),
    [
        (MARIADB_1011, "`id` <=> %s AND `doc` <=> %s"),
        (MYSQL_80, "`id` <=> %s AND `doc` <=> CAST(%s AS JSON)"),
        (TIDB_75, "`id` <=> %s AND `doc` <=> CAST(%s AS JSON)"),
    ],
)
def test_the_original_value_of_a_json_column_is_compared_as_json_where_the_server_has_a_json_type(flavour, where):
    from core.services.grid.edits import build_statements

    change = {"id": "1", "op": "update", "key": {"id": 1}, "original": {"doc": '{"a": 1}'}, "values": {"doc": "[]"}}
    [statement] = build_statements(_json_meta(), [change], flavour)
    assert statement.sql == f"UPDATE `db`.`t` SET `doc` = %s WHERE {where} LIMIT 1"
    assert statement.params == ["[]", 1, '{"a": 1}']


# -- "Edit here": CREATE OR REPLACE where the server has it --------------------------------------
PROCEDURE = "CREATE OR REPLACE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\n  SELECT 1;\nEND"


def test_edit_here_replaces_a_procedure_in_one_statement_on_mariadb():
    plan = objects.plan_create("shop", "procedure", PROCEDURE, MARIADB_1011)
    assert plan.statements == [PROCEDURE] and plan.destructive
    assert "not atomic" not in plan.summary


@pytest.mark.parametrize("flavour", [MYSQL_80, MYSQL_84, TIDB_75])
def test_edit_here_drops_then_creates_a_procedure_on_mysql_and_says_it_is_not_atomic(flavour):
    plan = objects.plan_create("shop", "procedure", PROCEDURE, flavour)
    assert plan.statements == [
        "DROP PROCEDURE IF EXISTS `p`",
        "CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()\nBEGIN\n  SELECT 1;\nEND",
    ]
    assert "not atomic" in plan.summary and plan.database == "shop"


@pytest.mark.parametrize("kind", ["function", "trigger", "event"])
def test_edit_here_on_mysql_drops_functions_triggers_and_events_first(kind):
    sql = objects.or_replace(objects.template(kind, "shop"))
    plan = objects.plan_create("shop", kind, sql, MYSQL_84)
    assert plan.statements[0] == f"DROP {kind.upper()} IF EXISTS `shop`.`new_{kind}`"
    assert plan.statements[1].startswith(f"CREATE {kind.upper()} `shop`.`new_{kind}`")


def test_edit_here_on_mysql_keeps_create_or_replace_view():
    sql = "CREATE OR REPLACE VIEW `v` AS SELECT 1 AS one"
    assert objects.plan_create("shop", "view", sql, MYSQL_84).statements == [sql]


def test_edit_here_replaces_a_procedure_on_the_test_server_for_real(mariadb):
    from core.services.schema.plans import run_plan

    conn = mariadb.connect()
    try:
        conn.execute("CREATE DATABASE IF NOT EXISTS eddy_flavour")
        conn.execute("CREATE PROCEDURE eddy_flavour.p() SELECT 1 AS one")
        text = objects.or_replace(objects.definition(conn, "eddy_flavour", "procedure", "p")).replace("1", "2")
        run_plan(conn, objects.plan_create("eddy_flavour", "procedure", text, conn.flavour()))
        assert "2" in objects.definition(conn, "eddy_flavour", "procedure", "p")
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_flavour")
        conn.close()


# -- JSON result columns: MySQL sends them with the binary charset --------------------------------
def _cursor(*fields):
    """A cursor whose result describes columns as PyMySQL reads MySQL's field packets."""
    description = [(f.name, f.type_code, None, None, None, None, True) for f in fields]
    return SimpleNamespace(description=description, _result=SimpleNamespace(fields=list(fields)))


MYSQL_JSON_FIELD = SimpleNamespace(name="doc", type_code=FIELD_TYPE.JSON, charsetnr=63)
BLOB_FIELD = SimpleNamespace(name="data", type_code=FIELD_TYPE.BLOB, charsetnr=63)
TEXT_FIELD = SimpleNamespace(name="note", type_code=FIELD_TYPE.BLOB, charsetnr=45)


def test_a_mysql_json_column_with_charset_63_is_text_in_results_and_exports():
    columns = describe_columns(_cursor(MYSQL_JSON_FIELD, BLOB_FIELD, TEXT_FIELD))
    assert [(c.type, c.is_binary) for c in columns] == [("json", False), ("blob", True), ("blob", False)]
    assert [kind_of_field(f) for f in (MYSQL_JSON_FIELD, BLOB_FIELD, TEXT_FIELD)] == ["text", "binary", "text"]


def test_json_and_blob_columns_on_mariadb_are_text_and_binary(mariadb):
    conn = mariadb.connect()
    try:
        result = conn.select("SELECT JSON_OBJECT('a', 1) AS doc, CAST('x' AS BINARY) AS data, 'y' AS note")
        assert [c.is_binary for c in result.columns] == [False, True, False]
        assert result.rows[0][0] == '{"a": 1}'
    finally:
        conn.close()


# -- EXPLAIN ANALYZE ----------------------------------------------------------------------------
def test_analyze_statement_per_flavour():
    assert MARIADB_1011.analyze_statement("SELECT 1") == ("ANALYZE FORMAT=JSON SELECT 1", "json")
    assert MYSQL_84.analyze_statement("SELECT 1") == ("EXPLAIN ANALYZE SELECT 1", "text")
    assert TIDB_75.analyze_statement("SELECT 1") == ("EXPLAIN ANALYZE SELECT 1", "table")


def test_tidb_explain_analyze_is_shown_as_its_whole_table():
    names = ["id", "estRows", "actRows", "task", "access object", "execution info", "operator info", "memory", "disk"]
    rows = [
        ("Projection_4", "10000.00", 3, "root", "", "time:1.2ms, loops:2", "test.t.a", "1.1 KB", "N/A"),
        ("└─TableReader_6", "10000.00", 3, "root", "", "time:1.1ms, loops:2, cop_task: {num: 1}",
         "data:TableFullScan_5", "250 Bytes", "N/A"),
        ("  └─TableFullScan_5", "10000.00", 3, "cop[tikv]", "table:t", "tikv_task:{time:0s, loops:1}",
         "keep order:false, stats:pseudo", "N/A", "N/A"),
    ]  # fmt: skip
    found = ResultSet(columns=[Column(n, "var_string") for n in names], rows=rows)
    plan = measured_plan(found, "table")
    assert plan["table"] is True and plan["columns"] == names
    assert [r[0] for r in plan["rows"]] == ["Projection_4", "└─TableReader_6", "  └─TableFullScan_5"]
    assert plan["rows"][2][3] == "cop[tikv]"


def test_mysql_explain_analyze_is_its_one_text_cell():
    text = "-> Table scan on t  (cost=0.35 rows=1) (actual time=0.02..0.02 rows=1 loops=1)\n"
    assert measured_plan(ResultSet(columns=[Column("EXPLAIN", "long_blob")], rows=[(text,)]), "text") == text


@pytest.mark.mariadb_only
def test_mariadb_analyze_runs_for_real(mariadb):
    from core.services.query.explain import explain

    conn = mariadb.connect()
    try:
        result = explain(conn, "SELECT 1", analyze=True)
        assert isinstance(result["analyze"], dict) and "query_block" in result["analyze"]
    finally:
        conn.close()


# -- the dashboard -------------------------------------------------------------------------------
class _Mysql8Refusals:
    """A connection that answers like MySQL 8.0 about the tables it removed (error 1109)."""

    def __init__(self, conn):
        self.conn = conn

    def query(self, sql, *params):
        from core.db.errors import DatabaseError

        if "information_schema.GLOBAL_" in sql:
            raise DatabaseError("Unknown table 'GLOBAL_STATUS' in information_schema", 1109)
        return self.conn.query(sql, *params)

    def __getattr__(self, name):
        return getattr(self.conn, name)


def test_the_dashboard_reads_show_global_status_which_mysql_8_and_tidb_answer(mariadb):
    from core.services.schema.server_admin import dashboard

    conn = mariadb.connect()
    try:
        snapshot = dashboard(_Mysql8Refusals(conn))
        assert snapshot["connections"] > 0 and snapshot["max_connections"] > 0 and snapshot["questions"] > 0
        assert snapshot["buffer_pool_pages_total"] > 0 and snapshot["version"]
    finally:
        conn.close()


# -- imports -------------------------------------------------------------------------------------
def test_update_on_duplicate_uses_a_row_alias_on_mysql_8_0_19_and_values_elsewhere():
    from core.services.transfer.csv_import import Target

    targets = [Target("id", 0), Target("name", 1)]
    _head, tail = _insert_head("db", "t", targets, "update", MYSQL_80)
    assert tail == " AS `eddy_new` ON DUPLICATE KEY UPDATE `id` = `eddy_new`.`id`, `name` = `eddy_new`.`name`"
    for flavour in (MYSQL_8018, MARIADB_1011, TIDB_75):
        _head, tail = _insert_head("db", "t", targets, "update", flavour)
        assert tail == " ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `name` = VALUES(`name`)"


def test_tidb_transaction_limit_asks_for_batches():
    mib = 1024 * 1024
    assert TIDB_75.transaction_limit == 100 * mib and MYSQL_84.transaction_limit is None
    warning = transaction_limit_note(TIDB_75, 60 * mib, commit_every=0)
    assert "100 MiB" in warning and "batches" in warning
    assert transaction_limit_note(TIDB_75, 60 * mib, commit_every=0, refuse=True) is None
    assert transaction_limit_note(TIDB_75, 150 * mib, commit_every=0, refuse=True)
    assert transaction_limit_note(TIDB_75, 150 * mib, commit_every=10_000) is None
    assert transaction_limit_note(MYSQL_84, 150 * mib, commit_every=0) is None


def test_local_infile_refusals_get_the_clear_message():
    mysql_8 = local_infile_refusal(3948, "Loading local data is disabled; this must be enabled on both sides")
    assert "local_infile=ON" in mysql_8 and "normal import" in mysql_8
    assert local_infile_refusal(1148, "The used command is not allowed with this MariaDB version")
    assert local_infile_refusal(1062, "Duplicate entry") is None


# -- admin ---------------------------------------------------------------------------------------
def test_kill_refused_with_1095_falls_back_to_the_rds_procedures():
    assert MYSQL_80.kill_fallback(42, query_only=True) == "CALL mysql.rds_kill_query(42)"
    assert MYSQL_80.kill_fallback(42, query_only=False) == "CALL mysql.rds_kill(42)"
    assert TIDB_75.kill_fallback(42, query_only=True) is None


def test_run_plan_runs_the_fallback_when_the_statement_is_refused_with_its_code(mariadb):
    from core.services.schema.plans import Plan, run_plan

    conn = mariadb.connect()
    try:
        plan = Plan(["SELECT * FROM eddy_no_such_db.t"], target="x", summary="", fallback={1146: "DO 1"})
        assert run_plan(conn, plan)["ok"]
        with pytest.raises(Exception, match="eddy_no_such_db"):
            run_plan(conn, Plan(["SELECT * FROM eddy_no_such_db.t"], target="x", summary="", fallback={1: "DO 1"}))
    finally:
        conn.close()


# -- the SQL editor ------------------------------------------------------------------------------
def test_formatter_dialect_per_flavour():
    assert MARIADB_1011.formatter_dialect == "mariadb"
    assert {f.formatter_dialect for f in (MYSQL_80, MYSQL_84, TIDB_75)} == {"mysql"}
    assert DEFAULT_FLAVOUR.is_mariadb


def test_row_counts_on_mysql_are_marked_as_up_to_a_day_old():
    assert "information_schema_stats_expiry" in MYSQL_84.row_count_note
    assert "Estimate" in MARIADB_1011.row_count_note


def test_a_row_with_a_json_value_is_updated_and_deleted_by_the_grid_on_the_test_server(mariadb):
    """Runs the flavour's JSON comparison for real (plain on MariaDB; CAST(%s AS JSON) on MySQL/TiDB)."""
    from core.services.grid.edits import apply_changes
    from core.services.grid.table_meta import load_table_meta

    conn = mariadb.connect()
    try:
        conn.execute("CREATE DATABASE IF NOT EXISTS eddy_flavour")
        conn.execute("DROP TABLE IF EXISTS eddy_flavour.docs")
        conn.execute("CREATE TABLE eddy_flavour.docs (id INT PRIMARY KEY, doc JSON NULL)")
        conn.execute("""INSERT INTO eddy_flavour.docs VALUES (1, '{"a": [1, 2]}'), (2, '[]'), (3, NULL)""")
        meta = load_table_meta(conn, "eddy_flavour", "docs")
        assert meta.column("doc")["json"]
        loaded = {r.id: r.doc for r in conn.query("SELECT id, doc FROM eddy_flavour.docs")}
        changes = [
            {
                "id": "u",
                "op": "update",
                "key": {"id": 1},
                "original": {"doc": loaded[1]},
                "values": {"doc": '{"b": 1}'},
            },
            {"id": "d", "op": "delete", "key": {"id": 2}, "original": {"doc": loaded[2]}},
            {"id": "n", "op": "update", "key": {"id": 3}, "original": {"doc": None}, "values": {"doc": "[3]"}},
        ]
        result = apply_changes(conn, meta, changes)
        assert result.ok, result.errors
        after = {r.id: r.doc for r in conn.query("SELECT id, doc FROM eddy_flavour.docs ORDER BY id")}
        assert list(after) == [1, 3] and "b" in after[1] and "3" in after[3]
        # A changed value is still refused.
        stale = {"id": "s", "op": "update", "key": {"id": 1}, "original": {"doc": loaded[1]}, "values": {"doc": "1"}}
        refused = apply_changes(conn, meta, [stale])
        assert not refused.ok and "changed on the server" in refused.errors[0]["message"]
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_flavour")
        conn.close()


@pytest.mark.mariadb_only  # builds Amazon RDS's mysql.rds_kill_query on the private server
def test_kill_refused_with_1095_runs_the_rds_procedure_as_on_amazon_rds(mariadb):
    """As on RDS: the master user has no right to KILL other users' threads (1095) but may call the
    definer-rights procedure mysql.rds_kill_query, which Eddy then uses."""
    from core.db import Connection
    from core.services.schema.plans import run_plan
    from core.services.schema.server_admin import plan_kill

    admin = Connection(mariadb.admin)
    victim = Connection(mariadb.admin)
    master = None
    try:
        admin.execute("CREATE USER IF NOT EXISTS 'eddy_rds_master'@'%' IDENTIFIED BY 'pw'")
        admin.execute("GRANT PROCESS ON *.* TO 'eddy_rds_master'@'%'")
        admin.execute("DROP PROCEDURE IF EXISTS mysql.rds_kill_query")
        admin.execute("CREATE PROCEDURE mysql.rds_kill_query(IN thread BIGINT) SQL SECURITY DEFINER KILL QUERY thread")
        admin.execute("GRANT EXECUTE ON PROCEDURE mysql.rds_kill_query TO 'eddy_rds_master'@'%'")
        from dataclasses import replace

        master = Connection(replace(mariadb.admin, user="eddy_rds_master", password="pw"))
        plan = plan_kill(master, victim.thread_id, "query")
        assert plan.fallback == {1095: f"CALL mysql.rds_kill_query({victim.thread_id})"}
        with pytest.raises(Exception, match="1095|not owner"):
            master.execute(plan.statements[0])
        assert run_plan(master, plan)["ok"]
    finally:
        if master is not None:
            master.close()
        victim.close()
        admin.execute("DROP PROCEDURE IF EXISTS mysql.rds_kill_query")
        admin.execute("DROP USER IF EXISTS 'eddy_rds_master'@'%'")
        admin.close()
