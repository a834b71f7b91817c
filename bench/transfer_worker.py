"""One Eddy transfer in its own process, so its peak RSS is its own (used by bench_transfer).

python -m bench.transfer_worker export <port> <format> <path> [table]
python -m bench.transfer_worker import <port> <method> <path> <table>
python -m bench.transfer_worker fetch <port> <table>      (the SQL editor's SELECT *, all rows spooled)
Connects with EDDY_BENCH_DSN (user, password, host, port) when set, else as root on 127.0.0.1:<port>.
Prints one JSON line: seconds, rows, peak RSS (VmHWM) in MB.
"""

import json
import os
import sys
import threading
import time

from bench.harness import BENCH_DB, params_from_dsn
from core.db import Connection, ConnectionParams


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def editor_fetch(params: ConnectionParams, table: str) -> int:
    """Run SELECT * in a SQL editor tab until every row is spooled; the row count."""
    from core.services.connections.sessions import SessionRegistry
    from core.services.query import jobs as qj

    registry, jobs = SessionRegistry(), qj.QueryJobs()
    try:
        session = registry.open(params)
        job = jobs.start(session, "bench", qj.pick_statements(f"SELECT * FROM `{BENCH_DB}`.`{table}`"), None)
        changed = threading.Event()
        while job.state == qj.RUNNING:
            changed.clear()
            job.on_change(changed.set)
            if job.state == qj.RUNNING:
                changed.wait(5)
        if job.state != qj.DONE:
            raise RuntimeError(f"the query ended {job.state}: {job.results[-1].error}")
        return job.results[0].spool.count
    finally:
        jobs.close_all()
        registry.close_all()


def main(argv: list[str]) -> None:
    action, port = argv[0], int(argv[1])
    dsn = os.environ.get("EDDY_BENCH_DSN")
    params = params_from_dsn(dsn) if dsn else ConnectionParams(host="127.0.0.1", port=port, user="root")
    started = time.perf_counter()
    if action == "fetch":
        rows = editor_fetch(params, argv[2])
        print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "rss_mb": peak_rss_mb()}))
        return
    conn = Connection(params)
    if action == "export":
        from core.services.transfer.export import ExportOptions, ExportSource, run_export

        fmt, path = argv[2], argv[3]
        table = argv[4] if len(argv) > 4 else "orders"
        result = run_export(conn, ExportSource(database=BENCH_DB, table=table), ExportOptions(format=fmt), path)
        rows = result["rows"]
    else:
        from core.services.transfer.csv_import import ImportOptions, run_import
        from core.services.transfer.formats import detect_dialect

        method, path, table = argv[2], argv[3], argv[4]
        dialect, _ = detect_dialect(path)
        rows = run_import(conn, BENCH_DB, table, path, dialect, ImportOptions(method=method))["rows"]
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main(sys.argv[1:])
