"""The table grid's JSON API: metadata, row windows, counts, applying edits, whole cells, prefs."""

import json
import logging
import threading
import time
from urllib.parse import quote

from tornado.ioloop import IOLoop

from core.services import cells
from core.services.editor import EditError, apply_changes
from core.services.filters import FilterError
from core.services.grid import GridError, WindowPlanner, read_cell
from core.services.table_meta import TableMeta, load_table_meta
from core.web.base import ApiHandler, UserError

log = logging.getLogger("eddy.grid")

META_SECONDS = 30.0  # table metadata is re-read after this long, and whenever the page loads
PANEL_LIMIT = 4 * 1024 * 1024  # bytes/characters the side panel receives whole


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


def grid_state(application) -> GridState:
    state = getattr(application, "grid_state", None)
    if state is None:
        state = application.grid_state = GridState()
    return state


def prefs_key(session, database: str, table: str) -> str:
    return f"grid.prefs:{session.params.label()}:{database}:{table}"


class GridHandler(ApiHandler):
    """Shared plumbing: the session scope, metadata, and turning service errors into 400s."""

    @property
    def state(self) -> GridState:
        return grid_state(self.application)

    @property
    def scope(self) -> str:
        return self.db_session.id

    async def call(self, fn, db, table, *args, fresh=False, **kwargs):
        state, scope = self.state, self.scope

        def work(conn):
            meta = state.meta(conn, scope, db, table, fresh=fresh)
            return fn(conn, meta, *args, **kwargs)

        try:
            return await self.with_connection(work)
        except (GridError, FilterError, EditError) as exc:
            raise UserError(400, str(exc)) from exc

    def write_json(self, data) -> None:
        self.write(json.dumps(data, default=str))


class MetaHandler(GridHandler):
    async def get(self, db, table):
        meta = await self.call(lambda conn, meta: meta, db, table, fresh=True)
        prefs = await self.run_blocking(self.application.store.get_setting, prefs_key(self.db_session, db, table), {})
        self.write_json({**meta.to_json(), "prefs": prefs})


class RowsHandler(GridHandler):
    async def post(self, db, table):
        body = self.read_json()
        planner, scope = self.state.planner, self.scope
        if body.get("refresh"):
            planner.invalidate(scope, db, table)
        result = await self.call(
            lambda conn, meta: planner.window(
                conn, meta, scope, body.get("sort"), body.get("filter"), body.get("start", 0), body.get("count", 200)
            ),
            db,
            table,
        )
        if result.pop("prepare", False):
            # A big view: build its anchors now (seeks on an index, or one narrow sorted pass), so the
            # first jump is cheap.
            IOLoop.current().spawn_callback(self.prepare_view, db, table, body.get("sort"), body.get("filter"))
        self.write_json(result)

    async def prepare_view(self, db, table, sort, filter_spec):
        planner, scope = self.state.planner, self.scope
        try:
            await self.call(lambda conn, meta: planner.prepare(conn, meta, scope, sort, filter_spec), db, table)
        except Exception as exc:  # only an optimisation: the jump itself will build them
            log.warning("building anchors for %s.%s failed: %s", db, table, exc)


class CountHandler(GridHandler):
    async def post(self, db, table):
        body = self.read_json()
        planner, scope = self.state.planner, self.scope
        result = await self.call(
            lambda conn, meta: planner.count_exact(conn, meta, scope, body.get("sort"), body.get("filter")), db, table
        )
        self.write_json(result)


class ApplyHandler(GridHandler):
    async def post(self, db, table):
        body = self.read_json()
        preview = bool(body.get("preview"))
        result = await self.call(lambda conn, meta: apply_changes(conn, meta, body.get("changes"), preview), db, table)
        if not preview and result.ok:
            self.state.planner.invalidate(self.scope, db, table)
        self.write_json(
            {
                "ok": result.ok,
                "statements": result.statements,
                "errors": result.errors,
                "affected": result.affected,
                "inserted_ids": result.inserted_ids,
            }
        )


class CellHandler(GridHandler):
    """POST {key, column} → the whole value (JSON cell, not cut)."""

    async def post(self, db, table):
        body = self.read_json()
        value = await self.call(
            lambda conn, meta: read_cell(conn, meta, body.get("key") or {}, body.get("column")), db, table
        )
        if isinstance(value, (bytes, bytearray)) and len(value) > PANEL_LIMIT:
            # Too big to show as hex: a preview, and the download link for the rest.
            self.write_json({"value": {"binary": bytes(value[:65536]).hex(), "size": len(value), "truncated": True}})
            return
        if isinstance(value, str) and len(value) > PANEL_LIMIT:
            self.write_json({"value": {"text": value[:PANEL_LIMIT], "length": len(value), "truncated": True}})
            return
        self.write_json({"value": cells.to_json(value)})


class DownloadHandler(GridHandler):
    """GET ?key=<json>&column= → the raw bytes of one cell as a file."""

    async def get(self, db, table):
        try:
            key = json.loads(self.get_query_argument("key", "{}"))
        except ValueError as exc:
            raise UserError(400, "key must be JSON") from exc
        column = self.get_query_argument("column", "")
        value = await self.call(lambda conn, meta: read_cell(conn, meta, key, column), db, table)
        if value is None:
            raise UserError(404, "The cell is NULL")
        data = value if isinstance(value, (bytes, bytearray)) else cells.to_text(value).encode("utf-8")
        self.set_header("Content-Type", "application/octet-stream")
        name = quote(f"{table}.{column}.bin", safe="")
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{name}")
        self.write(bytes(data))


class PrefsHandler(GridHandler):
    """Hidden columns and widths per table, in the per-user store (survives private-mode webviews)."""

    async def get(self, db, table):
        prefs = await self.run_blocking(self.application.store.get_setting, prefs_key(self.db_session, db, table), {})
        self.write_json(prefs)

    async def post(self, db, table):
        body = self.read_json()
        hidden = body.get("hidden", [])
        widths = body.get("widths", {})
        if not isinstance(hidden, list) or not isinstance(widths, dict):
            raise UserError(400, "prefs are {hidden: [names], widths: {name: px}}")
        clean = {
            "hidden": [str(h) for h in hidden][:1000],
            "widths": {str(k): max(30, min(2000, int(v))) for k, v in widths.items() if isinstance(v, (int, float))},
        }
        await self.run_blocking(self.application.store.set_setting, prefs_key(self.db_session, db, table), clean)
        self.write_json(clean)


BASE = r"/api/db/(?P<db>[^/]+)/table/(?P<table>[^/]+)"
ROUTES = [
    (rf"{BASE}/meta", MetaHandler),
    (rf"{BASE}/rows", RowsHandler),
    (rf"{BASE}/count", CountHandler),
    (rf"{BASE}/apply", ApplyHandler),
    (rf"{BASE}/cell", CellHandler),
    (rf"{BASE}/download", DownloadHandler),
    (rf"{BASE}/prefs", PrefsHandler),
]
