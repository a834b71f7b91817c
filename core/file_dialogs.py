"""Native open/save dialogs of the pywebview window, offered to the server (app.file_dialogs).

The launcher sets `app.file_dialogs = WindowFileDialogs(window, app.store)`; in browser or
--no-window mode it stays None and the UI uploads files and downloads exports instead (and the
connection form keeps plain path fields). Tests use a fake with the same two methods.

Dialogs open in the folder used last (kept in the per-user store), else Documents, else home:
never the process's working folder, which for a desktop app is wherever it happened to start.
"""

import logging
import os
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("eddy.dialogs")

IMPORT_TYPES = ("Data files (*.csv;*.tsv;*.txt;*.sql)", "All files (*.*)")
FOLDER_SETTING = "dialogs.last_folder"


def default_folder() -> str:
    """The user's Documents folder when there is one, else home."""
    try:
        from platformdirs import user_documents_dir

        documents = Path(user_documents_dir())
        if documents.is_dir():
            return str(documents)
    except (ImportError, OSError) as exc:
        log.debug("No Documents folder: %s", exc)
    return str(Path.home())


class WindowFileDialogs:
    def __init__(self, window, store=None):
        self.window = window
        self.store = store

    def start_folder(self) -> str:
        last = self.store.get_setting(FOLDER_SETTING) if self.store is not None else None
        if isinstance(last, str) and os.path.isdir(last):
            return last
        return default_folder()

    def _remember(self, path: str | None) -> None:
        if path and self.store is not None:
            self.store.set_setting(FOLDER_SETTING, str(Path(path).parent))

    def open_file(self, file_types: Sequence[str] = IMPORT_TYPES) -> str | None:
        """The chosen file's path, or None when the user cancelled. Blocks until answered."""
        import webview

        result = self.window.create_file_dialog(
            webview.FileDialog.OPEN, directory=self.start_folder(), allow_multiple=False, file_types=tuple(file_types)
        )
        path = _first(result)
        self._remember(path)
        return path

    def save_file(self, filename: str, file_types: Sequence[str] = ()) -> str | None:
        import webview

        result = self.window.create_file_dialog(
            webview.FileDialog.SAVE, directory=self.start_folder(), save_filename=filename, file_types=tuple(file_types)
        )
        path = _first(result)
        self._remember(path)
        return path


def _first(result) -> str | None:
    if not result:
        return None
    if isinstance(result, str):
        return result
    return str(result[0])
