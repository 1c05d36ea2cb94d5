"""The HTTP side of the local test servers: a threading server and a request handler that pass
each request to an application object (:class:`~citegraph.testing.eutils_server.EutilsServer`)
and write its answer back in one piece, or cut it with a TCP reset.

The application provides ``handle(path, params, client_ip)`` returning an answer with
``endpoint``, ``status``, ``body``, ``content_type``, ``headers``, ``reset_at``, ``fault`` and
``delay``; ``stats()``; ``_wait(seconds)``; ``_emit(line)``; ``_lock``, ``_connections`` and
``_stopping``.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["AppServer", "RequestHandler", "MAX_BODY"]

#: the largest POST body accepted
MAX_BODY = 64 * 1024 * 1024


class AppServer(ThreadingHTTPServer):
    """A threading HTTP server that hands every request to its ``app`` (set before serving)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    app: Any

    def handle_error(self, request, client_address) -> None:
        """A client that hung up is not news; anything else goes to the log, not stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.app._stopping.is_set():
            return
        self.app._emit(f"error serving {client_address[0]}: {type(exc).__name__}: {exc}")


class RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: ``GET /_stats`` is the app's statistics, every other GET or
    POST (query string plus form body) is answered by ``app.handle``, after ``app._wait`` of the
    answer's delay, cut with a TCP reset where the answer says so; one log line per request."""

    protocol_version = "HTTP/1.1"
    server_version = "citegraph-test-eutils"
    sys_version = ""
    #: idle keep-alive connections are closed after this many seconds
    timeout = 15
    server: AppServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.server.app._lock:
            self.server.app._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.app._lock:
                self.server.app._connections.discard(self.connection)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class name
        pass  # one line per request is written by _respond, without the query string

    def do_GET(self) -> None:
        self._respond("GET", b"")

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send_plain(400, b"bad Content-Length\n")
            return
        self._respond("POST", self.rfile.read(length) if length else b"")

    def _send_plain(self, status: int, body: bytes, content_type: str = "text/plain; charset=UTF-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._write_with_headers(body)

    def _respond(self, method: str, body: bytes) -> None:
        app = self.server.app
        started = time.perf_counter()
        parts = urlsplit(self.path)
        if parts.path == "/_stats":
            self._send_plain(200, json.dumps(app.stats()).encode(), "application/json")
            return
        params = parse_qsl(parts.query, keep_blank_values=True)
        if body:
            params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        out = app.handle(parts.path, params, self.client_address[0])
        app._wait(out.delay)
        self.send_response(out.status)
        self.send_header("Content-Type", out.content_type)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "private")
        for key, value in out.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(out.body)))
        if out.reset_at is not None:
            self._write_with_headers(out.body[: out.reset_at])
            self._reset()
        else:
            self._write_with_headers(out.body)
        ms = (time.perf_counter() - started) * 1000
        n_ids = sum(len([t for t in v.split(",") if t.strip()]) for k, v in params if k == "id")
        fault = f" fault={out.fault}" if out.fault else ""
        app._emit(f"{self.client_address[0]} {method} {out.endpoint or parts.path} ids={n_ids} "
                  f"-> {out.status} {len(out.body)}B {ms:.1f}ms{fault}")

    def _write_with_headers(self, body: bytes) -> None:
        """Headers and body in one write: no Nagle / delayed-ACK stall between them."""
        self._headers_buffer.append(b"\r\n")
        data = b"".join(self._headers_buffer) + body
        self._headers_buffer = []
        self.wfile.write(data)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (after part of the body was sent)."""
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.rfile.close()
        except OSError:
            pass
        self.connection.close()
