"""Query results in the one grid: SQL types in the headers, the filter box, editing a result from one
table that holds its key (pending edit, Apply, the database changed), a join saying it is read-only,
and the row-number gutter staying in view when the grid scrolls sideways."""

import re

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.conftest import TEST_DB
from tests.ui.test_e2e_sql_editor import editor, type_sql  # noqa: F401  (the editor page fixture)

SHOTS = "/tmp/shots-grid16"


@pytest.fixture
def stock(mariadb, sample_db):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP TABLE IF EXISTS `{TEST_DB}`.stock")
    conn.execute(f"CREATE TABLE `{TEST_DB}`.stock (id INT PRIMARY KEY, item VARCHAR(40), qty INT UNSIGNED)")
    conn.execute(f"INSERT INTO `{TEST_DB}`.stock VALUES (1, 'apple', 3), (2, 'pear', 5), (3, 'plum', NULL)")
    yield conn
    conn.execute(f"DROP TABLE IF EXISTS `{TEST_DB}`.stock")
    conn.close()


def run(page, sql, rows):
    type_sql(page, sql)
    page.keyboard.press("Escape")  # close any completion list: it would cover the results
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-count")).to_contain_text(f"{rows} row(s)")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "done")


def cell(page, row, col):
    return page.locator(f'#result-grid .dg-row[data-pos="{row}"] .dg-cell[data-col="{col}"]')


def test_headers_name_sql_types_as_the_server_does(editor):  # noqa: F811
    page = editor
    run(page, "SELECT id, name, score, note, CAST(id AS UNSIGNED) AS u FROM people ORDER BY id", 5)
    types = page.locator("#result-grid .dg-hcell .col-type").all_text_contents()
    assert types == ["INT", "VARCHAR(100)", "DECIMAL(10,2)", "TEXT", "BIGINT UNSIGNED"]


@pytest.mark.mariadb_only  # seq_1_to_N
def test_the_filter_box_filters_a_result_held_whole_and_says_when_it_cannot(editor):  # noqa: F811
    page = editor
    run(page, "SELECT id, name FROM people ORDER BY id", 5)
    page.fill("#result-filter", "lovelace")
    expect(page.locator("#result-grid .dg-row")).to_have_count(1)
    expect(cell(page, 0, 1)).to_have_text("Ada Lovelace")
    expect(page.locator("#result-shown")).to_contain_text("1 of 5 rows match")
    page.fill("#result-filter", "")
    expect(page.locator("#result-grid .dg-row")).to_have_count(5)
    run(page, "SELECT seq FROM seq_1_to_5000", "5,000")
    page.fill("#result-filter", "77")
    expect(page.locator("#run-status")).to_contain_text("Filtering in the grid needs the whole result")
    expect(page.locator("#result-filter")).to_have_value("")


def test_a_result_from_one_table_with_its_key_is_edited_and_applied(editor, stock):  # noqa: F811
    page = editor
    run(page, "SELECT s.item, s.qty, s.id FROM stock AS s ORDER BY s.id", 3)
    expect(page.locator("#result-edit-note")).to_have_text("editable: stock")
    cell(page, 1, 0).dblclick()
    page.locator(".dg-editor").fill("quince")
    page.keyboard.press("Enter")
    expect(cell(page, 1, 0)).to_have_class(re.compile(r"\bpending\b"))
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    page.click("#btn-apply")
    expect(page.locator("#apply-sql")).to_contain_text("UPDATE")
    page.click("#apply-run")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(page.locator("#run-status")).to_contain_text("Applied: 1 row changed")
    assert stock.get(f"SELECT item FROM `{TEST_DB}`.stock WHERE id = 2").item == "quince"
    expect(cell(page, 1, 0)).to_have_text("quince")
    page.screenshot(path=f"{SHOTS}/result-edited.png")


