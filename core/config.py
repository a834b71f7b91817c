"""Where Eddy's files live: bundled resources (source tree or PyInstaller) and per-user data."""

import logging
import os
import re
import secrets
import sys
from pathlib import Path

import platformdirs

from core.appdata import AppDataWriteFailed, write_atomic

log = logging.getLogger("eddy.config")

APP_NAME = "Eddy"


def resource_root() -> Path:
    """The folder holding ui/ — the source checkout, or PyInstaller's unpack dir."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def user_data_dir() -> Path:
    """Per-user app data folder; EDDY_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("EDDY_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return make_private(path)


def make_private(path: Path) -> Path:
    """Create the data folder, or tighten one that exists, to 0700 with its files 0600: logs, transfer
    temp files and uploaded CSVs are nobody else's business (mkdir's mode applies only to a new folder)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "posix":
        return path  # Windows: the profile folder's ACL already keeps other users out
    _tighten(path, 0o700)
    for entry in path.iterdir():
        if entry.is_symlink():
            continue  # never follow a link out of our folder
        if entry.is_file():
            _tighten(entry, 0o600)
        elif entry.is_dir() and entry.name == "transfer-tmp":
            _tighten(entry, 0o700)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except OSError:
        pass  # not ours to change (another owner): the folder above is 0700 either way


_SECRET_TEXT = re.compile(r"[A-Za-z0-9_-]{32,}")


def _read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """The secret in `path`; a missing, empty or damaged file (a full disk once left a 0-byte one)
    is replaced by a new secret, written atomically (core.appdata)."""
    try:
        value = path.read_text(encoding="ascii").strip()
        if _SECRET_TEXT.fullmatch(value):
            return value
        log.warning("%s is empty or damaged: making a new one", path)
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s cannot be read (%s): making a new one", path, exc)
    value = secrets.token_urlsafe(nbytes)
    write_atomic(path, value.encode("ascii"))
    return value


def cookie_secret(data_dir: Path | None = None, notices: list | None = None) -> str:
    """The per-install cookie-signing secret, generated on first use.

    When it cannot be written (a full disk), Eddy starts with a secret for this launch only and
    says so in `notices`: sign-ins then last until Eddy is closed."""
    path = (data_dir or user_data_dir()) / "cookie_secret"
    try:
        return _read_or_create_secret(path)
    except AppDataWriteFailed as exc:
        log.warning("%s Using a secret for this launch only.", exc.message)
        if notices is not None:
            notices.append(f"{exc.message} Eddy runs with a sign-in secret for this launch only; free some space.")
        return secrets.token_urlsafe(32)


def new_launch_token() -> str:
    """A fresh secret for one launch; the window's first URL carries it."""
    return secrets.token_urlsafe(32)
