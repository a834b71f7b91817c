"""The native Open dialog's start folder, read from the real GTK file chooser in the real window
(tests/window_probe/sitecustomize.py runs inside the launcher's process): Documents the first time,
never the process's working folder, then the folder of the file picked last. And a native menu
command (View > Theme > Dark) reaches the page through the app's Content-Security-Policy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_build_smoke import gtk_python
from tests.test_launcher import read_until, stop, xvfb  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GTK's file chooser under Xvfb")
def test_open_dialog_starts_in_documents_then_in_the_last_folder(tmp_path, xvfb):  # noqa: F811
    home, elsewhere, certs = tmp_path / "home", tmp_path / "started-here", tmp_path / "certs"
    for folder in (home / "Documents", elsewhere, certs):
        folder.mkdir(parents=True)
    (certs / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        **os.environ,
        "DISPLAY": xvfb,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "EDDY_DATA_DIR": str(tmp_path / "data"),
        "EDDY_GUI": "gtk",
        "PYTHONPATH": str(ROOT / "tests" / "window_probe"),
        "PYTHONUNBUFFERED": "1",
        "EDDY_PROBE_PICK": str(certs / "ca.pem"),
    }
    proc = subprocess.Popen(
        [str(gtk_python()), str(ROOT / "launcher.py")],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = read_until(proc, "EDDY_PROBE_DONE", timeout=180)
    finally:
        code, out = stop(proc, timeout=60)
    assert lines[-1] == "EDDY_PROBE_DONE", "\n".join(lines)
    folders = [line.split("=", 1)[1] for line in lines if line.startswith("EDDY_PROBE_FOLDER=")]
    assert folders == [str(home / "Documents"), str(certs)], folders
    assert f"EDDY_PROBE_VALUE={certs / 'ca.pem'}" in lines, "the picked path reached the form"
    assert "EDDY_PROBE_THEME=dark" in lines, "the native menu's command reached the page"
    assert code == 0, out
