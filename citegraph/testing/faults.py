"""Reproducible failure injection for the local E-utilities server.

A :class:`FaultPlan` says how often each kind of failure happens. Whether a given request
fails is a pure function of the plan's seed, the endpoint, the request's parameters (without
``tool``, ``email`` and ``api_key``) and how many times this same request was seen before, so
the sequence of failures does not depend on thread timing, and a retry of a request gets a
fresh draw that is the same on every run.

Kinds (what a client has to survive; see ``design.md``, "Transient failure shapes"):

``5xx``       HTTP 500, 502 or 503 with an HTML body.
``reset``     headers and part of the body are sent, then the socket is reset (SO_LINGER 0).
``truncate``  HTTP 200 whose body stops in the middle, with a matching (short) Content-Length.
``html200``   HTTP 200 with an HTML error page instead of XML.
``short``     the answer leaves out one item: an efetch record, an elink LinkSet or Link,
              an esearch Id (only when it has two or more; otherwise no fault happens).
``error200``  HTTP 200 with an E-utilities ``<ERROR>`` document.
``429``       a spurious HTTP 429 below the rate limit (NCBI does that).
``stall``     the server waits (``stall_seconds``) before answering: client timeouts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping

__all__ = ["FaultPlan", "Fault", "KINDS", "DEFAULT_KINDS", "canonical_params", "checked_kinds"]

#: every kind the server can inject
KINDS = ("5xx", "reset", "truncate", "html200", "short", "error200", "429", "stall")
#: the kinds ``FaultPlan.uniform`` (``--fail-rate``) spreads its rate over
DEFAULT_KINDS = ("5xx", "reset", "truncate", "html200", "short", "error200")
#: parameters that identify the caller, not the request
IGNORED_PARAMS = frozenset({"tool", "email", "api_key"})


def checked_kinds(kinds: Iterable[str]) -> list[str]:
    """``kinds`` as a list of fault kinds; ValueError naming the first that is not in :data:`KINDS`."""
    kinds = list(kinds)
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(KINDS)})")
    return kinds


def canonical_params(params: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The request's parameters in a stable order (by name; values keep their order).

    ``tool``, ``email`` and ``api_key`` are dropped, so they never reach a hash or a log.
    """
    kept = [(k, v) for k, v in params if k not in IGNORED_PARAMS]
    return tuple(sorted(kept, key=lambda kv: kv[0]))


@dataclass(frozen=True)
class Fault:
    """One failure to inject. ``token`` is a reproducible number for the kind's details
    (which 5xx status, where to cut the body, which record to drop)."""

    kind: str
    token: int = 0
    forced: bool = False

    def fraction(self, lo: float = 0.2, hi: float = 0.8) -> float:
        """A reproducible fraction in [lo, hi) derived from the token."""
        return lo + (hi - lo) * ((self.token % 1_000_003) / 1_000_003)


@dataclass(frozen=True)
class FaultPlan:
    """How often each kind of failure happens (probabilities per request, summing to <= 1)."""

    rates: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        rates = {k: float(v) for k, v in dict(self.rates).items() if float(v) != 0.0}
        for kind, rate in rates.items():
            if kind not in KINDS:
                raise ValueError(f"unknown fault kind {kind!r} (known: {', '.join(KINDS)})")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {kind} must be within 0..1, got {rate}")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to more than 1: {sum(rates.values()):.3f}")
        object.__setattr__(self, "rates", rates)

    @classmethod
    def uniform(cls, total: float, seed: int = 0, kinds: Iterable[str] = DEFAULT_KINDS) -> "FaultPlan":
        """``total`` spread evenly over ``kinds`` (the ``--fail-rate`` option)."""
        kinds = tuple(kinds)
        return cls({k: total / len(kinds) for k in kinds}, seed=seed)

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> "FaultPlan":
        """``"5xx=0.1,reset=0.05,truncate=0.05"`` (the ``--faults`` option)."""
        rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kind, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"fault spec entries look like kind=rate, got {part!r}")
            try:
                rates[kind.strip()] = rates.get(kind.strip(), 0.0) + float(value)
            except ValueError:
                raise ValueError(f"fault rate is not a number: {part!r}") from None
        return cls(rates, seed=seed)

    @property
    def total(self) -> float:
        return sum(self.rates.values())

    def draw(self, endpoint: str, params: Iterable[tuple[str, str]], nth: int) -> Fault | None:
        """The fault for the ``nth`` (0-based) time this request reaches this endpoint, or None."""
        if not self.rates:
            return None
        key = repr((self.seed, endpoint, canonical_params(params), nth)).encode()
        digest = hashlib.blake2b(key, digest_size=16).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        token = int.from_bytes(digest[8:], "big")
        edge = 0.0
        for kind in KINDS:  # fixed order, so the same seed gives the same kinds
            edge += self.rates.get(kind, 0.0)
            if u < edge:
                return Fault(kind, token)
        return None
