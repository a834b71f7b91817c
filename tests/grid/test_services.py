"""The grid's services against the private MariaDB: windows, keyset vs OFFSET, filters, edits."""

import pytest

from core.services.grid import cell_values
from core.services.grid import windows as grid_service
from core.services.grid.edits import EditError, apply_changes
from core.services.grid.filters import FilterError, compile_filter
from core.services.grid.table_meta import load_table_meta
from core.services.grid.windows import WindowPlanner, after_condition, parse_sort
from tests.grid.conftest import BIG_ROWS, GRID_DB, numbers


def ids(window):
    return [r[0] for r in window["rows"]]


def offset_ids(conn, order_sql, start, count, where=""):
    sql = f"SELECT id FROM `{GRID_DB}`.big {where} ORDER BY {order_sql} LIMIT {count} OFFSET {start}"
    return [r[0] for r in conn.select(sql).rows]


def test_filter_values_are_parameters_and_sql_is_shown():
    f = compile_filter(
        {
            "match": "or",
            "conditions": [
                {"column": "name", "op": "=", "value": "x' OR 1=1 --"},
                {"column": "qty", "op": "between", "value": 1, "value2": 5},
                {"column": "note", "op": "in", "values": ["a", "b"]},
                {"column": "note", "op": "is null"},
            ],
            "raw": "qty > 0 -- trailing comment",
        },
        ["name", "qty", "note"],
    )
    assert f.where == (
        "(`name` = %s OR `qty` BETWEEN %s AND %s OR `note` IN (%s, %s) OR `note` IS NULL)"
        " AND (qty > 0 -- trailing comment\n)"
    )
    assert f.params == ["x' OR 1=1 --", 1, 5, "a", "b"]


def test_filter_rejects_unknown_columns_and_operators():
    with pytest.raises(FilterError, match="Unknown column"):
        compile_filter({"conditions": [{"column": "nope", "op": "="}]}, ["a"])
    with pytest.raises(FilterError, match="Unknown operator"):
        compile_filter({"conditions": [{"column": "a", "op": "; DROP"}]}, ["a"])


@pytest.mark.parametrize(
    "sort, order_sql",
    [
        (None, "id"),
        ([{"column": "created"}], "created, id"),
        ([{"column": "grp", "dir": "desc"}, {"column": "amount"}], "grp DESC, amount, id"),
        ([{"column": "amount", "dir": "desc"}], "amount DESC, id"),
    ],
)
def test_keyset_jumps_match_offset_pages(conn, sort, order_sql):
    """Deep jumps through anchors return exactly the rows OFFSET would (NULLs, mixed directions)."""
    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    for start in (0, 27_123, 49_990, 13_000, 13_050):
        window = planner.window(conn, meta, "t", sort, None, start, 20)
        assert ids(window) == offset_ids(conn, order_sql, start, 20), (sort, start)
        assert window["total"] == BIG_ROWS and window["exact"]
        if start:
            assert window["plan"].startswith("keyset"), window["plan"]


def test_filtered_window_and_end_clamp(conn):
    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    spec = {"conditions": [{"column": "grp", "op": "is null"}], "raw": "amount < 50"}
    expected = offset_ids(conn, "id", 0, 100_000, "WHERE grp IS NULL AND amount < 50")
    window = planner.window(conn, meta, "t", None, spec, 10_000_000, 10)
    assert window["total"] == len(expected) and window["exact"]
    assert ids(window) == expected[-10:]
    assert "`grp` IS NULL" in window["sql"] and "amount < 50" in window["where"]


def test_after_condition_is_null_aware():
    order = parse_sort([{"column": "g", "dir": "asc"}], ["g", "id"]) + [grid_service.SortKey("id")]
    sql, params = after_condition(order, (None, 5), inclusive=False)
    assert sql == "((`g` IS NOT NULL) OR (`g` <=> %s AND `id` > %s))" and params == [None, 5]


