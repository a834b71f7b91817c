"""Shared fixtures: a private MariaDB server, test schemas, a running Eddy, a headless Chromium.

The server is started by core.services.sandbox.server (the same code as the app's local sandbox) with
--no-defaults in a temp folder on a free port. EDDY_TEST_DSN=mysql://user:pw@host:port points the
suite at another server instead; it then only creates and drops databases named eddy_test*.
"""

import os
import shutil
import urllib.parse
from dataclasses import dataclass, replace

import pytest

from core.db import Connection, ConnectionParams
from core.services.sandbox.server import MariaDBServer

TEST_USER = "eddy_tester"
TEST_PASSWORD = "t3st-pässword"
TEST_DB = "eddy_test"
CHROMIUM = os.environ.get("EDDY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class TestServer:
    admin: ConnectionParams  # can create users and databases
    user: ConnectionParams  # a password-protected account, as a user would connect

    def connect(self, **overrides) -> Connection:
        return Connection(replace(self.user, **overrides))


def _from_dsn(dsn: str) -> ConnectionParams:
    parts = urllib.parse.urlsplit(dsn)
    return ConnectionParams(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=urllib.parse.unquote(parts.username or "root"),
        password=urllib.parse.unquote(parts.password or ""),
    )


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory) -> TestServer:
    dsn = os.environ.get("EDDY_TEST_DSN")
    server = None
    if dsn:
        admin = _from_dsn(dsn)
    else:
        server = MariaDBServer(tmp_path_factory.mktemp("mariadb"), die_with_parent=True)  # none left by a killed run
        server.start()
        admin = server.params()
    conn = Connection(admin)
    conn.execute(f"CREATE USER IF NOT EXISTS '{TEST_USER}'@'%%' IDENTIFIED BY %s", TEST_PASSWORD)
    conn.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{TEST_USER}'@'%' WITH GRANT OPTION")
    conn.close()
    yield TestServer(admin=admin, user=replace(admin, user=TEST_USER, password=TEST_PASSWORD))
    if server is not None:
        server.stop()


SAMPLE_SCHEMA = [
    f"DROP DATABASE IF EXISTS `{TEST_DB}`",
    f"CREATE DATABASE `{TEST_DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"""CREATE TABLE `{TEST_DB}`.`people` (
        id INT AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        note TEXT NULL,
        avatar BLOB NULL,
        born DATE NULL,
        score DECIMAL(10,2) NULL
    ) ENGINE=InnoDB""",
    f"""CREATE TABLE `{TEST_DB}`.`order items 表` (
        `select` INT PRIMARY KEY,
        `back``tick` VARCHAR(50),
        `列` VARCHAR(50)
    ) ENGINE=InnoDB""",
    f"CREATE VIEW `{TEST_DB}`.`people_names` AS SELECT id, name FROM `{TEST_DB}`.`people`",
]
PEOPLE = [
    ("Ada Lovelace", "first programmer", b"\x89PNG\x00\x01", "1815-12-10", "99.50"),
    ("NULL", "the string NULL, not SQL NULL", None, None, None),
    ("张伟 🐍", "Chinese and emoji ✓", None, "1990-01-01", "12.00"),
    ("Long Text", "x" * 500 + " END", None, None, None),
    ("<script>alert(1)</script>", None, None, None, None),
]


@pytest.fixture(scope="session")
def sample_db(mariadb) -> str:
    """The eddy_test database: a normal table, a table with awkward identifiers, a view."""
    conn = Connection(mariadb.admin)
    for statement in SAMPLE_SCHEMA:
        conn.execute(statement)
    conn.executemany(
        f"INSERT INTO `{TEST_DB}`.`people` (name, note, avatar, born, score) VALUES (%s, %s, %s, %s, %s)", PEOPLE
    )
    conn.executemany(
        f"INSERT INTO `{TEST_DB}`.`order items 表` (`select`, `back``tick`, `列`) VALUES (%s, %s, %s)",
        [(1, "a`b", "值 🙂"), (2, None, "")],
    )
    conn.close()
    yield TEST_DB
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{TEST_DB}`")
    conn.close()


@pytest.fixture(scope="module")
def big_db(mariadb):
    """A database of large values (tests/grid/big_values.py), for the grid's and the editor's tests."""
    from tests.grid.big_values import BIG_DB, big_packet, create_big_db, drop_big_db

    with big_packet(mariadb.admin):
        create_big_db(mariadb.admin)
        yield BIG_DB
        drop_big_db(mariadb.admin)


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "eddy-data"
    path.mkdir()
    return path


@dataclass
class RunningApp:
    base_url: str
    token: str
    app: object

    @property
    def launch_url(self) -> str:
        return f"{self.base_url}/auth?token={self.token}"


@pytest.fixture
def running_app(data_dir):
    """Eddy served from a background thread, exactly as the launcher does it."""
    from core.app import EddyApplication
    from core.config import new_launch_token
    from core.server import ServerThread

    token = new_launch_token()
    app = EddyApplication(launch_token=token, data_dir=data_dir)
    server = ServerThread(app)
    base = server.start()
    yield RunningApp(base_url=base, token=token, app=app)
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian Chromium driven by Playwright (its own browser download is not used).

    Module-scoped: Playwright's sync API keeps an asyncio loop current on the main thread while
    it is open, which Tornado's AsyncHTTPTestCase in other modules cannot share."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run 'make test' (it installs it) or set EDDY_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_names_cache():
    """Each test starts with no cached table names (the cache is per process and per server)."""
    from core.services.schema.name_cache import NAMES

    NAMES.clear()
    yield
