"""The transfer API through Tornado's test client: upload → preview → import job; export → download;
the native-dialog path with a fake dialog object (the real one cannot be clicked under Xvfb)."""

import json
import threading
from urllib.parse import quote

import pytest

from core.services.transfer.files import KEEP_PER_OWNER
from tests.transfer.conftest import DB
from tests.web.client import ConnectedAppCase
from tests.web.sql_editor import run_sql


class FakeDialogs:
    """Stands in for core.file_dialogs.WindowFileDialogs: answers with paths chosen by the test."""

    def __init__(self, open_path=None, save_path=None):
        self.open_path = open_path
        self.save_path = save_path
        self.saved_names = []

    def open_file(self, file_types=()):
        return str(self.open_path) if self.open_path else None

    def save_file(self, filename, file_types=()):
        self.saved_names.append(filename)
        return str(self.save_path) if self.save_path else None


def sql(case, statement: str) -> list[list]:
    """Run a statement in the SQL editor, as the user would to check an import; its rows."""
    ran = run_sql(case, statement)
    assert ran.status == 200 and ran.error is None, ran.error
    return ran.rows


@pytest.fixture(scope="class")
def env(request, mariadb, transfer_db, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("transfer-web")


@pytest.mark.usefixtures("env")
class TestTransferApi(ConnectedAppCase):
    def setUp(self):
        super().setUp()
        sql(self, f"DROP TABLE IF EXISTS `{DB}`.`api t`")
        sql(self, f"CREATE TABLE `{DB}`.`api t` (id INT PRIMARY KEY, name VARCHAR(50), note TEXT)")

    def json(self, response):
        assert response.code == 200, self.text(response)
        return json.loads(response.body)

    def finish(self, job):
        """Wait for the job's thread (no sleeps), then read its state through the API."""
        self.app.jobs.get(job["id"]).wait(60)
        return self.json(self.request(f"/api/jobs/{job['id']}"))

    def upload(self, data: bytes, name: str):
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/octet-stream"}
        return self.json(self.request(f"/api/transfer/upload?name={quote(name)}", "POST", data, headers=headers))

    def test_upload_preview_import_and_poll(self):
        up = self.upload(b'id,name,note\r\n1,"Zo\xc3\xab, ""Z""",\r\n2,"",NULL\r\n', "people.csv")
        preview = self.json(
            self.post_json("/api/transfer/preview", {"file": up["file"], "database": DB, "table": "api t"})
        )
        assert preview["dialect"]["delimiter"] == "," and preview["header"] == ["id", "name", "note"]
        assert preview["rows"][0] == ["1", 'Zoë, "Z"', None]
        assert preview["mapping"] == [
            {"column": "id", "source": 0},
            {"column": "name", "source": 1},
            {"column": "note", "source": 2},
        ]
        job = self.json(
            self.post_json(
                "/api/transfer/import",
                {"file": up["file"], "database": DB, "table": "api t", "dialect": preview["dialect"], "options": {}},
            )
        )
        done = self.finish(job)
        assert done["state"] == "done", done
        assert done["result"]["rows"] == 2 and done["fraction"] == 1.0
        rows = sql(self, f"SELECT * FROM `{DB}`.`api t` ORDER BY id")
        assert rows == [[1, 'Zoë, "Z"', None], [2, "", "NULL"]]

    def test_import_error_is_a_failed_job_with_line(self):
        up = self.upload(b"id,name,note\n1,a,\nx,b,\n", "bad.csv")
        job = self.json(self.post_json("/api/transfer/import", {"file": up["file"], "database": DB, "table": "api t"}))
        done = self.finish(job)
        assert done["state"] == "failed" and "line 3" in done["error"] and "id" in done["error"]
        count = sql(self, f"SELECT COUNT(*) FROM `{DB}`.`api t`")
        assert count == [[0]]

    def test_new_table_from_csv_is_created_from_edited_ddl(self):
        up = self.upload(b"code,amount,day\n007,1.50,2024-01-02\n008,2.25,2024-01-03\n", "new stuff.csv")
        preview = self.json(self.post_json("/api/transfer/preview", {"file": up["file"], "database": DB}))
        ddl = preview["create_sql"]
        assert "`code` VARCHAR" in ddl and "DECIMAL" in ddl and "DATE" in ddl
        ddl = ddl.replace("`new stuff`", "`api new`")
        sql(self, f"DROP TABLE IF EXISTS `{DB}`.`api new`")
        job = self.json(self.post_json("/api/transfer/import", {"file": up["file"], "database": DB, "create_sql": ddl}))
        done = self.finish(job)
        assert done["state"] == "done", done
        assert done["result"]["table"] == "api new"
        assert sql(self, f"SELECT code FROM `{DB}`.`api new` ORDER BY code") == [["007"], ["008"]]

    def test_a_new_table_keeps_the_rows_a_batched_import_committed_before_failing(self):
        body = b"code,amount\n" + b"".join(b"%d,1.5\n" % i for i in range(1, 301)) + b"bad,not a number\n"
        up = self.upload(body, "batched.csv")
        ddl = f"CREATE TABLE `{DB}`.`api batched` (code INT, amount DECIMAL(5,2))"
        sql(self, f"DROP TABLE IF EXISTS `{DB}`.`api batched`")
        options = {"commit_every": 100, "batch_bytes": 200}
        job = self.json(
            self.post_json(
                "/api/transfer/import", {"file": up["file"], "database": DB, "create_sql": ddl, "options": options}
            )
        )
        done = self.finish(job)
        assert done["state"] == "failed" and "were committed" in done["error"]
        # The message says the committed rows stay: the new table must not be dropped under them.
        count = sql(self, f"SELECT COUNT(*) FROM `{DB}`.`api batched`")
        assert count[0][0] >= 100
        sql(self, f"DROP TABLE IF EXISTS `{DB}`.`api batched`")

    def test_export_download_in_browser_mode(self):
        sql(self, f"INSERT INTO `{DB}`.`api t` VALUES (1, '中文', NULL), (2, '', 'NULL')")
        job = self.json(
            self.post_json("/api/transfer/export", {"database": DB, "table": "api t", "options": {"format": "csv"}})
        )
        done = self.finish(job)
        assert done["state"] == "done" and done["result"]["rows"] == 2
        response = self.request(f"/api/transfer/download/{done['result']['download']}")
        assert response.code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.body == '"id","name","note"\r\n1,"中文",\r\n2,"","NULL"\r\n'.encode()

    def test_export_through_the_native_save_dialog(self):
        target = self.data_root / "chosen.sql"
        self.app.file_dialogs = FakeDialogs(save_path=target)
        caps = self.json(self.request("/api/transfer/capabilities"))
        assert caps["native_dialogs"] is True
        picked = self.json(self.post_json("/api/transfer/dialog", {"mode": "save", "filename": "api t.sql"}))
        assert picked["path"] == str(target) and self.app.file_dialogs.saved_names == ["api t.sql"]
        job = self.json(
            self.post_json(
                "/api/transfer/export",
                {"database": DB, "table": "api t", "options": {"format": "sql"}, "target": picked["file"]},
            )
        )
        assert self.finish(job)["state"] == "done"
        assert "CREATE TABLE `api t`" in target.read_text(encoding="utf-8")

    def test_import_through_the_native_open_dialog(self):
        source = self.data_root / "picked.csv"
        source.write_text("id,name,note\n5,picked,\n", encoding="utf-8")
        self.app.file_dialogs = FakeDialogs(open_path=source)
        picked = self.json(self.post_json("/api/transfer/dialog", {"mode": "open"}))
        job = self.json(
            self.post_json("/api/transfer/import", {"file": picked["file"], "database": DB, "table": "api t"})
        )
        assert self.finish(job)["state"] == "done"

    def test_rejected_rows_come_back_by_download_or_save_dialog(self):
        up = self.upload(b"id,name,note\n1,a,\nx,b,\n2,c,\n", "some bad.csv")
        options = {"bad_rows": "skip"}
        job = self.json(
            self.post_json(
                "/api/transfer/import", {"file": up["file"], "database": DB, "table": "api t", "options": options}
            )
        )
        done = self.finish(job)
        assert done["state"] == "done" and done["result"]["rows"] == 2 and done["result"]["skipped"] == 1
        token = done["result"]["rejects"]
        body = self.request(f"/api/transfer/download/{token}").body.decode()
        assert body.startswith("line,column,reason,id,name,note") and "\r\n3,id," in body
        target = self.data_root / "rejects-saved.csv"
        self.app.file_dialogs = FakeDialogs(save_path=target)
        saved = self.json(
            self.post_json("/api/transfer/dialog", {"mode": "save", "filename": "r.csv", "copy_from": token})
        )
        assert saved["saved"] == str(target) and target.read_bytes().decode() == body

    def test_dialog_cancel_and_browser_mode(self):
        self.app.file_dialogs = FakeDialogs()
        assert self.json(self.post_json("/api/transfer/dialog", {"mode": "open"})) == {"cancelled": True}
        self.app.file_dialogs = None
        response = self.post_json("/api/transfer/dialog", {"mode": "open"})
        assert response.code == 409 and "upload" in json.loads(response.body)["error"]

    def test_files_and_jobs_need_their_own_token(self):
        response = self.post_json("/api/transfer/import", {"file": "made-up", "database": DB, "table": "api t"})
        assert response.code == 404
        assert self.request("/api/jobs/nope").code == 404
        assert self.request("/api/transfer/download/nope").code == 404
        # A save-dialog token cannot be used to read a file (and vice versa).
        self.app.file_dialogs = FakeDialogs(save_path=self.data_root / "x.csv")
        picked = self.json(self.post_json("/api/transfer/dialog", {"mode": "save", "filename": "x.csv"}))
        response = self.post_json("/api/transfer/preview", {"file": picked["file"], "database": DB})
        assert response.code == 404

    def test_an_upload_deletes_the_uploads_it_replaces_off_the_ioloop(self):
        # Each session keeps its last uploads; an older one (possibly GBs: unlinking takes long)
        # was deleted inside the upload handler, on the IOLoop every other request waits for.
        files = self.app.transfer_files
        deleted_on = []
        real_discard = files.discard
        files.discard = lambda token: (deleted_on.append(threading.current_thread()), real_discard(token))
        try:
            first = self.upload(b"id\n1\n", "first.csv")
            for i in range(KEEP_PER_OWNER):
                self.upload(b"id\n1\n", f"next{i}.csv")
        finally:
            del files.discard
        assert deleted_on and threading.current_thread() not in deleted_on  # the IOLoop runs here
        response = self.post_json("/api/transfer/preview", {"file": first["file"], "database": DB})
        assert response.code == 404  # the oldest upload is gone

    def test_upload_needs_xsrf(self):
        response = self.request("/api/transfer/upload?name=a.csv", "POST", b"id\n1\n")
        assert response.code == 403


@pytest.mark.usefixtures("env")
class TestSqlImportApi(ConnectedAppCase):
    json = TestTransferApi.json
    finish = TestTransferApi.finish
    upload = TestTransferApi.upload

    def test_sql_import_refuses_a_script_naming_another_database_and_lists_it(self):
        sql(self, f"DROP TABLE IF EXISTS `{DB}`.`api first`")
        up = self.upload(b"CREATE TABLE `api first` (id INT);\nUSE other_place;\n", "s.sql")
        job = self.finish(self.json(self.post_json("/api/transfer/sql-import", {"file": up["file"], "database": DB})))
        assert job["state"] == "failed" and job["result"]["refused"] is True
        assert job["result"]["other_databases"] == [{"name": "other_place", "line": 2, "how": "USE"}]
        assert "Nothing was run" in job["error"]
        rows = sql(self, f"SHOW TABLES FROM `{DB}` LIKE 'api first'")
        assert rows == []

    def test_sql_import_rejects_wrong_types(self):
        up = self.upload(b"SELECT 1;\n", "s.sql")
        for body in (
            {"database": 5},
            {"database": DB, "allow_databases": "x"},
            {"database": DB, "allow_databases": [1]},
        ):
            r = self.post_json("/api/transfer/sql-import", {"file": up["file"], **body})
            assert r.code == 400 and "error" in json.loads(r.body)
