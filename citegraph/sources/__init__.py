"""Remote sources of records and citations.

The layout: :mod:`.http_client` (one client's request loop: session, limits, retries),
:mod:`.eutils` (NCBI E-utilities client), :mod:`.eutils_params` (ids checked before sending),
:mod:`.eutils_answers` (E-utilities answers read), :mod:`.icite`, :mod:`.europepmc`,
:mod:`.opencitations` (citation sources answering JSON, each a client and a reader),
:mod:`.json_client` (their shared transport over the request loop), :mod:`.json_answers`
(what their readers share), :mod:`.ratelimit` (the request pacer), :mod:`.retry` (what is
transient and how long to wait), :mod:`.transport` (the connections that report sends).
"""

from .eutils import CITED_IN, REFERENCES, EutilsClient, LinkResult
from .europepmc import EuropePMCClient
from .icite import ICiteClient
from .json_answers import CitationLink, ExternalId
from .opencitations import OpenCitationsClient
from .ratelimit import RateLimiter

__all__ = ["EutilsClient", "LinkResult", "RateLimiter", "CITED_IN", "REFERENCES", "ICiteClient",
           "EuropePMCClient", "OpenCitationsClient", "ExternalId", "CitationLink"]
