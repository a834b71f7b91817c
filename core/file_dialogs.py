"""Native open/save dialogs of the pywebview window, offered to the server (app.file_dialogs).

The launcher sets `app.file_dialogs = WindowFileDialogs(window)`; in browser or --no-window mode it
stays None and the UI uploads files and downloads exports instead. Tests use a fake with the
same two methods.
"""

from collections.abc import Sequence

IMPORT_TYPES = ("Data files (*.csv;*.tsv;*.txt;*.sql)", "All files (*.*)")


class WindowFileDialogs:
    def __init__(self, window):
        self.window = window

    def open_file(self, file_types: Sequence[str] = IMPORT_TYPES) -> str | None:
        """The chosen file's path, or None when the user cancelled. Blocks until answered."""
        import webview

        result = self.window.create_file_dialog(webview.FileDialog.OPEN, allow_multiple=False, file_types=file_types)
        return _first(result)

    def save_file(self, filename: str, file_types: Sequence[str] = ()) -> str | None:
        import webview

        result = self.window.create_file_dialog(webview.FileDialog.SAVE, save_filename=filename, file_types=file_types)
        return _first(result)


def _first(result) -> str | None:
    if not result:
        return None
    if isinstance(result, str):
        return result
    return str(result[0])
