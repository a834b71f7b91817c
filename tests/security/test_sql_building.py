"""No text is formatted into SQL except through the one quoting function.

A static scan of core/: every f-string, `.format()` or `%` string passed to a statement-running
method may only interpolate quote_identifier(...)/qualified(...) calls (or names listed in
ALLOWED_NAMES by a reviewer who checked them). Values must travel as parameters.

The scan follows SQL built before the call, within the same function: a variable passed to a run
method is checked in every assignment it gets there (`sql = f"..."`, `sql += f"..."`), and a
variable interpolated into such SQL is followed the same way. And every f-string that reads as a
statement (a SQL keyword first, an upper-case FROM/INTO/WHERE/TABLE/... in it) is checked where it
is written, wherever it goes afterwards (returned by a helper, put in a Plan, kept for later).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "core"
RUNNERS = {
    "execute", "execute_rowcount", "executemany", "query", "get", "select", "stream", "iter", "run_sql",
    "_run", "execute_raw", "execute_script", "describe_query", "sample", "send_query",
}  # fmt: skip
# account() quotes a user@host pair with quote_literal (core/services/schema/server_admin.py).
# int() can only produce digits.
# _table(meta): qualified(...) with % doubled (grid); clause(): a CompiledFilter's WHERE of quoted
# names and %s placeholders (filters.py).
# _name: compare/script.py's quote_identifier; literal(): Connection.literal, a value escaped for the
# session.
QUOTERS = {
    "quote_identifier", "qualified", "account", "int", "quote_for_format", "_table", "clause", "_name", "literal",
}  # fmt: skip
# Helpers reviewed to return SQL built only from quoted names and %s placeholders (with the params
# beside it): grid's ORDER BY, key SELECT, combined WHERE and keyset condition; the cell reader's
# row-key WHERE and position tail.
# infer_type(): a column type picked from a fixed list (transfer/preview.py).
SQL_BUILDERS = {"order_by_sql", "_key_select", "_both", "after_condition", "_key_where", "_position_tail", "infer_type"}
# flavour.statistics_columns: a constant column list per server flavour (core/db/flavour.py);
# .ident: ColumnKind.ident, quote_identifier(name) (transfer/columns.py).
ALLOWED_ATTRIBUTES = {"statistics_columns", "ident"}
# Names a reviewer checked are SQL built only from quoted identifiers and placeholders; add with care.
# marks, variable_marks: "%s, %s, ..." placeholder lists (admin.dashboard);
# scope: "GLOBAL" or "SESSION" after a whitelist check (admin.plan_set_variable);
# keyword: a SHOW CREATE keyword from the KINDS table (objects.definition);
# placeholders: "(%s, %s), ..." lists (safe_writes); quoted_columns: quote_identifier(c) joined;
# user_statement: the SQL editor's own statement, run (EXPLAIN-ed) at the user's explicit request;
# quoted_table, guard_where, quoted_key_terms: the grid editor's quoted names and %s guards;
# columns_sql: the cell reader's quote_for_format(column), or LENGTH/SUBSTRING of it with %s (read_page);
# charset: LOAD DATA's CHARACTER SET, one of utf8mb4/latin1/gbk from a fixed mapping (load_data);
# target: an exported INSERT's table, qualified()/quote_identifier() by write_sql_inserts' callers;
# fk_clause: a FOREIGN KEY clause as the source server wrote it in SHOW CREATE TABLE (compare/script).
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
    "columns_sql",
    "charset",
    "target",
    "fk_clause",
}


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return ""


SQL_START = re.compile(
    r"^\s*\(?\s*(SELECT|SHOW|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SET|TRUNCATE|RENAME|GRANT|REVOKE"
    r"|KILL|CALL|EXPLAIN|ANALYZE|CHECK|OPTIMIZE|REPAIR|WITH|LOAD|LOCK|FLUSH)\s",
    re.IGNORECASE,
)


def _assignments(func: ast.AST) -> dict[str, list[ast.expr]]:
    """name -> every expression assigned (or +=) to it in this function (nested functions aside)."""
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Tuple):  # `where, params = builder(...)`: the call says
                    for element in target.elts:
                        if isinstance(element, ast.Name):
                            found.setdefault(element.id, []).append(node.value)
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Name) and node.iter.id.isupper():
            # `for table, columns, rows in INSERTS`: parts of a module constant written in the code
            targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            for element in targets:
                if isinstance(element, ast.Name):
                    found.setdefault(element.id, []).append(node.iter)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.args
        ):
            found.setdefault(node.func.value.id, []).append(node.args[0])  # lines.append(f"...")
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.setdefault(node.target.id, []).append(node.value)
    return found


class _Scope:
    def __init__(self, assigned: dict[str, list[ast.expr]]):
        self.assigned = assigned
        self.following: set[str] = set()

    def interpolation_ok(self, expr: ast.AST) -> bool:
        if _callee(expr) in QUOTERS | SQL_BUILDERS or isinstance(expr, ast.Constant):
            return True
        if isinstance(expr, ast.Attribute) and expr.attr in ALLOWED_ATTRIBUTES:
            return True
        if _callee(expr) == "join" and expr.args and isinstance(expr.args[0], (ast.GeneratorExp, ast.ListComp)):
            return self.interpolation_ok(expr.args[0].elt)  # ", ".join(quote_identifier(c) for c in ...)
        if _callee(expr) == "join" and expr.args and isinstance(expr.args[0], ast.Name):
            return self.interpolation_ok(expr.args[0])  # ",\n".join(lines): each of its appended lines
        if isinstance(expr, ast.List):
            return all(self.interpolation_ok(e) for e in expr.elts)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.interpolation_ok(expr.left) and self.interpolation_ok(expr.right)
        if isinstance(expr, ast.IfExp):
            return self.interpolation_ok(expr.body) and self.interpolation_ok(expr.orelse)
        if isinstance(expr, ast.JoinedStr):
            return self.sql_problems(expr, "") == []
        if isinstance(expr, ast.Name):
            if expr.id in ALLOWED_NAMES or expr.id in self.following or expr.id.isupper():
                return True  # UPPER_CASE: a module constant written in the code
            values = self.assigned.get(expr.id)
            if not values:
                return False  # a parameter or a global: its origin is not visible here
            self.following.add(expr.id)
            try:
                return all(self.sql_problems(v, "") == [] for v in values)
            finally:
                self.following.discard(expr.id)
        return False

    def sql_problems(self, sql: ast.AST, where: str) -> list[str]:
        """What is wrong with `sql`, an expression that becomes (part of) a statement."""
        found = []
        if isinstance(sql, ast.JoinedStr):
            for part in sql.values:
                if isinstance(part, ast.FormattedValue) and not self.interpolation_ok(part.value):
                    found.append(f"{where}: f-string interpolates {ast.unparse(part.value)}")
        elif _callee(sql) == "format" and isinstance(getattr(sql.func, "value", None), ast.Constant):
            for arg in [*sql.args, *(k.value for k in sql.keywords)]:
                if not self.interpolation_ok(arg):
                    found.append(f"{where}: .format() interpolates {ast.unparse(arg)}")
        elif isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod) and _is_empty_tuple(sql.right):
            found += self.sql_problems(sql.left, where)  # `sql % ()` only turns %% back into %
        elif isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Add):
            for side in (sql.left, sql.right):
                if not (isinstance(side, ast.Constant) or self.interpolation_ok(side)):
                    if isinstance(side, (ast.JoinedStr, ast.BinOp)):
                        found += self.sql_problems(side, where)
                    else:
                        found.append(f"{where}: SQL built with + {ast.unparse(side)}")
        elif isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod):
            found.append(f"{where}: SQL built with %")
        elif (
            isinstance(sql, ast.Name)
            and sql.id not in ALLOWED_NAMES
            and sql.id not in self.following
            and any(_looks_like_sql(v) for v in self.assigned.get(sql.id, []))
        ):
            self.following.add(sql.id)
            try:
                for value in self.assigned.get(sql.id, []):
                    found += self.sql_problems(value, f"{where} (via {sql.id}, line {value.lineno})")
            finally:
                self.following.discard(sql.id)
        return found


def _interpolation_ok(expr: ast.AST) -> bool:
    return _Scope({}).interpolation_ok(expr)


def _is_empty_tuple(node: ast.AST) -> bool:
    return isinstance(node, ast.Tuple) and not node.elts


STATEMENT_WORDS = re.compile(r"\b(FROM|INTO|WHERE|TABLE|DATABASE|VALUES|LIMIT|JOIN|ORDER BY|GROUP BY)\b")


def _looks_like_sql(node: ast.AST) -> bool:
    """A statement, not a message: starts with a SQL keyword and has one of its upper-case parts."""
    while isinstance(node, ast.BinOp):
        node = node.left
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    else:
        return False
    return bool(SQL_START.match(text) and STATEMENT_WORDS.search(text))


def violations_in(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    scope_of: dict[int, _Scope] = {}
    for func in [tree, *functions]:  # innermost function wins: walked later, written last
        scope = _Scope(_assignments(func))
        for node in ast.walk(func):
            scope_of[id(node)] = scope
    found = []
    for node in ast.walk(tree):
        scope = scope_of[id(node)]
        if isinstance(node, ast.Call) and _callee(node) in RUNNERS and node.args:
            sql = node.args[0]
            if _callee(node) == "_run" and len(node.args) > 1:
                sql = node.args[1]  # grid's _run(conn, sql, params)
            found += scope.sql_problems(sql, f"{filename}:{sql.lineno}")
        elif isinstance(node, ast.JoinedStr) and _looks_like_sql(node):
            # SQL wherever it goes (returned by a helper, put in a Plan, kept for later): checked where written
            found += scope.sql_problems(node, f"{filename}:{node.lineno}")
    return sorted(set(found))


def test_sql_is_never_built_from_unquoted_text():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        problems += violations_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    assert problems == [], "\n".join(problems)


def test_the_scan_follows_sql_built_in_variables_and_helpers():
    bad = (
        "def f(conn, name):\n"
        "    where = f\" WHERE name = '{name}'\"\n"
        '    sql = f"SELECT * FROM {qualified(db, t)}{where}"\n'
        '    sql += f" LIMIT {n}"\n'
        "    return conn.query(sql)\n"
        "def g(name):\n"
        '    return f"SELECT * FROM {name}"\n'
        "def h(grid):\n"
        '    return _run(conn, f"SELECT 1 FROM t WHERE {grid}", [])\n'
    )
    good = (
        "def f(conn, db, t, cols):\n"
        "    names = ', '.join(quote_identifier(c) for c in cols)\n"
        '    sql = f"SELECT {names} FROM {qualified(db, t)} WHERE id = %s"\n'
        "    return conn.query(sql, 1)\n"
        "def message(name):\n"
        '    return f"SET of the variable {name}"\n'
        "def key(d, database, table):\n"
        '    table_key = f"{database}.{table}"\n'
        "    return d.get(table_key)\n"
    )
    found = violations_in(bad, "x.py")
    assert sorted({p.split(": ", 1)[1] for p in found}) == [
        "f-string interpolates grid",  # a run helper's SQL argument
        "f-string interpolates n",  # added with +=
        "f-string interpolates name",  # returned by a helper
        "f-string interpolates where",  # a variable built from unquoted text, interpolated
    ], found
    assert violations_in(good, "y.py") == []


def test_the_scan_catches_formatted_values():
    bad = 'conn.execute(f"SELECT * FROM t WHERE name = \'{name}\'")\nconn.query("DROP TABLE " + t)\n'
    good = 'conn.select(f"SELECT * FROM {qualified(db, t)} WHERE id = %s", [i])\n'
    assert len(violations_in(bad, "x.py")) == 2
    assert violations_in(good, "y.py") == []
