"""Structure API against the private MariaDB: every change previews its exact SQL, runs only
when confirmed by the object's name, and a failed change leaves everything as it was."""

import json
import urllib.parse

import pytest

from tests.admin.case import AdminCase
from tests.admin.conftest import ADMIN_DB

Q = urllib.parse.quote


@pytest.mark.usefixtures("env", "shop_db")
class TestStructureApi(AdminCase):
    def test_structure_shows_columns_indexes_keys_triggers_partitions_options_and_ddl(self):
        code, s = self.get_json(f"/api/db/{ADMIN_DB}/table/customers/structure")
        assert code == 200
        cols = {c["name"]: c for c in s["columns"]}
        assert cols["name"]["default_kind"] == "literal" and cols["name"]["default"] == "it's \\ new"
        assert cols["email"]["comment"] == "where to write" and cols["email"]["nullable"]
        assert cols["email"]["collation"] == "utf8mb4_unicode_ci"
        assert cols["id"]["auto_increment"] and cols["created"]["default_kind"] == "expression"
        assert {i["name"]: i["kind"] for i in s["indexes"]} == {"PRIMARY": "PRIMARY", "uq_email": "UNIQUE"}
        assert s["options"]["engine"] == "InnoDB" and s["options"]["comment"] == "people who buy"
        assert s["ddl"].startswith("CREATE TABLE `customers`")

        code, orders = self.get_json(f"/api/db/{ADMIN_DB}/table/orders/structure")
        (fk,) = orders["foreign_keys"]
        assert fk["name"] == "fk_orders_customer" and fk["ref_table"] == "customers" and fk["on_delete"] == "CASCADE"
        assert [t["name"] for t in orders["triggers"]] == ["orders_total_check"]
        code, log = self.get_json(f"/api/db/{ADMIN_DB}/table/events_log/structure")
        assert [p["name"] for p in log["partitions"]] == ["p2020", "pmax"]
        code, missing = self.get_json(f"/api/db/{ADMIN_DB}/table/nope/structure")
        assert code == 404 and "does not exist" in missing["error"]

    def test_structure_page_renders_with_tabs(self):
        response = self.request(f"/db/{ADMIN_DB}/table/{Q('order lines')}/structure")
        assert response.code == 200
        body = self.text(response)
        assert 'id="structure"' in body and "/structure" in body and "admin/structure.js" in body

    def test_alter_adds_a_column_only_after_confirmation(self):
        _, s = self.get_json(f"/api/db/{ADMIN_DB}/table/customers/structure")
        form = {**s, "columns": s["columns"] + [{"name": "phone", "type": "VARCHAR(20)", "nullable": True}]}
        path = f"/api/db/{ADMIN_DB}/table/customers/alter"
        code, preview = self.post(path, {"form": form, "dry_run": True})
        assert preview["sql"] == [
            f"ALTER TABLE `{ADMIN_DB}`.`customers`\n  ADD COLUMN `phone` VARCHAR(20) NULL AFTER `created`"
        ]
        assert "phone" not in self.columns("customers")  # a dry run changes nothing
        self.preview_then_run(path, {"form": form}, "customers")
        assert self.columns("customers")[-1] == "phone"

    def test_alter_renames_moves_and_drops_columns(self):
        _, s = self.get_json(f"/api/db/{ADMIN_DB}/table/customers/structure")
        cols = {c["name"]: c for c in s["columns"]}
        form = {
            **s,
            "columns": [cols["id"], {**cols["email"], "name": "mail"}, cols["name"]],  # drops `created`
            "indexes": [s["indexes"][0], {**s["indexes"][1], "columns": [{"name": "mail"}]}],
        }
        self.preview_then_run(f"/api/db/{ADMIN_DB}/table/customers/alter", {"form": form}, "customers")
        assert self.columns("customers") == ["id", "mail", "name"]
        name_default = self.db.get(
            "SELECT COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
            " AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'name'",
            ADMIN_DB,
        ).d
        assert name_default == "'it''s \\\\ new'"  # the literal default survived the round trip
        rows = self.db.query(f"SELECT mail FROM `{ADMIN_DB}`.customers ORDER BY id")
        assert [r.mail for r in rows] == ["ada@example.com", None]

    def test_failed_alter_reports_the_server_error_and_changes_nothing(self):
        _, s = self.get_json(f"/api/db/{ADMIN_DB}/table/customers/structure")
        # Duplicate emails cannot become UNIQUE... make `name` unique where two rows share it.
        self.db.execute(f"UPDATE `{ADMIN_DB}`.customers SET name = 'same'")
        form = {**s, "indexes": s["indexes"] + [{"name": "uq_name", "kind": "UNIQUE", "columns": [{"name": "name"}]}]}
        form["columns"] = s["columns"] + [{"name": "extra", "type": "INT", "nullable": True}]
        before = self.columns("customers")
        code, error = self.post(f"/api/db/{ADMIN_DB}/table/customers/alter", {"form": form, "confirm": "customers"})
        assert code == 400 and "Duplicate entry" in error["error"]
        assert self.columns("customers") == before  # one ALTER: the added column did not stay either

    def test_alter_refuses_unsafe_types_before_any_sql(self):
        _, s = self.get_json(f"/api/db/{ADMIN_DB}/table/customers/structure")
        form = {**s, "columns": s["columns"] + [{"name": "x", "type": "INT; DROP DATABASE mysql"}]}
        code, error = self.post(f"/api/db/{ADMIN_DB}/table/customers/alter", {"form": form, "dry_run": True})
        assert code == 400 and "not a column type" in error["error"]

    def test_create_table_previews_and_creates(self):
        form = {
            "name": "payments",
            "columns": [
                {"name": "id", "type": "INT", "nullable": False, "auto_increment": True},
                {"name": "order_id", "type": "INT", "nullable": False},
                {"name": "note", "type": "VARCHAR(50)", "nullable": True, "default_kind": "literal", "default": "n/a"},
            ],
            "indexes": [{"kind": "PRIMARY", "columns": [{"name": "id"}]}],
            "foreign_keys": [
                {"name": "fk_pay_order", "columns": ["order_id"], "ref_table": "orders", "ref_columns": ["id"]}
            ],
            "options": {"engine": "InnoDB", "comment": "money in"},
        }
        (sql,) = self.preview_then_run(f"/api/db/{ADMIN_DB}/tables", {"form": form}, "payments")
        assert sql.startswith(f"CREATE TABLE `{ADMIN_DB}`.`payments` (") and "COMMENT='money in'" in sql
        assert self.columns("payments") == ["id", "order_id", "note"]

    def test_truncate_rename_copy_and_drop_table_need_the_table_name(self):
        base = f"/api/db/{ADMIN_DB}/table"
        self.preview_then_run(f"{base}/{Q('order lines')}/truncate", {}, "order lines")
        assert self.db.get(f"SELECT COUNT(*) AS n FROM `{ADMIN_DB}`.`order lines`").n == 0
        sql = self.preview_then_run(f"{base}/customers/copy", {"new_name": "customers 2"}, "customers")
        assert sql[0] == f"CREATE TABLE `{ADMIN_DB}`.`customers 2` LIKE `{ADMIN_DB}`.`customers`"
        assert self.db.get(f"SELECT COUNT(*) AS n FROM `{ADMIN_DB}`.`customers 2`").n == 2
        self.preview_then_run(f"{base}/{Q('customers 2')}/rename", {"new_name": "clients"}, "customers 2")
        assert self.table_exists("clients") and not self.table_exists("customers 2")
        (sql,) = self.preview_then_run(f"{base}/clients/drop", {}, "clients")
        assert sql == f"DROP TABLE `{ADMIN_DB}`.`clients`"
        assert not self.table_exists("clients")

    def test_destructive_actions_are_refused_without_confirmation(self):
        for path in (
            f"/api/db/{ADMIN_DB}/table/orders/drop",
            f"/api/db/{ADMIN_DB}/table/orders/truncate",
            f"/api/db/{ADMIN_DB}/drop",
            f"/api/db/{ADMIN_DB}/objects/view/big_orders/drop",
        ):
            response = self.post_json(path, {"confirm": ""})
            assert response.code == 400, path
            assert response.headers["Content-Type"].startswith("application/json")
            assert "Confirmation required" in json.loads(response.body)["error"]
        assert self.table_exists("orders") and self.table_exists("big_orders")
        assert self.db.get(f"SELECT COUNT(*) AS n FROM `{ADMIN_DB}`.orders").n == 3

    def test_create_rename_and_drop_database(self):
        (sql,) = self.preview_then_run(
            "/api/databases", {"name": "eddy_test_admin_new", "collation": "utf8mb4_bin"}, "eddy_test_admin_new"
        )
        assert sql == "CREATE DATABASE `eddy_test_admin_new` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        self.db.execute("CREATE TABLE eddy_test_admin_new.t (id INT)")
        sql = self.preview_then_run(
            "/api/db/eddy_test_admin_new/rename", {"new_name": "eddy_test_admin_moved"}, "eddy_test_admin_new"
        )
        assert sql[1] == "RENAME TABLE `eddy_test_admin_new`.`t` TO `eddy_test_admin_moved`.`t`"
        assert self.table_exists("t", "eddy_test_admin_moved")
        self.preview_then_run("/api/db/eddy_test_admin_moved/drop", {}, "eddy_test_admin_moved")
        assert not self.db.get("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'eddy_test_admin_moved'")

    def test_rename_database_with_a_view_is_refused_and_says_why(self):
        code, error = self.post(f"/api/db/{ADMIN_DB}/rename", {"new_name": "eddy_test_admin_x", "dry_run": True})
        assert code == 400 and "1 views" in error["error"] and "1 triggers" in error["error"]

    def test_objects_list_definition_create_and_drop(self):
        code, objs = self.get_json(f"/api/db/{ADMIN_DB}/objects")
        assert [v["name"] for v in objs["views"]] == ["big_orders"]
        assert [t["name"] for t in objs["triggers"]] == ["orders_total_check"]
        code, d = self.get_json(f"/api/db/{ADMIN_DB}/objects/view/big_orders")
        assert code == 200 and "total" in d["definition"]
        assert d["editor_url"].startswith("/sql?text=CREATE")
        assert urllib.parse.unquote(d["editor_url"][len("/sql?text=") :]) == d["definition"]

        proc = "CREATE PROCEDURE `count orders`(IN c INT)\nBEGIN\n"
        proc += "  SELECT COUNT(*) FROM orders WHERE customer_id = c;\nEND"
        self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/procedure", {"sql": proc}, "count orders")
        func = "CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2"
        self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/function", {"sql": func}, "twice")
        event = f"CREATE EVENT {ADMIN_DB}.nightly ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1"
        self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/event", {"sql": event}, "nightly")
        code, objs = self.get_json(f"/api/db/{ADMIN_DB}/objects")
        assert [p["name"] for p in objs["procedures"]] == ["count orders"]
        assert [f["name"] for f in objs["functions"]] == ["twice"] and objs["events"][0]["name"] == "nightly"
        code, d = self.get_json(f"/api/db/{ADMIN_DB}/objects/procedure/{Q('count orders')}")
        assert "customer_id = c" in d["definition"]

        # Editing in place: the definition as CREATE OR REPLACE, a replacement needing the name typed.
        code, d = self.get_json(f"/api/db/{ADMIN_DB}/objects/view/big_orders")
        assert d["replace_sql"].startswith("CREATE OR REPLACE ")
        changed = d["replace_sql"].replace("> 100", "> 150")
        code, preview = self.post(f"/api/db/{ADMIN_DB}/objects/view", {"sql": changed, "dry_run": True})
        assert preview["destructive"] and preview["confirm"] == "big_orders"
        self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/view", {"sql": changed}, "big_orders")
        assert "150" in self.get_json(f"/api/db/{ADMIN_DB}/objects/view/big_orders")[1]["definition"]
        code, d = self.get_json(f"/api/db/{ADMIN_DB}/objects/trigger/orders_total_check")
        self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/trigger", {"sql": d["replace_sql"]}, "orders_total_check")

        # The kind named in the URL must match the statement.
        code, error = self.post(f"/api/db/{ADMIN_DB}/objects/view", {"sql": func, "dry_run": True})
        assert code == 400 and "CREATE VIEW" in error["error"]

        for kind, name in (("procedure", "count orders"), ("function", "twice"), ("event", "nightly"),
                           ("trigger", "orders_total_check"), ("view", "big_orders")):  # fmt: skip
            (sql,) = self.preview_then_run(f"/api/db/{ADMIN_DB}/objects/{kind}/{Q(name)}/drop", {}, name)
            assert sql.startswith(f"DROP {kind.upper()} `{ADMIN_DB}`.")
        code, objs = self.get_json(f"/api/db/{ADMIN_DB}/objects")
        assert not any(objs.values())
        code, missing = self.get_json(f"/api/db/{ADMIN_DB}/objects/view/big_orders")
        assert code == 404

    def test_diagram_has_one_box_per_table_and_an_arrow_per_foreign_key(self):
        code, d = self.get_json(f"/api/db/{ADMIN_DB}/diagram")
        assert code == 200
        assert sorted(t["name"] for t in d["tables"]) == [
            "big_orders",
            "customers",
            "events_log",
            "order lines",
            "orders",
        ]
        assert {(e["from"], e["to"]) for e in d["edges"]} == {("orders", "customers"), ("order lines", "orders")}
        boxes = {t["name"]: t for t in d["tables"]}
        # Layered: referenced tables sit left of the tables that reference them; boxes never overlap.
        assert boxes["customers"]["x"] < boxes["orders"]["x"] < boxes["order lines"]["x"]
        placed = list(boxes.values())
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                apart = (
                    a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                )  # fmt: skip
                assert apart, (a["name"], b["name"])
        # Deterministic: the same database gives the same picture.
        assert self.get_json(f"/api/db/{ADMIN_DB}/diagram")[1] == d

    def test_unchanged_form_is_refused_and_invisible_columns_stay_invisible(self):
        self.db.execute(f"CREATE TABLE `{ADMIN_DB}`.hidden (id INT PRIMARY KEY, secret INT INVISIBLE, v INT)")
        _, s = self.get_json(f"/api/db/{ADMIN_DB}/table/hidden/structure")
        code, error = self.post(f"/api/db/{ADMIN_DB}/table/hidden/alter", {"form": s, "dry_run": True})
        assert code == 400 and "Nothing to change" in error["error"]
        cols = s["columns"]
        form = {**s, "columns": [cols[0], cols[2], {**cols[1], "comment": "moved"}]}
        (sql,) = self.preview_then_run(f"/api/db/{ADMIN_DB}/table/hidden/alter", {"form": form}, "hidden")
        assert "INVISIBLE COMMENT 'moved' AFTER `v`" in sql
        extra = self.db.get(
            "SELECT EXTRA AS e FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'hidden'"
            " AND COLUMN_NAME = 'secret'",
            ADMIN_DB,
        ).e
        assert "INVISIBLE" in extra.upper() and self.columns("hidden") == ["id", "v", "secret"]
