"""End to end in headless Chromium: launch link, connect, open a database and a table, see rows."""

import re
import urllib.parse

from playwright.sync_api import expect


def follow_workspace_tab(page, running_app, expected_path):
    """Connecting lands in the workspace window with one tab open on `expected_path`; the page
    tests then work on that page as itself, at its own address (as a deep link opens it)."""
    expect(page).to_have_url(re.compile(r"/workspace$"))
    frames = page.locator("#ws-frames")
    expect(frames).to_have_attribute("data-current-url", expected_path)
    expect(page.locator("#ws-tabs .ws-tab")).to_have_count(1)
    page.goto(running_app.base_url + expected_path)


def connect(page, running_app, mariadb, database=""):
    """Log in through the form; the page then shows what the workspace's first tab shows."""
    page.goto(running_app.launch_url)
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("input[name=host]", mariadb.user.host)
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", mariadb.user.password)
    page.fill("input[name=database]", database)
    page.click("button[type=submit]")
    follow_workspace_tab(page, running_app, f"/db/{urllib.parse.quote(database, safe='')}" if database else "/")


def test_connect_open_table_and_see_a_row(page, running_app, mariadb, sample_db):
    connect(page, running_app, mariadb)
    expect(page.locator("#databases")).to_contain_text(sample_db)
    page.click(f"#databases a:text-is('{sample_db}')")
    expect(page.locator("#tables")).to_contain_text("people_names")
    page.click("#tables a:text-is('people')")
    grid = page.locator("#grid")
    expect(grid).to_contain_text("Ada Lovelace")
    expect(grid).to_contain_text("张伟 🐍")
    # SQL NULL is a badge; the string "NULL" is plain text in a normal cell.
    expect(grid.locator(".dg-cell.null .null-badge").first).to_be_visible()
    expect(grid.locator(".dg-cell:not(.null)", has_text=re.compile(r"^NULL$"))).to_have_count(1)
    # HTML in data is shown as text, never run.
    expect(grid).to_contain_text("<script>alert(1)</script>")
    # Long text is cut, and the whole value opens on demand in the side panel.
    long_cell = grid.locator(".dg-cell.long").first
    expect(long_cell).not_to_contain_text(" END")
    long_cell.click()
    expect(page.locator("#cell-text")).to_have_value(re.compile(r" END$"))


def test_wrong_password_keeps_form_and_says_why(page, running_app, mariadb, sample_db):
    page.goto(running_app.launch_url)
    page.fill("input[name=host]", mariadb.user.host)
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", "definitely wrong")
    page.fill("input[name=database]", sample_db)
    page.click("button[type=submit]")
    expect(page.locator("#connect-error")).to_contain_text("wrong user name or password")
    expect(page.locator("input[name=database]")).to_have_value(sample_db)
    expect(page.locator("input[name=port]")).to_have_value(str(mariadb.user.port))


def test_awkward_table_name_and_logout(page, running_app, mariadb, sample_db):
    connect(page, running_app, mariadb, database=sample_db)
    expect(page).to_have_url(re.compile(rf"/db/{sample_db}$"))
    page.click("#tables a:text-is('order items 表')")
    expect(page).to_have_url(re.compile(re.escape(urllib.parse.quote("order items 表", safe=""))))
    expect(page.locator("#grid .dg-head")).to_contain_text("back`tick")
    expect(page.locator("#grid")).to_contain_text("值 🙂")
    page.click("button:text('Log out')")
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(running_app.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
