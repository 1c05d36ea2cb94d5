"""iCite (NIH Open Citation Collection): who cites whom, and citation metrics, by PMID.

``GET {icite_url}pubs?pmids=1,2,3`` answers up to :data:`MAX_PMIDS` papers at once as
``{"data": [paper, ...]}``; PMIDs iCite does not know are left out of ``data``. ``fl=``
asks for some fields only (the others are then absent or null).

:func:`parse_pubs` reads an answer's bytes into :class:`ICitePaper` values. It accepts both
shapes iCite has served: the current one (``_id``, authors as objects, ``true``/``false``,
``citedByPmidsByYear``) and the older one (authors as one comma-separated string,
``"Yes"``/``"No"``, ``meta``/``links``, ``last_modified``), and ``fl=`` subsets with nulls.
A value that is absent, null or not of its kind reads as None ("iCite did not say"), never
as zero or empty: an empty ``cited_by`` is ``()``, a missing one is None. A PMID in a list that
fails the PMID rule is left out of that list; a paper whose own PMID fails it is left out
of the answer (logged).

:class:`ICiteClient` asks for any number of PMIDs, :data:`MAX_PMIDS` a request, over
:class:`~citegraph.sources.json_client.JsonTransport` (the E-utilities transport: its own
session and rate limiter, the same retries). An answer that is not JSON, or has no ``data``
list, is retried like a broken NCBI answer.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import requests

from ..config import Settings
from ..errors import ResponseError
from .json_answers import clean_pmids, pmid_of, read_json
from .json_client import JsonSourceClient, JsonTransport

__all__ = ["ICiteClient", "ICitePaper", "ICiteMetrics", "parse_pubs", "MAX_PMIDS"]

log = logging.getLogger("citegraph.icite")

#: PMIDs per request (iCite's documented maximum)
MAX_PMIDS = 1000
ENDPOINT = "icite pubs"


@dataclass(frozen=True)
class ICiteMetrics:
    """iCite's numbers for one paper; None where iCite did not give one."""

    relative_citation_ratio: float | None = None
    nih_percentile: float | None = None
    citation_count: int | None = None
    citations_per_year: float | None = None
    expected_citations_per_year: float | None = None
    field_citation_rate: float | None = None
    #: approximate potential to translate (0..1)
    apt: float | None = None
    #: the paper's share of human, animal and molecular/cellular research (the triangle)
    human: float | None = None
    animal: float | None = None
    molecular_cellular: float | None = None
    x_coord: float | None = None
    y_coord: float | None = None
    is_research_article: bool | None = None
    is_clinical: bool | None = None
    #: True while the RCR is provisional (papers of the last two years)
    provisional: bool | None = None
    cited_by_clinical_article: bool | None = None


@dataclass(frozen=True)
class ICitePaper:
    """One paper of an iCite answer. Tuples of PMIDs keep iCite's order; None means the answer
    did not say (a field not asked for, null, or unreadable), ``()`` that it says none."""

    pmid: int
    doi: str | None = None
    title: str | None = None
    year: int | None = None
    journal: str | None = None
    #: authors as "First Last", in order
    authors: tuple[str, ...] | None = None
    #: PMIDs of the papers citing this one
    cited_by: tuple[int, ...] | None = None
    #: PMIDs of the papers this one cites
    references: tuple[int, ...] | None = None
    #: PMIDs of the clinical articles citing this one
    cited_by_clinical: tuple[int, ...] | None = None
    #: (citing PMID, year of the citing paper), from ``citedByPmidsByYear``
    cited_by_years: tuple[tuple[int, int], ...] | None = None
    metrics: ICiteMetrics = field(default_factory=ICiteMetrics)
    #: when iCite last changed the record (older shape only), as iCite wrote it
    last_modified: str | None = None


# -- reading ------------------------------------------------------------------------------


def parse_pubs(body: bytes) -> list[ICitePaper]:
    """The papers of an iCite ``/api/pubs`` answer, in the answer's order.

    Raises a transient :class:`~citegraph.errors.ResponseError` when ``body`` is not JSON or
    not an object with a ``data`` list (iCite answers ``{"data": []}`` when it knows none of
    the PMIDs), or when ``data`` holds something other than objects.
    """
    answer = read_json(body, ENDPOINT)
    if not isinstance(answer, dict):
        raise ResponseError(f"{ENDPOINT}: the answer is not a JSON object", transient=True)
    data = answer.get("data")
    if not isinstance(data, list):
        said = answer.get("error") or answer.get("message")
        detail = f": iCite says {str(said)[:200]!r}" if isinstance(said, str) and said else ""
        raise ResponseError(f"{ENDPOINT}: the answer has no data list{detail}", transient=True)
    papers = []
    for item in data:
        if not isinstance(item, dict):
            raise ResponseError(f"{ENDPOINT}: a data entry is not a JSON object", transient=True)
        paper = _paper(item)
        if paper is None:
            log.warning("%s: a paper without a usable PMID is left out (pmid %.40r, _id %.40r)",
                        ENDPOINT, item.get("pmid"), item.get("_id"))
            continue
        papers.append(paper)
    return papers


