"""Saved connections: list, create, edit, duplicate, delete, test, connect, import; session switcher."""

import logging
import secrets as token_source
from pathlib import Path

import tornado.escape
import tornado.web

from core.db.errors import DatabaseError
from core.services.connections import profile_import, profiles, secrets, tunnels
from core.services.connections.profiles import Passwords, Profile, ProfileError
from core.services.sandbox.server import SandboxError
from core.web.base import BaseHandler, UserError
from core.web.pages_workspace import workspace_url

log = logging.getLogger("eddy.connections")
PROFILE_ID = r"(?P<profile_id>[0-9]+)"
PENDING_KEYS_MAX = 20


class ConnectionsBase(BaseHandler):
    @property
    def known_hosts(self) -> Path:
        return Path(self.application.store.path).parent / "known_hosts"

    async def load_profile(self, profile_id) -> Profile:
        data = await self.run_blocking(self.application.store.get_profile, int(profile_id))
        if data is None:
            raise UserError(404, "This saved connection does not exist (any more).")
        return Profile.from_dict(data)

    def form_fields(self) -> dict:
        return {k: self.get_body_argument(k, "", strip=False) for k in self.request.body_arguments if k != "_xsrf"}

    def typed_passwords(self, fields: dict) -> Passwords:
        return Passwords(db=fields.get("db_password", ""), ssh=fields.get("ssh_password", ""))

    def remember_host_key(self, exc: tunnels.HostKeyUnknown) -> str:
        """Keep the unknown key server-side until the user trusts it; return a one-time token."""
        pending = self.application.pending_host_keys
        while len(pending) >= PENDING_KEYS_MAX:
            pending.pop(next(iter(pending)))
        token = token_source.token_urlsafe(16)
        pending[token] = (exc.host, exc.port, exc.key)
        return token

    async def keyring_note(self) -> str | None:
        # Asking the OS keyring may start a D-Bus round trip: never on the IOLoop.
        reason = await self.run_blocking(secrets.unavailable_reason)
        return (
            f"Passwords cannot be saved here: {reason}. You will be asked for them when connecting." if reason else None
        )


class ConnectionsHandler(ConnectionsBase):
    async def get(self):
        items, ready = await self.run_blocking(profiles.load_profiles, self.application.store)
        self.render(
            "connections.html",
            profiles=items,
            ready_ids=ready,
            keyring_note=await self.keyring_note(),
            notice=self.get_query_argument("notice", ""),
            error=None,
        )


class ProfileFormHandler(ConnectionsBase):
    """GET/POST /connections/new and /connections/<id>/edit."""

    async def get(self, profile_id=None):
        profile = await self.load_profile(profile_id) if profile_id else Profile()
        await self.show_form(profile, error=None)

    async def show_form(self, profile: Profile, error: str | None, status: int = 200):
        self.set_status(status)
        saved = {"db": profile.db_password_saved, "ssh": profile.ssh_password_saved}
        self.render(
            "connection_form.html",
            profile=profile,
            saved=saved,
            error=error,
            keyring_note=await self.keyring_note(),
            native_dialogs=self.application.file_dialogs is not None,
            tls_modes=profiles.TLS_MODES,
            colors=profiles.COLORS,
        )

    async def post(self, profile_id=None):
        fields = self.form_fields()
        try:
            profile = profiles.profile_from_form(fields)
        except ProfileError as exc:
            draft = Profile.from_dict({**Profile().settings(), **_draft_values(fields)})
            draft.id = int(profile_id) if profile_id else None
            return await self.show_form(draft, exc.message, status=400)
        if profile_id:
            existing = await self.load_profile(profile_id)  # 404 when it vanished
            profile.db_password_saved = existing.db_password_saved
            profile.ssh_password_saved = existing.ssh_password_saved
            profile.sandbox = existing.sandbox
        store = self.application.store
        try:
            profile.id = await self.run_blocking(
                store.save_profile, profile.name, profile.settings(), int(profile_id) if profile_id else None
            )
        except ValueError as exc:
            profile.id = int(profile_id) if profile_id else None
            return await self.show_form(profile, str(exc), status=400)
        if fields.get("forget_passwords"):
            await self.run_blocking(profiles.forget_passwords, store, profile)
        note = await self.run_blocking(
            profiles.save_passwords, store, profile, self.typed_passwords(fields), bool(fields.get("remember"))
        )
        # No keyring at all: the list's banner says so (once, in one place); a keyring that refused
        # this one password is news, said on the list.
        if note and await self.keyring_note() is None:
            return self.redirect(f"/connections?notice={tornado.escape.url_escape(note)}")
        self.redirect("/connections")


