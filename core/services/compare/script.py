"""The migration script that makes the target like the source, for the differences the user ticked.

Order (each phase only for what was ticked):
  1. drop foreign keys that change or go (they would block column and table changes),
  2. drop triggers, views, routines and events that go or are re-created,
  3. create new tables (without their foreign keys), alter changed tables, drop removed tables,
  4. add foreign keys (new and changed),
  5. create views (a view after the views it reads), routines, triggers, events.
The script runs with FOREIGN_KEY_CHECKS=0, as a dump does, so table order never matters.
"""

import re
from dataclasses import dataclass

from core.db.errors import DatabaseError
from core.db.sql import quote_identifier
from core.services.compare import tables as T
from core.services.compare.diff import Comparison, Difference
from core.services.jobs import Cancelled

ROUTINE_KINDS = ("procedure", "function", "trigger", "event")


@dataclass
class Step:
    sql: str
    what: str
    destructive: bool = False
    compound: bool = False  # a routine/trigger/event body: needs DELIMITER in a script file

    def as_json(self) -> dict:
        return {"sql": self.sql, "what": self.what, "destructive": self.destructive}


def _name(name: str) -> str:
    return quote_identifier(name)


def _drop_keyword(kind: str) -> str:
    return {"view": "VIEW", "procedure": "PROCEDURE", "function": "FUNCTION", "trigger": "TRIGGER", "event": "EVENT"}[
        kind
    ]


def _create_table(src: T.TableDef) -> str:
    lines = list(src.columns.values()) + list(src.indexes.values()) + list(src.checks.values()) + src.other
    options = " ".join(f"{k}={v}" for k, v in src.options.items() if k not in ("DEFAULT CHARSET", "COLLATE"))
    if src.options.get("COLLATE"):
        options += f" DEFAULT CHARSET={src.options['DEFAULT CHARSET']} COLLATE={src.options['COLLATE']}"
    text = f"CREATE TABLE {_name(src.name)} (\n  " + ",\n  ".join(lines) + "\n) " + options.strip()
    return text + ("\n" + src.tail if src.tail else "")


def _index_drop(name: str) -> str:
    return "DROP PRIMARY KEY" if name == "PRIMARY" else "DROP INDEX " + _name(name)


def _option_clauses(src: dict, tgt: dict, text: dict) -> tuple[list[str], list[str]]:
    """(options to set, options to reset) where they differ (src/tgt as compared; text: the source's)."""
    out, resets = [], []
    for key in src:
        if key in ("DEFAULT CHARSET", "COLLATE") or tgt.get(key) == src[key]:
            continue
        out.append(f"{key}={text[key]}")
    for key in tgt:
        if key not in src and key not in ("DEFAULT CHARSET", "COLLATE"):
            # An option the source does not set: back to the engine's default (COMMENT has none).
            resets.append("COMMENT=''" if key == "COMMENT" else f"{key}=DEFAULT")
    if src.get("COLLATE") and src.get("COLLATE") != tgt.get("COLLATE"):
        out.append(f"DEFAULT CHARSET={text['DEFAULT CHARSET']} COLLATE={text['COLLATE']}")
    return out, resets


def _column_clauses(diff: Difference, renames: dict[str, str]) -> tuple[list[str], list[str]]:
    """(DROP COLUMN clauses, ADD/MODIFY/CHANGE clauses in the source's column order)."""
    src, tgt, src_cmp, tgt_cmp = diff.source_def, diff.target_def, diff.source_cmp, diff.target_cmp
    renamed_to = {new: old for old, new in renames.items()}
    drops = [f"DROP COLUMN {_name(c)}" for c in tgt.columns if c not in src.columns and c not in renames]
    # Simulate the target's column order as the clauses run, so AFTER always names a placed column.
    order = [renames.get(c, c) for c in tgt.columns if c in src.columns or c in renames]
    clauses = []
    for i, col in enumerate(src.columns):
        position = "FIRST" if i == 0 else "AFTER " + _name(list(src.columns)[i - 1])
        want_prev = None if i == 0 else list(src.columns)[i - 1]
        line = src.columns[col]
        if col in renamed_to:
            old = renamed_to[col]
            clauses.append(f"CHANGE COLUMN {_name(old)} {line} {position}")
            order.remove(col)
        elif col not in tgt.columns:
            clauses.append(f"ADD COLUMN {line} {position}")
        else:
            at = order.index(col)
            moved = (order[at - 1] if at else None) != want_prev
            if moved or src_cmp.columns[col] != tgt_cmp.columns[col]:
                clauses.append(f"MODIFY COLUMN {line}" + (f" {position}" if moved else ""))
            order.remove(col)
        order.insert(0 if want_prev is None else order.index(want_prev) + 1, col)
    return drops, clauses


