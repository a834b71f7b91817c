"""Row windows of a table view (order + filter) for a virtual-scrolling grid.

Keyset pagination whenever a row key makes the order total (the user's sort columns, then the row
key as tie-breaker): a window at row N starts from the nearest known *anchor* (the order values of
the row at a known position) with `WHERE (k) >= (anchor) ORDER BY k LIMIT n OFFSET d`, d small.
Anchors are learned from every window served, and, on the first deep jump, built for the whole
view: a chain of cheap seeks (`... >= anchor ORDER BY k LIMIT 1 OFFSET S`, reading the order's
index only) when an index serves the order, else one narrow pass of the sort and row keys, read
off the wire with only every SORTED_ANCHOR_SPACING-th row decoded. That pass also yields the exact
row count. Both run in the background right after page 1 of a big view. Until that pass has
run, a far jump in a big unindexed order does not wait for it: one OFFSET over the sort and row
keys finds the window's keys (about one window's cost), and its first row becomes an anchor.
OFFSET alone is used otherwise only for tables without a row key (and views).

Server memory stays flat: at most MAX_VIEWS views per process, each with at most a few thousand
anchors; rows are never kept.
"""

import bisect
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from core.db import Connection
from core.db.errors import DatabaseError
from core.db.sql import qualified, quote_for_format, render_sql
from core.services.errors import ServiceError
from core.services.grid import cells
from core.services.grid.filters import CompiledFilter, compile_filter
from core.services.grid.table_meta import TableMeta

ANCHOR_SPACING = 5_000  # rows between anchors built for a view
SORTED_ANCHOR_SPACING = 1_000  # the narrow pass costs the same at any spacing: smaller offsets
LEARN_SPACING = 500  # anchors learned from served windows are at least this far apart
DIRECT_REACH = 2 * ANCHOR_SPACING  # a jump farther than this from a known anchor builds the anchors
BUILD_SECONDS = 20.0  # stop building anchors after this long (partial anchors still help)
EXACT_COUNT_BELOW = 200_000  # estimated rows under which the count is exact from the start
PREPARE_MIN, PREPARE_MAX = 50_000, 10_000_000  # views whose anchors are built right after page 1
MAX_WINDOW = 1_000
INTEGER_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
MAX_VIEWS = 64
MAX_ANCHOR_BYTES = 4_096
TEXT_LIMIT = cells.TEXT_PREVIEW  # characters of text sent per cell; the rest on demand
BINARY_LIMIT = cells.BINARY_PREVIEW  # bytes of binary sent per cell


class GridError(ServiceError, ValueError):
    """A bad request for a window (unknown sort column, bad numbers): a 400 with this sentence."""


@dataclass
class SortKey:
    column: str
    desc: bool = False


def parse_sort(sort, columns: list[str]) -> list[SortKey]:
    keys, seen = [], set()
    for item in sort or []:
        if not isinstance(item, dict) or item.get("column") not in columns:
            raise GridError(f"Cannot sort by {item!r}: no such column")
        if item["column"] in seen:
            continue
        seen.add(item["column"])
        keys.append(SortKey(item["column"], str(item.get("dir", "asc")).lower() == "desc"))
    return keys


def effective_order(meta: TableMeta, sort: list[SortKey]) -> list[SortKey]:
    """The user's sort, then the row key's columns (ascending) so that the order is total."""
    names = {s.column for s in sort}
    return [*sort, *(SortKey(c) for c in meta.row_key if c not in names)]


def order_by_sql(order: list[SortKey]) -> str:
    if not order:
        return ""
    return " ORDER BY " + ", ".join(quote_for_format(k.column) + (" DESC" if k.desc else "") for k in order)


def view_sql(meta: TableMeta, sort: list[SortKey], order: list[SortKey], filt: CompiledFilter) -> str | None:
    """SELECT of the whole view as text (values rendered by PyMySQL's own escaping), for export."""
    if not sort and not filt.where:
        return None
    where = f" WHERE {filt.where}" if filt.where else ""
    return render_sql(f"SELECT * FROM {_table(meta)}{where}{order_by_sql(order)}", filt.params)


def index_serves(meta: TableMeta, order: list[SortKey]) -> bool:
    """True when an index (InnoDB appends the primary key to secondary ones) can be read in this order."""
    if not order or len({k.desc for k in order}) > 1:
        return False
    wanted = [k.column for k in order]
    for index in meta.indexes:
        if index["prefix"]:
            continue
        cols = index["columns"] + [c for c in meta.primary_key if c not in index["columns"]]
        if cols[: len(wanted)] == wanted:
            return True
    return False


