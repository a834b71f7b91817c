"""Import behaviour: bad rows with line/column/reason, all-or-nothing, cancel, duplicates, encodings."""

import csv

import pytest

from core.services.jobs import Cancelled, ProgressJob
from core.services.transfer.csv_import import ImportFailed, ImportOptions, Target, run_import
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.formats import Dialect, detect_dialect, detect_encoding
from core.services.transfer.preview import infer_create_table, infer_type
from core.services.transfer.sql_import import ScriptFailed, ScriptOptions, run_script, split_statements
from tests.transfer.conftest import DB


@pytest.fixture
def people(conn):
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.people")
    conn.execute(
        f"CREATE TABLE `{DB}`.people (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, age TINYINT UNSIGNED NULL, "
        "note TEXT NULL) ENGINE=InnoDB"
    )
    conn.executemany(f"INSERT INTO `{DB}`.people VALUES (%s, %s, %s, %s)", [(1, "Ada", 36, None), (2, "Bob", 40, "x")])
    return "people"


def rows(conn):
    return conn.select(f"SELECT * FROM `{DB}`.people ORDER BY id").rows


def write(tmp_path, text, name="in.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


CSV = Dialect(encoding="utf-8", delimiter=",", quote='"', header=True, line_end="\n")


def test_refused_value_stops_with_line_and_column_and_changes_nothing(conn, people, tmp_path):
    before = rows(conn)
    path = write(tmp_path, "id,name,age,note\n3,Cy,20,\n4,Di,300,too old\n5,Ed,1,\n")
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions())
    assert err.value.line == 3 and err.value.column == "age"
    assert "line 3" in err.value.message and "age" in err.value.message
    assert rows(conn) == before


def test_wrong_field_count_is_reported_with_its_line(conn, people, tmp_path):
    before = rows(conn)
    path = write(tmp_path, 'id,name,age,note\n3,Cy,20,\n4,"multi\nline",30\n')
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions())
    assert err.value.line == 3 and "expected 4 fields, found 3" in err.value.message
    assert rows(conn) == before


def test_skipped_bad_rows_come_back_as_csv(conn, people, tmp_path):
    path = write(tmp_path, "id,name,age,note\n3,Cy,20,\n4,Di,300,\n5\n6,Fay,2,ok\n")
    result = run_import(conn, DB, "people", path, CSV, ImportOptions(bad_rows="skip"), rejects_dir=tmp_path)
    assert result["rows"] == 2 and result["skipped"] == 2
    assert [r[0] for r in rows(conn)] == [1, 2, 3, 6]
    with open(result["rejects_path"], encoding="utf-8", newline="") as f:
        rejected = list(csv.reader(f))
    assert rejected[0][:3] == ["line", "column", "reason"]
    assert {r[0] for r in rejected[1:]} == {"3", "4"}
    assert any(r[1] == "age" for r in rejected[1:])


def test_bad_encoding_is_reported_per_row(conn, people, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,name,age,note\n3,Cy,20,\n4,D\xffi,30,\n")
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions())
    assert err.value.line == 3 and "encoding" in err.value.message and err.value.column == "name"


@pytest.mark.parametrize(
    ("mode", "expected_bob"),
    [("skip", ("Bob", 40, "x")), ("replace", ("Bobby", 41, None)), ("update", ("Bobby", 41, None))],
)
def test_duplicate_keys_follow_the_choice(conn, people, tmp_path, mode, expected_bob):
    path = write(tmp_path, "id,name,age,note\n2,Bobby,41,\n3,Cy,20,\n")
    run_import(conn, DB, "people", path, CSV, ImportOptions(on_duplicate=mode))
    got = {r[0]: r[1:] for r in rows(conn)}
    assert got[2] == expected_bob and 3 in got


def test_duplicate_key_error_keeps_the_table(conn, people, tmp_path):
    before = rows(conn)
    path = write(tmp_path, "id,name,age,note\n3,Cy,20,\n2,Bobby,41,\n")
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions())
    assert "Duplicate" in err.value.message and err.value.line == 3
    assert rows(conn) == before


