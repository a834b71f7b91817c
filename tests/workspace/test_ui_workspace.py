"""The workspace in headless Chromium: the schema tree (lazy, virtualised, search, context menu),
the command palette, shortcuts, zoom and dark mode — with screenshots at 1280×800 and 820×540."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.ui.test_e2e_browse import connect
from tests.ui.tripwire import console_tripwire
from tests.workspace.conftest import MANY_TABLES

SHOTS = Path("/tmp/shots-workspace")


@pytest.fixture
def workspace(page, running_app, mariadb, sample_db, fk_db, many_tables_db):
    with console_tripwire(page):
        connect(page, running_app, mariadb, database=fk_db)
        expect(page).to_have_url(re.compile(rf"/db/{fk_db}$"))
        expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
        yield page


def test_connecting_lands_in_the_workspace_with_the_database_in_a_tab(page, running_app, mariadb, fk_db):
    """The window after log-in is the workspace: tree, tabs, the database's page in the first tab
    (at 1280×800 and 820×540). A tab that reaches the log-in screen hands it to the window."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(running_app.launch_url)
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", mariadb.user.password)
    page.fill("input[name=database]", fk_db)
    page.click("#connect-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/workspace$"))
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{fk_db}")
    expect(page.locator("#ws-tabs .ws-tab")).to_have_count(1)
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    tab = page.frame_locator("#ws-frames iframe:not([hidden])")
    expect(tab.locator("#tables")).to_contain_text("child")
    expect(tab.locator(".topbar")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_visible()
    expect(tab.locator("html")).to_have_attribute("data-tour", "in-tab")  # the shell's tour only
    shot(page, "landing-1280x800")
    page.set_viewport_size({"width": 820, "height": 540})
    expect(tab.locator("#tables")).to_be_visible()
    shot(page, "landing-820x540")
    # The log-in screen never shows inside a tab.
    page.locator("#ws-frames iframe:not([hidden])").evaluate("(f) => f.contentWindow.location.assign('/login')")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#connect-form")).to_be_visible()


def test_the_workspace_reopens_the_tabs_of_the_same_connection_only(page, running_app, mariadb, fk_db):
    def log_in(account, database):
        expect(page.locator("#connect-form")).to_be_visible()
        page.fill("input[name=port]", str(account.port))
        page.fill("input[name=user]", account.user)
        page.fill("input[name=password]", account.password)
        page.fill("input[name=database]", database)
        page.click("#connect-form button[type=submit]")
        expect(page).to_have_url(re.compile(r"/workspace$"))

    page.goto(running_app.launch_url)
    log_in(mariadb.user, fk_db)
    tabs = page.locator("#ws-tabs .ws-tab")
    expect(tabs).to_have_count(1)
    page.click("button:text('Log out')")
    log_in(mariadb.admin, "")  # another account: its own tabs (the databases page), not the other's
    expect(tabs).to_have_count(1)
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", "/")
    page.click("button:text('Log out')")
    log_in(mariadb.user, "")  # the first account again: its database's tab comes back, beside the home page
    expect(tabs).to_have_count(2)
    expect(tabs.nth(0)).to_have_attribute("data-url", f"/db/{fk_db}")


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def right_click(page, locator):
    """With the mouse where the row is drawn (the tree redraws its window of rows as it scrolls).
    On a page just opened the tree restores its open nodes and scroll first: wait for the row."""
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    locator.wait_for(state="visible")
    box = locator.bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + box["height"] / 2, button="right")


def tree_row(page, text):
    return page.locator("#tree-pane .tree-row", has=page.locator(".label", has_text=re.compile(f"^{re.escape(text)}$")))


def test_tree_opens_lazily_virtualised_and_reveals_the_current_table(workspace, running_app, many_tables_db, fk_db):
    page = workspace
    # The page's database is open and selected; the others are closed.
    expect(tree_row(page, fk_db)).to_have_class(re.compile("selected"))
    expect(tree_row(page, "child")).to_be_visible()
    # A database with thousands of tables: only a window of rows is in the DOM.
    tree_row(page, many_tables_db).click()
    tables = page.locator("#tree-pane .tree-row.k-group", has_text="Tables").nth(1)
    tables.click()
    expect(tree_row(page, "t000000")).to_be_visible()
    # The count comes with the first page of names (opening the database node reads nothing).
    expect(tables).to_contain_text(f"{MANY_TABLES:,}")
    assert page.locator("#tree-pane .tree-row").count() < 80
    page.evaluate("() => { const s = document.querySelector('.tree-scroll'); s.scrollTop = 22 * 2500; }")
    expect(page.locator("#tree-pane .tree-row .label", has_text=re.compile(r"^t0024\d\d$")).first).to_be_visible()
    assert page.locator("#tree-pane .tree-row").count() < 80
    shot(page, "tree-many-1280")
    # Columns with type and key marks, indexes.
    page.evaluate("() => { document.querySelector('.tree-scroll').scrollTop = 0; }")
    tree_row(page, "child").locator(".twisty").click()
    column = tree_row(page, "parent_id")
    expect(column).to_contain_text("FK")
    expect(column).to_contain_text("int(11)")
    expect(tree_row(page, "Indexes")).to_be_visible()
    # A table page shows its table selected in the tree, scrolled into view.
    page.goto(f"{running_app.base_url}/db/{many_tables_db}/table/t002222")
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    expect(tree_row(page, "t002222")).to_have_class(re.compile("selected"))
    expect(tree_row(page, "t002222")).to_be_in_viewport()


