"""Attacks on the data endpoints: the table grid, the SQL editor, import/export, server
administration and the sandbox panel.

Each attack must be refused (a JSON {"error"} with a proper status) or harmless, nothing it smuggled
in may run (a SLEEP(5) must not delay the answer), and the server must be unchanged afterwards.
Cases are plain data (lists of Attack), like INJECTION_CASES in test_local_server.py.
"""

import json
import re
import threading
import time
import urllib.parse

import pytest

from core.db import Connection
from tests.security.client import Client, error_text
from tests.security.conftest import SEC_DB, XSS_COLUMN, XSS_TABLE, active_content, server_state
from tests.security.test_local_server import Attack, route_samples, seg
from tests.web.sql_editor import run_sql

GRID = f"/api/db/{SEC_DB}/table/canary"
SLEEP_SQL = "(SELECT SLEEP(5))"
NOT_SLEPT = 2.5  # seconds: well below the SLEEP(5) an attack smuggles in (a behaviour check, not a benchmark)

HOSTILE_NAMES = [
    "v`; DROP TABLE canary; -- ",
    "v` = 1 OR 1; -- ",
    "v'; DROP TABLE canary; -- ",
    'v"; DROP TABLE canary; -- ',
    SLEEP_SQL,
    "id`, (SELECT SLEEP(5)), `v",
    "v\\",
    "v\u0000",
]
HOSTILE_VALUES = [
    "alive' OR '1'='1",
    "x'; DROP TABLE canary; -- ",
    'x"; DROP TABLE canary; -- ',
    "x`; DROP TABLE canary; -- ",
    SLEEP_SQL,
    "1 OR SLEEP(5)",
    "\\'; DROP TABLE canary; -- ",
]
# As key values of the INT id: none starts with a digit, since MariaDB casts '1 OR x' to 1 (a value
# that really names row 1: the parameter did its job, and the change would rightly apply).
HOSTILE_KEY_VALUES = [v for v in HOSTILE_VALUES if not v[0].isdigit()]
ROW1 = {"id": 1}
ORIGINAL1 = {"id": 1, "v": "alive"}


def update(values, key=None, original=None):
    return {"id": "c1", "op": "update", "key": key or ROW1, "original": original or ORIGINAL1, "values": values}


def hostile_enum(items):
    return list(enumerate(items))


