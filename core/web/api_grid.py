"""The table grid's JSON API: metadata, row windows, counts, applying edits, whole cells, prefs."""

import json
import logging

from tornado.ioloop import IOLoop

from core.services.grid import cell_values
from core.services.grid.edits import apply_changes
from core.services.grid.state import GridState
from core.services.saved_files import save_file
from core.web.api_transfer import attachment
from core.web.base import ApiHandler, UserError

log = logging.getLogger("eddy.grid")


def prefs_key(session, database: str, table: str) -> str:
    return f"grid.prefs:{session.params.label()}:{database}:{table}"


class GridHandler(ApiHandler):
    """Shared plumbing: the session scope, metadata, and turning service errors into 400s."""

    @property
    def state(self) -> GridState:
        return self.application.grid_state

    @property
    def scope(self) -> str:
        return self.db_session.id

    async def call(self, fn, db, table, *args, fresh=False, **kwargs):
        state, scope = self.state, self.scope

        def work(conn):
            meta = state.meta(conn, scope, db, table, fresh=fresh)
            return fn(conn, meta, *args, **kwargs)

        return await self.with_connection(work)  # a GridError, FilterError, EditError or CellError answers 400


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
                "outcome": result.outcome,
                "message": result.message,
            }
        )


class CellHandler(GridHandler):
    """POST {key, column, offset?, limit?} → a page of the cell's real value read from the server:
    {kind, size, offset, value, complete} (core.services.grid.cell_values). Without a row key (views):
    {at: {position, sort, filter}} instead of key."""

    async def post(self, db, table):
        body = self.read_json()
        page = await self.call(
            lambda conn, meta: cell_values.read_page(
                conn,
                meta,
                body.get("key"),
                body.get("column"),
                body.get("offset", 0),
                body.get("limit"),
                body.get("at"),
            ),
            db,
            table,
        )
        self.write_json(page, ensure_ascii=False)


def cell_filename(table: str, column: str, suffix: str) -> str:
    return f"{table}.{column}.{suffix}"


class DownloadHandler(GridHandler):
    """GET ?key=<json>&column= → the whole value of one cell as a file (text as UTF-8)."""

    async def get(self, db, table):
        try:
            key = json.loads(self.get_query_argument("key", "{}"))
            at = json.loads(self.get_query_argument("at", "null"))
        except ValueError as exc:
            raise UserError(400, "key and at must be JSON") from exc
        column = self.get_query_argument("column", "")
        size = self.get_query_argument("size", None)
        value, suffix = await self.call(
            lambda conn, meta: cell_values.read_whole(conn, meta, key, column, at, size), db, table
        )
        if value is None:
            raise UserError(404, "The cell is NULL")
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", attachment(cell_filename(table, column, suffix)))
        self.write(data)


class SaveCellHandler(GridHandler):
    """POST {key, column} (or {at, size, column} in a view) in the native window: ask where to save
    (native dialog), write the whole value."""

    async def post(self, db, table):
        body = self.read_json()
        key, column = body.get("key"), body.get("column")
        if not isinstance(column, str):
            raise UserError(400, "'column' must be a column name")
        dialogs = self.native_dialogs()
        at, size = body.get("at"), body.get("size")
        value, suffix = await self.call(
            lambda conn, meta: cell_values.read_whole(conn, meta, key, column, at, size), db, table
        )
        if value is None:
            raise UserError(404, "The cell is NULL")
        path = await self.run_blocking(dialogs.save_file, cell_filename(table, column, suffix))
        if not path:
            return self.write(json.dumps({"saved": False}))
        size = await self.run_blocking(save_file, path, value)
        self.write(json.dumps({"saved": True, "path": path, "bytes": size}))


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
    (rf"{BASE}/cell/save", SaveCellHandler),
    (rf"{BASE}/prefs", PrefsHandler),
]
