"""Run SQL through the SQL editor's endpoints, as the editor page does: POST /api/query (waiting up
to a second for a quick statement), then poll GET /api/query/<id>?after=<version> until the job ends.

Works with both test clients: tests.security.client.Client (a running app) and tests.web.client
EddyTestCase (Tornado's test client). A statement's SQL error arrives inside its result (HTTP 200),
as in the editor; a request refused before any job starts (no session, bad field) keeps its status.
Statements the editor asks to confirm are confirmed, as the user would.
"""

import json
import time
from dataclasses import dataclass, field

TAB = "tests"


@dataclass
class Ran:
    status: int  # of POST /api/query: 200 once a job started
    job: dict  # the finished job, or the error body of a refused request
    rows_by_result: dict[int, list] = field(default_factory=dict)

    @property
    def results(self) -> list[dict]:
        return self.job.get("results", [])

    @property
    def rows(self) -> list[list]:
        """All rows of the first statement that returned rows ([] if none did)."""
        for item in self.results:
            if item["kind"] == "rows":
                return self.rows_by_result[item["id"]]
        return []

    @property
    def error(self) -> str | None:
        """Why the request was refused, or the first statement's error ("(code) message" when the
        server gave a code); None when all ran."""
        if self.status != 200:
            return self.job.get("error", "")
        error = next((item["error"] for item in self.results if item.get("error")), None)
        if error is None:
            return None
        return f"({error['code']}) {error['message']}" if error.get("code") else error["message"]


def _status(response) -> int:
    return response.code if hasattr(response, "code") else response.status


def _get(client, path: str):
    response = client.get(path) if hasattr(client, "own_host") else client.request(path)  # security Client
    assert _status(response) == 200, response.body[:300]
    return json.loads(response.body)


def run_sql(
    client, sql: str, database: str | None = None, tab: str = TAB, confirm: bool = True, timeout: float = 30
) -> Ran:
    """Run `sql` (all its statements) in the editor's tab `tab` and wait for the job to end.

    A statement the editor asks to confirm (DROP, UPDATE without WHERE...) is confirmed, as the user
    clicking "Run" in the dialog, unless confirm=False: then the job comes back waiting ("confirm")."""
    response = client.post_json("/api/query", {"sql": sql, "database": database, "tab": tab, "mode": "all", "wait": 1})
    status, job = _status(response), json.loads(response.body)
    if status != 200:
        return Ran(status, job)
    deadline = time.monotonic() + timeout
    while job["state"] == "running" or (confirm and job["state"] == "confirm"):
        assert time.monotonic() < deadline, f"the editor's job did not end in {timeout} s: {sql[:80]}"
        if job["state"] == "confirm":
            response = client.post_json(f"/api/query/{job['id']}/confirm", {"index": job["pending"]["index"]})
            assert _status(response) == 200, response.body[:300]
            job = json.loads(response.body)
        else:
            job = _get(client, f"/api/query/{job['id']}?after={job['version']}")
    ran = Ran(status, job)
    for item in ran.results:
        if item["kind"] == "rows":
            rows = item.get("rows", [])
            if len(rows) < item["row_count"]:
                path = f"/api/query/{job['id']}/rows?result={item['id']}&from=0&count={item['row_count']}"
                rows = _get(client, path)["rows"]
            ran.rows_by_result[item["id"]] = rows
    return ran
