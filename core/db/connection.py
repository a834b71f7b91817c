"""A small torndb-style connection over PyMySQL.

One `Connection` is used by one thread at a time (PyMySQL connections are not thread-safe);
`core.services.connections.sessions` pools them. Every PyMySQL error leaves here as a `DatabaseError`.
"""

import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pymysql
import pymysql.converters
import pymysql.cursors
from pymysql.constants import CLIENT, COMMAND, FIELD_TYPE, SERVER_STATUS

from core.db import result_types
from core.db.errors import ConnectFailed, ConnectionLost, DatabaseError, translate, translate_connect
from core.db.flavour import DETECT_SQL, Flavour
from core.db.params import ConnectionParams
from core.db.statements import (
    MAX_ROUTINE_DEPTH,
    SAFE_DATA_ACCESS,
    Analysis,
    ReadOnlyViolation,
    body_refusal,
    check_read_only,
    names_in_body,
    refuse,
)
from core.db.wire_rows import sample_rows

_TYPE_NAMES = {getattr(FIELD_TYPE, n): n.lower() for n in dir(FIELD_TYPE) if n.isupper()}
BINARY_CHARSET = 63


_send_any_local_file = pymysql.connections._send_local_file


def _send_offered_local_file(filename, conn) -> None:
    """PyMySQL sends whatever file the server names in its LOCAL INFILE request: a rogue or hijacked
    server could ask for ~/.ssh/id_rsa. Send only the file Eddy offered for this statement."""
    name = filename.decode("utf-8", "replace") if isinstance(filename, (bytes, bytearray)) else str(filename)
    offered = getattr(conn, "offered_local_file", None)
    if offered is None or name != offered:
        raise pymysql.err.OperationalError(
            2068, f"The server asked for the local file '{name}', which Eddy did not offer: nothing was sent"
        )
    _send_any_local_file(filename, conn)


pymysql.connections._send_local_file = _send_offered_local_file


class _DriverConnection(pymysql.connections.Connection):
    """PyMySQL's connection, sharing one context for its default "TLS if the server offers it" mode.

    PyMySQL builds a fresh default SSLContext (loading the system CA bundle) for every connection
    even when no TLS was asked for: ~35 ms each, more than the connection itself. That context
    verifies nothing (no CA given), so one shared instance behaves identically."""

    _preferred_ctx = None
    _ctx_lock = threading.Lock()

    def __init__(self, *args, tls_required: bool = False, **kwargs):
        self._tls_required = tls_required
        self.read_only_guard = False  # set by Connection once its session set-up has run
        self._checking = False
        super().__init__(*args, **kwargs)

    def _execute_command(self, command, sql):
        # Every statement a read-only session sends passes here, whatever sent it (Connection's
        # methods, its cursors, raw streams, a service's split send/read): one check for all.
        if self.read_only_guard and command == COMMAND.COM_QUERY and not self._checking:
            text = sql.decode("utf-8", "replace") if isinstance(sql, (bytes, bytearray)) else sql
            analysis = check_read_only(text)
            if analysis.calls or analysis.relations or analysis.procedures:
                self._checking = True  # the catalog look-ups below are ours
                try:
                    reason = catalog_refusal(self, analysis)
                finally:
                    self._checking = False
                if reason:
                    raise refuse(reason)
        return super()._execute_command(command, sql)

    def _request_authentication(self):
        # A TLS profile never sends its login (user name, password scramble) in the clear: refuse
        # before the handshake response when the server does not offer TLS (a downgrading proxy).
        if self._tls_required and not self.server_capabilities & CLIENT.SSL:
            raise pymysql.err.OperationalError(2026, "TLS was required but the server does not offer it")
        return super()._request_authentication()

    def connect(self, sock=None):
        # PyMySQL reads the greeting and the authentication with read_timeout, None by default: a
        # port that accepts but never answers (a firewall, another service) hung the connect
        # forever. The handshake is part of connecting: it gets connect_timeout.
        read_timeout = self._read_timeout
        if read_timeout is None:
            self._read_timeout = self.connect_timeout
        try:
            super().connect(sock)
        finally:
            self._read_timeout = read_timeout  # queries: as configured (the next read applies it)

    def _create_ssl_ctx(self, sslp):
        if sslp != {}:
            return super()._create_ssl_ctx(sslp)
        with _DriverConnection._ctx_lock:
            if _DriverConnection._preferred_ctx is None:
                _DriverConnection._preferred_ctx = super()._create_ssl_ctx(sslp)
            return _DriverConnection._preferred_ctx


