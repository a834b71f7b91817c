"""The Tornado Application: routes, settings, and the objects handlers share."""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.web

from core import config
from core.services.jobs import JobRegistry
from core.services.sessions import SessionRegistry
from core.services.transfer.files import TransferFiles
from core.store import Store
from core.web import api_sql, api_transfer, pages, uimethods, uimodules
from core.web.base import SecureStaticFileHandler

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
            *api_transfer.ROUTES,
        ]
        settings = dict(
            template_path=str(config.resource_path("ui", "templates")),
            static_path=str(config.resource_path("ui", "static")),
            static_handler_class=SecureStaticFileHandler,
            cookie_secret=config.cookie_secret(data_dir),
            xsrf_cookies=True,
            xsrf_cookie_kwargs={"samesite": "Strict"},
            login_url="/login",
            ui_methods=uimethods,
            ui_modules=uimodules,
            autoescape="xhtml_escape",
            compiled_template_cache=not debug,
            debug=debug,
        )
        super().__init__(handlers, **settings)

    def consume_launch_token(self, token: str) -> bool:
        """True once for the right token; it cannot be used again."""
        with self._token_lock:
            if self._launch_token and token and secrets.compare_digest(token, self._launch_token):
                self._launch_token = None
                return True
            return False

    def shutdown(self) -> None:
        self.jobs.cancel_all()
        self.transfer_files.close()
        self.sessions.close_all()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()
