"""What each E-utility answers, computed from a :class:`~citegraph.testing.corpus.Corpus`.

Each endpoint is a function ``(corpus, query, drop=None) -> Reply`` with no HTTP in it:
the server adds rate limiting, latency and faults around it. ``drop`` (the ``short`` fault)
names one item to leave out of the answer (a record, a LinkSet or Link, an Id).

Supported: ``efetch`` (db=pubmed, XML; db=pmc, JATS: see :mod:`.pmc_answers`), ``elink`` (dbfrom=pubmed, cmd=neighbor, link names
``pubmed_pubmed_citedin`` and ``pubmed_pubmed_refs``), ``esearch`` (db=pubmed, terms
``<pmid>[uid]``, ``<pmid>[pmid]``, ``<doi>[doi]``, ``<PMCID>[pmcid]``, quoted or not, OR-ed) and ``esummary``
(db=pubmed, version-1 DocSum). The history server (``usehistory``, ``WebEnv``) and JSON
output are not.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from ..links import CITED_IN, REFERENCES
from ..pubmed import parse_record
from . import responses
from .reply import XML, Reply
from .corpus import Corpus

__all__ = ["Query", "Reply", "ENDPOINTS", "efetch", "elink", "esearch", "esummary", "error_document"]

# NCBI's wording when ids are not numbers (from a recorded epost answer, biopython/epost3.xml)
INVALID_IDS = "Some IDs have invalid value and were omitted. Maximum ID value 18446744073709551615"
EMPTY_IDS = "ID list is empty! Possibly it has no correct IDs."


class Query:
    """Request parameters in arrival order; repeated names (``id=``) are all kept."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def first(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value.strip()
        return default

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def int(self, name: str, default: int) -> int:
        try:
            return max(0, int(self.first(name, str(default))))
        except ValueError:
            return default


def _split_ids(value: str) -> tuple[list[str], list[str]]:
    """One ``id=`` value -> (valid PMIDs normalised, invalid tokens)."""
    valid, invalid = [], []
    for token in value.split(","):
        token = token.strip()
        if not token:
            continue
        if token.isdigit() and int(token) > 0:
            valid.append(str(int(token)))
        else:
            invalid.append(token)
    return valid, invalid


def _all_ids(q: Query) -> tuple[list[str], list[str]]:
    valid: dict[str, None] = {}
    invalid: list[str] = []
    for value in q.all("id"):
        ok, bad = _split_ids(value)
        valid.update(dict.fromkeys(ok))
        invalid += bad
    return list(valid), invalid


def _drop(items: list, drop: int | None) -> list:
    """``items`` without one of them, chosen by ``drop``; unchanged with fewer than two
    (an answer left empty would be indistinguishable from "no such record")."""
    if drop is not None and len(items) >= 2:
        items = list(items)
        del items[drop % len(items)]
    return items


# --- efetch ---------------------------------------------------------------------------------
def efetch(corpus: Corpus, q: Query, drop: int | None = None) -> Reply:
    """Records in the order asked, unknown ids left out, duplicates once."""
    db = q.first("db", "pubmed").lower()
    if db == "pmc":
        from .pmc_answers import efetch_pmc

        return efetch_pmc(corpus, q, drop)
    if db != "pubmed":
        return Reply(400, responses.efetch_error(f"Invalid db name specified: {db}"))
    ids, _invalid = _all_ids(q)
    if not ids:
        return Reply(400, responses.efetch_error(EMPTY_IDS))
    found = [raw for raw in (corpus.raw_xml(p) for p in ids) if raw is not None]
    records = _drop(found, drop)
    return Reply(200, responses.efetch_pubmed(records), items=len(records), shortened=len(records) < len(found))


# --- elink ----------------------------------------------------------------------------------
def _links(corpus: Corpus, ids: Sequence[str], linkname: str) -> list[str]:
    if linkname == CITED_IN:
        lookup: Callable[[str], list[str]] = corpus.cited_by
    elif linkname == REFERENCES:
        lookup = corpus.refs
    else:
        return []
    if len(ids) == 1:
        return lookup(ids[0])
    merged = {int(p) for pmid in ids for p in lookup(pmid)}
    return [str(p) for p in sorted(merged, reverse=True)]


