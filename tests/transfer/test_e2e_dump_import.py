"""In Chromium: importing a script that names another database asks first, listing the names."""

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.transfer.conftest import DB
from tests.ui.test_e2e_browse import connect

ELSEWHERE = "eddy_test_elsewhere"


@pytest.fixture
def server(mariadb, transfer_db):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP DATABASE IF EXISTS `{ELSEWHERE}`")
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.`here`")
    yield conn
    conn.execute(f"DROP DATABASE IF EXISTS `{ELSEWHERE}`")
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.`here`")
    conn.close()


def test_script_naming_another_database_runs_only_after_confirming(page, running_app, mariadb, server, tmp_path):
    script = tmp_path / "dump.sql"
    script.write_text(
        f"CREATE TABLE here (id INT);\nCREATE DATABASE `{ELSEWHERE}`;\nUSE `{ELSEWHERE}`;\nCREATE TABLE t (id INT);\n",
        encoding="utf-8",
    )
    connect(page, running_app, mariadb, database=DB)
    page.click("#import-open")
    page.set_input_files("#import-file", str(script))
    page.click("#import-start")
    box = page.locator("#import-other-databases")
    expect(box).to_be_visible()
    expect(box).to_contain_text(f"Nothing was run. This script names other databases than {DB}")
    expect(box.locator("li")).to_have_text([f"{ELSEWHERE} — line 2: CREATE DATABASE"])
    page.screenshot(path="/tmp/shots-dumps/import-confirm.png")
    assert server.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", ELSEWHERE) == []
    assert (
        server.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'here'", DB)
        == []
    )
    page.click("#import-run-anyway")
    expect(page.locator("#import-form [data-role=status]")).to_contain_text(f"Done: 4 statements run in {DB}, 0 failed")
    expect(box).to_be_hidden()
    assert server.query(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 't'", ELSEWHERE
    )
    assert server.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'here'", DB)


def test_export_dialog_states_what_a_database_dump_holds(page, running_app, mariadb, server):
    connect(page, running_app, mariadb, database=DB)
    page.click("#export-open")
    note = page.locator("#export-dump-note")
    expect(note).to_be_hidden()
    page.select_option("#export-form select[name=format]", "sql")
    expect(note).to_be_visible()
    expect(note).to_contain_text("DEFINER clauses are left out")
    page.screenshot(path="/tmp/shots-dumps/export-dump-note.png")
