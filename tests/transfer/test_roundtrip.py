"""Export → import gives back identical rows, for every MySQL type and every awkward value."""

import csv
import json
import shutil
import subprocess

import pytest

from core.services.transfer.csv_import import ImportOptions, run_import
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.formats import Dialect, detect_dialect
from core.services.transfer.sql_import import ScriptOptions, run_script
from tests.transfer.conftest import DB, checksum, create_all_types, table_rows


@pytest.fixture
def source(conn):
    create_all_types(conn, "src")
    return "src"


def _export(conn, tmp_path, fmt, **opts):
    path = tmp_path / f"out.{fmt}"
    result = run_export(conn, ExportSource(database=DB, table="src"), ExportOptions(format=fmt, **opts), path)
    assert result["rows"] == 15
    return path


@pytest.mark.parametrize("method", ["insert", "load_data"])
def test_tsv_round_trip_is_identical(conn, source, tmp_path, method):
    path = _export(conn, tmp_path, "tsv")
    create_all_types(conn, "dst", fill=False)
    dialect, _ = detect_dialect(path)
    assert dialect.delimiter == "\t" and dialect.escapes and dialect.header
    run_import(conn, DB, "dst", path, dialect, ImportOptions(method=method))
    assert table_rows(conn, "dst") == table_rows(conn, "src")
    assert checksum(conn, "dst") == checksum(conn, "src")


@pytest.mark.parametrize("method", ["insert", "load_data"])
def test_csv_round_trip_keeps_null_empty_and_the_word_null_apart(conn, source, tmp_path, method):
    path = _export(conn, tmp_path, "csv")
    create_all_types(conn, "dst", fill=False)
    dialect, _ = detect_dialect(path)
    assert (dialect.delimiter, dialect.quote, dialect.header, dialect.line_end) == (",", '"', True, "\r\n")
    run_import(conn, DB, "dst", path, dialect, ImportOptions(method=method))
    assert table_rows(conn, "dst") == table_rows(conn, "src")
    assert checksum(conn, "dst") == checksum(conn, "src")
    texts = {r[0]: r[1] for r in conn.select(f"SELECT id, txt FROM `{DB}`.dst").rows}
    assert texts[2] == "" and texts[3] is None and texts[4] == "NULL"


