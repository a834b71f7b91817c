"""The shared console tripwire trips on page errors and console errors, not on a missing favicon."""

from types import SimpleNamespace

import pytest

from tests.ui.tripwire import console_tripwire


class FakePage:
    def __init__(self):
        self.handlers = {}

    def on(self, event, handler):
        self.handlers[event] = handler


def console(text, url="http://127.0.0.1/x.js", kind="error"):
    return SimpleNamespace(type=kind, text=text, location={"url": url})


def test_trips_on_a_page_error_and_a_console_error_but_not_a_missing_favicon():
    for event, payload in (("pageerror", RuntimeError("boom")), ("console", console("CSP refused"))):
        page = FakePage()
        with pytest.raises(AssertionError, match="console errors"), console_tripwire(page):
            page.handlers[event](payload)
    page = FakePage()
    with console_tripwire(page):
        page.handlers["console"](console("404", url="http://127.0.0.1/favicon.ico"))
        page.handlers["console"](console("just a log", kind="log"))


def test_without_console_only_page_errors_trip():
    page = FakePage()
    with console_tripwire(page, console=False):
        assert "console" not in page.handlers
