"""What iCite, Europe PMC and the OpenCitations Index answer, computed from a Corpus.

No HTTP here: each answer function takes a :class:`CorpusFacts` and the request's
:class:`~citegraph.testing.endpoints.Query` (path parameters included) and returns a
:class:`~citegraph.testing.reply.Reply` whose body has the real service's JSON shape (see
``shared/fixtures/icite``, ``europepmc``, ``opencitations`` and their ``SOURCES.md``).

Coverage follows the real services, deterministically:

- iCite and Europe PMC take their citations from every reference list of the corpus (what
  ``elink pubmed_pubmed_refs`` serves; "cited by" is its inverse, for every citing record,
  not only those with a PMC id).
- iCite answers for every PMID the corpus knows: a record (every field), or a PMID that is
  only cited by records (``cited_by`` and the counts from the corpus; the fields it cannot
  know, such as title and references, null). Unknown PMIDs are left out of ``data``.
- Europe PMC also lists a preprint (source ``PPR``, no PMID) among the citers of every
  known PMID divisible by 5, as Europe PMC lists citers that are not PubMed records.
- OpenCitations links only records that both have a DOI. Its ids name a paper by OMID,
  DOI and PMID, except for PMIDs that leave 3 when divided by 4, which it names by OMID and
  DOI only (OpenCitations lacks many PMID mappings); such a paper is not found by
  ``pmid:`` either.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Callable

from ..errors import ParseError
from ..pubmed import parse_record
from .corpus import Corpus
from .endpoints import Query
from .reply import Reply

__all__ = ["CorpusFacts", "ANSWERS", "icite_pubs", "europepmc_list", "opencitations_list",
           "europepmc_error", "ICITE_MAX_PMIDS", "EUROPEPMC_VERSION"]

JSON = "application/json"
ICITE_MAX_PMIDS = 1000
EUROPEPMC_VERSION = "6.9"
EUROPEPMC_MAX_PAGE = 1000
#: the year the served metrics are computed at
METRICS_YEAR = 2025
_CLINICAL = {"clinical trial", "randomized controlled trial", "clinical trial, phase i",
             "clinical trial, phase ii", "clinical trial, phase iii", "clinical trial, phase iv",
             "controlled clinical trial", "pragmatic clinical trial", "clinical study"}
_NOT_RESEARCH = {"review", "systematic review", "editorial", "letter", "comment", "news", "erratum",
                 "published erratum", "retraction of publication", "biography", "interview"}


@dataclass(frozen=True)
class RecordFacts:
    """What the answers need of one corpus record."""

    pmid: int
    title: str
    #: (first name, last name, PubMed display name "Rosenberg SA")
    authors: tuple[tuple[str, str, str], ...]
    year: int | None
    journal_abbrev: str
    volume: str
    issue: str
    pages: str
    doi: str | None
    publication_types: tuple[str, ...]

    @property
    def clinical(self) -> bool:
        return any(t.lower() in _CLINICAL for t in self.publication_types)

    @property
    def research(self) -> bool:
        return not any(t.lower() in _NOT_RESEARCH for t in self.publication_types)


class CorpusFacts:
    """A corpus with each record's facts read once (records are parsed on first use)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._records: dict[int, RecordFacts | None] = {}
        self._lock = threading.Lock()

    def record(self, pmid: int) -> RecordFacts | None:
        """The facts of the record ``pmid``, or None when the corpus has no such record."""
        if pmid in self._records:
            return self._records[pmid]
        raw = self.corpus.raw_xml(pmid)
        facts = None
        if raw is not None:
            try:
                art = parse_record(raw)
            except ParseError:
                art = None
            if art is not None:
                authors = tuple((a.fore_name or a.initials, a.last_name or a.collective_name, a.display_name)
                                for a in art.authors)
                facts = RecordFacts(pmid, art.title, authors, art.year, art.journal_abbrev or art.journal,
                                    art.volume, art.issue, art.pages, art.doi or self.corpus.doi(pmid),
                                    tuple(art.publication_types))
        with self._lock:
            self._records[pmid] = facts
        return facts

    def cited_by(self, pmid: int) -> list[int]:
        return [int(p) for p in self.corpus.cited_by(pmid)]

    def refs(self, pmid: int) -> list[int]:
        return [int(p) for p in self.corpus.refs(pmid)]

    def known(self, pmid: int) -> bool:
        """A record of the corpus, or a PMID some record cites."""
        return pmid in self.corpus or bool(self.corpus.cited_by(pmid))


def _json(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False, separators=(", ", ": ")).encode(), JSON)


