"""Saved connections over real HTTP: CRUD, keyring, test button, read-only, several sessions, import."""

import re
from pathlib import Path

import pytest

from core.db import Connection
from tests.connections.conftest import profile_form
from tests.security.client import error_text
from tests.web.sql_editor import run_sql


def profile_ids(client) -> dict[str, int]:
    page = client.get("/connections").text
    found = re.findall(r'data-profile-id="(\d+)">.*?class="profile-name">([^<]*)<', page, re.S)
    return {name: int(pid) for pid, name in found}


def create(client, mariadb, **overrides) -> int:
    form = profile_form(mariadb, **overrides)
    response = client.post_form("/connections/new", form)
    assert response.status == 302, error_text(response) or response.text[:500]
    return profile_ids(client)[form["name"]]


def connect(client, profile_id, **fields):
    response = client.post_form(f"/connections/{profile_id}/connect", fields)
    assert response.status == 302, error_text(response) or response.text[:500]
    return response


def test_create_edit_duplicate_delete(user, mariadb, memory_keyring):
    pid = create(user, mariadb)
    edit = user.get(f"/connections/{pid}/edit").text
    assert 'value="Local test"' in edit and "saved in the OS keyring" in edit
    response = user.post_form(
        f"/connections/{pid}/edit", profile_form(mariadb, name="Renamed", color="red", db_password="")
    )
    assert response.status == 302
    assert memory_keyring.get_password("Eddy", f"profile-{pid}-db") == mariadb.user.password, "kept when left empty"
    response = user.post_form(f"/connections/{pid}/duplicate", {})
    assert response.status == 302
    ids = profile_ids(user)
    assert set(ids) == {"Renamed", "Renamed (copy)"}
    user.post_form(f"/connections/{pid}/delete", {})
    assert set(profile_ids(user)) == {"Renamed (copy)"}
    assert ("Eddy", f"profile-{pid}-db") not in memory_keyring.secrets, "deleting forgets the password"
    assert user.get(f"/connections/{pid}/edit").status == 404


def test_invalid_profile_is_refused_with_the_form_kept(user, mariadb, memory_keyring):
    response = user.post_form("/connections/new", profile_form(mariadb, name="Bad", port="70000"))
    assert response.status == 400 and "between 1 and 65535" in error_text(response)
    assert 'value="Bad"' in response.text
    response = user.post_form("/connections/new", profile_form(mariadb, name="Bad", tls_mode="verify_ca"))
    assert response.status == 400 and "CA certificate" in error_text(response)
    create(user, mariadb, name="Twice")
    response = user.post_form("/connections/new", profile_form(mariadb, name="Twice"))
    assert response.status == 400 and "already exists" in error_text(response)


def test_passwords_go_to_the_keyring_never_to_disk(user, mariadb, memory_keyring, running_app):
    pid = create(user, mariadb, ssh_password="ssh-sekr1t")
    assert memory_keyring.secrets[("Eddy", f"profile-{pid}-db")] == mariadb.user.password
    assert memory_keyring.secrets[("Eddy", f"profile-{pid}-ssh")] == "ssh-sekr1t"
    assert Path(running_app.app.store.path).stat().st_mode & 0o077 == 0, "the store is for this user only"
    running_app.app.store.close()
    data = b"".join(p.read_bytes() for p in Path(running_app.app.store.path).parent.iterdir() if p.is_file())
    assert mariadb.user.password.encode() not in data and b"ssh-sekr1t" not in data


def test_without_a_keyring_passwords_are_not_saved_and_the_app_says_so(user, mariadb, no_keyring):
    page = user.get("/connections/new").text
    assert "Passwords cannot be saved here" in page
    response = user.post_form("/connections/new", profile_form(mariadb, name="No keyring"))
    assert response.status == 302
    listing = user.follow(response.headers["Location"]).text
    assert listing.count("Passwords cannot be saved here") == 1, "said once, in the banner"
    assert "Password not saved" not in listing
    pid = profile_ids(user)["No keyring"]
    ask = user.get(f"/connections/{pid}/connect").text
    assert 'name="db_password"' in ask, "the password is asked for each time"
    response = user.post_form(f"/connections/{pid}/connect", {})
    assert response.status == 400 and "Access denied" in error_text(response)
    connect(user, pid, db_password=mariadb.user.password)
    assert user.get("/").status == 200


def test_plaintext_keyring_backends_are_not_used():
    from core.services.connections import secrets

    class PlaintextKeyring:
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    assert "plain text" in secrets._backend_problem(PlaintextKeyring())


