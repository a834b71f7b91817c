"""A killed test run must not leave its private server running: a server started with
die_with_parent=True ends (cleanly, SIGTERM) when the process that started it dies, even by SIGKILL,
where no teardown runs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.services.sandbox.server import _pid_alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl death signal: Linux")

STARTER = """
import sys
from pathlib import Path
from core.services.sandbox.server import MariaDBServer
server = MariaDBServer(Path(sys.argv[1]), die_with_parent=sys.argv[2] == "1")
server.start()
print(server.process.pid, flush=True)
sys.stdin.read()  # until killed
"""


def _start_orphan(base: Path, die_with_parent: bool) -> tuple[subprocess.Popen, int]:
    parent = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(base), "1" if die_with_parent else "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    line = parent.stdout.readline()
    assert line.strip().isdigit(), f"the starter printed {line!r}"
    return parent, int(line)


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_server_ends_when_its_starter_is_killed(tmp_path):
    parent, server_pid = _start_orphan(tmp_path / "dies", die_with_parent=True)
    assert _pid_alive(server_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _gone_within(server_pid, 30), "the server outlived the process that started it"


def test_without_the_flag_the_server_outlives_its_starter(tmp_path):
    """The app's sandbox keeps today's behaviour (it is stopped by the app itself)."""
    parent, server_pid = _start_orphan(tmp_path / "stays", die_with_parent=False)
    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert not _gone_within(server_pid, 2)
    finally:
        os.kill(server_pid, signal.SIGTERM)
        _gone_within(server_pid, 30)
