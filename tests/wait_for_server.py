"""Wait until the server of a DSN accepts a login (CI's service containers start slowly).

Usage (from the repository root): python -m tests.wait_for_server mysql://user:pw@host:port [seconds]"""

import sys
import time

from core.db import Connection
from core.db.errors import DatabaseError
from tests.conftest import _from_dsn


def main(dsn: str, seconds: float) -> int:
    params = _from_dsn(dsn)
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = Connection(params)
        except DatabaseError as exc:
            if time.monotonic() > deadline:
                print(f"{params.host}:{params.port} did not answer in {seconds:.0f} s: {exc}", file=sys.stderr)
                return 1
            time.sleep(2)
            continue
        print(f"{params.host}:{params.port} answers: {conn.server_version()}")
        conn.close()
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 120))
