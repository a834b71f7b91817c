"""JSON endpoints for server administration: dashboard, processes, variables, users and grants."""

from core.services.schema import server_admin
from core.web.base import ApiHandler, UserError
from core.web.plan_handler import PlanHandler


class DashboardHandler(ApiHandler):
    async def get(self):
        self.write_json(await self.with_connection(server_admin.dashboard))


class ProcessesHandler(ApiHandler):
    async def get(self):
        self.write_json({"processes": await self.with_connection(server_admin.processes)})


class KillHandler(PlanHandler):
    async def post(self, pid):
        await self.preview_or_run(lambda conn, body: server_admin.plan_kill(conn, pid, body.get("what", "query")))


class VariablesHandler(ApiHandler):
    async def get(self):
        self.write_json({"variables": await self.with_connection(server_admin.variables)})


class StatusHandler(ApiHandler):
    async def get(self):
        self.write_json({"status": await self.with_connection(server_admin.status)})


class SetVariableHandler(PlanHandler):
    async def post(self, name):
        await self.preview_or_run(
            lambda conn, body: server_admin.plan_set_variable(
                conn, name, body.get("value"), body.get("scope", "global")
            )
        )


class UsersHandler(PlanHandler):
    async def get(self):
        self.write_json({"users": await self.with_connection(server_admin.users)})

    async def post(self):
        await self.preview_or_run(
            lambda conn, body: server_admin.plan_create_user(
                conn, body.get("user") or "", body.get("host") or "%", body.get("password") or ""
            )
        )


def _account(body: dict) -> tuple[str, str]:
    user, host = body.get("user"), body.get("host")
    if not isinstance(user, str) or not isinstance(host, str):
        raise UserError(400, "Fields 'user' and 'host' are required")
    return user, host


class GrantsHandler(PlanHandler):
    async def get(self):
        user, host = self.get_query_argument("user", None), self.get_query_argument("host", None)
        if user is None or host is None:
            raise UserError(400, "Query arguments 'user' and 'host' are required")
        self.write_json(await self.with_connection(server_admin.user_grants, user, host))

    async def post(self):
        def build(conn, body):
            privileges = body.get("privileges")
            if not isinstance(privileges, list):
                raise UserError(400, "Field 'privileges' must be the list of privileges to hold")
            return server_admin.plan_grants(
                conn, *_account(body), body.get("level"), privileges, body.get("database"), body.get("table")
            )

        await self.preview_or_run(build)


USER_ACTIONS = {
    "drop": lambda conn, body: server_admin.plan_drop_user(conn, *_account(body)),
    "password": lambda conn, body: server_admin.plan_change_password(conn, *_account(body), body.get("password")),
}


class UserActionHandler(PlanHandler):
    async def post(self, action):
        await self.preview_or_run(USER_ACTIONS[action])


ROUTES = [
    (r"/api/server/dashboard", DashboardHandler),
    (r"/api/server/processes", ProcessesHandler),
    (r"/api/server/processes/(?P<pid>\d+)/kill", KillHandler),
    (r"/api/server/variables", VariablesHandler),
    (r"/api/server/variables/(?P<name>[A-Za-z0-9_]+)", SetVariableHandler),
    (r"/api/server/status", StatusHandler),
    (r"/api/server/users", UsersHandler),
    (r"/api/server/users/grants", GrantsHandler),
    (r"/api/server/users/(?P<action>drop|password)", UserActionHandler),
]