class Row(dict):
    """A dict whose keys are also attributes (torndb's Row)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@dataclass
class Column:
    name: str
    type: str  # the driver's name for the type code (`var_string`, `longlong`)
    is_binary: bool = False
    sql_type: str = ""  # as the server names it: VARCHAR(64), BIGINT UNSIGNED, DECIMAL(12,2)
    numeric: bool = False
    # Where the column comes from (empty for expressions): what decides whether a result is editable.
    db: str = ""
    org_table: str = ""
    org_name: str = ""
    primary_key: bool = False
    unique_key: bool = False
    not_null: bool = False


@dataclass
class ResultSet:
    """Rows as tuples plus column metadata: what grids and exports want."""

    columns: list[Column]
    rows: list[tuple]
    rowcount: int = 0
    last_insert_id: int | None = None
    elapsed: float = 0.0


def is_binary_field(type_code: int, charsetnr: int | None) -> bool:
    """Whether a result column holds bytes. MySQL sends JSON columns with the binary charset (63)
    although their values are utf8mb4 text (PyMySQL decodes them as text): JSON is never binary."""
    if type_code == FIELD_TYPE.JSON:
        return False
    return type_code == FIELD_TYPE.GEOMETRY or charsetnr == BINARY_CHARSET


def describe_columns(cursor) -> list[Column]:
    """Column names/types of the cursor's current result (empty for statements without rows)."""
    if not cursor.description:
        return []
    fields = getattr(getattr(cursor, "_result", None), "fields", None) or []
    columns = []
    for i, d in enumerate(cursor.description):
        f = fields[i] if i < len(fields) else None
        charset = f.charsetnr if f else None
        column = Column(
            name=d[0],
            type=_TYPE_NAMES.get(d[1], str(d[1])),
            is_binary=is_binary_field(d[1], charset),
            numeric=result_types.is_numeric(d[1]),
        )
        if f is not None:
            flags = getattr(f, "flags", 0) or 0
            length, scale = getattr(f, "length", 0) or 0, getattr(f, "scale", 0) or 0
            column.sql_type = result_types.sql_type_name(d[1], length, scale, flags, charset)
            column.db = _text(getattr(f, "db", ""))
            column.org_table = _text(getattr(f, "org_table", ""))
            column.org_name = _text(getattr(f, "org_name", ""))
            column.primary_key = bool(flags & result_types.PRI_KEY)
            column.unique_key = bool(flags & result_types.UNIQUE_KEY)
            column.not_null = bool(flags & result_types.NOT_NULL)
        columns.append(column)
    return columns


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


MAX_NAMES_TO_CHECK = 200


_ROUTINES_SQL = (
    "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, SQL_DATA_ACCESS, ROUTINE_DEFINITION "
    "FROM information_schema.ROUTINES WHERE "
)
_ROUTINE_PAIR = "(ROUTINE_SCHEMA = COALESCE(%s, DATABASE()) AND ROUTINE_NAME = %s)"
_VIEWS_SQL = "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE "
_VIEW_PAIR = "(TABLE_SCHEMA = COALESCE(%s, DATABASE()) AND TABLE_NAME = %s)"