def test_meta_knows_keys_foreign_keys_json_and_read_only(conn):
    items = load_table_meta(conn, GRID_DB, "items")
    assert items.row_key == ["id"] and items.column("doc")["json"] and items.column("id")["auto_increment"]
    assert items.referenced_by[0]["table"] == "order lines 表"
    lines = load_table_meta(conn, GRID_DB, "order lines 表")
    assert lines.row_key == ["key", "back`tick"]
    assert lines.foreign_keys[0]["ref_table"] == "items"
    keyless = load_table_meta(conn, GRID_DB, "no_key")
    assert keyless.row_key == [] and "no primary key" in keyless.read_only_reason
    with pytest.raises(EditError, match="no primary key"):
        apply_changes(conn, keyless, [{"op": "delete", "key": {}, "original": {}}])


def test_long_values_are_cut_and_named(conn):
    meta = load_table_meta(conn, GRID_DB, "items")
    rows = WindowPlanner().window(conn, meta, "t", None, None, 0, 10)["rows"]
    long_row = next(r for r in rows if r[1] == "long")
    assert long_row[3]["truncated"] and long_row[3]["length"] == 3004
    assert long_row[4] == {"binary": "00" * 512, "size": 2000, "truncated": True}
    assert cell_values.read_whole(conn, meta, {"id": long_row[0]}, "note")[0].endswith(" END")


def _row(conn, name):
    meta = load_table_meta(conn, GRID_DB, "items")
    rows = WindowPlanner().window(conn, meta, "t", None, None, 0, 50)["rows"]
    row = next(r for r in rows if r[1] == name)
    return meta, row, dict(zip(meta.column_names, row))


def test_update_insert_delete_in_one_transaction_with_awkward_values(conn):
    meta, row, original = _row(conn, "plain")
    value = 'it\'s "quoted"\nnew line 🐍 NULL'
    result = apply_changes(
        conn,
        meta,
        [
            {"id": "u", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"note": value}},
            {"id": "n", "op": "insert", "values": {"name": "new one", "note": None}},
        ],
    )
    assert result.ok, result.errors
    assert conn.get(f"SELECT note FROM `{GRID_DB}`.items WHERE id = %s", row[0]).note == value
    new = conn.get(f"SELECT id, qty, note FROM `{GRID_DB}`.items WHERE name = 'new one'")
    assert new.qty == 1 and new.note is None and result.inserted_ids["n"] == new.id  # default + auto-increment
    meta, row, original = _row(conn, "new one")
    assert apply_changes(conn, meta, [{"id": "d", "op": "delete", "key": {"id": row[0]}, "original": original}]).ok
    assert conn.get(f"SELECT 1 AS x FROM `{GRID_DB}`.items WHERE name = 'new one'") is None


def test_failed_apply_rolls_back_and_names_each_row(conn):
    meta, row, original = _row(conn, "emoji 🐍 表")
    before = conn.get(f"SELECT COUNT(*) AS n FROM `{GRID_DB}`.items").n
    result = apply_changes(
        conn,
        meta,
        [
            {"id": "good", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"qty": 9}},
            {"id": "dup", "op": "insert", "values": {"name": "plain"}},
            {"id": "neg", "op": "insert", "values": {"name": "z", "qty": -1}},
        ],
    )
    assert not result.ok
    assert [e["id"] for e in result.errors] == ["dup", "neg"]
    assert "Duplicate entry" in result.errors[0]["message"] and "qty_not_negative" in result.errors[1]["message"]
    assert conn.get(f"SELECT qty FROM `{GRID_DB}`.items WHERE id = %s", row[0]).qty == 4  # rolled back
    assert conn.get(f"SELECT COUNT(*) AS n FROM `{GRID_DB}`.items").n == before


def test_concurrent_change_is_refused_for_that_row(conn, mariadb):
    meta, row, original = _row(conn, "quote ' \" and \\ backslash")
    other = mariadb.connect()
    other.execute(f"UPDATE `{GRID_DB}`.items SET qty = 42 WHERE id = %s", row[0])
    other.close()
    change = {"id": "u", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"note": "mine"}}
    result = apply_changes(conn, meta, [change])
    assert not result.ok and "changed on the server since it was loaded" in result.errors[0]["message"]
    assert conn.get(f"SELECT note FROM `{GRID_DB}`.items WHERE id = %s", row[0]).note == "line1\nline2"
    # Writing the value it already has is not a refusal.
    same = {**change, "original": {**original, "qty": 42}, "values": {"qty": 42}}
    assert apply_changes(conn, meta, [same]).ok


