"""Pending grid edits survive a crash: journaled to the per-user store as they are made, offered
back when the table opens again, restored as pending (not applied), cleared by Apply and Discard."""

import re

import pytest
from playwright.sync_api import expect

from core.config import new_launch_token
from core.db import Connection
from tests.ui.test_e2e_browse import connect

JOURNAL_DB = "eddy_test_journal"


@pytest.fixture
def journal_db(mariadb):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{JOURNAL_DB}`")
    conn.execute(f"CREATE DATABASE `{JOURNAL_DB}`")
    conn.execute(f"CREATE TABLE `{JOURNAL_DB}`.t (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(40))")
    conn.execute(f"INSERT INTO `{JOURNAL_DB}`.t (id, name) VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')")
    yield conn
    conn.execute(f"DROP DATABASE IF EXISTS `{JOURNAL_DB}`")
    conn.close()


def open_table(page, running_app, mariadb):
    connect(page, running_app, mariadb, database=JOURNAL_DB)
    page.goto(f"{running_app.base_url}/db/{JOURNAL_DB}/table/t")
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()


def row_with(page, text):
    return page.locator("#grid .dg-row", has=page.locator(".dg-cell", has_text=re.compile(f"^{text}$")))


def make_three_edits(page):
    """Rename alpha, delete beta, insert a row; wait until the journal has them."""
    row_with(page, "alpha").locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("alpha edited")
    page.keyboard.press("Enter")
    row_with(page, "beta").locator('.dg-cell[data-col="0"]').click()
    page.click("#btn-delete")
    page.click("#btn-insert")
    page.locator("#grid .dg-row.inserted").locator('.dg-cell[data-col="1"]').dblclick()
    page.locator(".dg-editor").fill("delta new")
    page.keyboard.press("Enter")
    expect(page.locator("#pending-count")).to_have_text("3 pending changes")
    expect(page.locator("body")).to_have_attribute("data-journaled", "3")


@pytest.fixture
def crash_and_reopen(running_app, mariadb, chromium):
    """The window goes away without applying (its browser context closed: no unload, no Apply);
    a new one logs in again and opens the same table."""
    contexts = []

    def reopen(page, table_page=True):
        page.context.close()
        contexts.append(chromium.new_context(viewport={"width": 1280, "height": 800}))
        running_app.app._launch_token = running_app.token = new_launch_token()  # the next start's link
        fresh = contexts[-1].new_page()
        if table_page:
            open_table(fresh, running_app, mariadb)
        return fresh

    yield reopen
    for context in contexts:
        context.close()


def names(conn):
    return [r.name for r in conn.query(f"SELECT name FROM `{JOURNAL_DB}`.t ORDER BY id")]


def test_edits_survive_a_crash_restore_as_pending_then_apply(page, running_app, mariadb, crash_and_reopen, journal_db):
    open_table(page, running_app, mariadb)
    make_three_edits(page)
    page = crash_and_reopen(page)
    offer = page.locator("#journal-offer")
    expect(offer).to_contain_text(re.compile(rf"3 unsaved edits on {JOURNAL_DB}\.t from \d\d:\d\d"))
    assert names(journal_db) == ["alpha", "beta", "gamma"], "nothing was applied"
    page.screenshot(path="/tmp/shots-workspace/journal-offer.png")
    offer.get_by_role("button", name="Restore").click()
    expect(offer).to_have_count(0)
    # Pending again, not applied: the grid shows them, the database does not have them.
    expect(page.locator("#pending-count")).to_have_text("3 pending changes")
    expect(row_with(page, "beta")).to_have_class(re.compile("deleted"))
    expect(page.locator("#grid .dg-row.inserted")).to_contain_text("delta new")
    expect(page.locator("#grid")).to_contain_text("alpha edited")
    assert names(journal_db) == ["alpha", "beta", "gamma"]
    page.keyboard.press("Control+s")
    expect(page.locator("#apply-dialog")).to_be_visible()
    page.click("#apply-run")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(page.locator("body")).to_have_attribute("data-journaled", "0")
    assert names(journal_db) == ["alpha edited", "gamma", "delta new"]
    # Applied: nothing is offered any more.
    page.reload()
    expect(page.locator("#grid")).to_contain_text("alpha edited")
    expect(page.locator("#journal-offer")).to_have_count(0)


def test_discarding_the_offer_or_the_edits_clears_the_journal(page, running_app, mariadb, crash_and_reopen, journal_db):
    open_table(page, running_app, mariadb)
    make_three_edits(page)
    page = crash_and_reopen(page)
    page.locator("#journal-offer").get_by_role("button", name="Discard").click()
    expect(page.locator("#journal-offer")).to_have_count(0)
    expect(page.locator("#pending-count")).to_have_text("")
    expect(page.locator("body")).to_have_attribute("data-journaled", "0")
    page.reload()
    expect(page.locator("#grid")).to_contain_text("alpha")
    expect(page.locator("#journal-offer")).to_have_count(0)
    # Edits discarded on the page (the Discard button) clear the journal too.
    make_three_edits(page)
    page.click("#btn-discard")
    expect(page.locator("body")).to_have_attribute("data-journaled", "0")
    page.reload()
    expect(page.locator("#grid")).to_contain_text("alpha")
    expect(page.locator("#journal-offer")).to_have_count(0)
    assert names(journal_db) == ["alpha", "beta", "gamma"]


def test_the_workspace_offers_the_tables_left_with_edits_at_start(
    page, running_app, mariadb, crash_and_reopen, journal_db
):
    open_table(page, running_app, mariadb)
    make_three_edits(page)
    page = crash_and_reopen(page, table_page=False)
    page.goto(running_app.launch_url)
    page.fill("input[name=port]", str(mariadb.user.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", mariadb.user.password)
    page.click("#connect-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/workspace$"))
    offer = page.locator("#journals-offer")
    expect(offer).to_contain_text(re.compile(rf"Unsaved edits from before: {JOURNAL_DB}\.t \(3 edits, \d\d:\d\d"))
    page.screenshot(path="/tmp/shots-workspace/journals-offer-workspace.png")
    offer.get_by_role("button", name=re.compile(rf"^{JOURNAL_DB}\.t")).click()
    expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", f"/db/{JOURNAL_DB}/table/t")
    tab = page.frame_locator("#ws-frames iframe:not([hidden])")
    tab.locator("#journal-offer").get_by_role("button", name="Restore").click()
    expect(tab.locator("#pending-count")).to_have_text("3 pending changes")
    expect(page.locator("#ws-tabs .ws-tab.current")).to_contain_text("●")  # pending edits mark the tab
    assert names(journal_db) == ["alpha", "beta", "gamma"], "restored as pending, not applied"
