"""Where a query result's rows wait for the browser: the server's row packets in a temp file.

A streaming job writes the rows' bytes exactly as they came off the wire, in large blocks, so a
row nobody looks at costs a copy, not a decode. The grid asks for windows (`read(start, count)`):
only those rows are decoded (core.db.wire_rows) and shaped for JSON as cells.to_json shapes them
(NULL as null, binary as {"binary": hex, "size": n}, integers past 2**53 as strings). A small
index (first row and file offset every few dozen rows) is all that stays in memory, so a
10M-row result costs the server a few megabytes, however wide it is.
"""

import array
import bisect
import contextlib
import datetime
import decimal
import json
import os
import queue
import tempfile
import threading

from core.db.wire_rows import decode_rows, skip_rows
from core.services.grid import cells

_MAX_SAFE_INT = cells.MAX_SAFE_JS_INT
BLOCK_BYTES = 1 << 20  # rows are written to disk in blocks of about this size
INDEX_EVERY = 64  # at most one index entry per this many rows


def _json_default(value):
    """What json can't encode natively, as cells.to_json shapes it (binary, dates, decimals...)."""
    if isinstance(value, (bytes, bytearray)):
        return {"binary": bytes(value).hex(), "size": len(value)}
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, set, frozenset)):
        return cells.to_text(value)
    return str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def encode_rows(rows, bigint_columns: list[int]) -> str:
    """Rows as one JSON array, cells shaped like cells.to_json (ints beyond 2**53 become strings)."""
    if bigint_columns:
        fixed = []
        for row in rows:
            if any(isinstance(row[i], int) and abs(row[i]) > _MAX_SAFE_INT for i in bigint_columns):
                row = list(row)
                for i in bigint_columns:
                    if isinstance(row[i], int) and abs(row[i]) > _MAX_SAFE_INT:
                        row[i] = str(row[i])
            fixed.append(row)
        rows = fixed
    return _ENCODER.encode(rows)


def shape_cell(value):
    """One decoded value in the JSON window form (what json.loads(encode_rows(...)) gives)."""
    kind = type(value)
    if value is None or kind is str or kind is float:
        return value
    if kind is int:
        return value if -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT else str(value)
    if kind is bytes or kind is bytearray:
        return {"binary": value.hex(), "size": len(value)}
    return json.loads(_ENCODER.encode(value))


def shape_rows(rows) -> list[list]:
    simple = (str, float, type(None))
    return [[v if type(v) in simple else shape_cell(v) for v in row] for row in rows]


class RowSpool:
    """Append-only row packets on disk; random access by row number; thread-safe.

    The writer calls write() with pieces from wire_rows.read_wire_rows and flush() to publish
    them; readers only ever see flushed rows (`count`).
    """

    def __init__(self, directory: str | None = None, converters=()):
        self._file = tempfile.TemporaryFile(prefix="eddy-result-", dir=directory)
        self._lock = threading.Lock()
        self.converters = list(converters)
        self._starts = array.array("q")  # row number of each index entry (a row starts there)
        self._offsets = array.array("q")  # file offset of that row
        self._size = 0  # bytes on disk
        self.count = 0  # rows on disk, readable
        self.closed = False
        # Written but not yet flushed: the bytes, the rows they complete and their index entries.
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._pending_rows = 0
        self._pending_index: list[tuple[int, int]] = []
        self._last_indexed = -INDEX_EVERY

    @property
    def bytes(self) -> int:
        return self._size + self._pending_bytes

    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    def write(self, data: bytes, rows: int, at_row_start: bool) -> None:
        """Queue wire bytes holding `rows` complete rows; written to disk in blocks."""
        row = self.count + self._pending_rows
        if at_row_start and row - self._last_indexed >= INDEX_EVERY:
            self._pending_index.append((row, self._size + self._pending_bytes))
            self._last_indexed = row
        self._pending.append(data)
        self._pending_bytes += len(data)
        self._pending_rows += rows
        if self._pending_bytes >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the queued bytes and make their rows readable."""
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending, self._pending_bytes, pending_rows, pending_index = [], 0, self._pending_rows, self._pending_index
        self._pending_rows, self._pending_index = 0, []
        with self._lock:
            if self.closed:
                return
            self._file.seek(self._size)
            self._file.write(data)
            self._file.flush()
            for row, offset in pending_index:
                self._starts.append(row)
                self._offsets.append(offset)
            self._size += len(data)
            self.count += pending_rows

    def _span(self, start: int, stop: int) -> tuple[int, bytes]:
        """(first row held, bytes) covering rows [start, stop) (which must be on disk)."""
        with self._lock:
            if self.closed or not self._starts:
                return start, b""
            first = bisect.bisect_right(self._starts, start) - 1
            after = bisect.bisect_left(self._starts, stop)
            begin = self._offsets[first]
            end = self._offsets[after] if after < len(self._offsets) else self._size
            data = os.pread(self._file.fileno(), end - begin, begin)
            return self._starts[first], data

    def read_decoded(self, start: int, count: int) -> list[tuple]:
        """Rows [start, start+count) as PyMySQL decodes them (fewer at the end)."""
        start = max(0, start)
        stop = min(self.count, start + max(0, count))
        if start >= stop:
            return []
        held, data = self._span(start, stop)
        if not data:
            return []
        pos = skip_rows(data, 0, start - held)
        return decode_rows(data, self.converters, pos, stop - start)

    def read(self, start: int, count: int) -> list[list]:
        """Rows [start, start+count) that have arrived so far (fewer at the end), JSON-shaped."""
        return shape_rows(self.read_decoded(start, count))

    def read_row(self, index: int) -> list | None:
        """One whole row, fully decoded and JSON-shaped (None past the end)."""
        rows = self.read(index, 1)
        return rows[0] if rows else None

    def read_cell(self, index: int, column: int):
        """One value as PyMySQL decodes it (str, bytes, int...), e.g. to show a large cell in full.
        IndexError past the end of the result or its columns."""
        rows = self.read_decoded(index, 1)
        if not rows:
            raise IndexError(f"no row {index}")
        return rows[0][column]

    def iter_blocks(self, block_rows: int = 5000):
        """Every row so far, a list of JSON-shaped rows at a time (exports)."""
        index = 0
        while True:
            with self._lock:
                total = self.count
            if index >= total:
                return
            count = min(block_rows, total - index)
            yield self.read(index, count)
            index += count

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                _free_later(self._file)
        self._pending, self._pending_bytes, self._pending_rows, self._pending_index = [], 0, 0, []


# Closing a big result's file frees its disk blocks: ~12 ms for a 1M-row result on ext4, paid by
# whoever closes it — the IOLoop when a new run replaces the tab's result, and that run's first
# row. One thread of its own does it instead.
_to_free: "queue.SimpleQueue" = queue.SimpleQueue()
_freer: threading.Thread | None = None
_freer_lock = threading.Lock()


def _free_later(file) -> None:
    global _freer
    _to_free.put(file)
    with _freer_lock:
        if _freer is None:
            _freer = threading.Thread(target=_free_files, name="eddy-spool-free", daemon=True)
            _freer.start()


def _free_files() -> None:
    while True:
        file = _to_free.get()
        with contextlib.suppress(OSError):  # the disk went away: nothing left to free
            file.close()


def spool_dir() -> str | None:
    """EDDY_SPOOL_DIR if set (tests, big results on another disk), else the system temp folder."""
    return os.environ.get("EDDY_SPOOL_DIR") or None
