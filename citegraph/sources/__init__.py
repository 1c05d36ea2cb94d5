"""Remote sources of records and citations (NCBI E-utilities for now).

The layout: :mod:`.eutils` (the client), :mod:`.ratelimit` (the shared request pacer),
:mod:`.retry` (what is transient and how long to wait).
"""

from .eutils import CITED_IN, REFERENCES, EutilsClient, LinkResult
from .ratelimit import RateLimiter

__all__ = ["EutilsClient", "LinkResult", "RateLimiter", "CITED_IN", "REFERENCES"]
