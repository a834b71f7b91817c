"""What the grid keeps per application: the window planner (anchors per view) and a short-lived
cache of table metadata. The application makes one (core.app, `grid_state`)."""

import threading
import time

from core.services.grid.table_meta import TableMeta, load_table_meta
from core.services.grid.windows import WindowPlanner

META_SECONDS = 30.0  # table metadata is re-read after this long, and whenever the page loads


class GridState:
    """Per-application: the window planner (anchors per view) and a short-lived metadata cache."""

    def __init__(self):
        self.planner = WindowPlanner()
        self._meta: dict[tuple, tuple[float, TableMeta]] = {}
        self._lock = threading.Lock()

    def meta(self, conn, scope, database: str, table: str, fresh: bool = False) -> TableMeta:
        key = (scope, database, table)
        with self._lock:
            cached = self._meta.get(key)
        if cached and not fresh and time.monotonic() - cached[0] < META_SECONDS:
            return cached[1]
        meta = load_table_meta(conn, database, table)
        with self._lock:
            if len(self._meta) > 256:
                self._meta.clear()
            self._meta[key] = (time.monotonic(), meta)
        return meta
