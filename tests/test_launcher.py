"""The launcher for real: --no-window in a subprocess, and the native window under Xvfb."""

import http.cookiejar
import os
import shutil
import signal
import socket
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


def read_until(proc, marker, timeout=60.0, *, anywhere=False) -> list[str]:
    """Lines of stdout up to and including the one starting with marker (containing it: anywhere;
    log lines start with a time, not a marker)."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        lines.append(line.rstrip("\n"))
        if (marker in line) if anywhere else line.startswith(marker):
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


def pixel_colours(png: Path) -> dict[str, int]:
    """{hex colour: pixel count} of a screenshot (ImageMagick's histogram)."""
    out = subprocess.run(
        ["convert", str(png), "-format", "%c", "histogram:info:-"], capture_output=True, text=True, check=True
    ).stdout
    counts = {}
    for line in out.splitlines():
        count, _, rest = line.strip().partition(":")
        colour = next((w for w in rest.split() if w.startswith("#")), None)
        if colour and count.strip().isdigit():
            counts[colour[:7].upper()] = int(count)
    return counts


def test_window_appears_first_with_a_loading_screen_not_blank_white(tmp_path, xvfb):
    """The window is shown before the server starts, and what it shows is the loading page in the
    app's colours: here the port is taken, so the loading page stays and says why, in the window."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        proc = start_launcher(["--port", str(port)], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
        shot = ROOT / "test-artifacts" / "window-loading-failed.png"
        try:
            lines = read_until(proc, "Eddy: cannot listen", timeout=90)
            assert "EDDY_WINDOW_SHOWN" in lines, "the window is up before the server is tried"
            time.sleep(1.5)  # the error page is loaded; let it reach the X server
            subprocess.run(["import", "-display", xvfb, "-window", "root", str(shot)], check=True, timeout=30)
        finally:
            code, out = stop(proc, timeout=30)
    assert code == 2, out
    colours = pixel_colours(shot)
    white = colours.get("#FFFFFF", 0)
    background = colours.get("#F6F7F9", 0)
    assert background > white and background > sum(colours.values()) / 3, "the app's background, not white"
    assert colours.get("#B42318", 0) > 0 or any(c.startswith("#B") for c in colours), "the reason is written"


def test_window_mode_announces_shown_before_the_server_url(tmp_path, xvfb):
    proc = start_launcher([], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    try:
        lines = read_until(proc, "EDDY_WINDOW_LOADED", timeout=90)
    finally:
        code, out = stop(proc, timeout=30)
    markers = [line.split("=")[0] for line in lines if line.startswith("EDDY_")]
    assert markers.index("EDDY_WINDOW_SHOWN") < markers.index("EDDY_URL") < markers.index("EDDY_WINDOW_LOADED")
    assert code == 0, out


def test_a_stuck_worker_does_not_keep_the_process_alive_after_stop():
    """After the window closed and everything was stopped, a worker thread still blocked (e.g. on a
    connection that never answers) would keep an invisible process alive forever."""
    script = (
        "import threading, launcher\n"
        "launcher.EXIT_GRACE_SECONDS = 0.5\n"
        "threading.Thread(target=threading.Event().wait, name='stuck-worker').start()\n"
        "launcher.exit_when_done(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert "stuck-worker" in done.stderr


def test_a_clean_exit_keeps_its_code():
    script = "import launcher\nlauncher.exit_when_done(0)\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stderr == ""
