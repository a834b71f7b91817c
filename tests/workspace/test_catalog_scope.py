"""Catalog reads are scoped to the schema they need: on a server with thousands of tables, opening a
table, its structure, the objects list or the diagram never makes information_schema read every database."""

import time

from core.services.grid.table_meta import load_table_meta
from core.services.schema import erd, objects, structure
from core.services.schema.plans import ChangeRefused
from tests.workspace.conftest import RecordingConnection, catalog_scans


def recorded(mariadb, fn, *args):
    conn = RecordingConnection(mariadb.user)
    try:
        fn(conn, *args)
    except ChangeRefused:  # renaming a database with views is refused after the catalog reads we check
        pass
    return conn


def test_opening_a_table_reads_only_its_schema(mariadb, many_tables_db, fk_db):
    conn = recorded(mariadb, load_table_meta, fk_db, "parent")
    assert catalog_scans(conn, conn.statements) == []


def test_foreign_keys_both_ways_still_found(mariadb, fk_db):
    parent = load_table_meta(mariadb.connect(), fk_db, "parent")
    child = load_table_meta(mariadb.connect(), fk_db, "child")
    assert parent.referenced_by == [
        {"name": "fk_parent", "db": fk_db, "table": "child", "columns": ["parent_id"], "ref_columns": ["id"]}
    ]
    assert child.foreign_keys == [
        {"name": "fk_parent", "columns": ["parent_id"], "ref_db": fk_db, "ref_table": "parent", "ref_columns": ["id"]}
    ]


def test_opening_a_table_costs_milliseconds_beside_thousands_of_tables(mariadb, many_tables_db, fk_db):
    conn = mariadb.connect()
    load_table_meta(conn, fk_db, "parent")  # warm the connection
    started = time.perf_counter()
    load_table_meta(conn, fk_db, "parent")
    # Unscoped, this read every table's definition on the server (3,000 here: ~0.5 s; 20,000: 1.5 s+).
    assert time.perf_counter() - started < 0.25


def test_structure_objects_and_diagram_read_only_their_schema(mariadb, many_tables_db, fk_db):
    for fn, args in [
        (structure.table_structure, (fk_db, "child")),
        (structure.read_foreign_keys, (fk_db,)),
        (objects.list_objects, (fk_db,)),
        (erd.graph, (fk_db,)),
        (structure.plan_rename_database, (fk_db, "eddy_test_fk_renamed")),
    ]:
        conn = recorded(mariadb, fn, *args)
        assert catalog_scans(conn, conn.statements) == [], fn.__name__


def test_foreign_keys_from_another_schema_with_awkward_names_are_found(mariadb, fk_db):
    other = "eddy_test fk-2"
    admin = mariadb.connect(user=mariadb.admin.user, password=mariadb.admin.password)
    admin.execute(f"DROP DATABASE IF EXISTS `{other}`")
    admin.execute(f"CREATE DATABASE `{other}`")
    admin.execute(
        f"CREATE TABLE `{other}`.`子 表` (id INT PRIMARY KEY, ref INT,"
        f" CONSTRAINT `fk 中` FOREIGN KEY (ref) REFERENCES `{fk_db}`.`中文表` (id)) ENGINE=InnoDB"
    )
    try:
        meta = load_table_meta(mariadb.connect(), fk_db, "中文表")
        assert meta.referenced_by == [
            {"name": "fk 中", "db": other, "table": "子 表", "columns": ["ref"], "ref_columns": ["id"]}
        ]
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS `{other}`")


def test_the_databases_list_counts_tables_without_opening_them_past_the_size_limit(
    mariadb, many_tables_db, monkeypatch
):
    from core.db import schema

    conn = RecordingConnection(mariadb.user)
    dbs = {d.name: d for d in schema.list_databases(conn)}
    assert dbs[many_tables_db].table_count == 3000 and dbs[many_tables_db].size is not None
    monkeypatch.setattr(schema, "SIZES_UP_TO_TABLES", 1000)
    conn.statements.clear()
    dbs = {d.name: d for d in schema.list_databases(conn)}
    assert dbs[many_tables_db].table_count == 3000 and dbs[many_tables_db].size is None
    for sql, params in list(conn.statements):
        for row in conn.query("EXPLAIN " + sql, *params):
            assert "Open_full_table" not in (row.Extra or ""), sql
