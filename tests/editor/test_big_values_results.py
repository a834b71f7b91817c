"""Large values in the SQL editor's results, in Chromium: the grid gets previews, the value dialog
(the side panel) reads the real value from the spooled result a page at a time, Copy copies whole values, and times
keep their fractional digits."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.grid.big_values import BIG_DB, BIG_TEXT_CHARS
from tests.ui.test_e2e_browse import connect
from tests.ui.tripwire import console_tripwire


@pytest.fixture
def results(page, running_app, mariadb, big_db):
    with console_tripwire(page, console=False):
        connect(page, running_app, mariadb, database=BIG_DB)
        expect(page).to_have_url(re.compile(rf"/db/{BIG_DB}$"))
        page.goto(f"{running_app.base_url}/db/{BIG_DB}/sql")
        expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
        page.click("#editor .cm-content")
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.type("SELECT id, name, body, bin, t3, dt6 FROM docs ORDER BY id")
        page.keyboard.press("Control+Enter")
        expect(page.locator("#result-count")).to_contain_text("2 row(s)", timeout=30_000)
        yield page


def result_cell(page, row, col):
    return page.locator(f'#result-grid .dg-row[data-pos="{row}"] .dg-cell[data-col="{col}"]')


def test_the_value_dialog_reads_a_25_mb_value_in_pages(results):
    page = results
    expect(result_cell(page, 0, 2)).to_contain_text("0123456789")
    started = time.perf_counter()
    result_cell(page, 0, 2).dblclick()
    expect(page.locator("#cell-panel #cell-size")).to_have_text("25,000,003 characters", timeout=30_000)
    print(f"\nresults value dialog, 25 MB LONGTEXT: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert page.locator("#cell-panel #cell-text").input_value().startswith("0123456789" * 100)
    expect(page.locator("#cell-panel #cell-range")).to_contain_text("1–1,000,000 of 25,000,003")
    page.click("#cell-panel #cell-next")
    expect(page.locator("#cell-panel #cell-range")).to_contain_text("1,000,001–2,000,000")
    expect(page.locator("#cell-panel #cell-download")).to_have_attribute("href", re.compile(r"/cell/download\?"))


def test_copy_takes_whole_values_from_the_server(results):
    page = results
    result_cell(page, 0, 1).click()
    result_cell(page, 0, 3).click(modifiers=["Shift"])
    page.keyboard.press("Control+c")
    expect(page.locator("#result-grid")).to_have_attribute("data-copied", "1", timeout=30_000)
    length = page.evaluate("() => window.eddyLastCopy.length")
    assert length == len("big\t") + BIG_TEXT_CHARS + len("\t0x") + 2_000_000
    assert page.evaluate("() => window.eddyLastCopy.slice(25000000, 25000012)") == "6789END\t0x00"


def test_fractional_seconds_are_kept(results):
    page = results
    expect(result_cell(page, 0, 4)).to_have_text("12:00:00.000")
    expect(result_cell(page, 0, 5)).to_have_text("2024-01-02 03:04:05.000000")
    expect(result_cell(page, 1, 4)).to_have_text("01:02:03.500")


def test_copying_one_cell_copies_its_exact_text_and_several_as_escaped_tsv(results):
    page = results
    page.keyboard.press("Escape")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("SELECT 'two\\nlines\\tand tab' AS t, NULL AS n, 'NULL' AS s")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-count")).to_contain_text("1 row(s)")
    result_cell(page, 0, 0).click()
    page.keyboard.press("Control+c")
    expect(page.locator("#result-grid")).to_have_attribute("data-copied", "1")
    assert page.evaluate("() => window.eddyLastCopy") == "two\nlines\tand tab"
    result_cell(page, 0, 2).click(modifiers=["Shift"])
    page.keyboard.press("Control+c")
    expect(page.locator("#result-grid")).to_have_attribute("data-copied", "1")
    assert page.evaluate("() => window.eddyLastCopy") == "two\\nlines\\tand tab\t\\N\tNULL"
