"""OpenCitations Index (API v2): the citations of a paper and its references, by PMID.

``GET {opencitations_url}citations/pmid:{pmid}`` and ``.../references/pmid:{pmid}`` answer a
JSON list (not paged) of ``{"oci", "citing", "cited", "creation", "timespan", "journal_sc",
"author_sc"}``, where ``citing`` and ``cited`` hold space-separated ids such as
``"omid:br/06101801781 doi:10.7717/peerj-cs.421 pmid:33817056"``. A paper may have no
``pmid:`` (many have a DOI only): it is kept, named by its DOI (:class:`ExternalId`).

An access token, if the user has one (``OPENCITATIONS_TOKEN``), goes in the
``authorization`` header of every request; like the NCBI key it never appears in a message,
a log line or a ``repr``.

:func:`parse_citations` reads an answer's bytes; :class:`OpenCitationsClient` asks, over
:class:`~citegraph.sources.json_client.JsonTransport` (its own session and rate limiter, the
E-utilities client's retries). An answer that is not a JSON list is retried.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Callable

import requests

from ..config import Settings
from ..errors import ResponseError
from .json_answers import CitationLink, ExternalId, clean_pmids, pmid_of, read_json
from .json_client import JsonSourceClient, JsonTransport

__all__ = ["OpenCitationsClient", "OpenCitation", "parse_citations", "parse_ids"]

log = logging.getLogger("citegraph.opencitations")


@dataclass(frozen=True)
class OpenCitation(CitationLink):
    """One citation of the OpenCitations Index: the link plus what the index says about it."""

    #: the Open Citation Identifier, e.g. ``"06101801781-06180334099"``
    oci: str | None = None
    #: when the citing paper was published (``"2021-03-10"``, ``"2021-03"`` or ``"2021"``)
    creation: str | None = None
    #: the time from the cited paper to the citing one, ISO 8601 (``"P6Y0M1D"``)
    timespan: str | None = None
    #: journal and author self-citation (``"yes"``/``"no"`` in the answer)
    journal_self_citation: bool | None = None
    author_self_citation: bool | None = None


def parse_ids(text: Any) -> ExternalId | None:
    """``"omid:br/061 doi:10.1/x pmid:123"`` as an :class:`ExternalId` (the first id of each
    kind; ``source_id`` is the ``omid:``), or None when it names no paper by PMID, DOI or OMID.
    A ``pmid:`` that fails the PMID rule is ignored (the paper keeps its DOI and OMID)."""
    if not isinstance(text, str):
        return None
    pmid = doi = omid = None
    for token in text.split():
        scheme, sep, value = token.partition(":")
        if not sep or not value:
            continue
        scheme = scheme.lower()
        if scheme == "pmid" and pmid is None:
            pmid = pmid_of(value)
        elif scheme == "doi" and doi is None:
            doi = value
        elif scheme == "omid" and omid is None:
            omid = f"omid:{value}"
    if pmid is None and doi is None and omid is None:
        return None
    return ExternalId(pmid=pmid, doi=doi, source_id=omid)


def parse_citations(body: bytes, endpoint: str = "opencitations") -> tuple[OpenCitation, ...]:
    """The citations of an Index v2 ``citations`` or ``references`` answer, in its order.

    Raises a transient :class:`~citegraph.errors.ResponseError` when ``body`` is not a JSON
    list of objects. A row whose ``citing`` or ``cited`` names no paper is left out (logged).
    """
    answer = read_json(body, endpoint)
    if not isinstance(answer, list):
        said = answer.get("error") or answer.get("message") if isinstance(answer, dict) else None
        detail = f": OpenCitations says {str(said)[:200]!r}" if isinstance(said, str) and said else ""
        raise ResponseError(f"{endpoint}: the answer is not a JSON list{detail}", transient=True)
    rows = []
    for row in answer:
        if not isinstance(row, dict):
            raise ResponseError(f"{endpoint}: an entry of the list is not a JSON object", transient=True)
        citing, cited = parse_ids(row.get("citing")), parse_ids(row.get("cited"))
        if citing is None or cited is None:
            log.debug("%s: a citation without a usable citing or cited id is left out (oci %.40r)",
                      endpoint, row.get("oci"))
            continue
        rows.append(OpenCitation(
            citing=citing,
            cited=cited,
            oci=_text(row.get("oci")),
            creation=_text(row.get("creation")),
            timespan=_text(row.get("timespan")),
            journal_self_citation=_yes_no(row.get("journal_sc")),
            author_self_citation=_yes_no(row.get("author_sc")),
        ))
    return tuple(rows)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"yes": True, "no": False}.get(value.strip().lower())
    return None


class OpenCitationsClient(JsonSourceClient):
    """Asks the OpenCitations Index about PMIDs; thread-safe. The token is never shown."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``settings.opencitations_url``, ``settings.opencitations_rate`` and
        ``settings.opencitations_token`` (optional) say where, how fast and as whom. The rest
        as for :class:`~citegraph.sources.icite.ICiteClient`."""
        token = settings.opencitations_token
        transport = JsonTransport(settings, base_url=settings.opencitations_url, rate=settings.opencitations_rate,
                                  headers={"authorization": token} if token else None, secrets=[token],
                                  session=session, clock=clock, sleep=sleep, rng=rng)
        super().__init__(settings, transport)

    def __repr__(self) -> str:
        token = "'***'" if self.settings.opencitations_token else "None"
        return f"OpenCitationsClient({self.settings.opencitations_url!r}, token={token})"

    def citations(self, pmid: int | str) -> tuple[OpenCitation, ...]:
        """The citations of the paper with PMID ``pmid`` (``cited`` is that paper); ``()``
        when the index knows none."""
        return self._ask(pmid, "citations")

    def references(self, pmid: int | str) -> tuple[OpenCitation, ...]:
        """The references of the paper with PMID ``pmid`` (``citing`` is that paper)."""
        return self._ask(pmid, "references")

    def _ask(self, pmid: int | str, kind: str) -> tuple[OpenCitation, ...]:
        (asked,) = clean_pmids(pmid, "OpenCitations")
        endpoint = f"opencitations {kind}"

        def check(body: bytes, last: bool) -> tuple[OpenCitation, ...]:
            rows = parse_citations(body, endpoint)
            for row in rows:
                own = row.cited if kind == "citations" else row.citing
                if own.pmid is not None and own.pmid != asked:
                    raise ResponseError(f"{endpoint}: the answer is about PMID {own.pmid}, not {asked}",
                                        transient=True)
            return rows

        return self._http.get(endpoint, f"{kind}/pmid:{asked}", (), check=check)
