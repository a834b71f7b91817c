"""Import/export endpoints: uploads, native dialogs, preview, jobs (progress/cancel), downloads.

Handlers stay thin: the work is in core.services.transfer, run as jobs (core.services.jobs) on
their own threads with their own connection, so a long import never holds the request pool.
"""

import errno
import os
import shutil
import urllib.parse
from pathlib import Path

import tornado.web
from tornado.ioloop import IOLoop

from core.db import Connection
from core.services.transfer import csv_import, export, preview, sql_import
from core.services.transfer.files import discard_partial
from core.services.transfer.formats import Dialect
from core.services.transfer.new_table import import_creating_table
from core.web.base import ApiHandler, UserError

MAX_UPLOAD_BYTES = 256 * 1024**3
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "sql": "application/sql",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class TransferHandler(ApiHandler):
    @property
    def owner(self) -> str:
        return self.db_session.id

    async def file_for(self, token: str | None, purpose: str = "read"):
        entry = self.application.transfer_files.get(token, self.owner, purpose)
        if entry is None or (purpose == "read" and not await self.off_loop(entry.path.is_file)):
            raise UserError(404, "That file is no longer available: choose it again")
        return entry

    def start_job(self, kind: str, title: str, work) -> dict:
        params, flavour = self.db_session.params, self.db_session.flavour

        def run(job):
            conn = Connection(params, flavour=flavour)
            try:
                return work(conn, job)
            finally:
                conn.close()

        job = self.application.jobs.start(kind, title, run, owner=self.owner)
        return job.snapshot()

    async def off_loop(self, fn, *args):
        """A small blocking file call (stat, open, unlink) in the worker pool, not on the IOLoop."""
        return await IOLoop.current().run_in_executor(self.application.executor, fn, *args)


class CapabilitiesHandler(TransferHandler):
    def get(self):
        self.write_json({"native_dialogs": getattr(self.application, "file_dialogs", None) is not None})


@tornado.web.stream_request_body
class UploadHandler(TransferHandler):
    """The browser's way in: the raw file body streamed to a temp file (never held in memory)."""

    body_media_types = ("application/octet-stream",)

    async def prepare(self):
        super().prepare()
        self.request.connection.set_max_body_size(MAX_UPLOAD_BYTES)
        name = os.path.basename(self.get_query_argument("name", "upload")) or "upload"
        files = self.application.transfer_files
        self._path = files.new_temp_path(Path(name).suffix[:10])
        self._name = name
        self._failed: OSError | None = None
        self._file = await self.off_loop(open, self._path, "wb")  # closed in post/on_connection_close

    async def data_received(self, chunk: bytes):
        if self._failed is not None:
            return  # the rest of the body is read and dropped; post() says what happened
        try:
            await IOLoop.current().run_in_executor(self.application.executor, self._file.write, chunk)
        except OSError as exc:  # a full disk: keep nothing, answer in words once the body is in
            self._failed = exc
            await self.off_loop(discard_partial, self._file, self._path)

    async def post(self):
        if self._failed is not None:
            full = self._failed.errno in (errno.ENOSPC, errno.EDQUOT)
            reason = "the disk is full" if full else (self._failed.strerror or str(self._failed))
            raise UserError(
                507 if full else 503,
                f"The upload could not be stored in {self._path.parent}: {reason}. Nothing was kept; "
                "free some space and try again.",
            )
        try:
            await self.off_loop(self._file.close)  # flushes the last bytes: may be where the disk turns out full
        except OSError as exc:
            await self.off_loop(discard_partial, self._file, self._path)
            self._failed = exc
            return await self.post()
        # add() deletes the uploads this one replaces (they may be GBs): not on the IOLoop.
        entry = await self.off_loop(self.application.transfer_files.add, self._path, self._name, self.owner, True)
        size = (await self.off_loop(entry.path.stat)).st_size
        self.write_json({"file": entry.token, "name": entry.name, "size": size})

    def on_connection_close(self):
        f = getattr(self, "_file", None)
        if f is not None and not f.closed:
            IOLoop.current().run_in_executor(self.application.executor, discard_partial, f, self._path)


