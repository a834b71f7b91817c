"""A logged-in test client for the structure/admin API, with helpers for preview-then-run."""

import json

from tests.admin.conftest import ADMIN_DB, admin_connection
from tests.web.client import ConnectedAppCase


class AdminCase(ConnectedAppCase):
    def setUp(self):
        super().setUp()
        self.db = admin_connection(self.mariadb)

    def tearDown(self):
        self.db.close()
        super().tearDown()

    def get_json(self, path):
        response = self.request(path)
        return response.code, json.loads(response.body)

    def post(self, path, payload):
        response = self.post_json(path, payload)
        return response.code, json.loads(response.body)

    def preview_then_run(self, path, payload, target):
        """Dry run → SQL; no confirmation → refused; wrong one → refused; right one → runs."""
        code, preview = self.post(path, {**payload, "dry_run": True})
        assert code == 200, preview
        assert preview["confirm"] == target
        code, refused = self.post(path, payload)
        assert code == 400 and "Confirmation required" in refused["error"], refused
        code, refused = self.post(path, {**payload, "confirm": target + "x"})
        assert code == 400, refused
        code, done = self.post(path, {**payload, "confirm": target})
        assert code == 200 and done["ok"], done
        assert done["sql"] == preview["sql"]
        return preview["sql"]

    def columns(self, table, database=ADMIN_DB):
        return [
            r.name
            for r in self.db.query(
                "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s"
                " ORDER BY ORDINAL_POSITION",
                database,
                table,
            )
        ]

    def table_exists(self, table, database=ADMIN_DB):
        return bool(
            self.db.get(
                "SELECT 1 AS ok FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                database,
                table,
            )
        )
