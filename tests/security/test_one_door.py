"""Every connection and cursor comes from core.db's Connection, with its checks: TLS never falls
back to plain text on any path, the raw export stream keeps the read-only guard, and the LOAD DATA
path reports like the INSERT path, cleans up after itself and keeps nothing per row."""

import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from core.db import Connection
from core.db.errors import DatabaseError
from core.db.rawstream import stream_line_batches
from core.db.statements import ReadOnlyViolation
from core.services.connections import profiles
from core.services.errors import ServiceError
from core.services.grid.table_meta import load_table_meta
from core.services.grid.windows import WindowPlanner
from core.services.transfer import load_data as load_data_module
from core.services.transfer.csv_import import ImportFailed, ImportOptions, run_import
from core.services.transfer.export import ExportOptions, ExportSource, run_export
from core.services.transfer.formats import Dialect
from tests.connections.test_tls import TLS_PASSWORD, TLS_USER, tls_profile, tls_server  # noqa: F401 - fixture
from tests.mitm import MitmProxy, looks_like_tls

DB = "eddy_sec_door"
CSV = Dialect(encoding="utf-8", delimiter=",", quote='"', header=True, line_end="\n")
CANARY = "PLAINTEXT-CANARY-7f3a"


def _prepare(admin: Connection, grantee: str | None = None) -> None:
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.execute(f"CREATE DATABASE {DB}")
    admin.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB")
    admin.execute(f"INSERT INTO {DB}.t VALUES (1, %s)", CANARY + "-stored")
    if grantee:
        admin.execute(f"GRANT ALL ON {DB}.* TO {grantee}")


def _csv(path: Path, rows: int, start: int = 100) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,v\n")
        for i in range(start, start + rows):
            f.write(f'{i},"{CANARY} row {i} {"x" * 40}"\n')
    return path


def every_path(conn: Connection, tmp: Path) -> list[str]:
    """Run the import (INSERT and LOAD DATA), export, grid and editor paths; what each said."""
    outcomes = []
    steps = [
        ("import insert", lambda: run_import(conn, DB, "t", _csv(tmp / "a.csv", 50, 100), CSV, ImportOptions())),
        (
            "import load_data",
            lambda: run_import(conn, DB, "t", _csv(tmp / "b.csv", 50, 200), CSV, ImportOptions(method="load_data")),
        ),
        (
            "export",
            lambda: run_export(conn, ExportSource(database=DB, table="t"), ExportOptions(format="csv"), tmp / "o.csv"),
        ),
        ("grid", lambda: WindowPlanner().window(conn, load_table_meta(conn, DB, "t"), "scope", None, None, 0, 50)),
        ("editor cursor", lambda: _editor_cursor(conn)),
    ]
    for name, step in steps:
        try:
            step()
            outcomes.append(f"{name}: ok")
        except (DatabaseError, ServiceError) as exc:  # an import or script refusal is a ServiceError
            outcomes.append(f"{name}: {exc.message}")
    return outcomes


def _editor_cursor(conn: Connection) -> None:
    cursor = conn.open_cursor(unbuffered=True)
    try:
        cursor.execute(f"SELECT v FROM {DB}.t")
        cursor.fetchall()
    except Exception as exc:
        raise conn.handle_error(exc) from exc
    finally:
        cursor.close()


