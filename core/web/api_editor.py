"""The SQL editor's page and JSON API: query jobs (run, poll, rows, stop, confirm, export),
EXPLAIN, schema for autocomplete, history, saved queries and tabs."""

import asyncio
import re
import secrets

import tornado.web
from tornado.ioloop import IOLoop

from core.services.grid import cell_values, cells
from core.services.query import explain as explain_service
from core.services.query import export
from core.services.query.jobs import RUNNING, pick_statements
from core.services.saved_files import save_file
from core.services.schema import tree
from core.web.api_transfer import attachment
from core.web.base import CONTENT_SECURITY_POLICY, ApiHandler, BaseHandler, UserError, as_int

LONG_POLL_SECONDS = 10
MAX_WINDOW = 5000
TAB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


INLINE_ROWS = 200  # a finished result this small travels with the job: one round trip for SELECT 1


def job_payload(job) -> dict:
    """The job's JSON, with the first rows (up to 200) of each row set inline: the grid shows them
    without another request. Reads the spool: call in the executor."""
    data = job.as_json()
    for item, result in list(zip(data["results"], job.results))[:5]:
        count = item["row_count"]
        if result.spool is None or not count:
            continue
        if result.head is not None:
            item["rows"] = result.head
            continue
        rows = preview_rows(result.spool.read(0, INLINE_ROWS))
        if len(rows) == INLINE_ROWS or not item["fetching"]:
            result.head = rows  # complete: later polls reuse it instead of reading the spool again
        item["rows"] = rows
    return data


def preview_rows(rows: list[list]) -> list[list]:
    """Rows for the grid: long text and binary cut for display (the dialog and Copy read the cell)."""
    return [[cells.preview_json(v) for v in row] for row in rows]


def _streaming(job) -> bool:
    """A big result has started arriving: answer now so the grid shows the first rows."""
    return any(r.fetching and r.spool is not None and r.spool.count for r in job.results)


async def wait_for_change(job, after: int, timeout: float) -> None:
    """Return once the job's version passes `after` (or it is not running), or after timeout."""
    if job.version > after or job.state != RUNNING:
        return
    loop = IOLoop.current()
    changed = asyncio.Event()
    job.on_change(lambda: loop.add_callback(changed.set))
    if job.version > after or job.state != RUNNING:
        return
    try:
        await asyncio.wait_for(changed.wait(), timeout)
    except TimeoutError:
        pass


class SqlPageHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self, db=None):
        # CodeMirror injects its theme as <style> elements: allow exactly those, by a per-response
        # nonce (EditorView.cspNonce), instead of opening style-src to 'unsafe-inline'.
        nonce = secrets.token_urlsafe(18)
        policy = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
        self.set_header("Content-Security-Policy", policy)
        database = db or self.current_user.params.database or ""
        native = getattr(self.application, "file_dialogs", None) is not None
        self.render("sql.html", session=self.current_user, database=database, style_nonce=nonce, native=native)


class QueryApi(ApiHandler):
    @property
    def jobs(self):
        return self.application.query_jobs

    def job_or_404(self, job_id):
        job = self.jobs.get(self.db_session, job_id)
        if job is None:
            dropped = self.jobs.dropped_reason(job_id)
            if dropped:
                raise UserError(410, f"This result is gone. {dropped}")
            raise UserError(404, "No such query (it may have expired): run it again.")
        return job


class StartQueryHandler(QueryApi):
    async def post(self):
        body = self.read_json()
        sql = body.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise UserError(400, "Nothing to run: the editor is empty.")
        tab = str(body.get("tab") or "default")
        if not TAB_ID.match(tab):
            raise UserError(400, "Field 'tab' must be a short id (letters, digits, - and _).")
        mode = body.get("mode", "all")
        if mode not in ("all", "current"):
            raise UserError(400, "Field 'mode' must be 'all' or 'current'.")
        cursor = body.get("cursor") or 0
        statements = pick_statements(sql, mode, as_int(cursor, "cursor"))
        if not statements:
            raise UserError(400, "Nothing to run: only comments or blanks.")
        job = self.jobs.start(  # a JobBusy answers 409 (BaseHandler.write_error)
            self.db_session,
            tab,
            statements,
            body.get("database") or None,
            safe_mode=bool(body.get("safe_mode")),
            stop_on_error=body.get("on_error", "stop") != "continue",
            line_offset=as_int(body.get("line_offset") or 0, "line_offset"),
        )
        # Optionally wait a little for a quick statement to finish: answer in one round trip.
        wait = min(1.0, max(0.0, float(body.get("wait") or 0)))
        deadline = IOLoop.current().time() + wait
        while job.state == RUNNING and not _streaming(job) and IOLoop.current().time() < deadline:
            await wait_for_change(job, job.version, deadline - IOLoop.current().time())
        self.write_json(await self.run_blocking(job_payload, job), ensure_ascii=False)


