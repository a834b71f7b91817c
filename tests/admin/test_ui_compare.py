"""Schema compare in headless Chromium: compare, read the side-by-side definitions, tick, read the
script, apply through the typed-name dialog, compare again → no differences."""

from pathlib import Path

from playwright.sync_api import expect

from tests.admin.conftest import ADMIN_DB, admin_connection
from tests.ui.test_e2e_browse import connect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
COPY = "eddy_test_admin_copy 副本"


def test_compare_tick_preview_apply_then_identical(page, running_app, mariadb, shop_db):
    db = admin_connection(mariadb)
    db.execute(f"CREATE DATABASE `{COPY}`")
    db.use(COPY)
    db.execute("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(10), legacy INT)")
    db.execute("CREATE TABLE leftovers (id INT PRIMARY KEY)")
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{ADMIN_DB}/compare")
    expect(page.locator("#source-database")).to_have_value(ADMIN_DB)
    page.select_option("#target-database", COPY)
    page.click("#compare-run")
    expect(page.locator("#compare-summary")).to_contain_text("differences")
    tree = page.locator("#compare-tree")
    expect(tree).to_contain_text("customers")
    expect(tree).to_contain_text("leftovers")
    expect(tree).to_contain_text("column legacy: to drop")

    page.locator(".item[data-id='table:customers'] .name").click()
    expect(page.locator("table.side-by-side")).to_contain_text("`legacy` int(11)")
    expect(page.locator("table.side-by-side tr.delete, table.side-by-side tr.replace").first).to_be_visible()

    page.click("#show-script")
    expect(page.locator("#script-text")).to_contain_text("CREATE TABLE `orders`")
    expect(page.locator("#script-warnings")).to_contain_text("drop table leftovers")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "schema-compare.png"), full_page=True)

    # Leave the leftovers table alone: untick it, apply the rest.
    page.locator(".item[data-id='table:leftovers'] input.pick").uncheck()
    page.click("#apply")
    dialog = page.locator("#plan-dialog")
    expect(dialog).to_contain_text(f"Make {COPY}")
    expect(dialog.locator(".plan-run")).to_be_disabled()
    dialog.locator(".plan-confirm").fill(COPY)
    dialog.locator(".plan-run").click()
    expect(page.locator("#apply-result")).to_contain_text("Applied")
    # Compared again at once: only the unticked table is left.
    expect(page.locator("#compare-summary")).to_contain_text("1 differences")
    expect(tree.locator(".item")).to_have_count(1)
    assert (
        db.get(
            "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'leftovers'",
            COPY,
        ).n
        == 1
    )
    db.close()


def test_a_dump_file_is_loaded_as_the_source_and_removed(page, running_app, mariadb, shop_db, tmp_path):
    from tests.admin.test_api_compare import SMALL, SMALL_SCHEMA, mariadb_dump

    db = admin_connection(mariadb)
    db.execute(f"CREATE DATABASE `{SMALL}`")
    db.use(SMALL)
    for statement in SMALL_SCHEMA:
        db.execute(statement)
    dump = tmp_path / "small.sql"
    dump.write_bytes(mariadb_dump(mariadb, SMALL))
    connect(page, running_app, mariadb)
    page.goto(f"{running_app.base_url}/db/{SMALL}/compare")
    with page.expect_file_chooser() as chooser:
        page.click("#load-dump")
    chooser.value.set_files(str(dump))
    expect(page.locator("#dump-status")).to_contain_text("small.sql is loaded as eddy_dump_")
    scratch = page.locator("#source-database").input_value()
    assert scratch.startswith("eddy_dump_")
    page.select_option("#target-database", SMALL)
    page.click("#compare-run")
    expect(page.locator("#compare-summary")).to_contain_text("No differences")
    page.click("#drop-dump")
    expect(page.locator("#drop-dump")).to_be_hidden()
    expect(page.locator("#source-database")).to_have_value(SMALL)
    assert not db.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", scratch)
    db.close()
