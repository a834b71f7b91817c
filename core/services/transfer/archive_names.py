"""Safe, unique member names for a whole-database zip: a table named `../../x` or `/etc/cron.d/x`
must not become a path that an unzip tool writes outside the folder it extracts into."""

import re
import unicodedata

# Separators, NUL/control characters and what Windows cannot have in a file name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_STEM = 120  # characters: far below every file system's 255-byte name limit once UTF-8 encoded


def safe_stem(name: str) -> str:
    """A file name stem that stays inside the extraction folder on Linux, macOS and Windows."""
    stem = unicodedata.normalize("NFC", name)
    stem = _UNSAFE.sub("_", stem).strip(" .")  # no leading dots (".." / hidden), no trailing dot/space
    if not stem or stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    while len(stem.encode("utf-8")) > MAX_STEM * 2 or len(stem) > MAX_STEM:
        stem = stem[:-1]
    return stem


def member_names(names: list[str], extension: str) -> list[str]:
    """One member name per table, in order: safe, and unique even where file systems ignore case."""
    taken: set[str] = set()
    out = []
    for name in names:
        stem = safe_stem(name)
        candidate, n = stem, 1
        while (candidate + extension).casefold() in taken:
            n += 1
            candidate = f"{stem}~{n}"
        taken.add((candidate + extension).casefold())
        out.append(candidate + extension)
    return out