class JobHandler(QueryApi):
    async def get(self, job_id):
        """The job's state; with ?after=<version>, wait (up to 10 s) until it changes."""
        job = self.job_or_404(job_id)
        after = self.get_query_argument("after", None)
        if after is not None:
            await wait_for_change(job, as_int(after, "after"), LONG_POLL_SECONDS)
        self.write_json(await self.run_blocking(job_payload, job), ensure_ascii=False)


class RowsHandler(QueryApi):
    async def get(self, job_id):
        job = self.job_or_404(job_id)
        try:
            result = job.result(int(self.get_query_argument("result", "0")))
            start = int(self.get_query_argument("from", "0"))
            count = min(MAX_WINDOW, int(self.get_query_argument("count", "200")))
        except (KeyError, ValueError) as exc:
            raise UserError(400, "Bad result number or window") from exc
        if result.spool is None:
            raise UserError(400, "This statement returned no rows")
        rows = await self.run_blocking(lambda: preview_rows(result.spool.read(start, count)))
        self.write_json(
            {"from": start, "rows": rows, "total": result.spool.count, "fetching": result.fetching}, ensure_ascii=False
        )


class CellApi(QueryApi):
    """One cell of a spooled result, named by result, row and col (query arguments or JSON body)."""

    async def cell_value(self, args: dict):
        job = self.job_or_404(self.path_kwargs["job_id"])
        result = job.result(as_int(args.get("result", 0), "result"))  # a NoSuchResult answers 400
        if result.spool is None:
            raise UserError(400, "This statement returned no rows")
        row, col = as_int(args.get("row"), "row"), as_int(args.get("col"), "col")
        if row < 0 or not 0 <= col < len(result.columns):
            raise UserError(400, "No such row or column")
        rows = await self.run_blocking(result.spool.read, row, 1)
        if not rows:
            raise UserError(404, "No such row (yet)")
        return rows[0][col], result.columns[col]


class CellHandler(CellApi):
    """GET ?result=&row=&col=&offset=&limit= → a page of the cell's real value
    ({kind, size, offset, value, complete}, as core.services.grid.cell_values.read_page)."""

    async def get(self, job_id):
        args = {k: self.get_query_argument(k, None) for k in ("result", "row", "col", "offset", "limit")}
        value, _column = await self.cell_value(args)
        page = cell_values.page_of_json(value, args["offset"], args["limit"])  # a CellError answers 400
        self.write_json(page, ensure_ascii=False)


def cell_bytes(value) -> tuple[bytes, str]:
    """A spooled JSON cell as file bytes and a suffix."""
    if isinstance(value, dict) and "binary" in value:
        return bytes.fromhex(value["binary"]), "bin"
    return str(value).encode("utf-8"), "txt"


def cell_filename(column, suffix: str) -> str:
    return f"{column.get('name') or 'value'}.{suffix}"


class CellDownloadHandler(CellApi):
    """GET ?result=&row=&col= → the whole value as a file (the browser's way; the window uses save)."""

    async def get(self, job_id):
        args = {k: self.get_query_argument(k, None) for k in ("result", "row", "col")}
        value, column = await self.cell_value(args)
        if value is None:
            raise UserError(404, "The cell is NULL")
        data, suffix = cell_bytes(value)
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", attachment(cell_filename(column, suffix)))
        self.write(data)


class CellSaveHandler(CellApi):
    """POST {result, row, col} in the native window: ask where (native dialog), write the whole value."""

    async def post(self, job_id):
        value, column = await self.cell_value(self.read_json())
        if value is None:
            raise UserError(404, "The cell is NULL")
        dialogs = self.native_dialogs()
        data, suffix = cell_bytes(value)
        path = await self.run_blocking(dialogs.save_file, cell_filename(column, suffix))
        if not path:
            return self.write_json({"saved": False})
        await self.run_blocking(save_file, path, data)
        self.write_json({"saved": True, "path": path, "bytes": len(data)})


