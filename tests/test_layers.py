"""The layering holds: web -> services -> db, and core/db is the only door to PyMySQL.

Read with ast, so a violation fails here before it ships:
- no `pymysql` import outside core/db;
- no tornado import in core/services or core/db;
- no access to another module's underscored attribute (``conn._run``, ``cursor._result``) outside
  core/db: an attribute ``x._name`` is allowed only where ``_name`` is defined in the same module
  (a method, an assigned ``self._name``, a module-level name), i.e. it is that module's own object;
- no SQL text issued from a handler module (core/web/*): calls like ``.query("SELECT ...")``;
- no handler module hanging state on the application (``application.grid_state = ...``): what the
  app owns is made by core/app.py, once, so every handler sees the same object.

Each allow-list below names what is still there and why; it may only shrink.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core"

# (module path relative to the repo, attribute) pairs reviewed and accepted, with the reason.
PRIVATE_ATTRIBUTE_ALLOWED: dict[tuple[str, str], str] = {
    ("core/app.py", "_ApplicationRouter"): "tornado's own router class, for the lazily loaded route modules",
    ("core/web/base.py", "_reason"): "tornado's RequestHandler status reason: it has no public getter",
}

SQL_START = re.compile(
    r"^\s*(SELECT|SHOW|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SET|USE|TRUNCATE|RENAME|GRANT|REVOKE"
    r"|KILL|FLUSH|ANALYZE|OPTIMIZE|CHECK|REPAIR|CALL|DESCRIBE|EXPLAIN|WITH|LOAD|LOCK|UNLOCK|START|COMMIT|ROLLBACK)\s+\S",
    re.IGNORECASE,
)
RUN_METHODS = {"query", "get", "execute", "executemany", "iter", "execute_raw", "run"}


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _own_names(tree: ast.AST) -> set[str]:
    """Underscored names this module defines: functions, classes, assigned attributes and names."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_")}


def _is_private(attr: str) -> bool:
    return attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__"))


def _sql_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def pymysql_imports_outside_db() -> list[str]:
    found = []
    for path in _python_files(CORE):
        if path.is_relative_to(CORE / "db"):
            continue
        for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if module == "pymysql" or module.startswith("pymysql."):
                found.append(f"{_rel(path)}:{line} imports {module}")
    return found


def tornado_imports_below_web() -> list[str]:
    found = []
    for folder in (CORE / "services", CORE / "db"):
        for path in _python_files(folder):
            for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                if module == "tornado" or module.startswith("tornado."):
                    found.append(f"{_rel(path)}:{line} imports {module}")
    return found


def foreign_private_attributes(allowed: dict = PRIVATE_ATTRIBUTE_ALLOWED) -> list[str]:
    found = []
    for path in _python_files(CORE):
        if path.is_relative_to(CORE / "db"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _own_names(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
                continue
            if node.attr in own or (_rel(path), node.attr) in allowed:
                continue
            found.append(f"{_rel(path)}:{node.lineno} reads .{node.attr}")
    return found


def sql_in_handlers() -> list[str]:
    found = []
    for path in _python_files(CORE / "web"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in RUN_METHODS or not node.args:
                continue
            text = _sql_text(node.args[0])
            if text is not None and SQL_START.match(text):
                found.append(f"{_rel(path)}:{node.lineno} issues SQL via .{node.func.attr}()")
    return found


def _names_the_app(node: ast.expr) -> bool:
    """`app`, `application` or `<anything>.application`."""
    return (isinstance(node, ast.Name) and node.id in ("app", "application")) or (
        isinstance(node, ast.Attribute) and node.attr == "application"
    )


def state_attached_to_the_app(root: Path = ROOT) -> list[str]:
    found = []
    for path in _python_files(root / "core" / "web"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                owners = [t.value for t in targets if isinstance(t, ast.Attribute)]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                owners = node.args[:1]
            else:
                continue
            if any(_names_the_app(owner) for owner in owners):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno} sets an attribute of the application")
    return found


def test_pymysql_is_imported_only_in_core_db():
    assert pymysql_imports_outside_db() == []


def test_services_and_db_never_import_tornado():
    assert tornado_imports_below_web() == []


def test_no_module_reaches_into_another_modules_private_members():
    assert foreign_private_attributes() == []


def test_every_allowed_private_attribute_is_still_used():
    """The allow-list only shrinks: an entry nothing needs any more must be removed."""
    found = foreign_private_attributes(allowed={})
    for path, attr in PRIVATE_ATTRIBUTE_ALLOWED:
        assert any(f.startswith(f"{path}:") and f.endswith(f" reads .{attr}") for f in found), (path, attr)


def test_handler_modules_issue_no_sql():
    assert sql_in_handlers() == []


def test_handlers_attach_no_state_to_the_application():
    assert state_attached_to_the_app() == []


def test_the_scan_sees_each_kind_of_violation(tmp_path):
    """The scanners are not blind: a planted sample of each violation is found."""
    tree = ast.parse("import pymysql\nfrom tornado import web\nx = conn._run(1)\nconn.query('SELECT 1')\n")
    assert [m for _, m in _imported_modules(tree)] == ["pymysql", "tornado"]
    assert "_run" not in _own_names(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert any(c.func.attr == "query" and SQL_START.match(_sql_text(c.args[0]) or "") for c in calls)
    planted = tmp_path / "core" / "web"
    planted.mkdir(parents=True)
    (planted / "api_x.py").write_text("app = self.application\nself.application.cache = {}\nsetattr(app, 'x', 1)\n")
    assert [f.split()[0] for f in state_attached_to_the_app(tmp_path)] == ["core/web/api_x.py:2", "core/web/api_x.py:3"]