def after_condition(
    order: list[SortKey], values: tuple, inclusive: bool, nullable: set[str] | None = None
) -> tuple[str, list]:
    """Rows after (or at, when inclusive) `values` in `order`, NULL-aware (NULLs sort first ascending).

    Expanded as `a > ? OR (a <=> ? AND b > ?) ...` rather than a row comparison, which MariaDB
    cannot turn into an index range and which would mishandle NULLs and mixed directions.
    `nullable` (None: all) names the columns that may hold NULL; the others get simpler terms."""
    terms, params = [], []
    for i, key in enumerate(order):
        prefix = [f"{quote_for_format(k.column)} {_eq(k, nullable)} %s" for k in order[:i]]
        prefix_params = list(values[:i])
        c, v = quote_for_format(key.column), values[i]
        if not key.desc:
            strict, strict_params = (f"{c} IS NOT NULL", []) if v is None else (f"{c} > %s", [v])
        else:
            if v is None:
                continue  # nothing sorts after NULL descending
            maybe_null = nullable is None or key.column in nullable
            strict, strict_params = (f"({c} < %s OR {c} IS NULL)" if maybe_null else f"{c} < %s"), [v]
        terms.append("(" + " AND ".join([*prefix, strict]) + ")")
        params += prefix_params + strict_params
    if inclusive:
        terms.append("(" + " AND ".join(f"{quote_for_format(k.column)} {_eq(k, nullable)} %s" for k in order) + ")")
        params += list(values)
    if not terms:
        return "FALSE", []
    return "(" + " OR ".join(terms) + ")", params


def _eq(key: SortKey, nullable: set[str] | None) -> str:
    return "<=>" if nullable is None or key.column in nullable else "="


def _both(filt: CompiledFilter, extra: str, extra_params: list) -> tuple[str, list]:
    if filt.where:
        return f" WHERE ({filt.where}) AND {extra}", [*filt.params, *extra_params]
    return f" WHERE {extra}", list(extra_params)


def _nullable(meta: TableMeta) -> set[str]:
    return {c["name"] for c in meta.columns if c["nullable"]}


def _table(meta: TableMeta) -> str:
    return qualified(meta.database, meta.table).replace("%", "%%")


def _run(conn: Connection, sql: str, params: list):
    # Statements are built with %% for a literal %; PyMySQL only formats when there are params.
    return conn.select(sql, params) if params else conn.select(sql % ())


def _key_size(key: tuple) -> int:
    return sum(len(v) for v in key if isinstance(v, (str, bytes, bytearray)))


@dataclass
class ViewIndex:
    """What is known about one view: anchors (position -> order values) and its row count."""

    positions: list[int] = field(default_factory=list)
    keys: dict[int, tuple] = field(default_factory=dict)
    built: bool = False
    count: int | None = None
    estimate: int | None = None
    dense: tuple[int, int] | None = None  # (first key, +1/-1): an integer key without gaps
    lock: threading.Lock = field(default_factory=threading.Lock)  # held by build_anchors for a whole build
    # Guards positions/keys for one add or look-up: worker threads add and read anchors while a
    # build (holding `lock`, calling add) runs, and a reader must never see a position without its key.
    anchors_lock: threading.Lock = field(default_factory=threading.Lock)

    def nearest(self, position: int) -> tuple[int, tuple] | None:
        if self.dense is not None and self.count is not None and position < self.count:
            first, step = self.dense
            return position, (first + step * position,)
        with self.anchors_lock:
            i = bisect.bisect_right(self.positions, position) - 1
            if i < 0:
                return None
            p = self.positions[i]
            return p, self.keys[p]

    def add(self, position: int, key: tuple, spacing: int = 1) -> None:
        if _key_size(key) > MAX_ANCHOR_BYTES:
            return  # huge keys (sorting by long text) are not kept: memory stays flat
        with self.anchors_lock:
            if position in self.keys:
                return
            i = bisect.bisect_left(self.positions, position)
            near = [self.positions[j] for j in (i - 1, i) if 0 <= j < len(self.positions)]
            if spacing > 1 and any(abs(p - position) < spacing for p in near):
                return
            self.positions.insert(i, position)
            self.keys[position] = key


class ViewCache:
    """Per-process LRU of ViewIndex, keyed by (scope, database, table, order, filter)."""

    def __init__(self, max_views: int = MAX_VIEWS):
        self.max_views = max_views
        self._views: OrderedDict[tuple, ViewIndex] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> ViewIndex:
        with self._lock:
            view = self._views.pop(key, None) or ViewIndex()
            self._views[key] = view
            while len(self._views) > self.max_views:
                self._views.popitem(last=False)
            return view

    def invalidate(self, scope, database: str, table: str) -> None:
        with self._lock:
            for key in [k for k in self._views if k[:3] == (scope, database, table)]:
                del self._views[key]


