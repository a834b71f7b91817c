"""The SQL editor in headless Chromium: autocomplete, run, rows, stop, tabs kept, safe-write dialog."""

import re

import pytest
from playwright.sync_api import expect

from tests.ui.test_e2e_browse import connect
from tests.ui.tripwire import console_tripwire


@pytest.fixture
def editor(page, running_app, mariadb, sample_db):
    with console_tripwire(page):
        connect(page, running_app, mariadb, database=sample_db)
        expect(page).to_have_url(re.compile(rf"/db/{sample_db}$"))
        page.click("a.nav-sql")
        page.goto(f"{running_app.base_url}/db/{sample_db}/sql")
        expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
        expect(page.locator("#sql-page")).not_to_have_attribute("data-schema-loaded", "0")
        yield page


def type_sql(page, text):
    page.click("#editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_autocomplete_table_and_alias_column_then_run_and_see_rows(editor):
    page = editor
    selected = page.locator(".cm-tooltip-autocomplete li[aria-selected]")
    type_sql(page, "SELECT * FROM peo")
    expect(selected).to_have_text(re.compile(r"^people"))
    # Click rather than Enter: CodeMirror ignores Enter for 75 ms after the list (re)opens, which a
    # loaded CI machine can hit.
    selected.click()  # accept the table from the live schema
    expect(page.locator(".cm-content")).to_have_text("SELECT * FROM people")
    # Columns are offered after `alias.` too.
    page.keyboard.type(" p WHERE p.na", delay=60)  # a person's typing speed
    column = page.locator(".cm-tooltip-autocomplete li", has_text=re.compile(r"^name$"))
    expect(column).to_be_visible()
    column.click()
    page.keyboard.type(" IS NOT NULL ORDER BY p.id")
    # Columns of the tables in the statement are offered without a prefix too.
    page.keyboard.type(", sco", delay=60)
    expect(selected).to_have_text(re.compile(r"^score"))
    selected.click()
    expect(page.locator(".cm-content")).to_have_text(
        "SELECT * FROM people p WHERE p.name IS NOT NULL ORDER BY p.id, score"
    )
    page.keyboard.press("Control+Enter")
    grid = page.locator("#result-grid")
    expect(grid).to_contain_text("Ada Lovelace")
    expect(grid).to_contain_text("张伟 🐍")
    expect(page.locator("#result-count")).to_contain_text("5 row(s)")
    # `db.` offers that database's tables.
    type_sql(page, "SELECT * FROM eddy_test")
    page.keyboard.type(".ord", delay=60)
    expect(page.locator(".cm-tooltip-autocomplete li", has_text="order items 表")).to_be_visible()
    type_sql(page, "SELECT p.name FROM people p ORDER BY p.id")
    page.keyboard.press("Control+Enter")
    # The string "NULL" is text, not the NULL badge.
    expect(grid.locator(".dg-cell:not(.null)", has_text=re.compile(r"^NULL$"))).to_have_count(1)
    # Long text is cut in the grid; a double click shows all of it in the side panel.
    type_sql(page, "SELECT note FROM people WHERE name = 'Long Text'")
    page.keyboard.press("Control+Enter")
    cell = page.locator("#result-grid .dg-cell", has_text="xxxx")
    expect(cell).to_contain_text("…")
    cell.dblclick()
    expect(page.locator("#cell-panel #cell-text")).to_have_value("x" * 500 + " END")
    expect(page.locator("#cell-panel #cell-size")).to_have_text("504 characters")


def test_stop_a_long_sleep_keeps_the_page_responsive(editor, running_app):
    page = editor
    type_sql(page, "SELECT SLEEP(30)")
    page.keyboard.press("Control+Shift+Enter")
    expect(page.locator("#stop")).to_be_enabled()
    # Another request of the app answers while the query runs, and so does another query tab.
    assert page.request.get(f"{running_app.base_url}/api/editor/history").ok
    page.click("#new-tab")
    type_sql(page, "SELECT 'meanwhile'")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-grid")).to_contain_text("meanwhile")
    page.click(".qtab >> nth=0")
    expect(page.locator("#stop")).to_be_enabled()
    page.click("#stop")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "cancelled", timeout=5000)
    expect(page.locator("#stop")).to_be_disabled()
    expect(page.locator("#run-status")).to_contain_text("Stopped")