def _paper(item: dict) -> ICitePaper | None:
    pmid = pmid_of(item.get("pmid"))
    if pmid is None:
        pmid = pmid_of(item.get("_id"))
    if pmid is None:
        return None
    metrics = ICiteMetrics(
        relative_citation_ratio=_number(item.get("relative_citation_ratio")),
        nih_percentile=_number(item.get("nih_percentile")),
        citation_count=_count(item.get("citation_count")),
        citations_per_year=_number(item.get("citations_per_year")),
        expected_citations_per_year=_number(item.get("expected_citations_per_year")),
        field_citation_rate=_number(item.get("field_citation_rate")),
        apt=_number(item.get("apt")),
        human=_number(item.get("human")),
        animal=_number(item.get("animal")),
        molecular_cellular=_number(item.get("molecular_cellular")),
        x_coord=_number(item.get("x_coord")),
        y_coord=_number(item.get("y_coord")),
        is_research_article=_flag(item.get("is_research_article")),
        is_clinical=_flag(item.get("is_clinical")),
        provisional=_flag(item.get("provisional")),
        cited_by_clinical_article=_flag(item.get("citedByClinicalArticle")),
    )
    return ICitePaper(
        pmid=pmid,
        doi=_text(item.get("doi")),
        title=_text(item.get("title")),
        year=_count(item.get("year")),
        journal=_text(item.get("journal")),
        authors=_authors(item.get("authors")),
        cited_by=_pmids(item.get("cited_by")),
        references=_pmids(item.get("references")),
        cited_by_clinical=_pmids(item.get("cited_by_clin")),
        cited_by_years=_years(item.get("citedByPmidsByYear")),
        metrics=metrics,
        last_modified=_text(item.get("last_modified")),
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _count(value: Any) -> int | None:
    """A whole number (a JSON integer, an integral float, or a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


_YES_NO = {"yes": True, "no": False, "true": True, "false": False}


def _flag(value: Any) -> bool | None:
    """``true``/``false`` (current shape), ``"Yes"``/``"No"`` (older shape), 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        return _YES_NO.get(value.strip().lower())
    return None


def _pmids(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    found = (pmid_of(v) for v in value)
    return tuple(p for p in found if p is not None)


def _years(value: Any) -> tuple[tuple[int, int], ...] | None:
    """``[{"32997821": 2020}, ...]`` as ``((32997821, 2020), ...)``."""
    if not isinstance(value, list):
        return None
    pairs = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        for key, year in entry.items():
            pmid, when = pmid_of(key), _count(year)
            if pmid is not None and when is not None:
                pairs.append((pmid, when))
    return tuple(pairs)


def _authors(value: Any) -> tuple[str, ...] | None:
    """Objects ``{"firstName", "lastName", "fullName"}`` (current shape) or one string
    ``"Arun Sharma, Stephen M Schwartz"`` (older shape), as ``("First Last", ...)``."""
    if isinstance(value, str):
        return tuple(name for name in (" ".join(part.split()) for part in value.split(",")) if name)
    if not isinstance(value, list):
        return None
    names = []
    for author in value:
        if isinstance(author, str):
            name = author
        elif isinstance(author, dict):
            first, last = _text(author.get("firstName")), _text(author.get("lastName"))
            name = " ".join(p for p in (first, last) if p) or _text(author.get("fullName")) or ""
        else:
            continue
        name = " ".join(name.split())
        if name:
            names.append(name)
    return tuple(names)


# -- asking -------------------------------------------------------------------------------


class ICiteClient(JsonSourceClient):
    """Asks iCite about PMIDs; thread-safe (one session and one rate limiter, shared)."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """``settings.icite_url`` and ``settings.icite_rate`` say where and how fast; timeouts,
        attempts and backoff are the E-utilities client's. ``session``, ``clock``, ``sleep``
        and ``rng`` are for tests, as for :class:`~citegraph.sources.http_client.HttpClient`."""
        transport = JsonTransport(settings, base_url=settings.icite_url, rate=settings.icite_rate,
                                  session=session, clock=clock, sleep=sleep, rng=rng)
        super().__init__(settings, transport)

    def __repr__(self) -> str:
        return f"ICiteClient({self.settings.icite_url!r})"

    def pubs(self, pmids: Iterable[int | str], *, fields: Sequence[str] | None = None) -> dict[int, ICitePaper]:
        """``{pmid: paper}`` for the PMIDs iCite knows, in the order asked (each once).

        PMIDs iCite leaves out of its answer are not keys: it does not know them. Any number
        of PMIDs; they are sent :data:`MAX_PMIDS` a request, one request after another.
        ``fields`` (``fl=``) asks for those fields only (``pmid`` is always added). Anything
        that is not a PMID raises :class:`~citegraph.errors.InputError` before a request
        is sent.
        """
        ids = clean_pmids(pmids, "iCite")
        params: list[tuple[str, str]] = []
        if fields is not None:
            names = list(dict.fromkeys(["pmid", *fields]))
            params.append(("fl", ",".join(names)))
        found: dict[int, ICitePaper] = {}
        for start in range(0, len(ids), MAX_PMIDS):
            batch = ids[start:start + MAX_PMIDS]
            asked = set(batch)
            query = [("pmids", ",".join(map(str, batch))), *params]
            papers = self._http.get(ENDPOINT, "pubs", query, check=lambda body, last: parse_pubs(body),
                                    n_ids=len(batch))
            for paper in papers:
                if paper.pmid in asked:
                    found.setdefault(paper.pmid, paper)
                else:
                    log.debug("%s: ignoring PMID %d, which was not asked for", ENDPOINT, paper.pmid)
        return {pmid: found[pmid] for pmid in ids if pmid in found}

