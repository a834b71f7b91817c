"""The per-server cache of table names: pages, counts, locate, completion and search from memory
after one listing; dropped by Eddy's own DDL, by the tree's Refresh and after MAX_AGE."""

import json
import tracemalloc

import pytest

from core.db import Connection
from core.services.schema import browse, name_cache, structure, tree
from core.services.schema.name_cache import NAMES, NameCache, Names
from core.services.schema.plans import run_plan
from tests.web.client import ConnectedAppCase
from tests.web.sql_editor import run_sql
from tests.workspace.conftest import MANY_TABLES, RecordingConnection

CACHE_DB = "eddy_test_names"


def name_reads(conn: RecordingConnection) -> list[str]:
    return [sql for sql, _ in conn.statements if "information_schema.TABLES" in sql]


@pytest.fixture
def cache_db(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute(f"DROP DATABASE IF EXISTS `{CACHE_DB}`")
    admin.execute(f"CREATE DATABASE `{CACHE_DB}`")
    for name in ("alpha", "beta"):
        admin.execute(f"CREATE TABLE `{CACHE_DB}`.`{name}` (id INT PRIMARY KEY)")
    admin.execute(f"CREATE VIEW `{CACHE_DB}`.`alpha_view` AS SELECT id FROM `{CACHE_DB}`.`alpha`")
    yield admin
    admin.execute(f"DROP DATABASE IF EXISTS `{CACHE_DB}`")
    admin.close()


def names_of(conn, database=CACHE_DB) -> list[str]:
    return [i["name"] for i in tree.group_items(conn, database, "tables", 0, 500)["items"]]


def test_one_listing_then_pages_counts_locate_and_completion_from_memory(mariadb, many_tables_db):
    conn = RecordingConnection(mariadb.user)
    first = tree.group_items(conn, many_tables_db, "tables", 0, 50)
    assert first["total"] == MANY_TABLES and first["items"][0]["name"] == "t000000"
    assert len(name_reads(conn)) == 1, "the first page lists the database once (names, no count)"
    conn.statements.clear()
    page = tree.group_items(conn, many_tables_db, "tables", 1500, 3)
    assert [i["name"] for i in page["items"]] == ["t001500", "t001501", "t001502"]
    assert page["total"] == MANY_TABLES  # the count comes free with every page now
    filtered = tree.group_items(conn, many_tables_db, "tables", 0, 500, "0029")
    assert filtered["total"] == 111 and filtered["items"][0]["name"] == "t000029"
    assert tree.locate_table(conn, many_tables_db, "t002345") == {"index": 2345}
    assert tree.locate_table(conn, many_tables_db, "nope") == {"index": -1}
    assert tree.completion_tables(conn, many_tables_db, "t00299")["tables"] == [f"t00299{i}" for i in range(10)]
    assert tree.database_groups(conn, many_tables_db)["tables"] == MANY_TABLES
    assert conn.statements == [], "pages, filter, locate, completion and the count read nothing"
    page = browse.tables_page(conn, many_tables_db)  # the database page, past 1,000 tables: names only
    assert page["total"] == MANY_TABLES and page["tables"][999]["name"] == "t000999"
    assert name_reads(conn) == [], "the database page lists no names the tree holds"


def test_a_table_created_or_dropped_through_eddy_shows_at_once(mariadb, cache_db):
    conn = mariadb.connect()
    assert names_of(conn) == ["alpha", "alpha_view", "beta"]
    form = {"name": "Gamma", "columns": [{"name": "id", "type": "INT", "nullable": False}]}
    run_plan(conn, structure.plan_create_table(conn, CACHE_DB, form))
    assert names_of(conn) == ["alpha", "alpha_view", "beta", "Gamma"]  # case-insensitive order
    run_plan(conn, structure.plan_rename_table(conn, CACHE_DB, "beta", "delta"))
    run_plan(conn, structure.plan_drop_table(conn, CACHE_DB, "alpha_view"))
    assert names_of(conn) == ["alpha", "delta", "Gamma"]


def test_a_table_made_behind_eddys_back_shows_after_max_age(mariadb, cache_db, monkeypatch):
    conn = mariadb.connect()
    now = [1000.0]
    monkeypatch.setattr(NAMES, "clock", lambda: now[0])
    assert "late" not in names_of(conn)
    cache_db.execute(f"CREATE TABLE `{CACHE_DB}`.`late` (id INT)")
    now[0] += name_cache.MAX_AGE - 1
    assert "late" not in names_of(conn), "held for MAX_AGE"
    now[0] += 1
    assert "late" in names_of(conn)


def test_scrolling_an_open_list_is_not_stalled_by_max_age(mariadb, many_tables_db, monkeypatch):
    """Pages past the first belong to a list the client holds (its count came with the first page):
    they read the held names up to SCROLL_AGE, so scrolling never waits for a listing nor sees the
    offsets shift; the first page (opening or reopening the node) reads again after MAX_AGE."""
    conn = RecordingConnection(mariadb.user)
    now = [1000.0]
    monkeypatch.setattr(NAMES, "clock", lambda: now[0])
    tree.group_items(conn, many_tables_db, "tables", 0, 100)
    now[0] += name_cache.MAX_AGE + 1
    conn.statements.clear()
    assert tree.group_items(conn, many_tables_db, "tables", 2000, 100)["items"][0]["name"] == "t002000"
    assert name_reads(conn) == []
    tree.group_items(conn, many_tables_db, "tables", 0, 100)
    assert len(name_reads(conn)) == 1
    now[0] += name_cache.SCROLL_AGE + 1
    conn.statements.clear()
    tree.group_items(conn, many_tables_db, "tables", 2000, 100)
    assert len(name_reads(conn)) == 1, "past SCROLL_AGE a page reads again"


def test_search_from_memory_finds_what_the_server_finds(mariadb, fk_db, many_tables_db, cache_db):
    conn = mariadb.connect()
    queries = ["parent", "0299", "t2990", "中文", "twi", "alpha", "a_v", "%", "zzz"]
    held = [tree.search(conn, q, limit=200) for q in queries] + [tree.search(conn, "t001", CACHE_DB)]
    NAMES.clear()
    NAMES.max_names, saved = 0, NAMES.max_names  # nothing fits: every database read on the server
    try:
        served = [tree.search(conn, q, limit=200) for q in queries] + [tree.search(conn, "t001", CACHE_DB)]
    finally:
        NAMES.max_names = saved
    for q, a, b in zip(queries, held, served):
        assert a["items"] == b["items"], q
    assert {"db": CACHE_DB, "name": "alpha_view", "kind": "view"} in held[5]["items"]
    assert {"db": fk_db, "name": "parent_names", "kind": "view"} in held[0]["items"]
    broad = tree.search(conn, "T", many_tables_db, limit=3)  # 3,000 matches: the best 3, and "more"
    assert [i["name"] for i in broad["items"]] == ["t000000", "t000001", "t000002"] and broad["more"]
    loose = tree.search(conn, "t2999", many_tables_db, limit=2)  # no substring match: in order only
    assert loose == {"items": [{"db": many_tables_db, "name": "t002999", "kind": "table"}], "more": False}


def test_memory_is_bounded_least_recently_used_first(mariadb, many_tables_db, fk_db, cache_db):
    conn = mariadb.connect()
    cache = NameCache(max_names=MANY_TABLES + 5)
    assert len(cache.get(conn, many_tables_db)) == MANY_TABLES
    assert len(cache.get(conn, CACHE_DB)) == 3
    assert cache.held() == MANY_TABLES + 3
    cache.get(conn, fk_db)  # 4 more: the least recently used database goes
    assert cache.peek(conn, many_tables_db) is None and cache.held() <= cache.max_names
    small = NameCache(max_names=100)
    assert small.get(conn, many_tables_db) is None and small.held() == 0  # too big to hold at all


def test_200000_names_cost_14_to_32_mb():
    """The strings as read from the server, the sorted lists and the lower-case keys of mixed-case names."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    names = [f"t{i:06d}" for i in range(100_000)] + [f"Customer_Orders_{i:06d}" for i in range(100_000)]
    held = Names(names, 0.0)
    del names
    cost = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(held) == 200_000
    assert cost < 25_000_000, f"{cost / 1e6:.1f} MB"  # 23 MB: 7 + 16 MB for each half


def test_per_server_not_shared(mariadb, cache_db):
    from dataclasses import replace

    conn = mariadb.connect()
    assert "alpha" in names_of(conn)
    other = Connection(replace(mariadb.admin))  # another account: another key
    assert name_cache.server_key(other) != name_cache.server_key(conn)
    NAMES.invalidate(other)
    assert NAMES.peek(conn, CACHE_DB) is not None
    other.close()


@pytest.fixture(scope="class")
def env(request, mariadb, tmp_path_factory):
    request.cls.mariadb = mariadb
    request.cls.data_root = tmp_path_factory.mktemp("names-web")


@pytest.mark.usefixtures("env", "cache_db_web")
class TestRefresh(ConnectedAppCase):
    def tearDown(self):
        self.app.sessions.close_all()
        super().tearDown()

    def page(self):
        response = self.request(f"/api/tree?db={CACHE_DB}&group=tables")
        assert response.code == 200
        return [i["name"] for i in json.loads(response.body)["items"]]

    def test_refresh_shows_a_table_made_behind_eddys_back(self):
        assert "behind" not in self.page()
        admin = Connection(self.mariadb.admin)
        admin.execute(f"CREATE TABLE `{CACHE_DB}`.`behind` (id INT)")
        admin.close()
        assert "behind" not in self.page(), "held in memory until refreshed or MAX_AGE"
        node = json.loads(self.request(f"/api/tree?db={CACHE_DB}&refresh=1").body)
        assert node["tables"] is None and "tables" in node["groups"]
        assert "behind" in self.page()

    def test_a_table_created_in_the_sql_editor_shows_at_once(self):
        assert "from_editor" not in self.page()
        ran = run_sql(self, f"CREATE TABLE `{CACHE_DB}`.`from_editor` (id INT)", CACHE_DB)
        assert ran.error is None, ran.error
        assert "from_editor" in self.page()
        search = json.loads(self.request("/api/tree/search?q=from_ed").body)
        assert [i["name"] for i in search["items"]] == ["from_editor"]


@pytest.fixture
def cache_db_web(cache_db):
    yield


def test_concurrent_first_reads_list_once(mariadb, many_tables_db):
    """Handlers run in a worker pool: eight first reads of one database at once make one listing."""
    import threading

    conns = [mariadb.connect() for _ in range(8)]
    cache = NameCache()
    sizes = []
    threads = [threading.Thread(target=lambda c=c: sizes.append(len(cache.get(c, many_tables_db)))) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    assert sizes == [MANY_TABLES] * 8 and cache.listings == 1
