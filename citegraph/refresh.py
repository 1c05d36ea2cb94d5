"""Refreshing a crawl: who has cited its papers since they were last linked (a watch list).

``citegraph crawl --refresh SEED --max-age 7d`` takes the latest crawl with SEED among its
seeds and runs the crawl's link step (:mod:`citegraph.crawl.step`) again, in the cited-by
direction, for each member whose links are older than ``max_age`` — only members the crawl
links, those of a generation below its depth — in batches of ``link_batch`` (one elink request
each); then the crawl's fetch step for the citing papers not yet stored (``fetch_batch`` per
efetch request). A batch's edges, records and new members are written in one transaction, and
its members' link times (``crawl_nodes.linked_at``) set to ``now``; a member without a link
time counts as linked when its crawl finished. New citing papers become members of the crawl
one generation below the paper they cite; those still below the depth are linked in the same
run.

A crawl that asked iCite (``--sources pubmed,icite``) asks it again too, in the same batches:
its citing papers join PubMed's, its edges are stored as iCite's, its metrics replace the
stored ones. Europe PMC and OpenCitations (asked paper by paper) are not asked again.

What it reports as new: citing papers that were not members of the crawl before, with the
members each one cites. The crawl's year window and excluded publication types apply (papers
they leave out are recorded as excluded, with the reason, and not reported); its
``--max-papers`` budget does not. A batch's outcome is written by one store call
(:meth:`citegraph.store.Store.record_linked`). A batch whose link or fetch step fails is
reported as failed and writes nothing: its members keep their old link time, so the next
refresh asks again.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

from .crawl.options import CrawlOptions
from .crawl.protocols import Clients, EutilsLike, ICiteLike
from .crawl.step import Fetched, ask_links, fetch_records, link_rows
from .errors import InputError, NetworkError, SourceError
from .models import Article
from .store import PreparedArticles, Store

__all__ = ["parse_duration", "refresh", "refresh_crawl", "RefreshReport", "NewPaper", "DEFAULT_MAX_AGE"]

DEFAULT_MAX_AGE = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


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
    """What one refresh did (``to_dict`` for JSON, with ``complete``)."""

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


def refresh(client: EutilsLike, store: Store, seed: str, max_age: float, *, parse: Callable[[bytes], list[Article]],
            now: float | None = None, link_batch: int = 200, fetch_batch: int = 500,
            requests_made: Callable[[], int] | None = None, icite: ICiteLike | None = None) -> RefreshReport:
    """Re-link the members of ``seed``'s latest crawl whose links are older than ``max_age``
    seconds and take in the citing papers that are new (see the module docstring).
    ``icite``: the iCite client, needed when the crawl asked iCite. :class:`InputError` when
    there is no such crawl, it is not complete, or it follows references only."""
    started = time.monotonic()
    now = time.time() if now is None else now
    requests_made = requests_made or (lambda: 0)
    requests_before = requests_made()
    if max_age < 0:
        raise InputError("--max-age must not be negative")
    crawl = store.latest_crawl_of(seed)
    if crawl is None:
        raise InputError(f"no crawl from {seed} in the store: run `citegraph crawl {seed}` first")
    options = CrawlOptions.of_crawl(crawl["params"])
    if options.direction == "references":
        raise InputError(f"the crawl from {seed} follows references; --refresh looks for new citing papers "
                         "(crawl with --direction cited-by or both)")
    if crawl["status"] != "complete":
        raise InputError(f"the crawl from {seed} is not complete: run it again first, then refresh")
    if "icite" in options.sources and icite is None:
        raise InputError(f"the crawl from {seed} asked iCite too: set CITEGRAPH_ICITE_URL to the iCite to ask")
    crawl_id = crawl["id"]
    report = RefreshReport(seed=seed, crawl_id=crawl_id, max_age_seconds=max_age)
    # the link step as a refresh takes it: citing papers, from PubMed (and iCite if the crawl asked it)
    step_options = replace(options, direction="cited-by", link_batch=link_batch, fetch_batch=fetch_batch,
                           sources=tuple(s for s in options.sources if s in ("pubmed", "icite")))
    run = _Refresh(Clients(client, icite if "icite" in step_options.sources else None), store, crawl_id,
                   step_options, parse, now, report)
    fallback = crawl.get("finished_at") or crawl.get("started_at") or 0.0
    due: list[tuple[str, int]] = []
    for pmid, generation, state, linked_at in store.link_ages(crawl_id):
        run.members[pmid] = generation
        if state in ("excluded", "missing", "failed") or generation >= options.depth:
            continue
        if now - (fallback if linked_at is None else linked_at) > max_age:
            due.append((pmid, generation))
        else:
            report.fresh += 1
    while due:
        batch, due = due[:link_batch], due[link_batch:]
        # new members still below the depth are linked in this run too
        due.extend((p, g) for p, g in run.step([p for p, _ in batch]) if g < options.depth)
    report.new_papers = sorted(run.new.values(), key=lambda p: int(p.pmid))
    for paper in report.new_papers:
        paper.cites.sort(key=int)
    report.requests = requests_made() - requests_before
    report.elapsed = time.monotonic() - started
    store.add_crawl_requests(crawl_id, report.requests)
    return report


def refresh_crawl(settings, store: Store, seed: str, max_age: float, client: EutilsLike, *,
                  parse: Callable[[bytes], list[Article]] | None = None, now: float | None = None) -> RefreshReport:
    """:func:`refresh` with the clients a ``crawl --refresh`` holds: ``client``, the
    E-utilities client (the caller's to close), and an iCite client of ``settings``
    (:class:`citegraph.config.Settings`), opened and closed here, only when a crawl with these
    settings would ask iCite by default (:func:`citegraph.crawl.options.crawl_sources`). A
    refresh against a local E-utilities without an iCite URL so never reaches the real iCite
    (and a crawl that asked iCite then cannot be refreshed: :func:`refresh` says so).
    ``report.requests`` counts the requests of both clients; ``parse`` defaults to
    :func:`citegraph.pubmed.parse_articles`.
    """
    from .crawl.options import crawl_sources

    if parse is None:
        from .pubmed import parse_articles as parse
    icite = None
    if "icite" in crawl_sources(None, settings):
        from .sources.icite import ICiteClient

        icite = ICiteClient(settings)
    counted = [c for c in (client, icite) if c is not None and hasattr(c, "stats")]
    try:
        return refresh(client, store, seed, max_age, parse=parse, now=now, icite=icite,
                       requests_made=lambda: sum(c.stats["requests"] for c in counted))
    finally:
        if icite is not None:
            icite.close()


class _Refresh:
    """One refresh while it runs: the crawl's members and the new papers found so far."""

    def __init__(self, clients: Clients, store: Store, crawl_id: int, options: CrawlOptions,
                 parse: Callable[[bytes], list], now: float, report: RefreshReport) -> None:
        self.clients = clients
        self.store = store
        self.crawl_id = crawl_id
        self.options = options
        self.parse = parse
        self.now = now
        self.report = report
        #: generation of every member of the crawl, new ones included
        self.members: dict[str, int] = {}
        self.new: dict[str, NewPaper] = {}

    def step(self, pmids: list[str]) -> list[tuple[str, int]]:
        """Link ``pmids`` again, fetch the new citing papers' records and make them members
        (one transaction). Returns the new members kept, as (pmid, generation)."""
        store, report = self.store, self.report
        try:
            linked = link_rows(pmids, ask_links(self.clients, pmids, self.options), "cited-by", self.now)
        except NetworkError:
            raise
        except SourceError as exc:
            report.failed.extend((p, str(exc)) for p in pmids)
            return []
        report.failed.extend((p, f"elink error: {m}") for p, m in linked.errors.items())
        newcomers: dict[str, int] = {}
        for pmid in linked.linked:
            for citing in linked.found[pmid]:
                if citing not in self.members:
                    generation = self.members[pmid] + 1
                    newcomers[citing] = min(newcomers.get(citing, generation), generation)
        stored = store.known_pmids(newcomers)
        known_missing = store.missing_pmids(set(newcomers) - stored)
        unknown = [p for p in newcomers if p not in stored and p not in known_missing]
        fetched = self._fetch(unknown)
        if fetched is None:
            return []  # nothing written: the next refresh asks again
        records = {p: (year, ()) for p, (year, _, _) in store.summaries_of(stored).items()}
        if self.options.exclude_types:  # only then are the stored ones' records read
            records.update((p, (a.year, a.publication_types)) for p, a in store.get_articles(stored).items())
        absent = [p for f in fetched for p in f.absent]
        records.update((a.pmid, (a.year, a.publication_types)) for f in fetched for a in f.articles)
        rows: list[tuple[str, int, str, str | None]] = []
        for pmid, generation in newcomers.items():
            reason = self.options.left_out_by(*records[pmid]) if pmid in records else None
            state = "missing" if pmid not in records else "excluded" if reason else "done"
            rows.append((pmid, generation, state, reason))
        articles = [a for f in fetched for a in f.articles]
        report.new_edges += store.record_linked(
            self.crawl_id, linked.linked, seen_at=self.now, edges=linked.rows, metrics=linked.metrics,
            externals=linked.externals, new_nodes=rows,
            fetched=(PreparedArticles(row for f in fetched for row in f.rows),
                     [row for a in articles for row in a.edge_rows], absent))
        report.relinked += len(linked.linked)
        report.fetched += len(articles)
        report.missing.extend(absent)
        report.excluded.extend(p for p, _, s, _ in rows if s == "excluded")
        self.members.update((p, g) for p, g, _, _ in rows)
        added = [(p, g) for p, g, s, _ in rows if s == "done"]
        self._note_new(linked.linked, linked.found, added)
        return added

    def _fetch(self, pmids: list[str]) -> list[Fetched] | None:
        """The crawl's fetch step for ``pmids``, ``fetch_batch`` at a time; None (with the
        papers reported failed) when a request fails."""
        parts: list[Fetched] = []
        size = self.options.fetch_batch
        for start in range(0, len(pmids), size):
            chunk = pmids[start:start + size]
            try:
                part = fetch_records(self.clients.eutils, self.parse, chunk)
            except NetworkError:
                raise
            except SourceError as exc:
                self.report.failed.extend((p, f"efetch: {exc}") for p in chunk)
                return None
            if part.failed:
                self.report.failed.extend((p, f"efetch: {m}") for p, m in part.failed.items())
                return None
            parts.append(part)
        return parts

    def _note_new(self, linked: list[str], found: dict[str, list[str]], added: list[tuple[str, int]]) -> None:
        """Report the papers ``added`` with the members each cites, and add the links these
        members gave to papers found new in earlier batches."""
        summaries = self.store.summaries_of(p for p, _ in added)
        for pmid, generation in added:
            year, title, journal = summaries[pmid]
            cites = [p for p in linked if pmid in found[p]]
            self.new[pmid] = NewPaper(pmid=pmid, year=year, title=title or "", journal=journal or "",
                                      generation=generation, cites=cites)
        fresh = {p for p, _ in added}
        for pmid in linked:
            for citing in found[pmid]:
                if citing in self.new and citing not in fresh and pmid not in self.new[citing].cites:
                    self.new[citing].cites.append(pmid)