@pytest.mark.mariadb_only
def test_test_connection_reports_version_and_latency_or_the_exact_error(user, mariadb, memory_keyring):
    form = profile_form(mariadb)
    response = user.post_json("/api/connections/test", form)
    assert response.status == 200, response.text
    result = response.json()
    assert "MariaDB" in result["server_version"] and result["latency_ms"] >= 0
    response = user.post_json("/api/connections/test", {**form, "db_password": "Wr0ngPassw0rd"})
    assert response.status == 502 and "Access denied" in response.json()["error"]
    assert "Wr0ngPassw0rd" not in response.json()["error"]
    # A saved profile's keyring password is used when the field is empty.
    pid = create(user, mariadb, name="Saved")
    response = user.post_json("/api/connections/test", {**form, "db_password": "", "id": str(pid)})
    assert response.status == 200, response.text


@pytest.fixture
def canary(mariadb):
    admin = Connection(mariadb.admin)
    admin.execute("CREATE DATABASE IF NOT EXISTS eddy_test_prof")
    admin.execute("DROP TABLE IF EXISTS eddy_test_prof.t")
    admin.execute("CREATE TABLE eddy_test_prof.t (id INT PRIMARY KEY, v INT)")
    admin.execute("INSERT INTO eddy_test_prof.t VALUES (1, 10)")
    yield admin
    admin.execute("DROP DATABASE IF EXISTS eddy_test_prof")
    admin.close()


@pytest.mark.mariadb_only
def test_read_only_profile_refuses_changes_on_the_server_side(user, mariadb, memory_keyring, canary):
    pid = create(user, mariadb, name="Prod (read-only)", color="red", read_only="on")
    connect(user, pid)
    home = user.get("/").text
    assert 'id="read-only-badge"' in home and "tag-red" in home
    assert run_sql(user, "SELECT v FROM t", "eddy_test_prof").rows == [[10]]
    for statement in (
        "UPDATE t SET v = 0",
        "DELETE FROM t",
        "DROP TABLE t",
        "CREATE TABLE t2 (i INT)",
        "SET SESSION TRANSACTION READ WRITE",
        "/*!50000 DELETE FROM t */",
        "GRANT ALL ON *.* TO 'x'@'%'",
    ):
        error = run_sql(user, statement, "eddy_test_prof").error
        assert error and "Read-only connection" in error, statement
    assert run_sql(user, "SELECT @@tx_read_only").rows == [[1]]
    assert canary.query("SELECT v FROM eddy_test_prof.t") == [{"v": 10}]


def test_safe_mode_profile_refuses_update_without_key(user, mariadb, memory_keyring, canary):
    pid = create(user, mariadb, name="Safe", safe_mode="on")
    connect(user, pid)
    error = run_sql(user, "UPDATE t SET v = 0", "eddy_test_prof").error
    assert error and "1175" in error
    assert canary.query("SELECT v FROM eddy_test_prof.t") == [{"v": 10}]


@pytest.mark.mariadb_only
def test_several_connections_at_once_with_a_switcher(user, mariadb, memory_keyring):
    ro = create(user, mariadb, name="Reader", color="red", read_only="on")
    rw = create(user, mariadb, name="Writer", color="green")
    connect(user, ro)
    connect(user, rw)
    home = user.get("/").text
    assert "<strong>Writer</strong>" in home and 'id="session-switcher"' in home and "Reader" in home
    assert run_sql(user, "SELECT @@tx_read_only").rows == [[0]]
    session_ids = re.findall(r'name="session" value="([^"]+)"', home)
    assert len(session_ids) == 1
    assert user.post_form("/connections/switch", {"session": session_ids[0]}).status == 302
    assert "<strong>Reader</strong>" in user.get("/").text
    assert run_sql(user, "SELECT @@tx_read_only").rows == [[1]]
    assert user.post_form("/connections/switch", {"session": "not-mine"}).status == 400
    # Logging out closes the active connection only; the other one takes over.
    assert user.post_form("/logout", {}).headers["Location"] == "/workspace?open=/"
    assert "<strong>Writer</strong>" in user.get("/").text
    assert user.post_form("/logout", {}).headers["Location"] == "/login"
    assert user.get("/").status == 302


def test_import_from_my_cnf(user, mariadb, memory_keyring):
    text = f"""
[client]
host = {mariadb.user.host}
port = {mariadb.user.port}
user = {mariadb.user.user}
password = "{mariadb.user.password}"

[client_reporting]
user = reporter
database = eddy_test
"""
    response = user.post_form("/connections/import", {"text": text})
    assert response.status == 302
    assert "Imported 2 connections" in user.follow(response.headers["Location"]).text
    ids = profile_ids(user)
    assert set(ids) == {"my.cnf", "my.cnf client_reporting"}
    assert memory_keyring.get_password("Eddy", f"profile-{ids['my.cnf']}-db") == mariadb.user.password
    connect(user, ids["my.cnf"])
    assert user.get("/").status == 200
    response = user.post_form("/connections/import", {"text": "not an ini file ["})
    assert response.status == 400 and error_text(response)


