"""Structure and admin pages in headless Chromium: the ER diagram, the alter form, confirmations."""

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.admin.conftest import ADMIN_DB
from tests.ui.test_e2e_browse import connect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def unique_colours(png: Path) -> int:
    out = subprocess.run(["identify", "-format", "%k", str(png)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def test_er_diagram_draws_one_box_per_table_with_fk_arrows(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/diagram")
    boxes = page.locator("#erd g.erd-table")
    expect(boxes).to_have_count(5)
    names = sorted(boxes.evaluate_all("gs => gs.map(g => g.dataset.name)"))
    assert names == ["big_orders", "customers", "events_log", "order lines", "orders"]
    expect(page.locator("#erd path.erd-edge")).to_have_count(2)
    expect(page.locator("#diagram-info")).to_have_text("5 tables · 2 foreign keys")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "er-diagram.png"
    page.locator("#diagram").screenshot(path=str(shot))
    assert unique_colours(shot) > 20  # boxes, text and arrows, not a blank panel

    # Zoom changes the view box; Fit brings it back.
    before = page.locator("#erd").get_attribute("viewBox")
    page.click("#zoom-in")
    assert page.locator("#erd").get_attribute("viewBox") != before
    page.click("#zoom-fit")
    assert page.locator("#erd").get_attribute("viewBox") == before
    # SVG export is a standalone document of the whole diagram.
    with page.expect_download() as download:
        page.click("#export-svg")
    text = Path(download.value.path()).read_text()
    assert text.startswith("<?xml") and text.count('class="erd-table"') == 5
    with page.expect_download() as download:
        page.click("#export-png")
    png = Path(download.value.path())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and unique_colours(png) > 20


def test_add_column_previews_ddl_then_applies_and_shows_it(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/table/customers/structure")
    expect(page.locator("#structure-columns")).to_contain_text("email")
    expect(page.locator("#structure-ddl")).to_contain_text("CREATE TABLE `customers`")
    page.click("#edit-structure summary")
    page.click("#add-column")
    row = page.locator("#edit-columns tr.col-row").last
    row.locator("input[name=name]").fill("phone")
    row.locator("input[name=type]").fill("VARCHAR(20)")
    page.click("#preview-sql")
    dialog = page.locator("#plan-dialog")
    expect(dialog.locator(".plan-sql")).to_have_text(
        f"ALTER TABLE `{ADMIN_DB}`.`customers`\n  ADD COLUMN `phone` VARCHAR(20) NULL AFTER `created`;"
    )
    expect(page.locator("#structure-columns")).not_to_contain_text("phone")  # not before it runs
    dialog.locator(".plan-run").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#structure-columns")).to_contain_text("phone")
    expect(page.locator("#structure-ddl")).to_contain_text("`phone` varchar(20)")


def test_failed_alter_shows_the_server_error_and_keeps_the_old_structure(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/table/orders/structure")
    page.click("#edit-structure summary")
    # customer_id is in a foreign key: making it a different type is refused by the server.
    row = page.locator("#edit-columns tr.col-row").nth(1)
    expect(row.locator("input[name=name]")).to_have_value("customer_id")
    row.locator("input[name=type]").fill("VARCHAR(5)")
    page.click("#preview-sql")
    dialog = page.locator("#plan-dialog")
    expect(dialog.locator(".plan-sql")).to_contain_text("CHANGE COLUMN `customer_id` `customer_id` VARCHAR(5)")
    dialog.locator(".plan-run").click()
    expect(dialog.locator(".plan-error")).to_contain_text(re.compile(r"foreign key|errno", re.I))
    dialog.locator(".plan-cancel").click()
    expect(page.locator("#structure-columns")).to_contain_text("int(11)")
    expect(page.locator("#structure-columns")).not_to_contain_text("varchar(5)")


def test_drop_table_needs_its_name_typed(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/objects")
    page.locator("#table-ops tr[data-name='order lines'] button[data-action=drop]").click()
    dialog = page.locator("#plan-dialog")
    expect(dialog.locator(".plan-sql")).to_have_text(f"DROP TABLE `{ADMIN_DB}`.`order lines`;")
    run = dialog.locator(".plan-run")
    expect(run).to_be_disabled()
    dialog.locator(".plan-confirm").fill("order")
    expect(run).to_be_disabled()
    dialog.locator(".plan-confirm").fill("order lines")
    run.click()
    expect(page.locator("#table-ops tr[data-name='order lines']")).to_have_count(0)
    expect(page.locator("#table-ops tr[data-name=orders]")).to_have_count(1)
    # Object definitions open read-only, with a link into the SQL editor.
    page.locator("#objects-views tr[data-name=big_orders] .show-definition").click()
    expect(page.locator("#objects-views pre.sql")).to_contain_text("big_orders")
    href = page.locator("#objects-views a.button", has_text="Edit in SQL editor").get_attribute("href")
    assert href.startswith("/sql?text=CREATE")
    page.locator("#objects-views button.edit-here").click()
    expect(page.locator("#objects-views textarea")).to_have_value(re.compile(r"^CREATE OR REPLACE .*big_orders", re.S))


@pytest.mark.mariadb_only
def test_dashboard_charts_and_process_list_refresh(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/server")
    expect(page.locator("#stat-version .value")).to_contain_text("MariaDB")
    expect(page.locator("#dashboard")).to_have_attribute("data-polls", re.compile(r"^[2-9]|\d\d"), timeout=10000)
    expect(page.locator("#stat-qps .value")).to_have_text(re.compile(r"^\d+\.\d$"))
    expect(page.locator("#stat-connections svg.spark polyline")).to_have_count(1)
    page.click("a:text('Processes')")
    expect(page.locator("#processes tbody tr.own")).to_have_count(1)
    page.click("a:text('Variables & status')")
    page.fill("#var-search", "max_connections")
    expect(page.locator("#variables tbody tr[data-name=max_connections]")).to_have_count(1)


def test_grant_matrix_shows_the_grant_sql_before_it_runs(page, running_app, mariadb, shop_db):
    conn = Connection(mariadb.admin)
    conn.execute("CREATE USER 'eddy_test_admin_ui'@'localhost'")
    conn.close()
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/server/users")
    row = page.locator("#users tr[data-account='eddy_test_admin_ui@localhost']")
    row.locator("button.privileges").click()
    expect(page.locator("#grants-text")).to_contain_text("GRANT USAGE ON *.* TO `eddy_test_admin_ui`@`localhost`")
    page.select_option("#grants-form select[name=level]", "database")
    page.fill("#grants-form input[name=database]", ADMIN_DB)
    page.click("#grants-load")
    page.check("#grants-matrix input[value=SELECT]")
    page.check("#grants-matrix input[value='SHOW VIEW']")
    page.click("#grants-preview")
    dialog = page.locator("#plan-dialog")
    expect(dialog.locator(".plan-sql")).to_have_text(
        f"GRANT SELECT, SHOW VIEW ON `{ADMIN_DB}`.* TO 'eddy_test_admin_ui'@'localhost';"
    )
    dialog.locator(".plan-run").click()
    expect(page.locator("#grants-text")).to_contain_text(f"GRANT SELECT, SHOW VIEW ON `{ADMIN_DB}`.*")


def test_new_table_form_creates_the_table_and_opens_its_structure(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}")
    page.click(".admin-tabs a:text('New table')")
    page.fill("input[name=table_name]", "notes 表")
    page.click("#add-column")
    row = page.locator("#edit-columns tr.col-row").last
    row.locator("input[name=name]").fill("body")
    row.locator("select[name=default_kind]").select_option("literal")
    row.locator("input[name=default]").fill("it's")
    page.click("#preview-sql")
    sql = page.locator("#plan-dialog .plan-sql")
    expect(sql).to_contain_text(f"CREATE TABLE `{ADMIN_DB}`.`notes 表` (")
    expect(sql).to_contain_text("`body` VARCHAR(255) NULL DEFAULT 'it\\'s'")
    page.click("#plan-dialog .plan-run")
    expect(page).to_have_url(re.compile(r"/structure$"))
    expect(page.locator("#structure-columns")).to_contain_text("body")
    # A view's structure page shows its columns and definition, without the table form.
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/table/big_orders/structure")
    expect(page.locator("#structure-columns")).to_contain_text("total")
    expect(page.locator("#structure-ddl")).to_contain_text("VIEW")
    expect(page.locator("#edit-structure")).to_have_count(0)


def test_rename_from_the_structure_page_opens_the_renamed_table(page, running_app, mariadb, shop_db):
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/table/customers/structure")
    page.click(".table-actions button[data-action=rename]")
    page.fill(".ask-input", "clients")
    page.click(".ask-dialog button[type=submit]")
    expect(page.locator("#plan-dialog .plan-sql")).to_have_text(
        f"RENAME TABLE `{ADMIN_DB}`.`customers` TO `{ADMIN_DB}`.`clients`;"
    )
    page.click("#plan-dialog .plan-run")
    expect(page).to_have_url(re.compile(r"/table/clients/structure$"))
    expect(page.locator("#structure-columns")).to_contain_text("email")


def test_set_variable_create_and_drop_user_and_create_a_view_in_the_browser(page, running_app, mariadb, shop_db):
    conn = Connection(mariadb.admin)
    original = conn.get("SELECT @@GLOBAL.max_connections AS v").v
    try:
        connect(page, running_app, mariadb)
        page.goto(f"{running_app.base_url}/server/variables")
        page.fill("#var-search", "max_connections")
        row = page.locator("#variables tbody tr[data-name=max_connections]")
        row.locator("button.set-variable").click()
        row.locator("input[name=value]").fill(str(original + 3))
        row.locator("button[type=submit]").click()
        expect(page.locator("#plan-dialog .plan-sql")).to_have_text(f"SET GLOBAL `max_connections` = {original + 3};")
        page.click("#plan-dialog .plan-run")
        expect(row.locator("td.value").first).to_have_text(str(original + 3))
        expect(row).to_have_class("changed")

        page.goto(f"{running_app.base_url}/server/users")
        page.fill("#create-user input[name=user]", "eddy_test_admin_web")
        page.fill("#create-user input[name=password]", "pw")
        page.click("#create-user button[type=submit]")
        expect(page.locator("#plan-dialog .plan-sql")).to_have_text(
            "CREATE USER 'eddy_test_admin_web'@'%' IDENTIFIED BY '********';"
        )
        page.click("#plan-dialog .plan-run")
        user_row = page.locator("#users tr[data-account='eddy_test_admin_web@%']")
        user_row.locator("button.drop-user").click()
        page.fill("#plan-dialog .plan-confirm", "eddy_test_admin_web")
        page.click("#plan-dialog .plan-run")
        expect(user_row).to_have_count(0)

        page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/objects")
        panel = page.locator("#objects-views details.create-object")
        panel.locator("summary").click()
        expect(panel.locator("textarea")).to_have_value(re.compile(r"^CREATE VIEW"))
        panel.locator("textarea").fill("CREATE VIEW cheap_orders AS SELECT id FROM orders WHERE total < 50")
        panel.locator("button.primary").click()
        page.click("#plan-dialog .plan-run")
        expect(page.locator("#objects-views tr[data-name=cheap_orders]")).to_have_count(1)
    finally:
        conn.execute(f"SET GLOBAL max_connections = {int(original)}")
        conn.close()


@pytest.mark.mariadb_only  # IGNORED indexes and DESC key parts (MariaDB 10.6 / 10.8)
def test_structure_form_keeps_an_ignored_index_with_a_descending_part(page, running_app, mariadb, shop_db):
    admin = Connection(mariadb.admin)
    admin.execute(f"ALTER TABLE `{ADMIN_DB}`.`orders` ADD KEY by_total (total DESC, customer_id) IGNORED")
    admin.close()
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/table/orders/structure")
    row = page.locator("#structure-indexes tr", has_text="by_total")
    expect(row).to_contain_text("INDEX (invisible)")
    expect(row).to_contain_text("total DESC, customer_id")
    page.click("#edit-structure summary")
    page.locator("#edit-columns tr.col-row").nth(2).locator("input[name=comment]").fill("sum")
    page.click("#preview-sql")
    sql = page.locator("#plan-dialog .plan-sql")
    expect(sql).to_contain_text("COMMENT 'sum'")
    expect(sql).not_to_contain_text("by_total")  # the index is sent back as it is: not dropped and re-added
    page.screenshot(path="/tmp/shots-mysql/structure-ignored-index.png")
    page.click("#plan-dialog .plan-cancel")
    # Renaming it keeps DESC and IGNORED.
    index_row = page.locator("#edit-indexes tr.index-row").nth(1)  # PRIMARY, by_total, idx_customer
    index_row.locator("input[name=index_name]").fill("by_total2")
    page.click("#preview-sql")
    expect(sql).to_contain_text("ADD KEY `by_total2` (`total` DESC, `customer_id`) IGNORED")
