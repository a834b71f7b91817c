"""Reusable page fragments (Tornado ui_modules)."""

import tornado.web


class Sidebar(tornado.web.UIModule):
    """The left column: the connection, the current database and its tables."""

    def render(self, session, database=None, tables=(), current_table=None):
        return self.render_string(
            "modules/sidebar.html",
            session=session,
            database=database,
            tables=tables,
            current_table=current_table,
        )


class ResultGrid(tornado.web.UIModule):
    """A read-only grid of a ResultSet: NULL, binary and long text each shown distinctly."""

    def render(self, result, columns_meta=None):
        types = {c["name"]: c["type"] for c in (columns_meta or [])}
        return self.render_string("modules/grid.html", result=result, types=types)
