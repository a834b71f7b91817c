"""Server administration: dashboard numbers, processes, variables/status, users and grants."""

import re
import time

from core.db import Connection
from core.db.errors import DatabaseError
from core.db.sql import qualified, quote_identifier
from core.services.schema.browse import NotFound
from core.services.schema.plans import ChangeRefused, Plan
from core.services.schema.structure import literal_quoter

DASHBOARD_STATUS = (
    "Uptime",
    "Threads_connected",
    "Threads_running",
    "Max_used_connections",
    "Questions",
    "Queries",
    "Slow_queries",
    "Bytes_received",
    "Bytes_sent",
    "Innodb_buffer_pool_pages_total",
    "Innodb_buffer_pool_pages_free",
    "Innodb_buffer_pool_pages_data",
    "Innodb_buffer_pool_pages_dirty",
    "Innodb_buffer_pool_read_requests",
    "Innodb_buffer_pool_reads",
    "Aborted_connects",
)
DASHBOARD_VARIABLES = ("version", "version_comment", "max_connections", "innodb_buffer_pool_size", "hostname")

_VAR_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
_KEYWORDS = {"ON", "OFF", "DEFAULT", "TRUE", "FALSE"}

# Privileges offered in the matrix, per level (MariaDB names).
PRIVILEGES = {
    "global": [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "RELOAD",
        "SHUTDOWN",
        "PROCESS",
        "FILE",
        "REFERENCES",
        "INDEX",
        "ALTER",
        "SHOW DATABASES",
        "SUPER",
        "CREATE TEMPORARY TABLES",
        "LOCK TABLES",
        "EXECUTE",
        "REPLICATION SLAVE",
        "REPLICATION CLIENT",
        "CREATE VIEW",
        "SHOW VIEW",
        "CREATE ROUTINE",
        "ALTER ROUTINE",
        "CREATE USER",
        "EVENT",
        "TRIGGER",
    ],  # fmt: skip
    "database": [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "REFERENCES",
        "INDEX",
        "ALTER",
        "CREATE TEMPORARY TABLES",
        "LOCK TABLES",
        "EXECUTE",
        "CREATE VIEW",
        "SHOW VIEW",
        "CREATE ROUTINE",
        "ALTER ROUTINE",
        "EVENT",
        "TRIGGER",
    ],  # fmt: skip
    "table": [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "DROP",
        "REFERENCES",
        "INDEX",
        "ALTER",
        "CREATE VIEW",
        "SHOW VIEW",
        "TRIGGER",
    ],  # fmt: skip
}