def test_long_original_values_guard_by_prefix_and_length(conn):
    meta, row, original = _row(conn, "long")
    change = {"id": "u", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"qty": 6}}
    assert apply_changes(conn, meta, [change]).ok
    preview = apply_changes(conn, meta, [change], preview=True)
    assert "LEFT(`note`, 2000)" in preview.statements[0]


def test_awkward_identifiers_composite_key_edit(conn):
    meta = load_table_meta(conn, GRID_DB, "order lines 表")
    rows = WindowPlanner().window(conn, meta, "t", [{"column": "名字", "dir": "desc"}], None, 0, 10)["rows"]
    row = next(r for r in rows if r[1] == "a`b")
    original = dict(zip(meta.column_names, row))
    change = {"id": "u", "op": "update", "key": {"key": 1, "back`tick": "a`b"}, "original": original}
    result = apply_changes(conn, meta, [{**change, "values": {"名字": None}}])
    assert result.ok, result.errors
    assert "`back``tick` <=> 'a`b'" in result.statements[0]
    assert conn.get(f"SELECT `名字` AS v FROM `{GRID_DB}`.`order lines 表` WHERE `key` = 1").v is None


def test_lock_timeout_rolls_back_and_names_the_row(conn, mariadb):
    meta, row, original = _row(conn, "NULL")
    holder = mariadb.connect()
    holder.begin()
    holder.query(f"SELECT * FROM `{GRID_DB}`.items WHERE id = %s FOR UPDATE", row[0])
    try:
        conn.execute("SET SESSION innodb_lock_wait_timeout = 1")
        change = {"id": "locked", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"qty": 8}}
        result = apply_changes(conn, meta, [{"id": "n", "op": "insert", "values": {"name": "lock test"}}, change])
    finally:
        holder.rollback()
        holder.close()
    assert not result.ok and result.errors[0]["id"] == "locked" and result.errors[0]["code"] == 1205
    assert conn.get(f"SELECT 1 AS x FROM `{GRID_DB}`.items WHERE name = 'lock test'") is None  # insert rolled back


def test_integer_keys_with_and_without_gaps_jump_exactly(conn):
    """Gapless integer keys jump by arithmetic; keys with gaps through anchors; both match OFFSET."""
    conn.execute(f"DROP TABLE IF EXISTS `{GRID_DB}`.gappy")
    conn.execute(f"CREATE TABLE `{GRID_DB}`.gappy (id BIGINT PRIMARY KEY, v INT) SELECT seq * 3 AS id, seq AS v "
                 f"FROM {numbers(30000)} AS s WHERE seq % 11 <> 0")  # fmt: skip
    planner = WindowPlanner()
    for table, expect_dense in (("big", True), ("gappy", False)):
        meta = load_table_meta(conn, GRID_DB, table)
        for sort, order in ((None, "id"), ([{"column": "id", "dir": "desc"}], "id DESC")):
            for start in (20_000, 17, 26_000):
                window = planner.window(conn, meta, "t", sort, None, start, 7)
                expected = [r[0] for r in conn.select(
                    f"SELECT id FROM `{GRID_DB}`.`{table}` ORDER BY {order} LIMIT 7 OFFSET {start}").rows]  # fmt: skip
                assert ids(window) == expected, (table, sort, start)
            view = planner.cache.get(grid_service.view_key("t", meta, grid_service.effective_order(meta, parse_sort(
                sort, meta.column_names)), compile_filter(None, [])))  # fmt: skip
            assert (view.dense is not None) == expect_dense


