"""TLS against a private MariaDB started with a generated CA and server certificate."""

import pytest

from core.db import Connection
from core.db.errors import ConnectFailed
from core.services.connections import profiles
from core.services.connections.profiles import Profile
from core.services.connections.sessions import ssl_cipher
from core.services.sandbox.server import MariaDBServer
from tests.connections.certs import make_pki
from tests.connections.conftest import profile_form
from tests.security.client import error_text

TLS_USER, TLS_PASSWORD = "eddy_tls", "tls-pässword"
X509_USER, X509_PASSWORD = "eddy_x509", "x509-password"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("tls")
    pki = make_pki(base / "pki")
    server = MariaDBServer(
        base / "server",
        die_with_parent=True,
        extra_args=[f"--ssl-ca={pki.ca}", f"--ssl-cert={pki.server_cert}", f"--ssl-key={pki.server_key}"],
    )
    server.start()
    admin = Connection(server.params())
    admin.execute(f"CREATE USER '{TLS_USER}'@'%%' IDENTIFIED BY %s REQUIRE SSL", TLS_PASSWORD)
    admin.execute(f"CREATE USER '{X509_USER}'@'%%' IDENTIFIED BY %s REQUIRE X509", X509_PASSWORD)
    admin.execute(f"GRANT SELECT ON *.* TO '{TLS_USER}'@'%', '{X509_USER}'@'%'")
    admin.close()
    yield server, pki
    server.delete()


def tls_profile(server, pki, **overrides) -> Profile:
    values = dict(
        name="tls", host="127.0.0.1", port=server.port, user=TLS_USER, tls_mode="verify_identity", tls_ca=str(pki.ca)
    )
    values.update(overrides)
    return Profile(**values)


def test_verify_identity_connects_encrypted(tls_server):
    server, pki = tls_server
    conn = Connection(profiles.connection_params(tls_profile(server, pki), TLS_PASSWORD))
    assert ssl_cipher(conn), "Ssl_cipher must be set on an encrypted session"
    conn.close()


def test_verify_identity_refuses_a_host_name_not_in_the_certificate(tls_server):
    server, pki = tls_server
    # The certificate names IP 127.0.0.1 only; "localhost" reaches the same server but must not verify.
    with pytest.raises(ConnectFailed) as info:
        Connection(profiles.connection_params(tls_profile(server, pki, host="localhost"), TLS_PASSWORD))
    assert "localhost" in info.value.message or "certificate" in info.value.message.lower()
    conn = Connection(
        profiles.connection_params(tls_profile(server, pki, host="localhost", tls_mode="verify_ca"), TLS_PASSWORD)
    )
    assert ssl_cipher(conn)
    conn.close()


def test_verify_ca_refuses_a_certificate_from_another_ca(tls_server):
    server, pki = tls_server
    with pytest.raises(ConnectFailed) as info:
        Connection(profiles.connection_params(tls_profile(server, pki, tls_ca=str(pki.other_ca)), TLS_PASSWORD))
    assert info.value.message.startswith("TLS with") and "certificate" in info.value.message.lower()


def test_client_certificate_for_a_require_x509_account(tls_server):
    server, pki = tls_server
    plain = tls_profile(server, pki, user=X509_USER)
    with pytest.raises(ConnectFailed, match="Access denied"):
        Connection(profiles.connection_params(plain, X509_PASSWORD))
    with_cert = tls_profile(server, pki, user=X509_USER, tls_cert=str(pki.client_cert), tls_key=str(pki.client_key))
    conn = Connection(profiles.connection_params(with_cert, X509_PASSWORD))
    assert ssl_cipher(conn)
    conn.close()


def test_require_tls_fails_clearly_when_the_server_has_none(mariadb):
    profile = Profile(
        name="x", host=mariadb.user.host, port=mariadb.user.port, user=mariadb.user.user, tls_mode="require"
    )
    probe = Connection(mariadb.user)
    has_tls = probe.get("SHOW VARIABLES LIKE 'have_ssl'")["Value"] == "YES"
    probe.close()
    if has_tls:
        pytest.skip("the shared test server offers TLS")
    with pytest.raises(ConnectFailed) as info:
        Connection(profiles.connection_params(profile, mariadb.user.password))
    assert "TLS" in info.value.message or "SSL" in info.value.message


def test_tls_profile_shows_encrypted_in_the_ui(tls_server, user, memory_keyring):
    server, pki = tls_server
    form = profile_form(
        _Mariadb(server),
        name="TLS server",
        user=TLS_USER,
        db_password=TLS_PASSWORD,
        tls_mode="verify_identity",
        tls_ca=str(pki.ca),
    )
    result = user.post_json("/api/connections/test", form)
    assert result.status == 200, result.text
    assert result.json()["cipher"]
    response = user.post_form("/connections/new", form)
    assert response.status == 302, error_text(response)
    page = user.get("/connections").text
    pid = page.split('data-profile-id="')[1].split('"')[0]
    assert user.post_form(f"/connections/{pid}/connect", {}).status == 302
    home = user.get("/").text
    assert 'id="encrypted-badge"' in home and ">encrypted<" in home


class _Mariadb:
    """Adapts a MariaDBServer to what profile_form reads (mariadb.user.host/port/user/password)."""

    def __init__(self, server):
        self.user = server.params(user=TLS_USER, password=TLS_PASSWORD)


def test_editor_results_and_grid_sampling_read_rows_off_an_encrypted_connection(tls_server):
    """The raw row reader (SQL editor spool, grid anchors) works through TLS's own buffering."""
    from core.services.connections.sessions import SessionRegistry
    from core.services.query.jobs import QueryJobs, pick_statements
    from tests.editor.test_query_jobs import wait_for

    server, pki = tls_server
    params = profiles.connection_params(tls_profile(server, pki), TLS_PASSWORD)
    sql = "SELECT seq, REPEAT('é', seq % 300), IF(seq % 5 = 0, NULL, 'x') FROM mysql.seq_1_to_20000"
    conn = Connection(params)
    expected = [list(r) for r in conn.select(sql).rows]
    assert conn.sample(sql, None, 999) == ([tuple(r) for r in expected[::999]], 20_000)
    conn.close()
    registry, jobs = SessionRegistry(), QueryJobs()
    try:
        job = wait_for(jobs.start(registry.open(params), "t", pick_statements(sql), None))
        spool = job.results[0].spool
        assert spool.count == 20_000
        assert spool.read(12_345, 50) == [[r[0], r[1], r[2]] for r in expected[12_345:12_395]]
    finally:
        jobs.close_all()
        registry.close_all()
