"""The retry policy helpers: backoff with full jitter, Retry-After, what reads as temporary."""

from __future__ import annotations

import random
import time
from email.utils import formatdate

import pytest

from citegraph.sources.retry import (
    backoff_delay,
    body_failure,
    looks_temporary,
    parse_retry_after,
    status_failure,
    summarize,
    wrapped_backend_status,
)


def test_backoff_is_full_jitter_under_a_doubling_ceiling():
    rng = random.Random(1)
    for failures, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 16.0), (7, 30.0), (500, 30.0)]:
        draws = [backoff_delay(failures, 0.5, 30.0, rng) for _ in range(2000)]
        assert 0 <= min(draws) < ceiling * 0.05
        assert ceiling * 0.95 < max(draws) <= ceiling


def test_no_backoff_before_a_failure_or_with_zero_base():
    rng = random.Random(1)
    assert backoff_delay(0, 0.5, 30, rng) == 0
    assert backoff_delay(3, 0, 30, rng) == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2", 2.0), (" 3 ", 3.0), ("1.5", 1.5), ("0", 0.0), ("-4", 0.0),
        ("soon", None), ("", None), (None, None), ("nan", None),
    ],
)
def test_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date():
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0
    assert 0 < parse_retry_after(formatdate(time.time() + 10, usegmt=True)) <= 10


@pytest.mark.parametrize(
    "message",
    [
        "Resource temporarily unavailable",
        "Search Backend failed: Couldn't resolve #pmquerysrv-mz?dbaf=pubmed, the address table is empty.",
        "Unable to obtain query #1",
        "Error occurred: read timeout",
        "Supplied id parameter is empty.",
        "502 Bad Gateway",
    ],
)
def test_temporary_messages(message):
    assert looks_temporary(message)


@pytest.mark.parametrize(
    "message",
    [
        "Invalid db name specified: nothing",
        "Neither query_key nor id specified",
        "Empty ID list; Nothing to store",
        "Some IDs have invalid value and were omitted. Maximum ID value 18446744073709551615",
        "Invalid uid 12x",
    ],
)
def test_permanent_messages(message):
    assert not looks_temporary(message)


def test_backend_status_wrapped_in_a_400():
    assert wrapped_backend_status(b"<html><h1>502 Bad Gateway</h1></html>") == 502
    assert wrapped_backend_status('{"error":"backend","status":503}') == 503
    assert wrapped_backend_status(b"Service Unavailable") == 503
    assert wrapped_backend_status(b"Invalid term: cancer[xx]") is None
    assert wrapped_backend_status(b"id 5021 not valid") is None


@pytest.mark.parametrize(
    "status, body, transient, reported",
    [
        (429, b'{"error":"API rate limit exceeded","api-key":"1.2.3.4","count":"26","limit":"3"}', True, 429),
        (500, b"", True, 500),
        (503, b"<html><title>503 Service Unavailable</title></html>", True, 503),
        (400, b"<html><h1>502 Bad Gateway</h1></html>", True, 502),
        (400, b"Invalid query", False, 400),
        (404, b"", False, 404),
        (403, b"Forbidden", False, 403),
    ],
)
def test_status_failures(status, body, transient, reported):
    failure = status_failure(status, {}, body)
    assert (failure.kind, failure.transient, failure.status) == ("http", transient, reported)
    assert failure.message  # never empty: the body's gist or the reason phrase


def test_status_failure_reads_retry_after():
    assert status_failure(503, {"Retry-After": "4"}, b"").retry_after == 4.0
    assert status_failure(429, {}, b"").retry_after is None


def test_summaries_are_short_and_never_quote_the_key_field():
    assert summarize(b'{"error":"API rate limit exceeded","api-key":"SECRET","count":"26","limit":"10"}') == (
        "API rate limit exceeded (count 26, limit 10)"
    )
    assert "SECRET" not in summarize(b'{"api-key":"SECRET"}')
    assert summarize(b"<html><head><title>PmFetch response</title></head></html>") == "PmFetch response"
    assert summarize(b"\n  Resource temporarily unavailable\nmore\n") == "Resource temporarily unavailable"
    assert len(summarize(b"x" * 10_000)) == 200


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"", "empty response"),
        (b"  \n", "empty response"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "HTML page"),
        (b"\xef\xbb\xbf<html><title>Error</title></html>", "HTML page"),
        (b"Resource temporarily unavailable", "text instead of XML"),
        (b"<?xml version='1.0'?><eSearchResult/>", None),
        (b"<!-- note --><eLinkResult/>", None),
    ],
)
def test_body_failures(body, expected):
    failure = body_failure("esearch", body)
    if expected is None:
        assert failure is None
    else:
        assert failure is not None and failure.transient and expected in failure.message
