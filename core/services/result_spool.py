"""Where a query result's rows wait for the browser: JSON blocks in a temp file, read by window.

A streaming job appends blocks of rows as they come off the unbuffered cursor; the grid asks for
windows (`read(start, count)`). Only a small index (first row and file offset of each block) stays
in memory, so a million-row result costs the server a few hundred kilobytes, not gigabytes.
"""

import bisect
import datetime
import decimal
import json
import os
import tempfile
import threading

from core.services import cells

_MAX_SAFE_INT = cells.MAX_SAFE_JS_INT


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


class RowSpool:
    """Append-only blocks of JSON rows on disk; random access by row number; thread-safe."""

    def __init__(self, directory: str | None = None):
        self._file = tempfile.TemporaryFile(prefix="eddy-result-", dir=directory)
        self._lock = threading.Lock()
        self._starts: list[int] = []  # first row number of each block
        self._offsets: list[int] = []  # file offset of each block (one JSON array per line)
        self._size = 0
        self.count = 0
        self.closed = False

    @property
    def bytes(self) -> int:
        return self._size

    def append(self, rows: list, bigint_columns: list[int] = ()) -> None:
        if not rows:
            return
        data = (encode_rows(rows, list(bigint_columns)) + "\n").encode("utf-8")
        with self._lock:
            if self.closed:
                return
            self._file.seek(self._size)
            self._file.write(data)
            self._starts.append(self.count)
            self._offsets.append(self._size)
            self._size += len(data)
            self.count += len(rows)

    def _read_blocks(self, first_block: int, last_block: int) -> list[bytes]:
        with self._lock:
            if self.closed:
                return []
            self._file.flush()
            begin = self._offsets[first_block]
            end = self._offsets[last_block + 1] if last_block + 1 < len(self._offsets) else self._size
            self._file.seek(begin)
            data = self._file.read(end - begin)
        return data.splitlines()

    def read(self, start: int, count: int) -> list[list]:
        """Rows [start, start+count) that have arrived so far (fewer at the end)."""
        with self._lock:
            total = self.count
        start = max(0, start)
        stop = min(total, start + max(0, count))
        if start >= stop:
            return []
        first = bisect.bisect_right(self._starts, start) - 1
        last = bisect.bisect_right(self._starts, stop - 1) - 1
        rows: list[list] = []
        for line in self._read_blocks(first, last):
            rows.extend(json.loads(line))
        skip = start - self._starts[first]
        return rows[skip : skip + (stop - start)]

    def iter_blocks(self, chunk_blocks: int = 64):
        """Every row so far, a list of rows at a time (exports)."""
        index = 0
        while True:
            with self._lock:
                blocks = len(self._offsets)
            if index >= blocks:
                return
            last = min(blocks, index + chunk_blocks) - 1
            for line in self._read_blocks(index, last):
                yield json.loads(line)
            index = last + 1

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                self._file.close()


def spool_dir() -> str | None:
    """EDDY_SPOOL_DIR if set (tests, big results on another disk), else the system temp folder."""
    return os.environ.get("EDDY_SPOOL_DIR") or None
