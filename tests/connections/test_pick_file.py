"""Browse… for the connection form's file fields, and where native dialogs open."""

import os
from pathlib import Path

from playwright.sync_api import expect

from core.file_dialogs import FOLDER_SETTING, WindowFileDialogs
from core.store import Store


class ChoosingDialogs:
    """Stands in for the window's dialogs: answers with a path, records what it was asked."""

    def __init__(self, path):
        self.path = path
        self.asked = []

    def open_file(self, file_types=()):
        self.asked.append(tuple(file_types))
        return self.path

    def save_file(self, filename, file_types=()):
        return None


def test_pick_file_answers_the_chosen_path_or_says_there_is_no_window(user, running_app, tmp_path):
    assert user.post_json("/api/connections/pick-file", {"field": "tls_ca"}).status == 409, "browser: no dialog"
    ca = tmp_path / "ca.pem"
    running_app.app.file_dialogs = dialogs = ChoosingDialogs(str(ca))
    answer = user.post_json("/api/connections/pick-file", {"field": "tls_ca"})
    assert answer.status == 200 and answer.json() == {"path": str(ca)}
    assert "Certificates" in dialogs.asked[0][0]
    running_app.app.file_dialogs = ChoosingDialogs(None)
    assert user.post_json("/api/connections/pick-file", {"field": "ssh_key_path"}).json() == {"cancelled": True}
    for bad in ({"field": "password"}, {"field": ["tls_ca"]}, {"field": "x" * 100_000}, {}, ["tls_ca"]):
        response = user.post_json("/api/connections/pick-file", bad)
        assert response.status == 400 and "error" in response.json(), bad
    assert user.post_json("/api/connections/pick-file", {"field": "tls_ca"}, xsrf=False).status == 403


def test_browse_buttons_only_in_the_window(user, running_app):
    assert "data-browse" not in user.get("/connections/new").text, "a browser keeps the plain path fields"
    running_app.app.file_dialogs = ChoosingDialogs(None)
    page = user.get("/connections/new").text
    for field in ("tls_ca", "tls_cert", "tls_key", "ssh_key_path"):
        assert f'data-browse="{field}"' in page


def test_browse_fills_the_field(page, running_app, tmp_path):
    key = tmp_path / "id_ed25519"
    running_app.app.file_dialogs = ChoosingDialogs(str(key))
    page.goto(running_app.launch_url)
    page.goto(running_app.base_url + "/connections/new")
    page.click("[data-browse=ssh_key_path]")
    expect(page.locator("input[name=ssh_key_path]")).to_have_value(str(key))


class RecordingWindow:
    """The pywebview window's create_file_dialog, recording its arguments."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def create_file_dialog(self, dialog_type, directory="", **kwargs):
        self.calls.append(directory)
        return self.answer


def test_dialogs_start_in_the_last_folder_used_else_documents_or_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "Documents"))
    monkeypatch.chdir(tmp_path)  # the working folder: never where a dialog opens
    store = Store(tmp_path / "eddy.sqlite3")
    try:
        chosen = home / "exports" / "orders.csv"
        chosen.parent.mkdir()
        window = RecordingWindow([str(chosen)])
        dialogs = WindowFileDialogs(window, store)
        assert dialogs.save_file("orders.csv") == str(chosen)
        assert window.calls[0] == str(home / "Documents")
        assert store.get_setting(FOLDER_SETTING) == str(chosen.parent)
        dialogs.open_file()
        assert window.calls[1] == str(chosen.parent), "the next dialog opens where the last one ended"
        chosen.parent.rename(home / "moved")
        dialogs.open_file()
        assert window.calls[2] == str(home / "Documents"), "a folder that is gone falls back"
        (home / "Documents").rmdir()
        dialogs.open_file()
        assert window.calls[3] == str(home)
        assert os.getcwd() not in window.calls
        assert all(Path(c).is_absolute() for c in window.calls)
    finally:
        store.close()
