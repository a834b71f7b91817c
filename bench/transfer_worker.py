"""One Eddy transfer in its own process, so its peak RSS is its own (used by bench_transfer).

python -m bench.transfer_worker export <port> <format> <path>
python -m bench.transfer_worker import <port> <method> <path> <table>
Prints one JSON line: seconds, rows, peak RSS (VmHWM) in MB.
"""

import json
import sys
import time

from bench.harness import BENCH_DB
from core.db import Connection, ConnectionParams


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> None:
    action, port = argv[0], int(argv[1])
    conn = Connection(ConnectionParams(host="127.0.0.1", port=port, user="root"))
    started = time.perf_counter()
    if action == "export":
        from core.services.transfer.export import ExportOptions, ExportSource, run_export

        fmt, path = argv[2], argv[3]
        result = run_export(conn, ExportSource(database=BENCH_DB, table="orders"), ExportOptions(format=fmt), path)
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
