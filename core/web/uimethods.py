"""Template helpers (Tornado ui_methods): each takes the handler first."""

from urllib.parse import quote


def human_size(handler, n) -> str:
    """1536 -> '1.5 KiB'."""
    if n is None:
        return "–"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{int(n)} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def human_duration(handler, seconds) -> str:
    """0.0123 -> '12.3 ms'; 75 -> '1 min 15 s'."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s"


def human_count(handler, n) -> str:
    return "–" if n is None else f"{int(n):,}"


def path_segment(handler, name: str) -> str:
    """One URL path segment: everything escaped, '/' included."""
    return quote(name, safe="")
