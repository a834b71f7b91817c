"""HTML pages for structure and server administration. Each page is a shell; its module in
ui/static/js/admin/ loads the data from the JSON API and does the preview-then-run dialogs."""

import tornado.web

from core.services.schema import browse, structure
from core.web.base import BaseHandler


class _DatabasePage(BaseHandler):
    template = ""

    @tornado.web.authenticated
    async def get(self, db, **extra):
        tables = await self.with_connection(browse.tables, db)
        self.render(self.template, session=self.current_user, database=db, tables=tables, **extra)


class StructurePage(BaseHandler):
    @tornado.web.authenticated
    async def get(self, db, table):
        def load(conn):
            browse.require_database(conn, db)  # the schema tree lists the tables, lazily
            return structure.read_options(conn, db, table)

        options = await self.with_connection(load)
        tables = ()
        self.render(
            "admin/structure.html",
            session=self.current_user,
            database=db,
            tables=tables,
            table=table,
            options=options,
            creating=False,
        )


class NewTablePage(BaseHandler):
    @tornado.web.authenticated
    async def get(self, db):
        await self.with_connection(browse.require_database, db)
        tables = ()  # the schema tree lists them
        self.render(
            "admin/structure.html",
            session=self.current_user,
            database=db,
            tables=tables,
            table="",
            options={},
            creating=True,
        )


class DiagramPage(_DatabasePage):
    template = "admin/diagram.html"


class ObjectsPage(_DatabasePage):
    template = "admin/objects.html"


class _ServerPage(BaseHandler):
    template = ""

    @tornado.web.authenticated
    def get(self):
        self.render(self.template, session=self.current_user, section=self.template.rsplit("/", 1)[-1][:-5])


class DashboardPage(_ServerPage):
    template = "admin/server.html"


class ProcessesPage(_ServerPage):
    template = "admin/processes.html"


class VariablesPage(_ServerPage):
    template = "admin/variables.html"


class UsersPage(_ServerPage):
    template = "admin/users.html"


DB = r"(?P<db>[^/]+)"
TABLE = r"(?P<table>[^/]+)"
ROUTES = [
    (rf"/db/{DB}/table/{TABLE}/structure", StructurePage),
    (rf"/db/{DB}/new-table", NewTablePage),
    (rf"/db/{DB}/diagram", DiagramPage),
    (rf"/db/{DB}/objects", ObjectsPage),
    (r"/server", DashboardPage),
    (r"/server/processes", ProcessesPage),
    (r"/server/variables", VariablesPage),
    (r"/server/users", UsersPage),
]
