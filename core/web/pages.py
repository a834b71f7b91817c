"""HTML pages: launch-secret exchange, connect, home, database, table, log out."""

import json
import logging
from urllib.parse import quote

import tornado.web

from core.db import ConnectionParams
from core.db.errors import ConnectFailed
from core.services.connections import secrets
from core.services.connections.profiles import load_profiles, save_login_as_profile
from core.web.base import BaseHandler, UserError
from core.web.pages_workspace import workspace_url

log = logging.getLogger("eddy.web")

COOKIE_OPTIONS = {"httponly": True, "samesite": "Strict", "expires_days": None}


class AuthHandler(BaseHandler):
    """Exchange the one-time launch token for the launch cookie."""

    requires_launch_cookie = False

    def get(self):
        token = self.get_query_argument("token", "")
        if not self.application.consume_launch_token(token):
            if self.has_launch_cookie():
                return self.redirect("/")
            raise UserError(403, "This launch link is invalid or was already used. Restart Eddy to get a new one.")
        self.set_launch_cookie()
        launch_session = self.application.take_launch_session()  # launcher --sandbox: land logged in
        if launch_session:
            from core.web.api_sandbox import SAMPLE_LANDING  # the sandbox launcher loaded the sample shop

            self.add_session(launch_session)
            return self.redirect(workspace_url(SAMPLE_LANDING))
        self.redirect("/")


def _login_form_values(remembered: dict | None) -> dict:
    values = {"host": "127.0.0.1", "port": 3306, "user": "root", "database": "", "password": ""}
    for key in ("host", "port", "user", "database"):
        if remembered and remembered.get(key) is not None:
            values[key] = remembered[key]
    return values


def local_target(path: str) -> str | None:
    """`path` if it is a path on this app (never another host), else None."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


def params_from_form(form: dict) -> ConnectionParams:
    host = form["host"].strip() or "127.0.0.1"
    try:
        port = int(form["port"] or 3306)
    except ValueError:
        raise ConnectFailed(f"Port must be a number, not '{form['port']}'.") from None
    if not 0 < port < 65536:
        raise ConnectFailed(f"Port must be between 1 and 65535, not {port}.")
    user = form["user"].strip()
    if not user:
        raise ConnectFailed("User name is required.")
    return ConnectionParams(
        host=host, port=port, user=user, password=form["password"], database=form["database"].strip() or None
    )


class LoginHandler(BaseHandler):
    async def get(self):
        remembered = await self.run_blocking(self.application.store.last_connection)
        values = _login_form_values(remembered)
        values["next"] = self.get_query_argument("next", "")
        await self.show_login(values, error=None)

    async def show_login(self, values: dict, error: str | None) -> None:
        saved, ready = await self.run_blocking(load_profiles, self.application.store)
        # The first page of a run does not wait for the keyring's first answer: login.js asks
        # /api/keyring-note once the page shows (the note sits under the unticked checkbox).
        keyring_pending = not secrets.asked_before()
        keyring_note = None if keyring_pending else await self.run_blocking(login_keyring_note)
        self.render(
            "login.html",
            values=values,
            error=error,
            saved_profiles=saved,
            ready_ids=ready,
            keyring_note=keyring_note,
            keyring_pending=keyring_pending,
        )

    async def post(self):
        form = {
            "host": self.get_body_argument("host", ""),
            "port": self.get_body_argument("port", "3306"),
            "user": self.get_body_argument("user", ""),
            "password": self.get_body_argument("password", "", strip=False),
            "database": self.get_body_argument("database", ""),
            "next": self.get_body_argument("next", ""),
            "save_profile": self.get_body_argument("save_profile", ""),
            "profile_name": self.get_body_argument("profile_name", "").strip(),
        }
        try:
            if len(form["profile_name"]) > 100:
                raise UserError(400, "The connection's name is too long (100 characters at most).")
            params = params_from_form(form)
            session = await self.run_blocking(self.application.sessions.open, params)
        except (ConnectFailed, UserError) as exc:
            self.set_status(400)
            # Keep everything the user typed so they can fix one field and retry.
            message = getattr(exc, "message", str(exc))
            form["password"] = ""  # never sent back to the page
            return await self.show_login(form, error=message)
        try:
            await self.run_blocking(
                self.application.store.remember_connection, params.label(), params.without_password()
            )
        except UserError as exc:  # a full disk: the recent-connections list misses this one, that is all
            log.warning("Connected, but not remembered: %s", exc.message)
        self.add_session(session.id)
        if form["save_profile"]:
            # Without a keyring the password is not kept: the form said so beside the checkbox.
            await self.run_blocking(
                save_login_as_profile, self.application.store, params, params.password, form["profile_name"]
            )
        wanted = local_target(form["next"])
        if wanted and wanted != "/":  # a deep link that asked for a log-in opens as itself (home is the workspace)
            return self.redirect(wanted)
        self.redirect(workspace_url(f"/db/{quote(params.database, safe='')}" if params.database else "/"))


def login_keyring_note() -> str | None:
    """Said once, where the choice is made: beside "Save as a connection", not after connecting."""
    reason = secrets.unavailable_reason()
    if not reason:
        return None
    return f"Passwords cannot be saved here: {reason}. The connection is saved; you will be asked for its password."


class KeyringNoteHandler(BaseHandler):
    """GET /api/keyring-note: the connect form's note when passwords cannot be saved ({"note": null} when they can)."""

    async def get(self):
        self.write_json({"note": await self.run_blocking(login_keyring_note)})


class LogoutHandler(BaseHandler):
    """Close the active connection; with others still open, switch to the next one."""

    async def post(self):
        active, ids = self.session_ids()
        if active:  # closing connections and an SSH tunnel blocks: not on the IOLoop
            await self.run_blocking(self.application.sessions.close, active)
        remaining = [i for i in ids if i != active]
        self.set_session_ids(None, remaining)
        self.redirect(workspace_url() if remaining else "/login")


class HomeHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self):
        from core.services.schema import browse  # not on the first page's path: it needs the driver

        databases = await self.with_connection(browse.databases)
        self.render("home.html", session=self.current_user, databases=databases)


class DatabaseHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, db):
        from core.services.schema import browse  # not on the first page's path: it needs the driver

        page = await self.with_connection(browse.tables_page, db)
        self.render("database.html", session=self.current_user, database=db, tables=page["tables"], total=page["total"])


class TableHandler(BaseHandler):
    @tornado.web.authenticated
    async def get(self, db, table):
        from core.services.schema import browse
        from core.web.api_grid import prefs_key  # the grid's code loads after the first page

        state, scope = self.application.grid_state, self.db_session.id

        def load(conn):
            browse.require_database(conn, db)  # the schema tree lists the tables, lazily
            return state.meta(conn, scope, db, table, fresh=True)

        meta = await self.with_connection(load)
        prefs = await self.run_blocking(self.application.store.get_setting, prefs_key(self.db_session, db, table), {})
        meta_json = json.dumps({**meta.to_json(), "prefs": prefs}, default=str)
        self.render("table.html", session=self.current_user, database=db, tables=(), meta=meta, meta_json=meta_json)