# -- grid: sort, filter, cells and edits -------------------------------------------------------
GRID_CASES = (
    [
        Attack(f"sort column {i}", "POST", f"{GRID}/rows", json={"sort": [{"column": n}]})
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(f"count sort column {i}", "POST", f"{GRID}/count", json={"sort": [{"column": n, "dir": "asc"}]})
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"sort direction {i}", "POST", f"{GRID}/rows", json={"sort": [{"column": "v", "dir": d}]}, ok_status=(200,)
        )
        for i, d in hostile_enum(["desc; DROP TABLE canary", SLEEP_SQL, "asc`, (SELECT SLEEP(5))"])
    ]
    + [Attack("sort not a list of objects", "POST", f"{GRID}/rows", json={"sort": ["v; DROP TABLE canary"]})]
    + [
        Attack(
            f"filter column {i}",
            "POST",
            f"{GRID}/rows",
            json={"filter": {"conditions": [{"column": n, "op": "=", "value": "alive"}]}},
        )
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"filter operator {i}",
            "POST",
            f"{GRID}/rows",
            json={"filter": {"conditions": [{"column": "v", "op": op, "value": "alive"}]}},
        )
        for i, op in hostile_enum(["= 'alive' OR 1=1 --", "; DROP TABLE canary", "IS NULL OR SLEEP(5)"])
    ]
    + [
        Attack(
            f"filter match {i}",
            "POST",
            f"{GRID}/count",
            json={"filter": {"match": m, "conditions": [{"column": "v", "op": "=", "value": "x"}] * 2}},
        )
        for i, m in hostile_enum(["or 1=1 or", "and SLEEP(5) and"])
    ]
    # Values are parameters: they match nothing (200, no rows), whatever they hold.
    + [
        Attack(
            f"filter value {i}",
            "POST",
            f"{GRID}/rows",
            json={"filter": {"conditions": [{"column": "v", "op": op, "value": v, "value2": v, "values": [v]}]}},
            ok_status=(200,),
        )
        for i, (op, v) in hostile_enum([(op, v) for v in HOSTILE_VALUES for op in ("=", "like", "in", "between")])
    ]
    + [
        Attack(
            "filter value as an object",
            "POST",
            f"{GRID}/rows",
            json={"filter": {"conditions": [{"column": "v", "op": "=", "value": {"sql": "1 OR 1"}}]}},
        )
    ]
    # The raw WHERE is the user's own SQL, but it stays one statement: a second one cannot ride along.
    + [
        Attack(f"raw where {i}", "POST", f"{GRID}/rows", json={"filter": {"raw": r}})
        for i, r in hostile_enum(
            ["1=1; DROP TABLE canary", "1=1) ; DROP TABLE canary; -- ", "1=1\n); DROP TABLE canary"]
        )
    ]
    + [
        Attack(f"cell column {i}", "POST", f"{GRID}/cell", json={"key": ROW1, "column": n})
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"cell key value {i}",
            "POST",
            f"{GRID}/cell",
            json={"key": {"id": v}, "column": "v"},
            ok_status=(200, 400, 404),
        )
        for i, v in hostile_enum(HOSTILE_VALUES)
    ]
    + [
        Attack(f"cell key column {i}", "POST", f"{GRID}/cell", json={"key": {n: 1}, "column": "v"})
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"download column {i}",
            "GET",
            f"{GRID}/download?" + urllib.parse.urlencode({"key": json.dumps(ROW1), "column": n}),
        )
        for i, n in hostile_enum(HOSTILE_NAMES[:-1])  # Tornado drops control characters from query arguments
    ]
    + [
        Attack(f"apply: update column {i}", "POST", f"{GRID}/apply", json={"changes": [update({n: "pwned"})]})
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]  # fmt: skip
    + [
        Attack(
            f"apply: insert column {i}",
            "POST",
            f"{GRID}/apply",
            json={"changes": [{"op": "insert", "values": {"id": 9, n: "x"}}]},
        )
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"apply: key column {i}", "POST", f"{GRID}/apply", json={"changes": [update({"v": "pwned"}, key={n: 1})]}
        )
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    + [
        Attack(
            f"apply: original column {i}",
            "POST",
            f"{GRID}/apply",
            json={"changes": [update({"v": "pwned"}, original={"id": 1, n: "alive"})]},
        )
        for i, n in hostile_enum(HOSTILE_NAMES)
    ]
    # A hostile key value names no row: the guard refuses the change (200, ok false), nothing is written.
    + [
        Attack(
            f"apply: {op} key value {i}",
            "POST",
            f"{GRID}/apply",
            json={"changes": [{**update({"v": "pwned"}, key={"id": v}, original={"id": v}), "op": op}]},
            ok_status=(200, 400),
        )
        for op in ("update", "delete")
        for i, v in hostile_enum(HOSTILE_KEY_VALUES)
    ]
    + [
        Attack(
            f"apply: delete original value {i}",
            "POST",
            f"{GRID}/apply",
            json={"changes": [{"op": "delete", "key": ROW1, "original": {"id": 1, "v": v}}]},
            ok_status=(200, 400),
        )
        for i, v in hostile_enum(HOSTILE_VALUES)
    ]
    + [
        Attack(f"apply: op {i}", "POST", f"{GRID}/apply", json={"changes": [{**update({"v": "x"}), "op": o}]})
        for i, o in hostile_enum(["drop", "update; DROP TABLE canary", None])
    ]
    + [
        Attack(f"apply: changes {i}", "POST", f"{GRID}/apply", json={"changes": c})
        for i, c in hostile_enum(["DROP TABLE canary", {"op": "delete"}, [1]])
    ]
)


def send(client: Client, attack: Attack):
    started = time.monotonic()
    if attack.method == "GET":
        response = client.get(attack.path)
    else:
        response = client.post_json(attack.path, attack.json)
    return response, time.monotonic() - started


def assert_refused_or_harmless(response, elapsed, attack: Attack):
    assert response.status in attack.ok_status, f"{attack.id} -> {response.status}: {response.text[:300]}"
    assert elapsed < NOT_SLEPT, f"{attack.id}: took {elapsed:.1f} s — smuggled SQL ran"
    assert "Traceback" not in response.text
    if response.status >= 400:
        assert response.headers["Content-Type"].startswith("application/json"), attack.id
        assert response.json()["error"], attack.id
    elif response.headers.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        assert data.get("ok") is not True or not data.get("affected"), f"{attack.id} changed rows: {data}"
        if attack.json and "filter" in attack.json:  # a value is compared, never run: it matches no row
            assert not data.get("rows"), f"{attack.id} matched rows: {data.get('rows')}"
        if attack.json and "sort" in attack.json:  # the direction is a keyword chosen by Eddy, never the text sent
            assert "DROP" not in data["sql"] and "SLEEP" not in data["sql"], data["sql"]


