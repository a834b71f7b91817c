"""In Chromium: a connection cut right after COMMIT reached the server is reported as saved (verified)
and the edits are cleared; a cut before COMMIT keeps them, saying they were not saved (verified)."""

import re

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.cutting_proxy import CuttingProxy
from tests.grid.test_grid_ui import apply_and_run
from tests.ui.test_e2e_browse import follow_workspace_tab

DB = "eddy_test_cut_ui"


@pytest.fixture
def proxied(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    admin.execute(f"CREATE DATABASE `{DB}`")
    admin.execute(f"CREATE TABLE `{DB}`.t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40))")
    admin.execute(f"INSERT INTO `{DB}`.t VALUES (1, 'one'), (2, 'two')")
    proxy = CuttingProxy(mariadb.user.host, mariadb.user.port)
    yield proxy, admin
    proxy.close()
    admin.execute(f"DROP DATABASE IF EXISTS `{DB}`")
    admin.close()


def _open(page, running_app, mariadb, proxy):
    page.goto(running_app.launch_url)
    page.fill("input[name=host]", mariadb.user.host)
    page.fill("input[name=port]", str(proxy.port))
    page.fill("input[name=user]", mariadb.user.user)
    page.fill("input[name=password]", mariadb.user.password)
    page.fill("input[name=database]", DB)
    page.click("button[type=submit]")
    follow_workspace_tab(page, running_app, f"/db/{DB}")
    page.goto(f"{running_app.base_url}/db/{DB}/table/t")
    expect(page.locator("#grid .dg-row .dg-cell:not(.loading)").first).to_be_visible()


def _edit_name(page, old, new):
    cell = page.locator("#grid .dg-row", has=page.locator(".dg-cell", has_text=re.compile(f"^{old}$"))).locator(
        '.dg-cell[data-col="1"]'
    )
    cell.dblclick()
    page.locator(".dg-editor").fill(new)
    page.keyboard.press("Enter")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")


def test_cut_after_commit_says_saved_verified_and_clears_the_edits(page, running_app, mariadb, proxied):
    proxy, admin = proxied
    _open(page, running_app, mariadb, proxy)
    _edit_name(page, "one", "ONE")
    proxy.arm("after_commit")
    apply_and_run(page)
    expect(page.locator("#grid-error")).to_contain_text("are on the server (saved, verified)")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(page.locator("#grid .dg-row .dg-cell", has_text="ONE")).to_be_visible()  # reloaded from the server
    expect(page.locator("#grid-error")).to_contain_text("are on the server (saved, verified)")  # still said
    page.screenshot(path="/tmp/shots-dumps/apply-saved-verified.png")
    assert proxy.cuts == 1
    assert admin.get(f"SELECT name FROM `{DB}`.t WHERE id = 1").name == "ONE"


def test_cut_before_commit_says_not_saved_verified_and_keeps_the_edits(page, running_app, mariadb, proxied):
    proxy, admin = proxied
    _open(page, running_app, mariadb, proxy)
    _edit_name(page, "two", "TWO")
    proxy.arm("before_commit")
    apply_and_run(page)
    expect(page.locator("#grid-error")).to_contain_text("not saved, verified")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    page.screenshot(path="/tmp/shots-dumps/apply-not-saved-verified.png")
    assert proxy.cuts == 1
    assert admin.get(f"SELECT name FROM `{DB}`.t WHERE id = 2").name == "two"
