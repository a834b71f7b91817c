"""Import and export in headless Chromium (browser mode: file input upload and a download)."""

import re

import pytest
from playwright.sync_api import expect

from core.db import Connection
from tests.transfer.conftest import DB
from tests.ui.test_e2e_browse import connect


@pytest.fixture
def pets(mariadb, transfer_db):
    conn = Connection(mariadb.admin)
    conn.execute(f"DROP TABLE IF EXISTS `{DB}`.pets")
    conn.execute(f"CREATE TABLE `{DB}`.pets (id INT PRIMARY KEY, name VARCHAR(40), note TEXT)")
    conn.executemany(f"INSERT INTO `{DB}`.pets VALUES (%s, %s, %s)", [(1, "Rex, 🐶", None), (2, "", "NULL")])
    yield conn
    conn.close()


def test_export_table_as_csv_download(page, running_app, mariadb, pets, tmp_path):
    connect(page, running_app, mariadb, database=DB)
    page.click("#tables a:text-is('pets')")
    page.click("#export-open")
    expect(page.locator("#export-dialog")).to_be_visible()
    expect(page.locator("#export-start")).to_have_text("Export")
    with page.expect_download() as info:
        page.click("#export-start")
    download = info.value
    assert download.suggested_filename == "pets.csv"
    path = tmp_path / "pets.csv"
    download.save_as(path)
    assert path.read_bytes() == '"id","name","note"\r\n1,"Rex, 🐶",\r\n2,"","NULL"\r\n'.encode()
    expect(page.locator("#export-done")).to_contain_text("Exported 2 rows")


def test_import_csv_with_preview_and_progress(page, running_app, mariadb, pets, tmp_path):
    source = tmp_path / "more pets.csv"
    source.write_text('id;name;note\n3;"Tom; the cat";\n4;"";NULL\n', encoding="utf-8")
    connect(page, running_app, mariadb, database=DB)
    page.click("#tables a:text-is('pets')")
    page.click("#import-open")
    page.set_input_files("#import-file", str(source))
    expect(page.locator("#import-preview")).to_contain_text("Tom; the cat")
    expect(page.locator("#import-form select[name=delimiter]")).to_have_value(";")
    expect(page.locator("#import-mapping tbody tr")).to_have_count(3)
    page.click("#import-start")
    expect(page.locator("#import-form [data-role=status]")).to_contain_text("Done: 2 rows imported")
    rows = pets.select(f"SELECT id, name, note FROM `{DB}`.pets WHERE id > 2 ORDER BY id").rows
    assert rows == [(3, "Tom; the cat", None), (4, "", "NULL")]


def test_import_error_is_shown_and_nothing_changes(page, running_app, mariadb, pets, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("id,name,note\n5,ok,\nnot a number,bad,\n", encoding="utf-8")
    connect(page, running_app, mariadb, database=DB)
    page.click("#tables a:text-is('pets')")
    page.click("#import-open")
    page.set_input_files("#import-file", str(source))
    expect(page.locator("#import-preview")).to_contain_text("not a number")
    page.click("#import-start")
    expect(page.locator("#import-error")).to_contain_text("line 3")
    assert pets.get(f"SELECT COUNT(*) AS n FROM `{DB}`.pets").n == 2


def test_database_page_creates_a_table_from_csv_with_editable_ddl(page, running_app, mariadb, pets, tmp_path):
    source = tmp_path / "visits.csv"
    source.write_text("day,count,who\n2024-01-02,3,Ann\n2024-01-03,5,\n", encoding="utf-8")
    pets.execute(f"DROP TABLE IF EXISTS `{DB}`.`visits 2`")
    connect(page, running_app, mariadb, database=DB)
    page.click("#import-open")
    page.set_input_files("#import-file", str(source))
    ddl = page.locator("textarea[name=create_sql]")
    expect(ddl).to_have_value(re.compile(r"CREATE TABLE `eddy_test_transfer`.`visits`"))
    expect(ddl).to_have_value(re.compile(r"`day` DATE NOT NULL"))
    ddl.fill(ddl.input_value().replace("`visits`", "`visits 2`"))
    page.click("#import-start")
    expect(page.locator("#import-form [data-role=status]")).to_contain_text("Done: 2 rows imported into visits 2")
    rows = pets.select(f"SELECT day, count, who FROM `{DB}`.`visits 2` ORDER BY day").rows
    assert [(str(r[0]), r[1], r[2]) for r in rows] == [("2024-01-02", 3, "Ann"), ("2024-01-03", 5, None)]
    pets.execute(f"DROP TABLE `{DB}`.`visits 2`")


def test_export_the_grids_filtered_and_sorted_view(page, running_app, mariadb, pets, tmp_path):
    """Export… on a filtered/sorted grid offers exactly that view (its SQL shown), not the table."""
    pets.executemany(f"INSERT INTO `{DB}`.pets VALUES (%s, %s, %s)", [(3, "Tom 'the cat'", "x"), (4, "Ada", "y")])
    connect(page, running_app, mariadb, database=DB)
    page.click("#tables a:text-is('pets')")
    page.locator(".dg-hcell", has_text="id").click()
    page.locator(".dg-hcell", has_text="id").click()  # id descending
    page.click("#btn-filter")
    page.click("#filter-add")  # the panel opens without a condition
    cond = page.locator(".filter-cond").first
    cond.locator(".f-col").select_option("note")
    cond.locator(".f-op").select_option("is not null")
    page.click("#filter-apply")
    expect(page.locator("#status-count")).to_have_text("3 rows")
    page.click("#export-open")
    query = page.locator("#export-form textarea[name=sql]")
    expect(query).to_be_visible()
    expect(query).to_have_value(f"SELECT * FROM `{DB}`.`pets` WHERE `note` IS NOT NULL ORDER BY `id` DESC")
    with page.expect_download() as info:
        page.click("#export-start")
    path = tmp_path / "view.csv"
    info.value.save_as(path)
    assert path.read_bytes() == b'"id","name","note"\r\n4,"Ada","y"\r\n3,"Tom \'the cat\'","x"\r\n2,"","NULL"\r\n'
