"""Server administration API against the private MariaDB: dashboard, processes, variables,
users and privileges; every change previews its SQL and needs the object's name to run."""

import json
import threading
import time
import urllib.parse
from dataclasses import replace

import pytest

from core.db import Connection
from core.db.errors import DatabaseError
from tests.admin.case import AdminCase

USER = "eddy_test_admin_bob"


@pytest.mark.usefixtures("env", "shop_db")
class TestServerApi(AdminCase):
    def test_dashboard_reports_version_uptime_connections_and_buffer_pool(self):
        code, d = self.get_json("/api/server/dashboard")
        assert code == 200
        assert "MariaDB" in d["version"] or d["version"][0].isdigit()
        assert d["uptime"] >= 0 and d["connections"] >= 1 and d["questions"] > 0
        assert d["buffer_pool_size"] > 0 and 0 < d["buffer_pool_used_ratio"] <= 1

    def test_server_pages_render(self):
        for path in ("/server", "/server/processes", "/server/variables", "/server/users"):
            response = self.request(path)
            assert response.code == 200, path
            assert "admin/" in self.text(response)

    def test_process_list_shows_a_running_query_and_kills_it_after_confirmation(self):
        other = Connection(self.mariadb.admin)
        try:
            other_id = other.thread_id
            code, data = self.get_json("/api/server/processes")
            ids = {p["id"]: p for p in data["processes"]}
            assert other_id in ids and ids[other_id]["user"] == self.mariadb.admin.user
            assert any(p["own"] for p in data["processes"])  # the connection reading the list is marked
            path = f"/api/server/processes/{other_id}/kill"
            (sql,) = self.preview_then_run(path, {"what": "connection"}, str(other_id))
            assert sql == f"KILL CONNECTION {other_id}"
            code, data = self.get_json("/api/server/processes")
            assert other_id not in {p["id"] for p in data["processes"]}
            code, error = self.post("/api/server/processes/999999/kill", {"what": "query", "dry_run": True})
            assert code == 404 and "not running" in error["error"]
        finally:
            other.close()

    def test_kill_query_stops_a_running_statement_and_keeps_the_connection(self):
        other = Connection(self.mariadb.admin)
        pid = other.thread_id  # read before another thread uses the connection
        outcome = {}

        def slow():
            try:
                outcome["rows"] = other.query("SELECT SLEEP(60) AS s")
            except DatabaseError as exc:
                outcome["error"] = exc

        worker = threading.Thread(target=slow)
        worker.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # wait until the server runs it
                _, data = self.get_json("/api/server/processes")
                if any(p["id"] == pid and (p["info"] or "").startswith("SELECT SLEEP") for p in data["processes"]):
                    break
                time.sleep(0.05)
            (sql,) = self.preview_then_run(f"/api/server/processes/{pid}/kill", {"what": "query"}, str(pid))
            assert sql == f"KILL QUERY {pid}"
            worker.join(10)
            assert not worker.is_alive()
            # SLEEP() interrupted returns 1 (MariaDB) or the statement fails with 1317; either way it ended.
            assert outcome.get("rows") == [{"s": 1}] or getattr(outcome.get("error"), "code", None) == 1317
            assert other.get("SELECT 1 AS one").one == 1  # the connection itself is alive
        finally:
            worker.join(60)
            other.close()

    def test_variables_mark_changed_ones_and_set_global_needs_confirmation(self):
        original = self.db.get("SELECT @@GLOBAL.max_connections AS v").v
        try:
            code, data = self.get_json("/api/server/variables")
            by_name = {v["name"]: v for v in data["variables"]}
            assert by_name["max_connections"]["default_value"] is not None
            path = "/api/server/variables/max_connections"
            (sql,) = self.preview_then_run(path, {"value": str(original + 7), "scope": "global"}, "max_connections")
            assert sql == f"SET GLOBAL `max_connections` = {original + 7}"
            assert self.db.get("SELECT @@GLOBAL.max_connections AS v").v == original + 7
            code, data = self.get_json("/api/server/variables")
            changed = {v["name"]: v for v in data["variables"]}["max_connections"]
            assert changed["changed"] and changed["origin"] == "SQL"
            # A string value is a quoted literal, never raw SQL.
            code, preview = self.post(
                "/api/server/variables/sql_mode", {"value": "ANSI'; DROP DATABASE x; --", "dry_run": True}
            )
            assert preview["sql"] == ["SET GLOBAL `sql_mode` = 'ANSI\\'; DROP DATABASE x; --'"]
            code, error = self.post("/api/server/variables/no_such_var", {"value": "1", "dry_run": True})
            assert code == 404
        finally:
            self.db.execute(f"SET GLOBAL max_connections = {int(original)}")

    def test_status_is_listed(self):
        code, data = self.get_json("/api/server/status")
        assert any(s["name"] == "Uptime" for s in data["status"])

    def test_create_user_grant_revoke_password_and_drop(self):
        # Create: the preview masks the password; the real statement sets it.
        code, preview = self.post(
            "/api/server/users", {"user": USER, "host": "%", "password": "s3cret'x", "dry_run": True}
        )
        assert preview["sql"] == [f"CREATE USER '{USER}'@'%' IDENTIFIED BY '********'"]
        self.post("/api/server/users", {"user": USER, "host": "%", "password": "s3cret'x", "confirm": USER})
        code, data = self.get_json("/api/server/users")
        assert f"{USER}@%" in {u["account"] for u in data["users"]}
        login = replace(self.mariadb.admin, user=USER, password="s3cret'x")
        Connection(login).close()

        grants = "/api/server/users/grants"
        account = {"user": USER, "host": "%"}
        body = {**account, "level": "database", "database": "eddy_test_admin_shop", "privileges": ["SELECT", "INSERT"]}
        (sql,) = self.preview_then_run(grants, body, USER)
        assert sql == f"GRANT SELECT, INSERT ON `eddy_test_admin_shop`.* TO '{USER}'@'%'"
        code, held = self.get_json(f"{grants}?{urllib.parse.urlencode(account)}")
        assert held["databases"]["eddy_test_admin_shop"] == ["INSERT", "SELECT"]
        assert any("GRANT SELECT, INSERT ON `eddy_test_admin_shop`.*" in g for g in held["grants"])

        body = {
            **account,
            "level": "table",
            "database": "eddy_test_admin_shop",
            "table": "orders",
            "privileges": ["UPDATE"],
        }
        (sql,) = self.preview_then_run(grants, body, USER)
        assert sql == f"GRANT UPDATE ON `eddy_test_admin_shop`.`orders` TO '{USER}'@'%'"

        body = {**account, "level": "database", "database": "eddy_test_admin_shop", "privileges": ["SELECT"]}
        (sql,) = self.preview_then_run(grants, body, USER)
        assert sql == f"REVOKE INSERT ON `eddy_test_admin_shop`.* FROM '{USER}'@'%'"
        body = {**account, "level": "global", "privileges": ["PROCESS"]}
        (sql,) = self.preview_then_run(grants, body, USER)
        assert sql == f"GRANT PROCESS ON *.* TO '{USER}'@'%'"
        code, held = self.get_json(f"{grants}?{urllib.parse.urlencode(account)}")
        assert held["databases"]["eddy_test_admin_shop"] == ["SELECT"] and "PROCESS" in held["global"]
        assert held["tables"]["eddy_test_admin_shop.orders"] == ["UPDATE"]
        code, error = self.post(grants, {**account, "level": "global", "privileges": ["DROP DATABASE x"]})
        assert code == 400 and "Not a global privilege" in error["error"]

        (sql,) = self.preview_then_run("/api/server/users/password", {**account, "password": "n3w"}, USER)
        assert sql == f"ALTER USER '{USER}'@'%' IDENTIFIED BY '********'"
        Connection(replace(login, password="n3w")).close()
        with pytest.raises(DatabaseError):
            Connection(login)

        code, refused = self.post("/api/server/users/drop", account)
        assert code == 400 and "Confirmation required" in refused["error"]
        (sql,) = self.preview_then_run("/api/server/users/drop", account, USER)
        assert sql == f"DROP USER '{USER}'@'%'"
        code, data = self.get_json("/api/server/users")
        assert f"{USER}@%" not in {u["account"] for u in data["users"]}

    def test_an_all_privileges_account_shows_every_global_box_ticked(self):
        code, held = self.get_json(f"/api/server/users/grants?user={self.mariadb.user.user}&host=%25")
        assert "BINLOG MONITOR" in held["privileges"]["global"]  # this server's own names (MariaDB 10.5+)
        assert set(held["privileges"]["global"]) <= set(held["global"])
        body = {"user": self.mariadb.user.user, "host": "%", "level": "global", "dry_run": True}
        code, error = self.post("/api/server/users/grants", {**body, "privileges": held["privileges"]["global"]})
        assert code == 400 and "Nothing to change" in error["error"]

    def test_admin_api_needs_a_session(self):
        for name in [k for k in self.cookies if k.startswith("eddy_session")]:
            self.cookies.pop(name)
        response = self.request("/api/server/dashboard")
        assert response.code == 401 and "error" in json.loads(response.body)
        for page in ("/server", "/server/users", "/db/eddy_test_admin_shop/diagram"):
            response = self.request(page)
            assert response.code == 302 and response.headers["Location"].startswith("/login"), page
        response = self.request(
            "/api/db/eddy_test_admin_shop/drop", "POST", json.dumps({"confirm": "eddy_test_admin_shop"}),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        assert response.code == 403  # no xsrf token, no session: refused before anything runs
        assert self.db.get("SELECT 1 AS ok FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'eddy_test_admin_shop'")
