"""Blocking calls stay off the IOLoop: while the OS keyring hangs for the connections page, other
pages are still served."""

import threading
import time

from core.services.connections import secrets
from tests.security.client import Client


def test_a_hanging_keyring_does_not_block_other_pages(running_app, mariadb, monkeypatch):
    client = Client(running_app.base_url)
    assert client.launch(running_app.token).status == 200
    assert client.login(mariadb.user).status == 302
    entered, release = threading.Event(), threading.Event()
    real = secrets.unavailable_reason

    def hanging_keyring():
        entered.set()
        release.wait(30)
        return real()

    monkeypatch.setattr(secrets, "unavailable_reason", hanging_keyring)
    answers = []
    slow = threading.Thread(target=lambda: answers.append(client.get("/connections").status))
    slow.start()
    assert entered.wait(10)
    began = time.monotonic()
    other = Client(running_app.base_url)
    other.cookies = dict(client.cookies)
    assert other.get("/api/editor/options").status == 200
    assert time.monotonic() - began < 2.0, "the IOLoop waited for the keyring"
    release.set()
    slow.join(30)
    assert answers == [200]
