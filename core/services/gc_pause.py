"""Fewer garbage-collector passes while a bulk transfer holds many rows.

An import keeps every row of the batches in flight (a list per row) until the server has taken
them. With CPython's default threshold a collection runs every 700 such lists and every tenth of
those scans older objects again, so a 1M-row import spent ~1 s of its ~4.5 s of CPU in the
collector finding nothing: rows hold strings, never cycles. While any bulk transfer runs, the
first generation's threshold is raised; the last one to finish puts it back.
"""

import gc
import threading
from contextlib import contextmanager

BULK_THRESHOLD = 50_000  # tracked objects between young collections (CPython's default: 700)

_lock = threading.Lock()
_running = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections():
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            if _saved[0]:  # 0: collection is off, leave it so
                gc.set_threshold(max(_saved[0], BULK_THRESHOLD), *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
