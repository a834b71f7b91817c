"""Files taking part in transfers, known to the browser only by token: uploads and dialog choices.

The browser never names a path on disk: an upload gets a token, and so does a path the user
picked in the native dialog. Tokens belong to the session that made them.
"""

import contextlib
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

KEEP_PER_OWNER = 4


@dataclass
class TransferFile:
    token: str
    path: Path
    name: str
    owner: str | None
    temporary: bool  # ours to delete (an upload, or an export waiting for download)
    purpose: str = "read"  # "read" (import from it) or "write" (export into it)


class TransferFiles:
    def __init__(self, folder: Path | None = None):
        if folder:
            self.folder = Path(folder)
            shutil.rmtree(self.folder, ignore_errors=True)  # leftovers of a run that crashed
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="eddy-transfer-"))
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._files: dict[str, TransferFile] = {}
        self._lock = threading.Lock()

    def new_temp_path(self, suffix: str = "") -> Path:
        return self.folder / (secrets.token_hex(12) + suffix)

    def add(self, path: Path, name: str, owner: str | None, temporary: bool, purpose: str = "read") -> TransferFile:
        entry = TransferFile(secrets.token_urlsafe(16), Path(path), name, owner, temporary, purpose)
        with self._lock:
            self._files[entry.token] = entry
            old = [f for f in self._files.values() if f.owner == owner and f.purpose == purpose and f.temporary]
        # Downloads stay until newer ones replace them (a second click still works); disk use stays bounded.
        for stale in old[:-KEEP_PER_OWNER]:
            self.discard(stale.token)
        return entry

    def get(self, token: str | None, owner: str | None, purpose: str = "read") -> TransferFile | None:
        with self._lock:
            entry = self._files.get(token or "")
        if entry is None or entry.owner != owner or entry.purpose != purpose:
            return None
        return entry

    def discard(self, token: str) -> None:
        with self._lock:
            entry = self._files.pop(token, None)
        if entry is not None and entry.temporary:
            entry.path.unlink(missing_ok=True)

    def discard_owner(self, owner: str) -> None:
        """Forget every file of a session that closed (temporary ones are deleted)."""
        with self._lock:
            tokens = [t for t, f in self._files.items() if f.owner == owner]
        for token in tokens:
            self.discard(token)

    def close(self) -> None:
        with self._lock:
            self._files.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def discard_partial(file, path: Path) -> None:
    """Close and delete a half-written file (an upload that failed or was cancelled). Freeing GBs of
    disk takes a while: callers on the IOLoop run this in a worker."""
    with contextlib.suppress(OSError):  # a full disk refusing the last bytes: they are thrown away anyway
        file.close()
    path.unlink(missing_ok=True)
