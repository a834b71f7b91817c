"""The Tornado Application: routes, settings, and the objects handlers share."""

import functools
import importlib
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tornado.routing
import tornado.web
from tornado.ioloop import IOLoop, PeriodicCallback

from core import config
from core.services.connections.server_probe import DEFAULT_SOCKETS
from core.services.connections.sessions import SessionRegistry
from core.services.transfer.load_folders import clean_leftover_load_folders
from core.store import Store
from core.web import pages, uimethods, uimodules
from core.web.base import NotFoundHandler, SecureStaticFileHandler, log_request

log = logging.getLogger("eddy.app")

# What templates may call, by name (passing the module would expose everything it imports too).
UI_METHODS = {
    "human_size": uimethods.human_size,
    "human_duration": uimethods.human_duration,
    "human_count": uimethods.human_count,
    "path_segment": uimethods.path_segment,
}

# Route modules imported on first use, or by a background thread once the first page has been
# served: the login page needs none of them (nor PyMySQL's cursors, the keyring, the transfer
# code...), and importing them all before it cost about half of the start-up time.
LAZY_ROUTE_MODULES = (
    "core.web.pages_admin",
    "core.web.api_structure",
    "core.web.api_compare",
    "core.web.api_admin",
    "core.web.pages_connections",
    "core.web.api_sandbox",
    "core.web.pages_about",
    "core.web.api_editor",
    "core.web.api_grid",
    "core.web.api_grid_journal",
    "core.web.api_transfer",
    "core.web.api_tree",
    "core.web.pages_workspace",
)


class LazyRoutes(tornado.routing.Router):
    """The ROUTES of modules imported when a request first needs them (in the order given).

    Once loaded, the rules also join the application's own router (before this one), so the app
    routes and lists them as if they had been there from the start.
    """

    def __init__(self, app: tornado.web.Application, module_names: tuple[str, ...]):
        self._app = app
        self._module_names = module_names
        self._router: tornado.routing.ReversibleRuleRouter | None = None
        self._lock = threading.Lock()

    def load(self) -> tornado.routing.ReversibleRuleRouter:
        with self._lock:
            if self._router is None:
                rules = [rule for name in self._module_names for rule in importlib.import_module(name).ROUTES]
                router = tornado.web._ApplicationRouter(self._app, rules)
                own = self._app.wildcard_router
                at = next(i for i, rule in enumerate(own.rules) if rule.target is self)
                own.rules[at:at] = router.rules  # one step: a request being routed sees all or none
                own.named_rules.update(router.named_rules)
                self._router = router
            return self._router

    def find_handler(self, request, **kwargs):
        return self.load().find_handler(request, **kwargs)

    def reverse_url(self, name: str, *args):
        return self.load().reverse_url(name, *args)


WARM_UP_AFTER_SECONDS = 0.5
DB = r"(?P<db>[^/]+)"
HOUSEKEEPING_SECONDS = 60.0  # how often idle sessions, pooled connections and unread results expire
TABLE = r"(?P<table>[^/]+)"