def test_tls_profile_sends_no_byte_in_the_clear_on_any_path(tls_server, tmp_path):  # noqa: F811
    server, pki = tls_server
    admin = Connection(server.params())
    _prepare(admin, f"'{TLS_USER}'@'%'")
    try:
        with MitmProxy(server.port) as proxy:
            profile = tls_profile(server, pki, port=proxy.port, tls_mode="verify_ca")
            params = profiles.connection_params(profile, TLS_PASSWORD)
            conn = Connection(params)
            outcomes = every_path(conn, tmp_path)
            conn.close()
        assert all(o.endswith(": ok") for o in outcomes), outcomes
        assert len(proxy.connections) >= 2, "LOAD DATA opens its own (second) connection"
        for record in proxy.connections:
            assert looks_like_tls(bytes(record.client_bytes)), "a connection sent plaintext after the handshake"
            assert CANARY.encode() not in record.client_bytes
        assert admin.get(f"SELECT COUNT(*) AS n FROM {DB}.t")["n"] == 101
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_tls_profile_behind_a_downgrading_proxy_sends_nothing(tls_server, tmp_path):  # noqa: F811
    """An attacker on the path strips TLS from the greeting: every path refuses before the login."""
    server, pki = tls_server
    admin = Connection(server.params())
    _prepare(admin, f"'{TLS_USER}'@'%'")
    try:
        with MitmProxy(server.port) as direct:
            conn = Connection(profiles.connection_params(tls_profile(server, pki, port=direct.port), TLS_PASSWORD))
            with MitmProxy(server.port, strip_tls=True) as proxy:
                conn.params = replace(conn.params, port=proxy.port)  # the next (re)connect goes through it
                conn.close()
                outcomes = every_path(conn, tmp_path)
        assert all("TLS was required" in o for o in outcomes), outcomes
        assert proxy.connections, "the paths tried to connect"
        for record in proxy.connections:
            assert bytes(record.client_bytes) == b"", "a byte was sent in the clear"
        assert admin.get(f"SELECT COUNT(*) AS n FROM {DB}.t")["n"] == 1
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_raw_export_stream_keeps_the_read_only_guard(mariadb):
    admin = Connection(mariadb.admin)
    _prepare(admin)
    try:
        conn = Connection(replace(mariadb.user, read_only=True, database=DB))
        assert [b for batch in stream_line_batches(conn, "SELECT v FROM t") for b in batch] == [
            (CANARY + "-stored").encode()
        ]
        out = Path(tempfile.mkdtemp()) / "x"
        for sql in (f"SELECT v FROM t INTO OUTFILE '{out}'", "SELECT v FROM t FOR UPDATE"):
            with pytest.raises(ReadOnlyViolation):
                list(stream_line_batches(conn, sql))
        assert not out.exists()
        conn.close()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_load_data_connection_loss_reads_like_the_insert_path(mariadb, tmp_path):
    """The INSERT path says "Lost connection to the server (...)" (Connection's ConnectionLost); so
    must LOAD DATA when the connection drops while the file is being sent, not a PyMySQL internal
    ("'NoneType' object has no attribute 'sendall'")."""
    admin = Connection(mariadb.admin)
    _prepare(admin)
    try:
        big = _csv(tmp_path / "big.csv", 40_000, 1000)  # ~3 MB: the proxy cuts it midway
        with MitmProxy(mariadb.user.port, cut_after=400_000) as proxy:
            conn = Connection(replace(mariadb.user, port=proxy.port, read_timeout=30))
            with pytest.raises(ImportFailed) as info:
                run_import(conn, DB, "t", big, CSV, ImportOptions(method="load_data"))
            conn.close()
        assert any(r.cut for r in proxy.connections)
        exc = info.value
        # As on the INSERT path: the loss is named, and Eddy reconnected and counted the table.
        assert "Lost connection to the server" in exc.message, exc.message
        assert "not saved, verified" in exc.message, exc.message
        assert "NoneType" not in exc.message and "sendall" not in exc.message
        assert admin.get(f"SELECT COUNT(*) AS n FROM {DB}.t")["n"] == 1, "nothing half-loaded was committed"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_leftover_load_folders_are_removed_at_the_next_start(tmp_path, data_dir):
    from core.app import EddyApplication

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    base = Path(tempfile.gettempdir())
    leftover = base / f"{load_data_module.LOAD_FOLDER_PREFIX}{dead_pid}-abc123"
    leftover.mkdir()
    (leftover / "rows.tsv").write_text("1\tsecret\n")
    alive = base / f"{load_data_module.LOAD_FOLDER_PREFIX}{os.getppid()}-def456"  # a running Eddy's
    alive.mkdir()
    try:
        app = EddyApplication(launch_token="t", data_dir=data_dir)
        app.shutdown()
        assert not leftover.exists()
        assert alive.exists()
    finally:
        for folder in (leftover, alive):
            if folder.exists():
                for f in folder.iterdir():
                    f.unlink()
                folder.rmdir()