def test_lost_connection_mid_apply_saves_nothing_and_says_so(conn, mariadb, monkeypatch):
    from core.services.grid import edits as editor

    meta, row, original = _row(conn, "plain")
    real_execute, calls = editor._execute, []

    def execute_then_lose_connection(c, sql, params):
        calls.append(sql)
        if len(calls) == 2:  # the server drops us between the first and second statement
            killer = mariadb.connect()
            killer.execute(f"KILL {c.thread_id}")
            killer.close()
        return real_execute(c, sql, params)

    monkeypatch.setattr(editor, "_execute", execute_then_lose_connection)
    changes = [
        {"id": "first", "op": "update", "key": {"id": row[0]}, "original": original, "values": {"qty": 77}},
        {"id": "second", "op": "insert", "values": {"name": "after the kill"}},
    ]
    result = apply_changes(conn, meta, changes)
    assert not result.ok and result.errors[0]["id"] == "second"
    assert "Lost connection" in result.errors[0]["message"] and "not saved, verified" in result.errors[0]["message"]
    assert result.outcome == "not_saved"
    check = mariadb.connect()
    assert check.get(f"SELECT qty FROM `{GRID_DB}`.items WHERE id = %s", row[0]).qty != 77
    assert check.get(f"SELECT 1 AS x FROM `{GRID_DB}`.items WHERE name = 'after the kill'") is None
    check.close()


def test_unindexed_sort_builds_anchors_in_one_narrow_pass_after_page_1(conn, monkeypatch):
    """A big view sorted by an unindexed column asks for its anchors right after page 1; they
    come from one pass reading only the sort and row keys, and are exactly OFFSET's rows."""
    monkeypatch.setattr(grid_service, "EXACT_COUNT_BELOW", 0)
    monkeypatch.setattr(grid_service, "PREPARE_MIN", 1_000)
    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    sort = [{"column": "amount", "dir": "desc"}]
    first = planner.window(conn, meta, "t", sort, None, 0, 20)
    assert first["prepare"] is True and not first["exact"]
    passes = []
    real_sample = type(conn).sample

    def spy(self, sql, params, every):
        passes.append(sql)
        return real_sample(self, sql, params, every)

    monkeypatch.setattr(type(conn), "sample", spy)
    planner.prepare(conn, meta, "t", sort, None)
    assert len(passes) == 1 and passes[0].startswith("SELECT `amount`, `id` FROM")
    view = next(iter(planner.cache._views.values()))
    assert view.built and view.count == BIG_ROWS
    assert view.positions == list(range(0, BIG_ROWS, grid_service.SORTED_ANCHOR_SPACING))
    order = "amount DESC, id"
    for position in (0, 17_000, 49_000):
        assert view.keys[position][1] == offset_ids(conn, order, position, 1)[0]
    window = planner.window(conn, meta, "t", sort, None, 31_234, 20)
    assert window["plan"] == "keyset+offset 234" and window["exact"]
    assert ids(window) == offset_ids(conn, order, 31_234, 20) and len(passes) == 1


def test_only_one_background_build_per_table_at_a_time(conn, monkeypatch):
    """Clicking through sort orders does not start one full sorted pass per click."""
    import threading

    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    entered, release, built = threading.Event(), threading.Event(), []
    real_build = WindowPlanner.build_anchors

    def slow_build(self, conn_, meta_, view, order, filt):
        built.append(order[0].column)
        entered.set()
        assert release.wait(30)
        return real_build(self, conn_, meta_, view, order, filt)

    monkeypatch.setattr(WindowPlanner, "build_anchors", slow_build)
    first = threading.Thread(target=planner.prepare, args=(conn, meta, "t", [{"column": "amount"}], None))
    first.start()
    assert entered.wait(30)
    planner.prepare(conn, meta, "t", [{"column": "created"}], None)  # skipped: amount's pass still runs
    release.set()
    first.join(30)
    assert built == ["amount"]


def _record(conn, monkeypatch) -> list[str]:
    """Every statement the planner runs on `conn` (select and the narrow pass), in order."""
    statements = []
    real_select, real_sample = type(conn).select, type(conn).sample

    def select(self, sql, params=None):
        statements.append(sql)
        return real_select(self, sql, params)

    def sample(self, sql, params, every):
        statements.append("PASS " + sql)
        return real_sample(self, sql, params, every)

    monkeypatch.setattr(type(conn), "select", select)
    monkeypatch.setattr(type(conn), "sample", sample)
    return statements


