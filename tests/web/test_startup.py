"""Start-up: the first page is served before the rest of the app is imported, which then loads
in the background (or on the first request that needs it)."""

import json
import os
import subprocess
import sys
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Modules the login page does not need; each cost start-up time when imported before it.
NOT_AT_START = [
    "keyring",
    "webbrowser",
    "core.services.query.jobs",
    "core.services.sandbox.manager",
    "core.services.grid.windows",
    "core.services.transfer.csv_import",
    "core.web.api_editor",
    "core.web.api_grid",
    "core.web.api_transfer",
]
# Not loaded until the first page has been served: the database driver and what only a connected
# session, a saved password or the sandbox needs. The login page is drawn without them.
NOT_BEFORE_FIRST_PAGE = [
    *NOT_AT_START,
    "pymysql",
    "cryptography",
    "paramiko",
    "core.db.connection",
    "core.db.statements",
    "msgspec",
    "core.services.schema.browse",
    "core.services.sandbox.server",
]
# launcher --no-window up to the first page, then what is loaded (the warm-up held back).
FIRST_PAGE_PROBE = """
import json, sys, urllib.request
from http.cookiejar import CookieJar
import core.app, launcher
core.app.WARM_UP_AFTER_SECONDS = 3600
app, server, url = launcher.start_server(launcher.parse_args(["--no-window"]), "launch-token")
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
with opener.open(url, timeout=30) as response:
    page = response.read().decode()
loaded = [m for m in sys.argv[1:] if m in sys.modules]
server.stop()
print(json.dumps({"login_form": 'id="connect-form"' in page, "loaded": loaded}))
"""


def test_launcher_imports_only_what_the_first_page_needs():
    code = f"import json, sys, launcher; print(json.dumps([m for m in {NOT_AT_START!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_first_page_is_served_without_the_driver_and_the_keyring(tmp_path):
    env = {**os.environ, "EDDY_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAGE_PROBE, *NOT_BEFORE_FIRST_PAGE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(out.stdout) == {"login_form": True, "loaded": []}


def test_routes_load_after_the_first_page_and_on_first_use(running_app):
    app = running_app.app
    assert app.lazy_routes._router is None and "query_jobs" not in app.__dict__
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(running_app.launch_url, timeout=30) as response:  # -> the login page
        assert b"<form" in response.read()
    # A route of a module not loaded yet answers (loaded now, or already by the warm-up thread).
    with opener.open(running_app.base_url + "/connections", timeout=30) as response:
        assert response.status == 200
    assert app.lazy_routes._router is not None
    rules = app.wildcard_router.rules
    assert rules[-1].target is app.lazy_routes and len(rules) > 20  # joined the app's own routes
