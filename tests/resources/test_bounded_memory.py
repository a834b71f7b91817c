"""Memory is bounded by design: a 10 MB statement in the editor and a 100 MB script import keep the
Eddy process's peak (VmHWM) under a stated bound, and its RSS returns near the baseline after."""

import time

from tests.resources.test_session_cycles import run_query
from tests.security.client import Client

MB = 1024
STATEMENT_MB = 10
# Request body + its decoded text + the statement + the bytes sent: a few copies, never ~150/char.
EDITOR_PEAK_BOUND_MB = 200
SCRIPT_MB = 100
SCRIPT_PEAK_BOUND_MB = 150  # a 1 MB chunk and one statement (<= max_allowed_packet) at a time
RSS_RETURN_MB = 60


def connected(child, mariadb) -> Client:
    client = Client(child.url)
    assert client.launch(child.token).status == 200
    assert client.login(mariadb.user).status == 302
    run_query(client, "SELECT 1", "t1", 0)  # warm up: imports, pools, the spool folder
    return client


def big_in_list(chars: int) -> str:
    numbers = ",".join(str(i) for i in range(chars // 7))
    return f"SELECT COUNT(*) AS n FROM (SELECT 1 AS a) t WHERE a IN ({numbers})"


def test_a_10_mb_statement_keeps_peak_memory_bounded(child_eddy_factory, mariadb):
    child = child_eddy_factory()
    client = connected(child, mariadb)
    baseline = child.status("VmRSS")
    sql = big_in_list(STATEMENT_MB << 20)
    job = run_query(client, sql, "t1", 0)
    assert job["state"] == "done", job["results"][0].get("error")
    peak = child.status("VmHWM")
    run_query(client, "SELECT 1", "t1", 0)  # replaces the big job: its statement is let go
    after = child.status("VmRSS")
    print(f"10 MB statement: RSS {baseline // MB} MB before, peak {peak // MB} MB, {after // MB} MB after")
    assert peak - baseline < EDITOR_PEAK_BOUND_MB * MB, (baseline, peak)
    assert after - baseline < RSS_RETURN_MB * MB, (baseline, after)


def write_script(path, statements: int, statement_chars: int) -> None:
    filler = "x" * (statement_chars - 10)
    with open(path, "w") as f:
        f.write("-- generated\n")
        for _ in range(statements):
            f.write(f"DO '{filler}';\n")


def import_script(client: Client, path) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    response = client.request(
        "POST", f"/api/transfer/upload?name={path.name}", body=data,
        headers={"X-XSRFToken": client.xsrf(), "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    del data
    assert response.status == 200, response.text
    started = client.post_json("/api/transfer/sql-import", {"file": response.json()["file"]}).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{started['id']}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError("the script import did not end")


def test_a_100_mb_script_imports_in_bounded_memory_and_a_huge_statement_is_refused_by_line(
    child_eddy_factory, mariadb, tmp_path
):
    child = child_eddy_factory()
    client = connected(child, mariadb)
    baseline = child.status("VmRSS")
    script = tmp_path / "big.sql"
    write_script(script, SCRIPT_MB, 1 << 20)
    job = import_script(client, script)
    assert job["state"] == "done", job
    assert job["result"]["statements"] == SCRIPT_MB
    huge = tmp_path / "huge.sql"
    with open(huge, "w") as f:
        f.write("DO 1;\nDO 2;\nDO '" + "y" * (SCRIPT_MB << 20))  # one statement, never ended
    job = import_script(client, huge)
    assert job["state"] == "failed"
    assert "line 3" in job["error"] and "longer than" in job["error"], job["error"]
    peak = child.status("VmHWM")
    after = child.status("VmRSS")
    print(f"100 MB scripts: RSS {baseline // MB} MB before, peak {peak // MB} MB, {after // MB} MB after")
    assert peak - baseline < SCRIPT_PEAK_BOUND_MB * MB, (baseline, peak)
    assert after - baseline < RSS_RETURN_MB * MB, (baseline, after)
