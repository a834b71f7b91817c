"""The launcher for real: --no-window in a subprocess, and the native window under Xvfb."""

import http.cookiejar
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.xdisplay import start_xvfb

ROOT = Path(__file__).resolve().parent.parent


def start_launcher(args, data_dir, extra_env=None):
    env = {**os.environ, "EDDY_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "launcher.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(proc, marker, timeout=60.0) -> list[str]:
    """Lines of stdout up to and including the one starting with marker."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        lines.append(line.rstrip("\n"))
        if line.startswith(marker):
            return lines
    raise AssertionError(f"{marker!r} not seen; output was:\n" + "\n".join(lines))


def launch_url(lines) -> str:
    return next(line.split("=", 1)[1] for line in lines if line.startswith("EDDY_URL="))


def stop(proc, timeout=20) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def test_no_window_serves_the_login_page_and_stops_cleanly(tmp_path):
    proc = start_launcher(["--no-window"], tmp_path)
    try:
        url = launch_url(read_until(proc, "EDDY_URL="))
        assert url.startswith("http://127.0.0.1:")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(url, timeout=10) as response:
            body = response.read().decode()
        assert "/login" in response.url and "Connect to a MySQL" in body
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert "EDDY_STOPPED" in out


def test_without_display_falls_back_to_browser_with_one_line(tmp_path):
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "BROWSER": "true"}
    proc = start_launcher([], tmp_path, env)
    try:
        lines = read_until(proc, "EDDY_URL=")
    finally:
        code, out = stop(proc)
    text = "\n".join(lines) + out
    assert "cannot open a window: no display" in text
    assert "Traceback" not in text
    assert code == 0


@pytest.fixture
def xvfb(tmp_path):
    """A private X display (Xvfb picks a free number and tells us through -displayfd)."""
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is missing: 'make test' installs it (apt-get install xvfb)")
    proc, display = start_xvfb()
    yield display
    proc.terminate()
    proc.wait(10)


def capture_loaded_window(proc, display: str, shot: Path, timeout: float) -> None:
    """Wait until the window's page has loaded, then screenshot the whole X display."""
    shot.parent.mkdir(exist_ok=True)
    lines = read_until(proc, "EDDY_WINDOW_LOADED", timeout=timeout)
    assert not any("cannot open a window" in line for line in lines), lines
    time.sleep(1.0)  # let the first paint reach the X server
    subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True, timeout=30)


def unique_colours(png: Path) -> int:
    out = subprocess.run(["identify", "-format", "%k", str(png)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def test_native_window_renders_under_xvfb(tmp_path, xvfb):
    """The real pywebview window (Qt WebEngine) opens, loads the app, and shows it."""
    proc = start_launcher([], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    shot = ROOT / "test-artifacts" / "window.png"
    try:
        capture_loaded_window(proc, xvfb, shot, timeout=90)
    finally:
        code, out = stop(proc, timeout=30)
    assert code == 0, out
    assert "EDDY_STOPPED" in out
    # A blank or black screen has one or two colours; the login form has text, borders, a button.
    assert unique_colours(shot) > 50