@pytest.mark.parametrize("attack", GRID_CASES, ids=lambda a: a.id)
def test_grid_sort_filter_cells_and_edits_with_hostile_names_and_values(eddy, unchanged, attack):
    response, elapsed = send(eddy.tab(), attack)
    assert_refused_or_harmless(response, elapsed, attack)


def test_grid_still_serves_the_table_it_was_attacked_through(eddy):
    """Control: the refusals above come from validation, not from a broken endpoint."""
    rows = eddy.tab().post_json(f"{GRID}/rows", {"sort": [{"column": "v", "dir": "desc"}]})
    assert rows.status == 200 and [r[1] for r in rows.json()["rows"]] == ["still alive", "alive"]
    cell = eddy.tab().post_json(f"{GRID}/cell", {"key": ROW1, "column": "v"})
    assert cell.status == 200 and cell.json()["value"] == "alive"


def test_grid_download_name_of_a_hostile_column_is_encoded(eddy, unchanged):
    query = urllib.parse.urlencode({"key": json.dumps({"id": 1}), "column": XSS_COLUMN})
    response = eddy.tab().get(f"/api/db/{SEC_DB}/table/{seg(XSS_TABLE)}/download?{query}")
    assert response.status == 200
    disposition = response.headers.get_all("Content-Disposition")
    assert len(disposition) == 1
    assert_safe_disposition(disposition[0], f"{XSS_TABLE}.{XSS_COLUMN}.txt")  # a TEXT column: saved as text
    assert response.headers["Content-Type"] == "application/octet-stream"


# -- a read-only profile -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reader(eddy, mariadb) -> Client:
    """A tab of the user's window connected through a saved read-only profile (password typed, not kept)."""
    tab = eddy.tab()
    fields = {
        "name": "Prod (read-only)",
        "color": "red",
        "host": mariadb.user.host,
        "port": str(mariadb.user.port),
        "user": mariadb.user.user,
        "database": SEC_DB,
        "tls_mode": "off",
        "ssh_port": "22",
        "ssh_auth": "password",
        "read_only": "on",
    }
    response = tab.post_form("/connections/new", fields)
    assert response.status == 302, error_text(response) or response.text[:300]
    page = tab.get("/connections").text
    pid = page.split('data-profile-id="')[-1].split('"')[0]
    response = tab.post_form(f"/connections/{pid}/connect", {"db_password": mariadb.user.password})
    assert response.status == 302, error_text(response) or response.text[:300]
    assert run_sql(tab, "SELECT @@tx_read_only").rows == [[1]]
    return tab


READ_ONLY_EDITS = [
    [update({"v": "pwned"})],
    [{"id": "c1", "op": "insert", "values": {"id": 7, "v": "intruder"}}],
    [{"id": "c1", "op": "delete", "key": ROW1, "original": ORIGINAL1}],
    [{"id": "c1", "op": "delete", "key": {"id": 2}, "original": {"id": 2, "v": "still alive"}}, update({"v": "x"})],
]


@pytest.mark.parametrize("changes", READ_ONLY_EDITS, ids=["update", "insert", "delete", "delete+update"])
def test_read_only_profile_refuses_every_grid_edit(reader, unchanged, changes):
    response = reader.post_json(f"{GRID}/apply", {"changes": changes})
    assert response.status == 403, response.text[:300]
    assert "read-only" in response.json()["error"].lower()


def test_read_only_profile_still_reads_the_grid(reader):
    response = reader.post_json(f"{GRID}/rows", {})
    assert response.status == 200 and len(response.json()["rows"]) == 2


# -- SQL editor ----------------------------------------------------------------------------------
def run_job(client: Client, sql: str, **fields) -> dict:
    """Start a query job and follow it (long polls, no sleeping) until it finishes."""
    response = client.post_json("/api/query", {"sql": sql, "database": SEC_DB, "wait": 1, **fields})
    assert response.status == 200, response.text[:300]
    job = response.json()
    deadline = time.monotonic() + 20
    while job["state"] in ("running", "confirm") and time.monotonic() < deadline:
        if job["state"] == "confirm":  # the user says yes to the DROP/UPDATE: read-only must still refuse
            confirmed = client.post_json(f"/api/query/{job['id']}/confirm", {"index": job["pending"]["index"]})
            assert confirmed.status == 200, confirmed.text[:300]
        job = client.get(f"/api/query/{job['id']}?after={job['version']}").json()
    assert job["state"] not in ("running", "confirm")
    return job


