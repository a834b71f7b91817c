"""Scrubbing secrets out of log lines: passwords, launch tokens, xsrf values, cookies."""

import logging
import re

_SECRET_NAMES = r"(?:password|passwd|pwd|passphrase|ssh_password|token|_xsrf|secret|eddy_session|eddy_launch)"
_PATTERNS = [
    # query strings and form bodies: name=value
    re.compile(rf"(?i)(\b{_SECRET_NAMES}=)[^&\s'\"]+"),
    # JSON and Python reprs: "name": "value" / 'name': 'value' / name='value'
    re.compile(rf"(?i)([\"']{_SECRET_NAMES}[\"']\s*:\s*)(?:\"[^\"]*\"|'[^']*')"),
    re.compile(rf"(?i)(\b{_SECRET_NAMES}\s*=\s*)(?:\"[^\"]*\"|'[^']*')"),
    # mysql://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+(?=@)"),
]


def redact(text: str) -> str:
    """`text` with every recognisable secret value replaced by ***."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter: formats the record's message once, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as is rather than lost
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default)."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
