"""JSON endpoints for structure: tables, databases, views/routines/triggers/events, the diagram."""

from urllib.parse import quote

from core.services.schema import erd, objects, structure
from core.web.base import ApiHandler, UserError
from core.web.plan_handler import PlanHandler

DB = r"(?P<db>[^/]+)"
TABLE = r"(?P<table>[^/]+)"


def _form(body: dict) -> dict:
    form = body.get("form")
    if not isinstance(form, dict):
        raise UserError(400, "Field 'form' must be an object describing the table")
    return form


class StructureHandler(ApiHandler):
    async def get(self, db, table):
        self.write_json(await self.with_connection(structure.table_structure, db, table))


class TableChoicesHandler(ApiHandler):
    async def get(self, db):
        self.write_json(await self.with_connection(structure.engines_and_collations))


class CreateTableHandler(PlanHandler):
    async def post(self, db):
        await self.preview_or_run(lambda conn, body: structure.plan_create_table(conn, db, _form(body)))


class AlterTableHandler(PlanHandler):
    async def post(self, db, table):
        await self.preview_or_run(lambda conn, body: structure.plan_alter_table(conn, db, table, _form(body)))


TABLE_ACTIONS = {
    "truncate": lambda conn, body, db, t: structure.plan_truncate_table(conn, db, t),
    "drop": lambda conn, body, db, t: structure.plan_drop_table(conn, db, t),
    "rename": lambda conn, body, db, t: structure.plan_rename_table(conn, db, t, body.get("new_name")),
    "copy": lambda conn, body, db, t: structure.plan_copy_table(
        conn, db, t, body.get("new_name"), with_data=body.get("with_data", True) is not False
    ),
}


class TableActionHandler(PlanHandler):
    async def post(self, db, table, action):
        await self.preview_or_run(TABLE_ACTIONS[action], db, table)


class CreateDatabaseHandler(PlanHandler):
    async def post(self):
        await self.preview_or_run(
            lambda conn, body: structure.plan_create_database(conn, body.get("name"), body.get("collation") or "")
        )


DATABASE_ACTIONS = {
    "drop": lambda conn, body, db: structure.plan_drop_database(conn, db),
    "rename": lambda conn, body, db: structure.plan_rename_database(conn, db, body.get("new_name")),
}


class DatabaseActionHandler(PlanHandler):
    async def post(self, db, action):
        await self.preview_or_run(DATABASE_ACTIONS[action], db)


class ObjectsHandler(ApiHandler):
    async def get(self, db):
        self.write_json(await self.with_connection(objects.list_objects, db))


def editor_url(text: str) -> str:
    """The SQL editor (its own page, /sql) opened on a text."""
    return "/sql?text=" + quote(text, safe="")


class ObjectDefinitionHandler(ApiHandler):
    async def get(self, db, kind, name):
        text = await self.with_connection(objects.definition, db, kind, name)
        self.write_json(
            {
                "kind": kind,
                "name": name,
                "definition": text,
                "editor_url": editor_url(text),
                "replace_sql": objects.or_replace(text),
            }
        )


class DropObjectHandler(PlanHandler):
    async def post(self, db, kind, name):
        await self.preview_or_run(lambda conn, body: objects.plan_drop(conn, db, kind, name))


class CreateObjectHandler(PlanHandler):
    async def post(self, db, kind):
        await self.preview_or_run(lambda conn, body: objects.plan_create(db, kind, body.get("sql"), conn.flavour()))


class ObjectTemplateHandler(ApiHandler):
    async def get(self, db, kind):
        text = objects.template(kind, db)  # a ChangeRefused answers 400 (BaseHandler.write_error)
        self.write_json({"sql": text, "editor_url": editor_url(text)})


class DiagramHandler(ApiHandler):
    async def get(self, db):
        self.write_json(await self.with_connection(erd.graph, db))


KIND = r"(?P<kind>view|procedure|function|trigger|event)"
ROUTES = [
    (rf"/api/db/{DB}/table/{TABLE}/structure", StructureHandler),
    (rf"/api/db/{DB}/table/{TABLE}/alter", AlterTableHandler),
    (rf"/api/db/{DB}/table/{TABLE}/(?P<action>truncate|drop|rename|copy)", TableActionHandler),
    (rf"/api/db/{DB}/table-choices", TableChoicesHandler),
    (rf"/api/db/{DB}/tables", CreateTableHandler),
    (r"/api/databases", CreateDatabaseHandler),
    (rf"/api/db/{DB}/(?P<action>drop|rename)", DatabaseActionHandler),
    (rf"/api/db/{DB}/objects", ObjectsHandler),
    (rf"/api/db/{DB}/objects/{KIND}", CreateObjectHandler),
    (rf"/api/db/{DB}/object-template/{KIND}", ObjectTemplateHandler),
    (rf"/api/db/{DB}/objects/{KIND}/(?P<name>[^/]+)/drop", DropObjectHandler),
    (rf"/api/db/{DB}/objects/{KIND}/(?P<name>[^/]+)", ObjectDefinitionHandler),
    (rf"/api/db/{DB}/diagram", DiagramHandler),
]
