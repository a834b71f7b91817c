"""A wide table in the grid: 1,000 columns × BENCH_WIDE_ROWS rows (default 1,000,000) in headless
Chromium. Each scroll step is timed in the page: performance.now() before setting scrollTop or
scrollLeft, and again after the frame that drew it (a requestAnimationFrame, then a task after the
paint). The same steps run with the grid of `main` before column virtualisation (served in place
of datagrid.js) when BENCH_WIDE_BEFORE names a file holding that version.

Run alone: `python -m bench.bench_grid_wide` (a private MariaDB; the wide table is generated with
999 VIRTUAL columns, so it is small on disk) or through `python -m bench.run grid_wide`.
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import BENCH_DB, bench_server, print_table
from core.db import Connection

COLUMNS = 1000
STEPS = 40
CHROMIUM = os.environ.get("EDDY_CHROMIUM", "/usr/bin/chromium")

# One step: move the scroller, wait for the grid's frame and the paint after it.
# Two figures: the whole step (includes waiting up to one frame for the next requestAnimationFrame)
# and the grid's own work in it (its render() plus the style and layout that render forces).
STEP_JS = """async ([axis, delta]) => {
  const s = document.querySelector('.dg-scroll');
  const grid = window.eddyGrid;
  if (!grid.timedRender) {
    const render = grid.render.bind(grid);
    grid.timedRender = true;
    grid.render = () => {
      const t = performance.now();
      render();
      void grid.body.offsetHeight; // the layout of what was drawn
      grid.renderMs = (grid.renderMs || 0) + performance.now() - t;
    };
  }
  grid.renderMs = 0;
  const t0 = performance.now();
  if (axis === 'x') s.scrollLeft += delta; else s.scrollTop += delta;
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return [performance.now() - t0, grid.renderMs];
}"""


def wide_rows() -> int:
    return int(os.environ.get("BENCH_WIDE_ROWS", "1000000"))


def generate_wide(params, rows: int) -> None:
    conn = Connection(params)
    conn.execute(f"CREATE DATABASE IF NOT EXISTS {BENCH_DB} CHARACTER SET utf8mb4")
    conn.execute(f"DROP TABLE IF EXISTS {BENCH_DB}.wide")
    # Virtual columns: computed when read, nothing stored, so 1M rows stay a few MB.
    virtual = ", ".join(f"c{i} INT AS ((id * {i}) % 100000) VIRTUAL" for i in range(1, COLUMNS))
    conn.execute(f"CREATE TABLE {BENCH_DB}.wide (id INT PRIMARY KEY, {virtual}) ENGINE=InnoDB")
    conn.execute(f"INSERT INTO {BENCH_DB}.wide (id) SELECT seq FROM {BENCH_DB}.seq_1_to_{int(rows)}")
    conn.execute(f"ANALYZE TABLE {BENCH_DB}.wide")
    conn.close()


def measure(browser, app, params, datagrid_js: str | None) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    if datagrid_js is not None:
        page.route(
            "**/static/js/datagrid.js*", lambda route: route.fulfill(body=datagrid_js, content_type="text/javascript")
        )
    page.goto(app["launch_url"])
    page.fill("input[name=host]", params.host)
    page.fill("input[name=port]", str(params.port))
    page.fill("input[name=user]", params.user)
    page.fill("input[name=password]", params.password or "")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    started = time.perf_counter()
    page.goto(f"{app['base_url']}/db/{BENCH_DB}/table/wide")
    page.wait_for_selector("#grid .dg-row .dg-cell:not(.loading)", timeout=120_000)
    open_s = time.perf_counter() - started
    page.wait_for_timeout(500)  # the first blocks settle
    cells = page.evaluate("() => document.querySelectorAll('#grid .dg-cell, #grid .dg-hcell').length")
    results = {"open": open_s, "cells": cells}
    for label, axis, delta in [("vertical (1 row)", "y", 24), ("horizontal (400 px)", "x", 400)]:
        times = []
        for _ in range(STEPS):
            times.append(tuple(page.evaluate(STEP_JS, [axis, delta])))
            page.wait_for_timeout(80)  # rows fetched while the scrollbar rests are not part of a step
        results[label] = times
    page.evaluate("() => { const s = document.querySelector('.dg-scroll'); s.scrollTop = s.scrollHeight / 2; }")
    page.wait_for_selector("#grid .dg-row .dg-cell:not(.loading)")
    page.wait_for_timeout(500)
    results["vertical in the middle (1 row)"] = [tuple(page.evaluate(STEP_JS, ["y", 24])) for _ in range(STEPS)]
    context.close()
    return results


def run(server, params) -> None:
    from playwright.sync_api import sync_playwright

    from core.app import EddyApplication
    from core.config import new_launch_token
    from core.server import ServerThread

    rows = wide_rows()
    started = time.perf_counter()
    generate_wide(params, rows)
    print(f"Generated {BENCH_DB}.wide: {COLUMNS} columns × {rows:,} rows in {time.perf_counter() - started:.1f} s")
    before_path = os.environ.get("BENCH_WIDE_BEFORE")
    variants = [("now", None)]
    if before_path:
        variants.append(("before (all columns drawn)", Path(before_path).read_text()))
    table = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for name, js in variants:
            # A fresh Eddy for each variant: a launch token opens one session.
            with tempfile.TemporaryDirectory(prefix="eddy-bench-wide-") as data_dir:
                token = new_launch_token()
                server_thread = ServerThread(EddyApplication(launch_token=token, data_dir=Path(data_dir)))
                base = server_thread.start()
                try:
                    app = {"base_url": base, "launch_url": f"{base}/auth?token={token}"}
                    result = measure(browser, app, params, js)
                finally:
                    server_thread.stop()
            for label in ("vertical (1 row)", "horizontal (400 px)", "vertical in the middle (1 row)"):
                steps = sorted(t for t, _ in result[label])
                work = sorted(w for _, w in result[label])
                table.append(
                    [name, label, f"{statistics.median(work):.1f} ms", f"{work[int(len(work) * 0.95) - 1]:.1f} ms",
                     f"{statistics.median(steps):.1f} ms", f"{steps[int(len(steps) * 0.95) - 1]:.1f} ms",
                     f"{result['cells']:,}", f"{result['open']:.2f} s"]
                )  # fmt: skip
        browser.close()
    print_table(
        f"Grid scroll step, {COLUMNS} columns × {rows:,} rows, headless Chromium 1400×900 ({STEPS} steps each)",
        [
            "grid",
            "step",
            "render median",
            "render p95",
            "step median",
            "step p95",
            "cells in DOM",
            "open to first rows",
        ],
        table,
    )


if __name__ == "__main__":
    with bench_server() as bench_srv:
        run(bench_srv, bench_srv.params())
