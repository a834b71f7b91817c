"""Schema compare: the page (a database's Compare tab) and its JSON API.

POST /api/compare          {source, target, filters}                 -> the differences
POST /api/compare/script   {..., selected: [ids], renames: [...]}    -> steps + .sql text
POST /api/compare/apply    {..., dry_run | confirm: <target db name>} -> preview, or run on the target
POST /api/compare/dump     {file: <token of an uploaded/picked .sql>} -> a job loading it into eddy_dump_*
POST /api/compare/dump/drop {database: eddy_dump_*}                   -> removes that scratch database
A side is {"connection": <id of one of this window's open connections, or null for the active one>,
"database": name}.
"""

import tornado.web

from core.db.schema import SYSTEM_DATABASES, list_databases
from core.services.compare import dump_source, sync
from core.services.saved_files import save_file
from core.web.api_transfer import TransferHandler
from core.web.base import ApiHandler, BaseHandler, UserError

DB = r"(?P<db>[^/]+)"
MAX_SELECTED = 100_000


def session_label(session) -> str:
    params = session.params
    return session.name or f"{params.user}@{params.host}:{params.port}"


class CompareApi(ApiHandler):
    def side(self, body: dict, key: str) -> dict:
        value = body.get(key)
        if not isinstance(value, dict):
            raise UserError(400, f"Field '{key}' must be an object with 'database' (and 'connection')")
        database = value.get("database")
        if not isinstance(database, str) or not database.strip():
            raise UserError(400, f"Field '{key}.database' must be a database name")
        connection = value.get("connection")
        if connection in (None, ""):
            session = self.db_session
        else:
            if not isinstance(connection, str):
                raise UserError(400, f"Field '{key}.connection' must be a connection id")
            session = next((s for s in self.open_sessions() if s.id == connection), None)
            if session is None:
                raise UserError(400, f"Field '{key}.connection' is not one of this window's open connections")
        return {"session": session, "database": database, "label": session_label(session)}

    def choices(self, body: dict) -> tuple[dict | None, list[str], list[dict]]:
        filters = body.get("filters")
        if filters is not None and not isinstance(filters, dict):
            raise UserError(400, "Field 'filters' must be an object")
        selected = body.get("selected", [])
        if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
            raise UserError(400, "Field 'selected' must be a list of difference ids")
        if len(selected) > MAX_SELECTED:
            raise UserError(400, f"Field 'selected' holds more than {MAX_SELECTED} ids")
        renames = body.get("renames", [])
        if not isinstance(renames, list) or not all(
            isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("table", "from", "to")) for r in renames
        ):
            raise UserError(400, "Field 'renames' must be a list of {table, from, to} names")
        return filters, selected, renames


class CompareHandler(CompareApi):
    async def post(self):
        body = self.read_json()
        filters, _, _ = self.choices(body)
        source, target = self.side(body, "source"), self.side(body, "target")
        self.write_json(await self.run_blocking(sync.compare_databases, source, target, filters))


class ScriptHandler(CompareApi):
    """The script; with "save": true, written where the user picks in the native window's Save dialog."""

    async def post(self):
        body = self.read_json()
        filters, selected, renames = self.choices(body)
        source, target = self.side(body, "source"), self.side(body, "target")
        script = await self.run_blocking(sync.migration_script, source, target, filters, selected, renames)
        if body.get("save"):
            dialogs = self.native_dialogs()
            path = await self.run_blocking(dialogs.save_file, f"sync-{target['database']}.sql")
            if not path:
                return self.write_json({**script, "saved": False})
            await self.run_blocking(save_file, path, script["script"])
            script = {**script, "saved": True, "path": path}
        self.write_json(script)


class ApplyHandler(CompareApi):
    async def post(self):
        body = self.read_json()
        filters, selected, renames = self.choices(body)
        source, target = self.side(body, "source"), self.side(body, "target")
        confirm = None if body.get("dry_run") else body.get("confirm")
        if not body.get("dry_run") and not isinstance(confirm, str):
            raise UserError(400, "Confirmation required: repeat the target database's name (confirm)")
        plan = await self.run_blocking(sync.prepare_apply, source, target, filters, selected, renames, confirm)
        if confirm is None:
            return self.write_json(plan)
        # Runs as a job (statement by statement, with progress and Stop): GET /api/jobs/<id>.
        job = self.application.jobs.start(
            "schema-sync",
            f"Sync {plan['database']}",
            lambda job: sync.run_apply(target["session"], plan["database"], plan["steps"], job),
            owner=self.db_session.id,
        )
        self.write_json({"job": job.snapshot()})


class LoadDumpHandler(TransferHandler):
    """A .sql dump (uploaded, or picked in the window) loaded into a scratch database to compare: a job."""

    async def post(self):
        body = self.read_json()
        entry = await self.file_for(body.get("file"))
        self.write_json(
            self.start_job(
                "compare-dump",
                f"Load {entry.name} to compare",
                lambda conn, job: dump_source.load_dump(conn, entry.path, job),
            )
        )


class DropDumpHandler(ApiHandler):
    async def post(self):
        name = self.read_json().get("database")
        await self.with_connection(dump_source.drop_scratch, name)
        self.write_json({"dropped": name})


class DatabasesHandler(ApiHandler):
    """The databases of one open connection (for the target picker)."""

    async def get(self):
        connection = self.get_query_argument("connection", "")
        session = self.db_session
        if connection:
            session = next((s for s in self.open_sessions() if s.id == connection), None)
            if session is None:
                raise UserError(400, "Not one of this window's open connections")

        def names():
            with session.connection() as conn:
                return [r.name for r in list_databases(conn) if r.name.lower() not in SYSTEM_DATABASES]

        self.write_json({"databases": await self.run_blocking(names)})


class ComparePage(BaseHandler):
    @tornado.web.authenticated
    def get(self, db):
        connections = [{"id": s.id, "label": session_label(s)} for s in self.open_sessions()]
        self.render(
            "admin/compare.html",
            session=self.current_user,
            database=db,
            connections=connections,
            active=self.current_user.id,
        )


ROUTES = [
    (rf"/db/{DB}/compare", ComparePage),
    (r"/api/compare", CompareHandler),
    (r"/api/compare/script", ScriptHandler),
    (r"/api/compare/apply", ApplyHandler),
    (r"/api/compare/databases", DatabasesHandler),
    (r"/api/compare/dump", LoadDumpHandler),
    (r"/api/compare/dump/drop", DropDumpHandler),
]
