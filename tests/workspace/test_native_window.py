"""The native window (pywebview + Qt WebEngine under Xvfb) in dark mode, and its View/Help menus."""

import subprocess
import time

from core import desktop
from tests.test_launcher import ROOT, read_until, start_launcher, stop, xvfb  # noqa: F401 (fixture)


def test_native_menus_offer_palette_theme_zoom_and_the_shortcuts_sheet():
    menu = {m.title: [getattr(i, "title", "") for i in m.items] for m in desktop.build_menu(lambda: None, "http://x")}
    assert "Command palette\tCtrl+K" in menu["View"] and "Theme" in menu["View"]
    view = next(m for m in desktop.build_menu(lambda: None, "http://x") if m.title == "View")
    theme = next(i for i in view.items if getattr(i, "title", "") == "Theme")
    assert [i.title for i in theme.items] == ["Follow the system", "Light", "Dark"]
    assert "Reset zoom\tCtrl+0" in menu["View"]
    assert "Keyboard shortcuts\tF1" in menu["Help"]


def mean_brightness(png) -> float:
    out = subprocess.run(
        ["convert", str(png), "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def test_native_window_follows_a_dark_system_setting_without_csp_violations(tmp_path, xvfb):  # noqa: F811
    # Chromium's own switch for the OS colour scheme (0 = dark), as a dark desktop reports it; Qt's
    # "js" logging category prints the page's console (CSP reports included) to the launcher's output.
    env = {
        "DISPLAY": xvfb,
        "QT_QPA_PLATFORM": "xcb",
        "QTWEBENGINE_CHROMIUM_FLAGS": "--blink-settings=preferredColorScheme=0",
        "QT_LOGGING_RULES": "js=true",
    }
    proc = start_launcher([], tmp_path / "data", env)
    shot = ROOT / "test-artifacts" / "window-dark.png"
    shot.parent.mkdir(exist_ok=True)
    try:
        lines = read_until(proc, "EDDY_WINDOW_LOADED", timeout=90)
        time.sleep(1.5)  # the first paint, and pywebview's scripts injected after "loaded"
        subprocess.run(["import", "-display", xvfb, "-window", "root", str(shot)], check=True, timeout=30)
    finally:
        code, out = stop(proc, timeout=30)
    output = "\n".join(lines) + "\n" + out
    assert code == 0, output
    assert mean_brightness(shot) < 0.35, "the window's page is not dark"
    assert "Refused to apply inline style" not in output, output


def test_the_window_lands_in_the_workspace_with_the_sandbox_orders_in_a_tab(tmp_path, xvfb):  # noqa: F811
    """The window path (pywebview + Qt) after `--sandbox`: the launch link lands in /workspace,
    whose tab loads the orders grid and its rows (read from the access log, --debug)."""
    from core.services.sandbox.manager import SandboxManager

    data_dir = tmp_path / "data"
    proc = start_launcher(["--sandbox", "--debug"], data_dir, {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    try:
        lines = read_until(proc, "POST /api/db/eddy_shop/table/orders/rows", timeout=180, anywhere=True)
    finally:
        code, out = stop(proc, timeout=120)  # the window, then the sandbox server, under load
        SandboxManager(data_dir / "sandbox").delete()
    requests = [line.split("tornado.access: ", 1)[1] for line in lines if "tornado.access: " in line]
    gets = [r.split()[2] for r in requests if r.split()[1] == "GET"]
    pages = [path for path in gets if not path.startswith(("/api", "/static"))]
    assert pages[:3] == ["/auth", "/workspace", "/db/eddy_shop/table/orders"], requests
    failed = [r for r in requests if not r.startswith(("200", "302", "304")) and "/favicon.ico" not in r]
    assert not failed, failed
    assert code == 0, out
