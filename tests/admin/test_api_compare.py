"""Schema compare API: differences as JSON, the script, preview-then-run on the target (typed
database name), errors as JSON 400s for bad bodies; the source database is never changed."""

import json
import subprocess

import pytest

from tests.admin.case import AdminCase
from tests.admin.conftest import ADMIN_DB

COPY = "eddy_test_admin_copy 副本"
SMALL = "eddy_test_admin_small"
SMALL_SCHEMA = [
    "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, born DATE)",
    "CREATE TABLE pets (id INT PRIMARY KEY, owner INT,"
    " CONSTRAINT `owner fk` FOREIGN KEY (owner) REFERENCES people (id))",
    "CREATE VIEW adults AS SELECT id, name FROM people WHERE born < '2008-01-01'",
    "CREATE TRIGGER named BEFORE INSERT ON people FOR EACH ROW SET NEW.name = TRIM(NEW.name)",
]


@pytest.mark.usefixtures("env", "shop_db")
class TestCompareApi(AdminCase):
    def body(self, **extra):
        return {"source": {"database": ADMIN_DB}, "target": {"database": COPY}, **extra}

    def apply(self, **extra):
        """Confirmed apply: a job; waits for it and answers (status code, its final snapshot)."""
        code, data = self.post("/api/compare/apply", self.body(**extra))
        if code != 200:
            return code, data
        assert self.app.jobs.get(data["job"]["id"]).wait(60)
        return self.get_json(f"/api/jobs/{data['job']['id']}")

    def setUp(self):
        super().setUp()
        self.db.execute(f"CREATE DATABASE `{COPY}`")
        self.db.use(COPY)
        self.db.execute("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(10), old INT)")

    def source_ddl(self):
        self.db.use(ADMIN_DB)
        return [list(self.db.get(f"SHOW CREATE TABLE `{t}`").values()) for t in ("customers", "orders", "order lines")]

    def test_compare_then_apply_everything_makes_the_target_equal(self):
        before = self.source_ddl()
        code, data = self.post("/api/compare", self.body())
        assert code == 200, data
        ids = {d["id"]: d for d in data["differences"]}
        assert ids["table:customers"]["status"] == "changed"
        assert ids["table:orders"]["status"] == "added" and ids["view:big_orders"]["status"] == "added"
        assert ids["trigger:orders_total_check"]["status"] == "added"
        assert any(row["t"] != "equal" for row in ids["table:customers"]["lines"])

        selected = list(ids)
        code, script = self.post("/api/compare/script", self.body(selected=selected))
        assert code == 200 and "DELIMITER ;;" in script["script"]
        assert any("old" in what for what in script["destructive"])
        code, preview = self.post("/api/compare/apply", self.body(selected=selected, dry_run=True))
        assert code == 200 and preview["confirm"] == COPY and preview["destructive"]
        code, refused = self.post("/api/compare/apply", self.body(selected=selected, confirm=ADMIN_DB))
        assert code == 400 and "Confirmation required" in refused["error"]
        code, job = self.apply(selected=selected, confirm=COPY)
        assert code == 200 and job["state"] == "done" and job["done"] == job["total"] == len(preview["sql"])
        done = job["result"]
        assert done["ok"] and done["failed"] is None, done
        assert len(done["applied"]) == len(preview["sql"])

        code, again = self.post("/api/compare", self.body())
        assert again["differences"] == []
        assert self.source_ddl() == before

    def test_only_ticked_differences_are_applied(self):
        code, data = self.post("/api/compare", self.body())
        code, job = self.apply(selected=["table:orders"], confirm=COPY)
        assert code == 200 and [s["what"] for s in job["result"]["applied"]] == [
            "create table orders",
            "orders: add foreign key fk_orders_customer",
        ]
        assert self.table_exists("orders", COPY) and not self.table_exists("order lines", COPY)

    def test_a_failing_step_is_reported_with_what_ran_before_it(self):
        self.db.use(COPY)
        self.db.execute("INSERT INTO customers VALUES (1, 'a', 1), (2, 'b', 2)")
        self.db.execute("CREATE TABLE `order lines` (order_id INT, line INT, product VARCHAR(50))")
        self.db.execute("INSERT INTO `order lines` VALUES (1, 1, 'x'), (1, 1, 'x')")  # blocks the primary key
        selected = ["table:customers", "table:order lines"]
        code, job = self.apply(selected=selected, confirm=COPY)
        done = job["result"]
        assert code == 200 and not done["ok"]
        assert done["failed"]["code"] == 1062 and "order lines" in done["failed"]["what"]
        assert [s["what"].split(" —")[0] for s in done["applied"]] == ["alter table customers"]

    def test_bad_bodies_are_json_400s(self):
        for body in (
            {},
            {"source": "x", "target": {"database": COPY}},
            {"source": {"database": 5}, "target": {"database": COPY}},
            {"source": {"database": ADMIN_DB}, "target": {"database": COPY, "connection": ["x"]}},
            {"source": {"database": ADMIN_DB}, "target": {"database": COPY, "connection": "not-mine"}},
            self.body(filters=[1]),
            self.body(selected="all"),
            self.body(selected=[1, 2]),
            self.body(renames=[{"table": 1}]),
            {"source": {"database": ADMIN_DB}, "target": {"database": ADMIN_DB}},
            {"source": {"database": ADMIN_DB}, "target": {"database": "no such db `x`"}},
        ):
            for path in ("/api/compare", "/api/compare/script"):
                code, data = self.post(path, body)
                assert code == 400 and data["error"], (path, body, data)
        code, data = self.post("/api/compare/apply", self.body(selected=["table:nope"], confirm=COPY))
        assert code == 400 and "gone since the compare" in data["error"]
        code, data = self.post("/api/compare/apply", self.body(selected=[], dry_run=True))
        assert code == 400 and "Nothing to apply" in data["error"]

    def test_the_databases_of_a_connection_and_the_page(self):
        code, data = self.get_json("/api/compare/databases")
        assert code == 200 and ADMIN_DB in data["databases"] and "mysql" not in data["databases"]
        response = self.request(f"/db/{ADMIN_DB}/compare")
        assert response.code == 200 and b"compare-form" in response.body


