"""A full disk (a small tmpfs, really full: ENOSPC from the kernel) at first start and while saving.

Before: a full disk at first start left a 0-byte cookie_secret and, once space was freed, every
request was a 500 until the file was deleted by hand; saving editor tabs answered 500.
"""

import json
import os
import subprocess
import urllib.request
from http.cookiejar import CookieJar

import pytest

from core.app import EddyApplication
from core.config import new_launch_token
from core.server import ServerThread
from core.store import Store, StoreWriteFailed
from tests.web.client import AppCase, ConnectedAppCase


class TinyDisk:
    """A 1 MiB tmpfs that can be filled to the last byte and emptied again."""

    def __init__(self, path):
        self.path = path
        path.mkdir()
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs to fill needs root (the suite runs as root in its container)")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(path)], check=True)

    def fill(self) -> None:
        n = 0
        while True:
            try:
                with open(self.path / f"filler-{n}", "wb") as f:
                    f.write(b"\0" * 1024 * 1024)
                n += 1
            except OSError:
                # A last small write takes what is left (block rounding), so the next write fails.
                try:
                    with open(self.path / "filler-last", "wb") as f:
                        while True:
                            f.write(b"\0" * 512)
                            f.flush()
                except OSError:
                    return

    def free(self) -> None:
        for p in self.path.glob("filler-*"):
            p.unlink()

    def unmount(self) -> None:
        # Lazy: a test app may still hold its SQLite files open; the mount goes when they close.
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def tiny_disk(tmp_path):
    disk = TinyDisk(tmp_path / "tiny")
    yield disk
    disk.unmount()


def _get(base, path, opener):
    try:
        response = opener.open(base + path, timeout=10)
        return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _launch(data_dir):
    """Start Eddy on data_dir; open its launch URL; (status, html of the page reached, stop)."""
    token = new_launch_token()
    app = EddyApplication(launch_token=token, data_dir=data_dir)
    server = ServerThread(app)
    base = server.start()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, html = _get(base, f"/auth?token={token}", opener)
    return app, status, html, server


def test_full_disk_at_first_start_still_starts_and_says_which_folder(tiny_disk):
    data_dir = tiny_disk.path / "eddy-data"
    data_dir.mkdir()
    tiny_disk.fill()
    app, status, html, server = _launch(data_dir)
    try:
        assert status == 200, html
        assert "the disk is full" in html and str(data_dir) in html
        assert any("sign-in secret for this launch only" in n for n in app.notices)
        assert not (data_dir / "cookie_secret").exists(), "a half-written secret was left behind"
        assert [p.name for p in data_dir.iterdir() if p.name.startswith(".cookie_secret")] == []
    finally:
        server.stop()
    tiny_disk.free()
    app, status, html, server = _launch(data_dir)  # space is back: a normal start
    try:
        assert status == 200 and "disk is full" not in html
        assert app.notices == []
        secret = (data_dir / "cookie_secret").read_text()
        assert len(secret) == 43 and oct((data_dir / "cookie_secret").stat().st_mode & 0o777) == "0o600"
    finally:
        server.stop()


def test_an_empty_cookie_secret_left_by_an_older_eddy_is_replaced(tmp_path):
    data_dir = tmp_path / "eddy-data"
    data_dir.mkdir()
    (data_dir / "cookie_secret").write_bytes(b"")  # what a full disk at first start used to leave
    app, status, html, server = _launch(data_dir)
    try:
        assert status == 200, html  # was: 500 on every request
        assert len((data_dir / "cookie_secret").read_text()) == 43
    finally:
        server.stop()


def test_store_writes_on_a_full_disk_fail_with_a_sentence(tiny_disk):
    store = Store(tiny_disk.path / "eddy.sqlite3")
    store.set_setting("before", 1)
    tiny_disk.fill()
    with pytest.raises(StoreWriteFailed) as failed:
        for i in range(200):  # WAL pages already allocated may absorb the first few writes
            store.save_editor_tabs([{"id": f"t{i}", "title": "x", "sql": "SELECT 1" * 5000, "database": None}])
    assert "Could not save the editor tabs: the disk is full" in failed.value.message
    assert str(tiny_disk.path) in failed.value.message
    tiny_disk.free()
    store.save_editor_tabs([{"id": "t", "title": "x", "sql": "SELECT 2", "database": None}])
    assert store.editor_tabs()[0]["sql"] == "SELECT 2" and store.get_setting("before") == 1
    store.close()


