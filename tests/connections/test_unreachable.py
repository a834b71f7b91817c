"""An address that does not answer like a server is said in words within a few seconds, never as
raw driver text ([Errno 104]) and never as a hang. Only loopback sockets this test controls."""

import socket
import struct
import threading
import time

import pytest

from core.db import Connection, ConnectionParams
from core.db.errors import ConnectFailed
from tests.security.client import error_text


class Listener:
    """A loopback port that accepts connections and then either says nothing or resets them."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # RST: the client reads "[Errno 104] Connection reset by peer"
            else:
                self.held.append(conn)  # silent: like a firewall that lets the SYN in, or a wrong service

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(params=["silent", "reset"])
def listener(request):
    server = Listener(request.param)
    yield server
    server.close()


def test_an_address_that_does_not_answer_like_a_server_is_said_in_words_quickly(listener):
    params = ConnectionParams(host="127.0.0.1", port=listener.port, user="root", connect_timeout=2)
    started = time.monotonic()
    with pytest.raises(ConnectFailed) as caught:
        Connection(params)
    assert time.monotonic() - started < 5, "a port that never answers must not hang the connect"
    message = caught.value.message
    assert "Errno" not in message and "during query" not in message, message
    if listener.behaviour == "silent":
        assert message == f"No answer from 127.0.0.1:{listener.port} — is the host up and the port open?"
    else:
        assert message.startswith(f"127.0.0.1:{listener.port} closed the connection without answering"), message


def test_the_connect_form_and_the_test_button_say_it_in_words(user, listener):
    form = {"host": "127.0.0.1", "port": str(listener.port), "user": "root", "password": "", "database": ""}
    started = time.monotonic()
    response = user.post_form("/login", form)
    assert time.monotonic() - started < 8, "within a few seconds"
    assert response.status == 400
    page = error_text(response)
    assert f"127.0.0.1:{listener.port}" in page and "Errno" not in page, page
    tested = user.post_json(
        "/api/connections/test", {"host": "127.0.0.1", "port": str(listener.port), "user": "root", "tls_mode": "off"}
    )
    assert tested.status == 502 and "Errno" not in tested.json()["error"], tested.text
