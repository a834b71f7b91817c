"""Preview-then-run: every change is a Plan (the exact SQL) before it is a change.

A handler answers a dry run with the plan's SQL; it runs the plan only when the request
confirms by naming the plan's target (`confirm == plan.target`).
"""

from dataclasses import dataclass, field

from core.db import Connection
from core.db.errors import ConnectionLost, DatabaseError
from core.db.sql import first_keyword
from core.services.errors import ServiceError
from core.services.schema.name_cache import NAMES, changes_names


class ChangeRefused(ServiceError):
    """The change is not allowed or not well formed (said before any SQL runs)."""


@dataclass
class Plan:
    statements: list[str]
    target: str  # the object's name, which a confirmation must repeat
    summary: str
    destructive: bool = False
    # What the user sees; differs from `statements` only where a secret (password) is masked.
    display: list[str] = field(default_factory=list)
    database: str | None = None
    # A statement refused with one of these error codes is retried as the given statement
    # (KILL refused with 1095 on Amazon RDS -> CALL mysql.rds_kill).
    fallback: dict[int, str] = field(default_factory=dict)

    def shown(self) -> list[str]:
        return self.display or self.statements

    def preview(self) -> dict:
        return {
            "sql": self.shown(),
            "confirm": self.target,
            "summary": self.summary,
            "destructive": self.destructive,
        }


def run_plan(conn: Connection, plan: Plan) -> dict:
    """Run the statements in order; an error names the statement that failed. A plan that may
    create, drop or rename something drops the server's cached names (also when it failed half way)."""
    if any(changes_names(first_keyword(s)) for s in plan.statements):
        try:
            return _run(conn, plan)
        finally:
            NAMES.invalidate(conn)
    return _run(conn, plan)


def _run(conn: Connection, plan: Plan) -> dict:
    if plan.database:
        conn.use(plan.database)
    done = 0
    for i, statement in enumerate(plan.statements):
        try:
            try:
                conn.execute(statement)
            except DatabaseError as exc:
                if exc.code not in plan.fallback or isinstance(exc, ConnectionLost):
                    raise
                conn.execute(plan.fallback[exc.code])
        except ConnectionLost as exc:
            raise ConnectionLost(
                f"The connection to the server dropped while statement {i + 1} of {len(plan.statements)} ran: "
                f"whether it took effect is unknown ({done} ran before it, the rest did not run). "
                "Reload to see the current state before running it again.",
                exc.code,
            ) from exc
        except DatabaseError as exc:
            note = f" (statement {i + 1} of {len(plan.statements)}; {done} ran before it)" if done else ""
            raise DatabaseError(f"{exc.message}{note}", exc.code) from exc
        done += 1
    return {"ok": True, "sql": plan.shown(), "summary": plan.summary, "target": plan.target}
