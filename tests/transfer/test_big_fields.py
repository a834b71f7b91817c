"""CSV at any size: Eddy's own export of 200 KB, 25 MB and max_allowed_packet-sized values imports
back identical; a value the server cannot accept, an overlong record and an unclosed quote are
reported by line and column before anything is kept; reading stays in bounded memory."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.db import Connection, DatabaseError
from core.services.transfer.csv_import import ImportFailed, ImportOptions, run_import
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.formats import Dialect, RecordReader, RecordTooLarge, detect_dialect
from core.services.transfer.preview import preview
from tests.grid.big_values import big_packet

DB = "eddy_test_bigcsv"
PACKET = 32 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def conn(mariadb):
    with big_packet(mariadb.admin, PACKET):
        c = Connection(mariadb.admin)  # opened inside: sees the raised max_allowed_packet
        c.execute(f"DROP DATABASE IF EXISTS `{DB}`")
        c.execute(f"CREATE DATABASE `{DB}` CHARACTER SET utf8mb4")
        yield c
        c.execute(f"DROP DATABASE IF EXISTS `{DB}`")
        c.close()


def make_table(conn, name):
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.`{name}`")
    conn.execute(
        f"CREATE TABLE `{DB}`.`{name}` (id INT PRIMARY KEY, note VARCHAR(20), body LONGTEXT, bin LONGBLOB) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )


def fingerprint(conn, name):
    return conn.select(
        f"SELECT id, note, LENGTH(body), MD5(body), LENGTH(bin), MD5(bin) FROM `{DB}`.`{name}` ORDER BY id"
    ).rows


@pytest.mark.parametrize("method", ["insert", "load_data"])
def test_csv_export_of_big_values_imports_back_identical(conn, tmp_path, method):
    make_table(conn, "src")
    # 200 KB with quotes, commas and line ends; 25 MB; as large as a row the server sends can be.
    conn.execute(
        f"INSERT INTO `{DB}`.src VALUES (1, 'a', CONCAT('say \"hi\",\\r\\n', REPEAT('é,\"x\"\\n', 200 * 1024 / 8)), "
        "UNHEX(REPEAT('00FF', 100000)))"
    )
    conn.execute(f"INSERT INTO `{DB}`.src VALUES (2, 'b', REPEAT('0123456789', 2500000), NULL)")
    conn.execute(f"INSERT INTO `{DB}`.src VALUES (3, 'c', REPEAT('y', {PACKET} - 4096), '')")
    conn.execute(f"INSERT INTO `{DB}`.src VALUES (4, 'd', NULL, UNHEX(REPEAT('AB', {PACKET // 2} - 4096)))")
    path = tmp_path / "big.csv"
    result = run_export(conn, ExportSource(database=DB, table="src"), ExportOptions(format="csv"), path)
    assert result["rows"] == 4
    make_table(conn, "dst")
    dialect, _ = detect_dialect(path)
    report = run_import(conn, DB, "dst", path, dialect, ImportOptions(method=method))
    assert report["rows"] == 4
    assert fingerprint(conn, "dst") == fingerprint(conn, "src")
    assert conn.get("SELECT @eddy_import_0 AS v").v is None  # the pieces were let go


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("id,note,body,bin\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("commit_every", [0, 1])
def test_a_value_larger_than_the_server_accepts_is_reported_by_line_and_column(conn, tmp_path, commit_every):
    make_table(conn, "dst")
    path = write_csv(tmp_path / "over.csv", ["1,a,small,", "2,b,more,", f"3,c,{'z' * (PACKET + 10)},", "4,d,x,"])
    with pytest.raises(ImportFailed) as caught:
        run_import(conn, DB, "dst", path, Dialect(), ImportOptions(commit_every=commit_every))
    assert caught.value.line == 4 and caught.value.column == "body"
    assert "line 4" in str(caught.value) and "'body'" in str(caught.value) and "max_allowed_packet" in str(caught.value)
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{DB}`.dst").n == 0  # nothing written, nothing kept


def test_an_unclosed_quote_is_reported_by_line(conn, tmp_path):
    make_table(conn, "dst")
    path = write_csv(tmp_path / "quote.csv", ["1,a,fine,", '2,b,"never closed,', "3,c,x,"])
    with pytest.raises(ImportFailed) as caught:
        run_import(conn, DB, "dst", path, Dialect(), ImportOptions())
    assert caught.value.line == 3 and caught.value.column == "body"
    assert "never closed" in str(caught.value)
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{DB}`.dst").n == 0


def test_a_record_longer_than_the_server_accepts_is_reported_not_read_whole(conn, tmp_path):
    make_table(conn, "dst")
    # An unclosed quote runs to the end of a big file: stopped at the limit, named by its line.
    path = write_csv(tmp_path / "runaway.csv", ["1,a,ok,", '2,b,"' + "w" * (5 * PACKET) + ",", "3,c,x,"])
    with pytest.raises(ImportFailed) as caught:
        run_import(conn, DB, "dst", path, Dialect(), ImportOptions())
    assert caught.value.line == 3 and caught.value.column == "body"
    assert "closing quote" in str(caught.value)


def test_preview_of_a_big_field_cuts_it_for_display_and_infers_longtext(conn, tmp_path):
    path = write_csv(tmp_path / "preview.csv", [f"1,a,{'q' * 20_000_000},"])
    shown = preview(conn, path, DB, None, None, "preview.csv")
    assert len(shown["rows"][0][2]) < 10_000 and "20,000,000 characters" in shown["rows"][0][2]
    assert "`body` LONGTEXT" in shown["create_sql"]


MEMORY_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from core.services.transfer.formats import Dialect, RecordReader, RecordTooLarge

    path, limit = Path(sys.argv[1]), int(sys.argv[2])
    try:
        with RecordReader(path, Dialect(header=False), limit=limit) as reader:
            for _ in reader:
                pass
        print("no error")
    except RecordTooLarge as exc:
        print("line", exc.line, "column", exc.column)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            print(line.split()[1])
    """
)