def test_csv_with_bom_and_semicolons_round_trips(conn, source, tmp_path):
    path = _export(conn, tmp_path, "csv", delimiter=";", bom=True, null="\\N", line_end="\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    create_all_types(conn, "dst", fill=False)
    dialect, _ = detect_dialect(path)
    assert (dialect.encoding, dialect.delimiter, dialect.line_end) == ("utf-8-sig", ";", "\n")
    run_import(conn, DB, "dst", path, dialect, ImportOptions(null_marker="\\N", empty="empty"))
    assert table_rows(conn, "dst") == table_rows(conn, "src")


def test_sql_export_restores_through_eddy(conn, source, tmp_path):
    path = _export(conn, tmp_path, "sql")
    conn.execute(f"RENAME TABLE `{DB}`.src TO `{DB}`.src_orig")
    try:
        result = run_script(conn, path, ScriptOptions(database=DB))
        assert result["failed"] == 0
        assert table_rows(conn, "src") == table_rows(conn, "src_orig")
    finally:
        conn.execute(f"DROP TABLE IF EXISTS `{DB}`.src")
        conn.execute(f"RENAME TABLE `{DB}`.src_orig TO `{DB}`.src")


@pytest.mark.skipif(not shutil.which("mariadb"), reason="the mariadb client is not installed")
def test_sql_export_restores_through_the_mariadb_cli(conn, source, tmp_path, mariadb):
    path = _export(conn, tmp_path, "sql")
    conn.execute("DROP DATABASE IF EXISTS eddy_test_restore")
    conn.execute("CREATE DATABASE eddy_test_restore CHARACTER SET utf8mb4")
    try:
        p = mariadb.user
        with open(path, "rb") as f:
            subprocess.run(
                [
                    "mariadb",
                    "--no-defaults",
                    f"--host={p.host}",
                    f"--port={p.port}",
                    f"--user={p.user}",
                    f"--password={p.password}",
                    "--default-character-set=utf8mb4",
                    "eddy_test_restore",
                ],
                stdin=f,
                check=True,
                capture_output=True,
            )
        restored = conn.select("SELECT * FROM eddy_test_restore.src ORDER BY id").rows
        assert restored == table_rows(conn, "src")
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_test_restore")


def test_json_lines_hold_the_values(conn, source, tmp_path):
    path = _export(conn, tmp_path, "jsonl")
    objects = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    by_id = {o["id"]: o for o in objects}
    assert by_id[2]["txt"] == "" and by_id[3]["txt"] is None and by_id[4]["txt"] == "NULL"
    assert by_id[10]["txt"] == "nul\x00byte"
    assert by_id[11]["txt"] == "中文 😀 emoji"
    assert by_id[1]["bu"] == 18446744073709551615
    whole = json.loads(_export(conn, tmp_path, "json").read_text(encoding="utf-8"))
    assert [o["id"] for o in whole] == list(range(1, 16))


def test_xlsx_export_writes_a_workbook(conn, source, tmp_path):
    import zipfile

    path = _export(conn, tmp_path, "xlsx")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else sheet
    assert "中文 😀 emoji" in strings


def test_query_export_keeps_the_query_order(conn, source, tmp_path):
    path = tmp_path / "q.csv"
    src = ExportSource(database=DB, sql="SELECT id, vc FROM src WHERE id > 3 ORDER BY id DESC")
    run_export(conn, src, ExportOptions(format="csv", header=False), path)
    with open(path, encoding="utf-8", newline="") as f:
        ids = [int(row[0]) for row in csv.reader(f)]
    assert ids == list(range(15, 3, -1))


def test_whole_database_sql_export_has_every_table(conn, source, tmp_path):
    path = tmp_path / "db.sql"
    run_export(conn, ExportSource(database=DB, whole_database=True), ExportOptions(format="sql"), path)
    text = path.read_text(encoding="utf-8")
    assert "CREATE TABLE `src`" in text and "INSERT INTO `src`" in text


def test_dialect_from_dict_rejects_nonsense():
    with pytest.raises(ValueError):
        Dialect.from_dict({"delimiter": ",", "quote": ","})


@pytest.mark.skipif(not shutil.which("mariadb-dump"), reason="mariadb-dump is not installed")
def test_mariadb_dump_file_runs_through_eddy(conn, source, tmp_path, mariadb):
    p = mariadb.user
    dump = tmp_path / "dump.sql"
    with open(dump, "wb") as out:
        subprocess.run(
            [
                "mariadb-dump",
                "--no-defaults",
                f"--host={p.host}",
                f"--port={p.port}",
                f"--user={p.user}",
                f"--password={p.password}",
                "--default-character-set=utf8mb4",
                "--hex-blob",
                DB,
                "src",
            ],
            stdout=out,
            check=True,
        )
    conn.execute("DROP DATABASE IF EXISTS eddy_test_dump")
    conn.execute("CREATE DATABASE eddy_test_dump CHARACTER SET utf8mb4")
    try:
        result = run_script(conn, dump, ScriptOptions(database="eddy_test_dump"))
        assert result["failed"] == 0 and result["statements"] > 5
        conn.execute("SET SESSION time_zone = '+00:00'")
        assert conn.select("SELECT * FROM eddy_test_dump.src ORDER BY id").rows == table_rows(conn, "src")
    finally:
        conn.execute("DROP DATABASE IF EXISTS eddy_test_dump")


def test_whole_database_csv_export_is_a_zip_of_tables(conn, source, tmp_path):
    import zipfile

    path = tmp_path / "db.zip"
    result = run_export(conn, ExportSource(database=DB, whole_database=True), ExportOptions(format="csv"), path)
    with zipfile.ZipFile(path) as z:
        assert "src.csv" in z.namelist()
        assert z.read("src.csv").startswith(b'"id","ti"')
    assert result["rows"] >= 15