def test_cancel_rolls_everything_back(conn, people, tmp_path):
    before = rows(conn)
    lines = "".join(f"{i},n{i},1,\n" for i in range(10, 5010))
    path = write(tmp_path, "id,name,age,note\n" + lines)

    class CancelAfterFirstBatch(ProgressJob):
        def progress(self, done=None, bytes_done=None):
            if done:
                self.cancel()
            super().progress(done, bytes_done)

    job = CancelAfterFirstBatch(id="t", kind="import", title="t")
    with pytest.raises(Cancelled):
        run_import(conn, DB, "people", path, CSV, ImportOptions(batch_bytes=2000), job=job)
    assert rows(conn) == before


def test_batched_commits_give_a_checkpoint_to_resume_from(conn, people, tmp_path):
    lines = [f"{i},n{i},1,\n" for i in range(10, 110)]
    lines[70] = "80,bad,999,\n"
    path = write(tmp_path, "id,name,age,note\n" + "".join(lines))
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions(batch_bytes=100, commit_every=20))
    checkpoint = err.value.checkpoint
    assert 0 < checkpoint <= 70 and "resume from record" in err.value.message
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{DB}`.people").n == 2 + checkpoint
    lines[70] = "80,fixed,1,\n"
    path.write_text("id,name,age,note\n" + "".join(lines), encoding="utf-8")
    run_import(conn, DB, "people", path, CSV, ImportOptions(resume_from=checkpoint))
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{DB}`.people").n == 102


def test_mapping_skips_columns_and_sets_constants(conn, people, tmp_path):
    path = write(tmp_path, "x,ignored,who\n7,zzz,Gil\n8,zzz,Hal\n")
    mapping = [Target("id", source=0), Target("name", source=2), Target("note", constant="imported")]
    run_import(conn, DB, "people", path, CSV, ImportOptions(), mapping=mapping)
    got = {r[0]: r[1:] for r in rows(conn)}
    assert got[7] == ("Gil", None, "imported") and got[8] == ("Hal", None, "imported")


@pytest.mark.parametrize(("encoding", "expected"), [("gb18030", "gb18030"), ("latin-1", "latin-1")])
def test_encodings_are_detected_and_decoded(conn, people, tmp_path, encoding, expected):
    name = "张伟测试中文名字" if encoding == "gb18030" else "Zoë Ørsted"
    path = write(tmp_path, f"id,name,age,note\n9,{name},5,\n" * 1, encoding=encoding)
    assert detect_encoding(path.read_bytes()) == expected
    dialect, _ = detect_dialect(path)
    run_import(conn, DB, "people", path, dialect, ImportOptions())
    assert conn.get(f"SELECT name FROM `{DB}`.people WHERE id = 9").name == name


def test_load_data_reports_refused_value(conn, people, tmp_path):
    before = rows(conn)
    path = write(tmp_path, "id,name,age,note\n3,Cy,20,\n4,Di,300,\n")
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions(method="load_data"))
    assert "age" in err.value.message
    assert rows(conn) == before


def test_inferred_types_and_ddl():
    assert infer_type(["1", "2", None]) == "INT"
    assert infer_type(["1", "99999999999"]) == "BIGINT"
    assert infer_type(["007", "12"]).startswith("VARCHAR")
    assert infer_type(["1.50", "-20.125"]) == "DECIMAL(7,3)"
    assert infer_type(["2024-01-01", "1999-12-31"]) == "DATE"
    assert infer_type(["2024-01-01 10:00:00.123"]) == "DATETIME(3)"
    assert infer_type(["1e10", "2.5"]) == "DOUBLE"
    ddl = infer_create_table("db", "my file", ["id", "name 😀", "id"], [["1", "x", "2"]], 3)
    assert "`id` INT NOT NULL" in ddl and "`name`" in ddl and "`id_2`" in ddl


def test_splitter_handles_quotes_comments_and_delimiter():
    script = (
        'SELECT \'a;b\', "c;\\"d", `e;f`; -- x;\n# y;\n/* z; */ SELECT 2;\n'
        "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END ;;\nDELIMITER ;\n"
        "/*!40101 SET NAMES utf8mb4 */;\nSELECT 'it''s'"
    )
    got = [(s.sql, s.line) for s in split_statements(script)]
    assert got == [
        ('SELECT \'a;b\', "c;\\"d", `e;f`', 1),
        ("SELECT 2", 3),
        ("CREATE PROCEDURE p() BEGIN SELECT 1; END", 5),
        ("/*!40101 SET NAMES utf8mb4 */", 7),
        ("SELECT 'it''s'", 8),
    ]


