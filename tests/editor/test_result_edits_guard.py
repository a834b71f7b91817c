"""Pending edits of a query result are not dropped without asking: re-running the query (or another
statement) in that tab, closing the tab, switching to another query or result tab, or leaving the
page asks first, in the words the workspace uses ("... has pending edits. ... and lose them?");
cancelling keeps the edits on screen (and the tab shown)."""

import re

from playwright.sync_api import expect

from tests.editor.test_result_grid_ui import SHOTS, cell, run, stock  # noqa: F401  (the stock table fixture)
from tests.ui.test_e2e_sql_editor import editor, type_sql  # noqa: F401  (the editor page fixture)

PROMPT = re.compile(r'^".+" has pending edits\. .+ and lose them\?$')


def edit_one(page):
    run(page, "SELECT id, item FROM stock ORDER BY id", 3)
    expect(page.locator("#result-edit-note")).to_have_text("editable: stock")
    cell(page, 1, 1).dblclick()
    page.locator(".dg-editor").fill("quince")
    page.keyboard.press("Enter")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")


def answer(page, accept):
    """Answers every confirm with accept; returns the list their messages are put in."""
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", on_dialog)
    return asked


def test_rerunning_with_pending_edits_asks_and_cancel_keeps_them(editor, stock):  # noqa: F811
    page = editor
    edit_one(page)
    asked = answer(page, accept=False)
    page.click("#editor .cm-content")
    page.keyboard.press("Control+Enter")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked
    assert "Run" in asked[0]
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    expect(cell(page, 1, 1)).to_have_text("quince")
    expect(cell(page, 1, 1)).to_have_class(re.compile(r"\bpending\b"))
    page.screenshot(path=f"{SHOTS}/result-edits-kept.png")  # after Cancel: the edit still pending
    # Another statement in that tab asks too; the Run button as well as the key.
    type_sql(page, "SELECT 1 AS one")
    page.keyboard.press("Escape")
    page.click("#run-all")
    page.wait_for_timeout(300)
    assert len(asked) == 2, asked
    expect(page.locator("#pending-count")).to_have_text("1 pending change")


def test_rerunning_with_pending_edits_runs_once_accepted_and_a_clean_result_does_not_ask(editor, stock):  # noqa: F811
    page = editor
    edit_one(page)
    asked = answer(page, accept=True)
    page.click("#editor .cm-content")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#pending-count")).to_have_text("")
    expect(cell(page, 1, 1)).to_have_text("pear")  # read anew: the edit was dropped, as asked
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked
    # The fresh result holds no pending edit: running again does not ask.
    page.keyboard.press("Control+Enter")
    expect(page.locator("#sql-page")).to_have_attribute("data-job-state", "done")
    page.wait_for_timeout(300)
    assert len(asked) == 1, asked


def test_closing_the_query_tab_with_pending_edits_asks(editor, stock):  # noqa: F811
    page = editor
    page.click("#new-tab")
    expect(page.locator("#query-tabs .qtab[data-tab]")).to_have_count(2)
    edit_one(page)
    asked = answer(page, accept=False)
    page.locator("#query-tabs .qtab.current .close").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and PROMPT.match(asked[0]) and "Close it" in asked[0], asked
    expect(page.locator("#query-tabs .qtab[data-tab]")).to_have_count(2)
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    expect(cell(page, 1, 1)).to_have_text("quince")


def test_closing_the_query_tab_once_accepted_closes_it(editor, stock):  # noqa: F811
    page = editor
    page.click("#new-tab")
    edit_one(page)
    asked = answer(page, accept=True)
    page.locator("#query-tabs .qtab.current .close").click()
    expect(page.locator("#query-tabs .qtab[data-tab]")).to_have_count(1)
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked


def test_leaving_the_page_with_pending_edits_asks_as_the_table_page_does(editor, stock):  # noqa: F811
    page = editor
    leave = (
        "() => { const e = new Event('beforeunload', {cancelable: true});"
        " window.dispatchEvent(e); return e.defaultPrevented; }"
    )
    run(page, "SELECT id, item FROM stock ORDER BY id", 3)
    assert page.evaluate(leave) is False  # nothing pending: leaving does not ask
    cell(page, 1, 1).dblclick()
    page.locator(".dg-editor").fill("quince")
    page.keyboard.press("Enter")
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    assert page.evaluate(leave) is True


def still_pending(page):
    expect(page.locator("#pending-count")).to_have_text("1 pending change")
    expect(cell(page, 1, 1)).to_have_text("quince")
    expect(cell(page, 1, 1)).to_have_class(re.compile(r"\bpending\b"))


def test_showing_another_result_tab_with_pending_edits_asks_and_cancel_stays(editor, stock):  # noqa: F811
    page = editor
    edit_one(page)
    asked = answer(page, accept=False)
    page.locator("#result-tabs .rtab", has_text="Messages").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked
    expect(page.locator("#result-tabs .rtab.current")).to_contain_text("Result 1")
    still_pending(page)
    # Clicking the result tab already shown does not ask.
    page.locator("#result-tabs .rtab.current").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1, asked
    still_pending(page)


def test_switching_query_tabs_with_pending_edits_asks_and_cancel_stays(editor, stock):  # noqa: F811
    page = editor
    page.click("#new-tab")
    expect(page.locator("#query-tabs .qtab[data-tab]")).to_have_count(2)
    edit_one(page)
    asked = answer(page, accept=False)
    page.locator("#query-tabs .qtab[data-tab]").first.click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked
    expect(page.locator("#query-tabs .qtab[data-tab]").nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    still_pending(page)
    # A new tab ("+") asks too, and Cancel adds none.
    page.click("#new-tab")
    page.wait_for_timeout(300)
    assert len(asked) == 2, asked
    expect(page.locator("#query-tabs .qtab[data-tab]")).to_have_count(2)
    still_pending(page)


def test_switching_result_tabs_once_accepted_drops_the_edits(editor, stock):  # noqa: F811
    page = editor
    edit_one(page)
    asked = answer(page, accept=True)
    page.locator("#result-tabs .rtab", has_text="Messages").click()
    expect(page.locator("#result-tabs .rtab.current")).to_contain_text("Messages")
    assert len(asked) == 1 and PROMPT.match(asked[0]), asked
    page.locator("#result-tabs .rtab", has_text="Result 1").click()
    expect(cell(page, 1, 1)).to_have_text("pear")
    expect(page.locator("#pending-count")).to_have_text("")
    assert len(asked) == 1, asked
