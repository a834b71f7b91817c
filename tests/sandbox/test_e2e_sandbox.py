"""The sandbox panel and the first-run tour in headless Chromium."""

import re
import shutil

from playwright.sync_api import expect


def open_connect_screen(page, running_app):
    running_app.app.probe_ports = ()  # never probe the machine's own 3306 from tests
    running_app.app.probe_sockets = ()
    page.goto(running_app.launch_url)
    expect(page).to_have_url(re.compile(r"/login"))
    panel = page.locator("#sandbox-panel")
    expect(panel).not_to_have_attribute("data-state", "loading")
    return panel


def test_sample_data_in_one_click_then_delete_with_confirmation(page, running_app):
    try:
        panel = open_connect_screen(page, running_app)
        expect(panel).to_have_attribute("data-state", "absent")
        expect(panel).to_have_class(re.compile("prominent"))  # no saved connection yet
        expect(panel.locator("[data-action=start]")).to_have_text("Start a local sandbox")
        expect(panel.locator("#sandbox-server-path")).to_be_hidden()  # a server binary was found
        panel.locator("[data-action=sample]").click()
        expect(page).to_have_url(re.compile(r"/db/eddy_shop$"), timeout=60_000)
        expect(page.locator("#tables")).to_contain_text("order_items")
        page.click("#tables a:text-is('customers')")
        expect(page.locator("#grid")).to_contain_text("@example.com")

        page.goto(running_app.base_url + "/login")
        expect(panel).to_have_attribute("data-state", "running")
        delete = panel.locator("[data-action=delete]")
        delete.click()
        expect(delete).to_have_text(re.compile("Click again"))
        expect(panel).to_have_attribute("data-state", "running")  # one click deletes nothing
        delete.click()
        expect(panel).to_have_attribute("data-state", "absent", timeout=30_000)
        assert not (running_app.app.sandbox.base / "data").exists()
    finally:
        running_app.app.sandbox.delete()


def test_tour_steps_and_stays_dismissed(page, running_app):
    # Playwright marks the browser as automated, which hides the tour from other UI tests.
    page.add_init_script("Object.defineProperty(navigator, 'webdriver', {get: () => false})")
    open_connect_screen(page, running_app)
    tour = page.locator("#tour")
    expect(tour).to_contain_text("Connect")
    tour.locator(".tour-next").click()
    expect(tour.locator(".tour-title")).to_have_text("Browse")
    for title in ("Query", "Import", "Export"):
        tour.locator(".tour-next").click()
        expect(tour.locator(".tour-title")).to_have_text(title)
    expect(tour.locator(".tour-next")).to_have_text("Done")
    tour.locator(".tour-back").click()
    expect(tour.locator(".tour-title")).to_have_text("Import")
    tour.locator(".tour-skip").click()
    expect(tour).to_have_count(0)
    page.wait_for_function("fetch('/api/tour').then(r => r.json()).then(d => d.dismissed)")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-tour", "dismissed")
    expect(page.locator("#tour")).to_have_count(0)


def test_no_server_binary_shows_the_install_hint_and_takes_a_path(page, running_app):
    running_app.app.sandbox.server_path = "/nowhere/mariadbd"
    panel = open_connect_screen(page, running_app)
    expect(panel).to_have_attribute("data-state", "unavailable")
    expect(panel.locator("#sandbox-hint")).to_contain_text("Install MariaDB")
    expect(panel.locator("[data-action=start]")).to_be_hidden()
    form = panel.locator("#sandbox-server-path")
    expect(form).to_be_visible()
    form.locator("input").fill("/still/nowhere/mysqld")
    form.locator("button").click()
    expect(panel.locator("#sandbox-error")).to_contain_text("/still/nowhere/mysqld")
    real = shutil.which("mariadbd", path="/usr/sbin:/usr/bin:/usr/local/sbin") or shutil.which("mysqld")
    form.locator("input").fill(real)
    form.locator("button").click()
    expect(panel).to_have_attribute("data-state", "absent")
    expect(form).to_be_hidden()
    expect(panel.locator("[data-action=start]")).to_be_visible()