def _lookup(raw, head: str, pair: str, names) -> list[tuple]:
    """Catalog rows for (schema or None = the current database, name) pairs, on a plain cursor."""
    params = [v for name in names for v in name]
    statement = head + " OR ".join([pair] * len(names))  # constants only; the names are parameters
    with pymysql.cursors.Cursor(raw) as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def catalog_refusal(raw, analysis: Analysis) -> str | None:
    """Why the stored routines or views `analysis` uses may change something, or None.

    A routine must be declared READS SQL DATA or NO SQL *and* its body must read only (MariaDB does
    not enforce the declaration), and so must every routine it calls in turn; a view's definition
    likewise. What cannot be seen (no privilege to read the body, a function that is neither built in
    nor stored: a loadable UDF) cannot be proven harmless, so it is refused."""
    pending, seen = analysis, set()
    for _depth in range(MAX_ROUTINE_DEPTH):
        calls = {c for c in pending.calls | pending.procedures if c not in seen}
        relations = {r for r in pending.relations if r not in seen}
        if not calls and not relations:
            return None
        if len(calls) + len(relations) > MAX_NAMES_TO_CHECK:
            return "too many names to check"
        seen |= calls | relations
        following = Analysis()
        if calls:
            rows = _lookup(raw, _ROUTINES_SQL, _ROUTINE_PAIR, sorted(calls, key=str))
            found = {}
            for schema, name, kind, access, body in rows:
                found.setdefault(name.lower(), []).append((schema, kind, access, body))
            for schema, name in calls:
                matches = [m for m in found.get(name.lower(), []) if schema is None or m[0] == schema]
                if not matches:
                    return f"{name}() is neither a built-in function nor a stored routine Eddy can read"
                for routine_schema, kind, access, body in matches:
                    label = f"{kind.lower()} {routine_schema}.{name}"
                    if access not in SAFE_DATA_ACCESS:
                        return f"the {label} is declared {access}, not READS SQL DATA or NO SQL"
                    if not body:
                        return f"the body of the {label} cannot be read to check it"
                    reason = body_refusal(body)
                    if reason:
                        return f"the {label} may change data: {reason}"
                    inner = names_in_body(body)
                    following.calls |= {(s or routine_schema, n) for s, n in inner.calls}
                    following.relations |= {(s or routine_schema, n) for s, n in inner.relations}
        if relations:
            rows = _lookup(raw, _VIEWS_SQL, _VIEW_PAIR, sorted(relations, key=str))
            for schema, name, definition in rows:
                if not definition:
                    return f"the definition of the view {schema}.{name} cannot be read to check it"
                inner = names_in_body(definition)
                following.calls |= {(s or schema, n) for s, n in inner.calls}
                following.relations |= {(s or schema, n) for s, n in inner.relations}
        pending = following
    return "routines or views nested too deep to check"


class _ReadOnlyCursorMixin:
    """The cursors a read-only session hands out. The check itself runs in the driver connection
    (_DriverConnection._execute_command) on the final text of every statement, so no cursor, raw
    stream or split send/read can pass it by."""


class _ReadOnlyCursor(_ReadOnlyCursorMixin, pymysql.cursors.Cursor):
    pass


class _ReadOnlySSCursor(_ReadOnlyCursorMixin, pymysql.cursors.SSCursor):
    pass


