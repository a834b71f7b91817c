"""Eddy in a process of its own, for tests that watch its descriptors and memory from outside.

Usage: python -m tests.resources.serve_eddy DATA_DIR [NOFILE]. Prints one JSON line
{"url", "token", "pid"} once listening, then serves until its standard input closes.
"""

import faulthandler
import json
import os
import resource
import signal
import sys
from pathlib import Path

from core.app import EddyApplication
from core.config import new_launch_token
from core.server import ServerThread


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints every thread's stack (a hang)
    data_dir = sys.argv[1]
    if len(sys.argv) > 2:  # what `ulimit -n N` does, applied to this process only
        limit = int(sys.argv[2])
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    token = new_launch_token()
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    server = ServerThread(EddyApplication(launch_token=token, data_dir=Path(data_dir)))
    url = server.start()
    print(json.dumps({"url": url, "token": token, "pid": os.getpid()}), flush=True)
    sys.stdin.read()  # the test closes our stdin to stop us
    server.stop()


if __name__ == "__main__":
    main()
