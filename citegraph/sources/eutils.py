"""NCBI E-utilities client: ``efetch``, ``elink`` and ``esearch`` over one ``requests`` session.

One :class:`EutilsClient` per process (or per crawl) is meant to be shared by the crawl's
threads: it holds the session, the rate limiter (:mod:`.ratelimit`) and thread-safe counters.
Requests are sent by :class:`~.http_client.HttpClient`'s loop, answers read by
:mod:`.eutils_answers`, ids checked before sending by :mod:`.eutils_params`.

Every request carries ``tool``, ``email`` (when set) and ``api_key`` (when set); more than 200
ids go by POST, fewer by GET. Each attempt takes a slot from the rate limiter, has a connect
and read timeout, and a total deadline for the body (``2 * read_timeout`` after the headers),
so a server that drips bytes cannot hold a thread for ever. Transient failures are retried
with exponential backoff and full jitter, honouring ``Retry-After`` (see :mod:`.retry`):

- HTTP 429 and 5xx, and a 400 whose body reports a backend 502/503/504 (raised, when the
  retries run out, as ``HTTPError`` with the backend's status);
- connection refused, reset or broken mid-body, a body shorter than its Content-Length,
  connect and read timeouts, the body deadline;
- a 200 whose body is empty, an HTML page, plain text ("Resource temporarily unavailable"),
  truncated or malformed XML, or an E-utilities ``ERROR`` that reads like a passing problem.

Other 4xx and permanent ``ERROR`` messages are raised at once. After ``max_attempts`` the
last failure is raised as :class:`~citegraph.errors.NetworkError`, ``HTTPError``,
``RateLimitError`` or ``ResponseError``. No message, log line, repr or stat carries the API
key: requests' own exceptions (which quote the URL) are never chained, only described.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence, TypeVar

from ..errors import InputError
from ..pubmed import Records
from .eutils_answers import (EMPTY_ARTICLE_SET, LinkResult, check_article_set, check_pmc_set, join_article_sets,
                             parsed, read_elink, read_esearch)
from .eutils_params import clean_ids, clean_pmcids, is_doi, is_link_name, normalize_doi
from .http_client import MAX_RESPONSE_BYTES, POST_ABOVE, HttpClient, ResponseTooLarge

__all__ = ["EutilsClient", "LinkResult", "ResponseTooLarge", "CITED_IN", "REFERENCES", "POST_ABOVE", "EFETCH_MAX_IDS",
           "MAX_RESPONSE_BYTES"]

log = logging.getLogger("citegraph.eutils")

#: elink link names: papers citing the given one / papers the given one cites
CITED_IN = "pubmed_pubmed_citedin"
REFERENCES = "pubmed_pubmed_refs"
#: efetch splits larger requests into several of this size
EFETCH_MAX_IDS = 10_000

T = TypeVar("T")


class EutilsClient(HttpClient):
    """A thread-safe client for NCBI's E-utilities (PubMed only)."""

    def __repr__(self) -> str:
        return f"EutilsClient({self.settings!r})"

    # -- public E-utilities ---------------------------------------------------------------

    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], T] | None = None) -> T | bytes:
        """PubMed XML for ``pmids`` (db=pubmed, retmode=xml): ``parse(body)`` or the raw bytes.

        One request, unless there are more than 10,000 ids: then the batches are fetched one
        after another, joined into one ``PubmedArticleSet`` document, and ``parse`` (if given)
        is called once on it. The body must look like a complete ``PubmedArticleSet``
        (otherwise the attempt is retried); a :class:`~citegraph.errors.ParseError` raised by
        ``parse`` also counts as a transient failure, so ``parse`` should parse eagerly. An
        answer over ``max_response_bytes`` is asked for again in two halves of the ids, each
        parsed on its own (``parse`` must then give a list: the lists are joined, see
        :meth:`~citegraph.pubmed.Records.joined`); a record alone over it is left out
        (logged), and raises :class:`ResponseTooLarge` when it is the only id asked for.
        Records NCBI does not have are simply absent: comparing is the caller's job.
        """
        ids = clean_ids(pmids, "efetch")
        if len(ids) <= EFETCH_MAX_IDS:
            if not ids:
                return parse(EMPTY_ARTICLE_SET) if parse else EMPTY_ARTICLE_SET
            return self._efetch_batch(ids, parse)
        bodies = [
            self._efetch_batch(ids[i : i + EFETCH_MAX_IDS], None) for i in range(0, len(ids), EFETCH_MAX_IDS)
        ]
        body = join_article_sets(bodies)
        return parse(body) if parse else body

    def efetch_pmc(self, pmcids: Sequence[str], *, parse: Callable[[bytes, list[str]], list[T]]) -> list[T]:
        """PMC full text (db=pmc, JATS XML) for ``pmcids`` ("PMC123" or "123"), read by
        ``parse(body, ids)`` (``ids``: the PMC numbers that request asked for), which returns
        a list; one request for all of them.

        The body must look like a complete ``pmc-articleset`` (otherwise the attempt is
        retried), and a :class:`~citegraph.errors.ParseError` or a transient
        :class:`~citegraph.errors.ResponseError` raised by ``parse`` (say, an id missing from
        the answer) is retried like any transient failure. An answer over
        ``max_response_bytes`` is asked for again in two halves whose lists are joined; an
        article alone over it is left out (logged): the caller sees its id unanswered.
        """
        ids = clean_pmcids(pmcids)
        if not ids:
            return []
        return self._efetch_pmc_batch(ids, parse)

    def elink(self, pmids: Sequence[str], linkname: str) -> LinkResult:
        """``{id: [linked PMIDs]}`` for ``linkname`` (``CITED_IN`` or ``REFERENCES``).

        One request with one ``id=`` per PMID, so NCBI answers one LinkSet per id. An id with
        a LinkSet but no LinkSetDb maps to ``[]``. An id whose LinkSet holds an ``ERROR`` is
        left out of the mapping and reported in ``result.errors`` (the response is retried
        first when such a message looks temporary). A top-level ``ERROR`` raises
        ``ResponseError``; an id missing from the response raises a transient
        ``ResponseError`` after the retries, never "no links".
        """
        if not is_link_name(linkname):
            raise InputError(f"elink: not a link name: {linkname!r}")
        ids = clean_ids(pmids, "elink")
        if not ids:
            return LinkResult()
        params = [("dbfrom", "pubmed"), ("db", "pubmed"), ("linkname", linkname)]
        params += [("id", pmid) for pmid in ids]
        return self._request(
            "elink", params, n_ids=len(ids), check=lambda body, last: read_elink(body, ids, linkname, last)
        )

    def esearch(self, term: str, *, retmax: int = 10000, retstart: int = 0, partial: bool = False) -> list[str]:
        """PMIDs matching ``term`` (db=pubmed), at most ``retmax`` from ``retstart``.

        When NCBI reports an ``ErrorList`` (a phrase or field it did not find) it has searched
        what is left of the query, so for ``A AND B`` the ids may be unrelated: the answer is
        ``[]``. With ``partial=True`` the ids are returned anyway; that is right for OR-joined
        lookups (``"A"[doi] OR "B"[doi]``) whose hits the caller checks afterwards.
        """
        if not term or not term.strip():
            raise InputError("esearch: empty search term")
        if retmax < 0 or retstart < 0:
            raise InputError("esearch: retmax and retstart must not be negative")
        params = [("db", "pubmed"), ("term", term), ("retmax", str(retmax)), ("retstart", str(retstart))]
        return self._request(
            "esearch", params, n_ids=0, post=len(term) > 1500, check=lambda body, last: read_esearch(body, partial)
        )

    def resolve_dois(self, dois: Sequence[str]) -> dict[str, str]:
        """``{doi: pmid}`` for the DOIs PubMed knows, keyed by the DOI exactly as given.

        One esearch ``"<doi>"[doi]`` per distinct DOI (a prefix such as ``doi:`` or
        ``https://doi.org/`` is removed first). DOIs that match no record, or more than one,
        are left out. Anything that is not a DOI (``10.<prefix>/<suffix>``) raises
        ``InputError`` before any request is sent.
        """
        if isinstance(dois, str):
            dois = [dois]
        wanted: dict[str, list[str]] = {}
        for doi in dois:
            norm = normalize_doi(doi)
            if not is_doi(norm):
                raise InputError(f"not a DOI: {doi!r}")
            wanted.setdefault(norm, []).append(doi)
        found: dict[str, str] = {}
        for norm, originals in wanted.items():
            pmids = self.esearch(f'"{norm.replace(chr(34), "")}"[doi]', retmax=2)
            if len(pmids) == 1:
                for original in originals:
                    found[original] = pmids[0]
            elif pmids:
                log.info("DOI %s matches %d PubMed records; left unresolved", norm, len(pmids))
        return found

    # -- batches ------------------------------------------------------------------------

    def _efetch_batch(self, ids: list[str], parse: Callable[[bytes], T] | None) -> T | bytes:
        def check(body: bytes, last: bool) -> Any:
            check_article_set(body)
            return parsed(body, parse)

        params = [("db", "pubmed"), ("retmode", "xml"), ("id", ",".join(ids))]
        try:
            return self._request("efetch", params, n_ids=len(ids), check=check)
        except ResponseTooLarge:
            if len(ids) < 2:
                raise
        # each half read (and parsed) on its own: the whole is never in memory as one answer
        half = len(ids) // 2
        answers = []
        for part in (ids[:half], ids[half:]):
            try:
                answers.append(self._efetch_batch(part, parse))
            except ResponseTooLarge as exc:  # one id (more are split again): the others stay
                log.warning("%s; PMID %s is left out of the answer", self._redact(str(exc)), part[0])
        if parse is None:
            return join_article_sets(answers) if answers else EMPTY_ARTICLE_SET
        if not answers:
            return parse(EMPTY_ARTICLE_SET)
        return Records.joined(answers)  # type: ignore[return-value]

    def _efetch_pmc_batch(self, ids: list[str], parse: Callable[[bytes, list[str]], list[T]]) -> list[T]:
        def check(body: bytes, last: bool) -> list[T]:
            check_pmc_set(body)
            return parsed(body, lambda data: parse(data, ids))  # type: ignore[return-value]

        params = [("db", "pmc"), ("retmode", "xml"), ("id", ",".join(ids))]
        try:
            return self._request("efetch", params, n_ids=len(ids), check=check)
        except ResponseTooLarge:
            if len(ids) < 2:
                raise
        half = len(ids) // 2
        answers: list[T] = []
        for part in (ids[:half], ids[half:]):
            try:
                answers += self._efetch_pmc_batch(part, parse)
            except ResponseTooLarge as exc:
                log.warning("%s; PMC%s is left out of the answer", self._redact(str(exc)), part[0])
        return answers

    def _identity(self) -> list[tuple[str, str]]:
        params = [("tool", self.settings.tool)]
        if self.settings.email:
            params.append(("email", self.settings.email))
        if self.settings.api_key:
            params.append(("api_key", self.settings.api_key))
        return params
