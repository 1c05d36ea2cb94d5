"""Settings: one object with named defaults, read from the environment in one place.

Flags given on the command line override the environment; the environment overrides the
defaults. The API key is masked in ``repr`` and removed from any text by :func:`redact`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from .errors import ConfigError

__all__ = ["Settings", "redact", "NCBI_EUTILS_URL", "ICITE_URL", "EUROPEPMC_URL", "OPENCITATIONS_URL"]

NCBI_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
#: the citation sources besides E-utilities (base URLs; each client adds its paths)
ICITE_URL = "https://icite.od.nih.gov/api/"
EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
OPENCITATIONS_URL = "https://api.opencitations.net/index/v2/"

_SECRET_PARAM = re.compile(r"(api_key=)[^&\s\"']+", re.IGNORECASE)


def redact(text: str, secret: str | None = None) -> str:
    """Return ``text`` with any ``api_key=...`` parameter and the literal ``secret`` masked."""
    text = _SECRET_PARAM.sub(r"\1***", text)
    if secret:
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Settings:
    """Everything the client, store and crawl need to know about their environment."""

    eutils_url: str = NCBI_EUTILS_URL
    tool: str = "citegraph"
    email: str | None = None
    api_key: str | None = field(default=None, repr=False)
    #: the data folder: it holds the store (``citegraph.sqlite``), the only copy of what was crawled
    data_dir: Path = Path("cache")
    #: seconds to connect / to wait for the next byte of a response (a whole body gets twice
    #: the read timeout); each request is tried up to ``max_attempts`` times
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: attempts per request before giving up (transient failures only)
    max_attempts: int = 6
    #: first backoff in seconds; doubles on each retry, with jitter, capped at backoff_max
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: requests per second; None means NCBI's limit (3 without a key, 10 with one)
    rate: float | None = None
    #: requests allowed in flight at once (they still wait on the rate limiter)
    concurrency: int = 8
    #: processes that parse efetch answers during a crawl; None: one per CPU (none on one CPU)
    parse_processes: int | None = None
    #: the other citation sources: base URLs (``from_env`` reads ``CITEGRAPH_ICITE_URL``,
    #: ``CITEGRAPH_EUROPEPMC_URL``, ``CITEGRAPH_OPENCITATIONS_URL``), requests per second (none
    #: publishes a limit; ``CITEGRAPH_ICITE_RATE`` and the like) and the OpenCitations access
    #: token (``OPENCITATIONS_TOKEN``; sent as a header, never shown, like the API key)
    icite_url: str = ICITE_URL
    europepmc_url: str = EUROPEPMC_URL
    opencitations_url: str = OPENCITATIONS_URL
    icite_rate: float = 3.0
    europepmc_rate: float = 3.0
    opencitations_rate: float = 3.0
    opencitations_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not re.match(r"^https?://", self.eutils_url):
            raise ConfigError(f"E-utilities URL must start with http:// or https://: {self.eutils_url!r}")
        try:
            parts = urlsplit(self.eutils_url)
            parts.port  # noqa: B018 - parsed on access: a port out of range raises here
        except ValueError:
            raise ConfigError(f"E-utilities URL cannot be parsed: {self.eutils_url!r} (check its host, "
                              "an IPv6 address in [brackets], and its port)") from None
        if not parts.hostname:
            raise ConfigError(f"E-utilities URL has no host: {self.eutils_url!r}")
        if not self.eutils_url.endswith("/"):
            object.__setattr__(self, "eutils_url", self.eutils_url + "/")
        if not self.tool or re.search(r"\s", self.tool):
            raise ConfigError("tool must be a non-empty string without spaces (NCBI's rule)")
        if self.email is not None and "@" not in self.email:
            raise ConfigError(f"email does not look like an address: {self.email!r}")
        if self.rate is not None and self.rate <= 0:
            raise ConfigError("rate must be positive")
        if not (self.read_timeout > 0 and self.connect_timeout > 0):
            raise ConfigError("timeouts must be positive numbers of seconds")
        if self.max_attempts < 1 or self.concurrency < 1:
            raise ConfigError("max_attempts and concurrency must be at least 1")
        if self.parse_processes is not None and self.parse_processes < 0:
            raise ConfigError("parse_processes must be 0 or more")
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        for name in ("icite", "europepmc", "opencitations"):
            url = getattr(self, f"{name}_url")
            if not re.match(r"^https?://", url):
                raise ConfigError(f"{name} URL must start with http:// or https://: {url!r}")
            if not url.endswith("/"):
                object.__setattr__(self, f"{name}_url", url + "/")
            if not getattr(self, f"{name}_rate") > 0:
                raise ConfigError(f"{name}_rate must be positive")

    def __repr__(self) -> str:  # the dataclass repr already hides api_key; say that one is set
        key = "'***'" if self.api_key else "None"
        return (
            f"Settings(eutils_url={self.eutils_url!r}, tool={self.tool!r}, email={self.email!r}, "
            f"api_key={key}, data_dir={str(self.data_dir)!r}, rate={self.effective_rate})"
        )

    @property
    def effective_rate(self) -> float:
        """Requests per second the client may send."""
        if self.rate is not None:
            return self.rate
        return 10.0 if self.api_key else 3.0

    @property
    def store_path(self) -> Path:
        return self.data_dir / "citegraph.sqlite"

    def with_overrides(self, **overrides: object) -> "Settings":
        """A copy with the given non-None fields replaced (command-line flags)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given) if given else self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Read ``CITEGRAPH_EUTILS_URL``, ``CITEGRAPH_DATA`` (the data folder; ``CITEGRAPH_CACHE``
        is read as its alias, ``CITEGRAPH_DATA`` winning when both are set), ``NCBI_EMAIL``, ``NCBI_API_KEY``,
        ``CITEGRAPH_RATE``, ``CITEGRAPH_ICITE_RATE``, ``CITEGRAPH_EUROPEPMC_RATE``,
        ``CITEGRAPH_OPENCITATIONS_RATE``, ``CITEGRAPH_TIMEOUT`` (read timeout, seconds) and the tuning knobs
        ``CITEGRAPH_MAX_ATTEMPTS``, ``CITEGRAPH_BACKOFF`` (first backoff, seconds),
        ``CITEGRAPH_CONCURRENCY``, ``CITEGRAPH_PARSE_PROCESSES``; then apply ``overrides`` (None
        means 'not given')."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("CITEGRAPH_EUTILS_URL"):
            values["eutils_url"] = env["CITEGRAPH_EUTILS_URL"]
        data_dir = env.get("CITEGRAPH_DATA") or env.get("CITEGRAPH_CACHE")
        if data_dir:
            values["data_dir"] = Path(data_dir)
        if env.get("NCBI_EMAIL"):
            values["email"] = env["NCBI_EMAIL"]
        if env.get("NCBI_API_KEY"):
            values["api_key"] = env["NCBI_API_KEY"]
        for name, key, kind in (("CITEGRAPH_RATE", "rate", float),
                                ("CITEGRAPH_ICITE_RATE", "icite_rate", float),
                                ("CITEGRAPH_EUROPEPMC_RATE", "europepmc_rate", float),
                                ("CITEGRAPH_OPENCITATIONS_RATE", "opencitations_rate", float),
                                ("CITEGRAPH_TIMEOUT", "read_timeout", float),
                                ("CITEGRAPH_MAX_ATTEMPTS", "max_attempts", int),
                                ("CITEGRAPH_BACKOFF", "backoff_base", float),
                                ("CITEGRAPH_CONCURRENCY", "concurrency", int),
                                ("CITEGRAPH_PARSE_PROCESSES", "parse_processes", int)):
            if env.get(name):
                try:
                    values[key] = kind(env[name])
                except ValueError:
                    raise ConfigError(f"{name} is not a number: {env[name]!r}") from None
        for name, key in (("CITEGRAPH_ICITE_URL", "icite_url"), ("CITEGRAPH_EUROPEPMC_URL", "europepmc_url"),
                          ("CITEGRAPH_OPENCITATIONS_URL", "opencitations_url"),
                          ("OPENCITATIONS_TOKEN", "opencitations_token")):
            if env.get(name):
                values[key] = env[name]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
