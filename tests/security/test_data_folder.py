"""The per-user data folder is private: an existing 0755 folder is tightened at start, files 0600."""

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core.app import EddyApplication

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_existing_world_readable_data_folder_is_tightened_at_start(tmp_path):
    data = tmp_path / "eddy-data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "eddy.log").write_text("secret-ish log line\n")
    (data / "eddy.log").chmod(0o644)
    (data / "transfer-tmp").mkdir(mode=0o755)

    app = EddyApplication(launch_token="t", data_dir=data)
    try:
        assert mode(data) == 0o700
        assert mode(data / "eddy.log") == 0o600
        assert mode(data / "cookie_secret") == 0o600
        assert mode(data / "transfer-tmp") == 0o700
        upload = app.transfer_files.new_temp_path(".csv")
        assert upload.parent == data / "transfer-tmp"
    finally:
        app.shutdown()


def test_launcher_keeps_new_files_private(tmp_path):
    """A real launcher started under umask 022: the log it creates and the folder stay private."""
    data = tmp_path / "eddy-data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    old = os.umask(0o022)
    try:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "launcher.py"), "--no-window"],
            cwd=ROOT,
            env={**os.environ, "EDDY_DATA_DIR": str(data)},
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        os.umask(old)
    try:
        for line in proc.stdout:
            if line.startswith("EDDY_URL="):
                break
        assert mode(data) == 0o700
        assert mode(data / "eddy.log") == 0o600
        assert mode(data / "cookie_secret") == 0o600
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