def _pmid(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 2**32 else None


# -- iCite ------------------------------------------------------------------------------------


def _icite_paper(facts: CorpusFacts, pmid: int) -> dict:
    """One paper in the current shape (key order as in ``pubs_32162448.json``)."""
    rec = facts.record(pmid)
    citers = facts.cited_by(pmid)
    citer_facts = [(c, facts.record(c)) for c in citers]
    clinical_citers = [c for c, f in citer_facts if f is not None and f.clinical]
    by_year = [{str(c): f.year} for c, f in citer_facts if f is not None and f.year is not None]
    paper: dict = {"_id": str(pmid)}
    if rec is None:  # only cited: what the corpus's reference lists tell, nothing else
        unknown = ("animal", "authors", "doi", "human", "title", "apt", "year", "journal", "is_research_article")
        paper.update(dict.fromkeys(unknown))
        paper["pmid"] = pmid
        paper.update({"citedByClinicalArticle": bool(clinical_citers), "citedByPmidsByYear": by_year,
                      "citation_count": len(citers)})
        paper.update(dict.fromkeys(("field_citation_rate", "expected_citations_per_year", "citations_per_year",
                                    "relative_citation_ratio", "nih_percentile", "molecular_cellular", "x_coord",
                                    "y_coord", "is_clinical")))
        paper.update({"cited_by_clin": clinical_citers, "cited_by": citers, "references": None,
                      "provisional": None})
        return _icite_order(paper)
    years = max(1, METRICS_YEAR - rec.year + 1) if rec.year else 1
    per_year = len(citers) / years
    expected = 1.5 + (pmid % 100) / 100
    rcr = round(per_year / expected, 2)
    paper.update({
        "animal": 0,
        "authors": [{"lastName": last, "fullName": f"{last}, {first}" if first else last, "firstName": first}
                    for first, last, _ in rec.authors],
        "doi": rec.doi,
        "human": 1,
        "pmid": pmid,
        "title": rec.title,
        "apt": (0.05, 0.25, 0.5, 0.75, 0.95)[pmid % 5],
        "citedByClinicalArticle": bool(clinical_citers),
        "citedByPmidsByYear": by_year,
        "year": rec.year,
        "journal": rec.journal_abbrev,
        "is_research_article": rec.research,
        "citation_count": len(citers),
        "field_citation_rate": 3.0 + (pmid % 50) / 10,
        "expected_citations_per_year": expected,
        "citations_per_year": float(per_year),
        "relative_citation_ratio": float(rcr),
        "nih_percentile": float(min(99.9, round(rcr * 40, 1))),
        "molecular_cellular": 0,
        "x_coord": 0,
        "y_coord": 1,
        "is_clinical": rec.clinical,
        "cited_by_clin": clinical_citers,
        "cited_by": citers,
        "references": facts.refs(pmid),
        "provisional": bool(rec.year and rec.year >= METRICS_YEAR - 1),
    })
    return _icite_order(paper)


_ICITE_KEYS = ("_id", "animal", "authors", "doi", "human", "pmid", "title", "apt", "citedByClinicalArticle",
               "citedByPmidsByYear", "year", "journal", "is_research_article", "citation_count",
               "field_citation_rate", "expected_citations_per_year", "citations_per_year",
               "relative_citation_ratio", "nih_percentile", "molecular_cellular", "x_coord", "y_coord",
               "is_clinical", "cited_by_clin", "cited_by", "references", "provisional")


def _icite_order(paper: dict) -> dict:
    return {key: paper[key] for key in _ICITE_KEYS}


def icite_pubs(facts: CorpusFacts, q: Query) -> Reply:
    """``/api/pubs?pmids=...[&fl=...]``: the known PMIDs in the order asked, each once."""
    asked: dict[int, None] = {}
    for value in q.all("pmids"):
        for token in value.split(","):
            pmid = _pmid(token)
            if pmid is not None:
                asked[pmid] = None
    if not asked:
        return _json({"error": "no valid PMIDs given"}, 400)
    if len(asked) > ICITE_MAX_PMIDS:
        return _json({"error": f"at most {ICITE_MAX_PMIDS} PMIDs per request"}, 400)
    fields = [f.strip() for f in q.first("fl").split(",") if f.strip()]
    data = []
    for pmid in asked:
        if not facts.known(pmid):
            continue
        paper = _icite_paper(facts, pmid)
        if fields:
            paper = {name: paper.get(name) for name in fields}
        data.append(paper)
    return Reply(200, _json({"data": data}).body, JSON, items=len(data))


# -- Europe PMC ---------------------------------------------------------------------------


def _author_string(rec: RecordFacts) -> str:
    names = [display for _, _, display in rec.authors if display]
    return ", ".join(names) + "." if names else ""


def _europepmc_paper(facts: CorpusFacts, pmid: int, extra: dict | None = None) -> dict:
    """A MED paper as a list entry; keys Europe PMC has no value for are left out."""
    rec = facts.record(pmid)
    item: dict = {"id": str(pmid), "source": "MED"}
    if rec is not None:
        types = [t.lower() for t in rec.publication_types]
        item["citationType"] = types[0] if types else "journal article"
        fields = (("title", rec.title), ("authorString", _author_string(rec)),
                  ("journalAbbreviation", rec.journal_abbrev), ("pubYear", rec.year), ("volume", rec.volume),
                  ("issue", rec.issue), ("pageInfo", rec.pages))
        item.update((key, value) for key, value in fields if value)
        if extra is None:
            item["citedByCount"] = len(facts.cited_by(pmid)) + (1 if pmid % 5 == 0 else 0)
    if extra:
        item.update(extra)
    return item


def _preprint(pmid: int) -> dict:
    return {"id": f"PPR{800000 + pmid % 100000}", "source": "PPR", "citationType": "preprint",
            "title": f"A preprint citing PMID {pmid}", "authorString": "Preprint A, Author B.",
            "pubYear": METRICS_YEAR, "citedByCount": 0}


def europepmc_list(facts: CorpusFacts, q: Query) -> Reply:
    """``/{source}/{id}/citations`` or ``/references`` (``list`` says which), one page."""
    kind = q.first("list")
    source, ident = q.first("source").upper(), q.first("id")
    page = max(1, q.int("page", 1))
    size = min(EUROPEPMC_MAX_PAGE, max(1, q.int("pageSize", 25)))
    pmid = _pmid(ident) if source == "MED" else None
    items: list[dict] = []
    if pmid is not None and facts.known(pmid):
        if kind == "citations":
            items = [_europepmc_paper(facts, c) for c in facts.cited_by(pmid)]
            if pmid % 5 == 0:
                items.append(_preprint(pmid))
        elif pmid in facts.corpus:
            items = [_europepmc_paper(facts, r, {"citedOrder": i, "match": "Y"})
                     for i, r in enumerate(facts.refs(pmid), start=1)]
    offset = (page - 1) * size
    shown = items[offset:offset + size]
    outer, inner = ("citationList", "citation") if kind == "citations" else ("referenceList", "reference")
    answer = {"version": EUROPEPMC_VERSION, "hitCount": len(items),
              "request": {"id": ident, "source": source, "offSet": offset, "pageSize": size},
              outer: {inner: shown}}
    return Reply(200, _json(answer).body, JSON, items=len(shown))


def europepmc_error() -> bytes:
    """An error sent with HTTP 200 (``errCode``), the ``error200`` fault."""
    return _json({"version": EUROPEPMC_VERSION, "errCode": 500,
                  "errMsg": "Internal server error: the search service is temporarily unavailable"}).body


# -- OpenCitations ----------------------------------------------------------------------------


def _oc_mapped(pmid: int) -> bool:
    """Whether OpenCitations knows the paper's PMID (see the module's docstring)."""
    return pmid % 4 != 3


def _oc_ids(pmid: int, doi: str) -> str:
    ids = f"omid:br/{_omid(pmid)} doi:{doi.lower()}"
    return f"{ids} pmid:{pmid}" if _oc_mapped(pmid) else ids


def _omid(pmid: int) -> str:
    return f"061{pmid:09d}"


def _oc_row(citing: RecordFacts, cited: RecordFacts) -> dict:
    span = ""
    if citing.year and cited.year:
        span = f"P{max(0, citing.year - cited.year)}Y0M0D"
    return {"oci": f"{_omid(citing.pmid)}-{_omid(cited.pmid)}",
            "citing": _oc_ids(citing.pmid, citing.doi or ""),
            "cited": _oc_ids(cited.pmid, cited.doi or ""),
            "creation": str(citing.year or ""),
            "timespan": span,
            "journal_sc": "no",
            "author_sc": "no"}


def opencitations_list(facts: CorpusFacts, q: Query) -> Reply:
    """``/citations/{id}`` or ``/references/{id}`` (``list`` says which) for ``pmid:`` and
    ``doi:`` ids: every link between two records with a DOI, not paged."""
    kind = q.first("list")
    scheme, _, value = q.first("id").partition(":")
    pmid: int | None = None
    if scheme.lower() == "pmid":
        pmid = _pmid(value)
        if pmid is not None and not _oc_mapped(pmid):
            pmid = None
    elif scheme.lower() == "doi":
        found = facts.corpus.pmid_for_doi(value)
        pmid = int(found) if found else None
    rec = facts.record(pmid) if pmid is not None else None
    rows = []
    if rec is not None and rec.doi:
        others = facts.cited_by(rec.pmid) if kind == "citations" else facts.refs(rec.pmid)
        for other in others:
            peer = facts.record(other)
            if peer is None or not peer.doi:
                continue
            rows.append(_oc_row(peer, rec) if kind == "citations" else _oc_row(rec, peer))
    return Reply(200, json.dumps(rows, indent=4).encode(), JSON, items=len(rows))


#: endpoint name -> answer function
ANSWERS: dict[str, Callable[[CorpusFacts, Query], Reply]] = {
    "icite/pubs": icite_pubs,
    "europepmc/citations": europepmc_list,
    "europepmc/references": europepmc_list,
    "opencitations/citations": opencitations_list,
    "opencitations/references": opencitations_list,
}
