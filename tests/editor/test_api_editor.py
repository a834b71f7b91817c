"""The editor's JSON API through Tornado's test client: jobs, row windows, exports, explain, store."""

import json

import pytest

from tests.web.client import ConnectedAppCase
from tests.web.sql_editor import run_sql


@pytest.fixture(scope="class")
def env(request, mariadb, sample_db, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.sample_db = sample_db
    request.cls.data_root = tmp_path_factory.mktemp("editor-web")


@pytest.mark.usefixtures("env")
class TestEditorApi(ConnectedAppCase):
    @property
    def database(self):
        return self.sample_db

    def tearDown(self):
        self.app.query_jobs.close_all()
        self.app.sessions.close_all()
        super().tearDown()

    def get_json(self, path):
        response = self.request(path)
        return response.code, json.loads(response.body)

    def run_sql(self, sql, tab="default"):
        ran = run_sql(self, sql, self.sample_db, tab=tab)
        assert ran.status == 200, ran.error
        return ran.job

    @pytest.mark.mariadb_only
    def test_rows_come_in_windows(self):
        job = self.run_sql("SELECT seq FROM seq_1_to_1000")
        assert job["state"] == "done" and job["results"][0]["row_count"] == 1000
        code, data = self.get_json(f"/api/query/{job['id']}/rows?result=0&from=500&count=3")
        assert code == 200 and data["rows"] == [[501], [502], [503]] and data["total"] == 1000

    def test_exports_keep_null_empty_and_the_text_null_apart(self):
        job = self.run_sql("SELECT '' AS e, NULL AS n, 'NULL' AS t, 'a,\"b\"' AS q, 1.50 AS d, x'00ff' AS b")
        base = f"/api/query/{job['id']}/export?result=0&format="
        csv = self.text(self.request(base + "csv"))
        assert csv == 'e,n,t,q,d,b\r\n"",,NULL,"a,""b""",1.50,0x00ff\r\n'
        data = json.loads(self.text(self.request(base + "json")))
        assert data == [
            {"e": "", "n": None, "t": "NULL", "q": 'a,"b"', "d": "1.50", "b": {"binary": "00ff", "size": 2}}
        ]
        sql = self.text(self.request(base + "sql&table=out"))
        assert (
            sql == "INSERT INTO `out` (`e`, `n`, `t`, `q`, `d`, `b`) VALUES\n"
            "('', NULL, 'NULL', 'a,\\\"b\\\"', 1.50, X'00ff');\n"
        )
        assert self.request(base + "xml").code == 400

    def test_errors_are_json_with_status(self):
        assert self.post_json("/api/query", {"sql": "  -- only a comment\n"}).code == 400
        assert self.post_json("/api/query", {"sql": "SELECT 1", "tab": "../x"}).code == 400
        assert self.request("/api/query/nope").code == 404
        assert self.post_json("/api/query", {"sql": "SELECT 1", "mode": "current", "cursor": "x"}).code == 400
        job = self.run_sql("SELECT 1")
        assert self.request(f"/api/query/{job['id']}?after=soon").code == 400
        assert self.request(f"/api/query/{job['id']}/rows?from=x").code == 400
        # A result number the job lacks: each handler's sentence, a 400.
        for path, message in (
            (f"/api/query/{job['id']}/rows?result=9", "Bad result number or window"),
            (f"/api/query/{job['id']}/cell?result=9&row=0&col=0", "Bad result number"),
            (f"/api/query/{job['id']}/export?result=9", "Bad result number"),
        ):
            code, data = self.get_json(path)
            assert (code, data["error"]) == (400, message), path
        response = self.post_json(f"/api/query/{job['id']}/save", {"result": 9})
        assert (response.code, json.loads(response.body)["error"]) == (400, "Bad result number")

    def test_busy_tab_is_409(self):
        first = json.loads(self.post_json("/api/query", {"sql": "SELECT SLEEP(3)", "tab": "busy"}).body)
        second = self.post_json("/api/query", {"sql": "SELECT 1", "tab": "busy"})
        assert second.code == 409 and "still running" in json.loads(second.body)["error"]
        assert self.post_json(f"/api/query/{first['id']}/cancel", {}).code == 200
        job = first
        while job["state"] == "running":
            _, job = self.get_json(f"/api/query/{job['id']}?after={job['version']}")
        assert job["state"] == "cancelled"

    def test_history_saved_queries_and_tabs_are_kept(self):
        self.run_sql("SELECT 'history me'")
        _, data = self.get_json("/api/editor/history?q=history%20me")
        assert data["history"][0]["sql"] == "SELECT 'history me'" and data["history"][0]["ok"]
        assert self.post_json("/api/editor/saved", {"name": "mine", "sql": "SELECT 2"}).code == 200
        _, data = self.get_json("/api/editor/saved")
        assert [s["name"] for s in data["saved"]] == ["mine"]
        tabs = [{"id": "a1", "title": "One", "sql": "SELECT 1", "database": None}]
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
        assert self.request("/api/editor/tabs", "PUT", json.dumps({"tabs": tabs}), headers=headers).code == 200
        _, data = self.get_json("/api/editor/tabs")
        assert data["tabs"][0]["sql"] == "SELECT 1" and data["tabs"][0]["title"] == "One"

    def test_closing_a_tab_closes_its_connection(self):
        self.run_sql("SELECT 1", tab="a1")
        self.run_sql("SELECT 1", tab="b2")
        assert self.app.query_jobs.tab_connection_count() == 2
        tabs = [{"id": "a1", "title": "One", "sql": "SELECT 1"}]
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
        assert self.request("/api/editor/tabs", "PUT", json.dumps({"tabs": tabs}), headers=headers).code == 200
        assert self.app.query_jobs.tab_connection_count() == 1

    def test_explain_flags_full_scans_and_filesort(self):
        response = self.post_json(
            "/api/explain",
            {"sql": "SELECT * FROM people WHERE note LIKE 'x%' ORDER BY name", "database": self.sample_db},
        )
        plan = json.loads(response.body)
        assert response.code == 200, plan
        assert "full scan" in plan["rows"][0]["flags"] and "filesort" in plan["rows"][0]["flags"]
        assert plan["json"]["query_block"]
        refused = self.post_json("/api/explain", {"sql": "DROP TABLE people", "database": self.sample_db})
        assert refused.code == 400
        # ANALYZE runs the statement: measured plan for a SELECT, never for a write.
        body = {"sql": "SELECT COUNT(*) FROM people", "database": self.sample_db, "analyze": True}
        measured = json.loads(self.post_json("/api/explain", body).body)
        assert measured["analyze"]["query_block"]
        body = {"sql": "DELETE FROM people", "database": self.sample_db, "analyze": True}
        write = json.loads(self.post_json("/api/explain", body).body)
        assert write["analyze"] is None and "read-only" in write["notes"][0]

    def test_schema_for_autocomplete(self):
        # Names up front; columns and other databases' tables come on demand (tests/workspace).
        _, data = self.get_json(f"/api/editor/schema?database={self.sample_db}")
        assert set(data["tables"]) == {"people", "people_names", "order items 表"}
        assert self.sample_db in data["databases"] and data["tables_more"] is False

    def test_sql_page_allows_only_its_own_style_nonce(self):
        response = self.request(f"/db/{self.sample_db}/sql")
        assert response.code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "style-src 'self' 'nonce-" in policy
        nonce = policy.split("'nonce-")[1].split("'")[0]
        assert f'data-style-nonce="{nonce}"' in self.text(response)

    def test_safe_mode_choice_is_kept(self):
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
        body = json.dumps({"safe_mode": True, "on_error": "continue"})
        assert self.request("/api/editor/options", "PUT", body, headers=headers).code == 200
        assert self.get_json("/api/editor/options")[1] == {"safe_mode": True, "on_error": "continue"}
        bad = json.dumps({"on_error": "explode"})
        assert self.request("/api/editor/options", "PUT", bad, headers=headers).code == 400

    def test_in_the_window_an_export_is_written_where_the_user_chose(self):
        job = self.run_sql("SELECT 'a' AS x, NULL AS y")
        payload = {"result": 0, "format": "csv"}
        assert self.post_json(f"/api/query/{job['id']}/save", payload).code == 409  # browser mode: no dialog
        target = self.data_root / "chosen.csv"

        class FakeDialogs:
            def save_file(self, filename, file_types=()):
                assert filename == "result.csv"
                return str(target)

        self.app.file_dialogs = FakeDialogs()
        response = self.post_json(f"/api/query/{job['id']}/save", payload)
        assert response.code == 200 and json.loads(response.body)["saved"]
        assert target.read_bytes() == b"x,y\r\na,\r\n"
        assert 'data-native-dialogs="1"' in self.text(self.request("/sql"))