class Connection:
    """query/get/execute/executemany/iter over one PyMySQL connection, with reconnect."""

    # Field types (FIELD_TYPE codes) whose values arrive as the server's text instead of Python
    # objects: a subclass sets it (the SQL editor shows dates and decimals exactly as sent).
    text_field_types: tuple[int, ...] = ()

    def __init__(
        self,
        params: ConnectionParams,
        max_idle_time: float = 30.0,
        autocommit: bool = True,
        flavour: Flavour | None = None,
        local_infile: bool = False,
    ):
        self.params = params
        self._flavour = flavour  # known from the session, else detected on first use
        self.max_idle_time = max_idle_time
        self.autocommit = autocommit
        self.local_infile = local_infile  # LOAD DATA LOCAL allowed (local_infile_session only)
        self._conn: pymysql.connections.Connection | None = None
        self._last_use = 0.0
        self._in_transaction = False
        self.connect()

    # -- lifecycle -------------------------------------------------------------------------
    def connect(self) -> None:
        self.close()
        p = self.params
        try:
            self._conn = _DriverConnection(
                host=p.host,
                port=p.port,
                user=p.user,
                # PyMySQL would encode a str password as latin-1; servers hash the UTF-8 bytes.
                password=p.password.encode("utf-8"),
                database=p.database or None,
                unix_socket=p.unix_socket or None,
                connect_timeout=p.connect_timeout,
                read_timeout=p.read_timeout,
                ssl=p.ssl,
                charset="utf8mb4",
                autocommit=self.autocommit,
                cursorclass=pymysql.cursors.Cursor,
                local_infile=self.local_infile,
                tls_required=p.ssl is not None and not p.unix_socket,
            )
        except Exception as exc:  # PyMySQL raises OSError subclasses and MySQLError alike
            raise translate_connect(exc, p.host, p.port) from exc
        self._prepare_session()
        self._in_transaction = False
        self._last_use = time.monotonic()
        for field_type in self.text_field_types:
            self._conn.decoders[field_type] = pymysql.converters.through

    def _prepare_session(self) -> None:
        """Refuse a TLS profile over plain text; make a read-only profile read-only on the server too."""
        p = self.params
        # PyMySQL silently stays unencrypted when the server offers no TLS: never for a TLS profile.
        if (
            p.ssl is not None
            and not p.unix_socket
            and not isinstance(getattr(self._conn, "_sock", None), ssl.SSLSocket)
        ):
            self.close()
            raise ConnectFailed(f"TLS was required but the server at {p.host}:{p.port} does not offer it.")
        try:
            with self._conn.cursor() as cursor:
                read_only = self._detect_flavour(cursor).session_read_only_statement if p.read_only else None
                # TiDB refuses a read-only session (1235): there the statement guard alone applies.
                setup = ([read_only] if read_only else []) + list(p.session_setup)
                for statement in setup:
                    cursor.execute(statement)
        except Exception as exc:
            self.close()
            raise ConnectFailed(f"Preparing the session failed: {translate(exc)}") from exc
        self._conn.read_only_guard = p.read_only

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a dead socket may fail; it is closed either way
                pass

    @property
    def is_open(self) -> bool:
        return self._conn is not None and self._conn.open

    @property
    def thread_id(self) -> int:
        self._ensure_connected()
        return self._conn.thread_id()

    def server_version(self) -> str:
        """The server's version string, e.g. '10.11.19-MariaDB-0+deb12u1'."""
        self._ensure_connected()
        version = self._conn.get_server_info()
        # MariaDB prefixes its handshake version with "5.5.5-" for old MySQL clients.
        return version[len("5.5.5-") :] if version.startswith("5.5.5-") else version

    def flavour(self) -> Flavour:
        """The server's flavour (MariaDB/MySQL/TiDB/Vitess + version), asked once per connection."""
        if self._flavour is None:
            self._run(self._detect_flavour, retry_safe=True)
        return self._flavour

    def _detect_flavour(self, cursor) -> Flavour:
        if self._flavour is None:
            cursor.execute(DETECT_SQL)
            version, comment = cursor.fetchone()
            self._flavour = Flavour.detect(version, comment)
        return self._flavour

    def local_infile_session(self, database: str | None = None) -> "Connection":
        """A second connection for LOAD DATA LOCAL INFILE: the same parameters and session set-up
        (TLS refusal, timeouts, read-only session and checks), not autocommitted. Close it after use."""
        params = replace(self.params, database=database or self.params.database)
        return Connection(
            params, max_idle_time=self.max_idle_time, autocommit=False, flavour=self._flavour, local_infile=True
        )

    def offer_local_file(self, path: str | None) -> None:
        """The one file a LOAD DATA LOCAL statement on this connection may send (None: none)."""
        self._ensure_connected()
        self._conn.offered_local_file = path

    def literal(self, value: Any) -> str:
        """`value` as a SQL literal escaped for this session (NO_BACKSLASH_ESCAPES included)."""
        self._ensure_connected()
        return self._conn.escape(value)

    def warnings(self) -> list[tuple]:
        """SHOW WARNINGS of the last statement: (level, code, message) tuples."""
        return list(self.select("SHOW WARNINGS").rows)

    def use(self, database: str) -> None:
        self._run(lambda c: self._conn.select_db(database), retry_safe=True)

    # -- transactions ----------------------------------------------------------------------
    def begin(self) -> None:
        self._run(lambda c: self._conn.begin(), retry_safe=True)
        self._in_transaction = True

    def commit(self) -> None:
        try:
            self._run(lambda c: self._conn.commit(), retry_safe=False)
        finally:
            self._in_transaction = False

    def rollback(self) -> None:
        try:
            if self._conn is not None:
                self._run(lambda c: self._conn.rollback(), retry_safe=False)
        finally:
            self._in_transaction = False

    # -- statements ------------------------------------------------------------------------
    def query(self, sql: str, *params: Any) -> list[Row]:
        """All rows of a SELECT as Rows."""
        self._guard(sql)

        def run(cursor):
            cursor.execute(sql, params or None)
            names = [d[0] for d in cursor.description or ()]
            return [Row(zip(names, r)) for r in cursor.fetchall()]

        return self._run(run, retry_safe=True)

    def get(self, sql: str, *params: Any) -> Row | None:
        """The single row of a query, None for none; more than one is an error."""
        rows = self.query(sql, *params)
        if len(rows) > 1:
            raise DatabaseError("Multiple rows returned for get()")
        return rows[0] if rows else None

    def execute(self, sql: str, *params: Any) -> int:
        """Run a statement; return the last insert id."""
        self._guard(sql)

        def run(cursor):
            cursor.execute(sql, params or None)
            return cursor.lastrowid

        return self._run(run, retry_safe=False)

    def execute_rowcount(self, sql: str, *params: Any) -> int:
        self._guard(sql)

        def run(cursor):
            return cursor.execute(sql, params or None)

        return self._run(run, retry_safe=False)

    def executemany(self, sql: str, seq_of_params: Sequence[Sequence[Any]]) -> int:
        """Batched write; PyMySQL turns `INSERT ... VALUES (...)` into multi-row INSERTs."""
        self._guard(sql)

        def run(cursor):
            return cursor.executemany(sql, seq_of_params)

        return self._run(run, retry_safe=False)

    def select(self, sql: str, params: Sequence[Any] | None = None) -> ResultSet:
        """One statement's result as tuples with column metadata."""
        self._guard(sql)

        def run(cursor):
            started = time.perf_counter()
            cursor.execute(sql, params or None)
            columns = describe_columns(cursor)
            rows = list(cursor.fetchall()) if columns else []
            return ResultSet(
                columns=columns,
                rows=rows,
                rowcount=cursor.rowcount,
                last_insert_id=cursor.lastrowid or None,
                elapsed=time.perf_counter() - started,
            )

        return self._run(run, retry_safe=False)

    def iter(self, sql: str, *params: Any) -> Iterator[Row]:
        """Stream a query's rows through an unbuffered cursor (memory stays flat)."""
        names, rows = self.stream(sql, params)
        for row in rows:
            yield Row(zip(names, row))

    def stream(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], Iterator[tuple]]:
        """Column names and a tuple iterator over an unbuffered (SSCursor) result.

        The connection is busy until the iterator is exhausted or closed.
        """
        self._guard(sql)
        self._ensure_connected()
        cursor = self._cursor(unbuffered=True)
        try:
            cursor.execute(sql, params or None)
        except Exception as exc:
            cursor.close()
            raise self._handle_error(exc) from exc
        names = [d[0] for d in cursor.description or ()]

        def rows() -> Iterator[tuple]:
            try:
                while True:
                    batch = cursor.fetchmany(1000)
                    if not batch:
                        return
                    yield from batch
            except Exception as exc:
                raise self._handle_error(exc) from exc
            finally:
                try:
                    cursor.close()  # drains the rest of an abandoned result
                except Exception:
                    self.close()
                self._last_use = time.monotonic()

        return names, rows()

    def sample(self, sql: str, params: Sequence[Any] | None, every: int) -> tuple[list[tuple], int]:
        """Rows 0, every, 2*every... of a query's result and its row count, reading the whole
        result off the wire but decoding only the rows kept (grid anchors from one narrow pass)."""
        self._guard(sql)
        self._ensure_connected()
        cursor = self._cursor(unbuffered=True)

        def close_cursor():
            try:
                cursor.close()  # drains the rest of a result left unread
            except Exception:
                self.close()
            self._last_use = time.monotonic()

        try:
            cursor.execute(sql, params or None)
            result = sample_rows(cursor, every)
        except Exception as exc:
            close_cursor()
            raise self._handle_error(exc) from exc
        close_cursor()
        return result

    def execute_raw(self, sql: str | bytes, params: Sequence[Any] | None = None) -> int:
        """Run one statement (text or already-encoded bytes) and return its affected-row count;
        no retry. Bytes skip PyMySQL's re-encoding of large generated INSERTs."""

        def run(cursor):
            cursor.execute(sql, params or None)
            return cursor.rowcount

        return self._run(run, retry_safe=False)

    def execute_script(self, sql: str | bytes) -> None:
        """Run a statement that may return several results (a multi-statement script or a CALL),
        reading every result so the connection is free afterwards; no retry."""

        def run(cursor):
            cursor.execute(sql)
            while cursor.nextset():
                pass

        self._run(run, retry_safe=False)

    def describe_query(self, user_statement: str, native_charsets: bool = False) -> list:
        """The column descriptions (PyMySQL field objects: name, type_code, charsetnr, length,
        flags, scale) of a SELECT's result, read with LIMIT 0 so no row is fetched.

        native_charsets: report each text column's own character set (character_set_results =
        NULL for the look-up) instead of the utf8mb4 the session converts to."""

        def run(cursor):
            if native_charsets:
                cursor.execute("SET SESSION character_set_results = NULL")
            try:
                # A SELECT the caller built from quoted names, or the user's own query by intent.
                cursor.execute(f"SELECT * FROM ({user_statement}) AS eddy_q LIMIT 0")
                return list(cursor._result.fields)
            finally:
                if native_charsets:
                    cursor.execute("SET SESSION character_set_results = utf8mb4")

        return self._run(run, retry_safe=True)

    # -- pipelining: send a statement now, read its result later -----------------------------
    # PyMySQL's query() is its two halves _execute_command + _read_query_result; results come back
    # in order, and each read must start at the packet number its command expects.
    def send_query(self, data: bytes) -> int:
        """Send one encoded statement without reading its result; returns the ticket that
        read_result() needs. Read every sent statement's result, in order, before other use.
        No ping or reconnect here: a ping between pipelined statements would read their results."""
        raw = self._conn
        try:
            raw._execute_command(COMMAND.COM_QUERY, data)
        except Exception as exc:
            raise self._handle_error(exc) from exc
        return raw._next_seq_id

    def read_result(self, ticket: int) -> int:
        """Read the result of a statement sent with send_query(); returns its affected rows."""
        raw = self._conn
        try:
            raw._next_seq_id = ticket
            return raw._read_query_result()
        except Exception as exc:
            raise self._handle_error(exc) from exc

    # -- raw cursors (the SQL editor walks result sets itself) --------------------------------
    def open_cursor(self, unbuffered: bool = False):
        """A PyMySQL cursor on this connection (SSCursor when unbuffered: rows are read from the
        socket as they are fetched). Translate its exceptions with handle_error()."""
        self._ensure_connected()
        self._last_use = time.monotonic()
        return self._cursor(unbuffered)

    def handle_error(self, exc: BaseException) -> DatabaseError:
        """Our DatabaseError for a PyMySQL exception raised by an open_cursor() cursor."""
        return self._handle_error(exc)

    def in_transaction(self) -> bool:
        """True while the server says a transaction is open on this connection (BEGIN by the user)."""
        return self.is_open and bool(self._conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)

    # -- internals -------------------------------------------------------------------------
    def _cursor(self, unbuffered: bool = False):
        """A cursor on the live connection; on a read-only session it refuses writes itself."""
        if self.params.read_only:
            cls = _ReadOnlySSCursor if unbuffered else _ReadOnlyCursor
        else:
            cls = pymysql.cursors.SSCursor if unbuffered else pymysql.cursors.Cursor
        return cls(self._conn)

    def _guard(self, sql: str) -> None:
        """The text check before anything is sent (the cursor repeats it and asks the catalog)."""
        if self.params.read_only:
            check_read_only(sql)

    def _ensure_connected(self) -> None:
        if self._conn is None or not self._conn.open:
            self.connect()
            return
        if not self._in_transaction and time.monotonic() - self._last_use > self.max_idle_time:
            try:
                self._conn.ping(reconnect=False)
            except Exception:
                self.connect()

    def _handle_error(self, exc: BaseException) -> DatabaseError:
        err = translate(exc)
        if not isinstance(err, (ConnectionLost, ReadOnlyViolation)) and isinstance(exc, (AttributeError, OSError)):
            # PyMySQL writing to a socket it already dropped (e.g. while sending a LOCAL INFILE):
            # "'NoneType' object has no attribute 'sendall'" means the connection is gone.
            if self._conn is None or getattr(self._conn, "_sock", None) is None:
                err = ConnectionLost("the connection closed while data was being sent", 2013)
        if isinstance(err, ConnectionLost):
            had_transaction = self._in_transaction or (
                self._conn is not None and bool(self._conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)
            )
            self.close()
            self._in_transaction = False
            # Never "nothing happened": the statement may have run before its answer was lost.
            gone = (
                " The transaction that was open is gone: the server rolled it back, unless this statement "
                "was its COMMIT."
                if had_transaction
                else ""
            )
            try:
                self.connect()
                note = f"The connection was re-established; whether the statement took effect is unknown.{gone}"
            except DatabaseError as again:
                note = f"Reconnecting failed: {again.message}. Whether the statement took effect is unknown.{gone}"
            return ConnectionLost(f"Lost connection to the server ({err.message}). {note}", err.code)
        return err

    def _run(self, fn, retry_safe: bool):
        was_in_transaction = self._in_transaction
        self._ensure_connected()
        try:
            with self._cursor() as cursor:
                result = fn(cursor)
            self._last_use = time.monotonic()
            return result
        except ReadOnlyViolation:
            raise  # refused before anything was sent: the connection is fine
        except Exception as exc:
            err = self._handle_error(exc)
            # A read outside a transaction is safe to repeat once on the fresh connection.
            if isinstance(err, ConnectionLost) and retry_safe and not was_in_transaction and self.is_open:
                with self._cursor() as cursor:
                    try:
                        return fn(cursor)
                    except Exception as again:
                        raise translate(again) from again
            raise err from exc