class EddyApplication(tornado.web.Application):
    """Owns the session registry, the per-user store, the worker pool and the launch secret."""

    def __init__(self, launch_token: str, data_dir: Path | None = None, debug: bool = False):
        data_dir = config.make_private(data_dir or config.user_data_dir())
        # What a user must know about this launch (a full disk at start): shown atop every page.
        self.notices: list[str] = []
        self.store, store_notice = Store.open_or_in_memory(data_dir / "eddy.sqlite3")
        if store_notice:
            self.notices.append(store_notice)
        self.sessions = SessionRegistry()
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="eddy-db")
        self.launch_id = secrets.token_hex(16)  # what the launch cookie holds; new every start
        # Signs the request tokens (core.web.base): never written anywhere, new every start.
        self.request_key = secrets.token_bytes(32)
        self._launch_token = launch_token
        self._token_lock = threading.Lock()
        # Set by the launcher when a native window exists (File > Quit, /api/app/quit).
        self.on_quit = None
        # SSH host keys met for the first time, waiting for the user's "trust" (token -> key).
        self.pending_host_keys: dict = {}
        self._data_dir = data_dir
        # Where the connect screen looks for a server of the user's own, and a session the launch
        # link logs into.
        self.probe_ports = (3306,)
        self.probe_sockets = DEFAULT_SOCKETS
        self.launch_session_id = None
        # Set by the launcher to a core.file_dialogs.WindowFileDialogs when a native window exists.
        self.file_dialogs = None
        self.lazy_routes = LazyRoutes(self, LAZY_ROUTE_MODULES)
        clean_leftover_load_folders()  # LOAD DATA pipes of an Eddy that was killed mid-import
        # A closed session (log out, expiry) gives back everything held for it, at once.
        self.sessions.on_close(self._release_session)
        self._housekeeping: PeriodicCallback | None = None

        handlers = [
            (r"/auth", pages.AuthHandler),
            (r"/login", pages.LoginHandler),
            (r"/logout", pages.LogoutHandler),
            (r"/api/keyring-note", pages.KeyringNoteHandler),
            (r"/", pages.HomeHandler),
            (rf"/db/{DB}", pages.DatabaseHandler),
            (rf"/db/{DB}/table/{TABLE}", pages.TableHandler),
            tornado.routing.Rule(tornado.routing.AnyMatches(), self.lazy_routes),  # every other page and API
        ]
        settings = dict(
            template_path=str(config.resource_path("ui", "templates")),
            static_path=str(config.resource_path("ui", "static")),
            static_handler_class=SecureStaticFileHandler,
            cookie_secret=config.cookie_secret(data_dir, self.notices),
            xsrf_cookies=True,  # Tornado calls check_xsrf_cookie(); BaseHandler checks our request token
            login_url="/login",
            ui_methods=UI_METHODS,
            ui_modules=uimodules,
            autoescape="xhtml_escape",
            compiled_template_cache=not debug,
            debug=debug,
            log_function=log_request,
            default_handler_class=NotFoundHandler,
        )
        super().__init__(handlers, **settings)
        self._warm_started = False

    # The objects below are made on first use: their modules are not needed for the first page.
    @functools.cached_property
    def sandbox(self):
        """The local sandbox server (started on demand, stopped in shutdown())."""
        from core.services.sandbox.manager import SandboxManager

        return SandboxManager(self._data_dir / "sandbox", server_path=self.store.get_setting("sandbox.server_path"))

    @functools.cached_property
    def query_jobs(self):
        """The SQL editor's running queries."""
        from core.services.query.jobs import QueryJobs, history_recorder

        return QueryJobs(record=history_recorder(self.store))

    @functools.cached_property
    def grid_state(self):
        """The table grid's window planner and metadata cache, shared by every grid request."""
        from core.services.grid.state import GridState

        return GridState()

    @functools.cached_property
    def jobs(self):
        """Imports and exports in progress."""
        from core.services.jobs import JobRegistry

        return JobRegistry()

    @functools.cached_property
    def transfer_files(self):
        """Uploaded and exported files, by token, in the data folder's transfer-tmp."""
        from core.services.transfer.files import TransferFiles

        return TransferFiles(self._data_dir / "transfer-tmp")

    def log_request(self, handler) -> None:
        super().log_request(handler)
        if not self._warm_started and handler.get_status() == 200:
            # The first page is out: once its styles and scripts have followed (the import holds
            # the GIL), load the rest of the app while the user reads it.
            self._warm_started = True
            thread = threading.Thread(target=self.warm_up, name="eddy-warm-up", daemon=True)
            IOLoop.current().call_later(WARM_UP_AFTER_SECONDS, thread.start)

    def warm_up(self) -> None:
        """Import the route modules (and what they import) ahead of the first request needing them."""
        try:
            self.lazy_routes.load()
        except Exception:  # the request that needs them will show the error
            log.exception("Loading the app's modules failed")

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

    def _release_session(self, session) -> None:
        made = self.__dict__  # only what was used (cached_property keeps it here)
        if "query_jobs" in made:
            self.query_jobs.close_session(session)
        if "transfer_files" in made:
            self.transfer_files.discard_owner(session.id)
        if "jobs" in made:
            self.jobs.cancel_owner(session.id)

    def housekeeping(self) -> None:
        """One sweep: expire idle sessions and pooled connections, drop unread results (blocking)."""
        self.sessions.expire()
        if "query_jobs" in self.__dict__:
            self.query_jobs.expire()

    def start_housekeeping(self, seconds: float = HOUSEKEEPING_SECONDS) -> None:
        """Run housekeeping() in the worker pool every `seconds` (call on the IOLoop's thread)."""
        loop = IOLoop.current()
        self._housekeeping = PeriodicCallback(
            lambda: loop.run_in_executor(self.executor, self.housekeeping), seconds * 1000
        )
        self._housekeeping.start()

    def shutdown(self) -> None:
        if self._housekeeping is not None:
            self._housekeeping.stop()
        made = self.__dict__  # only what was used (cached_property keeps it here)
        if "query_jobs" in made:
            self.query_jobs.close_all()
        if "jobs" in made:
            self.jobs.cancel_all()
        if "transfer_files" in made:
            self.transfer_files.close()
        self.sessions.close_all()
        if "sandbox" in made:
            self.sandbox.stop()  # cleanly (InnoDB flushed); its data stays for next time
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()
