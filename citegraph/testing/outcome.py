"""What a local test server sends back for one request (see :mod:`citegraph.testing.http_server`)."""

from __future__ import annotations

__all__ = ["Outcome"]


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
