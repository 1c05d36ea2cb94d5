"""The one exception tree of citegraph.

Every error the package raises on purpose derives from :class:`CitegraphError`, so the
command-line front end can turn any of them into a one-line message and exit code 1.
Messages never contain the NCBI API key (see :func:`citegraph.config.redact`).
"""

from __future__ import annotations

__all__ = [
    "CitegraphError",
    "ConfigError",
    "InputError",
    "SourceError",
    "NetworkError",
    "HTTPError",
    "RateLimitError",
    "ResponseError",
    "ParseError",
    "StoreError",
    "StoreCorruptError",
    "StoreReadOnlyError",
    "OutputError",
]


class CitegraphError(Exception):
    """Base of every error citegraph raises deliberately."""


class ConfigError(CitegraphError):
    """A setting is missing or malformed (bad URL, bad email, unusable data folder)."""


class InputError(CitegraphError):
    """The user gave something that cannot be an identifier (PMID, DOI, PMCID) or option."""


class SourceError(CitegraphError):
    """A remote source (NCBI E-utilities) failed after retries, or refused the request."""

    #: True when retrying the same request later may succeed.
    transient: bool = False


class NetworkError(SourceError):
    """Connection refused, reset, DNS failure or timeout."""

    transient = True


class HTTPError(SourceError):
    """An HTTP status other than 200 (status and a short message; never the query string)."""

    def __init__(self, status: int, message: str, url: str = "") -> None:
        self.status = status
        self.message = message
        self.url = url
        super().__init__(f"HTTP {status} from {url or 'server'}: {message}")

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return self.status == 429 or self.status >= 500


class RateLimitError(HTTPError):
    """HTTP 429: NCBI's rate limit was exceeded (or NCBI says so while under it)."""

    def __init__(self, message: str, url: str = "", retry_after: float | None = None) -> None:
        super().__init__(429, message, url)
        self.retry_after = retry_after


class ResponseError(SourceError):
    """A 200 response whose body is not what was asked for.

    HTML error pages, "Resource temporarily unavailable", truncated XML and E-utilities
    ``ERROR`` elements all land here. ``transient`` says whether a retry may help.
    """

    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class ParseError(CitegraphError):
    """Input XML is malformed or hostile (truncated, not PubMed XML, entity bomb)."""


class StoreError(CitegraphError):
    """The local store cannot be opened, read or written."""


class StoreCorruptError(StoreError):
    """The store file exists but is not a readable citegraph database."""


class StoreReadOnlyError(StoreError):
    """The data folder or the store file cannot be written."""


class OutputError(CitegraphError):
    """An export cannot be written where asked: a refused target (the store's own files, a
    read-only file, a directory) or a failed write (disk full, permission denied)."""