def _alter_table(diff: Difference, renames: dict[str, str]) -> list[str]:
    src, tgt = diff.source_cmp, diff.target_cmp
    drops, column_clauses = _column_clauses(diff, renames)
    clauses = [f"DROP CONSTRAINT {_name(n)}" for n, v in tgt.checks.items() if src.checks.get(n) != v]
    clauses += [_index_drop(n) for n, v in tgt.indexes.items() if src.indexes.get(n) != v]
    clauses += drops + column_clauses
    clauses += ["ADD " + diff.source_def.indexes[n] for n, v in src.indexes.items() if tgt.indexes.get(n) != v]
    clauses += ["ADD " + diff.source_def.checks[n] for n, v in src.checks.items() if tgt.checks.get(n) != v]
    options, resets = _option_clauses(src.options, tgt.options, diff.source_def.options)
    clauses += options
    # A reset in the statement that changes the engine is lost (MariaDB keeps the old engine's
    # options), so resets come in a statement of their own.
    return [f"ALTER TABLE {_name(diff.name)}\n  " + ",\n  ".join(c) for c in (clauses, resets) if c]


def _view_order(views: list[Difference]) -> list[Difference]:
    """Views that read other views come after them (by name mentioned in the definition)."""
    pending, ordered = list(views), []
    while pending:
        names = {v.name for v in pending}
        ready = [
            v
            for v in pending
            if not any(o != v.name and quote_identifier(o) in v.source_sql.split(" AS ", 1)[-1] for o in names)
        ]
        if not ready:  # a cycle cannot exist in a server's views; keep going whatever the text says
            ready = pending[:1]
        ordered += ready
        pending = [v for v in pending if v not in ready]
    return ordered


