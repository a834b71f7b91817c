"""The sandbox panel and the first-run tour in headless Chromium."""

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def open_connect_screen(page, running_app):
    running_app.app.probe_ports = ()  # never probe the machine's own 3306 from tests
    running_app.app.probe_sockets = ()
    page.goto(running_app.launch_url)
    expect(page).to_have_url(re.compile(r"/login"))
    panel = page.locator("#sandbox-panel")
    expect(panel).not_to_have_attribute("data-state", "loading")
    return panel


def test_one_click_from_nothing_to_the_orders_grid_then_delete_with_confirmation(page, running_app):
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.set_viewport_size({"width": 1280, "height": 820})  # the window's default size
        panel = open_connect_screen(page, running_app)
        expect(panel).to_have_attribute("data-state", "absent")
        expect(panel).to_have_class(re.compile("prominent"))  # no saved connection yet
        start = panel.locator("[data-action=start]")
        expect(start).to_have_text("Start a local sandbox")
        expect(start).to_be_in_viewport(ratio=1)  # the choice is seen without scrolling
        expect(panel.locator("#sandbox-sample-option")).to_be_checked()
        expect(panel.locator("#sandbox-server-path")).to_be_hidden()  # a server binary was found
        page.screenshot(path=str(ARTIFACTS / "connect-1280x820.png"))
        start.click()
        expect(panel.locator("#sandbox-steps li[data-step=start]")).to_have_class(re.compile("active|done"))
        # It lands in the workspace window, the orders grid open in its one tab.
        expect(page).to_have_url(re.compile(r"/workspace$"), timeout=90_000)
        expect(page.locator("#ws-frames")).to_have_attribute("data-current-url", "/db/eddy_shop/table/orders")
        tab = page.frame_locator("#ws-frames iframe:not([hidden])")
        expect(tab.locator("#grid")).to_contain_text("Leave at the door")
        expect(page.locator(".tree-pane")).to_be_visible()

        # The sandbox has a saved connection; it finds the sandbox again after a stop and a restart.
        page.goto(running_app.base_url + "/login")
        expect(page.locator("#saved-connections")).to_contain_text("Local sandbox")
        running_app.app.sandbox.stop()
        page.reload()
        page.locator("#saved-connections li:has-text('Local sandbox') button:text-is('Connect')").click()
        expect(page).not_to_have_url(re.compile(r"/login|/connections"), timeout=60_000)

        page.goto(running_app.base_url + "/login")
        expect(panel).to_have_attribute("data-state", "running")
        expect(panel.locator("[data-action=start]")).to_have_text("Open the sandbox")
        expect(panel.locator("#sandbox-with-sample")).to_be_hidden()  # the shop is already there
        panel.locator("#sandbox-more summary").click()
        delete = panel.locator("[data-action=delete]")
        delete.click()
        expect(delete).to_have_text(re.compile("Click again"))
        expect(panel).to_have_attribute("data-state", "running")  # one click deletes nothing
        delete.click()
        expect(panel).to_have_attribute("data-state", "absent", timeout=30_000)
        assert not (running_app.app.sandbox.base / "data").exists()
    finally:
        running_app.app.sandbox.delete()


def test_tour_points_at_real_elements_follows_pages_and_resumes(page, running_app):
    # Playwright marks the browser as automated, which hides the tour from other UI tests.
    page.add_init_script("Object.defineProperty(navigator, 'webdriver', {get: () => false})")
    open_connect_screen(page, running_app)
    tour = page.locator("#tour")
    expect(tour.locator(".tour-title")).to_have_text("Connect")
    start = page.locator("#sandbox-panel [data-action=start]")
    expect(start).to_have_class(re.compile("tour-target"))  # the real button is highlighted
    expect(tour).to_have_class(re.compile("beside"))  # and the card sits beside it, arrow out
    expect(tour.locator(".tour-arrow")).to_be_visible()
    card, button = tour.bounding_box(), start.bounding_box()
    assert (
        card["x"] >= button["x"] + button["width"]
        or card["y"] >= button["y"] + button["height"]
        or (card["y"] + card["height"] <= button["y"])
    ), "the card does not cover what it points at"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tour-connect.png"))
    tour.locator(".tour-next").click()
    expect(tour.locator(".tour-title")).to_have_text("Browse")
    expect(tour.locator(".tour-elsewhere")).to_be_visible()  # no database list on the connect page
    expect(start).not_to_have_class(re.compile("tour-target"))
    page.wait_for_function("fetch('/api/tour').then(r => r.json()).then(d => d.step === 1)")

    page.goto(running_app.base_url + "/about")  # another page: the tour is still at step 2
    expect(tour.locator(".tour-step")).to_have_text("Step 2 of 5")
    tour.locator(".tour-skip").click()  # leave it
    expect(tour).to_have_count(0)
    page.wait_for_function("fetch('/api/tour').then(r => r.json()).then(d => d.dismissed)")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-tour", "dismissed")
    expect(page.locator("#tour")).to_have_count(0)

    page.goto(running_app.base_url + "/about/tour")  # Help > Take the tour again: resumes
    expect(tour.locator(".tour-title")).to_have_text("Browse")
    for title in ("Query", "Import", "Export"):
        tour.locator(".tour-next").click()
        expect(tour.locator(".tour-title")).to_have_text(title)
    expect(tour.locator(".tour-next")).to_have_text("Done")
    tour.locator(".tour-next").click()
    expect(tour).to_have_count(0)
    page.wait_for_function("fetch('/api/tour').then(r => r.json()).then(d => d.dismissed && d.step === 0)")


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