READ_ONLY_SCRIPTS = [
    "SELECT 1; DROP TABLE canary; UPDATE canary SET v = 'pwned'",
    "UPDATE canary SET v = 'pwned'; SELECT 1",
    "SELECT 1;\n/*!50000 DELETE FROM canary */;\nINSERT INTO canary VALUES (9, 'x')",
    "SET SESSION TRANSACTION READ WRITE; DELETE FROM canary",
    "SELECT 1; CREATE TABLE intruder (i INT); DROP DATABASE eddy_sec",
    "DO 1; LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE canary",
]


@pytest.mark.parametrize("script", READ_ONLY_SCRIPTS, ids=range(len(READ_ONLY_SCRIPTS)))
@pytest.mark.parametrize("on_error", ["stop", "continue"])
def test_read_only_profile_refuses_multi_statement_scripts(reader, unchanged, script, on_error):
    job = run_job(reader, script, on_error=on_error)
    errors = [r["error"]["message"] for r in job["results"] if r.get("error")]
    assert errors and all("read-only" in e.lower() for e in errors), job["results"]


def test_read_only_profile_refuses_changes_through_explain_analyze(reader, unchanged):
    response = reader.post_json("/api/explain", {"sql": "DELETE FROM canary", "database": SEC_DB, "analyze": True})
    assert response.status in (400, 403) and response.json()["error"]


XSS_NAMES = ["<script>alert('saved')</script>", '"><img src=x onerror=alert(7)>', "</title><script>alert(8)</script>"]


def test_saved_query_names_and_tab_titles_are_data_never_markup(eddy):
    tab = eddy.tab()
    for name in XSS_NAMES:
        response = tab.post_json("/api/editor/saved", {"name": name, "sql": f"SELECT '{name}'", "database": SEC_DB})
        assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
    tabs = [
        {"id": f"t{i}", "title": name, "sql": "SELECT 1", "database": XSS_TABLE} for i, name in enumerate(XSS_NAMES)
    ]
    assert tab.request("PUT", "/api/editor/tabs", json.dumps({"tabs": tabs}), headers=json_headers(tab)).status == 200
    saved = tab.get("/api/editor/saved")
    assert saved.headers["Content-Type"].startswith("application/json")
    assert {r["name"] for r in saved.json()["saved"]} >= set(XSS_NAMES)
    assert [t["title"] for t in tab.get("/api/editor/tabs").json()["tabs"]] == XSS_NAMES
    for path in ("/sql", f"/db/{SEC_DB}/sql", f"/db/{seg(XSS_TABLE)}/sql"):
        page = tab.get(path)
        assert page.status == 200, path
        for name in [*XSS_NAMES, XSS_TABLE]:
            assert name not in page.text, path
        assert active_content(page.text) == [], path


def json_headers(client: Client) -> dict:
    return {"Content-Type": "application/json", "X-XSRFToken": client.xsrf()}


EDITOR_CASES = [
    Attack("tab id", "POST", "/api/query", json={"sql": "SELECT 1", "tab": "x'; DROP TABLE canary"}),
    Attack("mode", "POST", "/api/query", json={"sql": "SELECT 1", "mode": "all; DROP TABLE canary"}),
    Attack("cursor", "POST", "/api/query", json={"sql": "SELECT 1", "cursor": SLEEP_SQL}),
    Attack(
        "database",
        "POST",
        "/api/query",
        json={"sql": "SELECT 1", "database": "eddy_sec`; DROP TABLE canary; -- "},
        ok_status=(200, 400, 404),
    ),
    Attack("empty", "POST", "/api/query", json={"sql": ["DROP TABLE canary"]}),
    Attack("job id", "GET", "/api/query/..%2f..%2fetc/rows"),
    Attack("job rows window", "GET", "/api/query/nope/rows?from=0;DROP&count=1"),
    Attack("job export format", "GET", "/api/query/nope/export?format=../../x"),
    Attack("saved query id", "DELETE", "/api/editor/saved/1%20OR%201=1"),
    Attack("tabs", "PUT", "/api/editor/tabs", json={"tabs": [{"id": "../x", "sql": "SELECT 1"}]}),
    Attack("options", "PUT", "/api/editor/options", json={"on_error": "continue; DROP TABLE canary"}),
]


@pytest.mark.parametrize("attack", EDITOR_CASES, ids=lambda a: a.id)
def test_sql_editor_fields_are_validated(eddy, unchanged, attack):
    tab = eddy.tab()
    started = time.monotonic()
    if attack.method == "POST":
        response = tab.post_json(attack.path, attack.json)
    else:
        body = json.dumps(attack.json) if attack.json is not None else None
        response = tab.request(attack.method, attack.path, body, headers=json_headers(tab))
    assert_refused_or_harmless(response, time.monotonic() - started, attack)


