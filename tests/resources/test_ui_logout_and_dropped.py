"""In Chromium: Log out asks first when an editor tab has an open transaction (and rolls it back
when confirmed); a result dropped on the server says so instead of showing an empty grid."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.ui.test_e2e_browse import connect
from tests.ui.test_e2e_sql_editor import type_sql
from tests.ui.tripwire import console_tripwire

SHOTS = Path("/tmp/shots-resources")


@pytest.fixture
def editor(page, running_app, mariadb, sample_db):
    with console_tripwire(page, console=False):
        connect(page, running_app, mariadb, database=sample_db)
        expect(page).to_have_url(re.compile(rf"/db/{sample_db}$"))
        page.goto(f"{running_app.base_url}/db/{sample_db}/sql")
        expect(page.locator("#sql-page")).to_have_attribute("data-ready", "1")
        yield page


def open_transactions(admin_params, user) -> int:
    conn = Connection(admin_params)
    try:
        return conn.get(
            "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
            "ON p.ID = t.trx_mysql_thread_id WHERE p.USER = %s",
            user,
        ).n
    finally:
        conn.close()


def test_log_out_with_an_open_transaction_asks_first_and_rolls_back(editor, mariadb):
    page = editor
    type_sql(page, "BEGIN; UPDATE people SET score = score + 1 WHERE id = 1")
    page.click("#run-all")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "done")
    assert open_transactions(mariadb.admin, mariadb.user.user) == 1
    with page.expect_event("dialog") as asked:
        page.click("form.logout button", no_wait_after=True)
    assert "open transaction" in asked.value.message
    asked.value.dismiss()
    expect(page).to_have_url(re.compile(r"/sql$"))  # declined: still here, still connected
    assert open_transactions(mariadb.admin, mariadb.user.user) == 1
    with page.expect_event("dialog") as asked:
        page.click("form.logout button", no_wait_after=True)
    asked.value.accept()
    expect(page).to_have_url(re.compile(r"/login"))
    assert open_transactions(mariadb.admin, mariadb.user.user) == 0
    admin = Connection(mariadb.admin)
    assert str(admin.get("SELECT score FROM eddy_test.people WHERE id = 1").score) == "99.50"  # rolled back
    admin.close()


def test_a_dropped_result_says_so(editor, running_app):
    page = editor
    type_sql(page, "SELECT seq FROM seq_1_to_5000")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-count")).to_contain_text("5,000")
    running_app.app.query_jobs.expire(0)  # as the housekeeping does after 30 minutes unread
    page.locator("#result-grid .dg-scroll").first.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(page.locator("#run-status")).to_contain_text("Dropped after")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "dropped-result.png"))
