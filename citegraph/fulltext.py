"""PMC full text into the store: what each paper's text says where it cites other papers.

:func:`fetch_fulltext` asks PMC (``efetch db=pmc``) for the papers of a list that have a PMC
id and have never been asked about, in batches, and commits each answer in one transaction:
per paper its state and, for an open-access paper, its raw JATS (compressed) and its citation
contexts. A paper is asked about once: its state stays, whatever it is, so a rerun asks
nothing again; an interrupted or failed run resumes with the papers not yet answered.
:func:`store_articles` does the storing for it and for ``.nxml`` files read offline
(:func:`import_nxml`).

States (``fulltext.state``): :data:`FETCHED` (a body came), :data:`NOT_OPEN_ACCESS` (front
matter only: the publisher does not allow the XML full text), :data:`NOT_AVAILABLE` (PMC
answered an error for the id, or its answer alone is larger than the client reads).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .errors import ParseError, ResponseError, SourceError
from .pmc import ERROR, FULL_TEXT, NOT_OPEN_ACCESS, ArticleText, iter_articleset

__all__ = ["FETCHED", "NOT_OPEN_ACCESS_STATE", "NOT_AVAILABLE", "STATES", "FulltextReport", "fetch_fulltext",
           "store_articles", "split_answer", "import_nxml", "NxmlReport"]

log = logging.getLogger("citegraph.fulltext")

FETCHED = "fetched"
NOT_OPEN_ACCESS_STATE = "not_open_access"
NOT_AVAILABLE = "not_available"
STATES = (FETCHED, NOT_OPEN_ACCESS_STATE, NOT_AVAILABLE)
_STATE_OF = {FULL_TEXT: FETCHED, NOT_OPEN_ACCESS: NOT_OPEN_ACCESS_STATE, ERROR: NOT_AVAILABLE}

#: ids in the first request; later ones are sized from the bytes per article seen so far
FIRST_BATCH = 50
MAX_BATCH = 500
#: a batch is sized to fill this share of the client's answer cap, on the average seen
_FILL = 0.25
#: consecutive failed batches after which the rest is not asked (the service keeps failing)
_GIVE_UP_AFTER = 3
_SOURCE = "pmc"
_TOO_LARGE = "PMC's answer for it is larger than the client reads"


@dataclass
class FulltextReport:
    """What a :func:`fetch_fulltext` run did. ``asked``: papers answered in this run, by state
    (``fetched``, ``not_open_access``, ``not_available``); ``already``: papers answered
    before; ``without_pmcid``: papers with no PMC id (or no stored record), never asked;
    ``failed``: (pmid, reason) of papers whose requests failed (a rerun asks them again)."""

    papers: int = 0
    already: int = 0
    without_pmcid: int = 0
    asked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    contexts: int = 0
    requests: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"papers": self.papers, "already": self.already, "without_pmcid": self.without_pmcid,
                **self.asked, "contexts": self.contexts, "requests": self.requests,
                "failed": len(self.failed), "complete": self.complete}


def fetch_fulltext(store, client, pmids: Iterable[str | int], *, first_batch: int = FIRST_BATCH,
                   progress: Callable[[int, int], None] | None = None) -> FulltextReport:
    """Fetch PMC full text for those of ``pmids`` whose stored record has a PMC id and that
    have no full-text state yet; ``client`` is an :class:`~citegraph.sources.eutils.EutilsClient`.

    ``progress(done, total)`` is told after each answer. A batch that fails after the
    client's retries is reported in ``failed`` and the run goes on; after three failed batches
    in a row the rest is reported failed without being asked."""
    wanted = list(dict.fromkeys(str(int(p)) for p in pmids))
    report = FulltextReport(papers=len(wanted))
    states = store.fulltext_states(wanted)
    report.already = len(states)
    pmcids = store.pmcids_of(p for p in wanted if p not in states)
    todo = [(p, pmcids[p]) for p in wanted if p in pmcids]
    report.without_pmcid = len(wanted) - len(states) - len(todo)
    cap = getattr(client, "max_response_bytes", 64 << 20)
    size = max(1, first_batch)
    done = failures = 0
    start = 0
    while start < len(todo):
        batch = todo[start:start + size]
        start += len(batch)
        if failures >= _GIVE_UP_AFTER:
            report.failed += [(p, "not asked: PMC kept failing") for p, _ in batch]
            continue
        by_number = {_number(c): p for p, c in batch}
        before = client.stats["requests"]
        try:
            answers = client.efetch_pmc(list(by_number), parse=lambda body, ids: split_answer(body, ids))
        except SourceError as exc:
            failures += 1
            report.failed += [(p, str(exc)) for p, _ in batch]
            continue
        finally:
            report.requests += client.stats["requests"] - before
        failures = 0
        answered = {}
        nbytes = 0
        for number, article, raw in answers:
            if number in by_number:
                answered[by_number[number]] = (article, raw)
                nbytes += len(raw)
        with store.transaction():
            for pmid, (article, raw) in answered.items():
                report.contexts += store_articles(store, [(pmid, article, raw)], _SOURCE)
                report.asked[_STATE_OF[article.state]] += 1
            for pmid, pmcid in batch:
                if pmid not in answered:  # an article alone over the client's cap
                    store.put_fulltext(pmid, pmcid, NOT_AVAILABLE, message=_TOO_LARGE, source=_SOURCE)
                    report.asked[NOT_AVAILABLE] += 1
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
        if answered:
            per_article = max(1, nbytes // len(answered))
            size = max(1, min(MAX_BATCH, int(cap * _FILL) // per_article))
    return report


def fetch_crawl_fulltext(store, client, crawl_id: int, *,
                         progress: Callable[[int, int], None] | None = None) -> FulltextReport:
    """:func:`fetch_fulltext` for the members of the stored crawl ``crawl_id``."""
    return fetch_fulltext(store, client, [pmid for pmid, _ in store.nodes(crawl_id)], progress=progress)


def split_answer(body: bytes, asked: Sequence[str]) -> list[tuple[str, ArticleText, bytes]]:
    """(PMC number, article, the article's own XML) for each article or ``Reply`` of an
    ``efetch db=pmc`` answer. Raises a transient :class:`ResponseError` when an id of
    ``asked`` (PMC numbers) has no answer, :class:`ParseError` when the answer cannot be read."""
    articles = list(iter_articleset(body))  # checks and reads everything first
    raws = _article_bytes(body)
    if len(raws) != len(articles):
        raise ParseError(f"the answer holds {len(articles)} articles but {len(raws)} article elements")
    out = []
    for article, raw in zip(articles, raws):
        number = _number(article.pmcid) if article.pmcid else ""
        out.append((number, article, raw if article.state != ERROR else b""))
    missing = set(asked) - {number for number, _, _ in out}
    if missing:
        raise ResponseError(f"efetch: PMC's answer lacks {len(missing)} of the {len(asked)} ids asked for",
                            transient=True)
    return out


def store_articles(store, items: Iterable[tuple[str, ArticleText, bytes]], source: str) -> int:
    """Store each (citing pmid, article, raw JATS): its state, its raw JATS when it has full
    text, and its citation contexts (replacing any it had). A reference with a DOI but no
    PMID counts as the stored paper with that DOI. Returns the contexts stored. Call inside a
    transaction to commit several together."""
    written = 0
    with store.transaction():
        for pmid, article, raw in items:
            dois = {c.cited_doi for c in article.contexts if c.cited_doi and not c.cited_pmid}
            by_doi = {doi.lower(): p for doi, p in store.find_by("doi", dois).items()} if dois else {}
            rows = []
            for c in article.contexts:
                cited = c.cited_pmid or by_doi.get(c.cited_doi.lower(), "")
                if cited == pmid:
                    continue  # a paper's mention of itself says nothing about its use
                rows.append((int(cited) if cited else None, c.cited_doi, c.ref_id, c.section, c.section_title,
                             c.paragraph_index, c.sentence, c.cite_start, c.cite_end, int(c.in_caption),
                             int(c.in_table)))
            state = _STATE_OF[article.state]
            written += store.put_fulltext(pmid, article.pmcid, state,
                                          message=article.message if state != FETCHED else "",
                                          raw_jats=raw if state == FETCHED else b"", contexts=rows, source=source)
    return written


@dataclass
class NxmlReport:
    """What :func:`import_nxml` stored: the files read, articles by state, contexts, and the
    files skipped with the reason (no PMID and no stored paper with its PMC id)."""

    files: int = 0
    articles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    contexts: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict:
        """The report as JSON data: ``files``, the articles by state, ``contexts`` and how many
        files were ``skipped``."""
        return {"files": self.files, **self.articles, "contexts": self.contexts, "skipped": len(self.skipped)}


def import_nxml(store, paths: Iterable[Path]) -> NxmlReport:
    """Read JATS files (``.nxml``: one article, or a saved ``efetch db=pmc`` answer) and store
    their articles as :func:`store_articles` does, each file in one transaction. An article
    without a PMID is matched to the stored paper with its PMC id, else skipped. Raises
    :class:`ParseError` (naming the file) for a file that is not readable JATS; the files
    before it stay stored."""
    report = NxmlReport()
    for path in paths:
        path = Path(path)
        report.files += 1
        data = _read(path)
        try:
            pairs = list(zip(iter_articleset(data), _article_bytes(data)))
        except ParseError as exc:
            raise ParseError(f"{path.name}: {exc}") from None
        items = []
        for article, raw in pairs:
            pmid = article.pmid
            if not pmid and article.pmcid:
                pmid = store.find_by("pmcid", [article.pmcid]).get(article.pmcid, "")
            if not pmid:
                report.skipped.append((path.name, "the article has no PMID and no stored paper has its PMC id"))
                continue
            items.append((pmid, article, raw))
        with store.transaction():
            report.contexts += store_articles(store, items, f"file:{path.name}")
        for _, article, _ in items:
            report.articles[_STATE_OF[article.state]] += 1
    return report


def _read(path: Path) -> bytes:
    import gzip

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read {path.name}: {exc.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ParseError(f"{path.name}: bad gzip data ({exc})") from None
    return data


def _article_bytes(body: bytes) -> list[bytes]:
    """The XML of each ``article`` / ``Reply`` element of an answer (or of a lone article),
    in order. Called only on input :func:`iter_articleset` has read, with the same hardening."""
    out = []
    events = etree.iterparse(io.BytesIO(body), events=("end",), tag=("article", "Reply"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)
    try:
        for _, elem in events:
            if elem.getparent() is not None and elem.getparent().tag == "article":
                continue  # an <article> nested in one (sub-article markup) is part of it
            out.append(etree.tostring(elem, encoding="utf-8"))
            elem.clear()
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"the answer cannot be split into articles ({exc.msg})") from None
    return out


def _number(pmcid: str) -> str:
    """The digits of a PMC id ("PMC123" -> "123")."""
    text = pmcid.strip()
    digits = text[3:] if text[:3].upper() == "PMC" else text
    return str(int(digits)) if digits.isdigit() else ""
