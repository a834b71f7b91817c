"""Loaded into the launcher's own process by tests/test_dialog_folder_window.py (through PYTHONPATH,
only there): reads what the real GTK Open dialog shows.

Once the window shows the app, it opens the connection form and clicks the TLS CA field's Browse…
twice, as a user would. Each native file chooser that appears prints the folder it shows
(EDDY_PROBE_FOLDER=...); the first one then picks $EDDY_PROBE_PICK, the second is cancelled. Then
the field's value is printed (EDDY_PROBE_VALUE=...), the native menu's View > Theme > Dark is run
as GTK runs it and the page's theme printed (EDDY_PROBE_THEME=...), then EDDY_PROBE_DONE.

Page state is read with run_js (the script as is): evaluate_js wraps it in eval(), which the app's
Content-Security-Policy refuses in WebKitGTK.
"""

import os
import signal
import sys
import threading
import time


def _wait(what, condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # the page is navigating: evaluate_js may fail for a moment
            pass
        time.sleep(0.2)
    raise TimeoutError(f"probe: {what} did not happen")


def _probe():
    _wait("a window", lambda: "webview" in sys.modules and sys.modules["webview"].windows, 120)
    window = sys.modules["webview"].windows[0]
    read = window.run_js
    _wait(
        "the app's page",
        lambda: "127.0.0.1" in (window.get_current_url() or "") and "/auth" not in window.get_current_url(),
        120,
    )
    base = "/".join(window.get_current_url().split("/")[:3])
    window.load_url(base + "/connections/new")
    button = "document.querySelector('[data-browse=tls_ca]')"
    _wait("the Browse button", lambda: read(f"!!{button} && document.readyState === 'complete'"))

    from gi.repository import GLib, Gtk

    seen = []

    def watch():
        for dialog in Gtk.Window.list_toplevels():
            if isinstance(dialog, Gtk.FileChooserDialog) and dialog.get_visible() and dialog not in seen:
                folder = dialog.get_current_folder()  # None until the chooser has loaded its folder
                if folder is None:
                    continue
                seen.append(dialog)
                print(f"EDDY_PROBE_FOLDER={folder}", flush=True)
                pick = os.environ.get("EDDY_PROBE_PICK")
                if len(seen) == 1 and pick:
                    dialog.set_filename(pick)
                    GLib.timeout_add(1000, lambda d=dialog: d.response(Gtk.ResponseType.OK) and False)
                else:
                    dialog.response(Gtk.ResponseType.CANCEL)
        return True

    GLib.timeout_add(200, watch)
    for count in (1, 2):
        read(f"{button}.click()")
        _wait(f"dialog {count}", lambda count=count: len(seen) >= count)
        _wait(f"answer {count}", lambda: read(f"!{button}.disabled"))  # the dialog was answered
    value = read("document.querySelector('[name=tls_ca]').value")
    print(f"EDDY_PROBE_VALUE={value}", flush=True)

    from webview.platforms import gtk

    dark = next(function for name, function in gtk._app_actions.items() if name.endswith("_Theme_Dark"))
    dark()
    _wait("the theme", lambda: read("document.documentElement.dataset.theme") == "dark", 10)
    print(f"EDDY_PROBE_THEME={read('document.documentElement.dataset.theme')}", flush=True)
    print("EDDY_PROBE_DONE", flush=True)


def _run():
    # Started before the launcher blocks SIGINT/SIGTERM for its threads: block them here too, or a
    # stop signal could land in this thread and kill the process instead of closing the window.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        _probe()
    except Exception as exc:
        window = sys.modules["webview"].windows[0] if "webview" in sys.modules else None
        where = ""
        if window is not None:
            try:
                where = f" (at {window.get_current_url()}: {window.run_js('document.title')!r})"
            except Exception as problem:
                where = f" (the page cannot be read: {problem})"
        print(f"EDDY_PROBE_DONE failed: {type(exc).__name__}: {exc}{where}", flush=True)


if os.environ.get("EDDY_PROBE_PICK") is not None:
    threading.Thread(target=_run, name="dialog-probe", daemon=True).start()