class CancelHandler(QueryApi):
    async def post(self, job_id):
        job = self.job_or_404(job_id)
        stopped = await self.run_blocking(self.jobs.cancel, self.db_session, job)
        self.write_json({"stopped": stopped, "state": job.state})


class ConfirmHandler(QueryApi):
    async def post(self, job_id):
        job = self.job_or_404(job_id)
        body = self.read_json()
        if job.pending is None or body.get("index") != job.pending.get("index"):
            raise UserError(409, "That statement is no longer waiting for confirmation.")
        self.jobs.confirm(self.db_session, job)
        self.write_json(job.as_json())


class ExportHandler(QueryApi):
    async def get(self, job_id):
        job = self.job_or_404(job_id)
        fmt = self.get_query_argument("format", "csv")
        if fmt not in export.FORMATS:
            raise UserError(400, "Format must be csv, json or sql")
        try:
            result = job.result(int(self.get_query_argument("result", "0")))
        except (KeyError, ValueError) as exc:
            raise UserError(400, "Bad result number") from exc
        if result.spool is None:
            raise UserError(400, "This statement returned no rows")
        table = self.get_query_argument("table", "result") or "result"
        self.set_header("Content-Type", export.FORMATS[fmt] + "; charset=UTF-8")
        self.set_header("Content-Disposition", f'attachment; filename="result.{fmt}"')
        chunks = export.export_chunks(result.columns, result.spool.iter_blocks(), fmt, table)
        while True:
            chunk = await self.run_blocking(next, chunks, None)
            if chunk is None:
                break
            self.write(chunk.encode("utf-8"))
            await self.flush()


class SaveExportHandler(QueryApi):
    """In the native window (where download links do nothing): ask where to save, write it there.

    Uses app.file_dialogs (set by the launcher when a pywebview window exists; None otherwise)."""

    async def post(self, job_id):
        job = self.job_or_404(job_id)
        body = self.read_json()
        fmt = body.get("format", "csv")
        if fmt not in export.FORMATS:
            raise UserError(400, "Format must be csv, json or sql")
        result = job.result(as_int(body.get("result", 0), "result"))  # a NoSuchResult answers 400
        if result.spool is None:
            raise UserError(400, "This statement returned no rows")
        dialogs = self.native_dialogs(links="links")
        path = await self.run_blocking(dialogs.save_file, f"result.{fmt}")
        if not path:
            return self.write_json({"saved": False})
        table = str(body.get("table") or "result")
        chunks = export.export_chunks(result.columns, result.spool.iter_blocks(), fmt, table)
        size = await self.run_blocking(save_file, path, chunks)
        self.write_json({"saved": True, "path": path, "bytes": size})


class ExplainHandler(ApiHandler):
    async def post(self):
        body = self.read_json()
        sql = body.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise UserError(400, "Nothing to explain.")
        statements = pick_statements(sql, "current", as_int(body.get("cursor") or 0, "cursor"))
        if not statements:
            raise UserError(400, "Nothing to explain: only comments or blanks.")
        plan = await self.with_connection(
            explain_service.explain, statements[0].text, body.get("database") or None, bool(body.get("analyze"))
        )
        plan["statement"] = statements[0].text
        self.write_json(plan, ensure_ascii=False)


class SchemaHandler(ApiHandler):
    async def get(self):
        database = self.get_query_argument("database", "") or None
        data = await self.with_connection(tree.completion_schema, database)
        self.write_json(data, ensure_ascii=False)


class HistoryHandler(ApiHandler):
    async def get(self):
        q = self.get_query_argument("q", "")
        rows = await self.run_blocking(self.application.store.history, q, 200)
        self.write_json({"history": rows}, ensure_ascii=False)