def mariadb_dump(mariadb, *args) -> bytes:
    p = mariadb.user
    return subprocess.run(
        ["/usr/bin/mariadb-dump", "--no-defaults", f"--host={p.host}", f"--port={p.port}", f"--user={p.user}",
         f"--password={p.password}", "--default-character-set=utf8mb4", "--routines", "--triggers", "--events",
         "--no-data", *args],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.usefixtures("env", "shop_db")
class TestCompareWithADump(AdminCase):
    def upload(self, data: bytes, name: str) -> dict:
        headers = {"X-XSRFToken": self.xsrf(), "Content-Type": "application/octet-stream"}
        return json.loads(self.request(f"/api/transfer/upload?name={name}", "POST", data, headers=headers).body)

    def load(self, data: bytes) -> dict:
        token = self.upload(data, "shop.sql")["file"]
        code, job = self.post("/api/compare/dump", {"file": token})
        assert code == 200, job
        assert self.app.jobs.get(job["id"]).wait(60)
        return self.get_json(f"/api/jobs/{job['id']}")[1]

    def scratch_databases(self):
        rows = self.db.query(
            "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'eddy\\_dump\\_%%'"
        )
        return [r.name for r in rows]

    def test_a_real_mariadb_dump_is_loaded_apart_compared_and_removed(self):
        self.db.execute(f"CREATE DATABASE `{SMALL}`")
        self.db.use(SMALL)
        for statement in SMALL_SCHEMA:
            self.db.execute(statement)
        job = self.load(mariadb_dump(self.mariadb, SMALL))
        assert job["state"] == "done", job
        scratch = job["result"]["database"]
        assert scratch.startswith("eddy_dump_") and scratch in self.scratch_databases()
        self.db.execute(f"CREATE DATABASE `{COPY}`")
        code, data = self.post("/api/compare", {"source": {"database": scratch}, "target": {"database": COPY}})
        assert code == 200
        assert {d["id"] for d in data["differences"]} == {"table:people", "table:pets", "view:adults", "trigger:named"}
        # The dump equals the database it was made from.
        code, same = self.post("/api/compare", {"source": {"database": scratch}, "target": {"database": SMALL}})
        assert same["differences"] == [], same
        code, dropped = self.post("/api/compare/dump/drop", {"database": scratch})
        assert code == 200 and scratch not in self.scratch_databases()

    def test_a_dump_naming_its_database_is_refused_and_leaves_nothing(self):
        # --databases adds CREATE DATABASE + USE; the shop's trigger was created naming its database.
        for args in (["--databases", ADMIN_DB], [ADMIN_DB]):
            job = self.load(mariadb_dump(self.mariadb, *args))
            assert job["state"] == "failed" and "without --databases" in job["error"], job
            assert ADMIN_DB in job["error"]
        assert self.scratch_databases() == []

    def test_only_a_loaded_dump_can_be_removed_here(self):
        for name in (ADMIN_DB, "mysql", 5, None):
            code, data = self.post("/api/compare/dump/drop", {"database": name})
            assert code == 400, data
        assert self.table_exists("customers")
