"""The preview-then-run protocol shared by every structure and admin change.

POST {"dry_run": true, ...}            -> 200 {"sql": [...], "confirm": "<name>", "summary", "destructive"}
POST {"confirm": "<name>", ...}        -> runs the SQL, 200 {"ok": true, "sql": [...], ...}
POST without the right confirmation    -> 400 {"error": "... confirm ..."}; nothing runs.
"""

from core.services.schema.plans import run_plan
from core.web.base import ApiHandler, UserError


class ConfirmationRequired(UserError):
    def __init__(self, target: str, summary: str):
        super().__init__(
            400, f"Confirmation required: {summary}. Repeat the object's name to confirm (confirm = '{target}')."
        )


class PlanHandler(ApiHandler):
    async def preview_or_run(self, build, *args, body: dict | None = None):
        """build(conn, body, *args) -> Plan; answered as a preview or run when confirmed."""
        body = self.read_json() if body is None else body
        dry = bool(body.get("dry_run"))
        confirm = body.get("confirm")

        def work(conn):
            plan = build(conn, body, *args)
            if dry:
                return plan.preview()
            if not isinstance(confirm, str) or confirm != plan.target:
                raise ConfirmationRequired(plan.target, plan.summary)
            return run_plan(conn, plan)

        self.write_json(await self.with_connection(work))
