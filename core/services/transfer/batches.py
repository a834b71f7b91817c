"""Multi-row INSERT statements built a whole batch at a time.

Fields are joined with private-use sentinel characters (U+E000 between fields, U+E001 between
rows, U+E002 for NULL, U+E003 around raw literals), the batch is encoded once, and a handful of
bytes.replace calls escape it and turn the sentinels into `','`, `'),('`, NULL: no per-value
Python work. UTF-8 is self-synchronising, so a sentinel's bytes never match inside another
character; one count proves the data held none, else the batch is escaped value by value.
"""

import re
from itertools import repeat

FIELD_SEP, ROW_SEP, NULL_MARK, RAW_MARK = "\ue000", "\ue001", "\ue002", "\ue003"
# The batch is escaped after encoding: bytes.replace runs at memory speed, and UTF-8 being
# self-synchronising, a sentinel's bytes never match inside another character.
# CR/LF may stay raw inside a quoted literal; NUL is escaped as PyMySQL does.
B_FIELD_SEP, B_ROW_SEP, B_NULL, B_RAW = (s.encode() for s in (FIELD_SEP, ROW_SEP, NULL_MARK, RAW_MARK))
SENTINEL_PREFIX = b"\xee\x80"
BATCH_REPLACEMENTS = (
    (b"\\", b"\\\\"),
    (b"'", b"\\'"),
    (b"\x00", b"\\0"),
    (B_FIELD_SEP, b"','"),
    (B_ROW_SEP, b"'),('"),
)


def escape_batch(data: bytes) -> bytes:
    for old, new in BATCH_REPLACEMENTS:
        if old in data:
            data = data.replace(old, new)
    return data


VALUE_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\x00": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"})
HEX_RE = re.compile(r"0[xX]([0-9a-fA-F]*)")


class BatchBuilder:
    """Turns records into multi-row INSERT statements (bytes)."""

    def __init__(self, targets: list, kinds: list[str], width: int):
        """targets: csv_import.Target (column, source index or constant) in the INSERT's order."""
        self.width = width
        self.sources = [t.source for t in targets]
        self.constants = "".join(FIELD_SEP + t.constant for t in targets if t.source is None)
        # Constants go last; reorder the target list to match.
        self.order = [t for t in targets if t.source is not None] + [t for t in targets if t.source is None]
        self.picked = [t.source for t in targets if t.source is not None]
        self.identity = self.picked == list(range(width))
        self.kinds = [kinds[i] for i, t in enumerate(targets) if t.source is not None]
        self.special = [i for i, k in enumerate(self.kinds) if k in ("bit", "binary")]
        self.ncols = len(targets)
        self.constant_values = [t.constant for t in targets if t.source is None]

    def texts_of(self, rows: list[list]) -> tuple[list[str], int, int]:
        """row_text for a list of rows, done a column at a time: (texts, nulls, raw literals).

        The rows are turned into columns and back by zip, NULLs are looked for (and replaced) per
        column, and each row is joined by str.join through map: no Python call per row, and one
        per value only in the columns that hold a NULL."""
        if not rows:
            return [], 0, 0
        columns = list(zip(*rows))
        if not self.identity:
            columns = [columns[i] for i in self.picked]
        nulls = raws = 0
        for i in self.special:
            kind, column = self.kinds[i], list(columns[i])
            for j, v in enumerate(column):
                if v is not None and v != "":
                    lit = self.literal(kind, v)
                    if lit is not None:
                        column[j] = RAW_MARK + lit + RAW_MARK
                        raws += 1
            columns[i] = column
        for i, column in enumerate(columns):
            if None in column:
                nulls += column.count(None)
                columns[i] = [NULL_MARK if v is None else v for v in column]
        columns.extend(repeat(c, len(rows)) for c in self.constant_values)
        return list(map(FIELD_SEP.join, zip(*columns))), nulls, raws

    def row_text(self, fields: list) -> tuple[str, int, int]:
        """The row's fields joined by FIELD_SEP, NULLs as NULL_MARK; (text, nulls, raw literals)."""
        vals = fields if self.identity else [fields[i] for i in self.picked]
        raws = 0
        if self.special:
            vals = list(vals)
            for i in self.special:
                v = vals[i]
                if v is None or v == "":
                    continue
                lit = self.literal(self.kinds[i], v)
                if lit is not None:
                    vals[i] = RAW_MARK + lit + RAW_MARK
                    raws += 1
        nulls = 0
        if None in vals:
            nulls = vals.count(None)
            vals = [NULL_MARK if v is None else v for v in vals]
        return FIELD_SEP.join(vals) + self.constants, nulls, raws

    @staticmethod
    def literal(kind: str, value: str) -> str | None:
        if kind == "binary":
            m = HEX_RE.fullmatch(value)
            return ("0x" + m.group(1) if m.group(1) else "''") if m else None
        if kind == "bit":
            v = value.strip()
            if v.isdigit():
                return v
            if v.lower().startswith("b'") and v.endswith("'") and set(v[2:-1]) <= {"0", "1"}:
                return v
        return None

    def statement(self, head: str, tail: str, texts: list[str], nulls: int, raws: int, rows: list[list]) -> bytes:
        """The INSERT for a batch, as UTF-8 bytes (UnicodeEncodeError: a field held bad bytes)."""
        data = ROW_SEP.join(texts).encode("utf-8")
        n = len(texts)
        # U+E000..U+E003 all start with EE 80 in UTF-8: one count checks that the data held none.
        if data.count(SENTINEL_PREFIX) != n * (self.ncols - 1) + (n - 1) + nulls + 2 * raws:
            # The data holds a sentinel character: escape value by value instead.
            return (head + ",".join(self.values_of(r) for r in rows) + tail).encode("utf-8")
        body = b"('" + escape_batch(data) + b"')"
        if nulls:
            body = body.replace(b"'" + B_NULL + b"'", b"NULL")
        if raws:
            body = body.replace(b"'" + B_RAW, b"").replace(B_RAW + b"'", b"")
        return head.encode("utf-8") + body + tail.encode("utf-8")

    def values_of(self, fields: list) -> str:
        """One row's VALUES tuple, escaped value by value."""
        return "(" + ",".join(self.literals(fields)) + ")"

    def literals(self, fields: list) -> list[str]:
        """One row's values as SQL literals, in the INSERT's column order (constants last)."""
        vals = fields if self.identity else [fields[i] for i in self.picked]
        out = []
        for i, v in enumerate(vals):
            lit = self.literal(self.kinds[i], v) if i in self.special and v not in (None, "") else None
            if v is None:
                out.append("NULL")
            elif lit is not None:
                out.append(lit)
            else:
                out.append("'" + v.translate(VALUE_ESCAPES) + "'")
        for t in self.order[len(vals) :]:
            out.append("'" + t.constant.translate(VALUE_ESCAPES) + "'")
        return out
