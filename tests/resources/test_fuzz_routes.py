"""Every route, attacked with malformed input (seeded, ~20 cases each): never a 500, never a
traceback, always an answer within the time limit, and the database server left as it was.

The routes come from the app's own router (core/app.py), so a new route is fuzzed without being
listed here. Field names come from the handler's declared body schema (core/web/bodies.py) and
from what its source reads (`body.get("x")`, `get_query_argument("x")`, `get_body_argument("x")`).
"""

import inspect
import json
import random
import re
import sys
import time
import urllib.parse

import msgspec
import pytest
import tornado.web

from core.db import Connection
from core.web import bodies
from tests.security.client import Client

SEED = 14
CASES_PER_ROUTE = 20
TIME_LIMIT = 15.0
# Routes that start or stop servers or end the session: covered by their own tests, not fuzzed.
SKIPPED = {
    "/logout",
    "/api/sandbox/start",
    "/api/sandbox/stop",
    "/api/sandbox/reset",
    "/api/sandbox/delete",
    "/api/sandbox/sample",
}
METHODS = ("get", "post", "put", "delete")

_READS = re.compile(
    r"""(?:body|self\.read_json\(\))\.get\(\s*["'](\w+)["']|body\[\s*["'](\w+)["']\]"""
    r"""|get_(?:query|body)_argument\(\s*["'](\w+)["']"""
)
_GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")

DEEP = 50_000
HOSTILE_STRINGS = [
    "\ud800",  # a lone surrogate (sent as the JSON escape \\ud800)
    "x" * 100_000,
    "",
    " ",
    "`; DROP TABLE nothing_here; --",
    "../../etc/passwd",
    "\x00nul",
    "名前 🐍",
    "-1",
    "1e309",
    "null",
]
WRONG_VALUES = [0, -1, 2**70, 1.5, True, False, None, [], [1, "a"], {}, {"a": {"b": []}}, *HOSTILE_STRINGS]


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def handler_methods(handler) -> list[str]:
    return [m for m in METHODS if getattr(handler, m) is not getattr(tornado.web.RequestHandler, m)]


def field_names(handler) -> list[str]:
    names = set()
    schema = bodies.schema_for(handler)
    if schema is not None:
        names |= {f.name for f in msgspec.structs.fields(schema)}
    module = sys.modules[handler.__module__]
    for source in (inspect.getsource(handler), inspect.getsource(module)):
        for match in _READS.finditer(source):
            names.add(next(g for g in match.groups() if g))
    return sorted(names)


def fill_path(pattern: str, rng: random.Random, database: str) -> str:
    """A concrete path for a route pattern: real names for db/table, else a fitting random value."""

    def value(match):
        name, body = match.group(1), match.group(2)
        if "|" in body:
            return rng.choice(body.split("|"))
        if name == "db":
            return database
        if name == "table":
            return "people"
        if "0-9" in body or "\\d" in body:
            return str(rng.choice([0, 999999, 2**40]))
        return urllib.parse.quote(rng.choice(["zz_missing", "a-b_c", "x" * 60]), safe="")

    return _GROUP.sub(value, pattern).rstrip("$")


def json_cases(rng: random.Random, names: list[str]) -> list[bytes]:
    cases = [
        deep_json().encode(),
        b'{"a": ' + deep_json().encode() + b"}",
        b"[1, 2]",
        b'"text"',
        b"null",
        b"{not json",
        b'{"x": "\\ud800"}',
        b"\xff\xfe",
    ]
    for name in names:
        cases.append(json.dumps({name: rng.choice(WRONG_VALUES)}).encode())
        cases.append(b'{"' + name.encode() + b'": ' + deep_json(5000).encode() + b"}")
        cases.append(b'{"' + name.encode() + b'": "\\udc00"}')
        cases.append(json.dumps({n: rng.choice(WRONG_VALUES) for n in names}).encode())
    rng.shuffle(cases)
    return cases[:CASES_PER_ROUTE]


def query_cases(rng: random.Random, names: list[str]) -> list[str]:
    values = ["%ff%fe", "-1", "99999999999999999999999", "abc", "%00", "%5B%5D", "x" * 5000, "%ED%A0%80", ""]
    cases = ["", "?" + "&".join(f"{n}={rng.choice(values)}" for n in names)]
    for _ in range(CASES_PER_ROUTE - 2):
        picked = rng.sample(names, k=min(len(names), rng.randint(1, 3))) if names else ["q"]
        cases.append("?" + "&".join(f"{n}={rng.choice(values)}" for n in picked))
    return cases


def form_cases(rng: random.Random, names: list[str]) -> list[bytes]:
    values = ["%ff", "-1", "abc", "%00", "x" * 5000, "%ED%A0%80", ""]
    return [
        "&".join(f"{n}={rng.choice(values)}" for n in rng.sample(names, k=min(len(names), 3))).encode()
        for _ in range(min(CASES_PER_ROUTE, 8))
    ] or [b""]


