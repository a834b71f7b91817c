"""Fixtures for attacking a running Eddy: a hostile database, a fingerprint of the server's state,
one app per module with a launched, logged-in "victim" browser tab, and an outsider."""

import html.parser
from dataclasses import dataclass

import pytest

from core.db import Connection
from tests.security.client import Client

SEC_DB = "eddy_sec"
XSS_TABLE = "<script>alert('table')</script>"
XSS_COLUMN = '"><img src=x onerror=alert(1)>'
XSS_CELLS = ["<script>alert('cell')</script>", "<img src=x onerror=alert(2)>", "javascript:alert(3)"]
XSS_DB = "<svg onload=alert(4)>"


@pytest.fixture(scope="module")
def hostile_db(mariadb):
    """eddy_sec: a canary table the attacks try to destroy, and a table whose names and cells are XSS."""
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{SEC_DB}`")
    conn.execute(f"CREATE DATABASE `{SEC_DB}` CHARACTER SET utf8mb4")
    conn.execute(f"CREATE TABLE `{SEC_DB}`.`canary` (id INT PRIMARY KEY, v VARCHAR(50)) ENGINE=InnoDB")
    conn.executemany(f"INSERT INTO `{SEC_DB}`.`canary` VALUES (%s, %s)", [(1, "alive"), (2, "still alive")])
    xss_table = XSS_TABLE.replace("`", "``")
    conn.execute(
        f"CREATE TABLE `{SEC_DB}`.`{xss_table}` (id INT PRIMARY KEY, `{XSS_COLUMN}` TEXT) ENGINE=InnoDB "
        "COMMENT '<b onmouseover=alert(5)>comment</b>'"
    )
    conn.executemany(
        f"INSERT INTO `{SEC_DB}`.`{xss_table}` VALUES (%s, %s)", [(i, v) for i, v in enumerate(XSS_CELLS, 1)]
    )
    conn.execute(f"CREATE DATABASE IF NOT EXISTS `{XSS_DB}`")
    conn.close()
    yield SEC_DB
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{SEC_DB}`")
    conn.execute(f"DROP DATABASE IF EXISTS `{XSS_DB}`")
    conn.close()


def server_state(admin) -> dict:
    """What an attack must not change: databases, eddy_sec's tables and their checksums, accounts."""
    conn = Connection(admin)
    try:
        databases = sorted(r["Database"] for r in conn.query("SHOW DATABASES"))
        tables = sorted(r["TABLE_NAME"] for r in conn.query(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", SEC_DB
        ))  # fmt: skip
        checksums = {}
        for name in tables:
            row = conn.get("CHECKSUM TABLE `{}`.`{}`".format(SEC_DB, name.replace("`", "``")))
            checksums[name] = row["Checksum"]
        users = sorted((r["User"], r["Host"]) for r in conn.query("SELECT User, Host FROM mysql.user"))
        return {"databases": databases, "tables": tables, "checksums": checksums, "users": users}
    finally:
        conn.close()


@pytest.fixture
def unchanged(mariadb, hostile_db):
    """Asserts, after the test, that the server is exactly as before it."""
    before = server_state(mariadb.admin)
    yield
    assert server_state(mariadb.admin) == before, "the attack changed the database server"


@dataclass
class Eddy:
    base_url: str
    token: str
    app: object
    victim: Client  # launched and connected: the user's own window

    def outsider(self) -> Client:
        """Another local process that found the port: no cookies at all."""
        return Client(self.base_url)

    def tab(self) -> Client:
        """A second request context of the user's window (same cookies)."""
        client = Client(self.base_url)
        client.cookies = dict(self.victim.cookies)
        return client


@pytest.fixture(scope="module")
def eddy(mariadb, hostile_db, tmp_path_factory):
    """One Eddy per module, served as the launcher serves it; the victim has launched and logged in."""
    from core.app import EddyApplication
    from core.config import new_launch_token
    from core.server import ServerThread

    token = new_launch_token()
    app = EddyApplication(launch_token=token, data_dir=tmp_path_factory.mktemp("sec-data"))
    server = ServerThread(app)
    base = server.start()
    victim = Client(base)
    assert victim.launch(token).status == 200
    response = victim.login(mariadb.user)
    assert response.status == 302, response.text
    yield Eddy(base_url=base, token=token, app=app, victim=victim)
    server.stop()


class ActiveContentFinder(html.parser.HTMLParser):
    """Collects anything in a page that a browser would run: inline scripts, on* handlers,
    javascript: URLs, inline styles (CSP forbids them; finding one means escaping failed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.found.append("inline <script>")
        for name, value in names.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
        if tag in ("iframe", "object", "embed", "svg", "math"):
            self.found.append(f"<{tag}>")
        if tag == "img" and not names.get("src", "").startswith(("/static/", "data:")):
            self.found.append("<img> with a foreign src")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("script body")


def active_content(page: str) -> list[str]:
    finder = ActiveContentFinder()
    finder.feed(page)
    finder.close()
    return finder.found
