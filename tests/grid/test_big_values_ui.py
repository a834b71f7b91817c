"""Large values in the table grid, in Chromium: the side panel shows the real value fetched on demand
(never a stand-in), a value too large to edit is read-only with the reason, Copy never cuts silently,
and fractional seconds are shown as the server returns them."""

import re
import time
import urllib.parse

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.grid.big_values import BIG_DB, BIG_TEXT_CHARS
from tests.ui.test_e2e_browse import connect
from tests.ui.tripwire import console_tripwire


@pytest.fixture(autouse=True)
def no_page_errors(page):
    with console_tripwire(page):
        yield


def open_docs(page, running_app, mariadb):
    connect(page, running_app, mariadb, database=BIG_DB)
    expect(page).to_have_url(re.compile(rf"/db/{BIG_DB}$"))
    page.goto(f"{running_app.base_url}/db/{BIG_DB}/table/{urllib.parse.quote('docs')}")
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()


def docs_row(page, name):
    return page.locator("#grid .dg-row", has=page.locator('.dg-cell[data-col="1"]', has_text=re.compile(f"^{name}$")))


def docs_cell(page, name, column_index):
    return docs_row(page, name).locator(f'.dg-cell[data-col="{column_index}"]')


def test_a_25_mb_cell_opens_read_only_with_its_real_value_and_size(page, running_app, mariadb, big_db):
    open_docs(page, running_app, mariadb)
    started = time.perf_counter()
    docs_cell(page, "big", 2).click()
    expect(page.locator("#cell-size")).to_have_text(re.compile(r"25,000,003 characters"), timeout=30_000)
    elapsed = time.perf_counter() - started
    print(f"\nside panel, 25 MB LONGTEXT: {elapsed * 1000:.0f} ms")
    text = page.locator("#cell-text")
    assert "[object Object]" not in text.input_value()
    assert text.input_value().startswith("0123456789" * 10)
    expect(text).to_have_attribute("readonly", "")
    expect(page.locator("#cell-readonly")).to_contain_text("too large to edit here")
    expect(page.locator("#cell-save")).to_be_hidden()
    # Later pages come from the server on demand.
    page.click("#cell-next")
    expect(page.locator("#cell-range")).to_contain_text("1,000,001")
    assert text.input_value().startswith("0123456789")
    # Enter on the cell does not start an inline edit from the display stand-in.
    docs_cell(page, "big", 2).click()
    page.keyboard.press("Enter")
    expect(page.locator(".dg-editor")).to_have_count(0)
    assert page.locator("#pending-count").text_content() == ""


def test_copy_row_with_a_25_mb_value_copies_all_of_it(page, running_app, mariadb, big_db):
    open_docs(page, running_app, mariadb)
    docs_row(page, "big").locator(".dg-gutter").click()
    page.select_option("#copy-format", "TSV")
    page.click("#btn-copy")
    expect(page.locator("#status-plan")).to_contain_text("Copied 1 row", timeout=30_000)
    length = page.evaluate("() => window.eddyLastCopy.length")
    tail = page.evaluate("() => window.eddyLastCopy.slice(-200)")
    assert length > BIG_TEXT_CHARS + 2_000_000  # the whole text and the whole 1 MB blob as hex
    assert "END\t0x" in page.evaluate("() => window.eddyLastCopy.slice(25000000, 25000100)")
    assert tail.endswith("00ff\t12:00:00.000\t2024-01-02 03:04:05.000000")


def test_a_small_long_value_is_edited_from_its_complete_value(page, running_app, mariadb, big_db):
    open_docs(page, running_app, mariadb)
    docs_cell(page, "small", 2).click(modifiers=["Alt"])
    expect(page.locator("#cell-size")).to_have_text(re.compile(r"^5 characters"))
    text = page.locator("#cell-text")
    expect(text).to_have_value("hello")
    expect(text).not_to_have_attribute("readonly", "")
    text.fill("hello again")
    page.click("#cell-save")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")


def test_fractional_seconds_are_shown_as_the_server_returns_them(page, running_app, mariadb, big_db):
    open_docs(page, running_app, mariadb)
    expect(docs_cell(page, "big", 4)).to_have_text("12:00:00.000")
    expect(docs_cell(page, "big", 5)).to_have_text("2024-01-02 03:04:05.000000")
    expect(docs_cell(page, "small", 4)).to_have_text("01:02:03.500")
    expect(docs_cell(page, "small", 5)).to_have_text("2024-01-02 03:04:05.120000")


