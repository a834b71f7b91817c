"""The connect screen's sandbox API through Tornado's test client."""

import json
import os
import shutil

import pytest

from core.services.connections.profiles import ensure_sandbox_profile
from core.services.sandbox.sample_data import SIZES
from tests.web.client import AppCase


@pytest.fixture(scope="class")
def env(request, mariadb, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("sandbox-web")


@pytest.mark.usefixtures("env")
class TestSandboxApi(AppCase):
    def get_app(self):
        super().get_app()
        # Probe the private test server, never the machine's own 3306.
        self.app.probe_ports = (self.mariadb.admin.port,)
        self.app.probe_sockets = ()
        return self.app

    def setUp(self):
        # Starting a server and loading 125k rows takes seconds on a busy machine (default: 5 s).
        self._old_timeout = os.environ.get("ASYNC_TEST_TIMEOUT")
        os.environ["ASYNC_TEST_TIMEOUT"] = "120"
        super().setUp()

    def request(self, path, method="GET", body=None, headers=None, **kwargs):
        kwargs.setdefault("request_timeout", 120)
        return super().request(path, method, body, headers, **kwargs)

    def tearDown(self):
        self.app.sandbox.delete()
        super().tearDown()
        if self._old_timeout is None:
            os.environ.pop("ASYNC_TEST_TIMEOUT", None)
        else:
            os.environ["ASYNC_TEST_TIMEOUT"] = self._old_timeout

    def json(self, response):
        return json.loads(response.body)

    def test_status_offers_the_detected_server_and_a_sandbox(self):
        assert self.request("/api/sandbox").code == 403, "needs the launch cookie like every page"
        self.launch()
        data = self.json(self.request("/api/sandbox"))
        assert data["sandbox"]["state"] == "absent"
        assert data["has_saved_connection"] is False
        assert [d["port"] for d in data["detected"]] == [self.mariadb.admin.port]
        assert "MariaDB" in data["detected"][0]["version"]

    def test_login_page_carries_the_panel(self):
        self.launch()
        body = self.text(self.request("/login"))
        assert 'id="sandbox-panel"' in body and "js/sandbox.js" in body and "css/sandbox.css" in body

    def test_sample_data_lands_logged_in_on_the_shop(self):
        self.launch()
        response = self.post_json("/api/sandbox/sample", {})
        assert response.code == 200, self.text(response)
        data = self.json(response)
        # The workspace window, the orders grid in its tab.
        assert data["redirect"] == "/workspace?open=/db/eddy_shop/table/orders" and data["rows"] == SIZES
        assert self.request(data["redirect"]).code == 200, "the workspace opens"
        assert self.request("/db/eddy_shop/table/orders").code == 200, "the orders grid opens"
        page = self.text(self.request("/db/eddy_shop"))
        for name in ("customers", "products", "orders", "order_items", "order_totals"):
            assert name in page
        status = self.json(self.request("/api/sandbox"))["sandbox"]
        assert status["state"] == "running" and status["sample_loaded"]

    def test_start_stop_and_delete(self):
        self.launch()
        assert self.json(self.post_json("/api/sandbox/start", {}))["redirect"] == "/workspace?open=/"
        assert self.request("/").code == 200, "logged in to the sandbox"
        saved = [p for p in self.app.store.list_profiles() if p.get("sandbox")]
        assert [p["name"] for p in saved] == ["Local sandbox"], "the sandbox gets one saved connection"
        assert self.json(self.post_json("/api/sandbox/stop", {}))["sandbox"]["state"] == "stopped"
        self.post_json("/api/sandbox/start", {})
        assert len([p for p in self.app.store.list_profiles() if p.get("sandbox")]) == 1, "made once"
        self.post_json("/api/sandbox/stop", {})
        assert self.json(self.post_json("/api/sandbox/delete", {}))["sandbox"]["state"] == "absent"
        assert not (self.app.sandbox.base / "data").exists()

    def test_starting_the_sandbox_while_connected_keeps_the_earlier_connection(self):
        self.launch()
        assert self.login(self.mariadb.user).code == 302
        (earlier,) = list(self.app.sessions._sessions)
        assert self.json(self.post_json("/api/sandbox/start", {}))["redirect"] == "/workspace?open=/"
        assert self.app.sessions.count() == 2
        # Still in this window's switcher: switching back to it works (an orphan would be refused).
        assert self.post_form("/connections/switch", {"session": earlier}).code == 302

    def test_missing_binary_is_a_clear_error(self):
        self.launch()
        self.app.sandbox.server_path = "/nowhere/mariadbd"
        response = self.post_json("/api/sandbox/start", {})
        assert response.code == 424
        assert "Install MariaDB" in self.json(response)["error"]

    def test_connecting_the_saved_sandbox_without_a_server_shows_the_form_again_with_502(self):
        """The connect form's one sandbox case: the message of the failure, the form, 502 (the server
        behind Eddy failed), though the sandbox API answers the same failure with 424."""
        self.launch()
        pid = ensure_sandbox_profile(self.app.store)
        self.app.sandbox.server_path = "/nowhere/mariadbd"
        response = self.post_form(f"/connections/{pid}/connect", {})
        assert response.code == 502, self.text(response)[:300]
        assert "Install MariaDB" in self.error_text(response) and "<form" in self.text(response)

    def test_sandbox_actions_need_xsrf(self):
        self.launch()
        response = self.request("/api/sandbox/start", "POST", "{}")
        assert response.code == 403

    def test_tour_dismissal_and_step_are_remembered(self):
        self.launch()
        assert self.json(self.request("/api/tour")) == {"dismissed": False, "step": 0}
        assert self.json(self.post_json("/api/tour", {"step": 2})) == {"dismissed": False, "step": 2}
        assert self.json(self.post_json("/api/tour", {"dismissed": True})) == {"dismissed": True, "step": 2}
        assert self.json(self.request("/api/tour")) == {"dismissed": True, "step": 2}
        assert self.request("/about/tour").code == 302
        assert self.json(self.request("/api/tour")) == {"dismissed": False, "step": 2}, "resumes where it was"
        for bad in ({"dismissed": "yes"}, {"step": "2"}, {"step": -1}, {"step": 10**12}, {"step": True}, {"step": 1.5}):
            response = self.post_json("/api/tour", bad)
            assert response.code == 400 and "error" in self.json(response), bad
        assert self.post_json("/api/tour", ["not", "an", "object"]).code == 400
        assert self.json(self.request("/api/tour")) == {"dismissed": False, "step": 2}

    def test_a_configured_server_path_is_checked_and_remembered(self):
        self.launch()
        bad = self.post_json("/api/sandbox/server-path", {"server_path": "/nowhere/mariadbd"})
        assert bad.code == 424 and "Install MariaDB" in self.json(bad)["error"]
        real = shutil.which("mariadbd", path="/usr/sbin:/usr/bin:/usr/local/sbin") or shutil.which("mysqld")
        good = self.post_json("/api/sandbox/server-path", {"server_path": real})
        assert good.code == 200, self.text(good)
        assert self.app.store.get_setting("sandbox.server_path") == real
        assert self.json(good)["sandbox"]["binary"] == real
