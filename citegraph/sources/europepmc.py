"""Europe PMC: the papers citing a PubMed record, and the papers it cites.

``GET {europepmc_url}MED/{pmid}/citations?format=json&page=N&pageSize=S`` answers
``{"version", "hitCount", "request": {"id", "source", "offSet", "pageSize"}, "citationList":
{"citation": [paper, ...]}}``; ``.../references`` the same with ``referenceList.reference``.
Each paper has ``id`` and ``source``: ``MED`` is a PubMed record (``id`` is its PMID); any
other source (``PPR`` preprints, ``AGR`` Agricola, ``PMC``, ``PAT`` patents, ...) is a paper
PubMed does not have, kept as an external paper (:class:`~.json_answers.ExternalId` without a
PMID), never dropped. A list longer than one page is asked for page by page.

Errors may come with HTTP 200 as ``{"errCode": N, "errMsg": "..."}``: such an answer is
retried (unless ``errCode`` is a 4xx other than 429), like an NCBI ``ERROR``, and raised as
:class:`~citegraph.errors.ResponseError` with Europe PMC's message when the attempts run out.

:func:`parse_citations` reads one answer's bytes (either list); :class:`EuropePMCClient`
asks, over :class:`~citegraph.sources.json_client.JsonTransport` (its own session and rate
limiter, the E-utilities client's retries).
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

import requests

from ..config import Settings
from ..errors import InputError, ResponseError
from .json_answers import CitationLink, ExternalId, clean_pmids, pmid_of, read_json
from .json_client import JsonSourceClient, JsonTransport
from .retry import looks_temporary

__all__ = ["EuropePMCClient", "EuropePMCPaper", "CitationList", "parse_citations", "PAGE_SIZE"]

log = logging.getLogger("citegraph.europepmc")

#: papers per page asked for (Europe PMC's largest page)
PAGE_SIZE = 1000
#: the lists Europe PMC serves, and the key of each in an answer
_LISTS = {"citations": ("citationList", "citation"), "references": ("referenceList", "reference")}


@dataclass(frozen=True)
class EuropePMCPaper:
    """One paper of a citation or reference list, as Europe PMC describes it."""

    #: PMID when ``source`` is ``MED``; ``source_id`` is ``"<source>:<id>"`` always
    id: ExternalId
    source: str
    citation_type: str | None = None
    title: str | None = None
    #: Europe PMC's ``authorString``, e.g. ``"Liu Y, Gao H, Tian T."``
    authors: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    cited_by_count: int | None = None

    @property
    def in_pubmed(self) -> bool:
        """True for a PubMed record (source ``MED``)."""
        return self.source == "MED"


@dataclass(frozen=True)
class CitationList:
    """The papers citing ``of`` (``kind == "citations"``) or cited by it (``"references"``).

    ``hit_count`` is the length of the whole list as Europe PMC counts it; ``papers`` holds
    one page (:func:`parse_citations`) or every page (:class:`EuropePMCClient`).
    """

    of: ExternalId | None
    kind: str | None
    hit_count: int
    papers: tuple[EuropePMCPaper, ...] = ()

    @property
    def links(self) -> tuple[CitationLink, ...]:
        """Each paper's link to or from ``of`` (empty when ``of`` or ``kind`` is unknown)."""
        if self.of is None or self.kind not in _LISTS:
            return ()
        if self.kind == "citations":
            return tuple(CitationLink(citing=p.id, cited=self.of) for p in self.papers)
        return tuple(CitationLink(citing=self.of, cited=p.id) for p in self.papers)


# -- reading ------------------------------------------------------------------------------


def parse_citations(body: bytes, endpoint: str = "europepmc") -> CitationList:
    """One page of a ``citations`` or ``references`` answer.

    ``kind`` is the list the answer holds (None when it holds neither, which is allowed only
    when ``hitCount`` is 0); ``of`` is the paper of the answer's ``request`` echo (None without
    one). Papers without an ``id`` (a reference Europe PMC could not match) are left out.
    Raises :class:`~citegraph.errors.ResponseError`: transient when the body is not a JSON
    object, has no ``hitCount``, lacks the list its ``hitCount`` announces, or is an
    ``errCode`` answer (except a 4xx other than 429, which is not).
    """
    answer = read_json(body, endpoint)
    if not isinstance(answer, dict):
        raise ResponseError(f"{endpoint}: the answer is not a JSON object", transient=True)
    if "errCode" in answer or "errMsg" in answer:
        raise _reported_error(answer, endpoint)
    hit_count = _whole(answer.get("hitCount"))
    if hit_count is None:
        raise ResponseError(f"{endpoint}: the answer has no hitCount", transient=True)
    kind, items = None, None
    for name, (outer, inner) in _LISTS.items():
        holder = answer.get(outer)
        if isinstance(holder, dict):
            kind, items = name, holder.get(inner, [])
            break
    if kind is None and hit_count:
        raise ResponseError(f"{endpoint}: {hit_count} papers announced, but no citation or reference list",
                            transient=True)
    if isinstance(items, dict):  # one paper not wrapped in a list
        items = [items]
    if items is not None and not isinstance(items, list):
        raise ResponseError(f"{endpoint}: the {kind} list is not a list", transient=True)
    papers = []
    for item in items or ():
        paper = _paper(item) if isinstance(item, dict) else None
        if paper is None:
            log.debug("%s: a %s entry without a usable id is left out", endpoint, kind)
            continue
        papers.append(paper)
    request = answer.get("request")
    of = _external(request.get("source"), request.get("id")) if isinstance(request, dict) else None
    return CitationList(of=of, kind=kind, hit_count=hit_count, papers=tuple(papers))


