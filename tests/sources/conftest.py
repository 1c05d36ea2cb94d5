"""A small scripted fault server on 127.0.0.1 for the E-utilities client tests.

``fault_server.play(a, b, c)`` makes the server answer the first request with action ``a``,
the second with ``b`` and every later one with ``c``. An action is one of the builders below
(``reply``, ``drip``, ``reset``, ``short``, ``hang``) or a function ``seen -> action`` that
builds the answer from the request. Every request is recorded in ``fault_server.seen``
(method, path, parameters from the query string and the form body, headers, arrival time).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest

from citegraph.config import Settings

Action = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    client: tuple[str, int] = ("", 0)
    at: float = field(default_factory=time.monotonic)

    @property
    def endpoint(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None


def _send_head(handler: BaseHTTPRequestHandler, status: int, length: int | None, headers, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()


class FaultServer:
    """A threaded HTTP server that plays a script of answers and records what it was asked."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        #: hangs and drips played to their end
        self.finished = 0
        self._script: list = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out in separate writes: without this, Nagle's algorithm
                # and delayed ACKs add ~40 ms to every answer
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._handle()

            do_POST = do_GET

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                params = parse_qsl(split.query, keep_blank_values=True)
                if body:
                    params += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
                seen = Seen(self.command, split.path, params, dict(self.headers), body, self.client_address)
                action = owner._next(seen)
                try:
                    action(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/entrez/eutils/"

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def settings(self, **overrides: object) -> Settings:
        """Settings pointing at this server, with small timeouts and backoff for fast tests."""
        values: dict[str, object] = dict(
            eutils_url=self.url, connect_timeout=1.0, read_timeout=1.0, max_attempts=4,
            backoff_base=0.001, backoff_max=0.01, rate=1000.0,
        )
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def play(self, *script) -> None:
        with self._lock:
            self._script = list(script)

    def _next(self, seen: Seen):
        with self._lock:
            self.seen.append(seen)
            step = self._script.pop(0) if len(self._script) > 1 else self._script[0]
        action = step(seen) if getattr(step, "needs_request", False) else step
        return action

    # -- actions ----------------------------------------------------------------------------

    @staticmethod
    def answer(build: Callable[[Seen], Action]):
        """An action chosen from the request: ``build(seen)`` returns the action to play."""
        build.needs_request = True  # type: ignore[attr-defined]
        return build

    @staticmethod
    def reply(
        body: bytes | str = b"", status: int = 200, headers=(), content_type: str = "text/xml; charset=UTF-8"
    ) -> Action:
        data = body.encode("utf-8") if isinstance(body, str) else body

        def act(h: BaseHTTPRequestHandler) -> None:
            _send_head(h, status, len(data), headers, content_type)
            h.wfile.write(data)

        return act

    def drip(self, body: bytes, every: float) -> Action:
        """Send the headers, then one byte every ``every`` seconds; once all is sent, count one
        more in ``finished``."""

        def act(h: BaseHTTPRequestHandler) -> None:
            h.close_connection = True
            _send_head(h, 200, len(body), (), "text/xml")
            for i in range(len(body)):
                if self.stopping.wait(every):
                    return
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
            self._finish()

        return act

    @staticmethod
    def reset(body: bytes, after: int) -> Action:
        """Announce the full body, send ``after`` bytes of it, then reset the connection (RST)."""

        def act(h: BaseHTTPRequestHandler) -> None:
            h.close_connection = True
            _send_head(h, 200, len(body), (), "text/xml")
            h.wfile.write(body[:after])
            h.wfile.flush()
            time.sleep(0.02)
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()

        return act

    @staticmethod
    def short(body: bytes, claimed: int) -> Action:
        """Claim ``claimed`` bytes in Content-Length, send ``body`` and close cleanly."""

        def act(h: BaseHTTPRequestHandler) -> None:
            h.close_connection = True
            _send_head(h, 200, claimed, (), "text/xml")
            h.wfile.write(body)
            h.wfile.flush()

        return act

    def hang(self, seconds: float) -> Action:
        """Read the request and say nothing for ``seconds`` (or until the server stops); then
        count one more in ``finished``."""

        def act(h: BaseHTTPRequestHandler) -> None:
            h.close_connection = True
            self.stopping.wait(seconds)
            self._finish()

        return act

    def _finish(self) -> None:
        with self._lock:
            self.finished += 1


@pytest.fixture
def fault_server():
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
