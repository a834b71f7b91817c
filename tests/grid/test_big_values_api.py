"""The cell APIs of both grids through Tornado's test client: a 25 MB value read in pages and whole,
binary, NULL, times with their fraction digits, Download and Save, and hostile requests as 4xx JSON."""

import json
import urllib.parse

import pytest

from tests.grid.big_values import BIG_BLOB_BYTES, BIG_DB, BIG_TEXT_CHARS, big_packet, create_big_db, drop_big_db
from tests.transfer.test_api_transfer import FakeDialogs
from tests.web.client import ConnectedAppCase
from tests.web.sql_editor import run_sql

BIG_TEXT = "0123456789" * 2_500_000 + "END"


@pytest.fixture(scope="class")
def env(request, mariadb, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("big-values-api")
    with big_packet(mariadb.admin):
        create_big_db(mariadb.admin)
        yield
        drop_big_db(mariadb.admin)


@pytest.mark.usefixtures("env")
class TestCellApis(ConnectedAppCase):
    database = BIG_DB

    def tearDown(self):
        self.app.query_jobs.close_all()
        self.app.sessions.close_all()
        super().tearDown()

    def cell(self, body):
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs/cell", body)
        return response.code, json.loads(response.body)

    def get_json(self, path):
        response = self.request(path)
        return response.code, json.loads(response.body)

    def test_the_grid_sends_a_preview_but_the_cell_api_the_real_value_in_pages(self):
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs/rows", {"start": 0, "count": 10})
        rows = json.loads(response.body)["rows"]
        assert rows[0][2] == {"text": BIG_TEXT[:2000], "length": BIG_TEXT_CHARS, "truncated": True}
        assert rows[0][4:] == ["12:00:00.000", "2024-01-02 03:04:05.000000"]
        assert rows[1][4:] == ["01:02:03.500", "2024-01-02 03:04:05.120000"]
        code, page = self.cell({"key": {"id": 1}, "column": "body"})
        assert code == 200 and page["kind"] == "text" and page["size"] == BIG_TEXT_CHARS
        assert page["value"] == BIG_TEXT[:1_000_000] and page["complete"] is False
        code, page = self.cell({"key": {"id": 1}, "column": "body", "offset": 24_999_990})
        assert page["value"] == BIG_TEXT[24_999_990:] and page["offset"] == 24_999_990
        code, page = self.cell({"key": {"id": 1}, "column": "body", "limit": BIG_TEXT_CHARS})
        assert page["complete"] is True and page["value"] == BIG_TEXT
        code, page = self.cell({"key": {"id": 1}, "column": "bin", "offset": 1, "limit": 3})
        assert page == {
            "kind": "binary",
            "size": BIG_BLOB_BYTES,
            "offset": 1,
            "value": {"binary": "ff00ff", "size": 3},
            "complete": False,
        }
        assert self.cell({"key": {"id": 2}, "column": "bin"})[1]["kind"] == "null"
        assert self.cell({"key": {"id": 1}, "column": "t3"})[1]["value"] == "12:00:00.000"

    def test_download_and_save_write_the_whole_value(self):
        query = urllib.parse.urlencode({"key": json.dumps({"id": 1}), "column": "body"})
        response = self.request(f"/api/db/{BIG_DB}/table/docs/download?{query}")
        assert response.code == 200 and response.body == BIG_TEXT.encode()
        assert "docs.body.txt" in response.headers["Content-Disposition"]
        target = self.data_root / "saved-cell.bin"
        self.app.file_dialogs = FakeDialogs(save_path=target)
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs/cell/save", {"key": {"id": 1}, "column": "bin"})
        assert response.code == 200 and json.loads(response.body)["bytes"] == BIG_BLOB_BYTES
        assert target.read_bytes() == b"\x00\xff" * 500_000
        assert self.app.file_dialogs.saved_names == ["docs.bin.bin"]
        self.app.file_dialogs = None
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs/cell/save", {"key": {"id": 1}, "column": "bin"})
        assert response.code == 409

    def test_hostile_cell_requests_are_4xx_json(self):
        bad = [
            {"key": {"id": 1}, "column": "body", "offset": "x"},
            {"key": {"id": 1}, "column": "body", "offset": -1},
            {"key": {"id": 1}, "column": "body", "limit": 10**12},
            {"key": {"id": 1}, "column": ["body"]},
            {"key": {"id": 1}, "column": "nope`; DROP TABLE docs; --"},
            {"key": {}, "column": "body"},
            {"key": [1], "column": "body"},
            {"key": {"id": {"nested": 1}}, "column": "body"},
            {"key": {"name": "big"}, "column": "body"},
            {"key": {"id": 999}, "column": "body"},
        ]
        for body in bad:
            code, data = self.cell(body)
            assert code == 400 and data["error"], body
        response = self.post_json(f"/api/db/{BIG_DB}/table/no%20such/cell", {"key": {"id": 1}, "column": "body"})
        assert response.code == 404
        response = self.request(f"/api/db/{BIG_DB}/table/docs/cell", method="POST", body="x" * 1000)
        assert response.code in (400, 403) and json.loads(response.body)["error"]

    def test_the_editor_reads_a_spooled_cell_in_pages_and_whole(self):
        job = run_sql(self, "SELECT id, body, bin, t3 FROM docs ORDER BY id", BIG_DB).job
        inline = job["results"][0]["rows"]
        assert inline[0][1] == {"text": BIG_TEXT[:2000], "length": BIG_TEXT_CHARS, "truncated": True}
        assert inline[0][2]["truncated"] and inline[0][2]["size"] == BIG_BLOB_BYTES
        assert inline[0][3] == "12:00:00.000"
        code, window = self.get_json(f"/api/query/{job['id']}/rows?result=0&from=0&count=2")
        assert window["rows"] == inline
        base = f"/api/query/{job['id']}/cell?result=0"
        code, page = self.get_json(f"{base}&row=0&col=1")
        assert code == 200 and page["size"] == BIG_TEXT_CHARS and page["value"] == BIG_TEXT[:1_000_000]
        code, page = self.get_json(f"{base}&row=0&col=1&offset=25000000")
        assert page["value"] == "END" and not page["complete"]
        code, page = self.get_json(f"{base}&row=0&col=1&limit={BIG_TEXT_CHARS}")
        assert page["complete"] and page["value"] == BIG_TEXT
        code, page = self.get_json(f"{base}&row=0&col=2&limit=2")
        assert page["value"] == {"binary": "00ff", "size": 2} and page["size"] == BIG_BLOB_BYTES
        code, page = self.get_json(f"{base}&row=1&col=2")
        assert page["kind"] == "null"
        response = self.request(f"/api/query/{job['id']}/cell/download?result=0&row=0&col=2")
        assert response.body == b"\x00\xff" * 500_000 and "bin.bin" in response.headers["Content-Disposition"]
        for query in ("row=-1&col=1", "row=0&col=9", "row=x&col=1", "row=0&col=1&limit=0", "row=0&col=1&offset=y"):
            code, data = self.get_json(f"{base}&{query}")
            assert code == 400 and data["error"], query
        code, data = self.get_json(f"{base}&row=5&col=1")
        assert code == 404
        code, data = self.get_json(f"/api/query/{job['id']}/cell?result=7&row=0&col=1")
        assert code == 400
        response = self.post_json(f"/api/query/{job['id']}/cell/save", {"result": 0, "row": 0, "col": 1})
        assert response.code == 409

    def test_a_view_cell_is_found_by_its_position_and_checked_by_its_size(self):
        at = {"position": 0, "sort": [{"column": "name", "dir": "asc"}], "filter": None}
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs_view/cell", {"key": {}, "at": at, "column": "body"})
        page = json.loads(response.body)
        assert response.code == 200 and page["size"] == BIG_TEXT_CHARS and page["value"] == BIG_TEXT[:1_000_000]
        at_small = {**at, "position": 1}
        response = self.post_json(f"/api/db/{BIG_DB}/table/docs_view/cell", {"at": at_small, "column": "body"})
        assert json.loads(response.body)["value"] == "hello"
        query = urllib.parse.urlencode({"column": "body", "at": json.dumps(at), "size": BIG_TEXT_CHARS})
        response = self.request(f"/api/db/{BIG_DB}/table/docs_view/download?{query}")
        assert response.code == 200 and response.body == BIG_TEXT.encode()
        query = urllib.parse.urlencode({"column": "body", "at": json.dumps(at), "size": 5})  # the rows moved
        response = self.request(f"/api/db/{BIG_DB}/table/docs_view/download?{query}")
        assert response.code == 400 and "changed" in json.loads(response.body)["error"]
        for bad in (
            {"position": -1},
            {"position": "x"},
            {"position": 0, "sort": [{"column": "nope"}]},
            {"position": 0, "filter": {"raw": "no_such = 1"}},
            "at",
        ):
            response = self.post_json(f"/api/db/{BIG_DB}/table/docs_view/cell", {"at": bad, "column": "body"})
            assert response.code == 400 and json.loads(response.body)["error"], bad
