"""The schema tree's, the palette's and autocomplete's JSON: lazy nodes, pages, search, hostile input."""

import json
import urllib.parse

import pytest

from tests.web.client import ConnectedAppCase
from tests.workspace.conftest import MANY_TABLES, RecordingConnection, catalog_scans


@pytest.fixture(scope="class")
def env(request, mariadb, sample_db, fk_db, many_tables_db, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.fk_db = fk_db
    request.cls.many_db = many_tables_db
    request.cls.data_root = tmp_path_factory.mktemp("tree-web")


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


@pytest.mark.usefixtures("env")
class TestTreeApi(ConnectedAppCase):
    @property
    def database(self):
        return self.fk_db

    def tearDown(self):
        self.app.sessions.close_all()
        super().tearDown()

    def get_json(self, path, code=200):
        response = self.request(path)
        assert response.code == code, self.text(response)
        return json.loads(response.body)

    def test_databases_then_groups_then_a_page_of_tables(self):
        names = [d["name"] for d in self.get_json("/api/tree")["items"]]
        assert self.fk_db in names and self.many_db in names
        node = self.get_json(f"/api/tree?db={self.many_db}")
        assert node["tables"] is None and node["groups"][0] == "tables"  # counted with the first page
        first = self.get_json(f"/api/tree?db={self.many_db}&group=tables&limit=2")
        assert first["total"] == MANY_TABLES and len(first["items"]) == 2
        page = self.get_json(f"/api/tree?db={self.many_db}&group=tables&offset=1500&limit=3")
        assert page["total"] == MANY_TABLES  # the names are held after the first page: counting is free
        assert [i["name"] for i in page["items"]] == ["t001500", "t001501", "t001502"]

    def test_views_routines_triggers_and_a_tables_columns(self):
        tables = self.get_json(f"/api/tree?db={q(self.fk_db)}&group=tables")["items"]
        assert [t["name"] for t in tables] == ["child", "parent", "parent_names", "中文表"]  # tables and views
        assert self.get_json(f"/api/tree?db={self.fk_db}&group=views")["items"] == [
            {"name": "parent_names", "kind": "view"}
        ]
        assert self.get_json(f"/api/tree?db={self.fk_db}&group=routines")["items"] == [
            {"name": "twice", "kind": "function"}
        ]
        triggers = self.get_json(f"/api/tree?db={self.fk_db}&group=triggers")["items"]
        assert triggers[0]["name"] == "child_bi" and "ON child" in triggers[0]["detail"]
        node = self.get_json(f"/api/tree?db={self.fk_db}&table=child")
        columns = {c["name"]: c for c in node["columns"]}
        assert columns["id"]["key"] == "PRI" and columns["parent_id"]["fk"] is True
        assert columns["parent_id"]["type"] == "int(11)"
        assert [i["name"] for i in node["indexes"]] == ["PRIMARY", "fk_parent"]

    def test_filter_a_group_server_side(self):
        page = self.get_json(f"/api/tree?db={self.many_db}&group=tables&filter=0029")
        assert page["total"] == 111 and page["items"][0]["name"] == "t000029"  # and t00029x, t0029xx

    def test_search_ranks_exact_prefix_substring_then_fuzzy(self):
        items = self.get_json("/api/tree/search?q=parent")["items"]
        assert items[0] == {"db": self.fk_db, "name": "parent", "kind": "table"}
        assert {"db": self.fk_db, "name": "parent_names", "kind": "view"} in items  # the real kind
        assert self.get_json("/api/tree/search?q=0299")["items"][0]["name"] == "t000299"  # substring, shortest, A-Z
        assert self.get_json("/api/tree/search?q=t2990")["items"][0]["name"] == "t002990"  # t…2990 in order
        assert self.get_json(f"/api/tree/search?q={q('中文')}")["items"][0]["name"] == "中文表"
        assert self.get_json("/api/tree/search?q=twi")["items"][0] == {
            "db": self.fk_db,
            "name": "twice",
            "kind": "function",
        }
        assert self.get_json("/api/tree/search?q=%25")["items"] == []  # LIKE wildcards are literal

    def test_completion_columns_of_any_database_on_demand(self):
        response = self.post_json(
            "/api/editor/columns", {"tables": [[self.fk_db, "中文表"], [self.many_db, "t000007"], ["nope", "x"]]}
        )
        assert response.code == 200, self.text(response)
        found = {(t["database"], t["table"]): t["columns"] for t in json.loads(response.body)["tables"]}
        assert found[(self.fk_db, "中文表")] == ["id", "名字", "数量"]
        assert found[(self.many_db, "t000007")] == ["id", "name"]
        assert found[("nope", "x")] == []
        tables = self.get_json(f"/api/editor/tables?db={self.many_db}&prefix=t00299")
        assert tables["tables"] == [f"t00299{i}" for i in range(10)] and tables["more"] is False
        assert self.get_json(f"/api/editor/tables?db={self.fk_db}&prefix={q('中')}")["tables"] == ["中文表"]

    def test_a_database_with_thousands_of_tables_lists_the_first_thousand_and_says_so(self):
        response = self.request(f"/db/{self.many_db}")
        html = self.text(response)
        assert response.code == 200
        assert "The first 1,000 of 3,000 tables and views" in html
        assert "t000999" in html and "t001000" not in html
        assert len(html) < 400_000
        small = self.text(self.request(f"/db/{self.fk_db}"))
        assert "中文表" in small and "tables-cut" not in small

    def test_hostile_requests_are_400_json(self):
        for path in [
            "/api/tree?db=x&group=bogus",
            "/api/tree?db=x&group=tables&offset=abc",
            f"/api/tree?db={'x' * 300}",
            "/api/tree/search?q=a&limit=many",
            "/api/editor/tables",
        ]:
            assert "error" in self.get_json(path, code=400), path
        for body in [{"tables": "x"}, {"tables": [["a"]]}, {"tables": [[1, 2]]}, {"tables": [["a", "b"]] * 65}]:
            response = self.post_json("/api/editor/columns", body)
            assert response.code == 400 and "error" in json.loads(response.body), body
        response = self.post_json("/api/editor/columns", {"tables": [["a", "b' OR 1=1 -- `"]]})
        assert response.code == 200


def test_tree_and_search_reads_stay_cheap(mariadb, many_tables_db, fk_db):
    """Tree pages and lookups open no table of other schemas (search must read all names: it selects
    names only, which information_schema answers without opening a table)."""
    from core.services.schema import tree

    conn = RecordingConnection(mariadb.user)
    tree.database_groups(conn, many_tables_db)
    assert conn.statements == [], "opening a database node reads nothing (a count lists its folder)"
    first = tree.group_items(conn, many_tables_db, "tables", 0, 50)
    assert first["total"] == MANY_TABLES and len(first["items"]) == 50
    assert len(conn.statements) == 1, "one listing of the names (held for the pages, count and search)"
    tree.group_items(conn, many_tables_db, "tables", 100, 50)
    tree.table_children(conn, fk_db, "child")
    tree.completion_columns(conn, [(fk_db, "child"), (many_tables_db, "t000001")])
    tree.completion_tables(conn, many_tables_db, "t001")
    assert catalog_scans(conn, conn.statements) == []
    conn.statements.clear()
    tree.search(conn, "t0001")
    kinds = [s for s in conn.statements if "TABLE_TYPE" in s[0]]
    assert len(kinds) == 1, "the shown names' kinds are read in one statement"
    for sql, params in list(conn.statements):
        if "information_schema.TABLES" in sql:
            plan = conn.query("EXPLAIN " + sql, *params)
            if "TABLE_TYPE" in sql:  # the kinds of the names shown: one definition read per name, no listing
                assert all("Scanned 0 databases" in r.Extra and "Skip_open_table" not in r.Extra for r in plan), plan
                assert all("Open_frm_only" in r.Extra for r in plan if r.table), plan
            else:
                assert "Skip_open_table" in plan[0].Extra, sql