def _draft_values(fields: dict) -> dict:
    """The form's values as they were typed (to re-show after a validation error)."""
    draft = {k: v for k, v in fields.items() if k in Profile.__dataclass_fields__ and k not in ("id",)}
    for key in ("ssh_enabled", "read_only", "safe_mode"):
        draft[key] = key in fields
    for key, default in (("port", 3306), ("ssh_port", 22)):
        try:
            draft[key] = int(fields.get(key) or default)
        except ValueError:
            draft[key] = default
    return draft


class ProfileActionHandler(ConnectionsBase):
    """POST /connections/<id>/duplicate and /connections/<id>/delete."""

    async def post(self, profile_id, action):
        profile = await self.load_profile(profile_id)
        store = self.application.store
        if action == "delete":
            await self.run_blocking(store.delete_profile, profile.id)
            await self.run_blocking(secrets.delete, profile.id)
            return self.redirect("/connections")
        existing = {p["name"] for p in await self.run_blocking(store.list_profiles)}
        name = profiles.duplicate_name(existing, profile.name)
        profile.db_password_saved = profile.ssh_password_saved = False
        new_id = await self.run_blocking(store.save_profile, name, profile.settings())
        # Passwords are not copied: a copy usually differs in user or server.
        self.redirect(f"/connections/{new_id}/edit")


class ProfileConnectHandler(ConnectionsBase):
    """GET: ask for passwords that are not saved; POST: open a session (kept beside the others)."""

    async def get(self, profile_id):
        profile = await self.load_profile(profile_id)
        await self.show(profile, error=None)

    async def show(self, profile: Profile, error: str | None, status: int = 200, host_key=None):
        self.set_status(status)
        saved = {"db": profile.db_password_saved, "ssh": profile.ssh_password_saved}
        if error:  # a saved password may be the problem: let the user type one
            saved = {"db": False, "ssh": False}
        self.render(
            "connection_open.html",
            profile=profile,
            saved=saved,
            error=error,
            host_key=host_key,
            keyring_note=await self.keyring_note(),
        )

    async def post(self, profile_id):
        profile = await self.load_profile(profile_id)
        fields = self.form_fields()
        typed = self.typed_passwords(fields)
        registry = self.application.sessions
        try:
            session = await self.run_blocking(
                profiles.open_session, registry, profile, typed, self.known_hosts, self.application.sandbox
            )
        except tunnels.HostKeyUnknown as exc:
            key = {"token": self.remember_host_key(exc), "fingerprint": exc.fingerprint, "type": exc.key.get_name()}
            return await self.show(profile, exc.message, status=409, host_key=key)
        except (tunnels.TunnelError, ProfileError) as exc:
            return await self.show(profile, exc.message, status=400)
        except UserError as exc:  # run_blocking's mapping: a sandbox that would not start is the upstream's fault
            status = 502 if isinstance(exc.__cause__, SandboxError) else 400
            return await self.show(profile, exc.message, status=status)
        # Without a keyring the password is not kept; this page said so beside "remember" already.
        note = await self.run_blocking(
            profiles.save_passwords, self.application.store, profile, typed, bool(fields.get("remember"))
        )
        if note:
            log.warning("Connected to %s; %s", profile.name, note)
        self.add_session(session.id)
        target = f"/db/{tornado.escape.url_escape(profile.database, plus=False)}" if profile.database else "/"
        self.redirect(workspace_url(target))


class TrustHostKeyHandler(ConnectionsBase):
    """POST /connections/trust: the user confirmed an SSH host key's fingerprint."""

    async def post(self):
        token = self.get_body_argument("token", "")
        entry = self.application.pending_host_keys.pop(token, None)
        if entry is None:
            raise UserError(400, "This host key confirmation expired: connect again.")
        host, port, key = entry
        await self.run_blocking(tunnels.trust_host_key, self.known_hosts, host, port, key)
        back = self.get_body_argument("next", "")
        self.redirect(back if back.startswith("/connections/") and "//" not in back else "/connections")


class SwitchSessionHandler(BaseHandler):
    """POST /connections/switch: make another open connection of this window the active one."""

    async def post(self):
        wanted = self.get_body_argument("session", "")
        active, ids = self.session_ids()
        if wanted not in ids:
            raise UserError(400, "That connection is not open (any more).")
        self.set_session_ids(wanted, ids)
        previous = self.application.sessions.get(active) if active != wanted else None
        if previous is not None:  # what it held for this window's editor and pool is given back now
            await self.run_blocking(self.application.query_jobs.set_aside, previous)
            await self.run_blocking(previous.close_idle_connections, 0)
        self.redirect(workspace_url())


