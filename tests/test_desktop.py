"""Desktop behaviour: one instance per user, the window's geometry remembered, About/Logs pages,
and a crash dialog instead of a silent exit."""

import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

import launcher
from core import desktop
from core.app import EddyApplication
from core.config import new_launch_token
from core.desktop import SingleInstance
from core.store import Store
from tests.test_launcher import ROOT, read_until, start_launcher, stop, xvfb  # noqa: F401 (fixture)
from tests.web.client import EddyTestCase


def test_second_instance_asks_the_first_to_come_forward(tmp_path):
    first = SingleInstance(tmp_path)
    focused = threading.Event()
    first.on_focus = focused.set
    first.claim()
    try:
        assert (tmp_path / "instance.json").stat().st_mode & 0o077 == 0, "the secret is private"
        assert SingleInstance(tmp_path).notify_running()
        assert focused.wait(5)
    finally:
        first.release()
    assert not (tmp_path / "instance.json").exists()
    assert not SingleInstance(tmp_path).notify_running(), "no instance left: the next launch starts"


def test_a_wrong_secret_does_not_focus(tmp_path):
    first = SingleInstance(tmp_path)
    focused = threading.Event()
    first.on_focus = focused.set
    first.claim()
    try:
        (tmp_path / "instance.json").write_text(
            (tmp_path / "instance.json").read_text().replace(first._secret, "guessed")
        )
        assert not SingleInstance(tmp_path).notify_running()
        assert not focused.is_set()
    finally:
        first.release()


