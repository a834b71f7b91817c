"""No text is formatted into SQL except through the one quoting function.

A static scan of core/: every f-string, `.format()` or `%` string passed to a statement-running
method may only interpolate quote_identifier(...)/qualified(...) calls (or names listed in
ALLOWED_NAMES by a reviewer who checked them). Values must travel as parameters.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "core"
RUNNERS = {"execute", "execute_rowcount", "executemany", "query", "get", "select", "stream", "iter", "run_sql"}
# account() quotes a user@host pair with quote_literal (core/services/admin.py).
# int() can only produce digits.
QUOTERS = {"quote_identifier", "qualified", "account", "int", "quote_for_format"}
# Names a reviewer checked are SQL built only from quoted identifiers and placeholders; add with care.
# marks, variable_marks: "%s, %s, ..." placeholder lists (admin.dashboard);
# scope: "GLOBAL" or "SESSION" after a whitelist check (admin.plan_set_variable);
# keyword: a SHOW CREATE keyword from the KINDS table (objects.definition);
# placeholders: "(%s, %s), ..." lists (safe_writes); quoted_columns: quote_identifier(c) joined;
# user_statement: the SQL editor's own statement, run (EXPLAIN-ed) at the user's explicit request;
# quoted_table, guard_where, quoted_key_terms: the grid editor's quoted names and %s guards.
ALLOWED_NAMES: set[str] = {
    "quoted_table",
    "guard_where",
    "quoted_key_terms",
    "marks",
    "variable_marks",
    "scope",
    "keyword",
    "placeholders",
    "quoted_columns",
    "user_statement",
}


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return ""


def _interpolation_ok(expr: ast.AST) -> bool:
    if _callee(expr) in QUOTERS:
        return True
    if isinstance(expr, ast.Name) and expr.id in ALLOWED_NAMES:
        return True
    return isinstance(expr, ast.Constant)


def _is_empty_tuple(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple) and not node.elts


def violations_in(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and _callee(node) in RUNNERS and node.args):
            continue
        sql = node.args[0]
        where = f"{filename}:{sql.lineno}"
        if isinstance(sql, ast.JoinedStr):
            for part in sql.values:
                if isinstance(part, ast.FormattedValue) and not _interpolation_ok(part.value):
                    found.append(f"{where}: f-string interpolates {ast.unparse(part.value)}")
        elif _callee(sql) == "format" and isinstance(getattr(sql.func, "value", None), ast.Constant):
            for arg in [*sql.args, *(k.value for k in sql.keywords)]:
                if not _interpolation_ok(arg):
                    found.append(f"{where}: .format() interpolates {ast.unparse(arg)}")
        elif isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod) and _is_empty_tuple(sql.right):
            continue  # `sql % ()` only turns %% back into % (statements built for %s parameters)
        elif isinstance(sql, ast.BinOp) and isinstance(sql.op, (ast.Mod, ast.Add)):
            found.append(f"{where}: SQL built with {'%' if isinstance(sql.op, ast.Mod) else '+'}")
    return found


def test_sql_is_never_built_from_unquoted_text():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        problems += violations_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    assert problems == [], "\n".join(problems)


def test_the_scan_catches_formatted_values():
    bad = 'conn.execute(f"SELECT * FROM t WHERE name = \'{name}\'")\nconn.query("DROP TABLE " + t)\n'
    good = 'conn.select(f"SELECT * FROM {qualified(db, t)} WHERE id = %s", [i])\n'
    assert len(violations_in(bad, "x.py")) == 2
    assert violations_in(good, "y.py") == []
