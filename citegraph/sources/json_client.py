"""The request side of the JSON citation sources: E-utilities' transport with JSON answers.

:class:`JsonTransport` is :class:`~citegraph.sources.http_client.HttpClient`'s request loop
(one ``requests`` session, a :class:`~citegraph.sources.ratelimit.RateLimiter` shared by the
threads, connect/read timeouts and the body deadline, retries of 429, 5xx, network failures
and bad 200 answers with backoff, jitter and ``Retry-After``, messages without secrets) for a
service of its own: its base URL and rate, no NCBI parameters (``tool``, ``email``,
``api_key`` are never sent to it), every request by GET, headers of its own (an access token),
and a 200 answer that is not JSON (empty, an HTML page, plain text) retried like NCBI's.

It is what the iCite, Europe PMC and OpenCitations clients send through; they own one each,
so each host has its own session and its own limiter. :class:`JsonSourceClient` is what those
clients share around it (closing, statistics, the limiter). Not meant for use outside
``citegraph.sources``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace
from typing import Callable, Iterable, Mapping, TypeVar

import requests

from ..config import Settings
from .http_client import HttpClient

__all__ = ["JsonTransport", "JsonSourceClient"]

T = TypeVar("T")


class JsonTransport(HttpClient):
    """Sends GET requests below ``base_url`` and checks their answers with a caller's function."""

    _answer_format = "JSON"
    _post_above = math.inf

    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str,
        rate: float,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``settings``: timeouts, attempts, backoff (its E-utilities URL, rate and key are not
        used, except that the key is masked too); ``rate``: requests per second to this host;
        ``headers``: sent with every request (set on the session); ``secrets``: texts masked
        (``***``) in every message and log line. The rest as for ``HttpClient``."""
        super().__init__(replace(settings, rate=rate), session=session, clock=clock, sleep=sleep, rng=rng)
        self.base_url = base_url
        self._secrets = tuple(s for s in secrets if s)
        if headers:
            self._session.headers.update(headers)

    def __repr__(self) -> str:
        return f"JsonTransport({self.base_url!r}, rate={self.limiter.rate:g})"

    def get(
        self, endpoint: str, path: str, params: Iterable[tuple[str, str]], *,
        check: Callable[[bytes, bool], T], n_ids: int = 1,
    ) -> T:
        """GET ``base_url + path`` with ``params``, retried until ``check(body, last_attempt)``
        accepts a 200 answer. ``check`` raises :class:`~citegraph.errors.ResponseError` for an
        answer it refuses (``transient`` says whether to ask again). ``endpoint`` names the
        request in messages and in :attr:`stats`; ``n_ids`` is for the debug log."""
        return self._request(endpoint, list(params), n_ids=n_ids, check=check, url=self.base_url + path)

    def _redact(self, text: str) -> str:
        text = super()._redact(text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class JsonSourceClient:
    """The part of the JSON source clients that is the same for each: one transport, closed
    with the client (also as a context manager), its statistics and its rate limiter."""

    def __init__(self, settings: Settings, transport: JsonTransport) -> None:
        self.settings = settings
        self._http = transport

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if the client created it (a session passed in stays open)."""
        self._http.close()

    @property
    def limiter(self):
        """The rate limiter every request of this client waits on."""
        return self._http.limiter

    @property
    def stats(self) -> dict:
        """As :attr:`HttpClient.stats <citegraph.sources.http_client.HttpClient.stats>`."""
        return self._http.stats
