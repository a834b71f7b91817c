#!/usr/bin/env python3
"""Start Eddy: the web server on a loopback thread, then the native window (or a browser)."""

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading
import webbrowser

from core import __version__, config, redact
from core.app import EddyApplication
from core.db import DatabaseError
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
    parser.add_argument(
        "--sandbox", action="store_true", help="start (or reuse) the local sandbox server with sample data and log in"
    )
    parser.add_argument("--debug", action="store_true", help="verbose logs, template reloading")
    parser.add_argument("--version", action="version", version=f"Eddy {__version__}")
    return parser.parse_args(argv)


def setup_logging(debug: bool) -> None:
    handlers = [logging.StreamHandler(sys.stderr)] if sys.stderr is not None else []  # windowed .exe: None
    try:
        # Rotated: a desktop app left running for months must not fill the disk with its log.
        log_file = config.user_data_dir() / "eddy.log"
        handlers.append(
            logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        )
    except OSError:
        pass  # a read-only home still runs, with logs on stderr only
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
    )
    logging.getLogger("tornado.access").setLevel(logging.INFO if debug else logging.WARNING)
    redact.install()  # passwords and tokens never reach stderr or eddy.log


def announce(line: str) -> None:
    """One line on stdout for people and for the tests that read it. A windowed Windows build has
    no stdout (sys.stdout is None): there the line goes to $EDDY_ANNOUNCE_FILE when it is set."""
    if sys.stdout is not None:
        print(line, flush=True)
    elif os.environ.get("EDDY_ANNOUNCE_FILE"):
        with open(os.environ["EDDY_ANNOUNCE_FILE"], "a", encoding="utf-8") as f:
            f.write(line + "\n")


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


def run_window(server: ServerThread, url: str, instance=None) -> None:
    import webview

    from core import desktop

    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox refuses to run as root; Qt WebEngine passes this flag on.
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()

    app = server.app
    geometry = desktop.load_geometry(app.store)
    window = None
    gui = os.environ.get("EDDY_GUI") or ("qt" if sys.platform.startswith("linux") else None)
    gui_call = desktop.qt_gui_caller() if gui == "qt" else None
    menu = desktop.build_menu(lambda: window, server.url, gui_call)
    window = webview.create_window(
        "Eddy",
        url,
        width=geometry["width"],
        height=geometry["height"],
        x=geometry["x"],
        y=geometry["y"],
        min_size=(800, 500),
        menu=menu,
        # pywebview's default (False) injects a <style> element into every page, which the CSP
        # refuses ("Refused to apply inline style" once per load); a database client needs text
        # selection anyway.
        text_select=True,
    )
    desktop.GeometryTracker(app.store, window)
    if instance is not None:
        instance.on_focus = lambda: desktop.bring_forward(window)
    app.on_quit = window.destroy
    app.file_dialogs = WindowFileDialogs(window)
    window.events.loaded += lambda: announce("EDDY_WINDOW_LOADED")

    def destroy_on_signal():
        wait_for_stop_signal()
        log.info("Stop signal received: closing the window")
        window.destroy()

    threading.Thread(target=destroy_on_signal, name="eddy-signals", daemon=True).start()
    icon = config.resource_path("build", "eddy.png")
    webview.start(gui=gui, debug=False, private_mode=True, icon=str(icon) if icon.is_file() else None)


def open_sandbox(app: EddyApplication) -> bool:
    """Start the local sandbox (loading the sample shop the first time) and have the launch link
    log into it. On failure say why in one line; Eddy then opens on the connect screen."""
    from core.services.sandbox import SandboxError

    announce("Eddy: starting the local sandbox server...")
    try:
        if app.sandbox.status().get("sample_loaded"):
            params = app.sandbox.start()
        else:
            params, _ = app.sandbox.load_sample_data()
        app.launch_session_id = app.sessions.open(params).id
    except (SandboxError, DatabaseError) as exc:
        announce(f"Eddy: cannot use the sandbox: {exc}")
        return False
    announce(f"EDDY_SANDBOX=127.0.0.1:{params.port}")
    return True


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_logging(args.debug)
    mode = "browser" if args.browser else "none" if args.no_window else "window"
    if mode == "window":
        problem = window_backend_problem()
        if problem:
            announce(f"Eddy: cannot open a window: {problem}. Opening in your browser instead.")
            mode = "browser"

    block_stop_signals()  # before any thread starts: they all inherit the mask
    instance = None
    if mode == "window":
        from core.desktop import SingleInstance

        instance = SingleInstance(config.user_data_dir())
        if instance.notify_running():
            announce("Eddy is already running: its window was brought forward.")
            return 0
        instance.claim()

    token = config.new_launch_token()
    app = EddyApplication(launch_token=token, debug=args.debug)
    server = ServerThread(app, port=args.port)
    try:
        base = server.start()
    except OSError as exc:
        announce(f"Eddy: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
        if instance is not None:
            instance.release()
        return 2
    try:
        if args.sandbox:
            open_sandbox(app)  # inside the try: whatever happens, the finally below stops it
        launch_url = f"{base}/auth?token={token}"
        announce(f"EDDY_URL={launch_url}")
        if mode == "window":
            run_window(server, launch_url, instance)
        else:
            if mode == "browser" and not webbrowser.open(launch_url):
                announce("Eddy: no browser could be started; open the URL above yourself.")
            announce("Eddy is running. Press Ctrl+C to stop.")
            app.on_quit = lambda: os.kill(os.getpid(), signal.SIGTERM)
            wait_for_stop_signal()
    finally:
        server.stop()
        if instance is not None:
            instance.release()
        announce("EDDY_STOPPED")
    return 0


def main_with_crash_dialog(argv=None) -> int:
    """main(), but an unexpected error is logged and shown in a dialog instead of a silent exit
    (a windowed executable has no console to print a traceback to)."""
    threading.excepthook = lambda a: log.error(
        "Unexpected error in thread %s",
        a.thread.name if a.thread else "?",
        exc_info=(a.exc_type, a.exc_value, a.exc_traceback),
    )
    try:
        return main(argv)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        log.critical("Eddy stopped because of an unexpected error", exc_info=True)
        log_file = config.user_data_dir() / "eddy.log"
        message = f"{type(exc).__name__}: {exc}\n\nThe details are in {log_file}."
        announce(f"EDDY_CRASHED {type(exc).__name__}: {exc}")
        if "--no-window" not in (argv if argv is not None else sys.argv[1:]):
            from core.desktop import show_crash_dialog

            show_crash_dialog(message)
        return 1


if __name__ == "__main__":
    sys.exit(main_with_crash_dialog())