class DialogHandler(TransferHandler):
    """The window's way: the native open/save dialog, answered with a token for the chosen path."""

    async def post(self):
        dialogs = getattr(self.application, "file_dialogs", None)
        if dialogs is None:
            raise UserError(409, "No native window: use the file upload / download instead")
        body = self.read_json()
        mode = body.get("mode")
        if mode == "open":
            path = await IOLoop.current().run_in_executor(None, dialogs.open_file)
            purpose = "read"
        elif mode == "save":
            filename = os.path.basename(str(body.get("filename") or "export"))
            path = await IOLoop.current().run_in_executor(None, dialogs.save_file, filename)
            purpose = "write"
        else:
            raise UserError(400, "mode must be 'open' or 'save'")
        if not path:
            return self.write_json({"cancelled": True})
        if mode == "save" and body.get("copy_from"):
            # A file the server already has (rejected rows): the window cannot download, so copy it.
            source = await self.file_for(body["copy_from"], purpose="download")
            await IOLoop.current().run_in_executor(self.application.executor, shutil.copyfile, source.path, path)
            return self.write_json({"saved": str(path), "name": Path(path).name})
        entry = await self.off_loop(
            self.application.transfer_files.add, Path(path), Path(path).name, self.owner, False, purpose
        )
        self.write_json({"file": entry.token, "name": entry.name, "path": str(path)})


class PreviewHandler(TransferHandler):
    async def post(self):
        body = self.read_json()
        entry = await self.file_for(body.get("file"))
        result = await self.with_connection(  # a BadOptions answers 400
            preview.preview,
            entry.path,
            body.get("database"),
            body.get("table") or None,
            body.get("dialect"),
            entry.name,
        )
        result["name"] = entry.name
        self.write_json(result)


class ImportHandler(TransferHandler):
    """Start a CSV/TSV import job (optionally creating the table first from edited DDL)."""

    async def post(self):
        body = self.read_json()
        entry = await self.file_for(body.get("file"))
        database = body.get("database")
        if not database:
            raise UserError(400, "Field 'database' is required")
        table = body.get("table") or None
        create_sql = (body.get("create_sql") or "").strip() or None
        if not table and not create_sql:
            raise UserError(400, "Give a table to import into, or a CREATE TABLE to make one")
        dialect = Dialect.from_dict(body.get("dialect") or {})  # these parsers raise BadOptions: a 400
        opts = csv_import.ImportOptions.from_dict(body.get("options") or {})
        mapping = csv_import.mapping_from_list(body["mapping"]) if body.get("mapping") else None
        rejects_dir = self.application.transfer_files.folder
        files = self.application.transfer_files
        owner = self.owner

        def work(conn, job):
            job.bytes_total = entry.path.stat().st_size

            def run_import(target):
                return csv_import.run_import(
                    conn, database, target, entry.path, dialect, opts, mapping, job, rejects_dir
                )

            if create_sql:
                result = import_creating_table(conn, database, create_sql, run_import)
            else:
                result = {**run_import(table), "table": table}
            target = result["table"]
            if result.get("rejects_path"):
                rejects = files.add(
                    Path(result.pop("rejects_path")),
                    f"{target}-rejected-rows.csv",
                    owner,
                    temporary=True,
                    purpose="download",
                )
                result["rejects"] = rejects.token
            return result

        title = f"Import {entry.name} into {database}.{table or '(new table)'}"
        self.write_json(self.start_job("import", title, work))


class SqlImportHandler(TransferHandler):
    async def post(self):
        body = self.read_json()
        entry = await self.file_for(body.get("file"))
        opts = sql_import.ScriptOptions.from_dict(body)  # a BadOptions answers 400

        def work(conn, job):
            # Refuses (nothing run) a script naming other databases than opts.database, unless
            # allow_databases lists each: the job's result then carries them for the confirm step.
            return sql_import.run_script(conn, entry.path, opts, job)

        title = f"Run {entry.name}" + (f" in {opts.database}" if opts.database else "")
        self.write_json(self.start_job("sql-import", title, work))


