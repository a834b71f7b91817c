"""A CSV import whose connection drops at COMMIT: Eddy reconnects, counts the table and says saved
(verified), not saved (verified) or unknown — never "failed" after its rows were committed."""

from dataclasses import replace

import pytest

from core.db import Connection
from core.services.jobs import DONE, FAILED, JobRegistry
from core.services.transfer.csv_import import ImportOptions, run_import
from core.services.transfer.formats import Dialect
from tests.cutting_proxy import CuttingProxy
from tests.transfer.conftest import DB


@pytest.fixture
def setup(mariadb, transfer_db, tmp_path):
    admin = Connection(mariadb.admin)
    admin.execute(f"DROP TABLE IF EXISTS `{DB}`.cut")
    admin.execute(f"CREATE TABLE `{DB}`.cut (id INT PRIMARY KEY, name VARCHAR(20))")
    admin.execute(f"INSERT INTO `{DB}`.cut VALUES (1000, 'already there')")
    path = tmp_path / "rows.csv"
    path.write_text("id,name\n" + "".join(f"{i},row {i}\n" for i in range(1, 501)), encoding="utf-8")
    proxy = CuttingProxy(mariadb.user.host, mariadb.user.port)
    yield proxy, admin, path
    proxy.close()
    admin.execute(f"DROP TABLE IF EXISTS `{DB}`.cut")
    admin.close()


def _job(mariadb, proxy, path, **opts):
    jobs = JobRegistry()

    def work(job):
        conn = Connection(replace(mariadb.user, port=proxy.port))
        try:
            return run_import(conn, DB, "cut", path, Dialect(line_end="\n"), ImportOptions(**opts), job=job)
        finally:
            conn.close()

    job = jobs.start("import", "test", work)
    job.wait(60)
    return job


def _count(admin):
    return admin.get(f"SELECT COUNT(*) AS n FROM `{DB}`.cut").n


def test_import_cut_after_commit_is_done_and_verified(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("after_commit")
    job = _job(mariadb, proxy, path)
    assert proxy.cuts == 1 and _count(admin) == 501
    assert job.state == DONE, job.error  # was: "failed" with every row committed
    assert job.result["rows"] == 500 and job.result["outcome"] == "saved"
    assert "saved, verified" in job.result["note"]


def test_import_cut_before_commit_fails_saying_not_saved_verified(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("before_commit")
    job = _job(mariadb, proxy, path)
    assert proxy.cuts == 1 and _count(admin) == 1
    assert job.state == FAILED
    assert "not saved, verified" in job.error and job.result["outcome"] == "not_saved"


def test_batched_import_cut_at_a_checkpoint_says_which_rows_are_kept(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("before_commit")  # the first checkpoint's COMMIT never arrives
    job = _job(mariadb, proxy, path, commit_every=100, batch_bytes=500)
    assert proxy.cuts == 1 and _count(admin) == 1
    assert job.state == FAILED and job.result["outcome"] == "not_saved"
    assert "not saved, verified" in job.error


def test_import_cut_mid_stream_says_not_saved_verified_without_hanging(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("before_commit", statement=b"INSERT")  # the first batch never reaches the server
    job = _job(mariadb, proxy, path, batch_bytes=500)
    assert proxy.cuts == 1 and _count(admin) == 1
    assert job.state == FAILED and job.result["outcome"] == "not_saved"
    assert "before COMMIT was sent" in job.error and "not saved, verified" in job.error


def test_script_cut_after_a_statement_ran_says_unknown_and_stops(mariadb, setup, tmp_path):
    from core.services.transfer.sql_import import ScriptFailed, ScriptOptions, run_script

    proxy, admin, _ = setup
    script = tmp_path / "s.sql"
    script.write_text(
        "INSERT INTO cut VALUES (1, 'a');\nUPDATE cut SET name = 'b' WHERE id = 1;\nINSERT INTO cut VALUES (2, 'c');\n",
        encoding="utf-8",
    )
    conn = Connection(replace(mariadb.user, port=proxy.port))
    proxy.arm("after_commit", statement=b"UPDATE")
    with pytest.raises(ScriptFailed) as failed:
        run_script(conn, script, ScriptOptions(database=DB, stop_on_error=False))
    conn.close()
    assert proxy.cuts == 1
    assert "line 2" in failed.value.message and "unknown" in failed.value.message
    assert admin.select(f"SELECT id, name FROM `{DB}`.cut ORDER BY id").rows == [(1, "b"), (1000, "already there")]


def test_cancelling_a_batched_import_says_which_rows_stay(mariadb, setup, monkeypatch):
    from core.services.jobs import CANCELLED
    from core.services.transfer import csv_import

    proxy, admin, path = setup
    real_commit = csv_import.CsvImporter._commit

    def commit_then_cancel(self):
        real_commit(self)
        self.job.cancel()  # the user presses Cancel right after the first checkpoint

    monkeypatch.setattr(csv_import.CsvImporter, "_commit", commit_then_cancel)
    job = _job(mariadb, proxy, path, commit_every=100, batch_bytes=500)
    kept = _count(admin) - 1
    assert job.state == CANCELLED and kept > 0
    assert "nothing was changed" not in job.error  # was said with rows committed
    assert f"the {kept:,} rows committed at checkpoints" in job.error


def test_cancelling_a_script_says_the_statements_that_ran_stay(mariadb, setup, tmp_path, monkeypatch):
    from core.services.jobs import CANCELLED
    from core.services.transfer import sql_import

    proxy, admin, _ = setup
    script = tmp_path / "s.sql"
    script.write_text("".join(f"INSERT INTO cut VALUES ({i}, 's');\n" for i in range(1, 6)), encoding="utf-8")
    real_execute, ran, running = sql_import._execute, [], []

    def execute_then_cancel(conn, sql):
        real_execute(conn, sql)
        ran.append(sql)
        if len(ran) == 2:
            running[0].cancel()  # the user presses Cancel after the second statement

    monkeypatch.setattr(sql_import, "_execute", execute_then_cancel)
    jobs = JobRegistry()

    def work(j):
        running.append(j)
        conn = Connection(mariadb.user)
        try:
            return sql_import.run_script(conn, script, sql_import.ScriptOptions(database=DB), j)
        finally:
            conn.close()

    job = jobs.start("sql-import", "test", work)
    job.wait(60)
    assert job.state == CANCELLED
    assert "Cancelled after 2 statements: they ran and stay" in job.error and "line 3" in job.error
    assert _count(admin) == 3


def test_load_data_import_cut_after_commit_is_done_and_verified(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("after_commit")
    job = _job(mariadb, proxy, path, method="load_data")
    assert proxy.cuts == 1 and _count(admin) == 501
    assert job.state == DONE, job.error  # was: "failed" (Lost connection) with every row committed
    assert job.result["rows"] == 500 and job.result["outcome"] == "saved"
    assert "saved, verified" in job.result["note"]


def test_load_data_import_cut_before_commit_says_not_saved_verified(mariadb, setup):
    proxy, admin, path = setup
    proxy.arm("before_commit")
    job = _job(mariadb, proxy, path, method="load_data")
    assert proxy.cuts == 1 and _count(admin) == 1
    assert job.state == FAILED
    assert "not saved, verified" in job.error and job.result["outcome"] == "not_saved"