def elink(corpus: Corpus, q: Query, drop: int | None = None) -> Reply:
    """One LinkSet per ``id=`` parameter; the ids of one comma-joined parameter are merged."""
    dbfrom = q.first("dbfrom", "pubmed").lower()
    if dbfrom != "pubmed":
        return Reply(200, responses.elink_error(f"Invalid dbfrom name specified: {dbfrom}"))
    cmd = q.first("cmd", "neighbor").lower()
    if cmd != "neighbor":
        return Reply(200, responses.elink_error(f"cmd={cmd} is not served by the citegraph test server"))
    groups = [g for g in (_split_ids(v) for v in q.all("id")) if g[0] or g[1]]
    if not groups:
        return Reply(200, responses.elink_error("Empty id list - nothing todo"))
    db = q.first("db")
    requested = q.first("linkname")
    names = [n.strip() for n in requested.split(",") if n.strip()] if requested else [CITED_IN, REFERENCES]
    if db and db.lower() != "pubmed":
        names = []
    linksets, invalid = [], []
    for ids, bad in groups:
        invalid += bad
        if ids:
            dbs = [(name, _links(corpus, ids, name)) for name in names]
            linksets.append(responses.LinkSet(ids=ids, dbs=dbs))
    shortened = False
    if drop is not None:
        if len(linksets) > 1:
            linksets, shortened = _drop(linksets, drop), True
        else:
            for ls in linksets:
                for k, (name, links) in enumerate(ls.dbs):
                    if len(links) >= 2:
                        ls.dbs[k], shortened = (name, _drop(links, drop)), True
                        break
    errors = [INVALID_IDS] if invalid else []
    body = responses.elink(linksets, style="tab" if db else "space", errors=errors)
    return Reply(200, body, items=len(linksets), shortened=shortened)


# --- esearch --------------------------------------------------------------------------------
_TERM = re.compile(r'^\(*\s*"?(?P<value>[^"\[\]]+?)"?\s*\[(?P<field>[^\]]+)\]\s*\)*$')
_OR = re.compile(r"\s+OR\s+")
_UID_FIELDS = {"uid", "pmid", "pubmed id", "uids"}
_DOI_FIELDS = {"doi", "aid", "lid", "location id"}
_PMCID_FIELDS = {"pmcid", "pmc"}


def _search_term(corpus: Corpus, term: str) -> tuple[list[str], str, str]:
    """(hits, translation, phrase) for one term."""
    term = term.strip()
    bare = term.strip("()").strip()
    if bare.isdigit():
        return ([str(int(bare))] if bare in corpus else []), f"{bare}[uid]", bare
    m = _TERM.match(term)
    if not m:
        return [], f"({bare}[All Fields])", bare
    value, field = m.group("value").strip(), m.group("field").strip().lower()
    if field in _UID_FIELDS:
        hit = value.isdigit() and value in corpus
        return ([str(int(value))] if hit else []), f"{value}[uid]", value
    if field in _DOI_FIELDS:
        pmid = corpus.pmid_for_doi(value)
        return ([pmid] if pmid else []), f"{value}[doi]", value
    if field in _PMCID_FIELDS:
        pmid = corpus.pmid_for_pmcid(value)
        return ([pmid] if pmid else []), f"{value}[pmcid]", value
    return [], f"{value}[{field}]", value


def esearch(corpus: Corpus, q: Query, drop: int | None = None) -> Reply:
    db = q.first("db", "pubmed").lower()
    if db == "pmc":
        from .pmc_answers import efetch_pmc

        return efetch_pmc(corpus, q, drop)
    if db != "pubmed":
        return Reply(200, responses.esearch_error(f"Invalid db name specified: {db}"))
    term = q.first("term")
    if not term:
        return Reply(200, responses.esearch_error("Empty term and query_key - nothing todo"))
    hits: set[int] = set()
    translations, not_found = [], []
    for part in _OR.split(term):
        found, translation, phrase = _search_term(corpus, part)
        translations.append(translation)
        if found:
            hits.update(int(p) for p in found)
        else:
            not_found.append(phrase)
    ordered = [str(p) for p in sorted(hits, reverse=True)]
    retstart, retmax = q.int("retstart", 0), q.int("retmax", 20)
    full = ordered[retstart:retstart + retmax]
    page = _drop(full, drop)
    body = responses.esearch(page, count=len(ordered), retstart=retstart,
                             query_translation=" OR ".join(translations), not_found=not_found)
    return Reply(200, body, items=len(page), shortened=len(page) < len(full))