def test_splitter_streams_across_chunk_boundaries(monkeypatch):
    import io

    from core.services.transfer import sql_import

    monkeypatch.setattr(sql_import, "CHUNK", 7)
    script = "INSERT INTO t VALUES ('" + "x;" * 50 + "');\nSELECT 2;"
    got = [s.sql for s in split_statements(io.StringIO(script))]
    assert got == ["INSERT INTO t VALUES ('" + "x;" * 50 + "')", "SELECT 2"]


def test_splitter_reads_delimiter_commands_and_comments_cut_by_chunks(monkeypatch):
    import io

    from core.services.transfer import sql_import

    monkeypatch.setattr(sql_import, "CHUNK", 3)
    script = "-- dump\n/* note */\nDELIMITER $$\nCREATE TRIGGER t BEGIN SET @a = 'x$$'; END$$\nDELIMITER ;\nSELECT 2;"
    got = [(s.sql, s.line) for s in split_statements(io.StringIO(script))]
    assert got == [("CREATE TRIGGER t BEGIN SET @a = 'x$$'; END", 4), ("SELECT 2", 6)]


def test_sql_script_stops_at_error_with_line_or_continues(conn, tmp_path):
    path = write(
        tmp_path,
        f"CREATE TABLE `{DB}`.s1 (a INT);\nINSERT INTO `{DB}`.s1 VALUES (1);\nBAD SQL;\n"
        f"INSERT INTO `{DB}`.s1 VALUES (2);\n",
        name="s.sql",
    )
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.s1")
    with pytest.raises(ScriptFailed) as err:
        run_script(conn, path, ScriptOptions())
    assert err.value.line == 3
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.s1")
    result = run_script(conn, path, ScriptOptions(stop_on_error=False))
    assert result["failed"] == 1 and result["errors"][0]["line"] == 3
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{DB}`.s1").n == 2


def test_cancelled_export_leaves_no_file(conn, people, tmp_path):
    target = tmp_path / "out.csv"
    job = ProgressJob(id="e", kind="export", title="e")
    job.cancel()
    with pytest.raises(Cancelled):
        run_export(conn, ExportSource(database=DB, table="people"), ExportOptions(), target, job)
    assert list(tmp_path.iterdir()) == []


def test_values_holding_the_batch_sentinels_still_import_exactly(conn, people, tmp_path):
    path = write(tmp_path, 'id,name,age,note\n3,"\ue000\ue001",1,"\ue002 \ue003 \'q\'"\n4,x,2,\n')
    run_import(conn, DB, "people", path, CSV, ImportOptions())
    got = {r[0]: r[1:] for r in rows(conn)}
    assert got[3] == ("\ue000\ue001", 1, "\ue002 \ue003 'q'") and got[4] == ("x", 2, None)


def test_latin1_column_exports_as_utf8(conn, tmp_path):
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.l1")
    conn.execute(f"CREATE TABLE `{DB}`.l1 (id INT, a VARCHAR(10) CHARACTER SET latin1, b VARCHAR(10))")
    conn.execute(f"INSERT INTO `{DB}`.l1 VALUES (1, 'Zoë', '中文')")
    path = tmp_path / "l1.csv"
    run_export(conn, ExportSource(database=DB, table="l1"), ExportOptions(header=False), path)
    assert path.read_bytes() == '1,"Zoë","中文"\r\n'.encode()


def test_load_data_path_reports_bad_rows_by_line(conn, people, tmp_path):
    before = rows(conn)
    path = write(tmp_path, 'id,name,age,note\n3,"a\nb",20,\n4,Di\n')
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions(method="load_data"))
    assert err.value.line == 4 and "expected 4 fields" in err.value.message
    path = write(tmp_path, 'id,name,age,note\n3,"a\nb",20,\n4,Di,300,\n')
    with pytest.raises(ImportFailed) as err:
        run_import(conn, DB, "people", path, CSV, ImportOptions(method="load_data"))
    assert err.value.line == 4 and "age" in err.value.message
    assert rows(conn) == before


def test_load_data_path_reads_gb18030(conn, people, tmp_path):
    path = write(tmp_path, 'id,name,age,note\n9,张伟测试中文名字,5,""\n', encoding="gb18030")
    dialect, _ = detect_dialect(path)
    run_import(conn, DB, "people", path, dialect, ImportOptions(method="load_data"))
    assert conn.get(f"SELECT name, note FROM `{DB}`.people WHERE id = 9") == {"name": "张伟测试中文名字", "note": ""}
