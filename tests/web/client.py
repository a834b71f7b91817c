"""A cookie-keeping helper around AsyncHTTPTestCase.fetch, acting like the app's own window."""

import json
import re
import urllib.parse
from http.cookies import SimpleCookie

from tornado.testing import AsyncHTTPTestCase


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
        for value in response.headers.get_list("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
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
        if "_xsrf" not in self.cookies:
            self.request("/login")
        return self.cookies["_xsrf"]

    def post_form(self, path, fields: dict, **kwargs):
        body = urllib.parse.urlencode({**fields, "_xsrf": self.xsrf()})
        return self.request(path, "POST", body, **kwargs)

    def post_json(self, path, payload: dict, headers=None):
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json", **(headers or {})}
        return self.request(path, "POST", json.dumps(payload), headers=headers)

    def login(self, params, database=""):
        return self.post_form(
            "/login",
            {
                "host": params.host,
                "port": str(params.port),
                "user": params.user,
                "password": params.password,
                "database": database,
            },
        )

    @staticmethod
    def text(response) -> str:
        return response.body.decode("utf-8")

    @staticmethod
    def error_text(response) -> str:
        match = re.search(r'role="alert"[^>]*>(.*?)</p>', response.body.decode(), re.S)
        return match.group(1).strip() if match else ""
