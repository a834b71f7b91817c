#!/usr/bin/env python3
"""Start Eddy: the web server on a loopback thread, then the native window (or a browser)."""

import argparse
import logging
import os
import signal
import sys
import threading
import webbrowser

from core import __version__, config
from core.app import EddyApplication
from core.file_dialogs import WindowFileDialogs
from core.server import ServerThread

log = logging.getLogger("eddy")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="eddy", description="Eddy: a fast MySQL/MariaDB workbench.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--browser", action="store_true", help="open the system browser instead of a window")
    mode.add_argument("--no-window", action="store_true", help="serve and print the URL only (headless use)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--debug", action="store_true", help="verbose logs, template reloading")
    parser.add_argument("--version", action="version", version=f"Eddy {__version__}")
    return parser.parse_args(argv)


def setup_logging(debug: bool) -> None:
    handlers = [logging.StreamHandler(sys.stderr)]
    try:
        handlers.append(logging.FileHandler(config.user_data_dir() / "eddy.log", encoding="utf-8"))
    except OSError:
        pass  # a read-only home still runs, with logs on stderr only
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
    )
    logging.getLogger("tornado.access").setLevel(logging.INFO if debug else logging.WARNING)


def announce(line: str) -> None:
    """One line on stdout for people and for the tests that read it."""
    print(line, flush=True)


def window_backend_problem() -> str | None:
    """Why a native window cannot open here, or None when it can."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY/WAYLAND_DISPLAY unset)"
    try:
        import webview  # noqa: F401
    except ImportError as exc:
        return f"pywebview is not installed ({exc})"
    if sys.platform.startswith("linux"):
        try:
            from PyQt6 import QtWebEngineWidgets  # noqa: F401
        except ImportError:
            try:
                import gi

                gi.require_version("WebKit2", "4.1")
            except (ImportError, ValueError) as exc:
                return f"neither Qt WebEngine (PyQt6-WebEngine) nor GTK WebKit2 is available ({exc})"
    return None


def block_stop_signals() -> bool:
    """Block SIGINT/SIGTERM in every thread we will start, so one thread can sigwait for them."""
    if not hasattr(signal, "pthread_sigmask"):
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    return True


def wait_for_stop_signal() -> None:
    if hasattr(signal, "sigwait"):
        signal.sigwait(STOP_SIGNALS)
    else:  # Windows: Ctrl+C arrives as KeyboardInterrupt
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


def run_window(server: ServerThread, url: str) -> None:
    import webview

    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox refuses to run as root; Qt WebEngine passes this flag on.
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()

    window = webview.create_window("Eddy", url, width=1280, height=820, min_size=(800, 500))
    server.app.on_quit = window.destroy
    server.app.file_dialogs = WindowFileDialogs(window)
    window.events.loaded += lambda: announce("EDDY_WINDOW_LOADED")

    def destroy_on_signal():
        wait_for_stop_signal()
        log.info("Stop signal received: closing the window")
        window.destroy()

    threading.Thread(target=destroy_on_signal, name="eddy-signals", daemon=True).start()
    gui = os.environ.get("EDDY_GUI") or ("qt" if sys.platform.startswith("linux") else None)
    webview.start(gui=gui, debug=False, private_mode=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_logging(args.debug)
    mode = "browser" if args.browser else "none" if args.no_window else "window"
    if mode == "window":
        problem = window_backend_problem()
        if problem:
            announce(f"Eddy: cannot open a window: {problem}. Opening in your browser instead.")
            mode = "browser"

    block_stop_signals()
    token = config.new_launch_token()
    app = EddyApplication(launch_token=token, debug=args.debug)
    server = ServerThread(app, port=args.port)
    try:
        base = server.start()
    except OSError as exc:
        announce(f"Eddy: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
        return 2
    launch_url = f"{base}/auth?token={token}"
    announce(f"EDDY_URL={launch_url}")

    try:
        if mode == "window":
            run_window(server, launch_url)
        else:
            if mode == "browser" and not webbrowser.open(launch_url):
                announce("Eddy: no browser could be started; open the URL above yourself.")
            announce("Eddy is running. Press Ctrl+C to stop.")
            app.on_quit = lambda: os.kill(os.getpid(), signal.SIGTERM)
            wait_for_stop_signal()
    finally:
        server.stop()
        announce("EDDY_STOPPED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
