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


class SandboxPanel(tornado.web.UIModule):
    """On the connect screen: a server found on this machine, the local sandbox, sample data.

    Renders a shell only; ui/static/js/sandbox.js fills it from /api/sandbox (the probes and the
    sandbox's status run in the worker pool, never while the page renders)."""

    def render(self):
        return self.render_string("modules/sandbox_panel.html")

    def css_files(self):
        return ["css/sandbox.css"]
