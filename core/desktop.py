"""What makes the window feel like a desktop app: one instance per user, the window's size and
place remembered, native menus, and a crash dialog instead of a silent exit.

Used by launcher.py in window mode only (--no-window and --browser runs are independent servers).
"""

import json
import logging
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from core.appdata import AppDataWriteFailed, write_atomic

log = logging.getLogger("eddy.desktop")

GEOMETRY_SETTING = "window.geometry"
DEFAULT_GEOMETRY = {"width": 1280, "height": 820, "x": None, "y": None}


# -- single instance -------------------------------------------------------------------------
class SingleInstance:
    """The first windowed Eddy listens on a loopback port named in <data>/instance.json, with a
    secret; a second launch sends the secret, the first one brings its window forward, and the
    second exits. The file is 0600: another local user can neither read nor spoof it."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "instance.json"
        self._sock: socket.socket | None = None
        self._secret = secrets.token_urlsafe(16)
        self.on_focus = None  # set once the window exists

    def notify_running(self, timeout: float = 2.0) -> bool:
        """True if another Eddy answered (and was asked to show itself)."""
        try:
            info = json.loads(self.path.read_text())
            with socket.create_connection(("127.0.0.1", int(info["port"])), timeout=timeout) as sock:
                sock.settimeout(timeout)
                sock.sendall(f"focus {info['secret']}\n".encode())
                return sock.recv(16).startswith(b"ok")
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def claim(self) -> None:
        """Become the running instance: listen and write instance.json."""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        info = {"port": self._sock.getsockname()[1], "secret": self._secret, "pid": os.getpid()}
        try:
            write_atomic(self.path, json.dumps(info).encode())
        except AppDataWriteFailed as exc:  # a full disk: run anyway; a second launch opens a second window
            log.warning("%s A second launch cannot find this window.", exc.message)
        threading.Thread(target=self._serve, name="eddy-instance", daemon=True).start()

    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(2)
                    line = conn.recv(256).decode(errors="replace").strip()
                    if line == f"focus {self._secret}":
                        conn.sendall(b"ok\n")
                        log.info("Another launch asked this window to come forward")
                        if self.on_focus:
                            self.on_focus()
                except OSError:
                    pass

    def release(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
            try:
                if json.loads(self.path.read_text()).get("secret") == self._secret:
                    self.path.unlink()
            except (OSError, ValueError):
                pass


def bring_forward(window) -> None:
    """Show, un-minimise and raise the window (pywebview has no focus(); on_top flips raise it)."""
    try:
        window.restore()
        window.show()
        window.on_top = True
        window.on_top = False
    except Exception as exc:  # a backend without one of these still keeps running
        log.warning("Could not bring the window forward: %s", exc)


# -- window geometry -------------------------------------------------------------------------
def load_saved_geometry(data_dir: Path) -> dict:
    """The window's last size and place, read before the app (and its store) is up."""
    from core.store import Store

    try:
        store = Store(Path(data_dir) / "eddy.sqlite3")
    except (OSError, sqlite3.Error) as exc:
        log.warning("Window geometry not read: %s", exc)
        return dict(DEFAULT_GEOMETRY)
    try:
        return load_geometry(store)
    finally:
        store.close()


def load_geometry(store) -> dict:
    saved = store.get_setting(GEOMETRY_SETTING) or {}
    geometry = dict(DEFAULT_GEOMETRY)
    for key in geometry:
        value = saved.get(key)
        if isinstance(value, int):
            geometry[key] = value
    geometry["width"] = max(800, min(geometry["width"], 10000))
    geometry["height"] = max(500, min(geometry["height"], 10000))
    return geometry


class GeometryTracker:
    """Follows the window's moves and resizes; saved once, when the window closes."""

    def __init__(self, store, window, geometry: dict | None = None):
        self.store = store
        self.geometry = dict(geometry) if geometry else load_geometry(store)
        window.events.resized += self.resized
        window.events.moved += self.moved
        window.events.closing += self.save

    def resized(self, width, height):
        self.geometry.update(width=int(width), height=int(height))

    def moved(self, x, y):
        self.geometry.update(x=int(x), y=int(y))

    def save(self):
        try:
            self.store.set_setting(GEOMETRY_SETTING, self.geometry)
        except Exception as exc:  # the store may already be closing: the geometry is not worth a crash
            log.warning("Window geometry not saved: %s", exc)


# -- menus -----------------------------------------------------------------------------------
_relay = None  # keeps the Qt relay object alive


def qt_gui_caller():
    """A function that runs a callable on Qt's GUI thread (menu actions run on worker threads), or
    None when the backend is not Qt. Call on the main thread before webview.start()."""
    global _relay
    try:
        from PyQt6.QtCore import QObject, Qt, pyqtSignal
    except ImportError:
        return None

    class Relay(QObject):
        call = pyqtSignal(object)

    _relay = Relay()
    _relay.call.connect(lambda fn: fn(), Qt.ConnectionType.QueuedConnection)
    return _relay.call.emit


EDIT_ACTIONS = {"cut": "Cut", "copy": "Copy", "paste": "Paste", "selectAll": "SelectAll"}


def edit_action(window_ref, name: str, gui_call=None):
    """Cut/Copy/Paste/Select all. On Qt: the web view's own actions (a page script may not read
    the clipboard, so execCommand('paste') does nothing there); elsewhere document.execCommand."""

    def run():
        window = window_ref()
        view = getattr(getattr(window, "native", None), "webview", None)
        if gui_call is not None and view is not None:
            from PyQt6.QtWebEngineCore import QWebEnginePage

            action = getattr(QWebEnginePage.WebAction, EDIT_ACTIONS[name])
            gui_call(lambda: view.triggerPageAction(action))
        else:
            window.run_js(f"document.execCommand({json.dumps(name)})")

    return run