# -- dashboard -------------------------------------------------------------------------------
def dashboard(conn: Connection) -> dict:
    """One snapshot of counters; the page derives rates (queries/s) from two snapshots."""
    marks = ", ".join(["%s"] * len(DASHBOARD_STATUS))
    variable_marks = ", ".join(["%s"] * len(DASHBOARD_VARIABLES))
    # SHOW, not information_schema.GLOBAL_STATUS/GLOBAL_VARIABLES: MySQL 8.0 removed those tables
    # (error 1109) and TiDB returns no rows from them.
    status = {
        r.Variable_name.upper(): r.Value
        for r in conn.query(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({marks})", *DASHBOARD_STATUS)
    }
    variables = {
        r.Variable_name.lower(): r.Value
        for r in conn.query(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({variable_marks})", *DASHBOARD_VARIABLES)
    }

    def num(name):
        try:
            return int(status.get(name.upper(), 0) or 0)
        except ValueError:
            return 0

    total, free = num("Innodb_buffer_pool_pages_total"), num("Innodb_buffer_pool_pages_free")
    return {
        "time": time.time(),
        "version": variables.get("version", conn.server_version()),
        "version_comment": variables.get("version_comment", ""),
        "hostname": variables.get("hostname", ""),
        "uptime": num("Uptime"),
        "connections": num("Threads_connected"),
        "running": num("Threads_running"),
        "max_connections": int(variables.get("max_connections") or 0),
        "max_used_connections": num("Max_used_connections"),
        "questions": num("Questions"),
        "slow_queries": num("Slow_queries"),
        "bytes_received": num("Bytes_received"),
        "bytes_sent": num("Bytes_sent"),
        "buffer_pool_size": int(variables.get("innodb_buffer_pool_size") or 0),
        "buffer_pool_pages_total": total,
        "buffer_pool_pages_used": total - free,
        "buffer_pool_used_ratio": (total - free) / total if total else 0.0,
        "buffer_pool_dirty": num("Innodb_buffer_pool_pages_dirty"),
        "buffer_pool_hit_ratio": (
            1 - num("Innodb_buffer_pool_reads") / num("Innodb_buffer_pool_read_requests")
            if num("Innodb_buffer_pool_read_requests")
            else 1.0
        ),
    }


# -- processes -------------------------------------------------------------------------------
def processes(conn: Connection) -> list[dict]:
    rows = conn.query(
        "SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, TIME AS time,"
        " STATE AS state, INFO AS info FROM information_schema.PROCESSLIST ORDER BY TIME DESC, ID"
    )
    own = conn.thread_id
    for r in rows:
        r["own"] = r.id == own
    return rows


def plan_kill(conn: Connection, process_id, what: str) -> Plan:
    try:
        pid = int(process_id)
    except (TypeError, ValueError):
        raise ChangeRefused("Process id must be a number") from None
    if what not in ("query", "connection"):
        raise ChangeRefused("Kill 'query' or 'connection'")
    if not conn.get("SELECT ID FROM information_schema.PROCESSLIST WHERE ID = %s", pid):
        raise NotFound(f"Process {pid} is not running")
    fallback = conn.flavour().kill_fallback(pid, query_only=what == "query")
    summary = f"Kill the {'running query of' if what == 'query' else 'connection'} process {pid}"
    return Plan(
        [f"KILL {what.upper()} {pid}"],
        target=str(pid),
        summary=summary + (f" (if KILL is refused with error 1095, as on Amazon RDS: {fallback})" if fallback else ""),
        destructive=True,
        # 1095 "You are not owner of thread": RDS/Aurora give the master user a procedure instead.
        fallback={1095: fallback} if fallback else {},
    )


# -- variables and status --------------------------------------------------------------------
def variables(conn: Connection) -> list[dict]:
    """Global and session values, the compiled-in default and whether it was changed."""
    try:
        rows = conn.query(
            "SELECT VARIABLE_NAME AS name, GLOBAL_VALUE AS global_value, SESSION_VALUE AS session_value,"
            " DEFAULT_VALUE AS default_value, GLOBAL_VALUE_ORIGIN AS origin, VARIABLE_SCOPE AS scope,"
            " VARIABLE_TYPE AS type, READ_ONLY AS read_only, VARIABLE_COMMENT AS comment"
            " FROM information_schema.SYSTEM_VARIABLES ORDER BY VARIABLE_NAME"
        )
    except DatabaseError:  # MySQL: no SYSTEM_VARIABLES; defaults unknown
        glob = {r.Variable_name: r.Value for r in conn.query("SHOW GLOBAL VARIABLES")}
        sess = {r.Variable_name: r.Value for r in conn.query("SHOW SESSION VARIABLES")}
        return [
            {
                "name": n,
                "global_value": glob.get(n),
                "session_value": sess.get(n),
                "default_value": None,
                "origin": None,
                "scope": None,
                "changed": False,
                "read_only": False,
            }
            for n in sorted(set(glob) | set(sess))
        ]
    out = []
    for r in rows:
        name = r.name.lower()
        changed = (r.origin or "") not in ("COMPILE-TIME", "AUTO") or (
            r.scope == "SESSION" and r.session_value != r.default_value
        )
        out.append(
            {
                "name": name,
                "global_value": r.global_value,
                "session_value": r.session_value,
                "default_value": r.default_value,
                "origin": r.origin,
                "scope": r.scope,
                "type": r.type,
                "read_only": r.read_only == "YES",
                "comment": r.comment,
                "changed": changed
                or (r.session_value is not None and r.global_value is not None and r.session_value != r.global_value),
            }
        )
    return out


def status(conn: Connection) -> list[dict]:
    return [{"name": r.Variable_name, "value": r.Value} for r in conn.query("SHOW GLOBAL STATUS")]


def _value_sql(value, quote) -> str:
    if value is None:
        raise ChangeRefused("A value is required")
    text = str(value).strip()
    if _NUMBER_RE.match(text) or text.upper() in _KEYWORDS:
        return text.upper() if text.upper() in _KEYWORDS else text
    return quote(text)


def plan_set_variable(conn: Connection, name: str, value, scope: str) -> Plan:
    scope = (scope or "").upper()
    if scope not in ("GLOBAL", "SESSION"):
        raise ChangeRefused("Scope must be 'global' or 'session'")
    name = (name or "").strip().lower()
    if not _VAR_NAME_RE.match(name):
        raise ChangeRefused(f"'{name}' is not a variable name")
    if not conn.query(f"SHOW {scope} VARIABLES LIKE %s", name.replace("_", "\\_")):
        raise NotFound(f"There is no {scope.lower()} variable '{name}'")
    sql = f"SET {scope} {quote_identifier(name)} = {_value_sql(value, literal_quoter(conn))}"
    return Plan([sql], target=name, summary=f"Set {scope.lower()} {name}")


# -- users and privileges --------------------------------------------------------------------
def account(user: str, host: str, quote) -> str:
    if not isinstance(user, str) or not isinstance(host, str) or not host.strip():
        raise ChangeRefused("User name and host are required")
    return f"{quote(user)}@{quote(host.strip())}"


def users(conn: Connection) -> list[dict]:
    try:
        rows = conn.query(
            "SELECT User AS user, Host AS host, plugin, password_expired AS expired,"
            " IF(authentication_string = '' AND Password = '', 'no', 'yes') AS has_password"
            " FROM mysql.user ORDER BY User, Host"
        )
    except DatabaseError as exc:
        if exc.code != 1054:  # MySQL 5.7+/8 has no Password column
            raise
        rows = conn.query(
            "SELECT User AS user, Host AS host, plugin, password_expired AS expired,"
            " IF(authentication_string = '', 'no', 'yes') AS has_password FROM mysql.user ORDER BY User, Host"
        )
    for r in rows:
        r["account"] = f"{r.user}@{r.host}"
    return rows


def _grantee(user: str, host: str) -> str:
    """information_schema's GRANTEE text: the server writes 'user'@'host' without escaping quotes."""
    return f"'{user}'@'{host}'"


def _require_user(conn: Connection, user: str, host: str) -> None:
    if not conn.get("SELECT 1 AS ok FROM mysql.user WHERE User = %s AND Host = %s", user, host):
        raise NotFound(f"User '{user}'@'{host}' does not exist")


def privilege_names(conn: Connection) -> dict[str, list[str]]:
    """Privileges per level: global ones as this server names them (SHOW PRIVILEGES; MariaDB
    10.5+ has BINLOG MONITOR etc.), database/table ones from the lists above."""
    try:
        server = [r.Privilege.upper() for r in conn.query("SHOW PRIVILEGES")]
    except DatabaseError:
        return PRIVILEGES
    glob = [p for p in server if p not in ("USAGE", "GRANT OPTION", "PROXY")]
    if not glob:
        return PRIVILEGES
    extra = ["DELETE HISTORY"] if "DELETE HISTORY" in glob else []
    return {
        "global": glob,
        "database": [p for p in PRIVILEGES["database"] if p in glob] + extra,
        "table": [p for p in PRIVILEGES["table"] if p in glob] + extra,
    }


def user_grants(conn: Connection, user: str, host: str) -> dict:
    """SHOW GRANTS text plus held privileges at each level, for the checkbox matrix."""
    _require_user(conn, user, host)
    quote = literal_quoter(conn)
    shown = [list(r.values())[0] for r in conn.query(f"SHOW GRANTS FOR {account(user, host, quote)}")]
    grantee = _grantee(user, host)
    glob = {r.p for r in conn.query(
        "SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s", grantee)}  # fmt: skip
    dbs: dict[str, set] = {}
    for r in conn.query(
        "SELECT TABLE_SCHEMA AS db, PRIVILEGE_TYPE AS p FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %s",
        grantee,
    ):
        dbs.setdefault(r.db, set()).add(r.p)
    tables: dict[str, set] = {}
    for r in conn.query(
        "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, PRIVILEGE_TYPE AS p FROM information_schema.TABLE_PRIVILEGES"
        " WHERE GRANTEE = %s",
        grantee,
    ):
        tables.setdefault(f"{r.db}.{r.t}", set()).add(r.p)
    return {
        "user": user,
        "host": host,
        "grants": shown,
        "global": sorted(glob),
        "databases": {k: sorted(v) for k, v in dbs.items()},
        "tables": {k: sorted(v) for k, v in tables.items()},
        "privileges": privilege_names(conn),
    }


def plan_create_user(conn: Connection, user: str, host: str, password: str) -> Plan:
    quote = literal_quoter(conn)
    acct = account(user, host or "%", quote)
    if not user:
        raise ChangeRefused("User name is required")
    sql = f"CREATE USER {acct}"
    shown = sql
    if password:
        sql += " IDENTIFIED BY " + quote(password)
        shown += " IDENTIFIED BY '********'"
    return Plan([sql], target=user, summary=f"Create user {user}@{host or '%'}", display=[shown])


def plan_drop_user(conn: Connection, user: str, host: str) -> Plan:
    _require_user(conn, user, host)
    return Plan(
        [f"DROP USER {account(user, host, literal_quoter(conn))}"],
        target=user,
        summary=f"Drop user {user}@{host}",
        destructive=True,
    )


def plan_change_password(conn: Connection, user: str, host: str, password: str) -> Plan:
    _require_user(conn, user, host)
    if not isinstance(password, str) or not password:
        raise ChangeRefused("The new password is required")
    quote = literal_quoter(conn)
    acct = account(user, host, quote)
    return Plan(
        [f"ALTER USER {acct} IDENTIFIED BY {quote(password)}"],
        target=user,
        summary=f"Change the password of {user}@{host}",
        display=[f"ALTER USER {acct} IDENTIFIED BY '********'"],
    )


def _on_clause(level: str, database: str | None, table: str | None) -> str:
    if level == "global":
        return "*.*"
    if level == "database":
        if not database:
            raise ChangeRefused("Pick a database")
        return quote_identifier(database) + ".*"
    if level == "table":
        if not database or not table:
            raise ChangeRefused("Pick a database and a table")
        return qualified(database, table)
    raise ChangeRefused("Level must be global, database or table")


def plan_grants(
    conn: Connection, user: str, host: str, level: str, wanted: list[str], database=None, table=None
) -> Plan:
    """GRANT what is newly ticked and REVOKE what was unticked, at one level."""
    held_all = user_grants(conn, user, host)
    allowed = held_all["privileges"].get(level)
    if allowed is None:
        raise ChangeRefused("Level must be global, database or table")
    wanted = [p.upper() for p in wanted or []]
    unknown = [p for p in wanted if p not in allowed]
    if unknown:
        raise ChangeRefused(f"Not a {level} privilege here: {', '.join(unknown)}")
    if level == "global":
        held = set(held_all["global"]) - {"USAGE"}
    elif level == "database":
        held = set(held_all["databases"].get(database or "", []))
    else:
        table_key = f"{database}.{table}"
        held = set(held_all["tables"].get(table_key, []))
    held &= set(allowed)
    on = _on_clause(level, database, table)
    acct = account(user, host, literal_quoter(conn))
    grant = [p for p in allowed if p in wanted and p not in held]
    revoke = [p for p in allowed if p in held and p not in wanted]
    statements = []
    if grant:
        statements.append(f"GRANT {', '.join(grant)} ON {on} TO {acct}")
    if revoke:
        statements.append(f"REVOKE {', '.join(revoke)} ON {on} FROM {acct}")
    if not statements:
        raise ChangeRefused("Nothing to change: the ticked privileges are the ones held")
    return Plan(
        statements, target=user, summary=f"Change {level} privileges of {user}@{host}", destructive=bool(revoke)
    )
