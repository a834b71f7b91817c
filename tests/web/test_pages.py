"""Handlers end to end through Tornado's test client, against the private MariaDB."""

import html
import json
import time
import urllib.parse

import pytest

from tests.web.client import AppCase, login_fields
from tests.web.sql_editor import run_sql


@pytest.fixture(scope="class")
def env(request, mariadb, sample_db, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.sample_db = sample_db
    request.cls.data_root = tmp_path_factory.mktemp("web")


@pytest.mark.usefixtures("env")
class TestPages(AppCase):
    def test_launch_token_is_needed_and_works_once(self):
        assert self.request("/login").code == 403
        assert self.request("/auth?token=wrong").code == 403
        assert self.launch().code == 200
        assert self.request("/login").code == 200
        self.cookies.clear()
        assert self.request(f"/auth?token={self.token}").code == 403

    def test_templates_see_only_the_named_helpers(self):
        assert set(self._app.ui_methods) == {"human_size", "human_duration", "human_count", "path_segment"}

    def test_login_page_shows_form(self):
        self.launch()
        body = self.text(self.request("/login"))
        assert 'name="host"' in body and 'name="password"' in body and "_xsrf" in body

    def test_pages_redirect_to_login_when_not_connected(self):
        self.launch()
        response = self.request("/")
        assert response.code == 302 and response.headers["Location"].startswith("/login")

    def test_wrong_password_shows_server_error_and_keeps_form(self):
        self.launch()
        bad = self.mariadb.user.__class__(**{**self.mariadb.user.__dict__, "password": "nope"})
        response = self.login(bad, database="eddy_test")
        assert response.code == 400
        body = self.text(response)
        assert "wrong user name or password" in html.unescape(self.error_text(response))
        assert f'value="{self.mariadb.user.port}"' in body and 'value="eddy_test"' in body

    def test_refused_port_is_reported(self):
        from core.services.sandbox.server import free_port

        self.launch()
        params = self.mariadb.user.__class__(host="127.0.0.1", port=free_port(), user="x", password="y")
        response = self.login(params)
        assert response.code == 400
        assert "refused" in self.error_text(response).lower()

    def test_non_numeric_port_is_reported(self):
        self.launch()
        response = self.post_form("/login", {"host": "127.0.0.1", "port": "abc", "user": "u", "password": ""})
        assert response.code == 400 and "Port must be a number" in self.error_text(response)

    def test_login_remembers_values_but_never_the_password(self):
        self.connect()
        self.request("/logout", "POST", urllib.parse.urlencode({"_xsrf": self.xsrf()}))
        body = self.text(self.request("/login"))
        assert f'value="{self.mariadb.user.user}"' in body
        assert self.mariadb.user.password not in body
        raw = self.app.store.path and open(self.app.store.path, "rb").read()
        assert self.mariadb.user.password.encode() not in raw

    def test_connecting_lands_in_the_workspace_and_a_deep_link_opens_as_itself(self):
        response = self.connect(database="eddy_test")
        assert response.headers["Location"] == "/workspace?open=/db/eddy_test"
        assert self.request("/workspace?open=/db/eddy_test").code == 200
        self.request("/logout", "POST", urllib.parse.urlencode({"_xsrf": self.xsrf()}))
        fields = {**login_fields(self.mariadb.user), "next": "/db/eddy_test/sql"}
        assert self.post_form("/login", fields).headers["Location"] == "/db/eddy_test/sql"

    def test_home_lists_databases_with_counts(self):
        self.connect()
        response = self.follow("/")
        body = self.text(response)
        assert response.code == 200
        assert 'href="/db/eddy_test"' in body and ">3<" in body

    def test_database_page_lists_tables_and_views(self):
        self.connect()
        body = self.text(self.follow("/db/eddy_test"))
        assert "people_names" in body and ">view<" in body
        assert 'href="/db/eddy_test/table/order%20items%20%E8%A1%A8"' in body

    def rows(self, table, **body):
        path = "/api/db/eddy_test/table/" + urllib.parse.quote(table, safe="") + "/rows"
        response = self.post_json(path, {"start": 0, "count": 100, **body})
        assert response.code == 200, self.text(response)
        return json.loads(response.body)

    def test_table_page_shows_grid_with_types_and_escapes_html(self):
        self.connect()
        body = self.text(self.follow("/db/eddy_test/table/people"))
        assert 'id="grid"' in body and "js/table_page.js" in body
        assert "varchar(100)" in body  # column types travel in the page's metadata
        assert "<script>alert(1)</script>" not in body

    def test_table_rows_keep_null_apart_from_the_text_null(self):
        self.connect()
        data = self.rows("people")
        names = [r[1] for r in data["rows"]]
        notes = [r[2] for r in data["rows"]]
        assert "NULL" in names and None in notes  # the string "NULL" and SQL NULL stay apart
        assert "张伟 🐍" in names and "<script>alert(1)</script>" in names  # raw text; the grid sets textContent
        assert any(n and n.endswith(" END") for n in notes)  # 505 chars: whole (cut only past 2,000)
        assert data["rows"][0][3] == {"binary": "89504e470001", "size": 6}

    def test_table_with_awkward_identifiers(self):
        self.connect()
        path = "/db/eddy_test/table/" + urllib.parse.quote("order items 表", safe="")
        body = self.text(self.follow(path))
        assert "back`tick" in body
        data = self.rows("order items 表", sort=[{"column": "back`tick", "dir": "desc"}])
        assert [r[1] for r in data["rows"]] == ["a`b", None]  # sorted DESC by `back``tick`: NULL last
        assert data["rows"][0][2] == "值 🙂"

    def test_missing_table_is_404(self):
        self.connect()
        response = self.follow("/db/eddy_test/table/nope")
        assert response.code == 404 and "does not exist" in self.text(response)

    def test_logout_ends_the_session(self):
        self.connect()
        response = self.request("/logout", "POST", urllib.parse.urlencode({"_xsrf": self.xsrf()}))
        assert response.code == 302
        assert self.request("/").code == 302

    def test_post_without_xsrf_is_refused(self):
        self.launch()
        body = urllib.parse.urlencode({"host": "127.0.0.1", "port": "1", "user": "u"})
        assert self.request("/login", "POST", body).code == 403

    def test_foreign_host_and_origin_are_refused(self):
        self.launch()
        assert self.request("/login", headers={"Host": "evil.example:80"}).code == 403
        assert self.request("/login", headers={"Host": f"evil.example:{self.get_http_port()}"}).code == 403
        assert self.request("/login", headers={"Origin": "http://evil.example"}).code == 403
        assert self.request("/login", headers={"Host": f"localhost:{self.get_http_port()}"}).code == 200

    def test_security_headers_present(self):
        response = self.request("/login")
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]  # workspace tabs only
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in response.headers

    def test_the_sql_editor_runs_a_statement(self):
        self.connect()
        ran = run_sql(self, "SELECT name, note FROM people ORDER BY id", "eddy_test")
        assert ran.status == 200 and ran.error is None
        assert ran.rows[1] == ["NULL", "the string NULL, not SQL NULL"]
        assert ran.rows[4][1] is None

    def test_api_errors_are_json(self):
        self.connect()
        ran = run_sql(self, "SELECT * FROM nope", "eddy_test")
        assert ran.status == 200 and "1146" in ran.error, "an SQL error is shown in its result, as in the editor"
        response = self.post_json("/api/query", {"sql": "  ", "database": "eddy_test"})
        assert response.code == 400 and "editor is empty" in json.loads(response.body)["error"]
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
        response = self.request("/api/query", "POST", "{not json", headers=headers)
        assert response.code == 400 and "not valid JSON" in json.loads(response.body)["error"]
        headers["Content-Type"] = "text/plain"
        response = self.request("/api/query", "POST", '{"sql": "SELECT 1"}', headers=headers)
        assert response.code == 415 and "application/json" in json.loads(response.body)["error"]

    def test_api_needs_a_session(self):
        self.launch()
        response = self.post_json("/api/query", {"sql": "SELECT 1"})
        assert response.code == 401 and "error" in json.loads(response.body)

    def test_slow_query_does_not_block_other_pages(self):
        self.connect()
        headers = {
            "Host": f"127.0.0.1:{self.get_http_port()}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-XSRFToken": self.xsrf(),
        }

        async def scenario():
            start = await self.http_client.fetch(
                self.get_url("/api/query"),
                method="POST",
                headers={**headers, "Content-Type": "application/json"},
                body=json.dumps({"sql": "SELECT SLEEP(5)", "tab": "slow"}),
            )
            job = json.loads(start.body)
            await self.io_loop.run_in_executor(None, time.sleep, 0.3)
            started = time.perf_counter()
            page = await self.http_client.fetch(self.get_url("/db/eddy_test"), headers=headers)
            elapsed = time.perf_counter() - started
            assert page.code == 200
            state = await self.http_client.fetch(self.get_url(f"/api/query/{job['id']}"), headers=headers)
            assert json.loads(state.body)["state"] == "running", "the slow query should still be running"
            assert elapsed < 1.0, f"a page took {elapsed:.2f}s while SLEEP(5) ran"
            stop = await self.http_client.fetch(
                self.get_url(f"/api/query/{job['id']}/cancel"), method="POST", headers=headers, body=""
            )
            assert stop.code == 200

        self.io_loop.run_sync(scenario, timeout=30)
