"""One step of a crawl for a batch of PMIDs: ask the sources, turn their answers into rows,
write the rows.

The asking functions (:func:`fetch_records`, :func:`ask_links`) touch the network only, never
the store, so they run on any thread; :func:`link_rows` is pure. A step's outcome is written
by one store call (:meth:`citegraph.store.Store.record_fetched`, ``record_linked``). The crawl
and the refresh of a crawl both go through these; what differs between them is only which
crawl members the results create or settle.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple, Sequence

from ..errors import ResponseError
from ..links import LINKNAMES, SOURCE_CITEDIN, SOURCE_REFS, follows
from ..models import Article
from ..parse_pool import REFERENCE_LIST_SOURCE, RecordDigest, digest_articles
from ..store import PreparedArticles, source_bit
from .options import PER_PAPER_SOURCES, CrawlOptions
from .protocols import Clients, EutilsLike

__all__ = ["Fetched", "Linked", "fetch_records", "ask_links", "link_rows", "SOURCE_RECORD", "SOURCE_ICITE"]

#: the source name of the edges read from the fetched records' reference lists
SOURCE_RECORD = REFERENCE_LIST_SOURCE
#: the source name of the edges iCite reported
SOURCE_ICITE = "icite"
_CITEDIN_BIT, _REFS_BIT, _ICITE_BIT = source_bit(SOURCE_CITEDIN), source_bit(SOURCE_REFS), source_bit(SOURCE_ICITE)
#: extra efetch rounds for ids a response left out before calling them unknown
_REASK_ROUNDS = 4


class Fetched(NamedTuple):
    """An efetch step's outcome: the records, the PMIDs without one, the records' rows, and the
    PMIDs failed because the answer held records that cannot be stored (with why)."""

    articles: list[RecordDigest]
    absent: list[str]
    rows: PreparedArticles
    failed: dict[str, str]


@dataclass
class Linked:
    """A link step's outcome as rows: the batch's ``(citing, cited, source bit, seen_at)`` edge
    rows, the papers each linked paper leads to (in the order the sources told them, itself
    left out), papers outside PubMed, iCite's metrics, and the papers whose answer carried an
    error (``{pmid: message}``; they are not in ``linked``)."""

    linked: list[str]
    rows: list[tuple[int, int, int, float]] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    #: (paper, citing id, cited id, source bit) of papers outside PubMed
    externals: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    now: float = 0.0


# -- asking (network only) -----------------------------------------------------------------

def fetch_records(client: EutilsLike, parse: Callable[[bytes], list], pmids: Sequence[str]) -> Fetched:
    """efetch ``pmids``; ids an answer left out are asked again (a few rounds) before they
    count as absent. A failing first request raises; a failing re-ask fails those ids."""
    answer = client.efetch(pmids, parse=parse)
    articles = _digests(answer)
    skipped = list(getattr(answer, "skipped", ()))
    got = {a.pmid for a in articles}
    absent = [p for p in pmids if p not in got]
    failed: dict[str, str] = {}
    for _ in range(_REASK_ROUNDS):
        # unless each of them may be a record the answer had that cannot be stored
        if not absent or len(absent) <= len(skipped):
            break
        try:
            answer = client.efetch(absent, parse=parse)
        except ResponseError as exc:  # those fail; what came already is kept
            failed = {p: str(exc) for p in absent}
            absent, skipped = [], []
            break
        more = _digests(answer)
        skipped = list(getattr(answer, "skipped", ()))
        articles.extend(more)
        got.update(a.pmid for a in more)
        absent = [p for p in absent if p not in got]
    asked = set(pmids)
    articles = [a for a in articles if a.pmid in asked]
    if absent and skipped:
        # a paper whose record may be one of those: failed, not missing
        why = "; ".join(map(str, skipped[:3])) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        failed = {p: f"efetch: the answer held records that cannot be stored: {why}" for p in absent}
        absent = []
    return Fetched(articles, absent, PreparedArticles(a.row for a in articles), failed)


def ask_links(clients: Clients, pmids: list[str], options: CrawlOptions,
              record_refs: Mapping[str, list[str]] | None = None, *, metrics_only: bool = False) -> dict[str, dict]:
    """What the sources of ``options`` link ``pmids`` to in its direction, by key:
    ``cited-by`` and ``references`` (elink, ``{pmid: [pmid]}`` with ``errors``), ``record``
    (``record_refs``: reference lists already read, which spare their elink), ``icite``
    (``{int pmid: paper}``), and each per-paper source (see :func:`_ask_per_paper`).
    ``metrics_only``: iCite alone is asked, for its metrics (key ``metrics``)."""
    if metrics_only:
        assert clients.icite is not None
        return {"metrics": clients.icite.pubs(pmids)}
    record_refs = record_refs or {}
    links: dict[str, dict] = {}
    if follows(options.direction, "cited-by"):
        links["cited-by"] = _elink(clients.eutils, pmids, LINKNAMES["cited-by"], options.link_batch)
    if follows(options.direction, "references"):
        ask = [p for p in pmids if not record_refs.get(p)]
        links["references"] = _elink(clients.eutils, ask, LINKNAMES["references"], options.link_batch) if ask else {}
        links["record"] = dict(record_refs)
    if "icite" in options.sources:
        assert clients.icite is not None
        links["icite"] = clients.icite.pubs(pmids)
    for name in PER_PAPER_SOURCES:
        if name in options.sources:
            links[name] = _ask_per_paper(clients.per_paper(name), pmids, options.direction)
    return links


def _ask_per_paper(client, pmids: list[str], direction: str) -> dict[str, list]:
    """``{pmid: [(citing id, cited id, Europe PMC's paper or None), ...]}``: what the source
    links each paper to in ``direction`` (ids are ``ExternalId``; Europe PMC's papers give the
    title and year of a paper outside PubMed: see ``_external``)."""
    kinds = [k for d, k in (("cited-by", "citations"), ("references", "references")) if follows(direction, d)]
    told: dict[str, list] = {}
    for pmid in pmids:
        for kind in kinds:
            answer = getattr(client, kind)(pmid)
            if hasattr(answer, "papers"):  # Europe PMC: the papers, each linked to the one asked
                own = answer.of
                told.setdefault(pmid, []).extend(
                    (p.id, own, p) if kind == "citations" else (own, p.id, p) for p in answer.papers)
            else:
                told.setdefault(pmid, []).extend((link.citing, link.cited, None) for link in answer)
    return told


def _elink(client: EutilsLike, pmids: list[str], linkname: str, size: int) -> dict[str, list[str]]:
    """elink in batches of ``size`` ids; their answers (and ``errors``) merged."""
    if len(pmids) <= size:
        return client.elink(pmids, linkname)
    merged = _Links()
    for start in range(0, len(pmids), size):
        answer = client.elink(pmids[start:start + size], linkname)
        merged.update(answer)
        merged.errors.update(getattr(answer, "errors", {}))
    return merged


class _Links(dict):
    """elink answers of several batches: ``{id: [linked ids]}`` and ``errors``."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: dict[str, str] = {}


# -- answers as rows (pure) ----------------------------------------------------------------

def link_rows(batch: list[str], links: Mapping[str, dict], direction: str, now: float | None = None) -> Linked:
    """The rows of :func:`ask_links`' answer for ``batch``; an id whose answer carried an
    error is failed, never taken for "no links"."""
    now = time.time() if now is None else now
    if "metrics" in links:
        return Linked(linked=list(batch), metrics=list(links["metrics"].values()), now=now)
    errors: dict[str, str] = {}
    for result in links.values():
        errors.update(getattr(result, "errors", {}))
    out = Linked(linked=[p for p in batch if p not in errors], errors=errors, now=now)
    icite = links.get("icite", {})
    out.metrics = list(icite.values())
    rows = out.rows  # a paper's citing papers are its most numerous edges: no work beyond the row
    for pmid in out.linked:
        citing = links.get("cited-by", {}).get(pmid, [])
        cited = links.get("references", {}).get(pmid, [])
        p = int(pmid)
        rows.extend([(c, p, _CITEDIN_BIT, now) for c in map(int, citing) if c != p])
        rows.extend([(p, c, _REFS_BIT, now) for c in map(int, cited) if c != p])
        told = _icite_links(icite.get(p), direction)
        rows.extend([(c, p, _ICITE_BIT, now) for c in told[0] if c != p])
        rows.extend([(p, c, _ICITE_BIT, now) for c in told[1] if c != p])
        found = [*citing, *cited, *links.get("record", {}).get(pmid, []), *map(str, told[0]), *map(str, told[1])]
        for name in PER_PAPER_SOURCES:
            bit = source_bit(name)
            for citing_id, cited_id, paper in links.get(name, {}).get(pmid, ()):
                other_id = citing_id if cited_id.pmid == p else cited_id
                if other_id.pmid is None:  # a paper outside PubMed: kept as an external one
                    if other_id.key:
                        out.externals.append((_external(other_id, paper), citing_id, cited_id, bit))
                elif other_id.pmid != p and citing_id.pmid is not None and cited_id.pmid is not None:
                    rows.append((citing_id.pmid, cited_id.pmid, bit, now))
                    found.append(str(other_id.pmid))
        out.found[pmid] = [o for o in found if o != pmid]
    return out


def _icite_links(paper, direction: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(citing PMIDs, cited PMIDs) iCite told of ``paper`` that a walk in ``direction``
    follows; none when iCite does not know the paper or did not say."""
    if paper is None:
        return (), ()
    citing = (paper.cited_by or ()) if follows(direction, "cited-by") else ()
    cited = (paper.references or ()) if follows(direction, "references") else ()
    return tuple(citing), tuple(cited)


def _external(ident, paper) -> dict:
    """What a source gave of a paper outside PubMed: key, DOI, title, year, the source's id."""
    return {"key": ident.key, "doi": ident.doi or getattr(getattr(paper, "id", None), "doi", None),
            "title": getattr(paper, "title", None), "year": getattr(paper, "year", None),
            "source_id": ident.source_id}


def _digests(parsed: list) -> list[RecordDigest]:
    """An efetch answer as digests, whether ``parse`` gave articles or digests."""
    if parsed and isinstance(parsed[0], Article):
        return digest_articles(parsed, "efetch")
    return list(parsed)
