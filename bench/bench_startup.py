"""Start-up: launcher process start → first page served (the login page through the launch URL)."""

import os
import statistics
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

from bench.harness import ms, print_table, ratio, run_cli, start_launcher

REPEAT = 9


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launcher_to_first_page() -> tuple[float, float]:
    """(wall seconds, launcher CPU seconds) from its start to the login page served. CPU time
    hardly depends on the machine's load, wall time does."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as data:
        proc, url = start_launcher(data, env={"PATH": "/usr/bin:/bin"})
        try:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            with opener.open(url, timeout=30) as response:
                response.read()
            wall = time.perf_counter() - started
            return wall, _cpu_seconds(proc.pid)
        finally:
            proc.terminate()
            proc.wait(20)


def run(server, params) -> None:
    runs = [launcher_to_first_page() for _ in range(REPEAT)]
    eddy, eddy_cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    best = min(r[0] for r in runs)
    cli = statistics.median(run_cli(params, "SELECT 1") for _ in range(REPEAT))
    print_table(
        f"Start-up (median of {REPEAT})",
        ["what", "time", "vs mariadb CLI"],
        [
            ["Eddy: launcher start → login page served", ms(eddy), ratio(eddy, cli)],
            ["  the fastest of the runs", ms(best), ratio(best, cli)],
            ["  launcher CPU (user+sys) until then", ms(eddy_cpu), ratio(eddy_cpu, cli)],
            ["mariadb CLI: start, connect, SELECT 1, exit", ms(cli), "1.00×"],
        ],
    )