class ImportHandler(ConnectionsBase):
    """POST /connections/import: a ~/.my.cnf, DBeaver data-sources.json or Workbench connections.xml."""

    async def post(self):
        files = self.request.files.get("file") or []
        text = files[0]["body"].decode("utf-8", "replace") if files else self.get_body_argument("text", "")
        store = self.application.store
        try:
            if self.get_body_argument("home", ""):  # the one-click "Import my ~/.my.cnf"
                text = await self.run_blocking(profile_import.read_home_my_cnf)
            found = await self.run_blocking(profile_import.import_connections, text)
        except ProfileError as exc:
            items, ready = await self.run_blocking(profiles.load_profiles, store)
            self.set_status(400)
            return self.render(
                "connections.html",
                profiles=items,
                ready_ids=ready,
                keyring_note=await self.keyring_note(),
                notice="",
                error=exc.message,
            )
        existing = {p["name"] for p in await self.run_blocking(store.list_profiles)}
        notes = []
        for profile, password in found:
            profile.name = profiles.unique_name(existing, profile.name)
            existing.add(profile.name)
            profile.id = await self.run_blocking(store.save_profile, profile.name, profile.settings())
            note = await self.run_blocking(profiles.save_passwords, store, profile, Passwords(db=password), True)
            if note and note not in notes:
                notes.append(note)
        summary = f"Imported {len(found)} connection{'s' if len(found) != 1 else ''}."
        self.redirect("/connections?notice=" + tornado.escape.url_escape(" ".join([summary, *notes])))


class TestConnectionHandler(ConnectionsBase):
    """POST /api/connections/test {fields..., id?}: server version and latency, or the exact error."""

    async def post(self):
        body = self.read_json()
        fields = {k: v for k, v in body.items() if isinstance(v, (str, bool, int))}
        try:
            profile = profiles.profile_from_form({**fields, "name": fields.get("name") or "test"})
        except ProfileError as exc:
            raise UserError(400, exc.message) from None
        if str(body.get("id") or "").isdigit():  # an edited saved profile: empty fields use its saved passwords
            stored = await self.load_profile(body["id"])
            profile.id, profile.db_password_saved, profile.ssh_password_saved = (
                stored.id,
                stored.db_password_saved,
                stored.ssh_password_saved,
            )
        typed = Passwords(db=str(body.get("db_password") or ""), ssh=str(body.get("ssh_password") or ""))
        try:
            result = await self.run_blocking(profiles.test_connection, profile, typed, self.known_hosts)
        except tunnels.HostKeyUnknown as exc:
            self.set_status(409)
            token = self.remember_host_key(exc)
            return self.write_json({"error": exc.message, "host_key": {"token": token, "fingerprint": exc.fingerprint}})
        except tunnels.TunnelError as exc:
            raise UserError(502, exc.message) from None
        except DatabaseError as exc:
            raise UserError(502, profiles.error_message(exc)) from None
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write_json(result)


# The connection form's Browse… buttons: which file each path field holds.
PICKABLE = {
    "tls_ca": ("Certificates (*.pem;*.crt;*.cer)", "All files (*.*)"),
    "tls_cert": ("Certificates (*.pem;*.crt;*.cer)", "All files (*.*)"),
    "tls_key": ("Keys (*.pem;*.key)", "All files (*.*)"),
    "ssh_key_path": ("All files (*.*)",),  # id_ed25519, id_rsa: no extension
}


class PickFileHandler(ConnectionsBase):
    """POST /api/connections/pick-file {field}: the window's native Open dialog for a path field."""

    async def post(self):
        field = self.read_json().get("field")
        if not isinstance(field, str) or field not in PICKABLE:
            raise UserError(400, f'"field" must be one of {", ".join(PICKABLE)}')
        dialogs = self.application.file_dialogs
        if dialogs is None:
            raise UserError(409, "No native window here: type the file's path instead.")
        # The dialog blocks until answered: in the pool's own thread, never on the IOLoop.
        path = await self.run_blocking(dialogs.open_file, PICKABLE[field])
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write_json({"path": path} if path else {"cancelled": True})


class TrustHostKeyApiHandler(ConnectionsBase):
    """POST /api/connections/trust {token}: JSON twin of TrustHostKeyHandler for the test button."""

    async def post(self):
        entry = self.application.pending_host_keys.pop(str(self.read_json().get("token", "")), None)
        if entry is None:
            raise UserError(400, "This host key confirmation expired: test again.")
        await self.run_blocking(tunnels.trust_host_key, self.known_hosts, *entry)
        self.write_json({"ok": True})


ROUTES = [
    (r"/connections", ConnectionsHandler),
    (r"/connections/new", ProfileFormHandler),
    (rf"/connections/{PROFILE_ID}/edit", ProfileFormHandler),
    (rf"/connections/{PROFILE_ID}/(?P<action>duplicate|delete)", ProfileActionHandler),
    (rf"/connections/{PROFILE_ID}/connect", ProfileConnectHandler),
    (r"/connections/trust", TrustHostKeyHandler),
    (r"/connections/switch", SwitchSessionHandler),
    (r"/connections/import", ImportHandler),
    (r"/api/connections/test", TestConnectionHandler),
    (r"/api/connections/trust", TrustHostKeyApiHandler),
    (r"/api/connections/pick-file", PickFileHandler),
]