def test_tree_search_jumps_and_context_menu_prefills_a_query(workspace, fk_db, many_tables_db):
    page = workspace
    page.fill(".tree-search", "t00199")
    hits = page.locator(".tree-results .tree-hit")
    expect(hits.first).to_contain_text("t001990")
    expect(hits.nth(9)).to_contain_text("t001999")  # the substring matches first, then looser ones
    hits.first.click()
    expect(page).to_have_url(re.compile(rf"/db/{many_tables_db}/table/t001990$"))
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    expect(tree_row(page, "t001990")).to_have_class(re.compile("selected"))
    # Right click a table: the menu; "New query here" opens the editor with SELECT … FROM filled in.
    right_click(page, tree_row(page, "t001990"))
    menu = page.locator(".context-menu")
    for label in [
        "Open data",
        "Open structure",
        "New query here",
        "Copy name",
        "Export…",
        "Import…",
        "Truncate…",
        "Drop…",
    ]:
        expect(menu.locator(".menu-item", has_text=label)).to_be_visible()
    shot(page, "tree-context-menu")
    menu.locator(".menu-item", has_text="New query here").click()
    # The editor takes ?text= into a new tab and then drops it from the address: either may be seen.
    expect(page).to_have_url(re.compile(r"/sql(\?text=.*)?$"))
    expect(page.locator(".cm-content")).to_contain_text(f"SELECT * FROM `{many_tables_db}`.`t001990` LIMIT 100;")
    # The tree is beside the SQL editor too.
    expect(page.locator("#tree-pane")).to_be_visible()
    # Truncate goes to the structure page's own preview-then-confirm dialog.
    right_click(page, tree_row(page, "t001990"))
    page.locator(".context-menu .menu-item", has_text="Truncate…").click()
    expect(page).to_have_url(re.compile(r"/table/t001990/structure$"))
    expect(page.locator("dialog[open]")).to_contain_text("TRUNCATE")


def test_palette_opens_any_table_by_fuzzy_name_and_runs_actions(workspace, fk_db, many_tables_db):
    page = workspace
    page.keyboard.press("Control+k")
    palette = page.locator("#palette")
    expect(palette).to_be_visible()
    page.keyboard.type("t2345")
    expect(palette.locator(".palette-item").first).to_contain_text("t002345")
    shot(page, "palette-1280")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/db/{many_tables_db}/table/t002345$"))
    # Actions by name: the theme, then the shortcuts sheet.
    page.keyboard.press("Control+p")
    page.keyboard.type(">dark")
    expect(palette.locator(".palette-item").first).to_contain_text("Theme: dark")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-scheme", "dark")
    page.keyboard.press("F1")
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    # Zoom is remembered across pages.
    page.keyboard.press("Control+=")
    expect(page.locator("html")).to_have_attribute("data-zoom", "1.1")
    page.reload()
    assert page.evaluate("() => document.documentElement.style.zoom") == "1.1"
    page.keyboard.press("Control+0")
    assert page.evaluate("() => document.documentElement.style.zoom") == ""


def bg(page, selector):
    return page.evaluate(f"() => getComputedStyle(document.querySelector({selector!r})).backgroundColor")


def dark(rgb: str) -> bool:
    r, g, b = (int(x) for x in re.findall(r"\d+", rgb)[:3])
    return (r + g + b) / 3 < 60


def test_dark_mode_follows_the_system_and_the_manual_choice_everywhere(page, running_app, mariadb, sample_db, fk_db):
    page.emulate_media(color_scheme="dark")
    connect(page, running_app, mariadb, database=sample_db)
    expect(page).to_have_url(re.compile(rf"/db/{sample_db}$"))
    assert dark(bg(page, "body")) and dark(bg(page, ".tree-pane"))
    assert page.evaluate("() => getComputedStyle(document.querySelector('button')).fontFamily") == page.evaluate(
        "() => getComputedStyle(document.body).fontFamily"
    )
    shot(page, "dark-database-1280")
    page.goto(f"{running_app.base_url}/db/{sample_db}/table/people")
    expect(page.locator("#grid .dg-row").first).to_be_visible()
    assert dark(bg(page, ".dg-head")) and dark(bg(page, ".datagrid"))
    shot(page, "dark-table-1280")
    page.goto(f"{running_app.base_url}/db/{sample_db}/sql")
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    assert dark(bg(page, ".cm-editor")) and dark(bg(page, ".cm-gutters"))
    shot(page, "dark-sql-1280")
    page.goto(f"{running_app.base_url}/db/{fk_db}/diagram")
    page.wait_for_load_state("networkidle")
    shot(page, "dark-diagram-1280")
    # The manual override beats the system, and is remembered.
    page.click("#view-menu")
    page.locator(".context-menu .menu-item", has_text="Theme: light").click()
    assert not dark(bg(page, "body"))
    page.reload()
    assert not dark(bg(page, "body"))
    page.set_viewport_size({"width": 820, "height": 540})
    page.goto(f"{running_app.base_url}/db/{sample_db}/table/people")
    expect(page.locator("#grid .dg-row").first).to_be_visible()
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    expect(tree_row(page, "people")).to_have_class(re.compile("selected"))
    shot(page, "light-table-820")


