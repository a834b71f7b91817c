"""The PyInstaller build really works: the frozen executable serves its pages, talks to MariaDB,
stops cleanly on SIGTERM and shows its window; on Linux its .deb installs, opens from its menu entry
and removes cleanly.

What is tested is what a user gets: on Linux the GTK build (pywebview's GTK backend on the system's
WebKitGTK, built from .venv-gtk, which is made here through the Makefile's own rule when missing),
elsewhere the platform's build. $EDDY_BINARY / $EDDY_DEB name a build made beforehand (CI on
Windows/macOS builds first, then points here); otherwise the build is made now, exactly as
`make build` / `make package` make it (the cache in build/out-gtk makes a rebuild take ~20 s), so
`make test` always exercises a fresh build and never skips for want of one.
"""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.test_launcher import capture_loaded_window, launch_url, pixel_colours, read_until, unique_colours, xvfb  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
EXE_NAME = "Eddy.exe" if sys.platform == "win32" else "Eddy"
LINUX = sys.platform.startswith("linux")
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and Xvfb are POSIX things")


@pytest.fixture(scope="session")
def eddy_binary() -> Path:
    given = os.environ.get("EDDY_BINARY")
    if given:
        path = Path(given).resolve()  # the binary runs with another working directory
        assert path.is_file(), f"EDDY_BINARY={given} does not exist"
        return path
    if LINUX:
        pyinstaller("--onefile", "--gtk")
        path = ROOT / "dist" / "Eddy-gtk"
    else:
        pyinstaller("--onefile")
        path = ROOT / "dist" / EXE_NAME
    assert path.is_file(), f"the build did not produce {path}"
    return path