def test_reading_a_300_mb_line_without_a_newline_stays_in_bounded_memory(tmp_path):
    path = tmp_path / "one-line.csv"
    with open(path, "wb") as out:
        out.write(b"1,")
        block = b"v" * (1 << 20)
        for _ in range(300):
            out.write(block)
    limit = 16 * 1024 * 1024  # a 16 MB max_allowed_packet (MariaDB's default)
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(path), str(limit)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.split("\n")
    assert lines[0] == "line 1 column 1"
    peak_mb = int(lines[1]) / 1024
    print(f"\npeak RSS reading a 300 MB line with a 16 MB limit: {peak_mb:.0f} MB")
    assert peak_mb < 120  # was 615 MB: the whole line as text, and again in the csv module


def test_the_csv_module_field_limit_no_longer_applies(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n1," + "x" * 300_000 + "\n", encoding="utf-8")
    with RecordReader(path, Dialect()) as reader:
        reader.read_header()
        assert [len(f[1]) for _, f in reader] == [300_000]
    with pytest.raises(RecordTooLarge) as caught, RecordReader(path, Dialect(), limit=1000) as reader:
        reader.read_header()
        list(reader)
    assert caught.value.line == 2 and caught.value.column == 1


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_row_too_large_for_one_line_fails_the_export_instead_of_losing_a_column(conn, tmp_path, fmt):
    make_table(conn, "src")
    # A 20 MB text and a 20 MB blob (40 MB as hex): written out, the line passes the 32 MB packet;
    # the server would turn the hex into NULL and CONCAT_WS drop it from the line.
    conn.execute(f"INSERT INTO `{DB}`.src VALUES (1, 'a', REPEAT('t', 20000000), UNHEX(REPEAT('CD', 10000000)))")
    conn.execute(f"UPDATE `{DB}`.src SET bin = CONCAT(bin, bin) WHERE id = 1")
    path = tmp_path / f"wide.{fmt}"
    with pytest.raises(DatabaseError, match="too large to export as one line"):
        run_export(conn, ExportSource(database=DB, table="src"), ExportOptions(format=fmt), path)
    assert not path.exists()


def test_export_of_a_filtered_sorted_grid_view_and_of_a_database_view_keeps_big_values_whole(conn, tmp_path):
    from core.services.grid.table_meta import load_table_meta
    from core.services.grid.windows import WindowPlanner

    make_table(conn, "src")
    conn.execute(f"INSERT INTO `{DB}`.src VALUES (1, 'a', REPEAT('0123456789', 2500000), NULL), (2, 'b', 'x', NULL)")
    conn.execute(f"CREATE OR REPLACE VIEW `{DB}`.src_view AS SELECT id, body FROM `{DB}`.src")
    meta = load_table_meta(conn, DB, "src")
    window = WindowPlanner().window(
        conn,
        meta,
        "t",
        [{"column": "id", "dir": "desc"}],
        {"conditions": [{"column": "note", "op": "in", "values": ["a", "b"]}]},
    )
    assert window["rows"][1][2]["truncated"]  # the grid got a preview...
    for source in (ExportSource(database=DB, sql=window["view_sql"]), ExportSource(database=DB, table="src_view")):
        path = tmp_path / "view.tsv"
        run_export(conn, source, ExportOptions(format="tsv"), path)
        data = path.read_bytes()
        assert data.count(b"0123456789") == 2_500_000  # ...the export, the whole value
