"""Saved connections in headless Chromium: create, test, connect, see the colour and read-only badge."""

import re

from playwright.sync_api import expect

from tests.connections.conftest import MemoryKeyring


def test_create_test_and_connect_a_saved_read_only_connection(page, running_app, mariadb):
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(running_app.launch_url)
        expect(page).to_have_url(re.compile(r"/login"))
        page.click("#manage-connections")
        page.click("#new-connection")
        page.fill("input[name=name]", "Reporting <ro>")
        page.select_option("select[name=color]", "red")
        page.fill("input[name=host]", mariadb.user.host)
        page.fill("input[name=port]", str(mariadb.user.port))
        page.fill("input[name=user]", mariadb.user.user)
        page.fill("input[name=db_password]", mariadb.user.password)
        page.check("input[name=read_only]")
        page.click("#test-connection")
        expect(page.locator("#test-result")).to_contain_text(re.compile(r"Connected: server .*MariaDB.*latency"))
        page.fill("input[name=db_password]", "Wr0ng")
        page.click("#test-connection")
        expect(page.locator("#test-result")).to_contain_text("Access denied")
        page.fill("input[name=db_password]", mariadb.user.password)
        page.click("button[type=submit].primary")
        expect(page.locator("#saved-connections")).to_contain_text("Reporting <ro>")
        page.click("#saved-connections button:text-is('Connect')")
        expect(page.locator("#active-connection")).to_contain_text("Reporting <ro>")
        expect(page.locator("#read-only-badge")).to_be_visible()
        # This account may write: the page says the guarantee is Eddy's check, not the server's.
        expect(page.locator("#read-only-badge")).to_have_text("read-only · Eddy")
        expect(page.locator("#read-only-badge")).to_have_attribute("title", re.compile("use an account without write"))
        page.screenshot(path="/tmp/shots-security/read-only-badge.png")
        expect(page.locator("#active-connection .color-tag.tag-red")).to_be_visible()
        assert csp_errors == [], csp_errors
    finally:
        keyring.set_keyring(previous)