def _reported_error(answer: dict, endpoint: str) -> ResponseError:
    code = _whole(answer.get("errCode"))
    message = " ".join(str(answer.get("errMsg") or "no message").split())[:200]
    permanent = code is not None and 400 <= code < 500 and code != 429 and not looks_temporary(message)
    shown = f"error {code}" if code is not None else "an error"
    return ResponseError(f"{endpoint}: Europe PMC reports {shown}: {message}", transient=not permanent)


def _external(source: Any, ident: Any, doi: Any = None) -> ExternalId | None:
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if not isinstance(ident, str) or not ident.strip() or not isinstance(source, str) or not source.strip():
        return None
    source, ident = source.strip().upper(), ident.strip()
    pmid = pmid_of(ident) if source == "MED" else None
    return ExternalId(pmid=pmid, doi=_text(doi), source_id=f"{source}:{ident}")


def _paper(item: dict) -> EuropePMCPaper | None:
    ident = _external(item.get("source"), item.get("id"), item.get("doi"))
    if ident is None:
        return None
    return EuropePMCPaper(
        id=ident,
        source=ident.source_id.split(":", 1)[0],  # type: ignore[union-attr]
        citation_type=_text(item.get("citationType")),
        title=_text(item.get("title")),
        authors=_text(item.get("authorString")),
        journal=_text(item.get("journalAbbreviation")),
        year=_whole(item.get("pubYear")),
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")),
        pages=_text(item.get("pageInfo")),
        cited_by_count=_whole(item.get("citedByCount")),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


# -- asking -------------------------------------------------------------------------------


class EuropePMCClient(JsonSourceClient):
    """Asks Europe PMC for a PubMed record's citations and references; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        *,
        page_size: int = PAGE_SIZE,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``settings.europepmc_url`` and ``settings.europepmc_rate`` say where and how fast;
        ``page_size`` (1..1000) papers are asked for a page. The rest as for
        :class:`~citegraph.sources.icite.ICiteClient`."""
        if not 1 <= page_size <= PAGE_SIZE:
            raise InputError(f"Europe PMC pages hold 1 to {PAGE_SIZE} papers, not {page_size}")
        self.page_size = page_size
        transport = JsonTransport(settings, base_url=settings.europepmc_url, rate=settings.europepmc_rate,
                                  session=session, clock=clock, sleep=sleep, rng=rng)
        super().__init__(settings, transport)

    def __repr__(self) -> str:
        return f"EuropePMCClient({self.settings.europepmc_url!r})"

    def citations(self, pmid: int | str) -> CitationList:
        """Every paper citing the PubMed record ``pmid`` (all pages), PubMed or not."""
        return self._list(pmid, "citations")

    def references(self, pmid: int | str) -> CitationList:
        """Every paper the PubMed record ``pmid`` cites that Europe PMC could identify."""
        return self._list(pmid, "references")

    def _list(self, pmid: int | str, kind: str) -> CitationList:
        (asked,) = clean_pmids(pmid, "Europe PMC")
        endpoint = f"europepmc {kind}"
        of = ExternalId(pmid=asked, source_id=f"MED:{asked}")
        first = self._page(asked, kind, 1, endpoint)
        papers = list(first.papers)
        pages = math.ceil(first.hit_count / self.page_size)
        for page in range(2, pages + 1):
            more = self._page(asked, kind, page, endpoint)
            if not more.papers:
                log.info("%s: page %d of %d for %d is empty; the list ends there", endpoint, page, pages, asked)
                break
            papers += more.papers
        return CitationList(of=of, kind=kind, hit_count=first.hit_count, papers=tuple(papers))

    def _page(self, pmid: int, kind: str, page: int, endpoint: str) -> CitationList:
        def check(body: bytes, last: bool) -> CitationList:
            answer = parse_citations(body, endpoint)
            if answer.kind not in (None, kind):
                raise ResponseError(f"{endpoint}: the answer holds {answer.kind}, not {kind}", transient=True)
            if answer.of is not None and answer.of.pmid != pmid:
                raise ResponseError(f"{endpoint}: the answer is about {answer.of.source_id}, not MED:{pmid}",
                                    transient=True)
            return replace(answer, kind=kind)

        params = [("format", "json"), ("page", str(page)), ("pageSize", str(self.page_size))]
        return self._http.get(endpoint, f"MED/{pmid}/{kind}", params, check=check)
