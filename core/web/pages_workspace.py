"""The workspace shell: tabs (ui/static/js/tabs.js) hosting the app's pages, the schema tree beside them."""

import tornado.web

from core.web.base import BaseHandler


class WorkspaceHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self):
        self.render("workspace.html")


ROUTES = [(r"/workspace", WorkspaceHandler)]
