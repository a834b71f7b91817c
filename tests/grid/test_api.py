"""The grid's JSON API through Tornado's test client: windows, apply, cells, prefs, errors."""

import json
import urllib.parse

import pytest

from tests.grid.conftest import BIG_ROWS, GRID_DB
from tests.web.client import ConnectedAppCase


@pytest.fixture(scope="class")
def env(request, mariadb, grid_db, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("grid-api")


@pytest.mark.usefixtures("env")
class TestGridApi(ConnectedAppCase):
    def api(self, table, verb, body=None):
        path = f"/api/db/{GRID_DB}/table/{urllib.parse.quote(table, safe='')}/{verb}"
        response = self.request(path) if body is None else self.post_json(path, body)
        return response.code, json.loads(response.body)

    def test_rows_window_deep_in_a_big_table(self):
        code, data = self.api("big", "rows", {"start": 31_000, "count": 5})
        assert code == 200 and [r[0] for r in data["rows"]] == [31_001, 31_002, 31_003, 31_004, 31_005]
        assert data["total"] == BIG_ROWS and data["plan"].startswith("keyset")

    def test_bad_requests_are_json_errors(self):
        code, data = self.api("big", "rows", {"filter": {"conditions": [{"column": "nope", "op": "="}]}})
        assert code == 400 and "Unknown column" in data["error"]
        code, data = self.api("big", "rows", {"filter": {"raw": "no_such_col = 1"}})
        assert code == 400 and "1054" in data["error"]
        code, data = self.api("nope", "rows", {})
        assert code == 404 and "does not exist" in data["error"]
        code, data = self.api("no_key", "apply", {"changes": [{"op": "delete", "key": {}, "original": {}}]})
        assert code == 400 and "no primary key" in data["error"]

    def test_apply_preview_then_run_then_see_it(self):
        code, data = self.api(
            "items", "rows", {"filter": {"conditions": [{"column": "name", "op": "=", "value": "NULL"}]}}
        )
        row = data["rows"][0]
        meta = self.api("items", "meta")[1]
        original = dict(zip([c["name"] for c in meta["columns"]], row))
        change = {"id": "u1", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"note": "set"}}
        code, preview = self.api("items", "apply", {"changes": [change], "preview": True})
        assert code == 200 and preview["statements"][0].startswith("UPDATE `eddy_test_grid`.`items` SET `note` = 'set'")
        code, result = self.api("items", "apply", {"changes": [change]})
        assert code == 200 and result["ok"] and result["affected"] == 1
        code, again = self.api("items", "apply", {"changes": [change]})  # same original again: now stale
        assert (
            not again["ok"]
            and again["errors"][0]["id"] == "u1"
            and "changed on the server" in again["errors"][0]["message"]
        )

    def test_whole_cell_and_download(self):
        code, data = self.api(
            "items", "rows", {"filter": {"conditions": [{"column": "name", "op": "=", "value": "long"}]}}
        )
        key = {"id": data["rows"][0][0]}
        code, cell = self.api("items", "cell", {"key": key, "column": "note"})
        assert code == 200 and cell["value"].endswith(" END") and len(cell["value"]) == 3004
        query = urllib.parse.urlencode({"key": json.dumps(key), "column": "data"})
        response = self.request(f"/api/db/{GRID_DB}/table/items/download?{query}")
        assert response.code == 200 and response.body == b"\x00" * 2000
        assert "attachment" in response.headers["Content-Disposition"]

    def test_prefs_persist_per_table(self):
        code, saved = self.api("items", "prefs", {"hidden": ["doc"], "widths": {"name": 250, "note": 5}})
        assert code == 200 and saved == {"hidden": ["doc"], "widths": {"name": 250, "note": 30}}
        assert self.api("items", "meta")[1]["prefs"]["hidden"] == ["doc"]
        assert self.api("big", "prefs")[1] == {}
