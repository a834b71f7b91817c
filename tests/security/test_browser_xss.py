"""The stored-XSS payloads in a real browser: nothing runs, everything reads as text."""

from playwright.sync_api import expect

from tests.security.conftest import SEC_DB, XSS_CELLS, XSS_COLUMN, XSS_TABLE
from tests.security.test_local_server import XSS_PAGES
from tests.ui.test_e2e_browse import follow_workspace_tab


def watch_and_connect(page, running_app, mariadb) -> tuple[list, list]:
    """Record every dialog (a payload that ran) and page error, then log in."""
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(running_app.launch_url)
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", mariadb.user.password)
    page.click("#connect-form button[type=submit]")
    follow_workspace_tab(page, running_app, "/")
    expect(page.locator("#databases")).to_be_visible()
    return dialogs, errors


def test_hostile_pages_run_no_script_in_chromium(page, running_app, mariadb, hostile_db):
    dialogs, errors = watch_and_connect(page, running_app, mariadb)
    for path, _ in XSS_PAGES:
        page.goto(running_app.base_url + path)
        page.wait_for_load_state("load")
    page.goto(f"{running_app.base_url}/db/{SEC_DB}")
    expect(page.locator("#tables")).to_contain_text(XSS_TABLE)
    page.locator("#tables a", has_text=XSS_TABLE).click()
    for cell in XSS_CELLS:
        expect(page.locator("#grid")).to_contain_text(cell)
    expect(page.locator("#grid")).to_contain_text(XSS_COLUMN)
    assert dialogs == [], f"a payload ran: {dialogs}"
    assert errors == []


SAVED_NAMES = ["<script>alert('saved')</script>", '"><img src=x onerror=alert(7)>']


def test_hostile_saved_query_names_and_tab_titles_stay_text_in_chromium(page, running_app, mariadb, hostile_db):
    dialogs, errors = watch_and_connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{SEC_DB}/sql")
    page.locator("#editor .cm-content").click()
    page.keyboard.type("SELECT 1")
    for name in SAVED_NAMES:  # saving names the tab too: both the saved list and the tab bar show it
        page.fill("#save-name", name)
        page.click("#save")
        expect(page.locator("#run-status")).to_contain_text("Saved as")
        expect(page.locator("#query-tabs")).to_contain_text(name)
    page.click("#panel-toggle")
    for name in SAVED_NAMES:
        expect(page.locator("#saved-list")).to_contain_text(name)
    assert page.locator("#saved-list img, #query-tabs img, #saved-list script, #query-tabs script").count() == 0
    assert dialogs == [], f"a payload ran: {dialogs}"
    assert errors == []
