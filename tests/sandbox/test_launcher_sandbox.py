"""`launcher.py --sandbox` (what `make demo` runs): lands logged in on the sample shop, stops the
server cleanly on exit, and the next launch finds the data still there."""

import http.cookiejar
import urllib.parse
import urllib.request
from pathlib import Path

from core.services.sandbox.manager import SandboxManager
from tests.test_launcher import launch_url, read_until, start_launcher, stop


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def open_home(url: str) -> str:
    """The launch link lands logged in, in the workspace with the sample's orders in a tab: that
    tab's page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(url, timeout=20) as response:
        assert not response.url.endswith("/login"), "the launch link should land logged in"
        landed = urllib.parse.urlsplit(response.url)
    assert landed.path == "/workspace", response.url
    tab = urllib.parse.parse_qs(landed.query)["open"][0]
    assert tab == "/db/eddy_shop/table/orders", tab
    with opener.open(urllib.parse.urljoin(response.url, tab), timeout=20) as page:
        return page.read().decode()


def run_once(data_dir) -> tuple[str, int]:
    proc = start_launcher(["--no-window", "--sandbox"], data_dir)
    try:
        lines = read_until(proc, "EDDY_URL=", timeout=120)
        assert any(line.startswith("EDDY_SANDBOX=127.0.0.1:") for line in lines), lines
        body = open_home(launch_url(lines))
        pid = int((data_dir / "sandbox" / "mysqld.pid").read_text())
        assert pid_alive(pid)
    finally:
        code, out = stop(proc, timeout=60)
    assert code == 0, out
    return body, pid


def test_sandbox_flag_lands_logged_in_and_data_survives_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    try:
        body, pid = run_once(data_dir)
        assert "eddy_shop" in body
        assert not pid_alive(pid), "the sandbox server stops when Eddy exits"
        assert not (data_dir / "sandbox" / "init.sql").exists()

        body, pid = run_once(data_dir)  # a second Eddy: the same sandbox, the data still there
        assert "eddy_shop" in body
        assert not pid_alive(pid)
    finally:
        SandboxManager(data_dir / "sandbox").delete()


def test_sandbox_flag_without_a_server_binary_says_how_to_install(tmp_path):
    env = {"EDDY_MARIADBD": str(tmp_path / "missing" / "mariadbd")}
    proc = start_launcher(["--no-window", "--sandbox"], tmp_path, env)
    try:
        lines = read_until(proc, "EDDY_URL=", timeout=60)
    finally:
        code, out = stop(proc)
    text = "\n".join(lines) + out
    assert "cannot use the sandbox" in text and "Install MariaDB" in text
    assert "Traceback" not in text
    assert code == 0
