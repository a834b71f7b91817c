"""Reading delimited files: detecting encoding, delimiter, quote, header, line ends; a streamed reader.

Python's csv module cannot tell a quoted empty field ("") from an unquoted one, yet that is how
Eddy's CSV keeps the empty string apart from NULL. The reader below keeps each record's raw text
and looks at it again only for rows holding an empty field (or the NULL marker), so the common
row costs nothing extra.
"""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.services.errors import refuses_as_bad_options

SAMPLE_BYTES = 256 * 1024
# A record is held whole while it is parsed: RecordReader caps it (`limit`, characters) at what
# the server can accept, so a file with a 1 GB line (or an unclosed quote) costs a bounded amount
# of memory and is reported by line. The csv module's own per-field cap (128 KiB by default, and
# reported without a line number) is lifted: the record cap covers it.
DEFAULT_RECORD_LIMIT = 1024 * 1024 * 1024  # MySQL's largest max_allowed_packet
csv.field_size_limit(2**31 - 1)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "latin-1"]
DELIMITERS = [",", ";", "\t", "|"]


@dataclass
class Dialect:
    encoding: str = "utf-8"
    delimiter: str = ","
    quote: str = '"'
    header: bool = True
    line_end: str = "\r\n"  # what the file uses (reported; the reader accepts either)
    escapes: bool = False  # MySQL-style backslash escapes (\N, \t, \n, \\): Eddy's TSV

    @classmethod
    @refuses_as_bad_options(ValueError, TypeError)
    def from_dict(cls, data: dict) -> "Dialect":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        d = cls(**known)
        if d.encoding not in ENCODINGS:
            raise ValueError(f"Unsupported encoding '{d.encoding}' (use one of {', '.join(ENCODINGS)})")
        if len(d.delimiter) != 1 or (d.quote and len(d.quote) != 1) or d.delimiter == d.quote:
            raise ValueError("The delimiter and quote must be two different single characters")
        return d


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 when the text reads as Chinese, else Latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        high = [ch for ch in text if ord(ch) > 127]
        cjk = sum(
            1 for ch in high if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        )
        if high and cjk / len(high) > 0.8:
            return "gb18030"
    except UnicodeDecodeError:
        pass
    return "latin-1"


def _decode_sample(sample: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)


def detect_dialect(path: Path, table_columns: list[str] | None = None) -> tuple[Dialect, str]:
    """Best guess of the file's dialect, and the decoded sample it was made from."""
    path = Path(path)
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text = _decode_sample(sample, encoding)
    # Judge on whole lines only: the sample may end mid-record.
    cut = max(text.rfind("\n"), 0)
    body = text[:cut] if cut else text
    crlf = body.count("\r\n")
    line_end = "\r\n" if crlf and crlf * 2 >= body.count("\n") else "\n"
    delimiter = _guess_delimiter(body)
    quote = '"' if '"' in body or "'" not in body else "'"
    header = _guess_header(body, delimiter, quote, table_columns)
    escapes = path.suffix.lower() == ".tsv" and delimiter == "\t" and "\\N" in body
    dialect = Dialect(encoding=encoding, delimiter=delimiter, quote=quote, header=header, line_end=line_end)
    dialect.escapes = escapes
    return dialect, body


