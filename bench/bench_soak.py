"""Soak: N sessions of grid pages, editor queries and exports against one Eddy process for a while;
nothing may accumulate. Prints requests, errors, p50/p99 and the Eddy process's RSS, descriptors and
server connections at the start, at the end of the load, and after every session logged out.

`python -m bench.run soak` (EDDY_SOAK_SECONDS, EDDY_SOAK_SESSIONS: default 600 s, 20 sessions) or
on its own with a small table: `python -m bench.bench_soak --seconds 60 --sessions 20 --rows 100000`.
"""

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import BENCH_DB, EddyHttp, generate_orders, print_table, private_server, start_launcher
from core.db import Connection

LOGOUT_EVERY = 40  # requests per session between a log out and a new log in


class SoakClient(EddyHttp):
    """A session of its own (own cookies) sharing the window's launch cookie."""

    def __init__(self, base_url: str, launch_cookie: http.cookiejar.Cookie):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.jar.set_cookie(launch_cookie)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/login")  # the xsrf cookie

    def logout(self) -> None:
        body = urllib.parse.urlencode({"_xsrf": self.xsrf()}).encode()
        with self.opener.open(self.base_url + "/logout", data=body, timeout=30) as response:
            response.read()
        self._token = None  # a request token may be bound to the session: read it again

    def login(self, params) -> None:
        super().login(params)
        self._token = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    current: threading.local = field(default_factory=threading.local)  # .kind: what this thread is doing

    def record(self, seconds: float, error: str | None = None) -> None:
        kind = getattr(self.current, "kind", "other")
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


def timed(tally: Tally, fn, *args):
    started = time.perf_counter()
    try:
        result = fn(*args)
    except urllib.error.HTTPError as exc:
        tally.record(time.perf_counter() - started, f"HTTP {exc.code} {exc.reason}")
        return None
    except (OSError, ValueError) as exc:
        tally.record(time.perf_counter() - started, type(exc).__name__)
        return None
    tally.record(time.perf_counter() - started)
    return result


def grid_page(client: SoakClient, tally: Tally, total: int, rng: random.Random) -> None:
    # Indexed orders only: an unindexed deep jump is the grid benchmark's subject, not the soak's.
    sort = rng.choice([[], [{"column": "created_at", "dir": "desc"}], [{"column": "created_at"}]])
    body = {"start": rng.randrange(max(1, total - 200)), "count": 200, "sort": sort}
    timed(tally, client.post_json, f"/api/db/{BENCH_DB}/table/orders/rows", body)


def editor_query(client: SoakClient, tally: Tally, tab: str, rng: random.Random) -> None:
    sql = rng.choice(
        [
            f"SELECT * FROM {BENCH_DB}.orders WHERE id > {rng.randrange(1000)} LIMIT 2000",
            f"SELECT status, COUNT(*), SUM(amount) FROM {BENCH_DB}.orders GROUP BY status",
            "SELECT 1",
        ]
    )
    job = timed(tally, client.post_json, "/api/query", {"sql": sql, "tab": tab, "wait": 1})
    while job and job.get("state") == "running":
        job = timed(tally, json_get, client, f"/api/query/{job['id']}?after={job['version']}")
    if job and job.get("results") and job["results"][0].get("row_count"):
        timed(tally, json_get, client, f"/api/query/{job['id']}/rows?result=0&from=0&count=500")


def export(client: SoakClient, tally: Tally, rng: random.Random) -> None:
    sql = f"SELECT * FROM {BENCH_DB}.orders WHERE id > {rng.randrange(1000)} LIMIT 5000"
    job = timed(tally, client.post_json, "/api/transfer/export", {"sql": sql, "options": {"format": "csv"}})
    deadline = time.monotonic() + 60
    while job and job.get("state") == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = timed(tally, json_get, client, f"/api/jobs/{job['id']}")
    if job and job.get("state") == "done" and job["result"].get("download"):
        timed(tally, client.get, f"/api/transfer/download/{job['result']['download']}")
    elif job:
        tally.record(0.0, f"export {job.get('state')}")


def json_get(client: SoakClient, path: str) -> dict:
    return json.loads(client.get(path))