# --- esummary -------------------------------------------------------------------------------
_LANGUAGES = {"eng": "English", "fre": "French", "ger": "German", "spa": "Spanish", "ita": "Italian",
              "jpn": "Japanese", "chi": "Chinese", "rus": "Russian", "por": "Portuguese", "dut": "Dutch"}


def _docsum(pmid: str, raw: bytes) -> responses.DocSum:
    art = parse_record(raw)
    authors = [a.display_name for a in art.authors]
    date = art.pub_date or (str(art.year) if art.year else "")
    ids = [("pubmed", "String", art.pmid)]
    if art.doi:
        ids.append(("doi", "String", art.doi))
    if art.pmcid:
        ids.append(("pmc", "String", art.pmcid))
    pages = f":{art.pages}" if art.pages else ""
    issue = f"({art.issue})" if art.issue else ""
    items: list[tuple[str, str, object]] = [
        ("PubDate", "Date", date),
        ("EPubDate", "Date", ""),
        ("Source", "String", art.journal_abbrev),
        ("AuthorList", "List", [("Author", "String", a) for a in authors]),
        ("LastAuthor", "String", authors[-1] if authors else ""),
        ("Title", "String", art.title),
        ("Volume", "String", art.volume),
        ("Issue", "String", art.issue),
        ("Pages", "String", art.pages),
        ("LangList", "List", [("Lang", "String", _LANGUAGES.get(art.language, art.language))] if art.language else []),
        ("NlmUniqueID", "String", ""),
        ("ISSN", "String", ""),
        ("ESSN", "String", ""),
        ("PubTypeList", "List", [("PubType", "String", t) for t in art.publication_types]),
        ("RecordStatus", "String", "PubMed - indexed for MEDLINE"),
        ("PubStatus", "String", "ppublish"),
        ("ArticleIds", "List", ids),
        ("DOI", "String", art.doi or ""),
        ("History", "List", []),
        ("References", "List", []),
        ("HasAbstract", "Integer", 1 if art.abstract else 0),
        ("PmcRefCount", "Integer", 0),
        ("FullJournalName", "String", art.journal),
        ("ELocationID", "String", f"doi: {art.doi}" if art.doi else ""),
        ("SO", "String", f"{date};{art.volume}{issue}{pages}"),
    ]
    return responses.DocSum(id=pmid, items=items)


def esummary(corpus: Corpus, q: Query, drop: int | None = None) -> Reply:
    db = q.first("db", "pubmed").lower()
    if db == "pmc":
        from .pmc_answers import efetch_pmc

        return efetch_pmc(corpus, q, drop)
    if db != "pubmed":
        return Reply(200, responses.esummary_error(f"Invalid db name specified: {db}"))
    if not q.has("id"):
        return Reply(200, responses.esummary_error("Neither query_key nor id specified"))
    ids, _invalid = _all_ids(q)
    if not ids:
        return Reply(200, responses.esummary_error("Empty id list - nothing todo"))
    found = [_docsum(p, raw) for p, raw in ((p, corpus.raw_xml(p)) for p in ids) if raw is not None]
    docs = _drop(found, drop)
    return Reply(200, responses.esummary(docs), items=len(docs), shortened=len(docs) < len(found))


ENDPOINTS: dict[str, Callable[..., Reply]] = {
    "efetch": efetch,
    "elink": elink,
    "esearch": esearch,
    "esummary": esummary,
}

# in-band error messages seen from the real service (quoted in client projects' tests)
_ERROR_MESSAGES = {
    "efetch": "Unable to obtain query #1",
    "elink": "NCBI C++ Exception: Read failed: EOF (the other side has unexpectedly closed connection)",
    "esearch": "Search Backend failed: Pubmed 2.0 search API: HTTP request returned 502 status.",
    "esummary": "Unable to obtain query #1",
}


def error_document(endpoint: str) -> bytes:
    """An HTTP-200 ``<ERROR>`` document of the endpoint's own envelope (the ``error200`` fault)."""
    message = _ERROR_MESSAGES[endpoint]
    builder = {
        "efetch": responses.efetch_error,
        "elink": responses.elink_error,
        "esearch": responses.esearch_error,
        "esummary": responses.esummary_error,
    }[endpoint]
    return builder(message)