def test_error_says_code_and_line_and_tabs_survive_reload(editor, running_app, sample_db):
    page = editor
    type_sql(page, "SELECT 1;\nSELECT nope FROM people;")
    page.keyboard.press("Control+Shift+Enter")
    expect(page.locator("#messages")).to_contain_text("Error 1054 at line 2")
    expect(page.locator(".cm-line.cm-error-line")).to_have_text("SELECT nope FROM people;")
    # the job's final state ("failed", as every background job's) reads as such in the status line
    expect(page.locator("#run-status")).to_contain_text(re.compile(r"^Failed · "))
    expect(page.locator("#run-status")).to_have_class(re.compile(r"\berror-text\b"))
    page.click("#new-tab")

    def saves_second_tab(response):
        request = response.request
        return (
            request.method == "PUT"
            and request.url.endswith("/api/editor/tabs")
            and ("SELECT 'second tab'" in (request.post_data or ""))
        )

    # Wait for the debounced save that holds the last keystrokes, not for a guessed delay.
    with page.expect_response(saves_second_tab) as saved:
        type_sql(page, "SELECT 'second tab'")
    assert saved.value.ok
    page.reload()
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    expect(page.locator(".qtab:not(.add)")).to_have_count(2)
    expect(page.locator(".cm-content")).to_contain_text("SELECT 1;")
    page.click(".qtab >> nth=1")
    expect(page.locator(".cm-content")).to_contain_text("SELECT 'second tab'")


def test_update_without_where_asks_with_a_preview(editor):
    page = editor
    type_sql(page, "UPDATE people SET score = 1")
    page.keyboard.press("Control+Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-rows")).to_contain_text("would change 5 row(s)")
    page.click("#confirm-cancel")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "cancelled")
    type_sql(page, "SELECT COUNT(*) FROM people WHERE score = 1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-grid .dg-body")).to_contain_text("0")