class SavedQueriesHandler(ApiHandler):
    async def get(self):
        rows = await self.run_blocking(self.application.store.saved_queries)
        self.write_json({"saved": rows}, ensure_ascii=False)

    async def post(self):
        body = self.read_json()
        name, sql = body.get("name"), body.get("sql")
        if not isinstance(name, str) or not name.strip():
            raise UserError(400, "A saved query needs a name.")
        if not isinstance(sql, str) or not sql.strip():
            raise UserError(400, "Nothing to save: the editor is empty.")
        row = await self.run_blocking(self.application.store.save_query, name.strip(), sql, body.get("database"))
        self.write_json(row, ensure_ascii=False)


class SavedQueryHandler(ApiHandler):
    async def delete(self, query_id):
        if not await self.run_blocking(self.application.store.delete_saved_query, int(query_id)):
            raise UserError(404, "No such saved query")
        self.write_json({"deleted": int(query_id)})


class TabsHandler(ApiHandler):
    async def get(self):
        tabs = await self.run_blocking(self.application.store.editor_tabs)
        self.write_json({"tabs": tabs}, ensure_ascii=False)

    async def put(self):
        tabs = self.read_json().get("tabs")
        if not isinstance(tabs, list) or not all(
            isinstance(t, dict) and TAB_ID.match(str(t.get("id", ""))) and isinstance(t.get("sql"), str) for t in tabs
        ):
            raise UserError(400, "Field 'tabs' must be a list of {id, title, sql, database}.")
        clean = [{"id": t["id"], "title": str(t.get("title") or "Query")[:100], "sql": t["sql"],
                  "database": t.get("database") or None} for t in tabs]  # fmt: skip
        await self.run_blocking(self.application.store.save_editor_tabs, clean)
        # A closed tab's connection (and any of a logged-out session) is not needed any more.
        await self.run_blocking(
            self.application.query_jobs.close_unused,
            lambda sid: self.application.sessions.get(sid) is not None,
            self.db_session.id,
            {t["id"] for t in clean},
        )
        self.write_json({"saved": len(clean)})


class OpenWorkHandler(ApiHandler):
    """What logging out would throw away: editor tabs with an open transaction or a running query
    (the Log out button asks first when there are any; log out rolls them back)."""

    def get(self):
        tabs = self.application.query_jobs.open_transactions(self.db_session)
        self.write_json({"tabs": tabs})


class OptionsHandler(ApiHandler):
    """The editor's toggles (safe mode, on error), kept in the per-user store across restarts."""

    KEY = "editor.options"

    async def get(self):
        options = await self.run_blocking(self.application.store.get_setting, self.KEY, {})
        self.write_json({"safe_mode": bool(options.get("safe_mode")), "on_error": options.get("on_error", "stop")})

    async def put(self):
        body = self.read_json()
        on_error = body.get("on_error", "stop")
        if on_error not in ("stop", "continue"):
            raise UserError(400, "Field 'on_error' must be 'stop' or 'continue'.")
        options = {"safe_mode": bool(body.get("safe_mode")), "on_error": on_error}
        await self.run_blocking(self.application.store.set_setting, self.KEY, options)
        self.write_json(options)


JOB = r"(?P<job_id>[A-Za-z0-9_-]+)"
ROUTES = [
    (r"/sql", SqlPageHandler),
    (r"/db/(?P<db>[^/]+)/sql", SqlPageHandler),
    (r"/api/query", StartQueryHandler),
    (rf"/api/query/{JOB}", JobHandler),
    (rf"/api/query/{JOB}/rows", RowsHandler),
    (rf"/api/query/{JOB}/cell", CellHandler),
    (rf"/api/query/{JOB}/cell/download", CellDownloadHandler),
    (rf"/api/query/{JOB}/cell/save", CellSaveHandler),
    (rf"/api/query/{JOB}/cancel", CancelHandler),
    (rf"/api/query/{JOB}/confirm", ConfirmHandler),
    (rf"/api/query/{JOB}/export", ExportHandler),
    (rf"/api/query/{JOB}/save", SaveExportHandler),
    (r"/api/explain", ExplainHandler),
    (r"/api/editor/schema", SchemaHandler),
    (r"/api/editor/history", HistoryHandler),
    (r"/api/editor/saved", SavedQueriesHandler),
    (r"/api/editor/saved/(?P<query_id>[0-9]+)", SavedQueryHandler),
    (r"/api/editor/tabs", TabsHandler),
    (r"/api/editor/options", OptionsHandler),
    (r"/api/editor/open-work", OpenWorkHandler),
]
