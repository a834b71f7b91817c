"""The verbs the web layer calls: compare, write the script, preview and run it on the target."""

from contextlib import ExitStack

from core.db.schema import database_exists
from core.db.schema_snapshot import Filters
from core.services.compare.diff import Side, compare
from core.services.compare.script import apply_steps, build_script, script_text
from core.services.schema.plans import ChangeRefused


def _sides(stack: ExitStack, source: dict, target: dict) -> tuple[Side, Side]:
    """source/target: {"session": DatabaseSession, "database": str, "label": str}; one connection when
    both are on the same session."""
    src_conn = stack.enter_context(source["session"].connection())
    tgt_conn = (
        src_conn if target["session"] is source["session"] else stack.enter_context(target["session"].connection())
    )
    for conn, side in ((src_conn, source), (tgt_conn, target)):
        if not database_exists(conn, side["database"]):
            raise ChangeRefused(f"Database '{side['database']}' does not exist on {side['label']}")
    if src_conn is tgt_conn and source["database"] == target["database"]:
        raise ChangeRefused("Source and target are the same database: pick another one to compare with")
    return Side(src_conn, source["database"], source["label"]), Side(tgt_conn, target["database"], target["label"])


def compare_databases(source: dict, target: dict, filters: dict | None) -> dict:
    with ExitStack() as stack:
        return compare(*_sides(stack, source, target), Filters.from_dict(filters)).as_json()


def _steps(stack, source, target, filters, selected, renames):
    src, tgt = _sides(stack, source, target)
    comparison = compare(src, tgt, Filters.from_dict(filters))
    known = {d.id for d in comparison.differences}
    missing = [s for s in selected if s not in known]
    if missing:
        raise ChangeRefused("These differences are gone since the compare (compare again): " + ", ".join(missing[:10]))
    return tgt, build_script(comparison, selected, renames)


def migration_script(
    source: dict, target: dict, filters: dict | None, selected: list[str], renames: list[dict]
) -> dict:
    with ExitStack() as stack:
        tgt, steps = _steps(stack, source, target, filters, selected, renames)
        return {
            "steps": [s.as_json() for s in steps],
            "script": script_text(steps, tgt.database),
            "destructive": [s.what for s in steps if s.destructive],
            "target": tgt.database,
        }


def prepare_apply(source, target, filters, selected, renames, confirm) -> dict:
    """Without confirm: the plan to show (SQL, what it destroys). With confirm == the target
    database's name: {"steps", "database"} for run_apply. Anything else is refused."""
    with ExitStack() as stack:
        tgt, steps = _steps(stack, source, target, filters, selected, renames)
    if not steps:
        raise ChangeRefused("Nothing to apply: tick at least one difference")
    if confirm is None:
        lost = [s.what for s in steps if s.destructive]
        return {
            "sql": [s.sql for s in steps],
            "confirm": tgt.database,
            "summary": f"Make {tgt.database} ({target['label']}) like {source['database']}: {len(steps)} statements"
            + (f"; data is lost: {'; '.join(lost)}" if lost else ""),
            "destructive": True,
        }
    if confirm != tgt.database:
        raise ChangeRefused(f"Confirmation required: repeat the target database's name (confirm = '{tgt.database}')")
    return {"steps": steps, "database": tgt.database}


def run_apply(session, database: str, steps, job) -> dict:
    """The job's work: the steps on a connection of the target's session, progress per statement."""
    job.total = len(steps)

    def on_step(i):
        job.progress(done=i)
        job.result["current"] = steps[i].what

    with session.connection() as conn:
        result = apply_steps(conn, database, steps, on_step)
    job.progress(done=len(result["applied"]))
    return {**result, "ok": result["failed"] is None and not result["cancelled"], "target": database}
