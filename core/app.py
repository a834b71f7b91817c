"""The Tornado Application: routes, settings, and the objects handlers share."""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.web

from core import config
from core.services.jobs import JobRegistry
from core.services.query_jobs import QueryJobs, history_recorder
from core.services.sandbox_manager import SandboxManager
from core.services.server_probe import DEFAULT_SOCKETS
from core.services.sessions import SessionRegistry
from core.services.transfer.files import TransferFiles
from core.store import Store
from core.web import (
    api_admin,
    api_editor,
    api_grid,
    api_sandbox,
    api_sql,
    api_structure,
    api_transfer,
    api_tree,
    pages,
    pages_about,
    pages_admin,
    pages_connections,
    pages_workspace,
    uimethods,
    uimodules,
)
from core.web.base import NotFoundHandler, SecureStaticFileHandler, log_request

DB = r"(?P<db>[^/]+)"
TABLE = r"(?P<table>[^/]+)"


class EddyApplication(tornado.web.Application):
    """Owns the session registry, the per-user store, the worker pool and the launch secret."""

    def __init__(self, launch_token: str, data_dir: Path | None = None, debug: bool = False):
        data_dir = data_dir or config.user_data_dir()
        self.store = Store(data_dir / "eddy.sqlite3")
        self.sessions = SessionRegistry()
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="eddy-db")
        self.launch_id = secrets.token_hex(16)  # what the launch cookie holds; new every start
        self._launch_token = launch_token
        self._token_lock = threading.Lock()
        # Set by the launcher when a native window exists (File > Quit, /api/app/quit).
        self.on_quit = None
        # SSH host keys met for the first time, waiting for the user's "trust" (token -> key).
        self.pending_host_keys: dict = {}
        # The local sandbox server (started on demand, stopped in shutdown()), where the connect
        # screen looks for a server of the user's own, and a session the launch link logs into.
        self.sandbox = SandboxManager(data_dir / "sandbox", server_path=self.store.get_setting("sandbox.server_path"))
        self.probe_ports = (3306,)
        self.probe_sockets = DEFAULT_SOCKETS
        self.launch_session_id = None
        self.query_jobs = QueryJobs(record=history_recorder(self.store))  # the SQL editor's running queries
        # Set by the launcher to a core.file_dialogs.WindowFileDialogs when a native window exists.
        self.file_dialogs = None
        self.jobs = JobRegistry()  # imports and exports in progress
        self.transfer_files = TransferFiles(data_dir / "transfer-tmp")

        handlers = [
            (r"/auth", pages.AuthHandler),
            (r"/login", pages.LoginHandler),
            (r"/logout", pages.LogoutHandler),
            (r"/", pages.HomeHandler),
            (rf"/db/{DB}", pages.DatabaseHandler),
            (rf"/db/{DB}/table/{TABLE}", pages.TableHandler),
            *api_sql.ROUTES,
            *pages_admin.ROUTES,
            *api_structure.ROUTES,
            *api_admin.ROUTES,
            *pages_connections.ROUTES,
            *api_sandbox.ROUTES,
            *pages_about.ROUTES,
            *api_editor.ROUTES,
            *api_grid.ROUTES,
            *api_transfer.ROUTES,
            *api_tree.ROUTES,
            *pages_workspace.ROUTES,
        ]
        settings = dict(
            template_path=str(config.resource_path("ui", "templates")),
            static_path=str(config.resource_path("ui", "static")),
            static_handler_class=SecureStaticFileHandler,
            cookie_secret=config.cookie_secret(data_dir),
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Strict", "httponly": True},  # JS reads the meta tag, never the cookie
            login_url="/login",
            ui_methods=uimethods,
            ui_modules=uimodules,
            autoescape="xhtml_escape",
            compiled_template_cache=not debug,
            debug=debug,
            log_function=log_request,
            default_handler_class=NotFoundHandler,
        )
        super().__init__(handlers, **settings)

    def consume_launch_token(self, token: str) -> bool:
        """True once for the right token; it cannot be used again."""
        with self._token_lock:
            if self._launch_token and token and secrets.compare_digest(token, self._launch_token):
                self._launch_token = None
                return True
            return False

    def take_launch_session(self) -> str | None:
        """The session the launch link logs into (launcher --sandbox), handed out once."""
        with self._token_lock:
            session_id, self.launch_session_id = self.launch_session_id, None
            return session_id

    def shutdown(self) -> None:
        self.query_jobs.close_all()
        self.jobs.cancel_all()
        self.transfer_files.close()
        self.sessions.close_all()
        self.sandbox.stop()  # cleanly (InnoDB flushed); its data stays for next time
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()
