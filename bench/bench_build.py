"""The desktop build: size per build (one-file, one-folder, .deb); start-up to first page served and
to window shown, for the PyInstaller builds and from source, beside `mariadb`'s own start; the
local sandbox's first start.

On Linux the GTK builds (the Linux package) come first and the Qt WebEngine ones are measured for
reference. Builds that are missing are made first, as the Makefile makes them (GTK: `make
build-gtk build-gtk-onedir package`, about a minute each on 2 cores; Qt one-folder ~15 s, one-file
~90 s). Runs follow
each other, so the disk cache is warm after the first: these are warm starts, as a user sees
from the second launch on. The window is timed under Xvfb until the launcher prints
EDDY_WINDOW_LOADED (the page inside the window has loaded).
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import ROOT, ms, print_table, ratio, run_cli
from tests.xdisplay import start_xvfb

EXE = "Eddy.exe" if sys.platform == "win32" else "Eddy"
ONEFILE = ROOT / "dist" / EXE
COMPRESSED = ROOT / "dist" / "Eddy-compressed"  # Linux: the zlib-compressed one-file variant
ONEDIR = ROOT / "dist" / "Eddy-onedir" / EXE
GTK_ONEFILE = ROOT / "dist" / "Eddy-gtk"  # Linux: `make build` (.venv-gtk's PyInstaller)
GTK_ONEDIR = ROOT / "dist" / "Eddy-gtk-onedir" / EXE
REPEAT = int(os.environ.get("BENCH_BUILD_REPEAT", "3"))
# Linux: BENCH_BUILD_QT=0 measures the GTK builds only (the Qt ones take minutes to build).
WITH_QT = not sys.platform.startswith("linux") or os.environ.get("BENCH_BUILD_QT", "1") != "0"


def ensure_built(path: Path, *variant: str) -> None:
    if path.is_file():
        return
    print(f"building {' '.join(variant)} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(ROOT / "build" / "eddy.spec"), "--noconfirm", "--log-level", "WARN"]
        + ["--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "out"), "--", *variant],
        cwd=ROOT,
        check=True,
    )


def ensure_gtk_built() -> None:
    """The Linux package's builds and its .deb, by the Makefile's own rules."""
    for target, path in (("build-gtk", GTK_ONEFILE), ("build-gtk-onedir", GTK_ONEDIR)):
        if not path.is_file():
            print(f"make {target} ...", flush=True)
            subprocess.run(["make", "-s", target], cwd=ROOT, check=True)
    if not debs("eddy_"):
        subprocess.run([sys.executable, str(ROOT / "build" / "make_deb.py"), "--variant", "gtk"], cwd=ROOT, check=True)


def debs(prefix: str) -> list[Path]:
    return sorted((ROOT / "dist").glob(f"{prefix}*.deb"))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


@contextmanager
def launched(cmd: list[str], env: dict):
    """(process, its start time) with a fresh data folder and stdout piped; SIGTERM on leaving."""
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **env, "EDDY_DATA_DIR": data},
        )
        try:
            yield proc, started
        finally:
            proc.terminate()
            proc.wait(60)


def time_until(cmd: list[str], marker: str, env: dict, timeout: float = 120) -> float:
    """Seconds from process start until a stdout line starts with marker; then SIGTERM."""
    with launched(cmd, env) as (proc, started):
        deadline = started + timeout
        while time.perf_counter() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{cmd[0]} exited before {marker}")
            if line.startswith(marker):
                elapsed = time.perf_counter() - started
                if marker == "EDDY_URL=":  # served means the login page answered too
                    import http.cookiejar
                    import urllib.request

                    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
                    with opener.open(line.strip().split("=", 1)[1], timeout=30) as response:
                        response.read()
                    elapsed = time.perf_counter() - started
                return elapsed
        raise RuntimeError(f"{marker} not seen within {timeout} s")


def window_times(cmd: list[str], env: dict, timeout: float = 120) -> tuple[float, float]:
    """Seconds from process start to (the window shown, the app's page loaded in it); then SIGTERM."""
    with launched(cmd, env) as (proc, started):
        shown = None
        while time.perf_counter() < started + timeout:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{cmd[0]} exited before its window loaded")
            if line.startswith("EDDY_WINDOW_SHOWN") and shown is None:
                shown = time.perf_counter() - started
            if line.startswith("EDDY_WINDOW_LOADED"):
                return shown if shown is not None else float("nan"), time.perf_counter() - started
        raise RuntimeError(f"the window did not load within {timeout} s")


def sandbox_first_start() -> tuple[float, float]:
    """(create + start the sandbox, load the 125k-row sample shop) in seconds."""
    from core.services.sandbox.manager import SandboxManager

    with tempfile.TemporaryDirectory() as base:
        manager = SandboxManager(Path(base) / "sandbox")
        try:
            started = time.perf_counter()
            manager.start()
            up = time.perf_counter() - started
            started = time.perf_counter()
            manager.load_sample_data()
            return up, time.perf_counter() - started
        finally:
            manager.delete()


def run(server, params) -> None:
    linux = sys.platform.startswith("linux")
    source = [sys.executable, str(ROOT / "launcher.py")]
    variants = [("from source (Qt)", source)]
    sizes = []
    if linux:
        ensure_gtk_built()
        variants += [("GTK one-folder", [str(GTK_ONEDIR)]), ("GTK one-file", [str(GTK_ONEFILE)])]
        sizes += [
            ["GTK one-file dist/Eddy-gtk", mb(GTK_ONEFILE.stat().st_size)],
            ["GTK one-folder dist/Eddy-gtk-onedir (total)", mb(folder_size(GTK_ONEDIR.parent))],
            *[[f"GTK .deb dist/{deb.name}", mb(deb.stat().st_size)] for deb in debs("eddy_")],
        ]
    if WITH_QT:
        ensure_built(ONEDIR, "--onedir")
        ensure_built(ONEFILE, "--onefile")
        qt = "Qt " if linux else ""
        variants += [(f"{qt}one-folder", [str(ONEDIR)]), (f"{qt}one-file", [str(ONEFILE)])]
        sizes += [
            [f"{qt}one-file dist/{EXE}", mb(ONEFILE.stat().st_size)],
            [f"{qt}one-folder dist/Eddy-onedir (total)", mb(folder_size(ONEDIR.parent))],
        ]
    if linux and WITH_QT:
        ensure_built(COMPRESSED, "--onefile", "--compress")
        variants.append(("Qt one-file compressed", [str(COMPRESSED)]))
        sizes.append(["Qt one-file compressed dist/Eddy-compressed", mb(COMPRESSED.stat().st_size)])
        sizes += [
            [f"Qt .deb dist/{deb.name} (make package VARIANT=qt)", mb(deb.stat().st_size)] for deb in debs("eddy-qt_")
        ]
    print_table("Size per build", ["build", "size"], sizes)

    def version_run(cmd):
        started = time.perf_counter()
        subprocess.run(cmd + ["--version"], capture_output=True, timeout=120, check=True)
        return time.perf_counter() - started

    # What a start costs before Eddy runs: process start + imports (+ unpacking, for one-file).
    bare = {name: statistics.median(version_run(cmd) for _ in range(REPEAT)) for name, cmd in variants}
    served = {
        name: statistics.median(time_until(cmd + ["--no-window"], "EDDY_URL=", {}) for _ in range(REPEAT))
        for name, cmd in variants
    }
    windows = {}
    if shutil.which("Xvfb"):
        xvfb, display = start_xvfb()
        try:
            env = {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
            for name, cmd in variants:
                runs = [window_times(cmd, env) for _ in range(REPEAT)]
                windows[name] = tuple(statistics.median(r[i] for r in runs) for i in (0, 1))
        finally:
            xvfb.terminate()
            xvfb.wait(10)
    cli = statistics.median(run_cli(params, "SELECT 1") for _ in range(REPEAT))
    rows = []
    for name, _ in variants:
        rows.append([f"{name}: `--version` (start, imports, exit)", ms(bare[name]), ratio(bare[name], cli)])
    for name, _ in variants:
        rows.append([f"{name}: start → login page served", ms(served[name]), ratio(served[name], cli)])
    for name, _ in variants:
        if name in windows:
            shown, loaded = windows[name]
            rows.append([f"{name}: start → window on screen, loading page (Xvfb)", ms(shown), ratio(shown, cli)])
            rows.append([f"{name}: start → window shows the app's page (Xvfb)", ms(loaded), ratio(loaded, cli)])
    rows.append(["mariadb CLI: start, connect, SELECT 1, exit", ms(cli), "1.00×"])
    print_table(f"Start-up (median of {REPEAT}, warm disk cache)", ["what", "time", "vs mariadb CLI"], rows)

    up, sample = sandbox_first_start()
    print_table(
        "Local sandbox (first use)",
        ["what", "time"],
        [["create + start the sandbox server", ms(up)], ["load the sample shop (125,000 rows)", ms(sample)]],
    )
