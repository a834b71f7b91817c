"""Writing a file the user chose in the native save dialog: a cell's value, a result's export, a
sync script. One place says why a write failed, in the words every handler answered with before."""

from collections.abc import Iterable

from core.services.errors import ServiceError


class SaveFailed(ServiceError):
    """The chosen file could not be written (folder gone, permission, full disk)."""


def save_file(path: str, data: bytes | str | Iterable[str | bytes]) -> int:
    """Write data (bytes, text, or chunks of either; text as UTF-8, newlines as given) to path;
    the number of bytes written."""
    chunks = [data] if isinstance(data, (bytes, str)) else data
    written = 0
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                written += out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    except OSError as exc:
        raise SaveFailed(f"Could not write {path}: {exc.strerror or exc}") from exc
    return written