def test_a_row_changed_meanwhile_refuses_the_apply(editor, stock):  # noqa: F811
    page = editor
    run(page, "SELECT id, item FROM stock ORDER BY id", 3)
    expect(page.locator("#result-edit-note")).to_have_text("editable: stock")
    stock.execute(f"UPDATE `{TEST_DB}`.stock SET item = 'changed elsewhere' WHERE id = 1")
    cell(page, 0, 1).dblclick()
    page.locator(".dg-editor").fill("mine")
    page.keyboard.press("Enter")
    page.click("#btn-apply")
    page.click("#apply-run")
    expect(page.locator("#run-status")).to_contain_text("Nothing was saved")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    assert stock.get(f"SELECT item FROM `{TEST_DB}`.stock WHERE id = 1").item == "changed elsewhere"


def test_a_join_or_a_result_without_the_key_says_why_it_is_read_only(editor, stock):  # noqa: F811
    page = editor
    run(page, "SELECT p.id, o.`select` FROM people p JOIN `order items 表` o ON o.`select` = p.id", 2)
    expect(page.locator("#result-edit-note")).to_have_text("read-only: joins 2 tables")
    cell(page, 0, 0).dblclick()
    expect(page.locator("#cell-panel")).to_be_visible()  # a double click shows the value instead
    expect(page.locator(".dg-editor")).to_have_count(0)
    expect(page.locator("#btn-apply")).to_have_count(0)
    run(page, "SELECT item FROM stock", 3)
    expect(page.locator("#result-edit-note")).to_have_text("read-only: no primary key of stock in the result")


@pytest.mark.mariadb_only  # seq_1_to_N
def test_the_row_number_gutter_stays_in_view_when_scrolling_sideways(editor):  # noqa: F811
    page = editor
    columns = ", ".join(f"REPEAT('x', 30) AS c{i}" for i in range(40))
    run(page, f"SELECT {columns} FROM seq_1_to_20", 20)
    scroller = page.locator("#result-grid .dg-scroll")
    scroller.evaluate("el => { el.scrollLeft = 2000; }")
    expect(page.locator("#result-grid .dg-hcell[data-col='0']")).to_have_count(0)  # scrolled past column 0
    # Measured in the page in one go: the grid redraws its rows (and gutters) as it scrolls.
    where = """() => {
        const grid = document.querySelector('#result-grid .dg-scroll').getBoundingClientRect().x;
        const row = document.querySelector('#result-grid .dg-row .dg-gutter').getBoundingClientRect().x;
        const head = document.querySelector('#result-grid .dg-head .dg-gutter').getBoundingClientRect().x;
        return [row - grid, head - grid];
    }"""
    offsets = page.evaluate(where)
    assert all(abs(x) < 2 for x in offsets), f"the gutter scrolled away: {offsets} px from the grid's left edge"
    page.screenshot(path=f"{SHOTS}/result-gutter.png")


def test_result_rows_copy_as_insert_and_columns_hide(editor, stock):  # noqa: F811
    page = editor
    run(page, "SELECT id, item, qty FROM stock ORDER BY id", 3)
    expect(page.locator("#result-edit-note")).to_have_text("editable: stock")
    page.locator('#result-grid .dg-row[data-pos="0"] .dg-gutter').click()
    page.locator('#result-grid .dg-row[data-pos="1"] .dg-gutter').click(modifiers=["Shift"])
    page.select_option("#result-copy-format", "INSERT")
    page.click("#result-copy")
    expect(page.locator("#result-grid")).to_have_attribute("data-copied", "2")
    assert page.evaluate("() => window.eddyLastCopy").splitlines() == [
        "INSERT INTO `stock` (`id`, `item`, `qty`) VALUES (1, 'apple', 3);",
        "INSERT INTO `stock` (`id`, `item`, `qty`) VALUES (2, 'pear', 5);",
    ]
    page.click("#result-columns")
    page.locator('.columns-panel input[data-col="qty"]').uncheck()
    expect(page.locator("#result-grid .dg-hcell .col-name")).to_have_text(["id", "item"])
