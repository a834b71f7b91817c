"""The table grid in headless Chromium: scroll a big table, sort, filter, edit, apply, fail safely."""

import re
import urllib.parse

from playwright.sync_api import expect

from tests.grid.conftest import GRID_DB
from tests.ui.test_e2e_browse import connect


def open_table(page, running_app, mariadb, table):
    connect(page, running_app, mariadb, database=GRID_DB)
    expect(page).to_have_url(re.compile(rf"/db/{GRID_DB}$"))
    page.goto(f"{running_app.base_url}/db/{GRID_DB}/table/{urllib.parse.quote(table, safe='')}")
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()


def row_with(page, text):
    return page.locator(
        "#grid .dg-row", has=page.locator(".dg-cell:not(.null)", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def cell(page, row_text, column_index):
    return row_with(page, row_text).locator(f'.dg-cell[data-col="{column_index}"]')


def apply_and_run(page):
    page.keyboard.press("Control+s")
    expect(page.locator("#apply-dialog")).to_be_visible()
    sql = page.locator("#apply-sql").text_content()
    page.click("#apply-run")
    return sql


def test_scroll_to_the_middle_of_a_big_table_sort_and_filter(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "big")
    expect(page.locator("#status-count")).to_have_text("50,000 rows")
    page.evaluate("() => { const s = document.querySelector('.dg-scroll'); s.scrollTop = s.scrollHeight / 2; }")
    first = page.locator("#grid .dg-row").first.locator(".dg-cell").first
    expect(first).to_have_text(re.compile(r"^2[45]\d{3}$"))  # around row 25,000, loaded on demand
    # The browser holds a few blocks of rows, never the table.
    assert page.evaluate("() => window.eddyGrid.blocks.size") <= 30
    # Sort by a header: amount ascending, then descending.
    header = page.locator(".dg-hcell", has_text="amount")
    header.click()
    expect(page.locator("#sql-text")).to_contain_text("ORDER BY `amount`, `id`")
    expect(page.locator("#grid .dg-row").first.locator('.dg-cell[data-col="2"]')).to_have_text("0.00")
    header.click()
    expect(page.locator("#grid .dg-row").first.locator('.dg-cell[data-col="2"]')).to_have_text("99.90")
    expect(header.locator(".dg-sort")).to_have_text("▼")
    # Filter: grp IS NULL AND a raw WHERE; the generated SQL is shown.
    page.click("#btn-filter")
    page.click("#filter-add")
    cond = page.locator(".filter-cond").first
    cond.locator(".f-col").select_option("grp")
    cond.locator(".f-op").select_option("is null")
    page.fill("#filter-raw", "amount >= 50")
    page.click("#filter-apply")
    expect(page.locator("#sql-text")).to_contain_text("`grp` IS NULL AND (amount >= 50")
    count = mariadb.connect().get(f"SELECT COUNT(*) AS n FROM `{GRID_DB}`.big WHERE grp IS NULL AND amount >= 50").n
    expect(page.locator("#status-count")).to_have_text(f"{count:,} rows")


def test_edit_a_cell_apply_and_see_it_in_the_database(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    note = cell(page, "plain", 3)
    note.dblclick()
    editor = page.locator(".dg-editor")
    editor.fill('it\'s "new" 🐍')
    editor.press("Shift+Enter")
    editor.type("second line")
    editor.press("Enter")
    expect(cell(page, "plain", 3)).to_have_class(re.compile("pending"))
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    sql = apply_and_run(page)
    assert sql.startswith("UPDATE `eddy_test_grid`.`items` SET `note` = 'it\\'s \\\"new\\\" 🐍\\nsecond line'")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(cell(page, "plain", 3)).not_to_have_class(re.compile("pending"))
    conn = mariadb.connect()
    assert conn.get(f"SELECT note FROM `{GRID_DB}`.items WHERE name = 'plain'").note == 'it\'s "new" 🐍\nsecond line'


def test_failing_apply_keeps_every_edit_and_says_which_row(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    qty = cell(page, "NULL", 2)  # the row whose name is the text "NULL"
    qty.dblclick()
    page.locator(".dg-editor").fill("-1")
    page.keyboard.press("Enter")
    apply_and_run(page)
    error = page.locator("#grid-error")
    expect(error).to_contain_text("Nothing was saved")
    expect(error).to_contain_text("qty_not_negative")
    expect(error).to_contain_text("id = 2")
    expect(cell(page, "NULL", 2)).to_have_text("-1")
    expect(cell(page, "NULL", 2)).to_have_class(re.compile("pending"))
    conn = mariadb.connect()
    assert conn.get(f"SELECT qty FROM `{GRID_DB}`.items WHERE name = 'NULL'").qty == 2
    # Fix the value and apply again: nothing was lost.
    cell(page, "NULL", 2).dblclick()
    page.locator(".dg-editor").fill("7")
    page.keyboard.press("Enter")
    apply_and_run(page)
    expect(page.locator("#pending-count")).to_have_text("")
    expect(error).to_be_hidden()
    assert conn.get(f"SELECT qty FROM `{GRID_DB}`.items WHERE name = 'NULL'").qty == 7


def test_insert_and_delete_rows(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    page.click("#btn-insert")
    new_row = page.locator("#grid .dg-row.inserted")
    expect(new_row.locator('.dg-cell[data-col="0"]')).to_have_text("DEFAULT")
    new_row.locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("inserted in the grid")
    page.keyboard.press("Enter")
    apply_and_run(page)
    expect(page.locator("#pending-count")).to_have_text("")  # applied (the pending row showed the text already)
    expect(row_with(page, "inserted in the grid")).to_have_count(1)
    conn = mariadb.connect()
    assert conn.get(f"SELECT qty FROM `{GRID_DB}`.items WHERE name = 'inserted in the grid'").qty == 1  # default
    row_with(page, "inserted in the grid").locator(".dg-gutter").click()
    page.click("#btn-delete")
    expect(row_with(page, "inserted in the grid")).to_have_class(re.compile("deleted"))
    sql = apply_and_run(page)
    assert sql.startswith("DELETE FROM `eddy_test_grid`.`items` WHERE `id` <=>")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(row_with(page, "inserted in the grid")).to_have_count(0)
    assert conn.get(f"SELECT 1 AS x FROM `{GRID_DB}`.items WHERE name = 'inserted in the grid'") is None


def test_awkward_identifiers_set_null_and_follow_foreign_key(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "order lines 表")
    expect(page.locator("#grid .dg-head")).to_contain_text("back`tick")
    target = cell(page, "a`b", 2)
    expect(target).to_have_text("值 🙂")
    target.click(modifiers=["Alt"])
    expect(page.locator("#cell-text")).to_have_value("值 🙂")
    page.click("#cell-null")
    expect(cell(page, "a`b", 2).locator(".null-badge")).to_be_visible()
    sql = apply_and_run(page)
    assert "`名字` = NULL" in sql and "`back``tick` <=> 'a`b'" in sql
    expect(page.locator("#pending-count")).to_have_text("")
    conn = mariadb.connect()
    assert conn.get(f"SELECT `名字` AS v FROM `{GRID_DB}`.`order lines 表` WHERE `key` = 1").v is None
    # The foreign-key cell links to the referenced row.
    cell(page, "a`b", 3).click(modifiers=["Alt"])
    page.click(".fk-link")
    expect(page).to_have_url(re.compile(r"/table/items\?filter="))
    expect(page.locator("#status-count")).to_have_text("1 row")
    expect(page.locator("#grid")).to_contain_text("plain")


def test_table_without_key_is_read_only_with_the_reason(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "no_key")
    expect(page.locator("#readonly-reason")).to_contain_text("no primary key")
    expect(page.locator("#btn-insert")).to_be_disabled()
    page.locator("#grid .dg-row").first.locator(".dg-cell").first.dblclick()
    expect(page.locator(".dg-editor")).to_have_count(0)


def test_copy_rows_as_insert_and_keyboard_navigation(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    row_with(page, "emoji 🐍 表").locator(".dg-gutter").click()
    page.select_option("#copy-format", "INSERT")
    page.click("#btn-copy")
    copied = page.evaluate("() => window.eddyLastCopy")
    assert copied.startswith("INSERT INTO `items` (`id`, `name`, `qty`, `note`, `data`, `doc`) VALUES (")
    assert "'emoji 🐍 表'" in copied and "X'89504e470d0a1a0a00'" in copied and ", '', " in copied
    page.select_option("#copy-format", "CSV")
    page.click("#btn-copy")
    assert page.evaluate("() => window.eddyLastCopy").splitlines()[0] == "id,name,qty,note,data,doc"
    # Arrows move the active cell; Enter edits; Esc cancels without a pending change.
    page.locator("#grid .dg-row").first.locator('.dg-cell[data-col="1"]').click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".dg-cell.active")).to_have_attribute("data-col", "2")
    page.keyboard.press("Enter")
    page.locator(".dg-editor").fill("99")
    page.keyboard.press("Escape")
    expect(page.locator(".dg-editor")).to_have_count(0)
    expect(page.locator("#pending-count")).to_have_text("")


def test_side_panel_pretty_prints_json_and_previews_binary(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    cell(page, "emoji 🐍 表", 5).click(modifiers=["Alt"])
    expect(page.locator("#cell-text")).to_have_value('{\n  "a": [\n    1,\n    2\n  ],\n  "b": null\n}')
    cell(page, "emoji 🐍 表", 4).click()  # binary: a click opens it
    expect(page.locator("#cell-view")).to_contain_text("9 bytes")
    expect(page.locator("#cell-view .cell-image")).to_have_count(1)  # PNG signature: an image preview
    expect(page.locator("#cell-view a", has_text="Download")).to_have_attribute("href", re.compile(r"/download\?key="))


def test_hidden_columns_persist_per_table(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    expect(page.locator(".dg-hcell", has_text="doc")).to_have_count(1)
    page.click("#btn-columns")
    with page.expect_response(re.compile(r"/prefs$")):
        page.locator('#columns-panel input[data-col="doc"]').uncheck()
    expect(page.locator(".dg-hcell", has_text="doc")).to_have_count(0)
    page.reload()
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()
    expect(page.locator(".dg-hcell", has_text="doc")).to_have_count(0)
    expect(page.locator(".dg-hcell", has_text="note")).to_have_count(1)


def test_duplicate_row_conflict_is_reported_then_fixed(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    # A row whose values are cut for display is duplicated from its whole values, read from the server.
    row_with(page, "long").locator(".dg-gutter").click()
    page.click("#btn-duplicate")
    long_copy = page.locator("#grid .dg-row.inserted")
    expect(long_copy.locator('.dg-cell[data-col="1"]')).to_have_text("long")
    long_copy.locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("long copy")
    page.keyboard.press("Enter")
    apply_and_run(page)
    expect(page.locator("#pending-count")).to_have_text("")  # applied (the pending row showed the text already)
    expect(row_with(page, "long copy")).to_have_count(1)
    whole = mariadb.connect().get(f"SELECT note, data FROM `{GRID_DB}`.items WHERE name = 'long copy'")
    assert whole.note == "y" * 3000 + " END" and whole.data == b"\x00" * 2000
    row_with(page, "emoji 🐍 表").locator(".dg-gutter").click()
    page.click("#btn-duplicate")
    copy = page.locator("#grid .dg-row.inserted")
    expect(copy.locator('.dg-cell[data-col="1"]')).to_have_text("emoji 🐍 表")
    expect(copy.locator('.dg-cell[data-col="0"]')).to_have_text("DEFAULT")  # auto-increment left to the server
    apply_and_run(page)
    expect(page.locator("#grid-error")).to_contain_text("Duplicate entry")
    expect(page.locator("#grid-error")).to_contain_text("New row")
    copy.locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("emoji copy")
    page.keyboard.press("Enter")
    apply_and_run(page)
    expect(page.locator("#pending-count")).to_have_text("")
    expect(row_with(page, "emoji copy")).to_have_count(1)
    conn = mariadb.connect()
    copied = conn.get(f"SELECT data, doc FROM `{GRID_DB}`.items WHERE name = 'emoji copy'")
    assert copied.data == b"\x89PNG\r\n\x1a\n\x00" and copied.doc == '{"a": [1, 2], "b": null}'


def test_referenced_by_links_to_the_rows_pointing_here(page, running_app, mariadb, grid_db):
    open_table(page, running_app, mariadb, "items")
    cell(page, "plain", 1).click(modifiers=["Alt"])
    link = page.locator("#cell-refs a", has_text="order lines 表.item_id")
    link.click()
    expect(page).to_have_url(re.compile(r"/table/order%20lines%20%E8%A1%A8\?filter="))
    expect(page.locator("#status-count")).to_have_text("1 row")
    expect(page.locator("#grid")).to_contain_text("a`b")


def test_a_slow_window_shows_that_the_rows_are_being_sorted(page, running_app, mariadb, grid_db, monkeypatch):
    """While the server sorts for a first deep jump, the status line says so (and then the plan)."""
    import threading

    from core.services.grid import windows as grid_service

    real_window = grid_service.WindowPlanner.window
    release = threading.Event()

    def held_window(self, conn, meta, scope, sort=None, filter_spec=None, start=0, count=200):
        if start > 0 and sort:
            assert release.wait(30)  # held until the test has seen the status line
        return real_window(self, conn, meta, scope, sort, filter_spec, start, count)

    monkeypatch.setattr(grid_service.WindowPlanner, "window", held_window)
    open_table(page, running_app, mariadb, "big")
    page.locator(".dg-hcell", has_text="amount").click()
    expect(page.locator("#sql-text")).to_contain_text("ORDER BY `amount`, `id`")
    page.evaluate("() => { const s = document.querySelector('.dg-scroll'); s.scrollTop = s.scrollHeight / 2; }")
    expect(page.locator("#status-plan")).to_contain_text("sorting the rows for this order…")
    page.screenshot(path="/tmp/shots-perf/grid-sorting.png")
    release.set()
    expect(page.locator("#status-plan")).to_contain_text("ms server")
    expect(page.locator("#status-plan")).not_to_contain_text("sorting")