# -- import / export -----------------------------------------------------------------------------
CSV_WITH_SCRIPT = b"id,v\n3,<script>alert('import')</script>\n4,<img src=x onerror=alert(9)>\n"


def upload(client: Client, data: bytes, name: str = "data.csv") -> dict:
    path = "/api/transfer/upload?" + urllib.parse.urlencode({"name": name})
    headers = {"X-XSRFToken": client.xsrf(), "Content-Type": "application/octet-stream"}
    response = client.request("POST", path, data, headers=headers)
    assert response.status == 200, response.text[:300]
    return response.json()


def finish(eddy, client: Client, response) -> dict:
    """Wait (on the job's own event) for an import/export job started by `response`."""
    assert response.status == 200, response.text[:300]
    job_id = response.json()["id"]
    job = eddy.app.jobs.get(job_id)
    assert job.wait(20)
    return client.get(f"/api/jobs/{job_id}").json()


def test_import_preview_shows_script_cells_and_hostile_file_names_as_data(eddy, unchanged):
    tab = eddy.tab()
    token = upload(tab, CSV_WITH_SCRIPT, name="../../<script>alert(1)</script>.csv")["file"]
    response = tab.post_json("/api/transfer/preview", {"file": token, "database": SEC_DB, "table": "canary"})
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["rows"][0] == ["3", "<script>alert('import')</script>"]
    assert "/" not in data["name"] and not data["name"].startswith(".")  # a name, never a path
    page = tab.get(f"/db/{SEC_DB}/table/canary")
    assert active_content(page.text) == []


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_import_into_a_hostile_table_name_is_quoted_never_executed(eddy, unchanged, name):
    tab = eddy.tab()
    token = upload(tab, CSV_WITH_SCRIPT)["file"]
    preview = tab.post_json("/api/transfer/preview", {"file": token, "database": SEC_DB, "table": name})
    assert preview.status in (400, 404) and preview.json()["error"]
    started = time.monotonic()
    job = finish(eddy, tab, tab.post_json("/api/transfer/import", {"file": token, "database": SEC_DB, "table": name}))
    assert job["state"] == "failed" and job["error"], job
    assert "does not exist" in job["error"] or "doesn't exist" in job["error"], job["error"]
    assert time.monotonic() - started < NOT_SLEPT


