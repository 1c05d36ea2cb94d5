"""Refreshing a crawl: who has cited its papers since they were last linked (a watch list).

``citegraph crawl --refresh SEED --max-age 7d`` takes the latest crawl with SEED among its
seeds, asks NCBI again for the citing papers (elink ``pubmed_pubmed_citedin``, one batched
request per 200 papers, as the crawl does) of each member whose links are older than
``max_age`` — only members the crawl links, those of a generation below its depth — fetches
the records of citing papers not yet stored (efetch, 500 per request), stores the new edges,
and makes the new citing papers members of the crawl (one generation below the paper they
cite; those still below the depth are linked in the same run). Link times are kept per member
in ``crawl_nodes.linked_at`` (migration 6; members linked before it count as linked when
their crawl finished).

A crawl that asked iCite (``--sources pubmed,icite``) asks it again too, in the same batches:
its citing papers join PubMed's, its edges are stored as iCite's, its metrics replace the
stored ones. Europe PMC and OpenCitations (asked paper by paper) are not asked again.

What it reports as new: citing papers that were not members of the crawl before, with the
members each one cites. The crawl's year window and excluded publication types apply (papers
they leave out are recorded as excluded, with the reason, and not reported); its
``--max-papers`` budget does not.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol, Sequence

from .crawl import LINKNAMES, SOURCE_CITEDIN, SOURCE_ICITE, SOURCE_RECORD, CrawlOptions
from .errors import InputError, NetworkError, SourceError
from .models import Article
from .store import Store

__all__ = ["parse_duration", "refresh", "RefreshReport", "NewPaper", "DEFAULT_MAX_AGE"]

DEFAULT_MAX_AGE = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


class _Client(Protocol):
    def efetch(self, pmids: Sequence[str], *, parse: Callable[[bytes], list[Article]]) -> list[Article]: ...
    def elink(self, pmids: Sequence[str], linkname: str) -> dict[str, list[str]]: ...


def parse_duration(text: str) -> float:
    """Seconds in ``30m``, ``12h``, ``7d``, ``2w`` (or ``90s``); :class:`InputError` otherwise."""
    match = _DURATION.match(text or "")
    if not match:
        raise InputError(f"--max-age {text!r} is not a duration such as 30m, 12h, 7d or 2w")
    return float(match.group(1)) * _UNITS[match.group(2).lower()]


@dataclass
class NewPaper:
    """A citing paper new to the crawl."""

    pmid: str
    year: int | None
    title: str
    journal: str
    generation: int
    #: the crawl members it cites (their links were refreshed)
    cites: list[str]


@dataclass
class RefreshReport:
    seed: str
    crawl_id: int
    max_age_seconds: float
    #: members whose links were asked for again, and those linked recently enough to skip
    relinked: int = 0
    fresh: int = 0
    requests: int = 0
    new_edges: int = 0
    fetched: int = 0
    new_papers: list[NewPaper] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        data = asdict(self)
        data["complete"] = self.complete
        return data


def refresh(client: _Client, store: Store, seed: str, max_age: float, *, parse: Callable[[bytes], list[Article]],
            now: float | None = None, link_batch: int = 200, fetch_batch: int = 500,
            requests_made: Callable[[], int] | None = None, icite=None) -> RefreshReport:
    """Re-link the members of ``seed``'s latest crawl whose links are older than ``max_age``
    seconds and take in the citing papers that are new (see the module docstring).
    ``icite``: the iCite client, needed when the crawl asked iCite."""
    started = time.monotonic()
    now = time.time() if now is None else now
    requests_made = requests_made or (lambda: 0)
    requests_before = requests_made()
    if max_age < 0:
        raise InputError("--max-age must not be negative")
    crawl = store.latest_crawl_of(seed)
    if crawl is None:
        raise InputError(f"no crawl from {seed} in the store: run `citegraph crawl {seed}` first")
    options = CrawlOptions(**{k: v for k, v in crawl["params"].items() if k in CrawlOptions.__dataclass_fields__})
    if options.direction == "references":
        raise InputError(f"the crawl from {seed} follows references; --refresh looks for new citing papers "
                         "(crawl with --direction cited-by or both)")
    if crawl["status"] != "complete":
        raise InputError(f"the crawl from {seed} is not complete: run it again first, then refresh")
    if "icite" in options.sources and icite is None:
        raise InputError(f"the crawl from {seed} asked iCite too: set CITEGRAPH_ICITE_URL to the iCite to ask")
    crawl_id = crawl["id"]
    report = RefreshReport(seed=seed, crawl_id=crawl_id, max_age_seconds=max_age)
    # members linked before migration 6 count as linked when their crawl finished
    fallback = crawl.get("finished_at") or crawl.get("started_at") or 0.0
    members: dict[str, int] = {}
    due: list[tuple[str, int]] = []
    for pmid, generation, state, linked_at in store.link_ages(crawl_id):
        members[pmid] = generation
        if state in ("excluded", "missing", "failed") or generation >= options.depth:
            continue
        if now - (fallback if linked_at is None else linked_at) > max_age:
            due.append((pmid, generation))
        else:
            report.fresh += 1
    new: dict[str, NewPaper] = {}
    while due:
        batch, due = due[:link_batch], due[link_batch:]
        found = _link(client, store, crawl_id, batch, members, options, report, now, fetch_batch, parse, new,
                      icite if "icite" in options.sources else None)
        # new members still below the depth are linked in this run too
        due.extend((p, g) for p, g in found if g < options.depth)
    report.new_papers = sorted(new.values(), key=lambda p: int(p.pmid))
    for paper in report.new_papers:
        paper.cites.sort(key=int)
    report.requests = requests_made() - requests_before
    report.elapsed = time.monotonic() - started
    store.add_crawl_requests(crawl_id, report.requests)
    return report


def _link(client: _Client, store: Store, crawl_id: int, batch: list[tuple[str, int]], members: dict[str, int],
          options: CrawlOptions, report: RefreshReport, now: float, fetch_batch: int,
          parse: Callable[[bytes], list[Article]], new: dict[str, NewPaper], icite=None) -> list[tuple[str, int]]:
    """One elink batch (and iCite request): store its edges, fetch and add the new citing
    papers. Returns the new members (pmid, generation)."""
    pmids = [p for p, _ in batch]
    try:
        links = client.elink(pmids, LINKNAMES["cited-by"])
        told = icite.pubs(pmids) if icite is not None else {}
    except NetworkError:
        raise
    except SourceError as exc:
        report.failed.extend((p, str(exc)) for p in pmids)
        return []
    errors = getattr(links, "errors", {})
    report.failed.extend((p, f"elink error: {m}") for p, m in errors.items())
    linked = [p for p in pmids if p not in errors]
    pubmed_of = {p: [c for c in links.get(p, []) if c != p] for p in linked}
    icite_of = {p: [str(c) for c in (getattr(told.get(int(p)), "cited_by", None) or ()) if str(c) != p]
                for p in linked}
    citing_of = {p: list(dict.fromkeys(pubmed_of[p] + icite_of[p])) for p in linked}
    newcomers: dict[str, int] = {}
    for pmid in linked:
        for citing in citing_of[pmid]:
            if citing not in members:
                generation = members[pmid] + 1
                newcomers[citing] = min(newcomers.get(citing, generation), generation)
    stored = store.known_pmids(newcomers)
    known_missing = store.missing_pmids(set(newcomers) - stored)
    unknown = [p for p in newcomers if p not in stored and p not in known_missing]
    articles: list[Article] = []
    for start in range(0, len(unknown), fetch_batch):
        chunk = unknown[start:start + fetch_batch]
        try:
            articles.extend(a for a in client.efetch(chunk, parse=parse) if a.pmid in newcomers)
        except NetworkError:
            raise
        except SourceError as exc:
            # the links are not marked fresh: the next refresh asks again
            report.failed.extend((p, f"efetch: {exc}") for p in chunk)
            return []
    got = {a.pmid for a in articles}
    absent = [p for p in unknown if p not in got]
    summaries = store.summaries_of(stored)
    summaries.update((a.pmid, (a.year, a.title or "", a.journal or "")) for a in articles)
    types_of: dict[str, list[str]] = {}
    if options.exclude_types:  # only then are the stored ones' records read
        types_of = {p: a.publication_types for p, a in store.get_articles(stored).items()}
        types_of.update((a.pmid, a.publication_types) for a in articles)
    left_out: dict[str, str] = {}
    rows: list[tuple[str, int, str]] = []
    added: list[tuple[str, int]] = []
    with store.transaction():
        if articles:
            store.put_articles(articles, source="efetch")
            for article in articles:
                report.new_edges += store.add_citations(((article.pmid, r) for r in article.reference_pmids),
                                                        SOURCE_RECORD)
        if absent:
            store.mark_missing(absent, "efetch returned no record")
        for pmid in linked:
            report.new_edges += store.add_citations(((c, pmid) for c in pubmed_of[pmid]), SOURCE_CITEDIN)
            report.new_edges += store.add_citations(((c, pmid) for c in icite_of[pmid]), SOURCE_ICITE, now)
        if told:
            store.put_icite_metrics(told.values(), now)
        for pmid, generation in newcomers.items():
            if pmid in absent or pmid not in summaries:
                rows.append((pmid, generation, "missing"))
                continue
            reason = options.left_out_by(summaries[pmid][0], types_of.get(pmid, ()))
            if reason is not None:
                rows.append((pmid, generation, "excluded"))
                left_out[pmid] = reason
                report.excluded.append(pmid)
                continue
            rows.append((pmid, generation, "done"))
            added.append((pmid, generation))
        store.add_nodes(crawl_id, rows)
        store.exclude_nodes(crawl_id, left_out)
        store.set_linked_at(crawl_id, linked, now)
    report.relinked += len(linked)
    report.fetched += len(articles)
    report.missing.extend(absent)
    for pmid, generation, _ in rows:
        members[pmid] = generation
    for pmid, generation in added:
        year, title, journal = summaries[pmid]
        cites = [p for p in linked if pmid in citing_of[p]]
        new[pmid] = NewPaper(pmid=pmid, year=year, title=title, journal=journal, generation=generation, cites=cites)
    # a newcomer cited by later batches' members too: add those links to its list
    for pmid in linked:
        for citing in citing_of[pmid]:
            if citing in new and citing not in newcomers and pmid not in new[citing].cites:
                new[citing].cites.append(pmid)
    return added