def build_menu(window_ref, base_url, gui_call=None):
    """File, Edit, View, Help: pywebview's native menu bar (Qt, Cocoa, WinForms). `base_url` is the
    server's URL or a function returning it (the menu exists before the server has started)."""
    from webview.menu import Menu, MenuAction, MenuSeparator

    def go(path):
        def navigate():
            base = base_url() if callable(base_url) else base_url
            if base:  # still on the loading screen: nothing to go to yet
                window_ref().load_url(base + path)

        return navigate

    def edit(name):
        return edit_action(window_ref, name, gui_call)

    # The window's scripts run with run_js (as written): evaluate_js wraps them in eval(), which the
    # app's Content-Security-Policy (script-src 'self') refuses in WebKitGTK, so on the GTK build no
    # menu command reached the page.
    def workspace(command):
        # ui/static/js/workspace.js: the same actions as the page's View/Help menus and palette.
        script = f"window.eddyWorkspace && window.eddyWorkspace.run({json.dumps(command)})"
        return lambda: window_ref().run_js(script)

    return [
        Menu(
            "File",
            [
                MenuAction("Connect…", go("/login")),
                MenuAction("Show logs", go("/about/logs")),
                MenuSeparator(),
                MenuAction("Quit", lambda: window_ref().destroy()),
            ],
        ),
        Menu(
            "Edit",
            [
                MenuAction("Cut", edit("cut")),
                MenuAction("Copy", edit("copy")),
                MenuAction("Paste", edit("paste")),
                MenuSeparator(),
                MenuAction("Select all", edit("selectAll")),
            ],
        ),
        Menu(
            "View",
            [
                MenuAction("Home", go("/")),
                MenuAction("Reload", lambda: window_ref().run_js("location.reload()")),
                MenuSeparator(),
                MenuAction("Command palette\tCtrl+K", workspace("palette")),
                MenuAction("Schema tree\tCtrl+B", workspace("tree")),
                MenuSeparator(),
                # A submenu, not "Theme: dark": pywebview's GTK backend makes each title a GAction
                # name, and GLib aborts the process on a ':' in one.
                Menu(
                    "Theme",
                    [
                        MenuAction("Follow the system", workspace("theme-system")),
                        MenuAction("Light", workspace("theme-light")),
                        MenuAction("Dark", workspace("theme-dark")),
                    ],
                ),
                MenuSeparator(),
                MenuAction("Zoom in\tCtrl+=", workspace("zoom-in")),
                MenuAction("Zoom out\tCtrl+-", workspace("zoom-out")),
                MenuAction("Reset zoom\tCtrl+0", workspace("zoom-reset")),
            ],
        ),
        Menu(
            "Help",
            [
                MenuAction("Keyboard shortcuts\tF1", workspace("shortcuts")),
                MenuAction("Take the tour again", go("/about/tour")),
                MenuAction("About Eddy", go("/about")),
            ],
        ),
    ]


# -- loading screen --------------------------------------------------------------------------
# The window's background and the loading page share the app's colours, so the first frame the
# window shows is never a blank white one.
LOADING_BACKGROUND = "#F6F7F9"
_LOADING_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Eddy</title><style>
html,body{margin:0;height:100%;overflow:hidden;background:#f6f7f9;color:#1d2330;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header{background:#111827;color:#fff;font-weight:700;font-size:17px;padding:9px 16px}
body{display:flex;flex-direction:column}
main{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:14px}
.spin{width:28px;height:28px;border-radius:50%;border:3px solid #dfe3ea;border-top-color:#0b6bcb;
  animation:r .8s linear infinite}
.failed .spin{display:none} .failed #status{color:#b42318;max-width:640px;text-align:center}
@keyframes r{to{transform:rotate(360deg)}}
</style></head><body class="__CLASS__"><header>Eddy</header>
<main><div class="spin"></div><div id="status">__STATUS__</div></main></body></html>"""


def loading_html(status: str = "Starting Eddy…", failed: bool = False) -> str:
    """The page the window shows while the server starts (or the reason it could not)."""
    import html

    return _LOADING_PAGE.replace("__CLASS__", "failed" if failed else "").replace("__STATUS__", html.escape(status))


def show_progress(window, text: str) -> None:
    """Change the loading screen's line (e.g. while the sandbox starts)."""
    try:
        window.run_js(f"document.getElementById('status').textContent = {json.dumps(text)}")
    except Exception as exc:  # the window may be closing; the line is only a courtesy
        log.debug("Loading screen not updated: %s", exc)


# -- crash dialog ----------------------------------------------------------------------------
def show_crash_dialog(message: str) -> bool:
    """Tell the user in a native dialog (True if one could be shown)."""
    title = "Eddy stopped because of an error"
    try:
        if sys.platform == "win32":
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, message, title, 0x10)
            return True
        if sys.platform == "darwin":
            script = f'display dialog {json.dumps(message)} with title {json.dumps(title)} buttons {{"OK"}}'
            subprocess.run(["osascript", "-e", script], timeout=600)
            return True
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return False
        for tool, args in (
            ("zenity", ["--error", f"--title={title}", f"--text={message}"]),
            ("kdialog", ["--title", title, "--error", message]),
        ):
            if shutil.which(tool):
                subprocess.run([tool, *args], timeout=600)
                return True
        from PyQt6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication([])
        QMessageBox.critical(None, title, message)
        return True
    except Exception as exc:  # the dialog itself failed: the log and stderr still say what happened
        log.warning("Crash dialog could not be shown: %s", exc)
        return False
