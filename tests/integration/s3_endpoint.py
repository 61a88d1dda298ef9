"""An S3 emulator whose endpoint can be stopped and started again in the middle of a run.

moto's S3 is served over HTTP on a fixed loopback port. `restart(outage)` stops the HTTP
server (the listening socket is closed, so new connections are refused, and every open
connection is cut) and starts it again on the same port after `outage` seconds.
`restart_on(match, outage)` does the same when a request that `match` picks arrives, which
then gets no answer: the endpoint goes away in the middle of that request. moto keeps its
data (buckets, objects, multipart uploads in progress) in this process, so the data outlives
the endpoint, as a real object store's data outlives the restart of one of its front ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing as _t

from tests.services import free_port, missing


class RestartableS3:
    """moto's S3 on `127.0.0.1:port`, stoppable and restartable on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server: _t.Any = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restarts = 0
        self.refused = threading.Event()  # set once a connection was refused while down
        self._match: _t.Callable[[dict[str, _t.Any]], bool] | None = None
        self._outage = 0.0

    def start(self) -> None:
        """Starts serving (again) on the same port."""
        try:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server
        except ImportError:
            missing("moto is not installed (uv sync, or pip install 'moto[server]')")
        connections, lock = self._connections, self._lock

        class Handler(MotoRequestHandler):
            def setup(self) -> None:
                super().setup()
                with lock:
                    connections.add(self.connection)

            def finish(self) -> None:
                with lock:
                    connections.discard(self.connection)
                super().finish()

            def log_request(self, *args: _t.Any, **kwargs: _t.Any) -> None:
                pass

        moto_app = DomainDispatcherApplication(create_backend_app)

        def app(environ: dict[str, _t.Any], start_response: _t.Any) -> _t.Any:
            match = self._match
            if match is not None and match(environ):
                self._match = None
                self.restart(self._outage)
                # No answer: this connection is cut when the endpoint stops.
                self.refused.wait(10)
                raise ConnectionAbortedError("the S3 endpoint stopped")
            return moto_app(environ, start_response)

        self._server = make_server("127.0.0.1", self.port, app, True, request_handler=Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="s3-endpoint", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stops serving: new connections are refused and open ones are cut."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            open_connections = list(self._connections)
            self._connections.clear()
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def is_refusing(self) -> bool:
        """Whether a new connection to the endpoint is refused now."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        return False

    def restart(self, outage: float) -> threading.Thread:
        """Stops the endpoint now and starts it again after `outage` seconds, on a thread."""

        def run() -> None:
            self.stop()
            if self.is_refusing():
                self.refused.set()
            threading.Event().wait(outage)
            self.start()
            self.restarts += 1

        thread = threading.Thread(target=run, name="s3-restart", daemon=True)
        thread.start()
        return thread

    def restart_on(self, match: _t.Callable[[dict[str, _t.Any]], bool], outage: float) -> None:
        """Restarts the endpoint (as `restart`) when a request that `match` picks arrives.

        Args:
            match: Picks a request by its WSGI environ (`REQUEST_METHOD`, `PATH_INFO`,
                `QUERY_STRING`, ...); called for each request until it picks one.
            outage: Seconds the endpoint stays down.
        """
        self._outage = outage
        self._match = match

    def wait_restarted(self, timeout: float) -> bool:
        """Waits until the restart is over; whether it is."""
        deadline = threading.Event()
        waited = 0.0
        while self.restarts == 0 and waited < timeout:
            deadline.wait(0.05)
            waited += 0.05
        return self.restarts > 0

    def options(self) -> dict[str, _t.Any]:
        """s3fs storage options for this endpoint."""
        return {
            "endpoint_url": self.endpoint_url,
            "key": "test-access-key",
            "secret": "test-secret-key",
        }


@contextlib.contextmanager
def restartable_s3() -> _t.Iterator[RestartableS3]:
    """A running `RestartableS3`, stopped at the end."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    endpoint = RestartableS3()
    endpoint.start()
    try:
        yield endpoint
    finally:
        endpoint.stop()