def test_tabs_keep_each_pages_state_preview_reorder_close_and_back(workspace, running_app, fk_db, sample_db):
    page = workspace
    page.goto(f"{running_app.base_url}/workspace")
    expect(page.locator("body")).to_have_attribute("data-tabs-ready", "1")
    tabs = page.locator("#ws-tabs .ws-tab")
    expect(tabs).to_have_count(1)  # the database's page, open since logging in landed here
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{fk_db}")
    expect(page.locator("#tree-pane")).to_have_attribute("data-ready", "1")
    # A single click in the tree opens a preview tab; the next single click reuses it.
    # (The tree kept what was open on the previous page: this database and its tables.)
    tree_row(page, "parent").click()
    expect(tabs).to_have_count(2)
    expect(tabs.nth(1)).to_have_class(re.compile("preview"))
    tree_row(page, "child").click()
    expect(tabs).to_have_count(2)
    expect(tabs.nth(1)).to_contain_text("child")
    # A double click makes it permanent; the next table gets its own tab.
    tree_row(page, "child").dblclick()
    expect(tabs.nth(1)).not_to_have_class(re.compile("preview"))
    # The page inside a tab has no top bar or tree of its own.
    frame = page.frame_locator("#ws-frames iframe:not([hidden])")
    expect(frame.locator(".topbar")).to_be_hidden()
    # A query tab: results stay when we look at a table and come back.
    page.keyboard.press("Control+t")
    expect(tabs).to_have_count(3)
    editor = page.frame_locator("#ws-frames iframe:not([hidden])")
    expect(editor.locator("#sql-page")).to_have_attribute("data-ready", "1")
    editor.locator("#editor .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT 'kept' AS v")
    page.keyboard.press("Control+Enter")
    expect(editor.locator("#result-grid")).to_contain_text("kept")
    tabs.nth(1).click()
    expect(page.frame_locator("#ws-frames iframe:not([hidden])").locator("#grid")).to_be_visible()
    tabs.nth(2).click()
    expect(editor.locator("#result-grid")).to_contain_text("kept")
    shot(page, "tabs-1280")
    # Reorder by dragging, close with the middle button and Ctrl+W.
    tabs.nth(2).drag_to(tabs.nth(0))
    expect(tabs.nth(0)).to_contain_text(re.compile("SQL|Query|sql", re.I))
    tabs.nth(2).click(button="middle")
    expect(tabs).to_have_count(2)
    tabs.nth(0).click()
    page.keyboard.press("Control+w")
    expect(tabs).to_have_count(1)
    # Back inside a tab (Alt+←).
    inner = page.frame_locator("#ws-frames iframe:not([hidden])")
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{fk_db}")
    inner.locator("#tables a:text-is('parent')").click()
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{fk_db}/table/parent")
    page.keyboard.press("Alt+ArrowLeft")
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{fk_db}")


def test_palette_reopens_a_recent_query(workspace, running_app, fk_db):
    page = workspace
    page.goto(f"{running_app.base_url}/db/{fk_db}/sql")
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT 'from the palette' AS recent")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-grid")).to_contain_text("from the palette")
    page.goto(f"{running_app.base_url}/db/{fk_db}")
    page.keyboard.press("Control+k")
    page.keyboard.type("#from the pal")
    item = page.locator("#palette .palette-item").first
    expect(item).to_contain_text("SELECT 'from the palette' AS recent")
    page.keyboard.press("Enter")
    expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
    expect(page.locator(".cm-content")).to_have_text("SELECT 'from the palette' AS recent")


def test_refresh_a_database_in_the_tree_shows_a_new_table(workspace, mariadb, fk_db):
    from core.db import Connection

    page = workspace
    expect(tree_row(page, "child")).to_be_visible()
    conn = Connection(mariadb.admin)
    conn.execute(f"CREATE TABLE `{fk_db}`.`added_later` (id INT PRIMARY KEY)")
    try:
        right_click(page, tree_row(page, fk_db))
        page.locator(".context-menu .menu-item", has_text="Refresh").click()
        expect(tree_row(page, "added_later")).to_be_visible()
        expect(tree_row(page, "child")).to_be_visible()
    finally:
        conn.execute(f"DROP TABLE `{fk_db}`.`added_later`")
        conn.close()
