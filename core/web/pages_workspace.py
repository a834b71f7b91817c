"""The workspace shell: tabs (ui/static/js/tabs.js) hosting the app's pages, the schema tree beside them."""

from urllib.parse import quote

import tornado.web

from core.web.base import BaseHandler


def workspace_url(page: str = "/") -> str:
    """Where connecting lands: the workspace window with `page` (a path on this app) open in a tab."""
    return "/workspace?open=" + quote(page, safe="/")


class WorkspaceHandler(BaseHandler):
    @tornado.web.authenticated
    def get(self):
        self.render("workspace.html")


ROUTES = [(r"/workspace", WorkspaceHandler)]
