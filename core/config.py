"""Where Eddy's files live: bundled resources (source tree or PyInstaller) and per-user data."""

import os
import secrets
import sys
from pathlib import Path

import platformdirs

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


def _read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(nbytes)
    # Create with 0600 from the start: the secret signs every cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def cookie_secret(data_dir: Path | None = None) -> str:
    """The per-install cookie-signing secret, generated on first use."""
    return _read_or_create_secret((data_dir or user_data_dir()) / "cookie_secret")


def new_launch_token() -> str:
    """A fresh secret for one launch; the window's first URL carries it."""
    return secrets.token_urlsafe(32)