def session_loop(client: SoakClient, params, tally: Tally, total: int, until: float, seed: int) -> None:
    rng = random.Random(seed)
    client.login(params)
    done = 0
    while time.monotonic() < until:
        action = rng.random()
        if action < 0.5:
            tally.current.kind = "grid page"
            grid_page(client, tally, total, rng)
        elif action < 0.9:
            tally.current.kind = "editor query (start, polls, rows)"
            editor_query(client, tally, f"t{rng.randrange(3)}", rng)
        else:
            tally.current.kind = "export (start, polls, download)"
            export(client, tally, rng)
        done += 1
        if done % LOGOUT_EVERY == 0:
            tally.current.kind = "log out"
            timed(tally, client.logout)
            client.login(params)
    timed(tally, client.logout)


def process_figures(pid: int, params) -> dict:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    conn = Connection(params)
    try:
        eddy_conns = conn.get(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = %s AND ID <> CONNECTION_ID()",
            params.user,
        ).n
    finally:
        conn.close()
    return {"rss_mb": rss // 1024, "fds": fds, "server_conns": eddy_conns}


def soak(params, seconds: float, sessions: int) -> None:
    conn = Connection(params)
    total = conn.get(f"SELECT COUNT(*) AS n FROM {BENCH_DB}.orders").n
    conn.close()
    data_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"eddy-soak-{os.getpid()}"
    proc, launch_url = start_launcher(str(data_dir))
    try:
        base_url = launch_url.split("/auth", 1)[0]
        first = EddyHttp(base_url, launch_url.split("token=", 1)[1])
        launch_cookie = next(c for c in first.jar if c.name.startswith("eddy_launch"))
        start = process_figures(proc.pid, params)
        tally = Tally()
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=session_loop,
                args=(SoakClient(base_url, launch_cookie), params, tally, total, until, i),
                daemon=True,
            )
            for i in range(sessions)
        ]
        for thread in threads:
            thread.start()
        trend = []  # RSS / descriptors / server connections every sixth of the run: growth shows here
        while any(t.is_alive() for t in threads) and time.monotonic() < until + 120:
            figures = process_figures(proc.pid, params)
            trend.append(f"{figures['rss_mb']} MB/{figures['fds']} fds/{figures['server_conns']} conns")
            for thread in threads:
                thread.join(max(0.0, min(seconds / 6, until + 120 - time.monotonic())))
                if thread.is_alive():
                    break
        loaded = process_figures(proc.pid, params)
        time.sleep(1.0)  # log outs release at once; give the last ones a moment to finish
        after = process_figures(proc.pid, params)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)
    lat = sorted(tally.latencies)
    p50, p99 = percentiles(lat)
    print_table(
        f"Soak: {sessions} sessions × {seconds:.0f} s (grid pages, editor queries, exports, a log out every "
        f"{LOGOUT_EVERY} requests) on {total:,} rows",
        ["", "requests", "errors", "p50", "p99", "RSS", "descriptors", "server connections"],
        [
            ["start", "–", "–", "–", "–", f"{start['rss_mb']} MB", start["fds"], start["server_conns"]],
            ["end of load", len(lat), sum(tally.errors.values()), f"{p50 * 1000:.1f} ms", f"{p99 * 1000:.1f} ms",
             f"{loaded['rss_mb']} MB", loaded["fds"], loaded["server_conns"]],
            ["all logged out", "–", "–", "–", "–", f"{after['rss_mb']} MB", after["fds"], after["server_conns"]],
        ],
    )  # fmt: skip
    print(f"During the load (every ~{seconds / 6:.0f} s): {' → '.join(trend)}")
    print_table(
        "Soak: requests by kind",
        ["kind", "requests", "p50", "p99"],
        [
            [kind, len(values), *(f"{p * 1000:.1f} ms" for p in percentiles(sorted(values)))]
            for kind, values in sorted(tally.by_kind.items())
        ],
    )
    for error, count in sorted(tally.errors.items(), key=lambda e: -e[1]):
        print(f"  error: {error} × {count}")


def percentiles(ordered: list[float]) -> tuple[float, float]:
    """(p50, p99) of sorted samples."""
    if not ordered:
        return 0.0, 0.0
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def run(server, params) -> None:
    soak(params, float(os.environ.get("EDDY_SOAK_SECONDS", "600")), int(os.environ.get("EDDY_SOAK_SESSIONS", "20")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with private_server() as server:
        params = server.params()
        generate_orders(params, args.rows)
        soak(params, args.seconds, args.sessions)


if __name__ == "__main__":
    main()
