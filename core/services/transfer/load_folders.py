"""Private folders for LOAD DATA's pipes, and removing those a killed Eddy left behind.

Kept apart from load_data (which imports the whole import path) so that start-up can clean up
without importing it.
"""

import os
import secrets
import shutil
import tempfile
from pathlib import Path

LOAD_FOLDER_PREFIX = "eddy-load-"


def new_load_folder() -> Path:
    """A private folder for one load's pipe, named after this process so a later start can tell
    an abandoned one (its process is gone) from one in use."""
    folder = Path(tempfile.gettempdir()) / f"{LOAD_FOLDER_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    return folder


def clean_leftover_load_folders(base: Path | None = None) -> int:
    """Remove load folders left by Eddy processes that ended without cleaning up (killed, crashed).
    Only our own user's folders, only of processes that no longer run. Returns how many went."""
    base = Path(base or tempfile.gettempdir())
    removed = 0
    for folder in base.glob(LOAD_FOLDER_PREFIX + "*"):
        pid_text = folder.name[len(LOAD_FOLDER_PREFIX) :].split("-", 1)[0]
        try:
            if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            pid = int(pid_text)
        except (ValueError, OSError, AttributeError):
            continue  # not one of ours (or no getuid: Windows; its temp folder is per user)
        if pid == os.getpid() or _process_alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, another user's
    return True
