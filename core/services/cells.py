"""How a database value is shown: NULL, binary, long text, dates — kept apart from each other."""

import datetime
import decimal

MAX_SAFE_JS_INT = 2**53 - 1


def format_timedelta(value: datetime.timedelta) -> str:
    """MySQL TIME text: [-]HH:MM:SS[.ffffff], hours may exceed 24."""
    total = value.days * 86400 + value.seconds
    sign = "-" if total < 0 or (total == 0 and value.microseconds < 0) else ""
    micro = value.microseconds
    if total < 0:
        total, micro = -total - (1 if micro else 0), (1_000_000 - micro) % 1_000_000
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{sign}{h:02d}:{m:02d}:{s:02d}"
    return f"{text}.{micro:06d}" if micro else text


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