def test_a_keyring_that_refuses_is_reported_not_ignored(user, mariadb, memory_keyring, monkeypatch):
    import keyring.errors

    def refuse(service, username, password):
        raise keyring.errors.PasswordSetError("the collection is locked")

    monkeypatch.setattr(memory_keyring, "set_password", refuse)
    response = user.post_form("/connections/new", profile_form(mariadb, name="Locked"))
    listing = user.follow(response.headers["Location"]).text
    assert "Password not saved" in listing and "locked" in listing
    assert memory_keyring.secrets == {}


def test_reprs_never_show_a_password(mariadb):
    from core.services.connections.profiles import Passwords
    from core.services.connections.sessions import DatabaseSession
    from core.services.connections.tunnels import SshSettings

    secret = "r3pr-s3cret"
    params = mariadb.user.__class__(host="h", user="u", password=secret)
    for obj in (
        params,
        DatabaseSession(id="x", params=params, server_version="v"),
        Passwords(db=secret, ssh=secret),
        SshSettings(host="h", password=secret, passphrase=secret),
    ):
        assert secret not in repr(obj) and secret not in str(obj)


def test_listing_profiles_never_reads_the_keyring(user, mariadb, memory_keyring, monkeypatch):
    """On macOS every keychain read may prompt the user: pages that only list must not read."""
    pid = create(user, mariadb, name="Quiet")
    reads = []
    original = memory_keyring.get_password
    monkeypatch.setattr(memory_keyring, "get_password", lambda s, u: reads.append(u) or original(s, u))
    for path in ("/login", "/connections", f"/connections/{pid}/edit", f"/connections/{pid}/connect"):
        assert user.get(path).status == 200
    assert reads == []
    connect(user, pid)
    assert reads == [f"profile-{pid}-db"], "connecting reads exactly the password it needs"


def test_a_password_gone_from_the_keyring_is_asked_for(user, mariadb, memory_keyring):
    pid = create(user, mariadb, name="Vanished")
    memory_keyring.secrets.clear()  # removed behind Eddy's back (another tool, a new keyring)
    response = user.post_form(f"/connections/{pid}/connect", {})
    assert response.status == 400 and "Access denied" in error_text(response)
    assert 'name="db_password"' in response.text
    connect(user, pid, db_password=mariadb.user.password, remember="on")
    assert memory_keyring.get_password("Eddy", f"profile-{pid}-db") == mariadb.user.password


def test_plain_connect_form_can_save_the_connection(user, mariadb, memory_keyring):
    response = user.post_form(
        "/login",
        {
            "host": mariadb.user.host,
            "port": str(mariadb.user.port),
            "user": mariadb.user.user,
            "password": mariadb.user.password,
            "database": "",
            "save_profile": "on",
        },
    )
    assert response.status == 302 and response.headers["Location"] == "/workspace?open=/"
    name = f"{mariadb.user.user}@{mariadb.user.host}:{mariadb.user.port}"
    pid = profile_ids(user)[name]
    assert memory_keyring.get_password("Eddy", f"profile-{pid}-db") == mariadb.user.password
    assert f'action="/connections/{pid}/connect"' in user.get("/login").text, "one click to connect next time"


def test_one_click_import_of_the_users_own_my_cnf(user, mariadb, memory_keyring, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    response = user.post_form("/connections/import", {"home": "1"})
    assert response.status == 400 and "There is no" in error_text(response)
    (tmp_path / ".my.cnf").write_text(f"[client]\nuser={mariadb.user.user}\nport={mariadb.user.port}\n")
    response = user.post_form("/connections/import", {"home": "1"})
    assert response.status == 302 and "my.cnf" in profile_ids(user)


def test_a_read_only_session_on_tidb_says_only_eddys_guard_keeps_it_read_only(
    user, mariadb, memory_keyring, running_app, canary
):
    from core.db.flavour import Flavour

    pid = create(user, mariadb, name="Reader", read_only="on")
    connect(user, pid)
    [session] = running_app.app.sessions._sessions.values()
    session.flavour = Flavour.detect("8.0.11-TiDB-v7.5.0", "TiDB Server (Apache License 2.0) Community Edition")
    home = user.get("/").text
    badge = re.search(r'<span class="badge ro" id="read-only-badge"\s+title="([^"]*)">([^<]*)<', home)
    assert badge and badge.group(2) == "read-only · Eddy*"
    assert "TiDB does not support read-only sessions" in badge.group(1) and "statement guard" in badge.group(1)
    # Eddy's own guard still refuses writes.
    error = run_sql(user, "UPDATE t SET v = 0", "eddy_test_prof").error
    assert error and "Read-only connection" in error
    assert canary.query("SELECT v FROM eddy_test_prof.t") == [{"v": 10}]