def _guess_delimiter(body: str) -> str:
    try:
        return csv.Sniffer().sniff(body[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = body.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _guess_header(body: str, delimiter: str, quote: str, table_columns: list[str] | None) -> bool:
    rows = list(_rows_of(body, delimiter, quote, 20))
    if not rows:
        return True
    first = [c.strip().lower() for c in rows[0]]
    if table_columns:
        names = {c.lower() for c in table_columns}
        if sum(1 for c in first if c in names) >= max(1, len(first) // 2):
            return True
    if any(_looks_numeric(c) or c == "" for c in first):
        return False
    try:
        return csv.Sniffer().has_header(body[:65536])
    except csv.Error:
        return True


def _rows_of(text: str, delimiter: str, quote: str, limit: int):
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=quote or None,
        quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE,
    )
    for i, row in enumerate(reader):
        if i >= limit:
            return
        yield row


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def quoted_flags(record: str, delimiter: str, quote: str) -> list[bool]:
    """For one raw record, which fields were enclosed in quotes (the exact, slower look)."""
    return [bool(q) for q in _field_pattern(delimiter, quote).findall(record)]


_PATTERNS: dict = {}


def _field_pattern(delimiter: str, quote: str):
    key = (delimiter, quote)
    if key not in _PATTERNS:
        d, q = re.escape(delimiter), re.escape(quote)
        # A quoted field (group 1 holds the opening quote) or a bare one, then its delimiter or the end.
        _PATTERNS[key] = re.compile(rf"(?:({q})[^{q}]*(?:{q}{q}[^{q}]*)*{q}[^{d}]*|[^{d}]*)(?:{d}|$)")
    return _PATTERNS[key]


class RecordTooLarge(ValueError):
    """A record longer than the reader's limit (or a quote never closed): said with its line and column."""

    def __init__(self, message: str, line: int, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column  # 0-based field index, when known


BLOCK_CHARS = 8192  # text read at a time (TextIOWrapper decodes 8 KiB chunks: larger reads cost more)
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class _Lines:
    """The file's lines for the csv reader, read a block at a time and split in C: the reader pulls
    them through itertools.chain, so no Python code runs per line. Lines are numbered as the csv
    module counts them; the blocks from the record being read on are kept, so a record's raw text can
    be looked at again, and a record never holds more than `limit` characters: a line over it is
    never handed to the reader (nor read further than just past the limit), and the text held since
    the record's first line is checked each time the reader asks for more (RecordReader checks each
    record of several lines)."""

    __slots__ = ("source", "limit", "blocks", "start", "next_number", "pending", "cut_short", "at_end", "carry")

    def __init__(self, source, limit: int):
        self.source = source
        self.limit = limit
        self.blocks: list[tuple[int, list[str]]] = [(1, [])]  # (number of its first line, lines) handed over
        self.start = 1  # the first line of the record being read (RecordReader keeps it current)
        self.next_number = 1  # the number the next line handed to the reader gets
        self.pending: list[str] = []  # lines read, not handed over: the first is over the limit
        self.cut_short = False  # the last line read stopped at the limit, not at its end
        self.at_end = False
        self.carry = ""  # a character read to see whether a block's last \r is half of \r\n

    def lines(self):
        return itertools.chain.from_iterable(self._stream())

    def text(self, first: int, end: int) -> str:
        """The raw text of lines first..end-1 (lines the reader has been given)."""
        number, lines = self.blocks[-1]
        if first >= number:
            return lines[first - number] if end - first == 1 else "".join(lines[first - number : end - number])
        return "".join("".join(lines[max(0, first - number) : max(0, end - number)]) for number, lines in self.blocks)

    def size(self, first: int, end: int) -> int:
        """Characters in lines first..end-1."""
        number, lines = self.blocks[-1]
        if first >= number:
            return sum(map(len, lines[first - number : end - number]))
        return sum(sum(map(len, lines[max(0, first - number) : max(0, end - number)])) for number, lines in self.blocks)

    def held_text(self) -> str:
        """The record being read as far as it was read: the lines handed over, and the next one."""
        text = self.text(self.start, self.next_number) if self.next_number > self.start else ""
        return text + (self.pending[0] if self.pending else "")

    def _stream(self):
        while True:
            # The reader asks for more only while a record is open or to start the next one: that
            # record holds everything handed over since its first line, and the next line.
            if (self.pending and len(self.pending[0]) > self.limit) or self.size(
                self.start, self.next_number
            ) > self.limit:
                raise _Overflow
            lines, self.pending = (self.pending or self._read_lines()), []
            if not lines:
                self.at_end = True
                return
            if self.cut_short and len(lines[-1]) <= self.limit:  # the limit was raised since
                lines[-1] += self._read_rest_of_line(self.limit + 1 - len(lines[-1]))
            if max(map(len, lines)) > self.limit:
                # Hand over the lines before it; whichever record reaches it is too large.
                cut = next(i for i, line in enumerate(lines) if len(line) > self.limit)
                lines, self.pending = lines[:cut], lines[cut:]
                if not lines:
                    continue
            self.blocks = [b for b in self.blocks if b[0] + len(b[1]) > self.start]
            self.blocks.append((self.next_number, lines))
            self.next_number += len(lines)
            yield lines

    def _read_lines(self) -> list[str]:
        block = self.carry + self.source.read(BLOCK_CHARS)
        self.carry = ""
        if block and block[-1] not in "\r\n":
            # End on a line end; a line longer than the limit is read only to just past it.
            block += self._read_rest_of_line(self.limit + 1)
        elif block.endswith("\r"):
            block = self._with_lf_after_cr(block)
        lines = block.splitlines(True)
        # One line per \n, \r or \r\n (and one more for a last line without a line end), or else
        # splitlines also broke at a character the csv module keeps inside a line.
        breaks = block.count("\n") + block.count("\r") - block.count("\r\n")
        if len(lines) != breaks + (block[-1:] not in ("\n", "\r")):
            return LINE_RE.findall(block)
        return lines

    def _read_rest_of_line(self, most: int) -> str:
        rest = self.source.readline(most)
        self.cut_short = len(rest) == most and not rest.endswith(("\n", "\r"))
        if rest.endswith("\r") and len(rest) == most:  # readline may have stopped inside \r\n
            rest = self._with_lf_after_cr(rest)
        return rest

    def _with_lf_after_cr(self, text: str) -> str:
        """text ends with \r: a \n after it belongs to the same line end; any other character is kept
        for the next read."""
        self.carry = self.source.read(1)
        if self.carry != "\n":
            return text
        self.carry = ""
        return text + "\n"


class _Overflow(Exception):
    """Raised inside the csv module's iteration; turned into RecordTooLarge by RecordReader."""


def _scan_fields(text: str, delimiter: str, quote: str) -> tuple[int, bool]:
    """(0-based field the text ends in, whether that field's opening quote is still open), found by
    jumping between quotes and delimiters (no copy of the text: it may be as large as the limit)."""
    field, i, n = 0, 0, len(text)
    while i < n:
        if quote and text[i] == quote:
            close = i + 1
            while True:
                close = text.find(quote, close)
                if close < 0:
                    return field, True
                if close + 1 < n and text[close + 1] == quote:
                    close += 2
                    continue
                break
            i = close + 1
        next_delim = text.find(delimiter, i)
        if next_delim < 0:
            return field, False
        field += 1
        i = next_delim + 1
    return field, False


TSV_UNESCAPE = {"N": None, "t": "\t", "n": "\n", "r": "\r", "\\": "\\", "0": "\x00", "Z": "\x1a", "b": "\b"}


def _unescape_tsv(value: str):
    if value == "\\N":
        return None
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append(TSV_UNESCAPE.get(nxt, nxt) or "")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class RecordReader:
    """Streamed records of a delimited file, with NULLs resolved and first-line numbers.

    empty: "null" — an unquoted empty field is NULL, a quoted "" the empty string;
           "empty" — both are the empty string.
    null_marker: an unquoted field equal to it is NULL (e.g. \\N or NULL); quoted, it is text.
    """

    def __init__(
        self, path: Path, dialect: Dialect, empty: str = "null", null_marker: str = "", limit: int | None = None
    ):
        """limit: the most characters one record may hold (what the server can accept)."""
        self.path = Path(path)
        self.dialect = dialect
        self.empty = empty
        self.null_marker = null_marker or None
        self.size = self.path.stat().st_size
        self._binary = open(self.path, "rb")
        # surrogateescape: a bad byte becomes a lone surrogate, reported per row later, not a crash mid-file.
        self._text = io.TextIOWrapper(self._binary, encoding=dialect.encoding, errors="surrogateescape", newline="")
        self._tap = _Lines(self._text, limit or DEFAULT_RECORD_LIMIT)
        quoting = csv.QUOTE_NONE if (dialect.escapes or not dialect.quote) else csv.QUOTE_MINIMAL
        self._reader = csv.reader(
            self._tap.lines(),
            delimiter=dialect.delimiter,
            quotechar=dialect.quote or None,
            quoting=quoting,
            strict=False,
        )
        self.header: list[str] | None = None
        self.line = 1

    @property
    def limit(self) -> int:
        return self._tap.limit

    @limit.setter
    def limit(self, characters: int) -> None:
        self._tap.limit = max(1, int(characters))

    def bytes_read(self) -> int:
        try:
            return min(self._binary.tell(), self.size)
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self._text.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read_header(self) -> list[str] | None:
        if self.dialect.header:
            for _line, fields in self:
                self.header = [("" if v is None else v) for v in fields]
                break
        return self.header

    def __iter__(self) -> Iterator[tuple[int, list]]:
        """(first line number, fields) per record; fields are str, or None for NULL."""
        reader, tap = self._reader, self._tap
        d = self.dialect
        empty_is_null = self.empty == "null"
        marker = self.null_marker
        escapes = d.escapes
        quote, delim = d.quote, d.delimiter
        csv_quote = None if (escapes or not quote) else quote
        limit = tap.limit
        next_line = self.line
        try:
            for row in reader:
                line = next_line
                next_line = reader.line_num + 1
                if next_line - line > 1 and tap.size(line, next_line) > limit:
                    raise self._too_large(tap.text(line, next_line), csv_quote)
                if tap.at_end and csv_quote:
                    self._refuse_open_quote(tap.text(line, next_line), csv_quote)
                if escapes:
                    fields = [_unescape_tsv(v) for v in row]
                elif ("" in row and empty_is_null) or (marker is not None and marker in row):
                    raw = tap.text(line, next_line)
                    # A quoted empty field is exactly two quotes: without them, every empty field was bare.
                    if quote and (
                        (empty_is_null and "" in row and quote * 2 in raw)
                        or (marker is not None and marker in row and quote in raw)
                    ):
                        flags = quoted_flags(raw.rstrip("\r\n"), delim, quote)[: len(row)]
                        fields = [
                            None if (not q and ((v == "" and empty_is_null) or v == marker)) else v
                            for v, q in zip(row, flags + [False] * (len(row) - len(flags)))
                        ]
                    else:
                        fields = [None if (v == "" and empty_is_null) or v == marker else v for v in row]
                else:
                    fields = row
                tap.start = self.line = next_line
                if not row:  # a blank line
                    continue
                yield line, fields
        except _Overflow:
            raise self._too_large(tap.held_text(), csv_quote) from None

    def _too_large(self, text: str, quote: str | None) -> RecordTooLarge:
        """A record over the limit, named by its first line and the field being read at the limit."""
        limit = self._tap.limit
        text = text[: limit + 1]
        column, _open = _scan_fields(text, self.dialect.delimiter, quote or "")
        return RecordTooLarge(
            f"Line {self.line}: the record starting here passes {limit:,} characters, more than "
            f"the server accepts (field {column + 1} was being read"
            + (", inside quotes: is a closing quote missing?)" if quote and quote in text else ")"),
            self.line,
            column,
        )

    def _refuse_open_quote(self, text: str, quote: str) -> None:
        """The file's last record: a quote still open there means the file ended inside a field."""
        if quote not in text:
            return
        column, still_open = _scan_fields(text, self.dialect.delimiter, quote)
        if still_open:
            raise RecordTooLarge(
                f"Line {self.line}: the quote that opens field {column + 1} is never closed (the file ends inside it)",
                self.line,
                column,
            )
