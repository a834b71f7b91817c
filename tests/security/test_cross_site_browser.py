"""Browser mode: a page served by another process on 127.0.0.1 (another port) is *same-site* to Eddy.

It receives Eddy's cookies, can set cookies Eddy receives, and can make the browser send requests
with Eddy's cookies attached. Each attack page below runs in the same Chromium profile in which the
user opened Eddy's launch link and logged in; afterwards nothing has run on the database server,
no saved connection was added and Eddy's own tab still works.
"""

import http.server
import threading
import urllib.parse
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.security.test_browser_xss import watch_and_connect

PWNED = "eddy_pwned_"


def attack_pages(eddy: str) -> dict[str, str]:
    """Attack page bodies by path; {eddy} is Eddy's base URL (same host, another port)."""
    json_in_a_field_name = '{"sql": "CREATE DATABASE ' + PWNED + '%s", "x": "'
    # Cookie tossing from script too (same host, so these reach Eddy).
    toss = "document.cookie = '_xsrf=chosen; path=/'; document.cookie = '_xsrf=chosen; path=/api';"

    def form(name: str, action: str, enctype: str = "text/plain") -> str:
        return (
            "<!doctype html><meta name=referrer content=no-referrer>"
            f'<form id=f method=post enctype="{enctype}" action="{action}">'
            f"<input name='{json_in_a_field_name % name}' value='\"}}'></form>"
            f"<script>{toss} document.getElementById('f').submit();</script>"
        )

    api = f"{eddy}/api/query?_xsrf=chosen"
    no_cors = """<!doctype html><meta name=referrer content=no-referrer><title>running</title><script>
TOSS
const body = JSON.stringify({sql: "CREATE DATABASE PWNEDnocors"});
Promise.allSettled([
  fetch("API", {method: "POST", mode: "no-cors", credentials: "include", body,
                headers: {"Content-Type": "text/plain", "X-XSRFToken": "chosen"}}),
  fetch("EDDY/api/query", {method: "POST", mode: "no-cors", credentials: "include", body: new Blob([body])}),
  fetch("EDDY/api/transfer/upload?name=x.csv", {method: "POST", mode: "no-cors", credentials: "include",
                                                body: new Blob(["id\\n1\\n"])}),
  fetch("EDDY/api/sandbox/server-path", {method: "POST", mode: "no-cors", credentials: "include",
        headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "path=/bin/sh&_xsrf=chosen"}),
]).then(() => { document.title = "done"; });
</script>"""
    no_cors = no_cors.replace("TOSS", toss).replace("PWNED", PWNED).replace("API", api).replace("EDDY", eddy)
    return {
        "/form": form("form", api),
        "/redirect": form("redirect", "/bounce"),
        "/urlencoded": form("urlencoded", f"{eddy}/api/query?_xsrf=chosen", "application/x-www-form-urlencoded"),
        "/new-connection": (
            "<!doctype html><meta name=referrer content=no-referrer>"
            f'<form id=f method=post action="{eddy}/connections/new">'
            "<input name=_xsrf value=chosen><input name=name value=planted><input name=host value=evil.example>"
            "<input name=port value=3306><input name=user value=u></form>"
            f"<script>{toss} document.getElementById('f').submit();</script>"
        ),
        "/logout": (
            "<!doctype html>"
            f'<form id=f method=post action="{eddy}/logout"><input name=_xsrf value=chosen></form>'
            f"<script>{toss} document.getElementById('f').submit();</script>"
        ),
        "/no-cors": no_cors,
        "/toss": "<!doctype html><title>tossed</title>",
    }


@contextmanager
def attacker_server(eddy: str):
    """Another web server on 127.0.0.1, on its own port, serving the attack pages."""
    pages = attack_pages(eddy)
    port = urllib.parse.urlsplit(eddy).port

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Referrer-Policy", "no-referrer")
            # A server may set even HttpOnly cookies of 127.0.0.1: ports do not separate cookies.
            for path in ("/", "/api"):
                self.send_header("Set-Cookie", f"_xsrf=chosen; Path={path}; HttpOnly; SameSite=Strict")
            if self.path == "/toss":
                # Shadowing: cookies of Eddy's names on longer paths are sent *before* Eddy's own.
                # (Replacing a cookie whose exact name and path it learnt is possible for any server
                # on the host; that logs the user out but, without the request token, runs nothing.)
                for name in ("eddy_launch", "eddy_session", f"eddy_session_{port}", f"eddy_launch_{port}"):
                    for path in ("/api", "/sql", "/db"):
                        self.send_header("Set-Cookie", f"{name}=chosen; Path={path}; HttpOnly; SameSite=Strict")
            self.end_headers()
            self.wfile.write(body.encode())

        def do_POST(self):  # the redirect variant: bounce the POST (body kept) to Eddy
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(307)
            self.send_header("Location", f"{eddy}/api/query?_xsrf=chosen")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pwned_databases(admin) -> list[str]:
    conn = Connection(admin)
    try:
        return [r["Database"] for r in conn.query("SHOW DATABASES") if r["Database"].startswith(PWNED)]
    finally:
        conn.close()


@pytest.fixture
def clean_server(mariadb):
    conn = Connection(mariadb.admin)
    for name in pwned_databases(mariadb.admin):
        conn.execute(f"DROP DATABASE `{name}`")
    conn.close()
    yield
    leftovers = pwned_databases(mariadb.admin)
    conn = Connection(mariadb.admin)
    for name in leftovers:
        conn.execute(f"DROP DATABASE `{name}`")
    conn.close()


FORM_ATTACKS = ["/form", "/redirect", "/urlencoded", "/new-connection", "/logout"]


def test_pages_of_another_local_server_cannot_drive_eddy(page, running_app, mariadb, clean_server):
    dialogs, errors = watch_and_connect(page, running_app, mariadb)
    profiles_before = len(running_app.app.store.list_profiles())
    answers = []
    # The attacks are POSTs; Eddy's own pages (an error page with the schema tree) make same-origin
    # GETs of their own, which change nothing and are not what this test is about.
    page.on(
        "response",
        lambda r: (
            answers.append((r.status, r.url))
            if r.url.startswith(running_app.base_url) and r.request.method != "GET"
            else None
        ),
    )
    with attacker_server(running_app.base_url) as attacker:
        for path in FORM_ATTACKS:
            page.goto(attacker + path)
            page.wait_for_url(f"{running_app.base_url}/**")  # the form went to Eddy (or through the bounce)
            page.wait_for_load_state("load")
        page.goto(attacker + "/no-cors")
        page.wait_for_function("document.title === 'done'")
        page.goto(attacker + "/toss")

    assert pwned_databases(mariadb.admin) == [], "an attack page ran SQL"
    eddy_answers = [status for status, url in answers if "/api/" in url or "/logout" in url or "/connections" in url]
    assert eddy_answers and all(status in (403, 415) for status in eddy_answers), answers
    profiles_after = len(running_app.app.store.list_profiles())
    assert profiles_after == profiles_before, "an attack page saved a connection"
    assert running_app.app.store.get_setting("sandbox.server_path") in (None, "")

    # Eddy's own tab is still logged in and still works, tossed cookies notwithstanding.
    page.goto(running_app.base_url + "/")
    expect(page.locator("#databases")).to_be_visible()
    page.goto(running_app.base_url + "/sql")
    page.locator("#editor .cm-content").click()
    page.keyboard.type(f"CREATE DATABASE {PWNED}own_tab")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#run-status")).to_contain_text("Done", timeout=10_000)
    assert pwned_databases(mariadb.admin) == [f"{PWNED}own_tab"], "Eddy's own page must still work"
    assert dialogs == []
