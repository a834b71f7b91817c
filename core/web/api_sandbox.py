"""The connect screen's helpers: servers detected on this machine, the local sandbox, sample data,
and the first-run tour's dismissed flag. They need the launch cookie, not a database session."""

from urllib.parse import quote

from core.services import sample_data, server_probe
from core.services.sandbox import SandboxError, ServerBinaryMissing
from core.web.base import BaseHandler, UserError

TOUR_SETTING = "tour.dismissed"


class SandboxBase(BaseHandler):
    @property
    def sandbox(self):
        return self.application.sandbox

    async def run_sandbox(self, fn, *args):
        try:
            return await self.run_blocking(fn, *args)
        except ServerBinaryMissing as exc:
            raise UserError(424, str(exc)) from exc
        except SandboxError as exc:
            raise UserError(500, str(exc)) from exc

    async def log_in(self, params) -> None:
        """Open a session on `params` and make it this browser's current connection; the ones open
        before stay in the connection switcher (replacing the cookie would orphan them)."""
        session = await self.run_blocking(self.application.sessions.open, params)
        self.add_session(session.id)


class SandboxStatusHandler(SandboxBase):
    async def get(self):
        app = self.application

        def look():
            return {
                "sandbox": self.sandbox.status(),
                "detected": [
                    s.to_json() for s in server_probe.detect_local_servers(app.probe_ports, app.probe_sockets)
                ],
                "has_saved_connection": bool(app.store.list_profiles()) or app.store.last_connection() is not None,
            }

        self.write(await self.run_blocking(look))


class SandboxStartHandler(SandboxBase):
    """Start (or reuse) the sandbox and log in to it."""

    async def post(self):
        params = await self.run_sandbox(self.sandbox.start)
        await self.log_in(params)
        self.write({"redirect": "/", "sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxStopHandler(SandboxBase):
    async def post(self):
        await self.run_sandbox(self.sandbox.stop)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxResetHandler(SandboxBase):
    """Throw the sandbox's databases away and start an empty one."""

    async def post(self):
        params = await self.run_sandbox(self.sandbox.reset)
        await self.log_in(params)
        self.write({"redirect": "/", "sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxDeleteHandler(SandboxBase):
    async def post(self):
        await self.run_sandbox(self.sandbox.delete)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxSampleHandler(SandboxBase):
    """Load the sample shop database into the sandbox and open it."""

    async def post(self):
        params, counts = await self.run_sandbox(self.sandbox.load_sample_data)
        await self.log_in(params)
        self.write({"redirect": f"/db/{quote(sample_data.SAMPLE_DATABASE, safe='')}", "rows": counts})


class SandboxServerPathHandler(SandboxBase):
    """Where the server binary is, when it is not on PATH (kept in the per-user store)."""

    async def post(self):
        path = self.read_json().get("server_path") or None
        if path is not None and not isinstance(path, str):
            raise UserError(400, '"server_path" must be a string')
        saved = await self.run_sandbox(self.sandbox.use_server_binary, path)
        await self.run_blocking(self.application.store.set_setting, "sandbox.server_path", saved)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class TourHandler(BaseHandler):
    """Whether the first-run tour was dismissed (kept in the per-user store)."""

    async def get(self):
        dismissed = await self.run_blocking(self.application.store.get_setting, TOUR_SETTING, False)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write({"dismissed": bool(dismissed)})

    async def post(self):
        body = self.read_json()
        dismissed = body.get("dismissed", True)
        if not isinstance(dismissed, bool):
            raise UserError(400, '"dismissed" must be true or false')
        await self.run_blocking(self.application.store.set_setting, TOUR_SETTING, dismissed)
        self.write({"dismissed": dismissed})


ROUTES = [
    (r"/api/sandbox", SandboxStatusHandler),
    (r"/api/sandbox/start", SandboxStartHandler),
    (r"/api/sandbox/stop", SandboxStopHandler),
    (r"/api/sandbox/reset", SandboxResetHandler),
    (r"/api/sandbox/delete", SandboxDeleteHandler),
    (r"/api/sandbox/sample", SandboxSampleHandler),
    (r"/api/sandbox/server-path", SandboxServerPathHandler),
    (r"/api/tour", TourHandler),
]
