"""What the About and Logs pages show: version, where files live, licences, the log's tail."""

import re
import sys
from collections import deque
from importlib import metadata
from pathlib import Path

from core import __version__, config

LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE)", re.I)


def runtime_packages() -> list[str]:
    """Names pinned in requirements.txt (bundled into the executable)."""
    path = config.resource_path("requirements.txt")
    names = []
    try:
        for line in path.read_text().splitlines():
            match = re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip())
            if match:
                names.append(match.group(1))
    except OSError:
        pass
    return names


def licences() -> list[dict]:
    """[{package, files: [(name, text)]}] — from the bundle's LICENSES/ when frozen, else from the
    installed packages' metadata (the same files the build copies)."""
    bundled = config.resource_path("LICENSES")
    found = []
    if bundled.is_dir():
        for folder in sorted(bundled.iterdir(), key=lambda p: p.name.lower()):
            files = [(f.name, f.read_text(errors="replace")) for f in sorted(folder.iterdir()) if f.is_file()]
            found.append({"package": folder.name, "files": files})
        return found
    for name in runtime_packages():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        files = []
        for file in dist.files or []:
            if LICENCE_FILE.search(file.name):
                try:
                    files.append((file.name, Path(file.locate()).read_text(errors="replace")))
                except OSError:
                    continue
        found.append({"package": dist.metadata["Name"], "files": files})
    return sorted(found, key=lambda item: item["package"].lower())


def log_path() -> Path:
    return config.user_data_dir() / "eddy.log"


def log_tail(path: Path, lines: int = 400) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return list(deque(f, maxlen=lines))
    except OSError:
        return []


def facts() -> dict:
    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "frozen": bool(getattr(sys, "frozen", False)),
        "data_dir": str(config.user_data_dir()),
        "log_file": str(log_path()),
    }
