"""Writing Eddy's own files (secrets, state, settings) so that a full or failing disk never leaves a
half-written one: a temp file beside the target, fsync, then os.replace (atomic on one file system),
readable by this user only. A failure leaves the old file (or none) and says which folder it was."""

import errno
import os
import tempfile
from pathlib import Path


class AppDataWriteFailed(OSError):
    """An app-data file could not be written; message names the folder and the reason."""

    def __init__(self, path: Path, exc: OSError):
        self.path = Path(path)
        self.folder = self.path.parent
        self.disk_full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = "the disk is full" if self.disk_full else (exc.strerror or str(exc))
        self.message = f"Could not write {self.path.name} in {self.folder}: {reason}."
        super().__init__(exc.errno, self.message)

    def __str__(self) -> str:
        return self.message


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `data` all at once (never a 0-byte or half file), permissions `mode`."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_folder(path.parent)
    except OSError as exc:
        raise AppDataWriteFailed(path, exc) from exc
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened this way on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