def gtk_python() -> Path:
    """.venv-gtk's Python, made by the Makefile's rule when missing or stale (the first time it
    installs WebKitGTK and compiles PyGObject: about a minute and a half on 2 cores)."""
    done = subprocess.run(
        ["make", "-s", ".venv-gtk/.deps-stamp"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, f"making .venv-gtk failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return ROOT / ".venv-gtk" / "bin" / "python"


def pyinstaller(*variant: str) -> None:
    """Build as the Makefile does (the cache in build/out[-gtk] makes a second variant quick)."""
    gtk = "--gtk" in variant
    python = str(gtk_python()) if gtk else sys.executable
    workpath = ROOT / "build" / ("out-gtk" if gtk else "out")
    cmd = [python, "-m", "PyInstaller", str(ROOT / "build" / "eddy.spec"), "--noconfirm", "--log-level"]
    cmd += ["WARN", "--distpath", str(ROOT / "dist"), "--workpath", str(workpath), "--", *variant]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"PyInstaller failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def eddy_deb() -> Path:
    """$EDDY_DEB when set, else `make package`'s steps: the GTK one-folder build, then
    build/make_deb.py."""
    given = os.environ.get("EDDY_DEB")
    if given:
        path = Path(given).resolve()
        assert path.is_file(), f"EDDY_DEB={given} does not exist"
        return path
    pyinstaller("--onedir", "--gtk")
    done = subprocess.run(
        [sys.executable, str(ROOT / "build" / "make_deb.py"), "--variant", "gtk", "--fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(done.stdout.split(" (")[0].strip())


def start_binary(binary: Path, args, data_dir: Path, extra_env=None):
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EDDY_DATA_DIR": str(data_dir), **(extra_env or {})}
    return subprocess.Popen(
        [str(binary), *args], cwd=data_dir.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(proc, timeout=30) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def read_announced(proc, announce_file: Path, marker: str, timeout=120.0) -> list[str]:
    """A windowed Windows build has no stdout: it writes its announcements to a file instead."""
    if sys.platform != "win32":
        return read_until(proc, marker, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = announce_file.read_text().splitlines() if announce_file.exists() else []
        if any(line.startswith(marker) for line in lines):
            return lines
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{marker!r} not announced")


def test_binary_reports_its_version(eddy_binary):
    from core import __version__

    done = subprocess.run([str(eddy_binary), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    if sys.platform != "win32":  # a windowed .exe has no stdout to print to
        assert __version__ in done.stdout + done.stderr


def test_binary_serves_its_login_page_and_static_files(eddy_binary, tmp_path):
    """Every OS: the bundled templates and assets resolve under sys._MEIPASS."""
    announce_file = tmp_path / "announced.txt"
    proc = start_binary(eddy_binary, ["--no-window"], tmp_path / "data", {"EDDY_ANNOUNCE_FILE": str(announce_file)})
    try:
        url = launch_url(read_announced(proc, announce_file, "EDDY_URL="))
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(url, timeout=20) as response:
            assert "Connect to a MySQL" in response.read().decode()
        for asset in ("css/eddy.css", "js/eddy.js", "js/sandbox.js"):
            with opener.open(url.split("/auth")[0] + "/static/" + asset, timeout=20) as response:
                assert response.status == 200
    finally:
        code, out = stop(proc)
    assert "Traceback" not in out, out
    if sys.platform != "win32":
        assert code == 0, out


@POSIX_ONLY
def test_binary_serves_login_connects_shows_a_table_and_stops_on_sigterm(eddy_binary, tmp_path, mariadb, sample_db):
    proc = start_binary(eddy_binary, ["--no-window"], tmp_path / "data")
    try:
        base_url = launch_url(read_until(proc, "EDDY_URL=", timeout=60))
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(base_url, timeout=20) as response:
            assert "Connect to a MySQL" in response.read().decode(), "the bundled templates render"
        with opener.open(base_url.split("/auth")[0] + "/static/css/eddy.css", timeout=20) as response:
            assert response.status == 200, "the bundled static files are served"
        with opener.open(base_url.split("/auth")[0] + "/login", timeout=20) as response:
            xsrf = re.search(r'<meta name="xsrf-token" content="([^"]*)"', response.read().decode()).group(1)
        user = mariadb.user
        form = {"host": user.host, "port": user.port, "user": user.user, "password": user.password, "_xsrf": xsrf}
        form["database"] = sample_db
        with opener.open(
            base_url.split("/auth")[0] + "/login", data=urllib.parse.urlencode(form).encode(), timeout=20
        ) as response:  # the workspace window, the database in its tab
            assert response.url.endswith(f"/workspace?open=/db/{sample_db}"), response.url
            assert 'id="ws-tabs"' in response.read().decode(), "the bundled workspace renders"
        with opener.open(base_url.split("/auth")[0] + f"/db/{sample_db}/table/people", timeout=20) as response:
            assert "people" in response.read().decode(), "the table page renders"
        rows_request = urllib.request.Request(
            base_url.split("/auth")[0] + f"/api/db/{sample_db}/table/people/rows",
            data=json.dumps({"start": 0, "count": 50}).encode(),
            headers={"Content-Type": "application/json", "X-XSRFToken": xsrf},
        )
        with opener.open(rows_request, timeout=20) as response:
            names = [row[1] for row in json.loads(response.read())["rows"]]
        assert "Ada Lovelace" in names and "张伟 🐍" in names, "the grid's rows come from the binary's API"
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert "EDDY_STOPPED" in out and "Traceback" not in out


@POSIX_ONLY
def test_binary_window_shows_the_ui_under_xvfb(eddy_binary, tmp_path, xvfb):  # noqa: F811
    proc = start_binary(eddy_binary, [], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    shot = ROOT / "test-artifacts" / "binary-window.png"
    try:
        capture_loaded_window(proc, xvfb, shot, timeout=120)
    finally:
        code, out = stop(proc, timeout=60)
    assert code == 0, out
    assert unique_colours(shot) > 50, "the window shows the UI, not a blank screen"


def frame_kind(shot: Path) -> str:
    """What a screenshot of the display shows: 'nothing' (Xvfb's black root: no window yet),
    'white' (a window of blank white), 'loading' (a window of the app's background, #F6F7F9: the
    loading screen) or 'page' (anything else: the app's page has white panels, text, a top bar)."""
    colours = pixel_colours(shot)
    window = sum(colours.values()) - colours.get("#000000", 0)
    if window < 1000:
        return "nothing"
    if colours.get("#FFFFFF", 0) > window * 0.8:
        return "white"
    return "loading" if colours.get("#F6F7F9", 0) > window * 0.8 else "page"


@pytest.mark.skipif(not LINUX, reason="Xvfb")
def test_binary_window_shows_the_loading_screen_first_never_blank_white(eddy_binary, tmp_path, xvfb):  # noqa: F811
    """Screenshots every ~0.2 s from the start until the page is in: the window's first frame is the
    loading screen in the app's colours, then the page; no frame is a blank white window. The time
    to the first frame is bench/bench_build.py's (this machine may be loaded)."""
    started = time.monotonic()
    proc = start_binary(eddy_binary, [], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    loaded, lines = threading.Event(), []

    def read():
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("EDDY_WINDOW_LOADED"):
                loaded.set()

    threading.Thread(target=read, daemon=True).start()
    frames = []

    def frame():
        shot = tmp_path / f"frame{len(frames):03d}.png"
        at = round(time.monotonic() - started, 1)
        subprocess.run(["import", "-display", xvfb, "-window", "root", str(shot)], check=True, timeout=30)
        frames.append((at, shot))

    try:
        while time.monotonic() - started < 120 and proc.poll() is None and not loaded.is_set():
            frame()
            time.sleep(0.1)
        time.sleep(1.0)  # the page's first paint reaches the X server
        frame()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    kinds = [(at, frame_kind(shot)) for at, shot in frames]
    assert loaded.is_set(), f"the page never loaded: {kinds}\n{''.join(lines)[-3000:]}"
    shown = [kind for _, kind in kinds if kind != "nothing"]
    assert "white" not in shown, f"a blank white window: {kinds}"
    assert shown[0] == "loading", f"the window's first frame is the loading screen: {kinds}"
    assert shown[-1] == "page" and unique_colours(frames[-1][1]) > 50, f"then the app's page: {kinds}"
    print("frames (s after start, what):", kinds)


DEB_FILES = ("/opt/eddy/Eddy", "/usr/bin/eddy", "/usr/share/applications/eddy.desktop",
             "/usr/share/icons/hicolor/512x512/apps/eddy.png")  # fmt: skip


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a .deb is a Debian/Ubuntu package")
def test_deb_installs_launches_from_the_menu_entry_and_removes_cleanly(eddy_deb, tmp_path, xvfb):  # noqa: F811
    """`make package`'s .deb: dpkg installs it under /opt/eddy with a desktop entry and icon, the
    entry's command opens the window, and removing it leaves nothing behind."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    assert subprocess.run(["dpkg", "-s", "eddy"], capture_output=True).returncode != 0, "eddy is already installed"
    done = subprocess.run([*sudo, "dpkg", "-i", str(eddy_deb)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        owned = subprocess.run(["dpkg", "-L", "eddy"], capture_output=True, text=True, check=True).stdout.split()
        for path in DEB_FILES:
            assert path in owned and os.path.lexists(path), path
        entry = Path("/usr/share/applications/eddy.desktop").read_text()
        command = next(line.split("=", 1)[1].split()[0] for line in entry.splitlines() if line.startswith("Exec="))
        assert command == "/opt/eddy/Eddy" and "Icon=eddy" in entry
        assert os.path.realpath("/usr/bin/eddy") == command, "the command line's eddy is the same program"
        proc = start_binary(Path(command), [], tmp_path / "data", {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
        shot = ROOT / "test-artifacts" / "deb-window.png"
        try:
            capture_loaded_window(proc, xvfb, shot, timeout=120)
        finally:
            code, out = stop(proc, timeout=60)
        assert code == 0, out
        assert unique_colours(shot) > 50, "the installed app shows its UI"
    finally:
        removed = subprocess.run([*sudo, "dpkg", "--purge", "eddy"], capture_output=True, text=True, timeout=300)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    left = [path for path in (*DEB_FILES, "/opt/eddy") if os.path.lexists(path)]
    assert left == [], f"left behind after removal: {left}"


@pytest.mark.skipif(not LINUX, reason="a Linux desktop's ~/.local layout")
def test_install_linux_puts_the_build_in_a_fresh_home(tmp_path):
    """build/install-linux.sh into a home that has no ~/.local yet: the binary, icon and menu entry."""
    binary = tmp_path / "Eddy-build"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        ["bash", str(ROOT / "build" / "install-linux.sh"), str(binary)],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    entry = (home / ".local/share/applications/eddy.desktop").read_text()
    assert f"Exec={home}/.local/bin/Eddy" in entry
    assert (home / ".local/bin/Eddy").is_file() and (
        home / ".local/share/icons/hicolor/512x512/apps/eddy.png"
    ).is_file()
