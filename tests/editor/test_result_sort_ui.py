"""Sorting query results by a header click, in the browser, only when the whole result is there."""

import re

from playwright.sync_api import expect

from tests.ui.test_e2e_sql_editor import editor, type_sql  # noqa: F401  (the editor page fixture)

UNSORTED = (
    "SELECT * FROM (SELECT 10 AS n, 'b' AS s, 1.50 AS d UNION ALL SELECT 9, 'a', 2 UNION ALL SELECT NULL, 'c', 3 "
    "UNION ALL SELECT 100, 'B', 4) AS t"
)


def column_texts(page, col):
    return page.locator(f'#result-grid .dg-cell[data-col="{col}"]').all_text_contents()


def header(page, name):
    name_cell = page.locator(".col-name", has_text=re.compile(f"^{name}$"))
    return page.locator("#result-grid .dg-hcell").filter(has=name_cell)


def test_a_header_click_sorts_a_whole_result_numbers_as_numbers(editor):  # noqa: F811
    page = editor
    type_sql(page, UNSORTED)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-count")).to_contain_text("4 row(s)")
    # DECIMAL (sent as text) is right-aligned like the integers.
    decimal = page.locator('#result-grid .dg-cell[data-col="2"]').first
    expect(decimal).to_have_class(re.compile(r"\bnum\b"))
    n_head = header(page, "n")
    n_head.click()
    # The unsorted order has 9 second too: wait for the first row, which only the sort puts first.
    expect(page.locator('#result-grid .dg-cell[data-col="0"]').first).to_have_text("NULL")
    assert column_texts(page, 0) == ["NULL", "9", "10", "100"]
    expect(n_head.locator(".dg-sort")).to_have_text("▲")
    n_head.click()
    expect(page.locator('#result-grid .dg-cell[data-col="0"]').first).to_have_text("100")
    assert column_texts(page, 0) == ["100", "10", "9", "NULL"]
    page.screenshot(path="/tmp/shots-grid16/result-sort.png")
    # A cell opened after sorting is the row shown, not the row at that place on the server.
    page.locator('#result-grid .dg-cell[data-col="1"]').first.dblclick()
    expect(page.locator("#cell-panel #cell-text")).to_have_value("B")
    page.keyboard.press("Escape")
    n_head.click()  # third click: the server's order again
    expect(page.locator('#result-grid .dg-cell[data-col="0"]').first).to_have_text("10")


def test_sorting_a_result_not_held_whole_says_it_needs_the_full_result(editor):  # noqa: F811
    page = editor
    type_sql(page, "SELECT seq FROM seq_1_to_5000")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-count")).to_contain_text("5,000 row(s)")
    header(page, "seq").click()
    expect(page.locator("#run-status")).to_contain_text("needs the whole result")
    expect(page.locator('#result-grid .dg-cell[data-col="0"]').first).to_have_text("1")
