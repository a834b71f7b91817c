"""Start-up: launcher process start → first page served (the login page through the launch URL)."""

import statistics
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

from bench.harness import ms, print_table, ratio, run_cli, start_launcher


def launcher_to_first_page() -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as data:
        proc, url = start_launcher(data, env={"PATH": "/usr/bin:/bin"})
        try:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            with opener.open(url, timeout=30) as response:
                response.read()
            return time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(20)


def run(server, params) -> None:
    eddy = statistics.median(launcher_to_first_page() for _ in range(5))
    cli = statistics.median(run_cli(params, "SELECT 1") for _ in range(5))
    print_table(
        "Start-up (median of 5)",
        ["what", "time", "vs mariadb CLI"],
        [
            ["Eddy: launcher start → login page served", ms(eddy), ratio(eddy, cli)],
            ["mariadb CLI: start, connect, SELECT 1, exit", ms(cli), "1.00×"],
        ],
    )
