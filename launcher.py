#!/usr/bin/env python3
"""Start Eddy: the web server on a loopback thread, then the native window (or a browser)."""

import argparse
import logging
import logging.handlers
import os
import signal
import sys
import threading

from core import __version__, config, redact

log = logging.getLogger("eddy")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# After the window closed and everything was stopped, a worker still busy (a read on a connection
# that never answers) must not keep an invisible process alive: it gets this long, then Eddy exits.
EXIT_GRACE_SECONDS = 5.0


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
    if sys.platform.startswith("linux") and linux_gui() is None:
        return "neither Qt WebEngine (PyQt6-WebEngine) nor GTK WebKit2 is available"
    return None


def linux_gui() -> str | None:
    """pywebview's backend on Linux: $EDDY_GUI, else Qt WebEngine when bundled/installed, else GTK
    WebKit2 (the small build uses the system's WebKitGTK); None when neither is there."""
    if os.environ.get("EDDY_GUI"):
        return os.environ["EDDY_GUI"]
    try:
        from PyQt6 import QtWebEngineWidgets  # noqa: F401

        return "qt"
    except ImportError:
        pass
    try:
        import gi

        gi.require_version("WebKit2", "4.1")
        gi.require_version("Gtk", "3.0")
        from gi.repository import Gtk

        return "gtk" if Gtk.init_check()[0] else None  # GTK exits in webview.start() without a display
    except (ImportError, ValueError):
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


def start_server(args, token: str, progress=None):
    """The app and its server on a loopback thread (and the sandbox with --sandbox): (app, server,
    launch URL). Raises OSError when the port cannot be had. The imports are here, not at the top,
    so that the window (and its loading screen) appears before they run."""
    from core.app import EddyApplication
    from core.server import ServerThread

    app = EddyApplication(launch_token=token, debug=args.debug)
    server = ServerThread(app, port=args.port)
    try:
        base = server.start()
    except OSError:
        app.shutdown()
        raise
    if args.sandbox:
        if progress:
            progress("Starting the local sandbox…")
        try:
            open_sandbox(app)
        except BaseException:
            server.stop()
            raise
    return app, server, f"{base}/auth?token={token}"