@pytest.mark.parametrize("column", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_import_mapping_with_hostile_column_names_is_quoted_never_executed(eddy, unchanged, column):
    tab = eddy.tab()
    token = upload(tab, CSV_WITH_SCRIPT)["file"]
    body = {"file": token, "database": SEC_DB, "table": "canary", "mapping": [{"column": column, "source": 1}]}
    started = time.monotonic()
    job = finish(eddy, tab, tab.post_json("/api/transfer/import", body))
    assert job["state"] == "failed" and job["error"], job
    assert time.monotonic() - started < NOT_SLEPT


@pytest.mark.parametrize(
    "mapping", [["v`; DROP TABLE canary"], {"column": "v"}, [{"column": "v", "source": "1; DROP TABLE canary"}], "v"]
)
def test_import_mapping_of_the_wrong_shape_is_a_400(eddy, unchanged, mapping):
    tab = eddy.tab()
    token = upload(tab, CSV_WITH_SCRIPT)["file"]
    body = {"file": token, "database": SEC_DB, "table": "canary", "mapping": mapping}
    response = tab.post_json("/api/transfer/import", body)
    assert response.status == 400, response.text[:300]
    assert response.json()["error"]


@pytest.mark.parametrize(
    "create_sql",
    [
        "CREATE TABLE intruder (id INT, v TEXT); DROP TABLE canary",
        "CREATE TABLE intruder (id INT, v TEXT) AS SELECT 1 AS id, 'x' AS v; DROP TABLE canary",
        "DROP TABLE canary",
        "CREATE TABLE `eddy_sec`.`canary` (id INT, v TEXT)",
    ],
)
def test_import_create_table_runs_one_create_statement_only(eddy, unchanged, create_sql):
    tab = eddy.tab()
    token = upload(tab, CSV_WITH_SCRIPT)["file"]
    response = tab.post_json("/api/transfer/import", {"file": token, "database": SEC_DB, "create_sql": create_sql})
    job = finish(eddy, tab, response)
    assert job["state"] == "failed" and job["error"], job


@pytest.mark.parametrize("method", ["load_data", "insert"])
def test_read_only_profile_refuses_imports_and_load_data_local(eddy, reader, unchanged, method):
    token = upload(reader, CSV_WITH_SCRIPT)["file"]
    body = {"file": token, "database": SEC_DB, "table": "canary", "options": {"method": method}}
    job = finish(eddy, reader, reader.post_json("/api/transfer/import", body))
    assert job["state"] == "failed" and re.search("read.only", job["error"], re.I), job


def test_read_only_profile_refuses_a_sql_script_import(eddy, reader, unchanged):
    script = b"SELECT 1;\nDROP TABLE canary;\nLOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE canary;\n"
    token = upload(reader, script, name="attack.sql")["file"]
    body = {"file": token, "database": SEC_DB, "stop_on_error": False}
    job = finish(eddy, reader, reader.post_json("/api/transfer/sql-import", body))
    text = json.dumps(job).lower()
    assert "read-only" in text, job


def test_read_only_profile_export_cannot_run_a_change(eddy, reader, unchanged):
    body = {"database": SEC_DB, "sql": "DELETE FROM canary", "options": {"format": "csv"}}
    job = finish(eddy, reader, reader.post_json("/api/transfer/export", body))
    assert job["state"] == "failed" and job["error"], job  # refused by the guard or as a non-SELECT


def test_export_never_writes_to_a_path_sent_by_the_browser(eddy, unchanged, tmp_path):
    tab = eddy.tab()
    target = tmp_path / "evil.csv"
    base = {"database": SEC_DB, "table": "canary", "options": {"format": "csv"}}
    for target_field in (str(target), f"file://{target}", "../../" + target.name):
        response = tab.post_json("/api/transfer/export", {**base, "target": target_field})
        assert response.status == 404 and response.json()["error"], response.text[:300]
    # Unknown fields naming a path are ignored: the export goes to a temp file, handed back by token.
    body = {**base, "path": str(target), "options": {"format": "csv", "path": str(target), "target": str(target)}}
    job = finish(eddy, tab, tab.post_json("/api/transfer/export", body))
    assert job["state"] == "done", job
    assert not target.exists()
    assert job["result"]["download"] and "path" not in job["result"]
    # And a token of one purpose cannot be used for another (an upload is not an export target).
    token = upload(tab, b"id,v\n")["file"]
    assert tab.post_json("/api/transfer/export", {**base, "target": token}).status == 404


def test_download_tokens_are_tokens_not_paths(eddy):
    tab = eddy.tab()
    for path in ("/api/transfer/download/..%2f..%2fetc%2fpasswd", "/api/transfer/download/%2fetc%2fpasswd",
                 "/api/transfer/download/nope"):  # fmt: skip
        response = tab.get(path)
        assert response.status == 404 and response.json()["error"], path
        assert b"root:" not in response.body


def session_id_of(eddy, client: Client) -> str:
    import tornado.web

    raw = tornado.web.decode_signed_value(
        eddy.app.settings["cookie_secret"], f"eddy_session_{client.port}", client.cookies[f"eddy_session_{client.port}"]
    )
    return raw.decode().partition("|")[0]


DOWNLOAD_NAMES = [
    'quote"; filename="evil.exe',
    "line\r\nSet-Cookie: eddy_session=stolen",
    "new\nline.csv",
    "back\\slash.csv",
    "résumé 日本語.csv",
    "semi;colon, comma.csv",
    "percent%20and'apostrophe.csv",
]


@pytest.mark.parametrize("name", DOWNLOAD_NAMES, ids=range(len(DOWNLOAD_NAMES)))
def test_download_file_names_cannot_inject_headers_and_non_ascii_is_rfc5987(eddy, tmp_path, name):
    tab = eddy.tab()
    file = tmp_path / "export.csv"
    file.write_text("id,v\n1,alive\n")
    # Exports are named from table names, which may hold any character: add one as an export would.
    entry = eddy.app.transfer_files.add(file, name, session_id_of(eddy, tab), temporary=False, purpose="download")
    response = tab.get(f"/api/transfer/download/{entry.token}")
    assert response.status == 200, response.text[:300]
    assert response.body == b"id,v\n1,alive\n"
    assert not [c for c in response.set_cookies if "stolen" in c]
    assert not [h for h in response.headers.get_all("Set-Cookie") or [] if "stolen" in h]
    dispositions = response.headers.get_all("Content-Disposition")
    assert len(dispositions) == 1
    expected = name.replace("\r", "_").replace("\n", "_")
    assert_safe_disposition(dispositions[0], expected)


def assert_safe_disposition(value: str, name: str) -> None:
    """attachment; filename="<ascii, no quote/backslash/control>"; filename*=UTF-8''<pct-encoded>"""
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in value), repr(value)
    match = re.fullmatch(r'attachment(?:; filename="([^"\\]*)")?; filename\*=UTF-8\'\'(\S+)', value)
    assert match, f"not one well-formed attachment header: {value!r}"
    plain, encoded = match.groups()
    assert plain is None or all(32 <= ord(ch) < 127 for ch in plain), value
    attr_chars = set("!#$&+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%")
    assert set(encoded) <= attr_chars, f"not RFC 5987 attr-chars: {encoded!r}"
    assert urllib.parse.unquote(encoded, encoding="utf-8", errors="strict") == name


