"""What a local test server sends back for one request (see :mod:`citegraph.testing.http_server`)."""

from __future__ import annotations

from . import responses

__all__ = ["Outcome", "error_page"]


class Outcome:
    """What to send back: a reply plus, for the ``reset`` fault, where to cut the connection."""

    __slots__ = ("endpoint", "status", "body", "content_type", "headers", "reset_at", "fault", "items", "delay")

    def __init__(self, endpoint: str, status: int, body: bytes, content_type: str) -> None:
        self.endpoint = endpoint
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers: dict[str, str] = {}
        self.reset_at: int | None = None
        self.fault: str | None = None
        self.items = 0
        self.delay = 0.0


def error_page(endpoint: str, kind: str, token: int) -> Outcome:
    """The HTML page a ``5xx`` fault (status 500, 502 or 503, by ``token``) or an ``html200``
    fault (status 200) answers with, as a web front end in trouble serves it."""
    if kind == "5xx":
        status = (500, 502, 503)[token % 3]
        return Outcome(endpoint, status, responses.server_error_page(status), "text/html")
    if kind == "html200":
        return Outcome(endpoint, 200, responses.html_error_page(token), "text/html; charset=UTF-8")
    raise ValueError(f"no error page for the fault kind {kind!r}")
