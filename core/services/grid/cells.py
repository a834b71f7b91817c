"""How a database value is shown: NULL, binary, long text, dates — kept apart from each other."""

import datetime
import decimal

MAX_SAFE_JS_INT = 2**53 - 1


def format_timedelta(value: datetime.timedelta, fsp: int | None = None) -> str:
    """MySQL TIME text: [-]HH:MM:SS[.ffffff], hours may exceed 24; fsp: the column's fraction digits."""
    total = value.days * 86400 + value.seconds
    sign = "-" if total < 0 or (total == 0 and value.microseconds < 0) else ""
    micro = value.microseconds
    if total < 0:
        total, micro = -total - (1 if micro else 0), (1_000_000 - micro) % 1_000_000
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{sign}{h:02d}:{m:02d}:{s:02d}"
    if fsp is not None:
        return f"{text}.{micro:06d}"[: len(text) + 1 + fsp] if fsp else text
    return f"{text}.{micro:06d}" if micro else text


TEMPORAL_TYPES = {"time", "datetime", "timestamp"}


def fraction_digits(column_type: str) -> int | None:
    """The fractional-second digits of a TIME/DATETIME/TIMESTAMP column type ("datetime(6)": 6), else None."""
    base, _, rest = (column_type or "").lower().partition("(")
    if base.strip() not in TEMPORAL_TYPES:
        return None
    digits = rest.split(")", 1)[0].strip()
    return int(digits) if digits.isdigit() else 0


def temporal_text(value, fsp: int):
    """A time value as the server prints it for a column with `fsp` fraction digits (trailing zeros kept)."""
    if isinstance(value, datetime.timedelta):
        return format_timedelta(value, fsp)
    if isinstance(value, (datetime.datetime, datetime.time)):
        kwargs = {"sep": " "} if isinstance(value, datetime.datetime) else {}
        text = value.isoformat(timespec="microseconds", **kwargs)
        return text[: len(text) - 6 + fsp - (0 if fsp else 1)]
    return to_json(value)  # NULL, or text PyMySQL left alone (zero dates)


def to_text(value) -> str:
    """The value as the server would print it (None must be handled by the caller)."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return format_timedelta(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (set, frozenset)):
        return ",".join(sorted(value))
    return str(value)


def to_json(value):
    """A JSON-safe form that keeps NULL (null) apart from the text 'NULL' and binary data apart
    from text ({"binary": hex, "size": n}); big integers and decimals travel as strings."""
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_JS_INT else str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"binary": bytes(value).hex(), "size": len(value)}
    return to_text(value)


TEXT_PREVIEW = 2_000  # characters of text a grid cell receives; the rest is read on demand
BINARY_PREVIEW = 512  # bytes of binary a grid cell receives


def preview_json(value):
    """A JSON cell cut for display ({"text", "length", "truncated"} / {"binary", "size", "truncated"}).

    Only drawn: whatever edits, copies or saves reads the real value (core.services.grid.cell_values)."""
    if isinstance(value, str) and len(value) > TEXT_PREVIEW:
        return {"text": value[:TEXT_PREVIEW], "length": len(value), "truncated": True}
    if isinstance(value, dict) and "binary" in value and len(value["binary"]) > 2 * BINARY_PREVIEW:
        return {"binary": value["binary"][: 2 * BINARY_PREVIEW], "size": value.get("size", 0), "truncated": True}
    return value