@pytest.mark.parametrize(
    "sort, order_sql, filter_spec, where",
    [
        ([{"column": "amount", "dir": "desc"}], "amount DESC, id", None, ""),
        ([{"column": "grp", "dir": "desc"}, {"column": "amount"}], "grp DESC, amount, id", None, ""),
        ([{"column": "grp"}, {"column": "amount", "dir": "desc"}], "grp, amount DESC, id", None, ""),
        (
            [{"column": "amount"}],
            "amount, id",
            {"conditions": [{"column": "id", "op": ">", "value": 7}]},
            "WHERE id > 7",
        ),
        (
            [{"column": "amount", "dir": "desc"}],
            "amount DESC, id",
            {"raw": "CAST(amount AS CHAR) NOT LIKE '%.5%'"},
            "WHERE CAST(amount AS CHAR) NOT LIKE '%.5%'",
        ),
    ],
)
def test_cold_deep_jump_on_unindexed_sort_is_one_offset_query_not_the_anchor_pass(
    conn, monkeypatch, sort, order_sql, filter_spec, where
):
    """The first far jump in a big view that no index orders is answered by one ORDER BY ... LIMIT
    OFFSET (about one window's cost), not after the narrow pass over the whole view; its rows are
    OFFSET's rows (ties, NULLs, DESC, filters), it teaches an anchor, asks for the anchors in the
    background, and the next window near it is a keyset read from that anchor."""
    monkeypatch.setattr(grid_service, "EXACT_COUNT_BELOW", 0)
    monkeypatch.setattr(grid_service, "PREPARE_MIN", 1_000)
    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    statements = _record(conn, monkeypatch)
    jump = planner.window(conn, meta, "t", sort, filter_spec, 31_234, 20)
    assert jump["plan"] == "offset" and jump["prepare"] is True
    assert not [s for s in statements if s.startswith("PASS")], statements
    assert "LIMIT 20 OFFSET 31234" in statements[-1]
    assert ids(jump) == offset_ids(conn, order_sql, 31_234, 20, where)
    near = planner.window(conn, meta, "t", sort, filter_spec, 31_260, 20)
    assert near["plan"] == "keyset+offset 26"
    assert ids(near) == offset_ids(conn, order_sql, 31_260, 20, where)
    assert not [s for s in statements if s.startswith("PASS")]
    planner.prepare(conn, meta, "t", sort, filter_spec)  # what the web layer starts on "prepare"
    assert len([s for s in statements if s.startswith("PASS")]) == 1
    later = planner.window(conn, meta, "t", sort, filter_spec, 12_345, 20)
    assert later["plan"].startswith("keyset") and ids(later) == offset_ids(conn, order_sql, 12_345, 20, where)


def test_cold_deep_jump_on_unindexed_sort_does_not_wait_for_a_running_build(conn, monkeypatch):
    """While the background build holds the view's lock, a far jump is still answered at once."""
    import threading

    monkeypatch.setattr(grid_service, "EXACT_COUNT_BELOW", 0)
    monkeypatch.setattr(grid_service, "PREPARE_MIN", 1_000)
    meta = load_table_meta(conn, GRID_DB, "big")
    planner = WindowPlanner()
    sort = [{"column": "amount"}]
    first = planner.window(conn, meta, "t", sort, None, 0, 20)
    assert first["prepare"] is True
    view = next(iter(planner.cache._views.values()))
    answers = []
    with view.lock:  # a build in progress
        jumper = threading.Thread(
            target=lambda: answers.append(planner.window(conn, meta, "t", sort, None, 40_000, 20))
        )
        jumper.start()
        jumper.join(20)
        assert not jumper.is_alive(), "the jump waited for the anchor build"
    assert answers[0]["plan"] == "offset" and ids(answers[0]) == offset_ids(conn, "amount, id", 40_000, 20)
