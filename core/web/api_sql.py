"""POST /api/sql: run one statement in the current session."""

from core.services.query.runner import run_statement
from core.web.base import ApiHandler, UserError


class SqlHandler(ApiHandler):
    async def post(self):
        body = self.read_json()
        sql = body.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise UserError(400, "Field 'sql' must be a non-empty string")
        database = body.get("database") or None
        result = await self.with_connection(run_statement, sql, database)
        self.write_json(result)


ROUTES = [
    (r"/api/sql", SqlHandler),
]
