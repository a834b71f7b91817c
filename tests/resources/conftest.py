"""An Eddy in a child process (its descriptors and memory seen from outside, its limits its own)."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ChildEddy:
    url: str
    token: str
    pid: int
    process: subprocess.Popen

    def fd_count(self) -> int:
        return len(list(Path(f"/proc/{self.pid}/fd").iterdir()))

    def status(self, field: str) -> int:
        """A /proc/PID/status figure in kB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)


def start_child_eddy(data_dir: Path, nofile: int | None = None) -> ChildEddy:
    args = [sys.executable, "-m", "tests.resources.serve_eddy", str(data_dir)]
    if nofile:
        args.append(str(nofile))
    process = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError("the Eddy child did not start")
    info = json.loads(line)
    return ChildEddy(info["url"], info["token"], info["pid"], process)


def stop_child_eddy(child: ChildEddy) -> None:
    child.process.stdin.close()
    try:
        child.process.wait(15)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


@pytest.fixture
def child_eddy_factory(tmp_path):
    started = []

    def start(nofile: int | None = None) -> ChildEddy:
        child = start_child_eddy(tmp_path / f"eddy-data-{len(started)}", nofile)
        started.append(child)
        return child

    yield start
    for child in started:
        stop_child_eddy(child)