@pytest.mark.mariadb_only
def test_big_result_scrolls_without_putting_every_row_in_the_page(editor):
    page = editor
    type_sql(page, "SELECT seq, CONCAT('row ', seq) AS label FROM seq_1_to_300000")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "done", timeout=30000)
    expect(page.locator("#result-count")).to_contain_text("300,000 row(s)")
    grid = page.locator("#result-grid")
    expect(grid).to_contain_text("row 1")
    # The first screen is full, not just the rows that had arrived when the grid was created.
    expect(grid.locator(".dg-cell", has_text=re.compile(r"^row 12$"))).to_be_visible()
    assert page.locator("#result-grid .dg-row").count() < 100
    grid.locator(".dg-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(grid).to_contain_text("row 300000")
    assert page.locator("#result-grid .dg-row").count() < 100
    # Select a cell; arrows move the active cell (and scroll); Shift+arrows make a block; Ctrl+C copies.
    grid.locator(".dg-cell", has_text=re.compile(r"^row 300000$")).click()
    expect(page.locator("#result-grid .dg-cell.active")).to_have_text("row 300000")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#result-grid .dg-cell.active")).to_have_text("row 299999")
    page.keyboard.press("Shift+ArrowLeft")
    expect(page.locator("#result-grid .dg-cell.in-range")).to_have_count(2)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.keyboard.press("Control+c")
    expect(grid).to_have_attribute("data-copied", "1")
    assert page.evaluate("navigator.clipboard.readText()") == "299999\trow 299999"


def test_run_selection_explain_and_reopen_from_history(editor):
    page = editor
    type_sql(page, "SELECT 'not me';\nSELECT 'only me'")
    # Select the second line only and run: just that text runs.
    page.keyboard.press("Control+End")
    page.keyboard.press("Shift+Home")
    expect(page.locator("#run-all")).to_have_text("Run selection")
    page.click("#run-all")
    expect(page.locator("#result-grid")).to_contain_text("only me")
    expect(page.locator(".rtab", has_text="Result")).to_have_count(1)
    # EXPLAIN flags a full scan with filesort.
    type_sql(page, "SELECT * FROM people ORDER BY name")
    page.click("#explain")
    plan = page.locator("#plan")
    expect(plan.locator("tr.flag-bad")).to_contain_text("full scan, filesort")
    expect(plan).to_contain_text("EXPLAIN FORMAT=JSON")
    # History has the run; open it in a new tab.
    page.click("#panel-toggle")
    entry = page.locator("#history-list li", has_text="only me").first
    expect(entry).to_be_visible()
    entry.locator("button:text('Open')").click()
    expect(page.locator(".qtab:not(.add)")).to_have_count(2)
    expect(page.locator(".cm-content")).to_have_text("SELECT 'only me'")
    # Save the tab under a name; it is listed and renames the tab.
    page.fill("#save-name", "only me, saved")
    page.click("#save")
    expect(page.locator("#saved-list")).to_contain_text("only me, saved")
    expect(page.locator(".qtab.current")).to_contain_text("only me, saved")


def test_format_comment_toggle_and_search(editor):
    page = editor
    type_sql(page, "select id,name from people where id=1")
    page.click("#format")
    lines = page.locator(".cm-line")
    expect(lines.first).to_have_text("SELECT")
    expect(page.locator(".cm-content")).to_contain_text("FROM")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+/")
    expect(lines.first).to_have_text("-- SELECT")
    page.keyboard.press("Control+f")
    expect(page.locator(".cm-search input[name=search]")).to_be_visible()


def test_edit_in_sql_editor_link_opens_the_text_in_a_new_tab(editor, running_app, sample_db):
    """The objects page and the DDL block link to /sql?text=...; the editor opens that text."""
    page = editor
    page.goto(f"{running_app.base_url}/db/{sample_db}/sql?text=" + "SELECT%2042%20AS%20answer")
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    expect(page.locator(".cm-content")).to_have_text("SELECT 42 AS answer")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-grid")).to_contain_text("42")


def _set_session_flavour(running_app, flavour):
    """Every open session of the app now reports `flavour`, as it would have detected at login."""
    for session in running_app.app.sessions._sessions.values():
        session.flavour = flavour


@pytest.mark.parametrize(
    ("version", "comment", "dialect", "formatted"),
    [
        ("8.4.3", "MySQL Community Server - GPL", "mysql", "doc ->> '$.a'"),
        ("8.0.11-TiDB-v7.5.0", "TiDB Server", "mysql", "doc ->> '$.a'"),
        ("10.11.6-MariaDB", "MariaDB Server", "mariadb", None),
    ],
)
def test_format_uses_the_servers_dialect_and_keeps_mysql_json_arrows(editor, running_app, version, comment, dialect,
                                                                     formatted):  # fmt: skip
    from core.db.flavour import Flavour

    page = editor
    _set_session_flavour(running_app, Flavour.detect(version, comment))
    page.reload()
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    expect(page.locator("#sql-page")).to_have_attribute("data-sql-dialect", dialect)
    type_sql(page, "SELECT doc->>'$.a' FROM t")
    page.click("#format")
    lines = page.locator(".cm-line")
    expect(lines.first).to_have_text("SELECT")
    if formatted:
        expect(lines.nth(1)).to_have_text("  " + formatted)
        page.screenshot(path=f"/tmp/shots-mysql/format-{dialect}.png")


def test_each_tab_keeps_its_scroll_position_and_cursor(editor):
    page = editor
    type_sql(page, "\n".join(f"SELECT {i};" for i in range(300)))
    scroller = page.locator("#editor .cm-scroller")
    expect(page.locator(".cm-line", has_text="SELECT 299;")).to_be_visible()
    bottom = scroller.evaluate("s => s.scrollTop")
    assert bottom > 1000
    page.click("#new-tab")
    page.keyboard.type("SELECT 'other'")
    page.locator(".qtab:not(.add)").first.click()
    expect(page.locator(".cm-line", has_text="SELECT 299;")).to_be_visible()
    assert abs(scroller.evaluate("s => s.scrollTop") - bottom) < 40
    page.keyboard.type(" -- typed at the cursor")
    expect(page.locator(".cm-line", has_text="SELECT 299; -- typed at the cursor")).to_be_visible()


def test_autocomplete_loads_any_databases_columns_on_demand_with_cjk_and_aliases(editor, mariadb):
    from core.db import Connection
    from tests.workspace.conftest import FK_SCHEMA

    conn = Connection(mariadb.admin)
    for statement in FK_SCHEMA:
        conn.execute(statement)
    conn.close()
    page = editor
    # A table of another database, by db.table, its columns through an alias; a CJK prefix.
    type_sql(page, "SELECT * FROM eddy_test_fk.中文表 z WHERE z.名")
    expect(page.locator(".cm-tooltip-autocomplete li", has_text="名字")).to_be_visible()
    page.keyboard.press("Escape")  # the open list would cover the editor's next click
    type_sql(page, "SELECT * FROM eddy_test_fk.ch")
    expect(page.locator(".cm-tooltip-autocomplete li", has_text="child")).to_be_visible()
    page.keyboard.press("Escape")
    type_sql(page, "SELECT 数 FROM eddy_test_fk.`中文表`")
    page.keyboard.press("Home")
    for _ in range(len("SELECT 数")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Control+Space")
    expect(page.locator(".cm-tooltip-autocomplete li", has_text="数量")).to_be_visible()
