"""Suite-wide markers. `ui`: every test that drives headless Chromium or a real window (it uses the
`page`, `chromium` or `xvfb` fixture), so that CI's matrix of other servers (MySQL 8.0/8.4,
MariaDB 11.4, TiDB) can run `pytest -m "not mariadb_only and not ui"`: the server-facing tests."""

import pytest

UI_FIXTURES = {"page", "chromium", "xvfb"}


def pytest_configure(config):
    config.addinivalue_line("markers", "ui: drives headless Chromium or a real window (Xvfb)")


def pytest_collection_modifyitems(items):
    for item in items:
        if UI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ui)
