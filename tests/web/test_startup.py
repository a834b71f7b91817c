"""Start-up: the first page is served before the rest of the app is imported, which then loads
in the background (or on the first request that needs it)."""

import json
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


def test_launcher_imports_only_what_the_first_page_needs():
    code = f"import json, sys, launcher; print(json.dumps([m for m in {NOT_AT_START!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


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