@pytest.fixture(scope="class")
def tiny_env(request, mariadb, tmp_path_factory):
    disk = TinyDisk(tmp_path_factory.mktemp("full") / "tiny")
    request.cls.mariadb = mariadb
    request.cls.data_root = disk.path
    request.cls.disk = disk
    yield
    disk.unmount()


@pytest.mark.usefixtures("tiny_env")
class TestSavingOnAFullDisk(ConnectedAppCase):
    def test_saving_tabs_prefs_and_options_on_a_full_disk_is_a_clear_json_error(self):
        self.disk.fill()
        try:
            big = "SELECT 1 -- " + "x" * 200_000
            saves = [
                ("PUT", "/api/editor/tabs", {"tabs": [{"id": "t1", "title": "Q", "sql": big}]}),
                ("PUT", "/api/editor/options", {"safe_mode": True, "on_error": "stop"}),
            ]
            for method, path, body in saves:
                for _ in range(20):  # the first writes may still fit into pages SQLite has already
                    headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
                    response = self.request(path, method, json.dumps(body), headers=headers)
                    if response.code != 200:
                        break
                assert response.code == 507, (path, response.code, response.body[:300])
                error = json.loads(response.body)["error"]
                assert "the disk is full" in error and str(self.data_root) in error
        finally:
            self.disk.free()
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/json"}
        ok = self.request("/api/editor/tabs", "PUT", json.dumps({"tabs": []}), headers=headers)
        assert ok.code == 200


def test_window_instance_file_on_a_full_disk_does_not_stop_the_start(tiny_disk):
    from core.desktop import SingleInstance

    tiny_disk.fill()
    instance = SingleInstance(tiny_disk.path)
    instance.claim()  # was: an OSError out of the launcher
    assert not (tiny_disk.path / "instance.json").exists()
    assert [p.name for p in tiny_disk.path.iterdir() if not p.name.startswith("filler")] == []
    instance.release()


def test_export_onto_a_full_disk_says_so_and_leaves_no_part_file(tiny_disk, mariadb, sample_db):
    from core.services.transfer.export import ExportFailed, ExportOptions, ExportSource, run_export

    conn = mariadb.connect()
    conn.execute("CREATE TABLE IF NOT EXISTS eddy_test.filler_rows (id INT PRIMARY KEY, t TEXT)")
    conn.execute("REPLACE INTO eddy_test.filler_rows SELECT seq, REPEAT('x', 2000) FROM eddy_test.seq_1_to_2000")
    try:
        with pytest.raises(ExportFailed) as failed:
            run_export(
                conn,
                ExportSource(database="eddy_test", table="filler_rows"),
                ExportOptions(format="csv"),
                tiny_disk.path / "rows.csv",
            )
        assert f"The disk holding {tiny_disk.path} is full" in failed.value.message
        assert "Nothing was saved as rows.csv" in failed.value.message
        assert list(tiny_disk.path.iterdir()) == []
    finally:
        conn.execute("DROP TABLE eddy_test.filler_rows")
        conn.close()


@pytest.mark.usefixtures("tiny_env")
class TestUploadOnAFullDisk(ConnectedAppCase):
    def test_an_upload_that_fills_the_disk_is_a_clear_json_error_and_leaves_nothing(self):
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/octet-stream"}
        response = self.request("/api/transfer/upload?name=big.csv", "POST", b"x" * 3_000_000, headers=headers)
        assert response.code == 507, (response.code, response.body[:300])
        error = json.loads(response.body)["error"]
        assert "the disk is full" in error and "transfer-tmp" in error
        leftovers = [p for p in (self.app.transfer_files.folder).iterdir()]
        assert leftovers == []


@pytest.mark.usefixtures("tiny_env")
class TestLoginOnAFullDisk(AppCase):
    def test_connecting_works_when_the_recent_connection_cannot_be_saved(self):
        self.launch()
        self.disk.fill()
        try:
            for _ in range(20):  # until SQLite's already-allocated pages are used up too
                try:
                    self.app.store.set_setting("pad", "x" * 100_000)
                except StoreWriteFailed:
                    break
            response = self.login(self.mariadb.user)
            assert response.code == 302, self.error_text(response)
        finally:
            self.disk.free()