class ExportHandler(TransferHandler):
    """Start an export job into a dialog-chosen path, or into a temp file for download."""

    async def post(self):
        body = self.read_json()
        opts = export.ExportOptions.from_dict(body.get("options") or {})  # a BadOptions answers 400
        source = export.ExportSource(
            database=body.get("database") or None,
            table=body.get("table") or None,
            sql=body.get("sql") or None,
            whole_database=bool(body.get("whole_database")),
        )
        if source.whole_database and not source.database:
            raise UserError(400, "Which database? Field 'database' is required")
        if not (source.whole_database or source.table or source.sql):
            raise UserError(400, "Give a table, a query or whole_database")
        files = self.application.transfer_files
        filename = export.default_filename(source, opts)
        if body.get("target"):
            entry = await self.file_for(body["target"], purpose="write")
            path, download = entry.path, False
        else:
            path, download = files.new_temp_path(Path(filename).suffix), True
        owner = self.owner

        def work(conn, job):
            result = export.run_export(conn, source, opts, path, job)
            result.pop("path", None)
            if download:
                entry = files.add(path, filename, owner, temporary=True, purpose="download")
                result["download"] = entry.token
                result["filename"] = filename
            return result

        self.write_json(self.start_job("export", f"Export {source.label()} as {opts.format.upper()}", work))


class JobHandler(TransferHandler):
    def get(self, job_id):
        job = self.application.jobs.get(job_id, self.owner)
        if job is None:
            raise UserError(404, "No such job")
        self.write_json(job.snapshot())


class JobCancelHandler(TransferHandler):
    def post(self, job_id):
        job = self.application.jobs.get(job_id, self.owner)
        if job is None:
            raise UserError(404, "No such job")
        job.cancel()
        self.write_json(job.snapshot())


def attachment(name: str) -> str:
    """Content-Disposition for a download named `name` (from a table name: any character at all).

    Control characters become "_" (no header splitting); the quoted ASCII fallback holds no quote or
    backslash; filename* carries the real name percent-encoded as UTF-8 (RFC 5987/6266)."""
    name = "".join("_" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


class DownloadHandler(TransferHandler):
    """An export (or a rejects file) as an attachment; the temp file goes once sent."""

    async def get(self, token):
        entry = await self.file_for(token, purpose="download")
        ext = entry.path.suffix.lstrip(".")
        self.set_header("Content-Type", CONTENT_TYPES.get(ext, "application/octet-stream"))
        self.set_header("Content-Disposition", attachment(entry.name))
        self.set_header("Content-Length", str((await self.off_loop(entry.path.stat)).st_size))
        loop = IOLoop.current()
        with await self.off_loop(open, entry.path, "rb") as f:
            while True:
                chunk = await loop.run_in_executor(self.application.executor, f.read, 1024 * 1024)
                if not chunk:
                    break
                self.write(chunk)
                await self.flush()


JOB = r"(?P<job_id>[A-Za-z0-9_-]+)"
ROUTES = [
    (r"/api/transfer/capabilities", CapabilitiesHandler),
    (r"/api/transfer/upload", UploadHandler),
    (r"/api/transfer/dialog", DialogHandler),
    (r"/api/transfer/preview", PreviewHandler),
    (r"/api/transfer/import", ImportHandler),
    (r"/api/transfer/sql-import", SqlImportHandler),
    (r"/api/transfer/export", ExportHandler),
    (r"/api/transfer/download/(?P<token>[A-Za-z0-9_-]+)", DownloadHandler),
    (rf"/api/jobs/{JOB}", JobHandler),
    (rf"/api/jobs/{JOB}/cancel", JobCancelHandler),
]