def _create_statement(diff: Difference) -> str:
    sql = diff.source_sql.strip().rstrip(";")
    if diff.kind == "view":
        sql = re.sub(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?", "CREATE OR REPLACE ", sql, count=1, flags=re.I)
    return sql


def build_script(comparison: Comparison, selected: list[str], renames: list[dict] | None = None) -> list[Step]:
    """The steps for the ticked differences; renames = [{"table", "from", "to"}] the user confirmed."""
    chosen = [d for d in comparison.differences if d.id in set(selected)]
    rename_map: dict[str, dict[str, str]] = {}
    for r in renames or []:
        rename_map.setdefault(r["table"], {})[r["from"]] = r["to"]
    tables = [d for d in chosen if d.kind == "table"]
    others = [d for d in chosen if d.kind != "table"]
    steps: list[Step] = []

    for d in tables:  # 1: a table that goes loses its keys first, so no ALTER of its parents trips on them
        if d.status == "removed":
            for n in d.target_cmp.foreign_keys:
                steps.append(Step(f"ALTER TABLE {_name(d.name)} DROP FOREIGN KEY {_name(n)}", f"{d.name}: drop {n}"))
        elif d.status == "changed":
            for n, v in d.target_cmp.foreign_keys.items():
                if d.source_cmp.foreign_keys.get(n) != v:
                    steps.append(
                        Step(f"ALTER TABLE {_name(d.name)} DROP FOREIGN KEY {_name(n)}", f"{d.name}: drop {n}")
                    )
    for d in others:  # 2
        if d.status == "removed" or (d.status == "changed" and d.kind != "view"):
            steps.append(
                Step(
                    f"DROP {_drop_keyword(d.kind)} IF EXISTS {_name(d.name)}",
                    f"drop {d.kind} {d.name}" + (" (re-created below)" if d.status == "changed" else ""),
                    destructive=d.status == "removed" and d.kind in ("procedure", "function", "trigger", "event"),
                )
            )
    for d in tables:  # 3
        if d.status == "added":
            steps.append(Step(_create_table(d.source_def), f"create table {d.name}"))
        elif d.status == "changed":
            table_renames = {k: v for k, v in rename_map.get(d.name, {}).items() if k in d.target_def.columns}
            lost = [c for c in d.target_def.columns if c not in d.source_def.columns and c not in table_renames]
            for sql in _alter_table(d, table_renames):
                what = f"alter table {d.name}"
                if lost:
                    what += " — drops column " + ", ".join(lost) + " and its data"
                steps.append(Step(sql, what, destructive=bool(lost)))
    for d in tables:
        if d.status == "removed":
            steps.append(Step(f"DROP TABLE {_name(d.name)}", f"drop table {d.name} and all its rows", destructive=True))
    for d in tables:  # 4
        if d.status == "removed":
            continue
        target_fks = d.target_cmp.foreign_keys if d.target_cmp else {}
        for n, fk_clause in d.source_cmp.foreign_keys.items():
            if target_fks.get(n) != fk_clause:
                steps.append(Step(f"ALTER TABLE {_name(d.name)} ADD {fk_clause}", f"{d.name}: add foreign key {n}"))
    views = [d for d in others if d.kind == "view" and d.status != "removed"]
    for d in _view_order(views):  # 5
        steps.append(Step(_create_statement(d), f"{'replace' if d.status == 'changed' else 'create'} view {d.name}"))
    for kind in ROUTINE_KINDS:
        for d in others:
            if d.kind == kind and d.status != "removed":
                steps.append(Step(_create_statement(d), f"create {kind} {d.name}", compound=True))
    return steps


def script_text(steps: list[Step], database: str) -> str:
    """The steps as a .sql file for the mariadb/mysql client (DELIMITER around compound bodies)."""
    out = [
        f"-- Eddy schema sync for database {database}: run with it as the default database.",
        "-- Objects are created without DEFINER: they belong to the account that runs this script.",
        "SET FOREIGN_KEY_CHECKS = 0;",
    ]
    for step in steps:
        out.append(f"\n-- {step.what}")
        if step.compound:
            out += ["DELIMITER ;;", step.sql + ";;", "DELIMITER ;"]
        else:
            out.append(step.sql + ";")
    out.append("\nSET FOREIGN_KEY_CHECKS = 1;")
    return "\n".join(out) + "\n"


def apply_steps(conn, database: str, steps: list[Step], on_step=None) -> dict:
    """Run the steps on the target in order, stopping at the first error (or when on_step(i), called
    before each step, raises Cancelled).

    Answers what ran ("applied"), the failing step with the server's message ("failed", or None),
    how many were not reached, and whether the user stopped it. DDL commits as it goes: what ran
    before an error stays done.
    """
    conn.use(database)
    conn.execute("SET FOREIGN_KEY_CHECKS = 0")
    applied: list[dict] = []
    failed = None
    cancelled = False
    try:
        for i, step in enumerate(steps):
            if on_step is not None:
                try:
                    on_step(i)
                except Cancelled:
                    cancelled = True
                    break
            try:
                conn.execute(step.sql)
            except DatabaseError as exc:
                failed = {**step.as_json(), "error": exc.message, "code": exc.code}
                break
            applied.append(step.as_json())
    finally:
        conn.execute("SET FOREIGN_KEY_CHECKS = 1")
    not_run = len(steps) - len(applied) - (1 if failed else 0)
    return {"applied": applied, "failed": failed, "not_run": not_run, "cancelled": cancelled}
