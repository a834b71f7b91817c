"""The connect screen's helpers: servers detected on this machine, the local sandbox, sample data,
and the first-run tour's dismissed flag. They need the launch cookie, not a database session."""

from urllib.parse import quote

from core.services.connections import server_probe
from core.services.connections.profiles import SANDBOX_PROFILE_NAME, ensure_sandbox_profile
from core.services.sandbox import sample_data
from core.web.base import BaseHandler, UserError
from core.web.pages_workspace import workspace_url

TOUR_SETTING = "tour.dismissed"
TOUR_STEP_SETTING = "tour.step"
TOUR_STEPS_MAX = 20
# Where the sample shop opens: its orders table, in the grid.
SAMPLE_LANDING = f"/db/{quote(sample_data.SAMPLE_DATABASE, safe='')}/table/orders"


class SandboxBase(BaseHandler):
    @property
    def sandbox(self):
        return self.application.sandbox

    async def log_in(self, params) -> None:
        """Open a session on `params` and make it this browser's current connection (the ones open
        before stay in the connection switcher: replacing the cookie would orphan them), and keep a
        saved connection to the sandbox (it finds the sandbox on whatever port it has next time)."""
        store = self.application.store
        await self.run_blocking(ensure_sandbox_profile, store)
        session = await self.run_blocking(
            self.application.sessions.open, params, name=SANDBOX_PROFILE_NAME, color="green"
        )
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
        params = await self.run_blocking(self.sandbox.start)
        await self.log_in(params)
        status = await self.run_blocking(self.sandbox.status)
        self.write({"redirect": workspace_url(SAMPLE_LANDING if status["sample_loaded"] else "/"), "sandbox": status})


class SandboxStopHandler(SandboxBase):
    async def post(self):
        await self.run_blocking(self.sandbox.stop)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxResetHandler(SandboxBase):
    """Throw the sandbox's databases away and start an empty one."""

    async def post(self):
        params = await self.run_blocking(self.sandbox.reset)
        await self.log_in(params)
        self.write({"redirect": workspace_url(), "sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxDeleteHandler(SandboxBase):
    async def post(self):
        await self.run_blocking(self.sandbox.delete)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class SandboxSampleHandler(SandboxBase):
    """Load the sample shop database into the sandbox and open it."""

    async def post(self):
        params, counts = await self.run_blocking(self.sandbox.load_sample_data)
        await self.log_in(params)
        self.write({"redirect": workspace_url(SAMPLE_LANDING), "rows": counts})


class SandboxServerPathHandler(SandboxBase):
    """Where the server binary is, when it is not on PATH (kept in the per-user store)."""

    async def post(self):
        path = self.read_json().get("server_path") or None
        if path is not None and not isinstance(path, str):
            raise UserError(400, '"server_path" must be a string')
        saved = await self.run_blocking(self.sandbox.use_server_binary, path)
        await self.run_blocking(self.application.store.set_setting, "sandbox.server_path", saved)
        self.write({"sandbox": await self.run_blocking(self.sandbox.status)})


class TourHandler(BaseHandler):
    """The first-run tour's state in the per-user store: dismissed or not, and the step it is at
    (kept across pages and runs, so a tour that was left resumes where it was)."""

    async def get(self):
        store = self.application.store
        dismissed = await self.run_blocking(store.get_setting, TOUR_SETTING, False)
        step = await self.run_blocking(store.get_setting, TOUR_STEP_SETTING, 0)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write({"dismissed": bool(dismissed), "step": step if isinstance(step, int) else 0})

    async def post(self):
        body = self.read_json()
        dismissed = body.get("dismissed")
        step = body.get("step")
        if dismissed is not None and not isinstance(dismissed, bool):
            raise UserError(400, '"dismissed" must be true or false')
        if step is not None and (isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < TOUR_STEPS_MAX):
            raise UserError(400, f'"step" must be a whole number from 0 to {TOUR_STEPS_MAX - 1}')
        if dismissed is None and step is None:
            dismissed = True  # the original API: an empty post dismisses
        store = self.application.store
        if dismissed is not None:
            await self.run_blocking(store.set_setting, TOUR_SETTING, dismissed)
        if step is not None:
            await self.run_blocking(store.set_setting, TOUR_STEP_SETTING, step)
        self.write(
            {
                "dismissed": bool(await self.run_blocking(store.get_setting, TOUR_SETTING, False)),
                "step": await self.run_blocking(store.get_setting, TOUR_STEP_SETTING, 0),
            }
        )


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
