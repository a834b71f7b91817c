"""A raw HTTP client for attacking a running Eddy: every header is ours to set or forge."""

import http.client
import json
import urllib.parse
from dataclasses import dataclass, field

from tests.web.client import alert_text, launch_cookie, login_fields, page_token, store_cookies


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Client:
    """Keeps cookies like a browser tab; `raw=True` requests send exactly the headers given."""

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    @property
    def own_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body=None, headers=None, cookies=True) -> Response:
        headers = dict(headers or {})
        headers.setdefault("Host", self.own_host)
        if cookies and self.cookies and "Cookie" not in headers:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read(), raw.headers.get_all("Set-Cookie") or [])
        finally:
            conn.close()
        if cookies:
            store_cookies(self.cookies, response.set_cookies)
        return response

    def get(self, path, **kw) -> Response:
        return self.request("GET", path, **kw)

    def follow(self, path, limit=5) -> Response:
        response = self.get(path)
        while response.status in (301, 302, 303) and limit:
            response = self.get(urllib.parse.urlsplit(response.headers["Location"]).path or "/")
            limit -= 1
        return response

    def launch(self, token: str) -> Response:
        return self.follow(f"/auth?token={urllib.parse.quote(token)}")

    def xsrf(self) -> str:
        """The request token, read from a page as the app's scripts do (it is never in a cookie)."""
        launch = launch_cookie(self.cookies)
        if getattr(self, "_token_for", None) != launch or not launch:
            self._token = page_token(self.get("/login").text)
            self._token_for = launch
        return self._token

    def post_form(self, path, fields: dict, xsrf=True, headers=None) -> Response:
        data = dict(fields)
        if xsrf:
            data["_xsrf"] = self.xsrf()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, urllib.parse.urlencode(data), headers=headers)

    def post_json(self, path, payload, xsrf=True, headers=None) -> Response:
        headers = {"Content-Type": "application/json", **(headers or {})}
        if xsrf:
            headers.setdefault("X-XSRFToken", self.xsrf())
        return self.request("POST", path, json.dumps(payload), headers=headers)

    def login(self, params, database="") -> Response:
        return self.post_form("/login", login_fields(params, database))


def error_text(response: Response) -> str:
    return alert_text(response.text)
