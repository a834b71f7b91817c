from core.db import schema


def test_list_databases_has_counts_and_sizes(mariadb, sample_db):
    conn = mariadb.connect()
    dbs = {d.name: d for d in schema.list_databases(conn)}
    assert dbs[sample_db].table_count == 3
    assert dbs[sample_db].size > 0


def test_list_tables_marks_views(mariadb, sample_db):
    tables = {t.name: t for t in schema.list_tables(mariadb.connect(), sample_db)}
    assert tables["people"].kind == "table" and tables["people"].engine == "InnoDB"
    assert tables["people_names"].kind == "view"
    assert "order items 表" in tables


def test_columns_and_primary_key_with_awkward_names(mariadb, sample_db):
    conn = mariadb.connect()
    cols = schema.list_columns(conn, sample_db, "order items 表")
    assert [c.name for c in cols] == ["select", "back`tick", "列"]
    assert cols[0].key == "PRI" and cols[1].charset == "utf8mb4" and cols[0].generation_expression in (None, "")
    assert schema.get_table(conn, sample_db, "people_names").kind == "view"
    assert schema.get_table(conn, sample_db, "no such table") is None
