"""Run the benchmarks: `make bench` (all) or `python -m bench.run startup table_page`.

One private MariaDB is started (or EDDY_BENCH_DSN=mysql://user:pw@host:port/ names an existing
server, where the database eddy_bench is created), the `orders` table generated (BENCH_ROWS,
default 1,000,000), then each bench module's run(server, params) prints its table, each with the
date, the cores and the load average beside it.
"""

import importlib
import pkgutil
import sys
import time

import bench
from bench.harness import ExistingServer, bench_rows, bench_server, generate_orders, machine_line


def main(names: list[str]) -> int:
    available = sorted(
        m.name[len("bench_") :] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    chosen = names or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}; available: {', '.join(available)}")
        return 2
    print(f"Eddy benchmarks: {machine_line()}")
    with bench_server() as server:
        params = server.params()
        rows = bench_rows()
        started = time.perf_counter()
        generate_orders(params, rows)
        where = "an existing server (EDDY_BENCH_DSN)" if isinstance(server, ExistingServer) else "a private MariaDB"
        print(f"Generated {rows:,} rows in eddy_bench.orders on {where} in {time.perf_counter() - started:.1f} s")
        for name in chosen:
            importlib.import_module(f"bench.bench_{name}").run(server, params)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