def test_set_text_on_an_unchanged_pretty_printed_json_value_changes_nothing(page, running_app, mariadb, grid_db):
    from tests.grid.test_grid_ui import cell, open_table

    open_table(page, running_app, mariadb, "items")
    cell(page, "emoji 🐍 表", 5).click(modifiers=["Alt"])
    text = page.locator("#cell-text")
    expect(text).to_have_value('{\n  "a": [\n    1,\n    2\n  ],\n  "b": null\n}')  # shown pretty
    page.click("#cell-save")
    expect(page.locator("#pending-count")).to_have_text("")  # the stored text is not reformatted
    text.fill('{"a": 3}')
    page.click("#cell-save")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")


def test_copy_past_the_clipboard_limit_copies_nothing_and_says_what_and_offers_save(page, running_app, mariadb, big_db):
    admin = Connection(mariadb.admin)
    for new_id in (11, 21):  # two more 25 MB values: three of them pass the 64 MiB Copy limit
        admin.execute(
            f"INSERT INTO `{BIG_DB}`.docs (id, name, body) SELECT %s, %s, body FROM `{BIG_DB}`.docs WHERE id = 1",
            new_id,
            f"big{new_id}",
        )
    try:
        open_docs(page, running_app, mariadb)
        docs_row(page, "big").locator(".dg-gutter").click()
        docs_row(page, "big21").locator(".dg-gutter").click(modifiers=["Shift"])
        page.click("#btn-copy")
        error = page.locator("#grid-error")
        expect(error).to_contain_text("Not copied: body of row id = 21 holds 25,000,003 characters", timeout=30_000)
        expect(error).to_contain_text("more than the 64 MiB Copy takes")
        assert page.evaluate("() => window.eddyLastCopy") is None
        expect(page.locator("#cell-save-file")).to_be_visible()  # the side panel, opened on that cell
        expect(page.locator("#cell-size")).to_have_text("25,000,003 characters")
    finally:
        admin.execute(f"DELETE FROM `{BIG_DB}`.docs WHERE id > 2")
        admin.close()


def test_a_view_without_a_row_key_still_shows_and_copies_the_whole_value(page, running_app, mariadb, big_db):
    connect(page, running_app, mariadb, database=BIG_DB)
    expect(page).to_have_url(re.compile(rf"/db/{BIG_DB}$"))
    page.goto(f"{running_app.base_url}/db/{BIG_DB}/table/docs_view")
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()
    page.locator(".dg-hcell", has_text="name").click()  # sorted: cells are found by position in this order
    expect(page.locator("#sql-text")).to_contain_text("ORDER BY `name`")
    row = page.locator("#grid .dg-row", has=page.locator('.dg-cell[data-col="0"]', has_text=re.compile("^big$")))
    row.locator('.dg-cell[data-col="1"]').click()
    expect(page.locator("#cell-size")).to_have_text("25,000,003 characters", timeout=30_000)
    expect(page.locator("#cell-readonly")).to_contain_text("view")
    assert page.locator("#cell-text").input_value().startswith("0123456789" * 10)
    row.locator(".dg-gutter").click()
    page.click("#btn-copy")
    expect(page.locator("#status-plan")).to_contain_text("Copied 1 row", timeout=30_000)
    assert page.evaluate("() => window.eddyLastCopy.length") == len("name\tbody\nbig\t") + BIG_TEXT_CHARS


def test_duplicating_a_row_with_a_25_mb_value_inserts_it_whole(page, running_app, mariadb, big_db):
    open_docs(page, running_app, mariadb)
    docs_row(page, "big").locator(".dg-gutter").click()
    page.click("#btn-duplicate")
    copy = page.locator("#grid .dg-row.inserted")
    expect(copy.locator('.dg-cell[data-col="1"]')).to_have_text("big", timeout=30_000)
    copy.locator('.dg-cell[data-col="0"]').dblclick()
    page.locator(".dg-editor").fill("3")
    page.keyboard.press("Enter")
    copy.locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("big copy")
    page.keyboard.press("Enter")
    started = time.perf_counter()
    page.keyboard.press("Control+s")
    expect(page.locator("#apply-dialog")).to_be_visible(timeout=30_000)
    print(f"\napply preview of a 25 MB INSERT: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert len(page.locator("#apply-sql").text_content()) < 100_000  # long values shown cut, with their size
    expect(page.locator("#apply-sql")).to_contain_text("25,000,003 characters")
    page.click("#apply-run")
    expect(page.locator("#pending-count")).to_have_text("", timeout=30_000)
    admin = Connection(mariadb.admin)
    try:
        same = admin.get(
            f"SELECT a.body = b.body AND a.bin = b.bin AND a.t3 = b.t3 AND a.dt6 = b.dt6 AS same "
            f"FROM `{BIG_DB}`.docs a JOIN `{BIG_DB}`.docs b ON a.id = 1 AND b.id = 3"
        ).same
        assert same == 1
    finally:
        admin.execute(f"DELETE FROM `{BIG_DB}`.docs WHERE id > 2")
        admin.close()