def view_key(scope, meta: TableMeta, order: list[SortKey], filt: CompiledFilter) -> tuple:
    return (
        scope,
        meta.database,
        meta.table,
        tuple((k.column, k.desc) for k in order),
        filt.where,
        repr(filt.params),
    )


def grid_cell(value):
    """A cell for display only: cells.to_json, with long text/binary cut ({"truncated": true}).

    Nothing edits or copies these: the side panel, Copy and Save read the real value
    (core.services.grid.cell_values)."""
    if isinstance(value, str) and len(value) > TEXT_LIMIT:
        return {"text": value[:TEXT_LIMIT], "length": len(value), "truncated": True}
    if isinstance(value, (bytes, bytearray)) and len(value) > BINARY_LIMIT:
        return {"binary": bytes(value[:BINARY_LIMIT]).hex(), "size": len(value), "truncated": True}
    return cells.to_json(value)


def cell_shapers(meta: TableMeta) -> list:
    """Per column, how its values travel to the grid: key columns whole (rows are named by them),
    foreign key columns whole,
    times with the column's fraction digits (as the server prints them), the rest by grid_cell."""
    whole = set(meta.row_key)  # and foreign key columns: their links filter by the whole value
    whole.update(c for fk in meta.foreign_keys for c in fk["columns"])
    whole.update(c for ref in meta.referenced_by for c in ref["ref_columns"])
    shapers = []
    for column in meta.columns:
        fsp = cells.fraction_digits(column["type"])
        if fsp is not None:
            shapers.append(lambda v, fsp=fsp: cells.temporal_text(v, fsp))
        elif column["name"] in whole:
            shapers.append(cells.to_json)
        else:
            shapers.append(grid_cell)
    return shapers


