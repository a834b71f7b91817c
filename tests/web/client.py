"""A cookie-keeping helper around AsyncHTTPTestCase.fetch, acting like the app's own window, and the
pieces it shares with the raw client of the security tests (tests/security/client.py)."""

import json
import re
import urllib.parse
from http.cookies import SimpleCookie

from tornado.testing import AsyncHTTPTestCase

from core.app import EddyApplication
from core.config import new_launch_token

_ALERT = re.compile(r'role="alert"[^>]*>(.*?)</p>', re.S)
_TOKEN_META = re.compile(r'<meta name="xsrf-token" content="([^"]*)"')


def page_token(html: str) -> str:
    """The request token a page carries for its own scripts and forms ('' when it has none)."""
    match = _TOKEN_META.search(html)
    return match.group(1) if match else ""


def launch_cookie(cookies: dict[str, str]) -> str | None:
    """The launch cookie's value (its name carries the server's port)."""
    return next((v for k, v in cookies.items() if k.startswith("eddy_launch")), None)


def store_cookies(cookies: dict[str, str], set_cookie_values) -> None:
    """Apply Set-Cookie header values to a cookie jar as a browser does (expired or empty: removed)."""
    for value in set_cookie_values:
        jar = SimpleCookie()
        jar.load(value)
        for name, morsel in jar.items():
            if morsel["expires"] and "1970" in morsel["expires"] or morsel.value == "":
                cookies.pop(name, None)
            else:
                cookies[name] = morsel.value


def login_fields(params, database="") -> dict[str, str]:
    """The connect form's fields for a server's connection parameters."""
    return {
        "host": params.host,
        "port": str(params.port),
        "user": params.user,
        "password": params.password,
        "database": database,
    }


def alert_text(html: str) -> str:
    """The page's error message (its role="alert" paragraph), '' when there is none."""
    match = _ALERT.search(html)
    return match.group(1).strip() if match else ""


class EddyTestCase(AsyncHTTPTestCase):
    """Subclasses set self.token / self.data_dir in get_app; cookies persist across fetches."""

    def setUp(self):
        self.cookies: dict[str, str] = {}
        super().setUp()

    def request(self, path, method="GET", body=None, headers=None, **kwargs):
        headers = dict(headers or {})
        headers.setdefault("Host", f"127.0.0.1:{self.get_http_port()}")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.fetch(path, method=method, body=body, headers=headers, follow_redirects=False, **kwargs)
        store_cookies(self.cookies, response.headers.get_list("Set-Cookie"))
        return response

    def follow(self, path, method="GET", body=None, headers=None, limit=5):
        response = self.request(path, method, body, headers)
        while response.code in (301, 302, 303) and limit:
            path = urllib.parse.urlsplit(response.headers["Location"]).path or "/"
            response = self.request(path)
            limit -= 1
        return response

    def launch(self):
        """Exchange the launch token, as the window does on its first load."""
        return self.follow(f"/auth?token={self.token}")

    def xsrf(self) -> str:
        """The request token, read from a page as the app's scripts do (it is never in a cookie)."""
        launch = launch_cookie(self.cookies)
        if getattr(self, "_token_for", None) != launch or not launch:
            self._token = page_token(self.text(self.request("/login")))
            self._token_for = launch
        return self._token

    def post_form(self, path, fields: dict, **kwargs):
        body = urllib.parse.urlencode({**fields, "_xsrf": self.xsrf()})
        return self.request(path, "POST", body, **kwargs)

    def post_json(self, path, payload: dict, headers=None):
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json", **(headers or {})}
        return self.request(path, "POST", json.dumps(payload), headers=headers)

    def login(self, params, database=""):
        return self.post_form("/login", login_fields(params, database))

    @staticmethod
    def text(response) -> str:
        return response.body.decode("utf-8")

    @staticmethod
    def error_text(response) -> str:
        return alert_text(response.body.decode())


class AppCase(EddyTestCase):
    """A fresh EddyApplication for each test, its data folder under the class's data_root; the test
    module's class-scoped fixture sets data_root and mariadb (the private test server) on the class."""

    def get_app(self):
        self.token = new_launch_token()
        data_dir = self.data_root / self.id().rsplit(".", 1)[-1]
        data_dir.mkdir()
        self.app = EddyApplication(launch_token=self.token, data_dir=data_dir)
        return self.app

    def connect(self, database=""):
        """Launch and log in to the test server, as the window and its user do."""
        self.launch()
        response = self.login(self.mariadb.user, database)
        assert response.code == 302, self.text(response)
        return response


class ConnectedAppCase(AppCase):
    """AppCase, logged in (to `database`, '' for none) before each test."""

    database = ""

    def setUp(self):
        super().setUp()
        self.connect(self.database)
