"""Saved connections in headless Chromium: create, test, connect, see the colour and read-only badge."""

import re
import threading

from playwright.sync_api import expect

from core.services.connections import secrets
from tests.connections.conftest import MemoryKeyring, no_keyring  # noqa: F401 (fixture)
from tests.ui.test_e2e_browse import follow_workspace_tab


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


def test_save_on_connect_asks_for_a_name_and_lands_in_the_workspace(page, running_app, mariadb, no_keyring):  # noqa: F811
    """No keyring here: the note is beside the checkbox (once), and connecting still lands on the
    databases, not on the Connections page."""
    page.goto(running_app.launch_url)
    form = page.locator("#connect-form")
    form.locator("input[name=host]").fill(mariadb.user.host)
    form.locator("input[name=port]").fill(str(mariadb.user.port))
    form.locator("input[name=user]").fill(mariadb.user.user)
    form.locator("input[name=password]").fill(mariadb.user.password)
    name = page.locator("#profile-name")
    expect(name).to_be_hidden()
    page.check("#save-profile")
    expect(name).to_have_value(f"{mariadb.user.user}@{mariadb.user.host}:{mariadb.user.port}")
    expect(page.locator("#keyring-note")).to_have_count(1)
    expect(page.locator("#keyring-note")).to_contain_text("Passwords cannot be saved here")
    name.fill("Shop on the test server")
    form.locator("button[type=submit]").click()
    follow_workspace_tab(page, running_app, "/")
    expect(page.locator("#databases")).to_be_visible()
    expect(page.get_by_text("Passwords cannot be saved here")).to_have_count(0)
    profiles = [p["name"] for p in running_app.app.store.list_profiles()]
    assert profiles == ["Shop on the test server"]
    page.goto(running_app.base_url + "/connections")
    expect(page.get_by_text("Passwords cannot be saved here")).to_have_count(1)  # the list's banner only


def test_the_first_login_page_asks_the_keyring_after_it_shows(page, running_app, no_keyring, monkeypatch):  # noqa: F811
    """The first page of a run is served before the keyring's first (slow) answer: the note under
    "Save as a connection" comes from /api/keyring-note, and the label stops promising the keyring."""
    monkeypatch.setattr(secrets, "_asked", threading.Event())  # a run that has not asked it yet
    page.goto(running_app.launch_url)
    page.check("#save-profile")
    expect(page.locator("#keyring-note")).to_be_visible()
    expect(page.locator("#keyring-note")).to_contain_text("Passwords cannot be saved here: no OS keyring backend")
    expect(page.locator("label.check", has=page.locator("#save-profile"))).to_have_text("Save as a connection")
    assert secrets.asked_before()