def _feeder_size(feeder) -> int:
    """Bytes held by the feeder's own attributes (not the importer it points to)."""
    total = 0
    for name, value in vars(feeder).items():
        if name in ("imp", "thread", "error"):
            continue
        total += sys.getsizeof(value)
        if isinstance(value, (list, tuple, set, dict)):
            total += sum(sys.getsizeof(v) for v in value)
    return total


def test_load_data_memory_does_not_grow_with_the_row_count(mariadb, tmp_path, monkeypatch):
    admin = Connection(mariadb.admin)
    feeders = []
    original = load_data_module.TsvFeeder

    class Watched(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            feeders.append(self)

    monkeypatch.setattr(load_data_module, "TsvFeeder", Watched)
    sizes = {}
    try:
        for rows in (2_000, 60_000):
            _prepare(admin)
            conn = Connection(mariadb.user)
            run_import(conn, DB, "t", _csv(tmp_path / f"{rows}.csv", rows, 100), CSV, ImportOptions(method="load_data"))
            conn.close()
            assert feeders[-1].sent == rows
            sizes[rows] = _feeder_size(feeders[-1])
        assert sizes[60_000] == sizes[2_000], f"the LOAD DATA feeder grows with rows: {sizes}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_load_data_still_names_the_line_of_a_refused_row(mariadb, tmp_path):
    admin = Connection(mariadb.admin)
    _prepare(admin)
    try:
        path = tmp_path / "bad.csv"
        path.write_text('id,v\n10,"a\nmultiline"\n11,b\nnot-a-number,c\n12,d\n', encoding="utf-8")
        conn = Connection(mariadb.user)
        with pytest.raises(ImportFailed) as info:
            run_import(conn, DB, "t", path, CSV, ImportOptions(method="load_data"))
        conn.close()
        assert "line 5" in info.value.message, info.value.message
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()


def test_driver_internals_the_guards_rely_on_are_there():
    """core.db overrides these PyMySQL internals (TLS refusal before the login, the read-only check on
    every command): a PyMySQL upgrade that renames them must fail here, not silently skip the checks."""
    import inspect

    import pymysql.connections

    driver = pymysql.connections.Connection
    assert list(inspect.signature(driver._execute_command).parameters) == ["self", "command", "sql"]
    assert list(inspect.signature(driver._request_authentication).parameters) == ["self"]
    assert "server_capabilities" in inspect.getsource(driver._get_server_information)
    assert "self._sock" in inspect.getsource(driver._write_bytes)


def test_a_server_gets_only_the_file_eddy_offered_for_load_data(mariadb, tmp_path):
    """A rogue server answers LOAD DATA LOCAL by asking for another file (e.g. ~/.ssh/id_rsa): refused."""
    admin = Connection(mariadb.admin)
    _prepare(admin)
    try:
        secret = tmp_path / "secret.txt"
        secret.write_text("9\tsecret\n")
        offered = _csv(tmp_path / "offered.csv", 1, 500)
        conn = Connection(replace(mariadb.user, database=DB))
        session = conn.local_infile_session()
        try:
            session.offer_local_file(str(offered))
            with pytest.raises(DatabaseError) as info:
                session.execute_rowcount(f"LOAD DATA LOCAL INFILE {session.literal(str(secret))} INTO TABLE t")
            assert "did not offer" in info.value.message
        finally:
            session.close()  # rolls back; holds no lock on the table afterwards
            conn.close()
        assert admin.get(f"SELECT COUNT(*) AS n FROM {DB}.t")["n"] == 1
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()
