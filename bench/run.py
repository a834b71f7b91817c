"""Run the benchmarks: `make bench` (all) or `python -m bench.run startup table_page`.

One private MariaDB is started, the `orders` table generated (BENCH_ROWS, default 1,000,000),
then each bench module's run(server, params) prints its table.
"""

import importlib
import pkgutil
import sys
import time

import bench
from bench.harness import bench_rows, generate_orders, private_server


def main(names: list[str]) -> int:
    available = sorted(
        m.name[len("bench_") :] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    chosen = names or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(f"unknown benchmarks: {', '.join(sorted(unknown))}; available: {', '.join(available)}")
        return 2
    with private_server() as server:
        params = server.params()
        rows = bench_rows()
        started = time.perf_counter()
        generate_orders(params, rows)
        print(f"Generated {rows:,} rows in eddy_bench.orders in {time.perf_counter() - started:.1f} s")
        for name in chosen:
            importlib.import_module(f"bench.bench_{name}").run(server, params)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
