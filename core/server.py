"""Run the HTTPServer and IOLoop on a background thread with its own asyncio loop."""

import asyncio
import logging
import threading

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets

log = logging.getLogger("eddy.server")


class ServerThread:
    """Serve `app` on 127.0.0.1; `start()` returns once the socket listens."""

    def __init__(self, app, port: int = 0, host: str = "127.0.0.1"):
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("Eddy only listens on loopback")
        self.app = app
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self._loop: IOLoop | None = None
        self._server: HTTPServer | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="eddy-ioloop", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("The web server did not start in time")
        if self._error is not None:
            raise self._error
        return self.url

    def _run(self) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            sockets = bind_sockets(self.requested_port, address="127.0.0.1")
            self.port = sockets[0].getsockname()[1]
            self._server = HTTPServer(self.app, xheaders=False)
            self._server.add_sockets(sockets)
            self._loop = IOLoop.current()
            self.app.start_housekeeping()  # expiry of idle sessions and results, on this loop
        except BaseException as exc:  # reported to start()'s caller on the main thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.start()
        # After stop(): let pending callbacks finish, then close the loop.
        self._loop.close(all_fds=False)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, stop the loop, join the thread (safe to call from any thread)."""
        if self._loop is None:
            return

        async def shutdown():
            self._server.stop()
            try:
                # Idle keep-alive connections close at once; a long request is not waited for.
                await asyncio.wait_for(self._server.close_all_connections(), 2.0)
            except TimeoutError:
                log.info("Closing with requests still running")
            self._loop.stop()

        self._loop.add_callback(shutdown)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("The server thread did not stop within %.0f s", timeout)
        self.app.shutdown()
