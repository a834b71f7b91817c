"""Fixtures for saved connections: an in-memory keyring (no files, no OS service), none at all."""

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from tests.security.client import Client


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps secrets in this process only (for tests)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        try:
            del self.secrets[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def user(running_app):
    """A launched browser tab on a fresh app (not yet connected)."""
    client = Client(running_app.base_url)
    assert client.launch(running_app.token).status == 200
    return client


def profile_form(mariadb, **overrides) -> dict:
    fields = {
        "name": "Local test",
        "color": "blue",
        "host": mariadb.user.host,
        "port": str(mariadb.user.port),
        "user": mariadb.user.user,
        "db_password": mariadb.user.password,
        "database": "",
        "tls_mode": "off",
        "ssh_port": "22",
        "ssh_auth": "password",
        "remember": "on",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}