def run_window(args, token: str, instance) -> int:
    """The window first, showing a loading screen drawn from a local page (no web server needed, no
    blank white), then the server starts in webview's start thread and the window navigates to it."""
    import webview

    from core import desktop

    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox refuses to run as root; Qt WebEngine passes this flag on.
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()

    geometry = desktop.load_saved_geometry(config.user_data_dir())
    gui = linux_gui() if sys.platform.startswith("linux") else os.environ.get("EDDY_GUI")
    gui_call = desktop.qt_gui_caller() if gui == "qt" else None
    if gui == "gtk":
        # WebKitGTK's DMA-BUF renderer draws nothing without a GPU (VMs, remote desktops, Xvfb):
        # the window stays blank. Its shared-memory path works everywhere.
        os.environ.setdefault("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
    state = {"server": None, "base": "", "code": 0}
    loading_shown = threading.Event()  # the loading page's own "loaded" has come
    window = None
    menu = desktop.build_menu(lambda: window, lambda: state["base"], gui_call)
    app_menu = menu if gui == "gtk" else []  # GTK has one menu bar for the app, not one per window
    window = webview.create_window(
        "Eddy",
        html=desktop.loading_html(),
        width=geometry["width"],
        height=geometry["height"],
        x=geometry["x"],
        y=geometry["y"],
        min_size=(800, 500),
        menu=[] if app_menu else menu,
        background_color=desktop.LOADING_BACKGROUND,
        # pywebview's default (False) injects a <style> element into every page, which the CSP
        # refuses ("Refused to apply inline style" once per load); a database client needs text
        # selection anyway.
        text_select=True,
    )
    window.events.shown += lambda: announce("EDDY_WINDOW_SHOWN")

    def on_loaded():
        # The first "loaded" is the loading page's; boot() navigates only after it, so every later
        # one is the app's (unless start-up failed and the window shows why).
        if not loading_shown.is_set():
            loading_shown.set()
        elif state["code"] == 0:
            announce("EDDY_WINDOW_LOADED")

    window.events.loaded += on_loaded
    if instance is not None:
        instance.on_focus = lambda: desktop.bring_forward(window)

    def boot():
        try:
            app, server, launch_url = start_server(args, token, lambda text: desktop.show_progress(window, text))
        except OSError as exc:
            message = f"Eddy: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}"
            announce(message)
            state["code"] = 2
            window.load_html(desktop.loading_html(message, failed=True))
            return
        except Exception as exc:
            return boot_failed(exc)
        try:
            state.update(server=server, base=server.url)
            desktop.GeometryTracker(app.store, window, geometry)
            app.on_quit = window.destroy
            from core.file_dialogs import WindowFileDialogs

            app.file_dialogs = WindowFileDialogs(window, app.store)
            announce(f"EDDY_URL={launch_url}")
            loading_shown.wait(3)  # a quick server must not race the loading page's own load
            loading_shown.set()
            window.load_url(launch_url)
        except Exception as exc:
            boot_failed(exc)

    def boot_failed(exc: Exception) -> None:
        """Said in the window (no console for a double-clicked app), in the log and in one line."""
        log.critical("Eddy could not start", exc_info=True)
        log_file = config.user_data_dir() / "eddy.log"
        window.load_html(desktop.loading_html(f"Eddy could not start: {exc}. Details: {log_file}", failed=True))
        announce(f"EDDY_CRASHED {type(exc).__name__}: {exc}")
        state["code"] = 1

    def destroy_on_signal():
        wait_for_stop_signal()
        log.info("Stop signal received: closing the window")
        window.destroy()

    threading.Thread(target=destroy_on_signal, name="eddy-signals", daemon=True).start()
    icon = config.resource_path("build", "eddy.png")
    # Private mode keeps cookies and storage in memory. pywebview's GTK backend also switches the
    # page's localStorage off there (null), which stops the app's scripts (theme, tree, tabs): on
    # GTK the web data lives in the user's data folder instead.
    private = gui != "gtk"
    try:
        webview.start(
            boot,
            gui=gui,
            debug=False,
            private_mode=private,
            storage_path=None if private else str(config.user_data_dir() / "webview"),
            menu=app_menu,
            icon=str(icon) if icon.is_file() else None,
        )
    finally:
        if state["server"] is not None:
            state["server"].stop()
    return state["code"]


def open_sandbox(app) -> bool:
    """Start the local sandbox (loading the sample shop the first time) and have the launch link
    log into it. On failure say why in one line; Eddy then opens on the connect screen."""
    from core.db import DatabaseError
    from core.services.sandbox.server import SandboxError

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
    if os.name == "posix":
        os.umask(0o077)  # every file Eddy creates (log, temp files, uploads, exports) is the user's alone
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
    if mode == "window":
        try:
            code = run_window(args, token, instance)
        finally:
            if instance is not None:
                instance.release()
            announce("EDDY_STOPPED")
        return code
    try:
        app, server, launch_url = start_server(args, token)
    except OSError as exc:
        announce(f"Eddy: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
        return 2
    try:
        announce(f"EDDY_URL={launch_url}")
        if mode == "browser":
            import webbrowser  # here, not at start-up: only the --browser mode needs it

            if not webbrowser.open(launch_url):
                announce("Eddy: no browser could be started; open the URL above yourself.")
        announce("Eddy is running. Press Ctrl+C to stop.")
        app.on_quit = lambda: os.kill(os.getpid(), signal.SIGTERM)
        wait_for_stop_signal()
    finally:
        server.stop()
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


def exit_when_done(code: int) -> None:
    """Exit with code once the other non-daemon threads have ended, or after EXIT_GRACE_SECONDS
    without them (named in the log): the interpreter would otherwise wait for them forever."""
    import time

    deadline = time.monotonic() + EXIT_GRACE_SECONDS
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    busy = [
        t.name for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon and t.is_alive()
    ]
    if not busy:
        sys.exit(code)
    log.warning("Exiting with threads still busy after %.0f s: %s", EXIT_GRACE_SECONDS, ", ".join(busy))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_when_done(main_with_crash_dialog())