def test_geometry_is_loaded_within_sane_bounds(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    assert desktop.load_geometry(store) == desktop.DEFAULT_GEOMETRY
    store.set_setting(desktop.GEOMETRY_SETTING, {"width": 50, "height": 700, "x": 10, "y": "bad"})
    assert desktop.load_geometry(store) == {"width": 800, "height": 700, "x": 10, "y": None}
    store.close()


def test_windowed_launch_is_single_instance_and_remembers_geometry(tmp_path, xvfb):  # noqa: F811
    env = {"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"}
    data = tmp_path / "data"
    first = start_launcher([], data, env)
    try:
        read_until(first, "EDDY_WINDOW_LOADED", timeout=90)
        second = start_launcher([], data, env)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0, out
        assert "already running" in out
        assert "EDDY_URL=" not in out, "the second launch starts no server of its own"
    finally:
        code, out = stop(first, timeout=30)
    assert code == 0, out
    assert "asked this window to come forward" in out
    store = Store(data / "eddy.sqlite3")
    geometry = store.get_setting(desktop.GEOMETRY_SETTING)
    store.close()
    assert geometry and geometry["width"] >= 800 and geometry["height"] >= 500


def test_menu_has_file_edit_view_help():
    menu = desktop.build_menu(lambda: None, "http://127.0.0.1:1")
    assert [m.title for m in menu] == ["File", "Edit", "View", "Help"]
    titles = {item.title for m in menu for item in m.items if hasattr(item, "title")}
    assert {"Show logs", "Copy", "Paste", "About Eddy", "Quit"} <= titles


def menu_actions(items, prefix=""):
    """(pywebview's GTK action name, title) of every action, nested menus included, named as
    webview/platforms/gtk.py's create_menu names them."""
    from webview.menu import Menu, MenuAction

    for item in items:
        if isinstance(item, Menu):
            yield from menu_actions(item.items, f"{prefix}_{item.title}")
        elif isinstance(item, MenuAction):
            yield f"{prefix}_{item.title}".replace(" ", "_"), item.title


def test_menu_titles_make_action_names_gtk_accepts():
    """The GTK build turns each title into a GAction name; GLib's detailed-name parser aborts the
    process (GLib-GIO-ERROR, SIGTRAP) on a ':' or '(' in it ("Theme: dark" did, at every start)."""
    menu = desktop.build_menu(lambda: None, "http://127.0.0.1:1")
    names = [name for top in menu for name, _ in menu_actions(top.items, f"_{top.title}")]
    assert len(names) > 10
    assert [name for name in names if re.search(r"[:()]", name)] == []


def test_unexpected_error_shows_a_dialog_and_exits_1(monkeypatch, capsys):
    shown = []

    def broken(argv=None):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restored afterwards
    monkeypatch.setattr(launcher, "main", broken)
    monkeypatch.setattr(desktop, "show_crash_dialog", shown.append)
    assert launcher.main_with_crash_dialog([]) == 1
    assert shown and "the disk caught fire" in shown[0] and "eddy.log" in shown[0]
    assert "EDDY_CRASHED RuntimeError: the disk caught fire" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--no-window"]])
def test_headless_crash_prints_but_opens_no_dialog(monkeypatch, argv):
    shown = []
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(launcher, "main", lambda argv=None: 1 / 0)
    monkeypatch.setattr(desktop, "show_crash_dialog", shown.append)
    assert launcher.main_with_crash_dialog(argv) == 1
    assert shown == []


class TestAboutPages(EddyTestCase):
    def get_app(self):
        self.token = new_launch_token()
        self.data_dir = Path(tempfile.mkdtemp())
        os.environ["EDDY_DATA_DIR"] = str(self.data_dir)  # the log file lives in the user data folder
        self.app = EddyApplication(launch_token=self.token, data_dir=self.data_dir)
        return self.app

    def tearDown(self):
        os.environ.pop("EDDY_DATA_DIR", None)
        super().tearDown()

    def test_about_shows_version_and_licences(self):
        from core import __version__

        self.launch()
        body = self.text(self.request("/about"))
        assert f"Eddy {__version__}" in body
        assert "tornado" in body.lower() and "Apache License" in body, "licence texts are shown"

    def test_show_logs_shows_the_tail_of_the_log(self):
        (self.data_dir / "eddy.log").write_text("first line\nlast line <b>\n")
        self.launch()
        body = self.text(self.request("/about/logs"))
        assert "last line &lt;b&gt;" in body and str(self.data_dir / "eddy.log") in body

    def test_tour_can_be_taken_again(self):
        self.launch()
        self.app.store.set_setting("tour.dismissed", True)
        assert self.request("/about/tour").code == 302
        assert self.app.store.get_setting("tour.dismissed") is False


PASTE_CHECK = """
import sys, threading
from PyQt6.QtCore import QCoreApplication, Qt, QTimer
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
from PyQt6.QtWebEngineWidgets import QWebEngineView
from PyQt6.QtWidgets import QApplication
from core import desktop

gui_call = desktop.qt_gui_caller()  # made on the main thread, as launcher.run_window does
app = QApplication(["eddy-paste-check"])
view = QWebEngineView()
view.setHtml("<input id=i autofocus>")
view.show()
window = type("Window", (), {"native": type("Native", (), {"webview": view})()})()

def loaded(ok):
    app.clipboard().setText("pasted \\u2713")
    view.setFocus()
    view.page().runJavaScript("document.getElementById('i').focus()")
    # pywebview runs menu actions on a worker thread: so does this check.
    paste = desktop.edit_action(lambda: window, "paste", gui_call)
    QTimer.singleShot(300, lambda: threading.Thread(target=paste).start())
    QTimer.singleShot(1500, check)

def check():
    view.page().runJavaScript("document.getElementById('i').value", lambda v: (print("VALUE=" + v), app.quit()))

view.loadFinished.connect(loaded)
QTimer.singleShot(30000, app.quit)
app.exec()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Qt backend is Linux's")
def test_paste_menu_pastes_the_clipboard_into_the_page(xvfb):  # noqa: F811
    """Edit > Paste: a page script cannot read the clipboard, so Qt's own paste action is used."""
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb", "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox"}
    done = subprocess.run(
        [sys.executable, "-c", PASTE_CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
    )
    assert "VALUE=pasted ✓" in done.stdout, done.stdout + done.stderr[-2000:]