# -- server administration -----------------------------------------------------------------------
HOSTILE_ACCOUNTS = [
    ("eve'@'%'; DROP USER root; --", "%"),
    ("m`a\"l\\l'o", "lo'cal`host\""),
    ("<script>alert('u')</script>", "10.0.0.%"),
]


@pytest.mark.parametrize("user,host", HOSTILE_ACCOUNTS, ids=range(len(HOSTILE_ACCOUNTS)))
def test_admin_user_names_and_hosts_are_quoted_in_create_grant_drop(eddy, mariadb, unchanged, user, host):
    tab = eddy.tab()
    before = set(server_state(mariadb.admin)["users"])
    try:
        preview = tab.post_json(
            "/api/server/users", {"user": user, "host": host, "password": "pw'; --", "dry_run": True}
        )
        assert preview.status == 200 and "pw'; --" not in json.dumps(preview.json())
        assert set(server_state(mariadb.admin)["users"]) == before, "a preview ran"
        response = tab.post_json(
            "/api/server/users", {"user": user, "host": host, "password": "pw'; --", "confirm": user}
        )
        assert response.status == 200, response.text[:300]
        assert set(server_state(mariadb.admin)["users"]) == before | {(user, host)}
        grant = {"user": user, "host": host, "level": "database", "database": SEC_DB, "privileges": ["SELECT"]}
        response = tab.post_json("/api/server/users/grants", {**grant, "confirm": user})
        assert response.status == 200, response.text[:300]
        grants = tab.get("/api/server/users/grants?" + urllib.parse.urlencode({"user": user, "host": host}))
        assert grants.status == 200 and grants.json()["databases"] == {SEC_DB: ["SELECT"]}, grants.text[:300]
        assert set(server_state(mariadb.admin)["users"]) == before | {(user, host)}
        # Destructive: refused without the confirmation, or with a wrong one.
        for confirm in (None, "", "root", True, [user], user + " "):
            body = {"user": user, "host": host} | ({"confirm": confirm} if confirm is not None else {})
            response = tab.post_json("/api/server/users/drop", body)
            assert response.status == 400 and "onfirm" in response.json()["error"], confirm
        assert (user, host) in set(server_state(mariadb.admin)["users"])
        response = tab.post_json("/api/server/users/drop", {"user": user, "host": host, "confirm": user})
        assert response.status == 200, response.text[:300]
        assert set(server_state(mariadb.admin)["users"]) == before
    finally:
        conn = Connection(mariadb.admin)
        conn.execute("DROP USER IF EXISTS %s@%s", user, host)
        conn.close()


KILL_IDS = ["abc", "1;DROP TABLE canary", "1 OR 1=1", "-1", "1.5", "0x10", "%27", "99999999999999999999999"]


@pytest.mark.parametrize("pid", KILL_IDS)
def test_kill_ids_that_are_not_process_numbers_are_refused(eddy, unchanged, pid):
    response = eddy.tab().post_json(f"/api/server/processes/{seg(pid)}/kill", {"confirm": pid, "what": "connection"})
    assert response.status in (400, 404), response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json") and response.json()["error"]


def test_kill_refuses_a_bad_kind_and_a_missing_confirmation(eddy, mariadb, unchanged):
    victim = Connection(mariadb.admin)
    try:
        pid = victim.thread_id
        tab = eddy.tab()
        for body in (
            {"what": "connection"},
            {"what": "connection", "confirm": "1"},
            {"what": "connection", "confirm": pid},
            {"what": "connection; DROP TABLE canary", "confirm": str(pid)},
            {"what": "QUERY 1; KILL", "confirm": str(pid)},
        ):
            response = tab.post_json(f"/api/server/processes/{pid}/kill", body)
            assert response.status == 400 and response.json()["error"], body
        assert victim.get("SELECT 1 AS one")["one"] == 1, "the connection was killed"
    finally:
        victim.close()


