"""Exports of tables and queries in a non-utf8mb4 character set: every format writes UTF-8 text."""

import csv
import json

import pytest

from core.services.transfer.csv_import import ImportOptions, run_import
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.formats import detect_dialect
from core.services.transfer.sql_import import ScriptOptions, run_script
from tests.transfer.conftest import DB

ROWS = [(1, "café", "2024-01-01", 3.5), (2, None, None, None), (3, "", "1999-12-31", -1), (4, "tab\there", None, 0)]


@pytest.fixture
def latin1_table(conn):
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.`l1`")
    conn.execute(
        f"CREATE TABLE `{DB}`.`l1` (id INT PRIMARY KEY, name VARCHAR(20), d DATE, x DECIMAL(5,1)) CHARSET latin1"
    )
    conn.executemany(f"INSERT INTO `{DB}`.`l1` VALUES (%s, %s, %s, %s)", ROWS)
    return "l1"


SOURCES = {
    "table": ExportSource(database=DB, table="l1"),
    "query": ExportSource(database=DB, sql="SELECT id, name, d, x FROM l1 ORDER BY id"),
}


@pytest.mark.parametrize("source", SOURCES)
def test_tsv_export_of_a_latin1_table_with_an_int_column_works(conn, latin1_table, tmp_path, source):
    path = tmp_path / "l1.tsv"
    run_export(conn, SOURCES[source], ExportOptions(format="tsv"), path)
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[1] == "1\tcafé\t2024-01-01\t3.5"
    assert lines[2] == "2\t\\N\t\\N\t\\N"
    assert lines[4] == "4\ttab\\there\t\\N\t0.0"


@pytest.mark.parametrize("source", SOURCES)
def test_csv_export_of_a_latin1_table_is_utf8(conn, latin1_table, tmp_path, source):
    path = tmp_path / "l1.csv"
    run_export(conn, SOURCES[source], ExportOptions(format="csv"), path)
    with open(path, encoding="utf-8", newline="") as f:  # raises on latin1 bytes
        rows = list(csv.reader(f))
    assert rows[1] == ["1", "café", "2024-01-01", "3.5"]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_export_of_a_latin1_table_is_utf8(conn, latin1_table, tmp_path, fmt):
    path = tmp_path / f"l1.{fmt}"
    run_export(conn, SOURCES["table"], ExportOptions(format=fmt), path)
    assert "café" in path.read_bytes().decode("utf-8")
    if fmt == "jsonl":
        assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["name"] == "café"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "sql"])
def test_latin1_table_round_trips_in_every_format(conn, latin1_table, tmp_path, fmt):
    path = tmp_path / f"l1.{fmt}"
    run_export(conn, SOURCES["table"], ExportOptions(format=fmt), path)
    path.read_bytes().decode("utf-8")
    conn.execute(f"RENAME TABLE `{DB}`.l1 TO `{DB}`.l1_orig")
    try:
        if fmt == "sql":
            run_script(conn, path, ScriptOptions(database=DB))
        else:
            conn.execute(f"CREATE TABLE `{DB}`.l1 LIKE `{DB}`.l1_orig")
            dialect, _ = detect_dialect(path)
            run_import(conn, DB, "l1", path, dialect, ImportOptions())
        got = conn.select(f"SELECT * FROM `{DB}`.l1 ORDER BY id").rows
        assert got == conn.select(f"SELECT * FROM `{DB}`.l1_orig ORDER BY id").rows
        assert got[0][1] == "café"
    finally:
        conn.execute(f"DROP TABLE IF EXISTS `{DB}`.l1")
        conn.execute(f"RENAME TABLE `{DB}`.l1_orig TO `{DB}`.l1")