def server_state(admin_params) -> tuple:
    conn = Connection(admin_params)
    try:
        databases = tuple(r.Database for r in conn.query("SHOW DATABASES"))
        tables = tuple(
            (r.TABLE_SCHEMA, r.TABLE_NAME, r.TABLE_ROWS if r.TABLE_TYPE == "VIEW" else None)
            for r in conn.query(
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') "
                "ORDER BY 1, 2"
            )
        )
        users = tuple(sorted((r.User, r.Host) for r in conn.query("SELECT User, Host FROM mysql.user")))
        people = conn.get("SELECT COUNT(*) AS n FROM eddy_test.people").n
    finally:
        conn.close()
    return databases, tables, users, people


@pytest.fixture
def eddy_client(mariadb, sample_db, data_dir):
    from core.app import EddyApplication
    from core.config import new_launch_token
    from core.server import ServerThread

    token = new_launch_token()
    app = EddyApplication(launch_token=token, data_dir=data_dir)
    app.lazy_routes.load()  # every route, also those that load after the first page
    server = ServerThread(app)
    base = server.start()
    client = Client(base)
    assert client.launch(token).status == 200
    assert client.login(mariadb.user).status == 302
    yield app, client
    server.stop()


def send(client: Client, method: str, path: str, body: bytes | None, content_type: str):
    headers = {"X-XSRFToken": client.xsrf()}
    if body is not None:
        headers["Content-Type"] = content_type
    started = time.monotonic()
    response = client.request(method.upper(), path, body=body, headers=headers)
    return response, time.monotonic() - started


def test_no_route_answers_malformed_input_with_a_500(eddy_client, mariadb, sample_db):
    app, client = eddy_client
    rng = random.Random(SEED)
    before = server_state(mariadb.admin)
    failures, sent = [], 0
    for rule in app.wildcard_router.rules:
        if not isinstance(rule.target, type):
            continue  # the lazy router's catch-all (its routes were loaded above)
        pattern, handler = rule.matcher.regex.pattern, rule.target
        if pattern.rstrip("$") in SKIPPED or not isinstance(handler, type):
            continue
        names = field_names(handler)
        for method in handler_methods(handler):
            path = fill_path(pattern, rng, sample_db)
            if method in ("post", "put"):
                reads_json = "read_json" in inspect.getsource(handler) or bodies.schema_for(handler) is not None
                if reads_json or path.startswith("/api/"):
                    cases = [(path, body, "application/json") for body in json_cases(rng, names)]
                else:
                    cases = [(path, body, "application/x-www-form-urlencoded") for body in form_cases(rng, names)]
            else:
                cases = [(path + query, None, "") for query in query_cases(rng, names)]
            for case_path, body, content_type in cases:
                response, elapsed = send(client, method, case_path, body, content_type)
                sent += 1
                what = f"{method.upper()} {case_path[:120]} {(body or b'')[:80]!r}"
                if response.status >= 500 and response.status not in (502, 503, 504):
                    failures.append(f"{response.status} {what}: {response.text[:200]}")
                if "Traceback" in response.text:
                    failures.append(f"traceback in {what}")
                if elapsed > TIME_LIMIT:
                    failures.append(f"{elapsed:.1f} s for {what}")
                if response.status == 401:  # a case logged us out (a session switch): log in again
                    assert client.login(mariadb.user).status == 302
    assert sent > 1000
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:40])
    assert server_state(mariadb.admin) == before, "fuzzing changed the database server"


def test_every_handler_that_reads_a_json_body_declares_its_schema(eddy_client):
    app, _ = eddy_client
    undeclared = sorted(
        f"{rule.target.__module__}.{rule.target.__qualname__}"
        for rule in app.wildcard_router.rules
        if isinstance(rule.target, type)
        and "read_json" in inspect.getsource(rule.target)
        and bodies.schema_for(rule.target) is None
    )
    assert not undeclared, f"add a schema in core/web/bodies.py for: {undeclared}"


def test_a_wrong_type_is_a_400_naming_the_field(eddy_client, sample_db):
    _, client = eddy_client
    response = client.post_json(f"/api/db/{sample_db}/table/people/rows", {"sort": 3})
    assert response.status == 400
    assert response.json()["error"] == "Field `$.sort`: expected `array | null`, got `int`"
    response = client.post_json("/api/transfer/preview", {"file": ["a"]})
    assert response.status == 400 and "$.file" in response.json()["error"]
    response = client.request(
        "POST", "/api/editor/saved", body=b'{"name": "\\ud800", "sql": "SELECT 1"}',
        headers={"X-XSRFToken": client.xsrf(), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status == 400 and "surrogate" in response.json()["error"]


def test_an_unexpected_error_in_an_api_handler_is_a_json_500_without_traceback(eddy_client):
    from core.web.base import ApiHandler

    class Broken(ApiHandler):
        def get(self):
            raise RuntimeError("secret internals: /home/user/.config")

    app, client = eddy_client
    app.wildcard_router.add_rules([(r"/api/test-broken", Broken)])
    response = client.get("/api/test-broken")
    assert response.status == 500
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "Internal Server Error", "status": 500}
    assert "Traceback" not in response.text and "secret" not in response.text