def test_processlist_query_text_is_returned_as_data(eddy, mariadb):
    marker = "<script>alert('ps')</script>"
    busy = Connection(mariadb.admin)
    pid = busy.thread_id
    thread = threading.Thread(target=lambda: _quietly(busy.query, f"SELECT SLEEP(20) AS `{marker}`"), daemon=True)
    thread.start()
    try:
        tab = eddy.tab()
        deadline, found = time.monotonic() + 10, None
        while found is None and time.monotonic() < deadline:
            response = tab.get("/api/server/processes")
            assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
            found = next((p for p in response.json()["processes"] if p["id"] == pid and p["info"]), None)
        assert found is not None and marker in found["info"]
        page = tab.get("/server/processes")
        assert page.status == 200 and active_content(page.text) == [] and marker not in page.text
    finally:
        killer = Connection(mariadb.admin)
        killer.execute(f"KILL QUERY {int(pid)}")
        killer.close()
        thread.join(10)
        busy.close()


def _quietly(fn, *args):
    try:
        fn(*args)
    except Exception:  # the query is killed on purpose
        pass


DESTRUCTIVE = [
    (f"/api/db/{SEC_DB}/table/canary/drop", {}),
    (f"/api/db/{SEC_DB}/table/canary/truncate", {"confirm": "eddy_sec"}),
    (f"/api/db/{SEC_DB}/table/canary/rename", {"new_name": "gone"}),
    (f"/api/db/{SEC_DB}/drop", {"confirm": "canary"}),
    (f"/api/db/{SEC_DB}/drop", {"confirm": True}),
    (f"/api/db/{SEC_DB}/rename", {"new_name": "x", "confirm": ["eddy_sec"]}),
    (f"/api/db/{SEC_DB}/table/canary/alter", {"form": {"columns": []}}),
    ("/api/server/variables/max_connections", {"value": "1", "scope": "global"}),
]


@pytest.mark.parametrize("path,body", DESTRUCTIVE, ids=[f"{p} {b}" for p, b in DESTRUCTIVE])
def test_destructive_actions_without_their_confirmation_are_refused(eddy, unchanged, path, body):
    response = eddy.tab().post_json(path, body)
    assert response.status == 400, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json") and response.json()["error"]
    preview = eddy.tab().post_json(path, {**body, "dry_run": True})
    assert preview.status in (200, 400), preview.text[:300]  # a preview runs nothing


# -- the sandbox panel and every other state-changing endpoint: xsrf and the launch cookie ------------
SANDBOX_POSTS = [
    "/api/sandbox/start",
    "/api/sandbox/stop",
    "/api/sandbox/reset",
    "/api/sandbox/delete",
    "/api/sandbox/sample",
    "/api/sandbox/server-path",
    "/api/tour",
]


@pytest.mark.parametrize("path", SANDBOX_POSTS)
def test_sandbox_panel_posts_need_xsrf_and_the_launch_cookie(eddy, path):
    running = eddy.app.sandbox.running
    tab = eddy.tab()
    body = json.dumps({"path": "/bin/sh", "confirm": "delete"})
    response = tab.request("POST", path, body, headers={"Content-Type": "application/json"})
    assert response.status == 403 and "xsrf" in response.json()["error"], path
    thief = eddy.outsider()
    thief.cookies = {k: v for k, v in tab.cookies.items() if not k.startswith("eddy_launch")}
    response = thief.post_json(path, {"path": "/bin/sh"}, headers={"X-XSRFToken": tab.xsrf()})
    assert response.status == 403 and response.json()["error"], path
    assert eddy.app.sandbox.running == running
    assert eddy.app.store.get_setting("sandbox.server_path") in (None, "")


def test_every_state_changing_route_needs_the_xsrf_token(eddy, unchanged):
    tab = eddy.tab()
    paths = sorted(p for p in route_samples(eddy.app) if not p.startswith("/static/") and p != "/auth")
    assert any(p.startswith("/api/sandbox") for p in paths) and any("/apply" in p for p in paths)
    for path in paths:
        for method in ("POST", "PUT", "DELETE"):
            body = json.dumps({"sql": f"DROP TABLE {SEC_DB}.canary", "confirm": "canary"})
            response = tab.request(method, path, body, headers={"Content-Type": "application/json"})
            assert response.status in (403, 405), f"{method} {path} -> {response.status}"
            if response.status == 403 and path.startswith("/api/"):
                assert "xsrf" in response.json()["error"], f"{method} {path}"


def test_nothing_was_left_behind(mariadb, hostile_db):
    """The attacks above ran against eddy_sec: the canary is intact and no intruder table exists."""
    conn = Connection(mariadb.admin)
    try:
        assert conn.query(f"SELECT id, v FROM `{SEC_DB}`.canary ORDER BY id") == [
            {"id": 1, "v": "alive"},
            {"id": 2, "v": "still alive"},
        ]
        assert not conn.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_NAME = 'intruder'")
    finally:
        conn.close()