class WindowPlanner:
    """Serves windows of rows for table views, remembering anchors per view."""

    def __init__(self, cache: ViewCache | None = None):
        self.cache = cache or ViewCache()
        self._preparing: set[tuple] = set()  # (scope, database, table) with a build in the background
        self._preparing_lock = threading.Lock()

    # -- counting ----------------------------------------------------------------------------
    def count(self, conn: Connection, meta: TableMeta, filt: CompiledFilter) -> int:
        sql = f"SELECT COUNT(*) FROM {_table(meta)}{filt.clause()}"
        return int(_run(conn, sql, filt.params).rows[0][0])

    def estimate(self, conn: Connection, meta: TableMeta, filt: CompiledFilter) -> int:
        if not filt.where:
            return int(meta.rows_estimate or 0)
        try:
            result = _run(conn, f"EXPLAIN SELECT * FROM {_table(meta)}{filt.clause()}", filt.params)
            names = [c.name for c in result.columns]
            return int(result.rows[0][names.index("rows")] or 0) if result.rows else 0
        except (DatabaseError, ValueError, IndexError):
            return int(meta.rows_estimate or 0)

    # -- windows -----------------------------------------------------------------------------
    def window(
        self, conn: Connection, meta: TableMeta, scope, sort=None, filter_spec=None, start: int = 0, count: int = 200
    ) -> dict:
        started = time.perf_counter()
        try:
            start, count = int(start), int(count)
        except (TypeError, ValueError) as exc:
            raise GridError("start and count must be numbers") from exc
        if start < 0 or not 0 < count <= MAX_WINDOW:
            raise GridError(f"start must be >= 0 and count between 1 and {MAX_WINDOW}")
        sort_keys = parse_sort(sort, meta.column_names)
        filt = compile_filter(filter_spec, meta.column_names)
        order = effective_order(meta, sort_keys)
        keyset = bool(meta.row_key)
        view = self.cache.get(view_key(scope, meta, order, filt))
        total, exact = view.count, view.count is not None
        if total is None and view.estimate is None:
            view.estimate = self.estimate(conn, meta, filt)
            if view.estimate < EXACT_COUNT_BELOW:
                view.count = self.count(conn, meta, filt)
                total, exact = view.count, True
        if total is None:
            total = view.estimate
        if total is not None and exact and start >= total > 0:
            start = max(0, total - count)
        sql, params, plan = self._plan(conn, meta, view, order, filt, start, count, keyset)
        result = _run(conn, sql, params)
        rows = result.rows
        if not rows and start > 0:
            # Past the end (the estimate was high): count exactly, then serve the last rows.
            total = view.count if view.count is not None else self.count(conn, meta, filt)
            view.count, exact = total, True
            start = max(0, total - count)
            sql, params, plan = self._plan(conn, meta, view, order, filt, start, count, keyset)
            rows = _run(conn, sql, params).rows
        names = meta.column_names
        shows = cell_shapers(meta)
        if keyset and rows:
            positions = [names.index(k.column) for k in order]
            view.add(start, tuple(rows[0][i] for i in positions), LEARN_SPACING)
        if len(rows) < count:
            view.count, exact = start + len(rows), True
        elif not exact and total is not None and start + len(rows) > total:
            total = view.estimate = start + len(rows) + count  # the estimate was low: keep scrolling possible
        if view.count is not None:
            total, exact = view.count, True
        return {
            "start": start,
            "rows": [[show(v) for show, v in zip(shows, row)] for row in rows],
            "total": total if total is not None else start + len(rows),
            "exact": exact,
            "plan": plan,
            "order": [{"column": k.column, "dir": "desc" if k.desc else "asc"} for k in order],
            "where": render_sql(filt.where, filt.params) if filt.where else "",
            "sql": render_sql(sql, params),
            # The whole filtered/sorted view (no window), offered to Export; None when unfiltered and unsorted.
            "view_sql": view_sql(meta, sort_keys, order, filt),
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2),
            "prepare": keyset
            and not view.built
            and (plan == "offset" or (exact is False and PREPARE_MIN <= (total or 0) <= PREPARE_MAX)),
        }

    def prepare(self, conn: Connection, meta: TableMeta, scope, sort=None, filter_spec=None) -> None:
        """Build a view's anchors ahead of the first jump (run in the background after page 1)."""
        filt = compile_filter(filter_spec, meta.column_names)
        order = effective_order(meta, parse_sort(sort, meta.column_names))
        view = self.cache.get(view_key(scope, meta, order, filt))
        # One background build per table and session: a user clicking through sort orders must
        # not start a full sorted pass (and hold a connection) per click. A jump in a view left
        # out builds its anchors itself.
        table = (scope, meta.database, meta.table)
        with self._preparing_lock:
            if view.built or table in self._preparing:
                return
            self._preparing.add(table)
        try:
            self.build_anchors(conn, meta, view, order, filt)
        finally:
            with self._preparing_lock:
                self._preparing.discard(table)

    def _plan(self, conn, meta, view, order, filt, start, count, keyset) -> tuple[str, list, str]:
        cols = ", ".join(quote_for_format(c) for c in meta.column_names)
        base = f"SELECT {cols} FROM {_table(meta)}"
        order_sql = order_by_sql(order)
        if keyset and start > 0:
            near = view.nearest(start)
            if (near is None or start - near[0] > DIRECT_REACH) and not view.built:
                if self._jump_by_offset(meta, view, order):
                    return self._keys_first_offset(meta, order, filt, start, count)
                else:
                    self.build_anchors(conn, meta, view, order, filt)
                    near = view.nearest(start)
            if near is not None:
                position, key = near
                cond, cond_params = after_condition(order, key, inclusive=True, nullable=_nullable(meta))
                where, params = _both(filt, cond, cond_params)
                offset = start - position
                tail = f" LIMIT {count}" + (f" OFFSET {offset}" if offset else "")
                plan = "keyset" if offset == 0 else f"keyset+offset {offset}"
                return f"{base}{where}{order_sql}{tail}", params, plan
        tail = f" LIMIT {count}" + (f" OFFSET {start}" if start else "")
        return f"{base}{filt.clause()}{order_sql}{tail}", list(filt.params), "offset" if start else "first"

    @staticmethod
    def _keys_first_offset(meta: TableMeta, order, filt, start: int, count: int) -> tuple[str, list, str]:
        """OFFSET over the sort and row keys only, then the window's whole rows by row key: the
        server sorts narrow (sort key, row key) pairs as for page 1, where sorting whole rows (TEXT
        columns and all) for a deep OFFSET took seconds to tens of seconds."""
        table, start, count = _table(meta), int(start), int(count)
        keys = ", ".join(quote_for_format(c) for c in meta.row_key)
        inner = f"SELECT {keys} FROM {table}{filt.clause()}{order_by_sql(order)} LIMIT {count} OFFSET {start}"
        cols = ", ".join("r." + quote_for_format(c) for c in meta.column_names)
        on = " AND ".join(f"r.{quote_for_format(c)} = w.{quote_for_format(c)}" for c in meta.row_key)
        outer_order = ", ".join("r." + quote_for_format(k.column) + (" DESC" if k.desc else "") for k in order)
        sql = f"SELECT {cols} FROM {table} AS r JOIN ({inner}) AS w ON {on} ORDER BY {outer_order}"
        return sql, list(filt.params), "offset"

    @staticmethod
    def _jump_by_offset(meta: TableMeta, view: ViewIndex, order) -> bool:
        """A far jump in a big view whose order no index serves, before its anchors are built: one
        server sort of the narrow keys with LIMIT/OFFSET costs about one window, less than the narrow
        pass (which may be running in the background already: the jump must not wait for it). The window's first
        row becomes an anchor, and its answer asks for the anchors to be built in the background."""
        estimate = view.estimate or 0
        return max(PREPARE_MIN, EXACT_COUNT_BELOW) <= estimate <= PREPARE_MAX and not index_serves(meta, order)

    def build_anchors(self, conn: Connection, meta: TableMeta, view: ViewIndex, order, filt) -> None:
        """Anchors every ANCHOR_SPACING rows of the whole view, and its exact count."""
        with view.lock:
            if view.built:
                return
            if self._dense_key(conn, meta, view, order, filt):
                pass
            elif index_serves(meta, order):
                self._build_by_seeks(conn, meta, view, order, filt)
            else:
                self._build_by_pass(conn, meta, view, order, filt)
            view.built = True

    def _dense_key(self, conn, meta, view, order, filt) -> bool:
        """An unfiltered view in the order of a single integer key with no gaps (MIN..MAX all there):
        row N's key is MIN + N, no anchors needed. COUNT(*) reads the smallest index."""
        if filt.where or len(order) != 1 or [order[0].column] != meta.row_key:
            return False
        if (meta.column(order[0].column) or {}).get("data_type") not in INTEGER_TYPES:
            return False
        c = quote_for_format(order[0].column)
        low, high, n = _run(conn, f"SELECT MIN({c}), MAX({c}), COUNT(*) FROM {_table(meta)}", []).rows[0]
        view.count = int(n)
        if n and high - low + 1 == n:
            view.dense = (high, -1) if order[0].desc else (low, 1)
            return True
        return False

    def _key_select(self, meta, order) -> str:
        cols = ", ".join(quote_for_format(k.column) for k in order)
        return f"SELECT {cols} FROM {_table(meta)}"

    def _build_by_seeks(self, conn, meta, view, order, filt) -> None:
        base, order_sql = self._key_select(meta, order), order_by_sql(order)
        first = _run(conn, f"{base}{filt.clause()}{order_sql} LIMIT 1", list(filt.params)).rows
        if not first:
            view.count = 0
            return
        position, key = 0, tuple(first[0])
        view.add(0, key)
        deadline = time.monotonic() + BUILD_SECONDS
        while time.monotonic() < deadline:
            cond, cond_params = after_condition(order, key, inclusive=True, nullable=_nullable(meta))
            where, params = _both(filt, cond, cond_params)
            rows = _run(conn, f"{base}{where}{order_sql} LIMIT 1 OFFSET {ANCHOR_SPACING}", params).rows
            if not rows:
                table = _table(meta)
                tail = _run(conn, f"SELECT COUNT(*) FROM {table}{where}", params).rows[0][0]
                view.count = position + int(tail)
                return
            position, key = position + ANCHOR_SPACING, tuple(rows[0])
            view.add(position, key)

    def _build_by_pass(self, conn, meta, view, order, filt) -> None:
        """One narrow pass over the view in its order (the sort key and the row key only): the
        server sorts once, every SORTED_ANCHOR_SPACING-th row becomes an anchor and the rows in
        between are skipped undecoded. About the cost of one deep window, and it counts exactly."""
        sql = f"{self._key_select(meta, order)}{filt.clause()}{order_by_sql(order)}"
        params = list(filt.params)
        samples, total = conn.sample(sql if params else sql % (), params, SORTED_ANCHOR_SPACING)
        for i, row in enumerate(samples):
            view.add(i * SORTED_ANCHOR_SPACING, tuple(row))
        view.count = total

    def count_exact(self, conn: Connection, meta: TableMeta, scope, sort=None, filter_spec=None) -> dict:
        started = time.perf_counter()
        filt = compile_filter(filter_spec, meta.column_names)
        order = effective_order(meta, parse_sort(sort, meta.column_names))
        view = self.cache.get(view_key(scope, meta, order, filt))
        total = self.count(conn, meta, filt)
        view.count = total
        return {"total": total, "exact": True, "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)}

    def invalidate(self, scope, database: str, table: str) -> None:
        self.cache.invalidate(scope, database, table)
