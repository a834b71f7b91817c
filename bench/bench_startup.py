"""Start-up: launcher process start → first page served (the login page through the launch URL),
beside the floor any Tornado app pays here: the interpreter, and a one-handler Tornado app serving
its first page (the same imports of tornado.web and its HTTP server, nothing of Eddy)."""

import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench.harness import ms, print_table, ratio, run_cli, start_launcher

REPEAT = 11
ONE_HANDLER_APP = r"""
import asyncio, tornado.httpserver, tornado.netutil, tornado.web
class Page(tornado.web.RequestHandler):
    def get(self):
        self.write("<form></form>")
async def main():
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    tornado.httpserver.HTTPServer(tornado.web.Application([(r"/", Page)])).add_sockets(sockets)
    print(f"EDDY_URL=http://127.0.0.1:{sockets[0].getsockname()[1]}/", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def _cpu_seconds(pid: int) -> float:
    """CPU time of every thread of the process so far (schedstat: nanoseconds; /proc/pid/stat
    counts in 10 ms ticks, too coarse here)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def _first_page(proc: subprocess.Popen, url: str, started: float) -> tuple[float, float]:
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        with opener.open(url, timeout=30) as response:
            response.read()
        return time.perf_counter() - started, _cpu_seconds(proc.pid)
    finally:
        proc.terminate()
        proc.wait(20)


def launcher_to_first_page() -> tuple[float, float]:
    """(wall seconds, launcher CPU seconds) from its start to the login page served. CPU time
    hardly depends on the machine's load, wall time does."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as data:
        proc, url = start_launcher(data, env={"PATH": "/usr/bin:/bin"})
        return _first_page(proc, url, started)


def tornado_floor() -> tuple[float, float]:
    """The same for a one-handler Tornado app: what no Tornado app started from source can beat."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", ONE_HANDLER_APP], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return _first_page(proc, line.strip().split("=", 1)[1], started)


def interpreter_floor() -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the children waited for so far: this one added
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(server, params) -> None:
    cases = {"eddy": launcher_to_first_page, "tornado": tornado_floor, "python": interpreter_floor}
    runs = {name: [] for name in cases}
    for _ in range(REPEAT):  # interleaved: each sees the same load
        for name, measure in cases.items():
            runs[name].append(measure())
    wall = {name: statistics.median(r[0] for r in rs) for name, rs in runs.items()}
    cpu = {name: statistics.median(r[1] for r in rs) for name, rs in runs.items()}
    best = min(r[0] for r in runs["eddy"])
    cli = statistics.median(run_cli(params, "SELECT 1") for _ in range(REPEAT))
    print_table(
        f"Start-up from source (median of {REPEAT}; wall time depends on the load, CPU time much less)",
        ["what", "wall time", "CPU (user+sys)", "vs mariadb CLI"],
        [
            ["Eddy: launcher start → login page served", ms(wall["eddy"]), ms(cpu["eddy"]), ratio(wall["eddy"], cli)],
            ["  the fastest of the runs", ms(best), "", ratio(best, cli)],
            ["floor: one-handler Tornado app → first page", ms(wall["tornado"]), ms(cpu["tornado"]),
             ratio(wall["tornado"], cli)],
            ["floor: python -c pass", ms(wall["python"]), ms(cpu["python"]), ratio(wall["python"], cli)],
            ["mariadb CLI: start, connect, SELECT 1, exit", ms(cli), "", "1.00×"],
        ],
    )  # fmt: skip
